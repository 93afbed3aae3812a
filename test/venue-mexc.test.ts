// Acceptance (issue 12) for MEXC spot (`mexc`, binary protobuf pushes) and futures (`mexc-futures`,
// JSON): the built CLI against the simulator's MEXC modes.
// - `record --venue mexc --sim --simulator-faults gap=5s` then `validate --day-dir` finds the gap
//   (exit 1); a clean run validates (exit 0) and replays byte for byte (binary raw frames included);
// - with every fault the modes model, every book row equals the ground truth at its update id,
//   every ledger gap is followed by a resync, malformed frames are rejected, validate rebuilds every
//   row and replay reproduces the book and trades files; with gap faults alone, each injected gap
//   is exactly one ledger gap; make-before-break rotations leave no gap;
// - `history candles|trades --venue mexc` through ccxt against the simulator's REST.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maintenanceHalts } from '../src/sim/candles.js';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { readCsv } from '../src/storage/read.js';
import { runCli, type CliResult } from './cli.js';
import { dayDirs, kindText, readKind, readLedger } from './ledger.js';
import { bookRowsAgainstTruth, validateDay, type ValidateJson } from './truth-rows.js';

const DEPTH = 10;

async function validate(dayDir: string): Promise<{ r: CliResult; report: ValidateJson }> {
  const { result, report } = await validateDay(dayDir);
  return { r: result, report };
}

const same = (a: string, b: string): boolean => a === b; // toBe on 100 kB strings prints too much

describe('record --venue mexc --sim', () => {
  const faulty = mkdtempSync(join(tmpdir(), 'mf-mexc-simgap-'));
  const clean = mkdtempSync(join(tmpdir(), 'mf-mexc-simclean-'));
  const out = mkdtempSync(join(tmpdir(), 'mf-mexc-simclean-replay-'));
  const base = ['record', '--venue', 'mexc', '--sim', '--symbols', 'BTC/USDT', '--duration', '7s', '--depth', String(DEPTH),
    '--simulator-diff-interval-ms', '20', '--storage-flush-interval-s', '0.2', '--no-status', '--log-level', 'error'];
  let rec: CliResult;
  let recClean: CliResult;

  beforeAll(async () => {
    [rec, recClean] = await Promise.all([
      runCli([...base, '--data-dir', faulty, '--simulator-faults', 'gap=5s'], {}, 60_000),
      runCli([...base, '--data-dir', clean], {}, 60_000),
    ]);
  }, 90_000);

  it('--simulator-faults gap=5s: validate --day-dir finds the gap and exits 1', async () => {
    expect(rec.code, rec.stderr).toBe(0);
    const [day] = dayDirs(faulty, 'sim-mexc', 'BTCUSDT');
    const { r, report } = await validate(day);
    expect(r.code, r.stderr).toBe(1);
    expect(report.clean).toBe(false);
    expect(report.gaps).toBeGreaterThanOrEqual(1);
    expect(report.updatesVerified).toBeGreaterThan(50);
    expect(report.book.unverified + report.book.missing).toBe(0);
    expect(readLedger(faulty, 'sim-mexc', 'BTCUSDT').filter((l) => l.kind === 'gap').length).toBe(report.gaps);
  });

  it('a clean run validates (exit 0) and replays to the same book and trades files', async () => {
    expect(recClean.code, recClean.stderr).toBe(0);
    const [day] = dayDirs(clean, 'sim-mexc', 'BTCUSDT');
    const { r, report } = await validate(day);
    expect(r.code, r.stdout).toBe(0);
    expect(report).toMatchObject({ clean: true, gaps: 0 });
    expect(report.book.recorded).toBeGreaterThan(100);
    expect(report.trades.recorded).toBeGreaterThan(10);
    const replayed = await runCli(['replay', '--data-dir', clean, '--venue', 'sim-mexc', '--out-dir', out], {}, 60_000);
    expect(replayed.code, replayed.stderr).toBe(0);
    // the raw capture keeps the binary pushes as base64, so replay decodes the very same bytes
    expect(kindText(clean, 'sim-mexc', 'BTCUSDT', 'raw')).toMatch(/"binary":true/);
    expect(same(kindText(out, 'sim-mexc', 'BTCUSDT', 'book'), kindText(clean, 'sim-mexc', 'BTCUSDT', 'book')), 'book rows differ').toBe(true);
    expect(same(kindText(out, 'sim-mexc', 'BTCUSDT', 'trades'), kindText(clean, 'sim-mexc', 'BTCUSDT', 'trades')), 'trades differ').toBe(true);
  });
});

interface Case { venue: 'mexc' | 'mexc-futures'; symbols: [unified: string, fs: string, id: string][]; faults: string }

