// Acceptance for Bybit v5 (issue 12), as a user runs the CLI against the simulator:
// - with mixed faults (gap, corrupt = seq going back, malformed, disconnect, stale snapshot) every
//   book row equals the simulator's ground truth at its u, every ledger gap is an injected fault
//   followed by a resync, validate exits 1, and replay reproduces book and trades byte for byte;
// - `record --venue bybit --sim --simulator-faults gap=5s`: every injected gap is a ledger gap
//   then a resync, `validate --day-dir` exits 1 and counts them; a clean run validates to 0;
// - bybit-linear the same for record + validate;
// - `history candles|trades --venue bybit --rest-url <sim>`: 1,500 one-minute bars with the
//   simulator's maintenance holes gap-filled, a re-run fetches nothing; recent trades.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { readCsv } from '../src/storage/read.js';
import { runCli, type CliResult } from './cli.js';
import { dayDirs, kindText, readKind, readLedger, syncRows } from './ledger.js';
import { validateDay } from './truth-rows.js';

const DEPTH = 10;
const tmp = (name: string): string => mkdtempSync(join(tmpdir(), `mf-bybit-${name}-`));

interface ValidateReport { clean: boolean; gaps: number; updatesVerified: number; book: { unverified: number; missing: number } }

async function validate(dir: string): Promise<{ code: number | null; r: ValidateReport }> {
  const { code, report } = await validateDay(dir);
  return { code, r: report };
}

const RUN_FLAGS = [
  '--depth', String(DEPTH), '--storage-flush-interval-s', '0.2', '--ws-no-data-timeout-s', '2', '--ws-no-data-warn-s', '1',
  '--ws-reconnect-backoff-s', '0.1', '--ws-reconnect-backoff-max-s', '1', '--rest-timeout-s', '5', '--no-status', '--log-level', 'error',
];

const identical = (a: string, b: string, what: string): void => {
  expect(a.split('\n').length, `${what} rows`).toBeGreaterThan(10);
  expect(a === b, `${what} differ`).toBe(true);
};

