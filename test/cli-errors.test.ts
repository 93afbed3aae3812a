// Bad input at the command line: one actionable line on stderr, exit code 2, never a stack trace.
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { runCli } from './cli.js';

let sim: SimHandle;
const dataDir = mkdtempSync(join(tmpdir(), 'mf-cli-'));

beforeAll(async () => {
  sim = await startSim({ symbols: ['BTCUSDT', 'ETHUSDT'], seed: 3 });
});
afterAll(async () => {
  await sim?.stop();
});

function expectOneLine(stderr: string, ...parts: string[]): void {
  const lines = stderr.trim().split('\n');
  expect(lines.length, stderr).toBe(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  for (const p of parts) expect(stderr).toContain(p);
}

async function freePortWithNothing(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('marketfeed record: bad input exits 2 with one line', () => {
  const base = () => ['record', '--data-dir', dataDir, '--ws-url', sim.wsUrl, '--rest-url', sim.restUrl, '--duration', '5s', '--no-status'];

  it('bad config value names key, value and expectation', async () => {
    const r = await runCli([...base(), '--depth', 'many']);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, 'MF_ERR_CONFIG', 'depth', '"many"', 'an integer');
  });

  it('bad env value', async () => {
    const r = await runCli(base(), { WS_PING_INTERVAL_S: '-1' });
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, 'ws.pingIntervalS', 'WS_PING_INTERVAL_S');
  });

  it('unknown flag', async () => {
    const r = await runCli([...base(), '--depht', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--depht'");
  });

  it('unknown venue', async () => {
    const r = await runCli([...base(), '--venue', 'mtgox']);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, 'MF_ERR_UNKNOWN_VENUE', 'mtgox', 'binance');
  });

  it('malformed symbol', async () => {
    const r = await runCli([...base(), '--symbols', 'BTCUSDT']);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, 'MF_ERR_UNKNOWN_SYMBOL', 'BTCUSDT');
  });

  it('symbol the venue does not list (checked against exchangeInfo)', async () => {
    const r = await runCli([...base(), '--symbols', 'BTC/USDT,DOGE/EUR']);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, 'MF_ERR_UNKNOWN_SYMBOL', 'DOGE/EUR');
  });

  it('unreachable endpoint', async () => {
    const port = await freePortWithNothing();
    const r = await runCli([...base(), '--rest-url', `http://127.0.0.1:${port}`, '--ws-url', `ws://127.0.0.1:${port}`]);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, 'MF_ERR_UNREACHABLE', `127.0.0.1:${port}`);
  });

  it('data directory that cannot be created', async () => {
    const file = join(dataDir, 'a-file');
    writeFileSync(file, 'not a directory');
    const r = await runCli([...base(), '--data-dir', join(file, 'data')]);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr, 'MF_ERR_CONFIG', 'not writable', 'ENOTDIR', join(file, 'data'));
  });

  it('--help lists venues and config flags and exits 0', async () => {
    const r = await runCli(['record', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('binance-futures');
    expect(r.stdout).toContain('--ws-ping-interval-s');
    expect(r.stdout).toContain('WS_PING_INTERVAL_S');
  });
});
