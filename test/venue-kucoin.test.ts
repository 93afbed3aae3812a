// Acceptance for KuCoin (issue 12), as a user runs the built CLI against the simulator: recording
// spot and futures through the bullet token with faults (every book row equal to the ground truth
// at its sequence, every injected gap a `gap` then a resync, replay byte for byte, validate exit 1),
// `record --sim` with and without a gap (validate 1 / 0), a rotation, `validate --capture` on the
// real 2021 capture, and `history candles|trades` against the simulator's history routes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from './fixtures.js';
import { maintenanceHalts } from '../src/sim/candles.js';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { readCsv } from '../src/storage/read.js';
import { runCli, type CliResult } from './cli.js';
import { dayDirs, kindText, readLedger } from './ledger.js';
import { bookRowsAgainstTruth } from './truth-rows.js';

const DEPTH = 10;
const FAULTS = 'gap=1300ms,malformed=700ms,disconnect=3100ms,stalesnapshot=2300ms,slowsnapshot=1700ms,ratelimit=2900ms,shutdown=4300ms';

function recordArgs(venue: string, symbols: string[], dataDir: string, extra: string[]): string[] {
  return [
    'record', '--venue', venue, '--symbols', symbols.join(','), '--data-dir', dataDir, '--duration', '6s',
    '--depth', String(DEPTH), '--storage-flush-interval-s', '0.2', '--ws-no-data-timeout-s', '2',
    '--ws-no-data-warn-s', '1', '--ws-reconnect-backoff-s', '0.1', '--ws-reconnect-backoff-max-s', '1',
    '--rest-timeout-s', '5', '--no-status', '--log-level', 'warn', ...extra,
  ];
}

/** Every book row's levels against the truth at its update id (the change sequence). */
const rowsAgainstTruth = (sim: SimHandle, dataDir: string, venue: string, fs: string): number =>
  bookRowsAgainstTruth(sim, dataDir, { label: venue, fs, depth: DEPTH, requireTruth: true });

interface FaultCase {
  venue: 'kucoin' | 'kucoin-futures';
  symbols: [unified: string, fs: string][];
}

const FAULT_CASES: FaultCase[] = [
  { venue: 'kucoin', symbols: [['BTC/USDT', 'BTCUSDT'], ['ETH/USDT', 'ETHUSDT']] },
  { venue: 'kucoin-futures', symbols: [['BTC/USDT:USDT', 'BTCUSDTUSDT'], ['ETH/USDT:USDT', 'ETHUSDTUSDT']] },
];

