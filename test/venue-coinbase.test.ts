// Acceptance (issue 12, Coinbase Advanced Trade): the CLI against the Coinbase simulator.
// - `record --sim --simulator-faults gap=5s`, then `validate --day-dir`: the gap is found, exit 1;
// - a clean recording (with make-before-break rotations) validates clean, exit 0;
// - a recording with gap, malformed, slowsnapshot, disconnect and shutdown faults: every book row
//   equals the simulator's truth at its update (the l2 message's timestamp), every gap injected
//   while a book was synced is a `gap` in its ledger followed by a resync, and replay reproduces
//   the book and trades files byte for byte;
// - `history candles` (1,500 one-minute bars with the venue's holes filled; a re-run fetches
//   nothing) and `history trades` through ccxt's `coinbase` class moved onto the simulator.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { runCli, type CliResult } from './cli.js';
import { dayDirs, kindText, readCsvGz, readKind, readLedger, type LedgerRow } from './ledger.js';
import { bookRowsAgainstTruth, validateDay } from './truth-rows.js';

const DEPTH = 10;
const SYMBOLS: [unified: string, fs: string, product: string][] = [['BTC/USD', 'BTCUSD', 'BTC-USD'], ['ETH/USD', 'ETHUSD', 'ETH-USD']];

function recordArgs(sim: SimHandle, dataDir: string, duration: string): string[] {
  return [
    'record', '--venue', 'coinbase', '--symbols', SYMBOLS.map((s) => s[0]).join(','),
    '--ws-url', sim.wsUrl, '--rest-url', sim.restUrl, '--data-dir', dataDir, '--duration', duration,
    '--depth', String(DEPTH), '--storage-flush-interval-s', '0.2', '--ws-no-data-timeout-s', '2',
    '--ws-no-data-warn-s', '1', '--ws-reconnect-backoff-s', '0.1', '--ws-reconnect-backoff-max-s', '1',
    '--rest-timeout-s', '5', '--no-status', '--log-level', 'error',
  ];
}

interface Validation { code: number | null; clean: boolean; gaps: number; updatesVerified: number; book: { unverified: number; missing: number } }

async function validate(day: string): Promise<Validation> {
  const { code, report } = await validateDay(day);
  return { code, ...report };
}

/** Every book row (the last of each update key) against the truth; returns how many were compared. */
const checkRowsAgainstTruth = (sim: SimHandle, dataDir: string, fs: string): number =>
  bookRowsAgainstTruth(sim, dataDir, { label: 'coinbase', fs, depth: DEPTH, keyColumn: 0, lastOfEachKey: true, requireTruth: true });

const isBookState = (l: LedgerRow): boolean => l.state !== '' && l.detail.startsWith('book');

const sameFiles = (a: string, b: string, fs: string, kind: 'book' | 'trades'): boolean => kindText(a, 'coinbase', fs, kind) === kindText(b, 'coinbase', fs, kind);

describe('record --venue coinbase --sim --simulator-faults gap=5s, then validate --day-dir', () => {
  it('finds the gap and exits 1', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mf-coinbase-sim-'));
    const r = await runCli(['record', '--venue', 'coinbase', '--sim', '--symbols', 'BTC/USD', '--simulator-faults', 'gap=5s',
      '--simulator-diff-interval-ms', '20', '--data-dir', dataDir, '--duration', '7s', '--depth', String(DEPTH),
      '--storage-flush-interval-s', '0.2', '--no-status', '--log-level', 'error'], {}, 60_000);
    expect(r.code, r.stderr).toBe(0);
    const [day] = dayDirs(dataDir, 'sim-coinbase', 'BTCUSD');
    const v = await runCli(['validate', '--day-dir', day, '--format', 'json'], {}, 60_000);
    const report = JSON.parse(v.stdout) as { clean: boolean; gaps: number; updatesVerified: number };
    expect(report.gaps).toBeGreaterThanOrEqual(1);
    expect(report.updatesVerified).toBeGreaterThan(30);
    expect(report.clean).toBe(false);
    expect(v.code).toBe(1);
  }, 90_000);
});