// spread out so that each symbol's book spends most of the run synced between them
const ALL_FAULTS = 'gap=1100ms,malformed=900ms,disconnect=4300ms,stalesnapshot=2700ms,slowsnapshot=3900ms,ratelimit=5300ms,stall=6100ms,shutdown=7700ms';
const CASES: Case[] = [
  { venue: 'mexc', symbols: [['BTC/USDT', 'BTCUSDT', 'BTCUSDT'], ['ETH/USDT', 'ETHUSDT', 'ETHUSDT']], faults: ALL_FAULTS },
  { venue: 'mexc-futures', symbols: [['BTC/USDT:USDT', 'BTCUSDTUSDT', 'BTC_USDT'], ['ETH/USDT:USDT', 'ETHUSDTUSDT', 'ETH_USDT']], faults: ALL_FAULTS },
];

function recordArgs(c: Case, sim: SimHandle, dataDir: string, duration = '7s'): string[] {
  return [
    'record', '--venue', c.venue, '--symbols', c.symbols.map((s) => s[0]).join(','),
    '--ws-url', sim.wsUrl, '--rest-url', sim.restUrl, '--data-dir', dataDir, '--duration', duration,
    '--depth', String(DEPTH), '--storage-flush-interval-s', '0.2', '--ws-no-data-timeout-s', '2',
    '--ws-no-data-warn-s', '1', '--ws-reconnect-backoff-s', '0.1', '--ws-reconnect-backoff-max-s', '1',
    '--rest-timeout-s', '5', '--no-status', '--log-level', 'error',
  ];
}

/** Every book row (the last of each update id) against the truth at that id; returns how many were compared. */
const checkRows = (sim: SimHandle, dataDir: string, venue: string, fs: string, id: string): number =>
  bookRowsAgainstTruth(sim, dataDir, { label: venue, fs, depth: DEPTH, truthSymbol: id, lastOfEachKey: true });

describe.each(CASES)('record $venue from the simulator with every fault', (c) => {
  let sim: SimHandle;
  let result: CliResult;
  let replayed: CliResult;
  const dataDir = mkdtempSync(join(tmpdir(), `mf-${c.venue}-`));
  const outDir = mkdtempSync(join(tmpdir(), `mf-${c.venue}-replay-`));

  beforeAll(async () => {
    sim = await startSim({ venue: c.venue, symbols: c.symbols.map((s) => s[0]), seed: 7, diffIntervalMs: 25, faults: c.faults, stallMs: 1200, slowSnapshotMs: 800 });
    result = await runCli(recordArgs(c, sim, dataDir, '10s'), {}, 60_000);
    await sim.stop();
    replayed = await runCli(['replay', '--data-dir', dataDir, '--venue', c.venue, '--out-dir', outDir], {}, 60_000);
  }, 120_000);
  afterAll(async () => {
    await sim?.stop();
  });

  it('every fault fired; the recorder and the replay exit 0', () => {
    expect(result.code, result.stderr).toBe(0);
    expect(replayed.code, replayed.stderr).toBe(0);
    const f = sim.stats().faultsInjected;
    for (const k of ['gap', 'malformed', 'disconnect', 'stalesnapshot', 'slowsnapshot', 'ratelimit', 'stall', 'shutdown'] as const) {
      expect(f[k], k).toBeGreaterThan(0);
    }
  });

  it.each(c.symbols)('%s: every book row equals the ground truth at its update id', (_u, fs, id) => {
    expect(checkRows(sim, dataDir, c.venue, fs, id)).toBeGreaterThan(30);
  });

  it('every ledger gap is an injected one and is followed by a resync; malformed frames are rejected', () => {
    let gaps = 0;
    let resynced = 0;
    let rejects = 0;
    for (const [, fs] of c.symbols) {
      const ledger = readLedger(dataDir, c.venue, fs);
      rejects += ledger.filter((l) => l.kind === 'reject').length;
      const stop = ledger.find((l) => l.state === 'STOPPED')!;
      for (const g of ledger.filter((l) => l.kind === 'gap')) {
        gaps++;
        if (ledger.some((l) => l.eventId > g.eventId && l.state === 'SYNCED' && l.detail.startsWith('book'))) resynced++;
        // only a gap in the run's last moments may end it unresynced (a slow snapshot or a
        // rate-limit pause holds the new snapshot back)
        else expect(stop.localTs - g.localTs, `resync after gap ${g.eventId}`).toBeLessThan(2_500_000);
      }
    }
    expect(resynced).toBeGreaterThan(0);
    expect(gaps).toBeLessThanOrEqual(sim.injected.gaps.length);
    expect(rejects).toBeGreaterThan(0);
  });

  it('validate rebuilds every recorded row, finds the gaps and exits 1', async () => {
    for (const [, fs] of c.symbols) {
      const [day] = dayDirs(dataDir, c.venue, fs);
      const { r, report } = await validate(day);
      expect(report.updatesVerified).toBeGreaterThan(30);
      expect(report.book.unverified + report.book.missing, `${fs}: every recorded book row is reproduced`).toBe(0);
      expect(r.code, r.stderr).toBe(report.clean ? 0 : 1);
    }
  });

  it.each(c.symbols)('%s: replaying the raw capture reproduces the book and trades files', (_u, fs) => {
    const book = kindText(dataDir, c.venue, fs, 'book');
    expect(book.split('\n').length).toBeGreaterThan(30);
    expect(same(kindText(outDir, c.venue, fs, 'book'), book), 'book rows differ').toBe(true);
    const trades = kindText(dataDir, c.venue, fs, 'trades');
    expect(trades.split('\n').length).toBeGreaterThan(10);
    expect(same(kindText(outDir, c.venue, fs, 'trades'), trades), 'trades differ').toBe(true);
  });
});

