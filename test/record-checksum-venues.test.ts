// Acceptance (issue 4): recording Kraken, OKX and Bitfinex from the simulator with faults. Every
// book row equals the simulator's ground truth for its update (OKX: seqId; Kraken/Bitfinex: the
// update's exchange time), injected gaps and corruptions are caught by the checksum or sequence
// check and resynced, the recorder exits 0, and a replay of the raw capture reproduces the book
// and trades files byte for byte.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { runCli, type CliResult } from './cli.js';
import { dayDirs, kindText, readKind, readLedger } from './ledger.js';

const DEPTH = 10;

interface Case {
  venue: 'kraken' | 'okx' | 'bitfinex' | 'bitfinex-raw';
  /** The simulator mode (raw Bitfinex books are the Bitfinex protocol). */
  sim: 'kraken' | 'okx' | 'bitfinex';
  symbols: [unified: string, fs: string][];
  faults: string;
  /** The truth key of a book row: OKX its update_id (seqId), the others its exchange time. */
  key: (row: string[]) => number;
}

const CASES: Case[] = [
  { venue: 'kraken', sim: 'kraken', symbols: [['BTC/USD', 'BTCUSD'], ['ETH/USD', 'ETHUSD']], faults: 'gap=1300ms,corrupt=1900ms,malformed=700ms,disconnect=3100ms', key: (r) => Number(r[0]) },
  { venue: 'okx', sim: 'okx', symbols: [['BTC/USDT', 'BTCUSDT'], ['BTC/USDT:USDT', 'BTCUSDTUSDT']], faults: 'gap=1300ms,corrupt=1900ms,malformed=700ms,disconnect=3100ms', key: (r) => Number(r[2]) },
  { venue: 'bitfinex', sim: 'bitfinex', symbols: [['BTC/USD', 'BTCUSD'], ['ETH/USD', 'ETHUSD']], faults: 'gap=1300ms,corrupt=1900ms,malformed=700ms,disconnect=3100ms', key: (r) => Number(r[0]) },
  { venue: 'bitfinex-raw', sim: 'bitfinex', symbols: [['BTC/USD', 'BTCUSD'], ['ETH/USD', 'ETHUSD']], faults: 'gap=1300ms,corrupt=1900ms,malformed=700ms,disconnect=3100ms', key: (r) => Number(r[0]) },
];

function recordArgs(c: Case, sim: SimHandle, dataDir: string): string[] {
  return [
    'record', '--venue', c.venue, '--symbols', c.symbols.map((s) => s[0]).join(','),
    '--ws-url', sim.wsUrl, '--rest-url', sim.restUrl, '--data-dir', dataDir, '--duration', '7s',
    '--depth', String(DEPTH), '--storage-flush-interval-s', '0.2', '--ws-no-data-timeout-s', '2',
    '--ws-no-data-warn-s', '1', '--ws-reconnect-backoff-s', '0.1', '--ws-reconnect-backoff-max-s', '1',
    '--rest-timeout-s', '5', '--no-status', '--log-level', 'warn',
  ];
}

const text = (dataDir: string, venue: string, symbolFs: string, kind: 'trades' | 'book'): string => kindText(dataDir, venue, symbolFs, kind);

