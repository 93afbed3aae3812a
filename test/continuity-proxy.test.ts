// Acceptance: `record` through proxies. The built CLI records the simulator through a local HTTP
// CONNECT proxy (--proxy, with credentials that must never be printed), through a SOCKS5 proxy
// (ALL_PROXY) and through HTTP_PROXY; the recording is whole (books SYNCED, files written,
// validate clean) and the proxy saw both the websocket and the REST tunnels. NO_PROXY bypasses
// the proxy; a proxy that is down is the venue being unreachable, named in one line; a malformed
// proxy URL is one line and exit 2 before anything connects. The proxy variables are set only in
// the recorder's own environment (test/cli.ts passes an explicit one).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../src/sim/index.js';
import type { ValidateReport } from '../src/replay/validate.js';
import { runCli, type CliResult } from './cli.js';
import { dayDirs, readKind, readLedger } from './ledger.js';
import { startConnectProxy, startSocks5Proxy, type TestProxy } from './proxy-servers.js';

const SYMBOL = 'BTC/USDT';
const FS = 'BTCUSDT';
const SECRET = 'hunter2-do-not-print';

let sim: SimHandle;
const dirs: string[] = [];

beforeAll(async () => {
  sim = await startSim({ symbols: [FS], seed: 5, diffIntervalMs: 20 });
}, 30_000);