describe.each(CASES)('record $venue: gap faults alone, and make-before-break rotations', (c) => {
  const one: Case = { ...c, symbols: [c.symbols[0]] };
  const [, fs, id] = one.symbols[0];

  it('each drop while synced is a ledger gap (every ledger gap an injected drop), then a resync; rows equal the truth', async () => {
    const sim = await startSim({ venue: c.venue, symbols: [one.symbols[0][0]], seed: 11, diffIntervalMs: 20, faults: 'gap=900ms' });
    const dataDir = mkdtempSync(join(tmpdir(), `mf-${c.venue}-gaps-`));
    try {
      const r = await runCli(recordArgs(one, sim, dataDir, '5s'), {}, 60_000);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      await sim.stop();
    }
    const ledger = readLedger(dataDir, c.venue, fs);
    const gaps = ledger.filter((l) => l.kind === 'gap');
    // the ledger names the versions an injected drop skipped (expected the first of them): every
    // ledger gap is one of those, and every drop while the book was synced is in the ledger (a
    // drop while a resync waits for its snapshot is covered by that snapshot; the simulator runs
    // on after the recorder stops). Synced: from a bridge's snapshot version to the next gap.
    const named = gaps.map((g) => Number(/expected fromVersion=(\d+)/.exec(g.detail)?.[1]));
    const injected = sim.injected.gaps.map((g) => g.skippedFrom);
    for (const v of named) expect(injected).toContain(v);
    const synced: [number, number][] = [];
    let from: number | undefined;
    for (const l of ledger) {
      const bridged = /over snapshot (\d+)/.exec(l.detail);
      if (l.state === 'SYNCED' && bridged !== null) from = Number(bridged[1]);
      if (l.kind === 'gap' && from !== undefined) synced.push([from, Number(/expected fromVersion=(\d+)/.exec(l.detail)![1])]);
      if (l.kind === 'gap' || l.state === 'RESYNCING' || l.state === 'CONNECTING') from = undefined;
    }
    const ids = readKind(dataDir, c.venue, fs, 'book').rows.map((r) => Number(r[2]));
    if (from !== undefined) synced.push([from, Math.max(...ids)]);
    const during = injected.filter((v) => synced.some(([s, e]) => v > s && v <= e));
    expect(during.length).toBeGreaterThanOrEqual(4);
    for (const v of during) expect(named).toContain(v);
    // every gap is followed by a SYNCED book, except that a busy machine may stop the recording
    // while the last gap's snapshot is still on its way: then the run's stop comes first
    for (const g of gaps) {
      const later = ledger.filter((l) => l.eventId > g.eventId);
      const stoppedFirst = g === gaps[gaps.length - 1] && later.some((l) => l.kind === 'run_stop');
      expect(later.some((l) => l.state === 'SYNCED') || stoppedFirst, `gap ${g.eventId} never resynced`).toBe(true);
    }
    expect(checkRows(sim, dataDir, c.venue, fs, id)).toBeGreaterThan(30);
  }, 60_000);

  it('rotates with no gap, every row equal to the ground truth, and replays to the same files', async () => {
    const sim = await startSim({ venue: c.venue, symbols: [one.symbols[0][0]], seed: 3, diffIntervalMs: 25 });
    const dataDir = mkdtempSync(join(tmpdir(), `mf-${c.venue}-rot-`));
    const outDir = mkdtempSync(join(tmpdir(), `mf-${c.venue}-rot-replay-`));
    try {
      const r = await runCli([...recordArgs(one, sim, dataDir, '6s'), '--ws-max-session-s', '1.5'], {}, 60_000);
      expect(r.code, r.stderr).toBe(0);
    } finally {
      await sim.stop();
    }
    const ledger = readLedger(dataDir, c.venue, fs);
    expect(ledger.filter((l) => l.kind === 'connect' && l.detail.includes('rotated')).length).toBeGreaterThanOrEqual(2);
    expect(ledger.filter((l) => l.kind === 'gap')).toEqual([]);
    expect(checkRows(sim, dataDir, c.venue, fs, id)).toBeGreaterThan(30);
    const replayed = await runCli(['replay', '--data-dir', dataDir, '--venue', c.venue, '--out-dir', outDir], {}, 60_000);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(same(kindText(outDir, c.venue, fs, 'book'), kindText(dataDir, c.venue, fs, 'book')), 'book rows differ').toBe(true);
  }, 60_000);
});