describe.each(CASES)('record $venue from the simulator with faults', (c) => {
  let sim: SimHandle;
  let result: CliResult;
  let replayed: CliResult;
  const dataDir = mkdtempSync(join(tmpdir(), `mf-${c.venue}-`));
  const outDir = mkdtempSync(join(tmpdir(), `mf-${c.venue}-replay-`));

  beforeAll(async () => {
    sim = await startSim({ venue: c.sim, symbols: c.symbols.map((s) => s[0]), seed: 7, diffIntervalMs: 25, faults: c.faults });
    result = await runCli(recordArgs(c, sim, dataDir), {}, 60_000);
    await sim.stop();
    replayed = await runCli(['replay', '--data-dir', dataDir, '--venue', c.venue, '--out-dir', outDir], {}, 60_000);
  }, 120_000);
  afterAll(async () => {
    await sim?.stop();
  });

  it('exits 0 after --duration, and the replay too', () => {
    expect(result.code, result.stderr).toBe(0);
    expect(replayed.code, replayed.stderr).toBe(0);
  });

  it.each(c.symbols.map((s) => s[1]))('%s: every book row (the last of each update) equals the ground truth', (fs) => {
    const { header, rows } = readKind(dataDir, c.venue, fs, 'book');
    expect(header.length).toBe(3 + 4 * DEPTH);
    // a venue sending one update as several frames (Bitfinex, one level each) shows its
    // in-between books too: the truth is the book after the whole update
    const last = new Map<number, string[]>();
    for (const r of rows) last.set(c.key(r), r);
    let checked = 0;
    for (const [key, r] of last) {
      const truth = sim.truth.topAt(fs, key);
      if (truth === undefined) continue;
      const want: string[] = [];
      for (let i = 0; i < DEPTH; i++) want.push(truth.bids[i]?.[0] ?? '', truth.bids[i]?.[1] ?? '');
      for (let i = 0; i < DEPTH; i++) want.push(truth.asks[i]?.[0] ?? '', truth.asks[i]?.[1] ?? '');
      expect(r.slice(3), `${fs} row at key ${key}`).toEqual(want);
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('caught injected gaps and corruptions with gap events, each followed by a resync', () => {
    expect(sim.injected.corruptions.length + sim.injected.gaps.length).toBeGreaterThan(0);
    let gaps = 0;
    let resynced = 0;
    for (const [, fs] of c.symbols) {
      const ledger = readLedger(dataDir, c.venue, fs);
      for (const g of ledger.filter((l) => l.kind === 'gap')) {
        gaps++;
        if (ledger.some((l) => l.eventId > g.eventId && l.state === 'SYNCED' && l.detail.startsWith('book'))) resynced++;
      }
    }
    expect(gaps).toBeGreaterThan(0);
    expect(resynced).toBeGreaterThan(0);
    // and nothing but the faults: a checksum that disagrees without one is a bug on one side
    expect(gaps).toBeLessThanOrEqual(sim.injected.gaps.length + sim.injected.corruptions.length);
    const stop = readLedger(dataDir, c.venue, c.symbols[0][1]).find((l) => l.kind === 'run_stop');
    expect(stop, 'run_stop row').toBeDefined();
  });

  it('rejected the malformed frames without writing them anywhere but the ledger and raw', () => {
    let rejects = 0;
    for (const [, fs] of c.symbols) rejects += readLedger(dataDir, c.venue, fs).filter((l) => l.kind === 'reject').length;
    expect(rejects).toBeGreaterThan(0);
  });

  it('validate rebuilds each recorded day, finds the injected faults and exits 1', async () => {
    let found = 0;
    for (const [, fs] of c.symbols) {
      const [day] = dayDirs(dataDir, c.venue, fs);
      const v = await runCli(['validate', '--day-dir', day, '--format', 'json'], {}, 60_000);
      const r = JSON.parse(v.stdout) as { clean: boolean; gaps: number; checksumMismatches: number; updatesVerified: number; book: { unverified: number; missing: number } };
      expect(r.updatesVerified).toBeGreaterThan(30);
      expect(r.book.unverified + r.book.missing, `${fs}: every recorded book row is reproduced`).toBe(0);
      found += r.gaps + r.checksumMismatches;
      expect(v.code, v.stderr).toBe(r.clean ? 0 : 1);
    }
    expect(found).toBeGreaterThan(0);
  });

  it.each(c.symbols.map((s) => s[1]))('%s: replaying the raw capture reproduces the book and trades files', (fs) => {
    const book = text(dataDir, c.venue, fs, 'book');
    expect(book.split('\n').length).toBeGreaterThan(30);
    expect(text(outDir, c.venue, fs, 'book') === book, 'book rows differ').toBe(true);
    expect(text(outDir, c.venue, fs, 'trades') === text(dataDir, c.venue, fs, 'trades'), 'trades differ').toBe(true);
  });
});

describe.each(CASES)('record $venue across make-before-break rotations', (c) => {
  let sim: SimHandle;
  let result: CliResult;
  let replayed: CliResult;
  const dataDir = mkdtempSync(join(tmpdir(), `mf-${c.venue}-rot-`));
  const outDir = mkdtempSync(join(tmpdir(), `mf-${c.venue}-rot-replay-`));

  beforeAll(async () => {
    sim = await startSim({ venue: c.sim, symbols: [c.symbols[0][0]], seed: 3, diffIntervalMs: 25 });
    const args = recordArgs({ ...c, symbols: [c.symbols[0]] }, sim, dataDir);
    args[args.indexOf('--duration') + 1] = '6s';
    result = await runCli([...args, '--ws-max-session-s', '1.5'], {}, 60_000);
    await sim.stop();
    replayed = await runCli(['replay', '--data-dir', dataDir, '--venue', c.venue, '--out-dir', outDir], {}, 60_000);
  }, 120_000);
  afterAll(async () => {
    await sim?.stop();
  });

  it('rotates with no gap, every row equal to the ground truth, and replays to the same files', () => {
    expect(result.code, result.stderr).toBe(0);
    expect(replayed.code, replayed.stderr).toBe(0);
    const fs = c.symbols[0][1];
    const ledger = readLedger(dataDir, c.venue, fs);
    expect(ledger.filter((l) => l.kind === 'connect' && l.detail.includes('rotated')).length).toBeGreaterThanOrEqual(2);
    expect(ledger.filter((l) => l.kind === 'gap')).toEqual([]);
    const { rows } = readKind(dataDir, c.venue, fs, 'book');
    const last = new Map<number, string[]>();
    for (const r of rows) last.set(c.key(r), r);
    let checked = 0;
    for (const [key, r] of last) {
      const truth = sim.truth.topAt(fs, key);
      if (truth === undefined) continue;
      expect(r[3], `best bid at ${key}`).toBe(truth.bids[0][0]);
      expect(r[3 + 2 * DEPTH], `best ask at ${key}`).toBe(truth.asks[0][0]);
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
    expect(text(outDir, c.venue, fs, 'book') === text(dataDir, c.venue, fs, 'book'), 'book rows differ').toBe(true);
  });
});