describe('record --venue coinbase: a clean day with rotations', () => {
  let sim: SimHandle;
  let rec: CliResult;
  let replayed: CliResult;
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-coinbase-clean-'));
  const outDir = mkdtempSync(join(tmpdir(), 'mf-coinbase-clean-replay-'));

  beforeAll(async () => {
    sim = await startSim({ venue: 'coinbase', symbols: SYMBOLS.map((s) => s[0]), seed: 7, diffIntervalMs: 20, levels: 200 });
    rec = await runCli([...recordArgs(sim, dataDir, '5s'), '--ws-max-session-s', '2'], {}, 60_000);
    await sim.stop();
    replayed = await runCli(['replay', '--data-dir', dataDir, '--venue', 'coinbase', '--out-dir', outDir], {}, 60_000);
  }, 120_000);
  afterAll(() => sim?.stop());

  it('records, rotates without a gap, validates clean (exit 0), and replays to the same files', async () => {
    expect(rec.code, rec.stderr).toBe(0);
    expect(replayed.code, replayed.stderr).toBe(0);
    for (const [, fs] of SYMBOLS) {
      const ledger = readLedger(dataDir, 'coinbase', fs);
      expect(ledger.filter((l) => l.kind === 'connect' && l.detail.includes('rotated')).length, `${fs} rotations`).toBeGreaterThanOrEqual(1);
      expect(ledger.filter((l) => l.kind === 'gap')).toEqual([]);
      expect(checkRowsAgainstTruth(sim, dataDir, fs)).toBeGreaterThan(30);
      const [day] = dayDirs(dataDir, 'coinbase', fs);
      const v = await validate(day);
      expect(v).toMatchObject({ code: 0, clean: true, gaps: 0, book: { unverified: 0, missing: 0 } });
      expect(v.updatesVerified).toBeGreaterThan(30);
      expect(sameFiles(dataDir, outDir, fs, 'book'), `${fs} book rows differ`).toBe(true);
      expect(sameFiles(dataDir, outDir, fs, 'trades'), `${fs} trades differ`).toBe(true);
    }
  });
});