describe.each([
  { venue: 'bybit' as const, symbols: [['BTC/USDT', 'BTCUSDT'], ['ETH/USDT', 'ETHUSDT']] },
  { venue: 'bybit-linear' as const, symbols: [['BTC/USDT:USDT', 'BTCUSDTUSDT'], ['ETH/USDT:USDT', 'ETHUSDTUSDT']] },
])('record $venue from the simulator with mixed faults', ({ venue, symbols }) => {
  let sim: SimHandle;
  let recorded: CliResult;
  let replayed: CliResult;
  const dataDir = tmp(venue);
  const outDir = tmp(`${venue}-replay`);

  beforeAll(async () => {
    sim = await startSim({
      venue, symbols: symbols.map((s) => s[0]), seed: 7, diffIntervalMs: 25,
      faults: 'gap=2100ms,corrupt=3300ms,malformed=700ms,disconnect=3700ms,stalesnapshot=2900ms',
    });
    recorded = await runCli(['record', '--venue', venue, '--symbols', symbols.map((s) => s[0]).join(','), '--ws-url', sim.wsUrl,
      '--rest-url', sim.restUrl, '--data-dir', dataDir, '--duration', '8s', ...RUN_FLAGS], {}, 60_000);
    await sim.stop();
    replayed = await runCli(['replay', '--data-dir', dataDir, '--venue', venue, '--out-dir', outDir], {}, 60_000);
  }, 120_000);
  afterAll(async () => {
    await sim?.stop();
  });

  it('record and replay exit 0', () => {
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(replayed.code, replayed.stderr).toBe(0);
  });

  it.each(symbols.map((s) => s[1]))('%s: every book row equals the ground truth at its u', (fs) => {
    const { header, rows } = readKind(dataDir, venue, fs, 'book');
    expect(header.length).toBe(3 + 4 * DEPTH);
    let checked = 0;
    for (const r of rows) {
      const truth = sim.truth.topAt(fs, Number(r[2]));
      expect(truth, `truth at u=${r[2]}`).toBeDefined();
      const want: string[] = [];
      for (let i = 0; i < DEPTH; i++) want.push(truth!.bids[i]?.[0] ?? '', truth!.bids[i]?.[1] ?? '');
      for (let i = 0; i < DEPTH; i++) want.push(truth!.asks[i]?.[0] ?? '', truth!.asks[i]?.[1] ?? '');
      expect(r.slice(3), `${fs} row at u=${r[2]}`).toEqual(want);
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('every ledger gap is an injected fault, and each is followed by a resync', () => {
    const injected = sim.injected.gaps.length + sim.injected.corruptions.length;
    expect(injected).toBeGreaterThan(2);
    let gaps = 0;
    let stale = 0;
    let resynced = 0;
    for (const [unified, fs] of symbols) {
      const ledger = readLedger(dataDir, venue, fs);
      const v = unified.replace('/', '').replace(/:.*/, '');
      // a dropped frame shows as the next u, a seq corruption at its own u, a stale snapshot as a jump
      const known = new Set([
        ...sim.injected.gaps.filter((g) => g.venueSymbol === v).map((g) => `got u=${g.skippedTo + 1};`),
        ...sim.injected.corruptions.filter((c) => c.venueSymbol === v).map((c) => `got u=${c.key} seq=`),
      ]);
      for (const g of ledger.filter((l) => l.kind === 'gap')) {
        gaps++;
        if ([...known].some((k) => g.detail.includes(k))) continue;
        // else a stale snapshot: the book loaded an old u, and the live deltas jump far past it
        const loaded = ledger.filter((l) => l.eventId < g.eventId && l.state === 'SYNCED').at(-1);
        const old = Number(/seqId=(\d+)/.exec(loaded?.detail ?? '')?.[1]);
        const [, expectedU, gotU] = /expected u=(\d+), got u=(\d+);/.exec(g.detail) ?? [];
        expect([Number(expectedU) === old + 1, Number(gotU) - old > 10], `${g.detail} after ${loaded?.detail}`).toEqual([true, true]);
        stale++;
      }
      // Followed by a resync — unless the run ended first: after resubscribing, the session waits
      // up to 5 s (session.ts RESUBSCRIBE_WAIT_MS) before it asks again for the same book.
      const stopTs = ledger.find((l) => l.kind === 'run_stop')!.localTs;
      for (const g of ledger.filter((l) => l.kind === 'gap' && l.localTs < stopTs - 5_500_000)) {
        expect(ledger.some((l) => l.eventId > g.eventId && l.state === 'SYNCED' && l.detail.startsWith('book')), `resync after ${g.detail}`).toBe(true);
      }
      const first = ledger.find((l) => l.kind === 'gap');
      if (first !== undefined && ledger.some((l) => l.eventId > first.eventId && l.state === 'SYNCED')) resynced++;
    }
    expect(gaps).toBeGreaterThan(0);
    expect(resynced).toBeGreaterThan(0);
    expect(gaps).toBeLessThanOrEqual(injected + stale);
    expect(stale).toBeLessThanOrEqual(sim.stats().faultsInjected.stalesnapshot);
    const rejects = symbols.reduce((n, [, fs]) => n + readLedger(dataDir, venue, fs).filter((l) => l.kind === 'reject').length, 0);
    expect(rejects).toBeGreaterThan(0);
  });

  it('validate rebuilds each day, reproduces every book row, and exits 1 on the faults', async () => {
    let found = 0;
    for (const [, fs] of symbols) {
      const { code, r } = await validate(dayDirs(dataDir, venue, fs)[0]);
      expect(r.updatesVerified).toBeGreaterThan(10);
      expect(r.book.unverified + r.book.missing).toBe(0);
      expect(code).toBe(r.gaps > 0 ? 1 : 0);
      found += r.gaps;
    }
    expect(found).toBeGreaterThan(0);
  });

  it.each(symbols.map((s) => s[1]))('%s: replay reproduces the book and trades files and the gaps', (fs) => {
    identical(kindText(outDir, venue, fs, 'book'), kindText(dataDir, venue, fs, 'book'), 'book');
    identical(kindText(outDir, venue, fs, 'trades'), kindText(dataDir, venue, fs, 'trades'), 'trades');
    // the gaps too (not every RESYNCING row: the session's resubscribe timer writes some, live only)
    const gaps = (dir: string): string[] => syncRows(dir, venue, fs).filter((l) => l.kind === 'gap').map((l) => l.detail);
    expect(gaps(outDir)).toEqual(gaps(dataDir));
  });
});

describe('record bybit through connection faults and make-before-break rotations', () => {
  // stall (the market pauses with the feed), a slow snapshot on resubscribing, the venue's max
  // session, a restart (1001), and our own rotation every 1.5 s: none of them loses a message of a
  // live book, so there is no gap — only reconnects and fresh snapshots — and every row is true.
  let sim: SimHandle;
  let recorded: CliResult;
  let replayed: CliResult;
  const dataDir = tmp('conn');
  const outDir = tmp('conn-replay');

  beforeAll(async () => {
    sim = await startSim({
      venue: 'bybit', symbols: ['BTC/USDT'], seed: 11, diffIntervalMs: 25, stallMs: 800, slowSnapshotMs: 400,
      faults: 'stall=3300ms,slowsnapshot=2100ms,maxsession=3s,shutdown=4100ms,malformed=900ms',
    });
    recorded = await runCli(['record', '--venue', 'bybit', '--symbols', 'BTC/USDT', '--ws-url', sim.wsUrl, '--rest-url', sim.restUrl, '--data-dir', dataDir,
      '--duration', '7s', '--ws-max-session-s', '1.5', ...RUN_FLAGS], {}, 60_000);
    await sim.stop();
    replayed = await runCli(['replay', '--data-dir', dataDir, '--venue', 'bybit', '--out-dir', outDir], {}, 60_000);
  }, 120_000);
  afterAll(async () => {
    await sim?.stop();
  });

  it('no gap, every row the truth at its u, rotations and reconnects in the ledger, replayed byte for byte', () => {
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(replayed.code, replayed.stderr).toBe(0);
    const faults = sim.stats().faultsInjected;
    expect([faults.stall, faults.slowsnapshot, faults.shutdown].every((n) => n > 0)).toBe(true);
    const ledger = readLedger(dataDir, 'bybit', 'BTCUSDT');
    expect(ledger.filter((l) => l.kind === 'gap')).toEqual([]);
    expect(ledger.filter((l) => l.kind === 'connect' && l.detail.includes('rotated')).length).toBeGreaterThan(0);
    expect(ledger.filter((l) => l.kind === 'disconnect').length).toBeGreaterThan(0);
    const { rows } = readKind(dataDir, 'bybit', 'BTCUSDT', 'book');
    for (const r of rows) {
      const truth = sim.truth.topAt('BTCUSDT', Number(r[2]))!;
      expect([r[3], r[3 + 2 * DEPTH]], `best bid and ask at u=${r[2]}`).toEqual([truth.bids[0][0], truth.asks[0][0]]);
    }
    expect(rows.length).toBeGreaterThan(20);
    identical(kindText(outDir, 'bybit', 'BTCUSDT', 'book'), kindText(dataDir, 'bybit', 'BTCUSDT', 'book'), 'book');
    identical(kindText(outDir, 'bybit', 'BTCUSDT', 'trades'), kindText(dataDir, 'bybit', 'BTCUSDT', 'trades'), 'trades');
  });
});

describe('record --venue bybit --sim, as a user runs it', () => {
  const faulty = tmp('sim-gap');
  const clean = tmp('sim-clean');
  const replayDir = tmp('sim-replay');
  let runs: CliResult[];

  beforeAll(async () => {
    runs = [
      await runCli(['record', '--venue', 'bybit', '--sim', '--simulator-faults', 'gap=5s', '--symbols', 'BTC/USDT', '--data-dir', faulty,
        '--duration', '11s', '--simulator-diff-interval-ms', '20', ...RUN_FLAGS], {}, 60_000),
      await runCli(['record', '--venue', 'bybit', '--sim', '--symbols', 'BTC/USDT', '--data-dir', clean,
        '--duration', '3s', '--simulator-diff-interval-ms', '20', ...RUN_FLAGS], {}, 60_000),
    ];
    runs.push(await runCli(['replay', '--data-dir', faulty, '--venue', 'sim-bybit', '--out-dir', replayDir], {}, 60_000));
  }, 120_000);

  it('every injected gap (at 5 s and 10 s) is a ledger gap then a resync; validate --day-dir finds them and exits 1', async () => {
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const ledger = readLedger(faulty, 'sim-bybit', 'BTCUSDT');
    const gaps = ledger.filter((l) => l.kind === 'gap');
    expect(gaps.map((g) => g.detail)).toEqual([expect.stringMatching(/^book: expected u=\d+, got u=\d+; sequence gap/), expect.stringMatching(/got u=/)]);
    for (const g of gaps) expect(ledger.some((l) => l.eventId > g.eventId && l.state === 'SYNCED')).toBe(true);
    const { code, r } = await validate(dayDirs(faulty, 'sim-bybit', 'BTCUSDT')[0]);
    expect([code, r.gaps, r.clean]).toEqual([1, 2, false]);
  });

  it('a clean run validates to 0', async () => {
    const { code, r } = await validate(dayDirs(clean, 'sim-bybit', 'BTCUSDT')[0]);
    expect(r.updatesVerified).toBeGreaterThan(50);
    expect([code, r.gaps, r.clean]).toEqual([0, 0, true]);
  });

  it('replay reproduces the faulty day\'s book and trades byte for byte', () => {
    identical(kindText(replayDir, 'sim-bybit', 'BTCUSDT', 'book'), kindText(faulty, 'sim-bybit', 'BTCUSDT', 'book'), 'book');
    identical(kindText(replayDir, 'sim-bybit', 'BTCUSDT', 'trades'), kindText(faulty, 'sim-bybit', 'BTCUSDT', 'trades'), 'trades');
  });
});

describe('record --venue bybit-linear --sim --simulator-faults gap=5s', () => {
  it('validate --day-dir finds the gap and exits 1', async () => {
    const dir = tmp('linear-sim');
    const rec = await runCli(['record', '--venue', 'bybit-linear', '--sim', '--simulator-faults', 'gap=5s', '--symbols', 'BTC/USDT:USDT',
      '--data-dir', dir, '--duration', '7s', '--simulator-diff-interval-ms', '20', ...RUN_FLAGS], {}, 60_000);
    expect(rec.code, rec.stderr).toBe(0);
    const { code, r } = await validate(dayDirs(dir, 'sim-bybit-linear', 'BTCUSDTUSDT')[0]);
    expect([code, r.gaps]).toEqual([1, 1]);
    expect(r.book.unverified + r.book.missing).toBe(0);
  }, 60_000);
});

describe('history --venue bybit against the simulator', () => {
  let sim: SimHandle;
  const dataDir = tmp('history');
  const DAY_MS = 86_400_000;
  const iso = (ms: number): string => new Date(ms).toISOString();
  const ymd = (ms: number): string => iso(ms).slice(0, 10).replace(/-/g, '');

  beforeAll(async () => {
    sim = await startSim({ venue: 'bybit', symbols: ['BTC/USDT'], seed: 3, diffIntervalMs: 20 });
  });
  afterAll(async () => {
    await sim?.stop();
  });
  const common = (): string[] => ['--venue', 'bybit', '--symbol', 'BTC/USDT', '--rest-url', sim.restUrl, '--data-dir', dataDir, '--no-rate-limit'];

  it('candles: 1,500 one-minute bars in two pages, the maintenance holes gap-filled; a re-run fetches nothing', async () => {
    const from = Math.floor(Date.now() / DAY_MS) * DAY_MS - 5 * DAY_MS + 22 * 3_600_000;
    const args = ['history', 'candles', ...common(), '--timeframe', '1m', '--from', iso(from), '--to', iso(from + 1500 * 60_000)];
    const first = await runCli(args, {}, 60_000);
    expect(first.stderr).toBe('');
    const m = /fetched (\d+) rows in 2 pages, (\d+) gap-filled; wrote 2 day file\(s\)/.exec(first.stdout);
    expect(m, first.stdout).not.toBeNull();
    expect(Number(m![1]) + Number(m![2])).toBe(1500);
    expect(Number(m![2])).toBeGreaterThan(0);
    let synthetic = 0;
    let total = 0;
    for (const day of [from, from + DAY_MS]) {
      const csv = await readCsv(join(dataDir, 'bybit', 'BTCUSDT', ymd(day), `candles_BTCUSDT_1m_${ymd(day)}.csv.gz`));
      total += csv.rows.length;
      synthetic += csv.rows.filter((r) => r[7] === '1').length;
      const opens = csv.rows.map((r) => Number(r[0]));
      expect(opens.every((o, i) => i === 0 || o - opens[i - 1] === 60_000_000), 'one row a minute').toBe(true);
    }
    expect([total, synthetic]).toEqual([1500, Number(m![2])]);
    const again = await runCli(args, {}, 60_000);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/already on disk; nothing fetched/);
  }, 60_000);

  it('trades: the newest trades Bybit serves, into the recorder trades layout', async () => {
    const now = Date.now();
    const r = await runCli(['history', 'trades', ...common(), '--from', iso(now - 60_000), '--to', iso(now + 60_000)], {}, 60_000);
    expect(r.code, r.stderr).toBe(0);
    const n = Number(/fetched (\d+) rows/.exec(r.stdout)?.[1]);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual(60); // spot recent-trade serves the newest 60
    const csv = await readCsv(join(dataDir, 'bybit', 'BTCUSDT', ymd(now - 60_000), `trades_BTCUSDT_${ymd(now - 60_000)}.csv.gz`));
    expect(csv.header).toEqual(['timestamp', 'price', 'qty', 'side', 'id', 'local_timestamp']);
    expect(csv.rows[0][4]).toMatch(/^229\d{16}$/);
  }, 60_000);
});