afterAll(async () => {
  await sim?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mf-proxy-'));
  dirs.push(d);
  return d;
}

function recordArgs(dir: string, extra: string[] = []): string[] {
  return [
    'record', '--venue', 'binance', '--symbols', SYMBOL, '--ws-url', sim.wsUrl, '--rest-url', sim.restUrl,
    '--data-dir', dir, '--duration', '3s', '--depth', '10', '--storage-flush-interval-s', '0.2',
    '--rest-timeout-s', '5', '--ws-reconnect-backoff-s', '0.1', '--ws-max-reconnects', '2', '--no-status', '--log-level', 'info',
    ...extra,
  ];
}

/** host:port of the simulator, as a proxy is asked to reach it. */
function simTarget(): string {
  return new URL(sim.restUrl).host;
}

async function expectWholeRecording(dir: string, rec: CliResult): Promise<void> {
  expect(rec.code, rec.stderr).toBe(0);
  const ledger = readLedger(dir, 'binance', FS);
  expect(ledger.some((l) => l.state === 'SYNCED'), 'a book reached SYNCED').toBe(true);
  expect(readKind(dir, 'binance', FS, 'book').rows.length).toBeGreaterThan(10);
  expect(readKind(dir, 'binance', FS, 'trades').rows.length).toBeGreaterThan(0);
  const days = dayDirs(dir, 'binance', FS);
  const v = await runCli(['validate', '--day-dir', days[days.length - 1], '--format', 'json'], {}, 60_000);
  expect(v.code, v.stdout + v.stderr).toBe(0);
  const report = JSON.parse(v.stdout) as ValidateReport;
  expect(report.clean).toBe(true);
  expect(report.gaps).toBe(0);
  expect(report.snapshots.files).toBeGreaterThan(0);
}

/** The proxy carried the websocket and the REST requests (listing, snapshot) to the simulator. */
function expectTunnels(p: TestProxy): void {
  const toSim = p.tunnels.filter((t) => t.target === simTarget());
  expect(toSim.length, JSON.stringify(p.tunnels)).toBe(p.tunnels.length);
  expect(toSim.some((t) => t.websocket), 'a websocket tunnel').toBe(true);
  expect(toSim.some((t) => !t.websocket && /^GET \/api\/v3\/exchangeInfo/.test(t.firstLine)), 'the listing went through').toBe(true);
  expect(toSim.some((t) => !t.websocket && /^GET \/api\/v3\/depth/.test(t.firstLine)), 'a snapshot went through').toBe(true);
}

describe('record through an HTTP CONNECT proxy (--proxy with credentials)', () => {
  let proxy: TestProxy;
  let dir: string;
  let rec: CliResult;

  beforeAll(async () => {
    proxy = await startConnectProxy();
    dir = dataDir();
    rec = await runCli(recordArgs(dir, ['--proxy', `http://alice:${SECRET}@127.0.0.1:${proxy.port}`]), {}, 60_000);
  }, 90_000);
  afterAll(() => proxy?.close());

  it('records whole: books SYNCED, files written, validate clean', async () => {
    await expectWholeRecording(dir, rec);
  });

  it('the proxy saw the websocket and the REST tunnels, with the credentials', () => {
    expectTunnels(proxy);
    expect(proxy.auth.length).toBeGreaterThan(0);
    expect(proxy.auth.every((a) => a === `Basic ${Buffer.from(`alice:${SECRET}`).toString('base64')}`)).toBe(true);
  });

  it('logs that a proxy is in use, masked; never the password', () => {
    const out = rec.stdout + rec.stderr;
    expect(out).toMatch(/proxy in use/);
    expect(out).toContain(`http://***@127.0.0.1:${proxy.port}`);
    expect(out).not.toContain(SECRET);
  });
});

describe('record through the environment\'s proxies', () => {
  it('ALL_PROXY=socks5://…: a SOCKS5 proxy carries websocket and REST', async () => {
    const proxy = await startSocks5Proxy();
    try {
      const dir = dataDir();
      const rec = await runCli(recordArgs(dir), { ALL_PROXY: proxy.url }, 60_000);
      await expectWholeRecording(dir, rec);
      expectTunnels(proxy);
      expect(rec.stdout + rec.stderr).toMatch(/"proxy":"ALL_PROXY=socks5:\/\/127\.0\.0\.1:\d+".*"msg":"proxy in use"/);
    } finally {
      await proxy.close();
    }
  }, 90_000);

  it('HTTP_PROXY (the simulator speaks http:// and ws://; HTTPS_PROXY would serve https:// and wss://)', async () => {
    const proxy = await startConnectProxy();
    try {
      const dir = dataDir();
      const rec = await runCli(recordArgs(dir), { HTTP_PROXY: proxy.url, HTTPS_PROXY: 'http://127.0.0.1:9' }, 60_000);
      await expectWholeRecording(dir, rec);
      expectTunnels(proxy);
    } finally {
      await proxy.close();
    }
  }, 90_000);

  it('NO_PROXY bypasses it: the recording goes direct, the proxy sees nothing', async () => {
    const proxy = await startConnectProxy();
    try {
      const dir = dataDir();
      const rec = await runCli(recordArgs(dir), { HTTP_PROXY: proxy.url, ALL_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }, 60_000);
      await expectWholeRecording(dir, rec);
      expect(proxy.tunnels).toEqual([]);
      expect(rec.stdout + rec.stderr).toMatch(/"ws":"direct","rest":"direct"/);
    } finally {
      await proxy.close();
    }
  }, 90_000);
});

describe('the other commands that talk to a venue', () => {
  it('history candles (ccxt\'s REST) through --proxy socks5://', async () => {
    const proxy = await startSocks5Proxy();
    try {
      const from = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000;
      const r = await runCli([
        'history', 'candles', '--venue', 'binance', '--symbol', SYMBOL, '--rest-url', sim.restUrl, '--data-dir', dataDir(), '--no-rate-limit',
        '--timeframe', '1m', '--from', new Date(from).toISOString(), '--to', new Date(from + 60 * 60_000).toISOString(), '--proxy', proxy.url,
      ], {}, 60_000);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/fetched 60 rows/);
      expect(proxy.tunnels.every((t) => t.target === simTarget())).toBe(true);
      expect(proxy.tunnels.some((t) => /^GET \/api\/v3\/klines/.test(t.firstLine))).toBe(true);
    } finally {
      await proxy.close();
    }
  }, 90_000);

  it('history: a proxy that is down is a clear error naming it', async () => {
    const dead = await startConnectProxy();
    await dead.close();
    const r = await runCli([
      'history', 'candles', '--venue', 'binance', '--symbol', SYMBOL, '--rest-url', sim.restUrl, '--data-dir', dataDir(), '--no-rate-limit',
      '--timeframe', '1m', '--from', '2026-01-01T00:00:00Z', '--to', '2026-01-01T01:00:00Z', '--retries', '0',
    ], { HTTP_PROXY: `http://alice:${SECRET}@127.0.0.1:${dead.port}` }, 60_000);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`via proxy http://***@127.0.0.1:${dead.port}`);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  }, 60_000);

  it('record --venue ccxt:binance (ccxt\'s websockets and REST) through --proxy http://', async () => {
    const proxy = await startConnectProxy();
    try {
      const dir = dataDir();
      const r = await runCli([
        'record', '--venue', 'ccxt:binance', '--symbols', SYMBOL, '--ws-url', `${sim.wsUrl}/ws?ccxt=`, '--rest-url', sim.restUrl,
        '--ccxt-config', '{"options":{"fetchMarkets":{"types":["spot"]}}}', '--data-dir', dir, '--duration', '4s', '--depth', '10',
        '--storage-flush-interval-s', '0.2', '--no-status', '--log-level', 'info', '--proxy', `http://alice:${SECRET}@127.0.0.1:${proxy.port}`,
      ], {}, 90_000);
      expect(r.code, r.stderr).toBe(0);
      expect(readLedger(dir, 'ccxt-binance', FS).some((l) => l.state === 'SYNCED')).toBe(true);
      expect(readKind(dir, 'ccxt-binance', FS, 'book').rows.length).toBeGreaterThan(0);
      expectTunnels(proxy);
      expect(r.stdout + r.stderr).toMatch(/"proxy":"http:\/\/\*\*\*@127\.0\.0\.1:\d+".*"msg":"proxy in use"/);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
    } finally {
      await proxy.close();
    }
  }, 120_000);
});