describe.each(FAULT_CASES)('record $venue from the simulator with faults', (c) => {
  let sim: SimHandle;
  let result: CliResult;
  let replayed: CliResult;
  const dataDir = mkdtempSync(join(tmpdir(), `mf-${c.venue}-`));
  const outDir = mkdtempSync(join(tmpdir(), `mf-${c.venue}-replay-`));

  beforeAll(async () => {
    // slowsnapshot holds a snapshot back 300 ms: long enough to buffer, short enough to leave synced time
    sim = await startSim({ venue: c.venue, symbols: c.symbols.map((s) => s[0]), seed: 7, diffIntervalMs: 25, faults: FAULTS, slowSnapshotMs: 300 });
    result = await runCli(recordArgs(c.venue, c.symbols.map((s) => s[0]), dataDir, ['--ws-url', sim.wsUrl, '--rest-url', sim.restUrl]), {}, 60_000);
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

  it.each(c.symbols.map((s) => s[1]))('%s: every book row equals the ground truth at its sequence', (fs) => {
    expect(rowsAgainstTruth(sim, dataDir, c.venue, fs)).toBeGreaterThan(30);
  });

  it('caught every injected gap with a gap event followed by a resync; rejected the malformed frames', () => {
    expect(sim.injected.gaps.length).toBeGreaterThan(0);
    let gaps = 0;
    let resynced = 0;
    let rejects = 0;
    for (const [, fs] of c.symbols) {
      const ledger = readLedger(dataDir, c.venue, fs);
      const stop = ledger.find((l) => l.kind === 'run_stop')!;
      for (const g of ledger.filter((l) => l.kind === 'gap')) {
        gaps++;
        expect(g.detail).toMatch(/expected sequence(Start)?<?=\d+, got sequence/); // <= when the update bridging a snapshot starts past it
        expect(ledger.find((l) => l.eventId > g.eventId)?.state, 'the gap starts a resync').toBe('RESYNCING');
        // synced again, unless the run ended first (a gap in its last moments)
        if (ledger.some((l) => l.eventId > g.eventId && l.state === 'SYNCED' && l.detail.startsWith('book')) || stop.localTs - g.localTs < 1_500_000) resynced++;
      }
      rejects += ledger.filter((l) => l.kind === 'reject').length;
    }
    // a gap dropped while a book was resyncing anyway is not seen as one; nothing else is a gap
    expect(gaps).toBeGreaterThan(0);
    expect(gaps).toBeLessThanOrEqual(sim.injected.gaps.length);
    expect(resynced).toBe(gaps);
    expect(rejects).toBeGreaterThan(0);
    const injected = sim.stats().faultsInjected;
    for (const k of ['stalesnapshot', 'slowsnapshot', 'ratelimit', 'shutdown', 'disconnect'] as const) expect(injected[k], k).toBeGreaterThan(0);
  });

  it('validate rebuilds a recorded day with a gap, reproduces every row, finds the gap and exits 1', async () => {
    const fs = c.symbols.map((s) => s[1]).find((f) => readLedger(dataDir, c.venue, f).some((l) => l.kind === 'gap'))!;
    const [day] = dayDirs(dataDir, c.venue, fs);
    const v = await runCli(['validate', '--day-dir', day, '--format', 'json'], {}, 60_000);
    const r = JSON.parse(v.stdout) as { clean: boolean; gaps: number; updatesVerified: number; book: { unverified: number; missing: number } };
    expect(r.updatesVerified).toBeGreaterThan(30);
    expect(r.book.unverified + r.book.missing, `${fs}: every recorded book row is reproduced`).toBe(0);
    expect(r.gaps).toBe(readLedger(dataDir, c.venue, fs).filter((l) => l.kind === 'gap').length);
    expect([r.clean, v.code]).toEqual([false, 1]);
  });

  it.each(c.symbols.map((s) => s[1]))('%s: replaying the raw capture reproduces the book and trades files byte for byte', (fs) => {
    const book = kindText(dataDir, c.venue, fs, 'book');
    expect(book.split('\n').length).toBeGreaterThan(30);
    expect(kindText(outDir, c.venue, fs, 'book') === book, 'book rows differ').toBe(true);
    const trades = kindText(dataDir, c.venue, fs, 'trades');
    expect(trades.split('\n').length).toBeGreaterThan(5);
    expect(kindText(outDir, c.venue, fs, 'trades') === trades, 'trades differ').toBe(true);
  });
});

describe('record --venue kucoin|kucoin-futures --sim, then validate --day-dir', () => {
  const runs = {
    gap: { venue: 'kucoin', fs: 'BTCUSDT', faults: ['--simulator-faults', 'gap=5s'], dir: mkdtempSync(join(tmpdir(), 'mf-kucoin-gap-')) },
    clean: { venue: 'kucoin', fs: 'BTCUSDT', faults: [], dir: mkdtempSync(join(tmpdir(), 'mf-kucoin-clean-')) },
    futures: { venue: 'kucoin-futures', fs: 'BTCUSDTUSDT', faults: [], dir: mkdtempSync(join(tmpdir(), 'mf-kucoin-futures-')) },
  };
  const results = new Map<string, { record: CliResult; validate: CliResult }>();

  beforeAll(async () => {
    await Promise.all(Object.entries(runs).map(async ([name, r]) => {
      const sym = r.venue === 'kucoin' ? 'BTC/USDT' : 'BTC/USDT:USDT';
      const record = await runCli(recordArgs(r.venue, [sym], r.dir, ['--sim', ...r.faults]), {}, 60_000);
      const [day] = dayDirs(r.dir, `sim-${r.venue}`, r.fs);
      const validate = await runCli(['validate', '--day-dir', day], {}, 60_000);
      results.set(name, { record, validate });
    }));
  }, 120_000);

  it('gap=5s: validate finds the gap and exits 1', () => {
    const { record, validate } = results.get('gap')!;
    expect(record.code, record.stderr).toBe(0);
    expect(validate.code, validate.stdout).toBe(1);
    expect(validate.stdout).toMatch(/gaps\s+[1-9]/);
    expect(readLedger(runs.gap.dir, 'sim-kucoin', 'BTCUSDT').filter((l) => l.kind === 'gap').length).toBeGreaterThan(0);
  });

  it.each(['clean', 'futures'])('%s run: validate reproduces every row and exits 0', (name) => {
    const { record, validate } = results.get(name)!;
    expect(record.code, record.stderr).toBe(0);
    expect(validate.code, validate.stdout).toBe(0);
    expect(validate.stdout).toMatch(/mismatches 0 \(0 unverified, 0 missing\)/);
    expect(validate.stdout).toMatch(/gaps\s+0/);
  });
});

describe('record kucoin across make-before-break rotations (a fresh bullet token each)', () => {
  let sim: SimHandle;
  let result: CliResult;
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-kucoin-rot-'));

  beforeAll(async () => {
    sim = await startSim({ venue: 'kucoin', symbols: ['BTC/USDT'], seed: 3, diffIntervalMs: 25 });
    result = await runCli([...recordArgs('kucoin', ['BTC/USDT'], dataDir, ['--ws-url', sim.wsUrl, '--rest-url', sim.restUrl]), '--ws-max-session-s', '1.5'], {}, 60_000);
    await sim.stop();
  }, 120_000);
  afterAll(async () => {
    await sim?.stop();
  });

  it('rotates onto new tokens with no gap, every row equal to the ground truth', () => {
    expect(result.code, result.stderr).toBe(0);
    const ledger = readLedger(dataDir, 'kucoin', 'BTCUSDT');
    expect(ledger.filter((l) => l.kind === 'connect' && l.detail.includes('rotated')).length).toBeGreaterThanOrEqual(2);
    expect(ledger.filter((l) => l.kind === 'gap')).toEqual([]);
    const tokens = new Set(ledger.filter((l) => l.kind === 'subscribe').map((l) => /token=([^&\s]+)/.exec(l.detail)?.[1]).filter(Boolean));
    expect(tokens.size).toBeGreaterThanOrEqual(3);
    expect(rowsAgainstTruth(sim, dataDir, 'kucoin', 'BTCUSDT')).toBeGreaterThan(30);
  });
});

describe('validate --capture on the real 2021 KuCoin capture', () => {
  it('bridges every diff to its REST snapshot: 0 gaps, and the tickers agree with the book', async () => {
    const cf = join(FIXTURES, 'cryptofeed');
    const r = await runCli(['validate', '--capture', join(cf, 'KUCOIN.ws.1.0'), '--http', join(cf, 'KUCOIN.http.0.0'), '--venue', 'kucoin'], {}, 60_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/gaps: 0; rejects: 0/);
    expect(r.stdout).toMatch(/quotes at a book update id: 789 agree with the book, 0 disagree\nCLEAN\n$/);
    const updates = [...r.stdout.matchAll(/updates (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
    expect(updates).toBe(3853 - 48); // every diff but the 48 the snapshots already held
  });
});

// --- history -------------------------------------------------------------------------------------

const MIN = 60_000;
const DAY = 86_400_000;
const SEED = 11;
const iso = (ms: number): string => new Date(ms).toISOString();
const ymd = (ms: number): string => iso(ms).slice(0, 10).replace(/-/g, '');

interface HistoryCase {
  venue: 'kucoin' | 'kucoin-futures';
  symbol: string;
  fs: string;
  /** Bars per request: spot 1500, futures 500. */
  page: number;
  topic: string;
  priceText: RegExp;
  /** One websocket trade: the id history gives it, its ms, price, size, taker side. */
  trade(d: any): { id: string; tsMs: number; price: string; qty: string; side: string };
}

const HISTORY: HistoryCase[] = [
  {
    venue: 'kucoin', symbol: 'BTC/USDT', fs: 'BTCUSDT', page: 1500, topic: '/market/match:BTC-USDT', priceText: /^\d+\.\d$/,
    // /market/histories rows carry only the 17-digit `sequence`, which history keeps as the id
    trade: (d) => ({ id: d.sequence, tsMs: Number(d.time.slice(0, -6)), price: d.price, qty: d.size, side: d.side }),
  },
  {
    venue: 'kucoin-futures', symbol: 'BTC/USDT:USDT', fs: 'BTCUSDTUSDT', page: 500, topic: '/contractMarket/execution:XBTUSDTM',
    // kline prices are JSON numbers: ccxt hands back 57260 for 57260.0
    priceText: /^\d+(\.\d)?$/,
    trade: (d) => ({ id: d.tradeId, tsMs: Number(String(d.ts).slice(0, -6)), price: d.price, qty: String(d.size), side: d.side }),
  },
];

describe.each(HISTORY)('history against the $venue simulator', (c) => {
  let sim: SimHandle;
  const dataDir = mkdtempSync(join(tmpdir(), `mf-history-${c.venue}-`));
  const common = (): string[] => ['--venue', c.venue, '--symbol', c.symbol, '--rest-url', sim.restUrl, '--data-dir', dataDir, '--no-rate-limit'];

  beforeAll(async () => {
    // slow enough that the trades of a few seconds are among the last 100 the venue serves
    sim = await startSim({ venue: c.venue, symbols: [c.symbol], seed: SEED, diffIntervalMs: 50 });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it(`candles: 1,500 one-minute bars in pages of ${c.page}, the maintenance holes gap-filled; a re-run fetches nothing`, async () => {
    const from = Math.floor(Date.now() / DAY) * DAY - 5 * DAY + 22 * 3_600_000;
    const to = from + 1500 * MIN;
    const halted = new Set<number>();
    for (const [a, b] of maintenanceHalts(SEED, from, to)) for (let t = Math.max(a, from); t < Math.min(b, to); t += MIN) halted.add(t);
    const served = [...Array(1500).keys()].map((i) => from + i * MIN).filter((t) => !halted.has(t));
    const filled = [...halted].filter((t) => t > served[0] && t < served[served.length - 1]);
    expect(filled.length).toBeGreaterThan(0);
    const args = ['history', 'candles', ...common(), '--timeframe', '1m', '--from', iso(from), '--to', iso(to)];
    const r = await runCli(args, {}, 60_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`fetched ${served.length} rows in ${Math.ceil(1500 / c.page)} pages, ${filled.length} gap-filled; wrote 2 day file\\(s\\)`));
    const rows: string[][] = [];
    for (const day of [from, to - MIN]) rows.push(...(await readCsv(join(dataDir, c.venue, c.fs, ymd(day), `candles_${c.fs}_1m_${ymd(day)}.csv.gz`))).rows);
    expect(rows.map((row) => Number(row[0]) / 1000)).toEqual([...Array((served.at(-1)! - served[0]) / MIN + 1).keys()].map((i) => served[0] + i * MIN));
    for (const row of rows) {
      if (row[7] === 'true' || row[7] === '1') continue;
      expect(row[1]).toMatch(c.priceText);
      // the venue's own columns, whatever their order on the wire: high and low bound open and close
      expect(Number(row[2])).toBeGreaterThanOrEqual(Math.max(Number(row[1]), Number(row[4])));
      expect(Number(row[3])).toBeLessThanOrEqual(Math.min(Number(row[1]), Number(row[4])));
    }
    const again = await runCli(args, {}, 60_000);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already on disk; nothing fetched/);
  });

  it('trades: a window of the last 100 equals what the websocket sent; a re-run fetches nothing', async () => {
    const b = await (await fetch(`${sim.restUrl}/api/v1/bullet-public`, { method: 'POST' })).json() as any;
    const ws = new WebSocket(`${b.data.instanceServers[0].endpoint}?token=${b.data.token}&connectId=h`);
    const seen: ReturnType<HistoryCase['trade']>[] = [];
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.topic === c.topic) seen.push(c.trade(m.data));
    });
    await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
    ws.send(JSON.stringify({ id: '1', type: 'subscribe', topic: c.topic, response: true }));
    for (const deadline = Date.now() + 15_000; seen.length < 15 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 100));
    ws.close();
    expect(seen.length).toBeGreaterThanOrEqual(15);
    const from = seen[0].tsMs + 1;
    const to = seen[seen.length - 1].tsMs;
    const want = seen.filter((t) => t.tsMs >= from && t.tsMs < to);
    const args = ['history', 'trades', ...common(), '--from', iso(from), '--to', iso(to)];
    const r = await runCli(args, {}, 60_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`fetched ${want.length} rows in 1 pages`));
    const csv = await readCsv(join(dataDir, c.venue, c.fs, ymd(from), `trades_${c.fs}_${ymd(from)}.csv.gz`));
    expect(csv.header).toEqual(['timestamp', 'price', 'qty', 'side', 'id', 'local_timestamp']);
    expect(csv.rows.map((row) => ({ id: row[4], tsMs: Number(row[0]) / 1000, price: row[1], qty: row[2], side: row[3] }))).toEqual(want);
    const again = await runCli(args, {}, 60_000);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already on disk; nothing fetched/);
  });
});
