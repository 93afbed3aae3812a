// Acceptance (issue 11, continuity): `record --redundant 2` opens every connection twice (lines A
// and B, here B on its own URL so the simulator can fault it alone). Drops, stalls, skipped and
// corrupted updates on one line are covered by the other: no gap in the ledger, no resync, every
// book row equal to the simulator's ground truth, no trade missing; replay reproduces the files
// byte for byte and validate finds the day clean. Only an update both lines miss is a gap (then a
// resync, as without redundancy).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../src/sim/index.js';
import type { FaultKind } from '../src/sim/faults.js';
import { runCli, type CliResult } from './cli.js';
import { until } from './wait.js';
import { dayDirs, kindText, readKind, readLedger, syncRows } from './ledger.js';
import { bookRowsAgainstTruth, validateDay } from './truth-rows.js';

const DEPTH = 20;
const SYMBOLS = [['BTC/USDT', 'BTCUSDT'], ['ETH/USDT', 'ETHUSDT']] as const;
/** Line A on `/market…`, line B on `/public…` (both serve everything here): each can be faulted alone. */
const LINE_A = '/market/';
const LINE_B = '/public/';

function recordArgs(sim: SimHandle, dataDir: string, duration: string): string[] {
  return [
    'record', '--venue', 'binance', '--symbols', SYMBOLS.map((s) => s[0]).join(','), '--redundant', '2',
    '--ws-url', `${sim.wsUrl}/market`, '--ws-url-b', `${sim.wsUrl}/public`, '--rest-url', sim.restUrl,
    '--data-dir', dataDir, '--duration', duration, '--depth', String(DEPTH), '--storage-flush-interval-s', '0.2',
    '--ws-no-data-timeout-s', '2', '--ws-no-data-warn-s', '1', '--ws-reconnect-backoff-s', '0.1', '--ws-reconnect-backoff-max-s', '0.5',
    '--rest-timeout-s', '5', '--no-status', '--log-level', 'warn', '--quote-check', 'resync',
  ];
}