describe('history --venue mexc against the simulator (ccxt\'s mexc class)', () => {
  let sim: SimHandle;
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-mexc-history-'));
  const DAY_MS = 86_400_000;
  const iso = (ms: number): string => new Date(ms).toISOString();
  const ymd = (ms: number): string => iso(ms).slice(0, 10).replace(/-/g, '');
  const SEED = 3;

  beforeAll(async () => {
    sim = await startSim({ venue: 'mexc', symbols: ['BTC/USDT'], seed: SEED, diffIntervalMs: 5 });
  });
  afterAll(async () => {
    await sim.stop();
  });
  const common = (): string[] => ['--venue', 'mexc', '--symbol', 'BTC/USDT', '--rest-url', sim.restUrl, '--data-dir', dataDir, '--no-rate-limit'];

  it('candles: 1,500 one-minute bars over two pages of 1,000, the maintenance holes gap-filled; a re-run fetches nothing', async () => {
    const from = Math.floor(Date.now() / DAY_MS) * DAY_MS - 5 * DAY_MS + 22 * 3_600_000;
    const to = from + 1500 * 60_000;
    const holes = maintenanceHalts(SEED, from, to).reduce((n, [s, e]) => n + (Math.min(e, to) - Math.max(s, from)) / 60_000, 0);
    expect(holes).toBeGreaterThan(0);
    const args = ['history', 'candles', ...common(), '--timeframe', '1m', '--from', iso(from), '--to', iso(to)];
    const first = await runCli(args, {}, 60_000);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`fetched ${1500 - holes} rows in 2 pages, ${holes} gap-filled; wrote 2 day file(s)`);
    let total = 0;
    let synthetic = 0;
    for (const day of [from, from + DAY_MS]) {
      const csv = await readCsv(join(dataDir, 'mexc', 'BTCUSDT', ymd(day), `candles_BTCUSDT_1m_${ymd(day)}.csv.gz`));
      expect(csv.header).toEqual(['timestamp', 'open', 'high', 'low', 'close', 'volume', 'trades', 'synthetic']);
      total += csv.rows.length;
      synthetic += csv.rows.filter((r) => r[7] === '1').length;
      expect(csv.rows[0][1]).toMatch(/^\d+\.\d{2}$/); // the venue's price text
    }
    expect({ total, synthetic }).toEqual({ total: 1500, synthetic: holes });
    const again = await runCli(args, {}, 60_000);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already on disk; nothing fetched/);
  }, 90_000);

  it('trades: every trade of the window (aggTrades, paged from startTime), as the venue serves them', async () => {
    await new Promise((r) => setTimeout(r, 2500));
    const now = Date.now();
    const from = now - 60_000;
    // pages of 25: many pages, each continued from the last one's newest millisecond
    const r = await runCli(['history', 'trades', ...common(), '--from', iso(from), '--to', iso(now), '--page-limit', '25'], {}, 60_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const n = Number(/fetched (\d+) rows in (\d+) pages/.exec(r.stdout)?.[1]);
    // what the venue holds for the window, asked in 2 s slices that each fit in one answer
    let served = 0;
    for (let t = from; t < now; t += 2000) {
      const page = (await (await fetch(`${sim.restUrl}/api/v3/aggTrades?symbol=BTCUSDT&startTime=${t}&endTime=${Math.min(t + 1999, now - 1)}&limit=1000`)).json()) as unknown[];
      expect(page.length).toBeLessThan(1000);
      served += page.length;
    }
    expect(served).toBeGreaterThan(50);
    expect(n).toBe(served);
    expect(Number(/in (\d+) pages/.exec(r.stdout)?.[1])).toBeGreaterThan(1);
    const csv = await readCsv(join(dataDir, 'mexc', 'BTCUSDT', ymd(from), `trades_BTCUSDT_${ymd(from)}.csv.gz`));
    expect(csv.rows.length).toBe(n);
    expect(csv.rows[0][1]).toMatch(/^\d+\.\d{2}$/);
    expect(csv.rows[0][2]).toMatch(/^\d+\.\d{8}$/);
  }, 60_000);
});
