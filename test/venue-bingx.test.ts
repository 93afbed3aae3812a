// Acceptance (issue 12) for BingX, spot (`bingx`) and USDT-M perpetuals (`bingx-swap`), through the
// built CLI against the simulator: every book row equals the ground truth at its lastUpdateId under
// faults (gaps, malformed gzip and JSON, disconnects, stale stream snapshots), injected gaps are
// `gap` rows followed by a resync, validate exits 1 on a faulty day and 0 on a clean one, replay of
// the raw capture — binary gzip frames kept as base64 — reproduces the book and trades files byte
// for byte, make-before-break rotation keeps the book, and `history candles|trades` fills holes and
// fetches nothing twice.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { CandleStore } from '../src/sim/candles.js';
import { readCsv } from '../src/storage/read.js';
import { runCli, type CliResult } from './cli.js';
import { dayDirs, kindText, readLedger } from './ledger.js';
import { bookRowsAgainstTruth, validateDay, type ValidateJson } from './truth-rows.js';

const DEPTH = 10;

interface Case {
  venue: 'bingx' | 'bingx-swap';
  symbols: [unified: string, fs: string][];
}

const CASES: Case[] = [
  { venue: 'bingx', symbols: [['BTC/USDT', 'BTCUSDT'], ['ETH/USDT', 'ETHUSDT']] },
  { venue: 'bingx-swap', symbols: [['BTC/USDT:USDT', 'BTCUSDTUSDT'], ['ETH/USDT:USDT', 'ETHUSDTUSDT']] },
];

function recordArgs(venue: string, symbols: string[], sim: SimHandle, dataDir: string, duration: string): string[] {
  return [
    'record', '--venue', venue, '--symbols', symbols.join(','), '--ws-url', sim.wsUrl, '--rest-url', sim.restUrl,
    '--data-dir', dataDir, '--duration', duration, '--depth', String(DEPTH), '--storage-flush-interval-s', '0.2',
    '--ws-no-data-timeout-s', '2', '--ws-no-data-warn-s', '1', '--ws-reconnect-backoff-s', '0.1', '--ws-reconnect-backoff-max-s', '1',
    '--rest-timeout-s', '5', '--no-status', '--log-level', 'error',
  ];
}

/** Every book row (the last of each lastUpdateId) equals the truth; returns how many were checked. */
const checkRows = (sim: SimHandle, dataDir: string, venue: string, fs: string): number =>
  bookRowsAgainstTruth(sim, dataDir, { label: venue, fs, depth: DEPTH, lastOfEachKey: true });

async function validate(day: string): Promise<{ v: CliResult; r: ValidateJson }> {
  const { result, report } = await validateDay(day);
  return { v: result, r: report };
}