describe('record --venue coinbase with faults', () => {
  let sim: SimHandle;
  let rec: CliResult;
  let replayed: CliResult;
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-coinbase-faults-'));
  const outDir = mkdtempSync(join(tmpdir(), 'mf-coinbase-faults-replay-'));

  beforeAll(async () => {
    sim = await startSim({
      venue: 'coinbase', symbols: SYMBOLS.map((s) => s[0]), seed: 11, diffIntervalMs: 20, levels: 200, slowSnapshotMs: 500,
      faults: 'gap=1100ms,malformed=700ms,slowsnapshot=2300ms,disconnect=3100ms,shutdown=4700ms',
    });
    rec = await runCli(recordArgs(sim, dataDir, '7s'), {}, 60_000);
    await sim.stop();
    replayed = await runCli(['replay', '--data-dir', dataDir, '--venue', 'coinbase', '--out-dir', outDir], {}, 60_000);
  }, 120_000);
  afterAll(() => sim?.stop());

  it('exits 0 after --duration, and the replay too', () => {
    expect(rec.code, rec.stderr).toBe(0);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(sim.injected.gaps.length).toBeGreaterThanOrEqual(3);
    expect(sim.injected.disconnects).toBeGreaterThanOrEqual(1);
  });

  it.each(SYMBOLS.map((s) => s[1]))('%s: every book row equals the ground truth', (fs) => {
    expect(checkRowsAgainstTruth(sim, dataDir, fs)).toBeGreaterThan(30);
  });

  it('every gap injected into a synced book is a gap in its ledger, followed by a resync; nothing else is', () => {
    let matched = 0;
    let rejects = 0;
    for (const [, fs, product] of SYMBOLS) {
      const ledger = readLedger(dataDir, 'coinbase', fs);
      const book = ledger.filter((l) => isBookState(l) || l.kind === 'gap');
      const injected = sim.injected.gaps.filter((g) => g.venueSymbol === product);
      const stopTs = ledger.find((l) => l.kind === 'run_stop')!.localTs;
      for (const g of injected) {
        const at = g.skippedTo; // the lost message's timestamp (µs), on the same clock as the recorder's
        const before = book.filter((l) => isBookState(l) && l.localTs <= at).at(-1);
        const next = book.find((l) => l.localTs > at);
        // lost while the book was not synced (already resyncing) or just before the socket went away: nothing to verify
        if (before?.state !== 'SYNCED' || next === undefined || next.kind !== 'gap') {
          expect(before?.state !== 'SYNCED' || next === undefined || next.state === 'RESYNCING' || at > stopTs - 2_000_000, `${fs}: gap at ${at} unexplained`).toBe(true);
          continue;
        }
        expect(next.detail).toMatch(/^book: expected every sequence_num after \d+ on connection \d+, got sequence_num \d+ on connection \d+: \d+ missing/);
        const resynced = ledger.some((l) => l.eventId > next.eventId && l.state === 'SYNCED' && l.detail.startsWith('book'));
        expect(resynced || next.localTs > stopTs - 2_000_000, `${fs}: resync after the gap at ${at}`).toBe(true);
        matched++;
      }
      // malformed frames and everything else made no gap of their own
      expect(ledger.filter((l) => l.kind === 'gap').length).toBeLessThanOrEqual(injected.length);
      rejects += ledger.filter((l) => l.kind === 'reject').length;
    }
    expect(matched).toBeGreaterThanOrEqual(2);
    expect(rejects, 'the malformed frames were rejected').toBeGreaterThan(0);
  });

  it('validate rebuilds each day, finds the gaps and exits 1; every recorded row is reproduced', async () => {
    let found = 0;
    for (const [, fs] of SYMBOLS) {
      const [day] = dayDirs(dataDir, 'coinbase', fs);
      const v = await validate(day);
      expect(v.book.unverified + v.book.missing, `${fs}: every recorded book row is reproduced`).toBe(0);
      expect(v.updatesVerified).toBeGreaterThan(30);
      expect(v.code).toBe(v.clean ? 0 : 1);
      found += v.gaps;
    }
    expect(found).toBeGreaterThan(0);
  });

  it.each(SYMBOLS.map((s) => s[1]))('%s: replaying the raw capture reproduces the book and trades files', (fs) => {
    expect(kindText(dataDir, 'coinbase', fs, 'book').split('\n').length).toBeGreaterThan(30);
    expect(kindText(dataDir, 'coinbase', fs, 'trades').split('\n').length).toBeGreaterThan(10);
    expect(sameFiles(dataDir, outDir, fs, 'book'), 'book rows differ').toBe(true);
    expect(sameFiles(dataDir, outDir, fs, 'trades'), 'trades differ').toBe(true);
  });
});