describe('a proxy that is down or malformed', () => {
  it('down: one line naming the proxy (masked), as for an unreachable venue; nothing recorded', async () => {
    const dead = await startConnectProxy();
    await dead.close();
    const dir = dataDir();
    const r = await runCli(recordArgs(dir, ['--proxy', `http://alice:${SECRET}@127.0.0.1:${dead.port}`, '--log-level', 'error']), {}, 60_000);
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/MF_ERR_UNREACHABLE/);
    expect(lines[0]).toContain(`via proxy http://***@127.0.0.1:${dead.port}`);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(readKind(dir, 'binance', FS, 'book').rows).toEqual([]);
    expect(readKind(dir, 'binance', FS, 'trades').rows).toEqual([]);
  });

  it('down, given by ALL_PROXY as socks5: the same one line', async () => {
    const dead = await startSocks5Proxy();
    await dead.close();
    const r = await runCli(recordArgs(dataDir(), ['--log-level', 'error']), { ALL_PROXY: `socks5://127.0.0.1:${dead.port}` }, 60_000);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`MF_ERR_UNREACHABLE.*via proxy socks5://127\\.0\\.0\\.1:${dead.port}`));
  });

  it.each([
    ['an unknown scheme', ['--proxy', `ftp://alice:${SECRET}@127.0.0.1:21`], {}, /proxy "ftp:\/\/\*\*\*@127\.0\.0\.1:21" \(from proxy\) has scheme ftp/],
    ['no host', ['--proxy', `http://alice:${SECRET}@`], {}, /proxy "http:\/\/\*\*\*@" \(from proxy\) (names no host|is not a URL)/],
    ['no URL', ['--proxy', 'not a proxy'], {}, /proxy "not a proxy" \(from proxy\) is not a URL/],
    ['a bad HTTPS_PROXY', [], { HTTPS_PROXY: `gopher://alice:${SECRET}@h:70` }, /\(from environment HTTPS_PROXY\) has scheme gopher/],
  ] as const)('malformed (%s): one line, exit 2, before anything connects', async (_what, args, env, message) => {
    const dir = dataDir();
    const r = await runCli(recordArgs(dir, [...args]), { ...env }, 30_000);
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^marketfeed: MF_ERR_CONFIG: /);
    expect(lines[0]).toMatch(message);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(r.stdout).toBe('');
    expect(dayDirs(dir, 'binance', FS)).toEqual([]);
  });
});