describe.each(CASES)('record $venue from the simulator with faults', (c) => {
  let sim: SimHandle;
  let result: CliResult;
  let replayed: CliResult;
  const dataDir = mkdtempSync(join(tmpdir(), `mf-${c.venue}-`));
  const outDir = mkdtempSync(join(tmpdir(), `mf-${c.venue}-replay-`));

  beforeAll(async () => {
    sim = await startSim({
      venue: c.venue, symbols: c.symbols.map((s) => s[0]), seed: 7, diffIntervalMs: 25,
      faults: 'gap=1300ms,malformed=700ms,disconnect=3100ms,stalesnapshot=2900ms',
    });
    result = await runCli(recordArgs(c.venue, c.symbols.map((s) => s[0]), sim, dataDir, '7s'), {}, 60_000);
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

  it.each(c.symbols.map((s) => s[1]))('%s: every book row equals the ground truth at its lastUpdateId', (fs) => {
    expect(checkRows(sim, dataDir, c.venue, fs)).toBeGreaterThan(30);
  });

  it('caught the injected gaps (and stale snapshots) with gap rows, each followed by a resync', () => {
    expect(sim.injected.gaps.length).toBeGreaterThan(0);
    let gaps = 0;
    let resynced = 0;
    for (const [, fs] of c.symbols) {
      const ledger = readLedger(dataDir, c.venue, fs);
      const stop = ledger.find((l) => l.kind === 'run_stop')!;
      for (const g of ledger.filter((l) => l.kind === 'gap')) {
        gaps++;
        expect(g.detail).toMatch(/^book: expected lastUpdateId=\d+, got lastUpdateId=\d+/);
        if (ledger.some((l) => l.eventId > g.eventId && l.state === 'SYNCED' && l.detail.startsWith('book'))) resynced++;
        // the session re-asks after RESUBSCRIBE_WAIT_MS at most (5 s): only gaps near the end may be unresolved
        else expect(stop.localTs - g.localTs).toBeLessThan(5_500_000);
      }
    }
    expect(gaps).toBeGreaterThan(0);
    expect(resynced).toBeGreaterThan(0);
    // nothing but the faults: a dropped update, or a stale `all` that the next update exposes
    expect(gaps).toBeLessThanOrEqual(sim.injected.gaps.length + sim.stats().faultsInjected.stalesnapshot);
  });

  it('rejected the malformed frames (bad gzip, bad JSON), keeping every binary frame raw', () => {
    let rejects = 0;
    for (const [, fs] of c.symbols) rejects += readLedger(dataDir, c.venue, fs).filter((l) => l.kind === 'reject').length;
    expect(rejects).toBeGreaterThan(0);
    const raw = kindText(dataDir, c.venue, c.symbols[0][1], 'raw').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
    expect(raw.filter((f) => f.dir === 'in' && f.binary === true).length).toBeGreaterThan(100);
  });

  it('validate rebuilds each day, finds the faults and exits 1', async () => {
    let found = 0;
    for (const [, fs] of c.symbols) {
      const [day] = dayDirs(dataDir, c.venue, fs);
      const { v, r } = await validate(day);
      expect(r.updatesVerified).toBeGreaterThan(30);
      expect(r.book.unverified + r.book.missing, `${fs}: every recorded book row is reproduced`).toBe(0);
      found += r.gaps;
      expect(v.code, v.stderr).toBe(r.clean ? 0 : 1);
    }
    expect(found).toBeGreaterThan(0);
  });

  it.each(c.symbols.map((s) => s[1]))('%s: replaying the raw capture reproduces the book and trades files', (fs) => {
    const book = kindText(dataDir, c.venue, fs, 'book');
    expect(book.split('\n').length).toBeGreaterThan(30);
    expect(kindText(outDir, c.venue, fs, 'book') === book, 'book rows differ').toBe(true);
    expect(kindText(outDir, c.venue, fs, 'trades') === kindText(dataDir, c.venue, fs, 'trades'), 'trades differ').toBe(true);
  });
});

describe('bingx: a clean day, and rotations', () => {
  it('a clean recording validates with exit 0', async () => {
    const sim = await startSim({ venue: 'bingx', symbols: ['BTC/USDT'], seed: 11, diffIntervalMs: 25 });
    const dataDir = mkdtempSync(join(tmpdir(), 'mf-bingx-clean-'));
    const rec = await runCli(recordArgs('bingx', ['BTC/USDT'], sim, dataDir, '4s'), {}, 60_000);
    await sim.stop();
    expect(rec.code, rec.stderr).toBe(0);
    expect(checkRows(sim, dataDir, 'bingx', 'BTCUSDT')).toBeGreaterThan(30);
    const { v, r } = await validate(dayDirs(dataDir, 'bingx', 'BTCUSDT')[0]);
    expect(r.clean).toBe(true);
    expect(r.gaps).toBe(0);
    expect(v.code, v.stdout).toBe(0);
  }, 60_000);

  it('rotates make-before-break with no gap, rows equal to the truth, and replays to the same files', async () => {
    const sim = await startSim({ venue: 'bingx-swap', symbols: ['BTC/USDT:USDT'], seed: 3, diffIntervalMs: 25 });
    const dataDir = mkdtempSync(join(tmpdir(), 'mf-bingx-rot-'));
    const outDir = mkdtempSync(join(tmpdir(), 'mf-bingx-rot-replay-'));
    const rec = await runCli([...recordArgs('bingx-swap', ['BTC/USDT:USDT'], sim, dataDir, '6s'), '--ws-max-session-s', '1.5'], {}, 60_000);
    await sim.stop();
    expect(rec.code, rec.stderr).toBe(0);
    const ledger = readLedger(dataDir, 'bingx-swap', 'BTCUSDTUSDT');
    expect(ledger.filter((l) => l.kind === 'connect' && l.detail.includes('rotated')).length).toBeGreaterThanOrEqual(2);
    expect(ledger.filter((l) => l.kind === 'gap')).toEqual([]);
    expect(checkRows(sim, dataDir, 'bingx-swap', 'BTCUSDTUSDT')).toBeGreaterThan(30);
    const replayed = await runCli(['replay', '--data-dir', dataDir, '--venue', 'bingx-swap', '--out-dir', outDir], {}, 60_000);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(kindText(outDir, 'bingx-swap', 'BTCUSDTUSDT', 'book') === kindText(dataDir, 'bingx-swap', 'BTCUSDTUSDT', 'book'), 'book rows differ').toBe(true);
  }, 60_000);
});

describe('record --venue bingx --sim --simulator-faults gap=5s', () => {
  it('validate --day-dir finds the gap and exits 1', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mf-bingx-sim-'));
    const rec = await runCli([
      'record', '--venue', 'bingx', '--sim', '--symbols', 'BTC/USDT', '--simulator-faults', 'gap=5s', '--simulator-diff-interval-ms', '25',
      '--data-dir', dataDir, '--duration', '7s', '--storage-flush-interval-s', '0.2', '--no-status', '--log-level', 'error',
    ], {}, 60_000);
    expect(rec.code, rec.stderr).toBe(0);
    const [day] = dayDirs(dataDir, 'sim-bingx', 'BTCUSDT');
    const { v, r } = await validate(day);
    expect(r.gaps).toBeGreaterThanOrEqual(1);
    expect(r.clean).toBe(false);
    expect(v.code).toBe(1);
    // the server pinged (5 s after the socket opened: spot's JSON ping) and the recorder answered
    const raw = kindText(dataDir, 'sim-bingx', 'BTCUSDT', 'raw').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
    expect(raw.some((f) => f.dir === 'out' && f.data.startsWith('{"pong":"'))).toBe(true);
  }, 60_000);
});

describe('marketfeed history against the bingx simulator', () => {
  let sim: SimHandle;
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-bingx-history-'));
  const SEED = 3;
  const MIN = 60_000;
  const DAY_MS = 86_400_000;
  const iso = (ms: number): string => new Date(ms).toISOString();
  const ymd = (ms: number): string => iso(ms).slice(0, 10).replace(/-/g, '');
  const common = (symbol: string): string[] => ['--venue', 'bingx', '--symbol', symbol, '--rest-url', sim.restUrl, '--data-dir', dataDir, '--no-rate-limit'];

  beforeAll(async () => {
    sim = await startSim({ venue: 'bingx', symbols: ['BTC/USDT'], seed: SEED, diffIntervalMs: 20 });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('candles: 1,500 one-minute bars, the venue\'s halted minutes gap-filled; a re-run fetches nothing', async () => {
    // The simulator's maintenance halts (no trades, no klines) are placed by the seed: find a range
    // around 22:00 five days ago whose first and last minutes trade, with halts inside.
    const halts = new CandleStore(SEED, 'any', 1, 1, Date.now());
    let from = Math.floor(Date.now() / DAY_MS) * DAY_MS - 5 * DAY_MS + 22 * 3_600_000;
    while (halts.halted(from) || halts.halted(from + 1499 * MIN)) from += MIN;
    let halted = 0;
    for (let t = from; t < from + 1500 * MIN; t += MIN) if (halts.halted(t)) halted++;
    expect(halted).toBeGreaterThan(0);
    const args = ['history', 'candles', ...common('BTC/USDT'), '--timeframe', '1m', '--from', iso(from), '--to', iso(from + 1500 * MIN)];
    const first = await runCli(args, {}, 60_000);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`fetched ${1500 - halted} rows in 2 pages, ${halted} gap-filled`));
    let total = 0;
    let synthetic = 0;
    for (const day of new Set([ymd(from), ymd(from + 1499 * MIN)])) {
      const csv = await readCsv(join(dataDir, 'bingx', 'BTCUSDT', day, `candles_BTCUSDT_1m_${day}.csv.gz`));
      total += csv.rows.length;
      synthetic += csv.rows.filter((r) => r[7] === 'true' || r[7] === '1').length;
    }
    expect(total).toBe(1500);
    expect(synthetic).toBe(halted);
    const again = await runCli(args, {}, 60_000);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already on disk; nothing fetched/);
  }, 60_000);

  it('trades: recent trades into the recorder trades layout', async () => {
    await new Promise((r) => setTimeout(r, 500));
    const now = Date.now();
    const r = await runCli(['history', 'trades', ...common('BTC/USDT'), '--from', iso(now - 60_000), '--to', iso(now)], {}, 60_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Number(/fetched (\d+) rows/.exec(r.stdout)?.[1])).toBeGreaterThan(0);
    const csv = await readCsv(join(dataDir, 'bingx', 'BTCUSDT', ymd(now - 60_000), `trades_BTCUSDT_${ymd(now - 60_000)}.csv.gz`));
    expect(csv.header).toEqual(['timestamp', 'price', 'qty', 'side', 'id', 'local_timestamp']);
    expect(csv.rows.length).toBeGreaterThan(0);
    expect(csv.rows[0][4]).toMatch(/^\d+$/);
    expect(csv.rows[0][2]).toMatch(/^\d+\.\d+$/);
  }, 60_000);
});