describe('history --venue coinbase against the simulator', () => {
  let sim: SimHandle;
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-coinbase-history-'));
  const DAY_MS = 86_400_000;
  const iso = (ms: number): string => new Date(ms).toISOString();
  const common = (): string[] => ['--venue', 'coinbase', '--symbol', 'BTC/USD', '--rest-url', sim.restUrl, '--data-dir', dataDir, '--no-rate-limit'];
  /** Whether the venue has a one-minute bar opening at `ms` (the simulator's maintenance halts have none). */
  const hasBar = async (ms: number): Promise<boolean> => {
    const s = ms / 1000;
    const r = await fetch(`${sim.restUrl}/api/v3/brokerage/market/products/BTC-USD/candles?start=${s}&end=${s + 60}&granularity=ONE_MINUTE`);
    return ((await r.json()) as { candles: unknown[] }).candles.length === 1;
  };

  beforeAll(async () => {
    sim = await startSim({ venue: 'coinbase', symbols: ['BTC/USD'], seed: 3, diffIntervalMs: 5, levels: 50 });
  });
  afterAll(() => sim?.stop());

  it('candles: 1,500 one-minute bars over two days, the venue\'s holes filled; a re-run fetches nothing', async () => {
    // a range whose first and last minutes have bars (holes at the edges are left open)
    let from = Math.floor(Date.now() / DAY_MS) * DAY_MS - 5 * DAY_MS + 22 * 3_600_000;
    while (!(await hasBar(from)) || !(await hasBar(from + 1499 * 60_000))) from += 60_000;
    const args = ['candles', ...common(), '--timeframe', '1m', '--from', iso(from), '--to', iso(from + 1500 * 60_000)];
    const first = await runCli(['history', ...args], {}, 60_000);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const m = /fetched (\d+) rows in \d+ pages, (\d+) gap-filled; wrote 2 day file\(s\)/.exec(first.stdout);
    expect(m, first.stdout).not.toBeNull();
    expect(Number(m![1]) + Number(m![2])).toBe(1500);
    expect(Number(m![2])).toBeGreaterThan(0);
    let total = 0;
    let synthetic = 0;
    for (const d of dayDirs(dataDir, 'coinbase', 'BTCUSD')) {
      const { header, rows } = readKindFile(d);
      expect(header).toEqual(['timestamp', 'open', 'high', 'low', 'close', 'volume', 'trades', 'synthetic']);
      total += rows.length;
      synthetic += rows.filter((r) => r[7] === '1').length;
    }
    expect([total, synthetic]).toEqual([1500, Number(m![2])]);
    const again = await runCli(['history', ...args], {}, 60_000);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already on disk; nothing fetched/);
  });

  it('trades: exactly the venue\'s trades of the range, taker sides, µs times, ids ascending', async () => {
    await new Promise((r) => setTimeout(r, 1500));
    sim.inject('stall', { durationMs: 60_000 }); // the tape holds still while both sides read it
    const now = Date.now();
    // the venue's own answer, a second at a time (each well under its 1,000-trade page)
    const venue = new Map<string, Record<string, string>>();
    for (let sec = Math.floor(now / 1000) - 20; sec <= Math.floor(now / 1000); sec++) {
      const page = ((await (await fetch(`${sim.restUrl}/api/v3/brokerage/market/products/BTC-USD/ticker?limit=1000&start=${sec}&end=${sec + 1}`)).json()) as { trades: Record<string, string>[] }).trades;
      expect(page.length).toBeLessThan(1000);
      for (const t of page) if (Date.parse(t.time) >= now - 20_000 && Date.parse(t.time) < now) venue.set(t.trade_id, t);
    }
    expect(venue.size).toBeGreaterThan(10);
    const r = await runCli(['history', 'trades', ...common(), '--from', iso(now - 20_000), '--to', iso(now)], {}, 60_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { rows } = readKind(dataDir, 'coinbase', 'BTCUSD', 'trades');
    const ids = rows.map((x) => Number(x[4]));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(rows.map((x) => x[4]).sort()).toEqual([...venue.keys()].sort());
    for (const x of rows) {
      const t = venue.get(x[4])!;
      // timestamp,price,qty,side,id: µs from the venue's text; the maker's BUY is a taker sell
      expect([x[0], x[1], x[2], x[3]]).toEqual([String(Date.parse(t.time) * 1000 + Number(t.time.slice(23, 26))), t.price, t.size, t.side === 'BUY' ? 'sell' : 'buy']);
    }
  });
});

/** The candle file of one day directory. */
function readKindFile(day: string): { header: string[]; rows: string[][] } {
  return readCsvGz(join(day, `candles_BTCUSD_1m_${day.slice(-8)}.csv.gz`));
}
