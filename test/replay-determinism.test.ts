// Acceptance (raw first, one pipeline): a live recording with faults, replayed from its raw
// capture with --out-dir, reproduces its trades and book files byte for byte (after
// decompression) and the same gaps and resyncs in its events file. Without --out-dir, replay
// prints schema-valid MarketEvents as NDJSON.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarketEvent } from '../src/core/events.js';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { runCli, type CliResult } from './cli.js';
import { dayDirs, kindText, syncRows } from './ledger.js';
import { FIXTURES } from './fixtures.js';

const SYMBOLS = [['BTC/USDT', 'BTCUSDT'], ['ETH/USDT', 'ETHUSDT']] as const;

function recordArgs(sim: SimHandle, dataDir: string): string[] {
  return [
    'record', '--venue', 'binance', '--symbols', SYMBOLS.map((s) => s[0]).join(','),
    '--ws-url', sim.wsUrl, '--rest-url', sim.restUrl, '--data-dir', dataDir, '--duration', '6s',
    '--depth', '20', '--storage-flush-interval-s', '0.2', '--ws-no-data-timeout-s', '1',
    '--ws-no-data-warn-s', '0.5', '--ws-reconnect-backoff-s', '0.1', '--ws-reconnect-backoff-max-s', '1',
    '--rest-timeout-s', '5', '--no-status', '--log-level', 'warn', '--quote-check', 'resync',
  ];
}

const text = (dataDir: string, symbolFs: string, kind: 'trades' | 'book'): string => kindText(dataDir, 'binance', symbolFs, kind);

describe('replay reproduces a live recording', () => {
  let sim: SimHandle;
  let recorded: CliResult;
  let replayed: CliResult;
  let ndjson: CliResult;
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-replay-in-'));
  const outDir = mkdtempSync(join(tmpdir(), 'mf-replay-out-'));

  beforeAll(async () => {
    sim = await startSim({
      symbols: SYMBOLS.map((s) => s[1]), seed: 21, diffIntervalMs: 20,
      faults: 'gap=900ms,malformed=700ms,disconnect=2500ms,stalesnapshot=3100ms',
    });
    recorded = await runCli(recordArgs(sim, dataDir), {}, 60_000);
    await sim.stop();
    [replayed, ndjson] = await Promise.all([
      runCli(['replay', '--data-dir', dataDir, '--venue', 'binance', '--out-dir', outDir, '--quote-check', 'resync'], {}, 60_000),
      runCli(['replay', '--data-dir', dataDir, '--venue', 'binance', '--quote-check', 'resync'], {}, 60_000),
    ]);
  }, 120_000);
  afterAll(async () => {
    await sim?.stop();
  });

  it('record and replay both exit 0', () => {
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(ndjson.code, ndjson.stderr).toBe(0);
  });

  it.each(SYMBOLS.map((s) => s[1]))('%s: trades and book files are identical after decompression', (symbolFs) => {
    const trades = text(dataDir, symbolFs, 'trades');
    const book = text(dataDir, symbolFs, 'book');
    expect(trades.split('\n').length).toBeGreaterThan(10);
    expect(book.split('\n').length).toBeGreaterThan(50);
    expect(text(outDir, symbolFs, 'trades') === trades, 'trades differ').toBe(true);
    expect(text(outDir, symbolFs, 'book') === book, 'book rows differ').toBe(true);
  });

  it.each(SYMBOLS.map((s) => s[1]))('%s: the same gaps and resyncs, at the same times', (symbolFs) => {
    const live = syncRows(dataDir, 'binance', symbolFs);
    expect(live.filter((r) => r.kind === 'gap').length, 'the faults made gaps').toBeGreaterThan(0);
    expect(live.filter((r) => r.state === 'RESYNCING').length).toBeGreaterThan(0);
    expect(syncRows(outDir, 'binance', symbolFs)).toEqual(live);
  });

  it('writes no raw capture into --out-dir', () => {
    for (const [, fs] of SYMBOLS) {
      for (const d of dayDirs(outDir, 'binance', fs)) expect(existsSync(join(d, `raw_${fs}_${d.slice(-8)}.ndjson.gz`))).toBe(false);
    }
  });

  it('prints schema-valid MarketEvents as NDJSON, the same trades as the files', () => {
    const lines = ndjson.stdout.split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThan(100);
    const types = new Set<string>();
    const tradeIds = new Map<string, number>();
    for (const l of lines) {
      const ev = MarketEvent.parse(JSON.parse(l));
      types.add(ev.type);
      if (ev.type === 'trade') tradeIds.set(ev.venueSymbol, (tradeIds.get(ev.venueSymbol) ?? 0) + 1);
    }
    expect([...types].sort()).toEqual(expect.arrayContaining(['book_snapshot', 'gap', 'quote', 'status', 'trade']));
    for (const [, fs] of SYMBOLS) {
      expect(tradeIds.get(fs)).toBe(text(dataDir, fs, 'trades').split('\n').filter((l) => l !== '').length - 1);
    }
  });
});

describe('replay: bad input', () => {
  it.each([
    ['a missing data dir', ['replay', '--data-dir', '/nonexistent/mf', '--venue', 'binance']],
    ['an unknown venue', ['replay', '--data-dir', tmpdir(), '--venue', 'nosuchvenue']],
    ['a dir without raw files', ['replay', '--data-dir', mkdtempSync(join(tmpdir(), 'mf-empty-')), '--venue', 'binance']],
    ['a bad speed', ['replay', '--data-dir', tmpdir(), '--venue', 'binance', '--speed', 'fast']],
  ])('%s: one line on stderr, exit 2', async (_what, args) => {
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^marketfeed: /);
  });
});

describe('replay --capture (cryptofeed)', () => {
  it('replays the BINANCE capture through the CLI: 4 symbols synced, 0 gaps', async () => {
    const cf = `${FIXTURES}/cryptofeed`;
    const r = await runCli(['replay', '--capture', `${cf}/BINANCE.ws.1.0`, '--http', `${cf}/BINANCE.http.0.0`, '--venue', 'binance']);
    expect(r.code, r.stderr).toBe(0);
    const evs = r.stdout.split('\n').filter((l) => l !== '').map((l) => MarketEvent.parse(JSON.parse(l)));
    expect(evs.filter((e) => e.type === 'gap')).toEqual([]);
    const synced = new Set(evs.filter((e) => e.type === 'status' && e.state === 'SYNCED').map((e) => e.symbol));
    expect([...synced].sort()).toEqual(['BLZ/ETH', 'LRC/BTC', 'NKN/USDT', 'RUNE/EUR']);
  });
});