/** Records for `duration` while `faults` run on their own timers (stopped before the run ends). */
async function recordWith(sim: SimHandle, dataDir: string, duration: string, faults: (stop: () => boolean) => Promise<void>): Promise<CliResult> {
  let done = false;
  const run = runCli(recordArgs(sim, dataDir, duration), {}, 60_000).finally(() => (done = true));
  await faults(() => done);
  return run;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The recorder's two sockets are open, and a second more has passed for its books to sync. */
async function bothLinesUp(sim: SimHandle): Promise<void> {
  await until(() => sim.stats().connections >= 2, 20_000);
  await sleep(1000);
}

/** `key=value` figures of the run_stop row. */
function runStop(dataDir: string, symbolFs: string, venue = 'binance'): Record<string, number> {
  const stop = readLedger(dataDir, venue, symbolFs).find((l) => l.kind === 'run_stop');
  expect(stop, 'run_stop row').toBeDefined();
  return Object.fromEntries([...stop!.detail.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
}

/** Every trade id from the first recorded to the last, each once. */
function expectNoTradeMissing(dataDir: string, symbolFs: string, venue = 'binance'): number {
  const ids = readKind(dataDir, venue, symbolFs, 'trades').rows.map((r) => Number(r[4])).sort((a, b) => a - b);
  expect(ids.length).toBeGreaterThan(20);
  for (let i = 1; i < ids.length; i++) expect(ids[i], `${symbolFs}: trade after ${ids[i - 1]}`).toBe(ids[i - 1] + 1);
  return ids.length;
}

async function replayMatches(dataDir: string, symbols: readonly (readonly [string, string])[]): Promise<void> {
  const outDir = mkdtempSync(join(tmpdir(), 'mf-redundant-replay-'));
  try {
    const replayed = await runCli(['replay', '--data-dir', dataDir, '--venue', 'binance', '--out-dir', outDir, '--quote-check', 'resync'], {}, 60_000);
    expect(replayed.code, replayed.stderr).toBe(0);
    for (const [, fs] of symbols) {
      for (const kind of ['trades', 'book'] as const) {
        const live = kindText(dataDir, 'binance', fs, kind);
        expect(live.length).toBeGreaterThan(0);
        expect(kindText(outDir, 'binance', fs, kind) === live, `${fs}: replayed ${kind} differ`).toBe(true);
      }
      expect(syncRows(outDir, 'binance', fs)).toEqual(syncRows(dataDir, 'binance', fs));
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

describe('record --redundant 2: faults on one line at a time are covered by the other', () => {
  let sim: SimHandle;
  let result: CliResult;
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-redundant-'));

  beforeAll(async () => {
    sim = await startSim({ symbols: SYMBOLS.map((s) => s[1]), seed: 17, diffIntervalMs: 20 });
    result = await recordWith(sim, dataDir, '12s', async (stopped) => {
      await bothLinesUp(sim); // and the books synced
      // line B's turn, then line A's (each line recovers before the other is touched)
      const plan: [string, FaultKind, number][] = [];
      for (const url of [LINE_B, LINE_A]) {
        plan.push([url, 'gap', 0], [url, 'corrupt', 1], [url, 'gap', 1], [url, 'stall', 0], [url, 'corrupt', 0], [url, 'disconnect', 0], [url, 'gap', 0]);
      }
      for (const [url, kind, sym] of plan) {
        if (stopped()) return;
        sim.inject(kind, { connUrl: url, venueSymbol: SYMBOLS[sym][1], durationMs: 400 });
        await sleep(kind === 'disconnect' || kind === 'stall' ? 1200 : 350);
      }
      // line B falls behind (stalled), and meanwhile line A skips updates: A's next updates wait
      // for B to catch up and bring the missing ones, which it does
      if (stopped()) return;
      sim.inject('stall', { connUrl: LINE_B, durationMs: 700 });
      await sleep(100);
      sim.inject('gap', { connUrl: LINE_A, venueSymbol: SYMBOLS[0][1] });
      sim.inject('corrupt', { connUrl: LINE_A, venueSymbol: SYMBOLS[1][1] });
    });
  }, 90_000);
  afterAll(async () => {
    await sim?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exits 0 and every per-line fault was taken', () => {
    expect(result.code, result.stderr).toBe(0);
    const taken = sim.injected.connFaults;
    for (const kind of ['gap', 'corrupt', 'stall'] as const) expect(taken.filter((t) => t.kind === kind).length, kind).toBeGreaterThan(1);
    expect(sim.injected.disconnects).toBe(2);
    expect(sim.injected.gaps).toEqual([]); // nothing the venue dropped for everyone
  });

  it.each(SYMBOLS.map((s) => s[1]))('%s: no gap, no resync, every book row equals the ground truth', (fs) => {
    const ledger = readLedger(dataDir, 'binance', fs);
    expect(ledger.filter((l) => l.kind === 'gap')).toEqual([]);
    const states = ledger.filter((l) => l.detail.startsWith('book') && l.state !== '').map((l) => l.state);
    expect(states.filter((s) => s === 'RESYNCING')).toEqual([]);
    expect(states.filter((s) => s === 'SYNCED').length).toBe(1);
    expect(bookRowsAgainstTruth(sim, dataDir, { label: 'binance', fs, depth: DEPTH })).toBeGreaterThan(100);
  });

  it.each(SYMBOLS.map((s) => s[1]))('%s: no trade missing, none twice', (fs) => {
    expectNoTradeMissing(dataDir, fs);
  });

  it('the ledger says how often each line filled in for the other, and nothing was missed by both', () => {
    const s = runStop(dataDir, 'BTCUSDT');
    expect(s.gaps).toBe(0);
    expect(s.resyncs).toBe(0);
    expect(s.line_a_fills).toBeGreaterThan(0);
    expect(s.line_b_fills).toBeGreaterThan(0);
    expect(s.line_a_reconnects + s.line_b_reconnects).toBeGreaterThanOrEqual(2);
    expect(s.redundant_duplicates).toBeGreaterThan(100);
    expect(s.both_lines_missed).toBe(0);
    // the corrupted copies were rejected (counted), not taken for gaps
    expect(s.rejects).toBeGreaterThanOrEqual(4);
  });

  it('the raw capture keeps both lines', () => {
    const opens = readLedger(dataDir, 'binance', 'BTCUSDT').filter((l) => l.kind === 'subscribe').map((l) => l.detail);
    expect(opens.some((d) => / line=a:0$/.test(d) && d.includes('/market/stream'))).toBe(true);
    expect(opens.some((d) => / line=b:0$/.test(d) && d.includes('/public/stream'))).toBe(true);
  });

  it('replay reproduces trades, books and sync rows byte for byte', async () => {
    await replayMatches(dataDir, SYMBOLS);
  }, 90_000);

  it('validate finds every day clean', async () => {
    for (const [, fs] of SYMBOLS) {
      for (const day of dayDirs(dataDir, 'binance', fs)) {
        const { code, report, result: r } = await validateDay(day);
        expect(code, r.stdout + r.stderr).toBe(0);
        expect(report.clean, r.stdout).toBe(true);
        expect(report.gaps).toBe(0);
        expect(report.book.unverified).toBe(0);
      }
    }
  }, 90_000);
});

describe('record --redundant 2: an update both lines miss', () => {
  let sim: SimHandle;
  let result: CliResult;
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-redundant-both-'));
  const ONE = [SYMBOLS[0]] as const;

  beforeAll(async () => {
    sim = await startSim({ symbols: [ONE[0][1]], seed: 23, diffIntervalMs: 20 });
    const args = recordArgs(sim, dataDir, '6s').map((a) => (a === 'BTC/USDT,ETH/USDT' ? 'BTC/USDT' : a));
    let done = false;
    const run = runCli(args, {}, 60_000).finally(() => (done = true));
    await bothLinesUp(sim);
    // dropped by the venue itself: neither line gets it
    for (let i = 0; i < 3 && !done; i++) {
      sim.inject('gap', { venueSymbol: 'BTCUSDT' });
      await sleep(1200);
    }
    result = await run;
  }, 90_000);
  afterAll(async () => {
    await sim?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is a gap and a resync, as without redundancy', () => {
    expect(result.code, result.stderr).toBe(0);
    expect(sim.injected.gaps.length).toBeGreaterThan(0);
    const ledger = readLedger(dataDir, 'binance', 'BTCUSDT');
    const gaps = ledger.filter((l) => l.kind === 'gap');
    expect(gaps.length).toBe(sim.injected.gaps.length);
    const states = ledger.filter((l) => l.detail.startsWith('book') && l.state !== '');
    for (const g of gaps) {
      const after = states.filter((s) => s.eventId > g.eventId);
      expect(after[0]?.state).toBe('RESYNCING');
      expect(after.some((s) => s.state === 'SYNCED')).toBe(true);
    }
    expect(runStop(dataDir, 'BTCUSDT').both_lines_missed).toBe(gaps.length);
    expect(bookRowsAgainstTruth(sim, dataDir, { label: 'binance', fs: 'BTCUSDT', depth: DEPTH })).toBeGreaterThan(50);
  });

  it('replay reproduces it byte for byte', async () => {
    await replayMatches(dataDir, ONE);
  }, 90_000);
});

// Checksum venues (Kraken, Bitfinex: no ids, copies matched by exchange time, checksum and levels)
// and a sequence venue with stream snapshots (OKX): a line dropped now and then (one socket at a
// time) is covered by the other, and the second copy of every update is dropped.
describe.each([
  { venue: 'kraken', symbols: [['BTC/USD', 'BTCUSD']], key: (r: string[]) => Number(r[0]) },
  { venue: 'okx', symbols: [['BTC/USDT', 'BTCUSDT']], key: (r: string[]) => Number(r[2]) },
  { venue: 'bitfinex', symbols: [['BTC/USD', 'BTCUSD']], key: (r: string[]) => Number(r[0]) },
] as const)('record $venue --redundant 2: a line dropped now and then', (c) => {
  let sim: SimHandle;
  let result: CliResult;
  const dataDir = mkdtempSync(join(tmpdir(), `mf-redundant-${c.venue}-`));
  const fs = c.symbols[0][1];

  beforeAll(async () => {
    sim = await startSim({ venue: c.venue, symbols: c.symbols.map((s) => s[0]), seed: 9, diffIntervalMs: 25, faults: 'disconnect=1700ms' });
    result = await runCli([
      'record', '--venue', c.venue, '--symbols', c.symbols.map((s) => s[0]).join(','), '--redundant', '2',
      '--ws-url', sim.wsUrl, '--rest-url', sim.restUrl, '--data-dir', dataDir, '--duration', '7s', '--depth', '10',
      '--storage-flush-interval-s', '0.2', '--ws-no-data-timeout-s', '2', '--ws-no-data-warn-s', '1',
      '--ws-reconnect-backoff-s', '0.1', '--ws-reconnect-backoff-max-s', '0.5', '--rest-timeout-s', '5', '--no-status', '--log-level', 'warn',
    ], {}, 60_000);
    await sim.stop();
  }, 90_000);
  afterAll(async () => {
    await sim?.stop();
    // MF_KEEP_TEST_DATA=1 keeps the recording for a look after a failure
    if (process.env.MF_KEEP_TEST_DATA !== undefined) return console.log(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('no gap, every book row (the last of each update) equals the ground truth', () => {
    expect(result.code, result.stderr).toBe(0);
    expect(sim.injected.disconnects).toBeGreaterThan(1);
    const ledger = readLedger(dataDir, c.venue, fs);
    expect(ledger.filter((l) => l.kind === 'gap')).toEqual([]);
    expect(ledger.filter((l) => l.detail.startsWith('book') && l.state === 'RESYNCING')).toEqual([]);
    const last = new Map<number, string[]>();
    for (const r of readKind(dataDir, c.venue, fs, 'book').rows) last.set(c.key(r), r);
    let checked = 0;
    for (const [key, r] of last) {
      const truth = sim.truth.topAt(fs, key);
      if (truth === undefined) continue;
      const want: string[] = [];
      for (let i = 0; i < 10; i++) want.push(truth.bids[i]?.[0] ?? '', truth.bids[i]?.[1] ?? '');
      for (let i = 0; i < 10; i++) want.push(truth.asks[i]?.[0] ?? '', truth.asks[i]?.[1] ?? '');
      expect(r.slice(3), `row at ${key}`).toEqual(want);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
    const stop = runStop(dataDir, fs, c.venue);
    expect(stop.redundant_duplicates).toBeGreaterThan(50);
    expect(stop.both_lines_missed).toBe(0);
  });

  it('replay reproduces the book and trades byte for byte', async () => {
    const outDir = mkdtempSync(join(tmpdir(), `mf-redundant-${c.venue}-replay-`));
    try {
      const replayed = await runCli(['replay', '--data-dir', dataDir, '--venue', c.venue, '--out-dir', outDir], {}, 60_000);
      expect(replayed.code, replayed.stderr).toBe(0);
      for (const kind of ['trades', 'book'] as const) {
        expect(kindText(outDir, c.venue, fs, kind) === kindText(dataDir, c.venue, fs, kind), `replayed ${kind} differ`).toBe(true);
      }
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 60_000);
});

// The same venues with gaps, corruptions and stalls on one line at a time (the simulator faults
// one socket alone: conn-faults.ts). Line A opens `…?line=a`, line B `…?line=b`, so each can be
// faulted alone. OKX: a line's skipped update shows as a break of its seqId chain and waits for the
// other line to bring it. Kraken, Bitfinex: the book follows one line, the leader (line A here: it
// opens and subscribes first, so its snapshot starts the book), and the other line's copies are
// matched by time, checksum and levels, so the follower's gaps and corruptions never reach the book.
interface LineFaultCase {
  venue: 'okx' | 'kraken' | 'bitfinex';
  symbol: string;
  fs: string;
  /** Book rows' truth-key column (OKX seqId, Kraken / Bitfinex the exchange time in µs). */
  keyColumn: number;
  /** The faults, in turn, each on one line. */
  plan: readonly (readonly ['a' | 'b', 'gap' | 'corrupt' | 'stall'])[];
}

const OKX = { venue: 'okx', symbol: 'BTC/USDT', fs: 'BTCUSDT', keyColumn: 2 } as const;
const KRAKEN = { venue: 'kraken', symbol: 'BTC/USD', fs: 'BTCUSD', keyColumn: 0 } as const;
const BITFINEX = { venue: 'bitfinex', symbol: 'BTC/USD', fs: 'BTCUSD', keyColumn: 0 } as const;
/** Id-less venues: every fault on the follower, a stall on the leader. */
const FOLLOWER = [['b', 'gap'], ['b', 'corrupt'], ['b', 'stall'], ['b', 'gap'], ['b', 'corrupt'], ['a', 'stall']] as const;
/** Id-less venues: every fault on the leader, the line whose copies the book takes. */
const LEADER = [['a', 'gap'], ['a', 'corrupt'], ['a', 'gap'], ['a', 'corrupt']] as const;

function lineFaults(c: LineFaultCase): void {
  let sim: SimHandle;
  let result: CliResult;
  const dataDir = mkdtempSync(join(tmpdir(), `mf-redundant-${c.venue}-line-`));

  beforeAll(async () => {
    sim = await startSim({ venue: c.venue, symbols: [c.symbol], seed: 31, diffIntervalMs: 25 });
    let done = false;
    const run = runCli([
      'record', '--venue', c.venue, '--symbols', c.symbol, '--redundant', '2',
      '--ws-url', `${sim.wsUrl}?line=a`, '--ws-url-b', `${sim.wsUrl}?line=b`, '--rest-url', sim.restUrl, '--data-dir', dataDir,
      '--duration', '6s', '--depth', '10', '--storage-flush-interval-s', '0.2', '--ws-no-data-timeout-s', '2', '--ws-no-data-warn-s', '1',
      '--ws-reconnect-backoff-s', '0.1', '--ws-reconnect-backoff-max-s', '0.5', '--rest-timeout-s', '5', '--no-status', '--log-level', 'warn',
    ], {}, 60_000).finally(() => (done = true));
    await bothLinesUp(sim);
    for (const [line, kind] of c.plan) {
      if (done) break;
      sim.inject(kind, { connUrl: `line=${line}`, durationMs: 300 });
      await sleep(kind === 'stall' ? 800 : 350);
    }
    result = await run;
  }, 90_000);
  afterAll(async () => {
    await sim?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every fault was taken, each on its line alone', () => {
    expect(result.code, result.stderr).toBe(0);
    const taken = sim.injected.connFaults;
    for (const kind of ['gap', 'corrupt', 'stall'] as const) {
      expect(taken.filter((t) => t.kind === kind).length, kind).toBe(c.plan.filter((p) => p[1] === kind).length);
    }
    // one connection per line: as many connections hit as lines faulted
    expect(new Set(taken.map((t) => t.connId)).size).toBe(new Set(c.plan.map((p) => p[0])).size);
    expect(sim.injected.gaps).toEqual([]); // nothing the venue dropped for everyone
    expect(sim.injected.corruptions).toEqual([]);
  });

  it('no gap, no resync, every book row equals the ground truth, no trade missing', () => {
    const ledger = readLedger(dataDir, c.venue, c.fs);
    expect(ledger.filter((l) => l.kind === 'gap')).toEqual([]);
    const states = ledger.filter((l) => l.detail.startsWith('book') && l.state !== '').map((l) => l.state);
    expect(states.filter((s) => s === 'RESYNCING')).toEqual([]);
    expect(states.filter((s) => s === 'SYNCED').length).toBe(1);
    expect(bookRowsAgainstTruth(sim, dataDir, { label: c.venue, fs: c.fs, depth: 10, keyColumn: c.keyColumn, lastOfEachKey: true })).toBeGreaterThan(50);
    expectNoTradeMissing(dataDir, c.fs, c.venue);
    const stop = runStop(dataDir, c.fs, c.venue);
    expect(stop.gaps).toBe(0);
    expect(stop.resyncs).toBe(0);
    expect(stop.both_lines_missed).toBe(0);
    expect(stop.redundant_duplicates).toBeGreaterThan(50);
  });

  it('replay reproduces trades, books and sync rows byte for byte', async () => {
    const outDir = mkdtempSync(join(tmpdir(), `mf-redundant-${c.venue}-line-replay-`));
    try {
      const replayed = await runCli(['replay', '--data-dir', dataDir, '--venue', c.venue, '--out-dir', outDir], {}, 60_000);
      expect(replayed.code, replayed.stderr).toBe(0);
      for (const kind of ['trades', 'book'] as const) {
        const live = kindText(dataDir, c.venue, c.fs, kind);
        expect(live.length).toBeGreaterThan(0);
        expect(kindText(outDir, c.venue, c.fs, kind) === live, `replayed ${kind} differ`).toBe(true);
      }
      expect(syncRows(outDir, c.venue, c.fs)).toEqual(syncRows(dataDir, c.venue, c.fs));
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('validate finds every day clean', async () => {
    for (const day of dayDirs(dataDir, c.venue, c.fs)) {
      const { code, report, result: r } = await validateDay(day);
      expect(code, r.stdout + r.stderr).toBe(0);
      expect(report.clean, r.stdout).toBe(true);
      expect(report.gaps).toBe(0);
      expect(report.book.unverified).toBe(0);
    }
  }, 60_000);
}

describe.each<LineFaultCase>([
  { ...OKX, plan: [['b', 'gap'], ['b', 'stall'], ['b', 'gap'], ['a', 'gap'], ['a', 'stall'], ['a', 'gap']] },
  { ...KRAKEN, plan: FOLLOWER },
  { ...BITFINEX, plan: FOLLOWER },
])('record $venue --redundant 2: gaps, corruptions and stalls on one line at a time', lineFaults);

// The copy the book takes is bad: a parseable copy altered under a checksum that comes first (OKX:
// the first copy that chains by seqId goes on, either line's), or an id-less venue's leader line's
// gap or corruption (Kraken; Bitfinex, whose checksum frames show it only at the next one). The
// checksum shows it; the book takes back what it refutes and the other line's copies replace it
// (SyncEngine.verifyCopies, LineMerger.rejectCopy): no gap.
describe.each<LineFaultCase>([
  { ...OKX, plan: [['b', 'corrupt'], ['a', 'corrupt'], ['b', 'corrupt'], ['a', 'corrupt']] },
  { ...KRAKEN, plan: LEADER },
  { ...BITFINEX, plan: LEADER },
])('record $venue --redundant 2: gaps and corruptions of the copy the book takes', lineFaults);
