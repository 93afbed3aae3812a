// Acceptance (issue 11, continuity): trades sent while a socket was down are fetched by id over
// REST and written to the trades file. Against the simulator, a `disconnect` fault while trades
// flow leaves no trade of the window missing (compared with the simulator's own tape, read from
// its recent-trades route, which the backfill does not use), a `backfill` ledger row names each
// range filled, replay reproduces the trades file and those ledger rows byte for byte, and
// validate stays clean.
// Spot backfills `GET /api/v3/historicalTrades` by the raw trade stream's `t`; USDⓈ-M, which
// streams aggTrade, backfills `GET /fapi/v1/aggTrades` by its `a`; OKX backfills
// `GET /api/v5/market/history-trades` by the `trades` channel's tradeId. Bybit linear, whose ids
// are not consecutive, fills each outage by time window from `GET /v5/market/recent-trade`; the
// simulator serves no other trades route, so its tape is read from that route after the run
// (a 1000-trade page, the simulator's own record, not what the recording fetched). Coinbase fills
// by window too, from `GET …/products/{id}/ticker?start&end`, after its resubscribe snapshot; its
// tape is read from the same route a second at a time. KuCoin Futures fills by window from its
// last-100 trade history, read every second during the recording for the tape.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { runCli, type CliResult } from './cli.js';
import { dayDirs, kindText, readKind, readLedger, type LedgerRow } from './ledger.js';
import { validateDay } from './truth-rows.js';

interface Case {
  venue: 'binance' | 'binance-futures' | 'okx' | 'bybit' | 'bybit-linear' | 'coinbase' | 'kucoin-futures';
  symbols: readonly (readonly [unified: string, venueSymbol: string, fs: string])[];
  /** The simulator's tape of every trade it made (not the backfill's route). */
  truthPath: string;
  /** Drops the socket that carries the trades (USDⓈ-M books and trades are on two sockets). */
  connUrl?: string;
  /** Reconnect backoff, s (default 0.3): each outage must miss more trades than a resubscribe brings back. */
  backoffS?: number;
  /** Sockets dropped (default 5) and the recording's length, s (default 7). */
  drops?: number;
  durationS?: number;
  /** The simulator's pace (default 20 ms a step; a trade on about one step in seven). */
  diffIntervalMs?: number;
  /** The tape route serves only the newest few trades: read it every second while recording. */
  pollTape?: boolean;
}

const CASES: Case[] = [
  { venue: 'binance', symbols: [['BTC/USDT', 'BTCUSDT', 'BTCUSDT'], ['ETH/USDT', 'ETHUSDT', 'ETHUSDT']], truthPath: '/api/v3/trades', connUrl: '/stream' },
  { venue: 'binance-futures', symbols: [['BTC/USDT:USDT', 'BTCUSDT', 'BTCUSDTUSDT']], truthPath: '/fapi/v1/trades', connUrl: '/market' },
  // OKX: one public socket carries books and trades (the sim's venue modes keep no socket URL to
  // match: the drop picks among the open sockets, here that one); its newest-500 route is the tape
  { venue: 'okx', symbols: [['BTC/USDT', 'BTC-USDT', 'BTCUSDT']], truthPath: '/api/v5/market/trades' },
  // Bybit: one public socket carries books and trades; trade ids are text (not a range)
  { venue: 'bybit-linear', symbols: [['BTC/USDT:USDT', 'BTCUSDT', 'BTCUSDTUSDT']], truthPath: '/v5/market/recent-trade' },
  // Bybit spot: its route serves the newest 60 only, so the tape is read every second
  { venue: 'bybit', symbols: [['BTC/USDT', 'BTCUSDT', 'BTCUSDT']], truthPath: '/v5/market/recent-trade', pollTape: true },
  // Coinbase: one socket carries books and trades; a resubscribe's market_trades snapshot brings
  // back the 50 newest trades (about 0.6 s of them when trades come four times as fast), so the
  // backoff is longer (a jittered 0-3 s) and three outages make sure one outlasts the snapshot; the
  // rest is filled by time window from the public market trades (`ticker`), also the tape here
  {
    venue: 'coinbase', symbols: [['BTC/USD', 'BTC-USD', 'BTCUSD']], truthPath: '/api/v3/brokerage/market/products/BTC-USD/ticker',
    backoffS: 3, drops: 3, durationS: 14, diffIntervalMs: 5,
  },
  // KuCoin Futures: one socket (its URL from the bullet token) carries books and executions; the
  // last-100 trade history fills each outage by time window, and is read every second for the tape
  { venue: 'kucoin-futures', symbols: [['BTC/USDT:USDT', 'XBTUSDTM', 'BTCUSDTUSDT']], truthPath: '/api/v1/trade/history', pollTape: true },
];

/** Venues filled by time window (ids are not consecutive, or are asked by time): rows name the ids filled and the window. */
const byWindow = (c: Case): boolean => c.venue === 'bybit' || c.venue === 'bybit-linear' || c.venue === 'coinbase' || c.venue === 'kucoin-futures';
/** The REST route each venue backfills from, as its ledger rows name it. */
const ROUTE: Record<Case['venue'], string> = {
  binance: 'historicalTrades', 'binance-futures': 'aggTrades', okx: 'history-trades', bybit: 'recent-trade', 'bybit-linear': 'recent-trade', coinbase: 'ticker',
  'kucoin-futures': 'trade-history',
};

interface TruthTrade {
  id: number | string;
  price: string;
  qty: string;
  time: number;
  isBuyerMaker: boolean;
}

/** The simulator's tape of `v`, oldest first, in Binance's row shape whatever the venue's. */
async function readTape(restUrl: string, c: Case, v: string): Promise<TruthTrade[]> {
  if (c.venue === 'bybit-linear' || c.venue === 'bybit') {
    // {"retCode":0,"result":{"list":[{execId, price, size, side, time}…]}}, newest first, 1000 at most (spot 60)
    const category = c.venue === 'bybit' ? 'spot&limit=60' : 'linear&limit=1000';
    const body = (await (await fetch(`${restUrl}${c.truthPath}?category=${category}&symbol=${v}`)).json()) as {
      retCode: number; result: { list: { execId: string; price: string; size: string; side: string; time: string }[] };
    };
    expect(body.retCode).toBe(0);
    return body.result.list.map((t) => ({ id: t.execId, price: t.price, qty: t.size, time: Number(t.time), isBuyerMaker: t.side === 'Sell' })).reverse();
  }
  if (c.venue === 'kucoin-futures') {
    // {"code":"200000","data":[{sequence, tradeId, ts (ns), size, price, side (the taker's)}…]}, the last 100, oldest first
    const text = await (await fetch(`${restUrl}${c.truthPath}?symbol=${v}`)).text();
    const body = JSON.parse(text.replace(/"ts":(\d+)/g, '"ts":"$1"')) as { code: string; data: { tradeId: string; ts: string; size: number; price: string; side: string }[] };
    expect(body.code).toBe('200000');
    return body.data.map((t) => ({ id: t.tradeId, price: t.price, qty: String(t.size), time: Number(t.ts.slice(0, -6)), isBuyerMaker: t.side === 'sell' }));
  }
  if (c.venue === 'coinbase') {
    // {"trades":[{trade_id, price, size, time (RFC3339 µs), side (the maker's)}…]}, newest first,
    // 1000 at most of [start, end) (s): the last 40 s, a second at a time (fewer than 1000 each)
    const tape: TruthTrade[] = [];
    const now = Math.ceil(Date.now() / 1000);
    for (let sec = now - 40; sec <= now; sec++) {
      const body = (await (await fetch(`${restUrl}${c.truthPath}?limit=1000&start=${sec}&end=${sec + 1}`)).json()) as {
        trades: { trade_id: string; price: string; size: string; time: string; side: string }[];
      };
      expect(body.trades.length).toBeLessThan(1000);
      // the maker bought: the seller took it
      tape.push(...body.trades.map((t) => ({ id: Number(t.trade_id), price: t.price, qty: t.size, time: Date.parse(t.time), isBuyerMaker: t.side === 'BUY' })).reverse());
    }
    return tape;
  }
  if (c.venue !== 'okx') return (await (await fetch(`${restUrl}${c.truthPath}?symbol=${v}&limit=1000`)).json()) as TruthTrade[];
  // {"code":"0","data":[{instId, side, sz, px, tradeId, ts}…]}, newest first, 500 at most
  const body = (await (await fetch(`${restUrl}${c.truthPath}?instId=${v}&limit=500`)).json()) as {
    code: string; data: { side: string; sz: string; px: string; tradeId: string; ts: string }[];
  };
  expect(body.code).toBe('0');
  return body.data.map((t) => ({ id: Number(t.tradeId), price: t.px, qty: t.sz, time: Number(t.ts), isBuyerMaker: t.side === 'sell' })).reverse();
}

interface Run {
  sim: SimHandle;
  dataDir: string;
  outDir: string;
  recorded: CliResult;
  replayed: CliResult;
  truth: Map<string, TruthTrade[]>;
  /** USDⓈ-M: the simulator's aggregate id → the tape's trade id (`f`; one trade per aggregate). */
  aggToTrade: Map<string, Map<number, number>>;
}

/** Trade sockets dropped per recording (then quiet until the stop). */
const DROPS = 5;
const dropsOf = (c: Case): number => c.drops ?? DROPS;

async function recordWithDrops(c: Case): Promise<Run> {
  const sim = await startSim({ venue: c.venue, symbols: c.symbols.map((s) => s[1]), seed: 29, diffIntervalMs: c.diffIntervalMs ?? 20 });
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-backfill-'));
  const outDir = mkdtempSync(join(tmpdir(), 'mf-backfill-out-'));
  // a dropped trade socket every 600 ms: each outage (reconnect backoff 0.3 s) misses some trades.
  // DROPS drops, then quiet, so the last ranges are fetched before the stop (a range the stop
  // cuts short is ledgered as missed: the checks below allow those ids only).
  // a tape route that serves only the newest trades is read every second, the pages joined by id
  const polled = new Map<string, Map<string, TruthTrade>>(c.symbols.map(([, v]) => [v, new Map()]));
  const poll = async (): Promise<void> => {
    for (const [v, seen] of polled) for (const t of await readTape(sim.restUrl, c, v)) seen.set(String(t.id), t);
  };
  const polling = c.pollTape === true ? setInterval(() => void poll(), 1000) : undefined;
  const drops = setInterval(() => {
    if (sim.injected.disconnects >= dropsOf(c)) clearInterval(drops);
    else sim.inject('disconnect', { connUrl: c.connUrl });
  }, 600);
  let recorded: CliResult;
  try {
    recorded = await runCli([
      'record', '--venue', c.venue, '--symbols', c.symbols.map((s) => s[0]).join(','),
      '--ws-url', sim.wsUrl, '--rest-url', sim.restUrl, '--data-dir', dataDir, '--duration', `${c.durationS ?? 7}s`,
      '--depth', '10', '--storage-flush-interval-s', '0.2', '--ws-reconnect-backoff-s', String(c.backoffS ?? 0.3),
      '--ws-reconnect-backoff-max-s', String((c.backoffS ?? 0.3) + 0.2),
      '--rest-timeout-s', '5', '--no-status', '--log-level', 'error',
    ], {}, 60_000);
  } finally {
    clearInterval(drops);
    clearInterval(polling);
  }
  const truth = new Map<string, TruthTrade[]>();
  const aggToTrade = new Map<string, Map<number, number>>();
  if (polling !== undefined) await poll();
  for (const [, v] of c.symbols) {
    truth.set(v, polling === undefined ? await readTape(sim.restUrl, c, v) : [...polled.get(v)!.values()].sort((a, b) => a.time - b.time));
    if (c.venue === 'binance-futures') {
      const aggs = (await (await fetch(`${sim.restUrl}/fapi/v1/aggTrades?symbol=${v}&limit=1000`)).json()) as { a: number; f: number }[];
      aggToTrade.set(v, new Map(aggs.map((a) => [a.a, a.f])));
    }
  }
  await sim.stop();
  const replayed = await runCli(['replay', '--data-dir', dataDir, '--venue', c.venue, '--out-dir', outDir], {}, 60_000);
  return { sim, dataDir, outDir, recorded, replayed, truth, aggToTrade };
}

/** Ledger rows of trade ids the stop cut short (`… the recording stopped before they could be fetched`). */
function stopCutRows(dataDir: string, venue: string, fs: string): number {
  return readLedger(dataDir, venue, fs).filter((r) => /trades missed (from=\d+ to=\d+ count=\d+|window=\d+\.\.\d+): the recording stopped/.test(r.detail)).length;
}

/** Ledger rows replay must reproduce: backfills and gaps, without event ids. */
function continuityRows(dataDir: string, venue: string, fs: string): Omit<LedgerRow, 'eventId'>[] {
  return readLedger(dataDir, venue, fs).filter((r) => r.kind === 'backfill' || r.kind === 'gap').map(({ eventId: _id, ...rest }) => rest);
}

describe.each(CASES)('$venue: trades missed while a socket was down are backfilled', (c) => {
  let run: Run;

  beforeAll(async () => {
    run = await recordWithDrops(c);
  }, 120_000);
  afterAll(() => {
    // MF_KEEP_TEST_DATA=1 keeps the recording and the replay for a look after a failure
    if (process.env.MF_KEEP_TEST_DATA !== undefined) return console.log(run?.dataDir, run?.outDir);
    for (const d of [run?.dataDir, run?.outDir]) if (d !== undefined) rmSync(d, { recursive: true, force: true });
  });

  it('records and replays, exit 0, with trade sockets dropped', () => {
    expect(run.recorded.code, run.recorded.stderr).toBe(0);
    expect(run.replayed.code, run.replayed.stderr).toBe(0);
    expect(run.sim.injected.disconnects).toBe(dropsOf(c));
  });

  it('ledgers a backfill row naming each range: from, to, count, route', () => {
    const route = ROUTE[c.venue];
    const rows = c.symbols.flatMap(([, , fs]) => readLedger(run.dataDir, c.venue, fs).filter((r) => r.kind === 'backfill'));
    expect(rows.length, 'the outages missed trades').toBeGreaterThan(0);
    for (const r of rows) {
      if (byWindow(c)) {
        // ids are text: the row names the first and last filled, and the outage window (µs)
        const w = new RegExp(` from=(\\S+) to=(\\S+) count=(\\d+) route=${route} window=(\\d+)\\.\\.(\\d+)\\b`).exec(r.detail);
        expect(w, r.detail).not.toBeNull();
        expect(Number(w![3])).toBeGreaterThan(0);
        expect(Number(w![4])).toBeLessThanOrEqual(Number(w![5]));
        continue;
      }
      const m = / from=(\d+) to=(\d+) count=(\d+) route=([\w-]+)/.exec(r.detail);
      expect(m, r.detail).not.toBeNull();
      const [from, to, count] = [Number(m![1]), Number(m![2]), Number(m![3])];
      expect(to - from + 1).toBe(count); // the venue numbers trades consecutively: a whole range
      // the REST route, or `stream`: a missing trade a socket brought late after all
      expect([route, 'stream'], r.detail).toContain(m![4]);
    }
  });

  it.each(c.symbols.map((s) => s[2]))('%s: no trade of the window is missing or doubled (against the simulator tape)', (fs) => {
    const v = c.symbols.find((s) => s[2] === fs)![1];
    const { rows } = readKind(run.dataDir, c.venue, fs, 'trades');
    expect(rows.length).toBeGreaterThan(20);
    // timestamp,price,qty,side,id,local_timestamp
    const got = rows.map((r) => ({ ts: Number(r[0]), price: r[1], qty: r[2], side: r[3], id: r[4] }));
    expect(new Set(got.map((t) => t.id)).size, 'no id twice').toBe(got.length);
    const first = Math.min(...got.map((t) => t.ts));
    const last = Math.max(...got.map((t) => t.ts));
    const tape = run.truth.get(v)!;
    expect(tape[0].time * 1000, 'the tape reaches back to the first recorded trade').toBeLessThanOrEqual(first);
    // A range the stop cut short before its page came back (the session waits at most 2 s for
    // it) is ledgered as trades missed, and only those ids may lack. Spot ids are the tape's
    // own; USDⓈ-M ranges name aggregate ids, mapped to the tape's through the simulator.
    const agg = run.aggToTrade.get(v);
    // windows the stop cut short name exchange times (µs) instead
    const stopCutWindows = readLedger(run.dataDir, c.venue, fs).flatMap((r) => {
      const m = /trades missed window=(\d+)\.\.(\d+): the recording stopped/.exec(r.detail);
      return m === null ? [] : [[Number(m[1]), Number(m[2])] as const];
    });
    const stopCut = readLedger(run.dataDir, c.venue, fs).flatMap((r) => {
      const m = /trades missed from=(\d+) to=(\d+) count=\d+: the recording stopped/.exec(r.detail);
      if (m === null) return [];
      const [from, to] = [Number(m[1]), Number(m[2])];
      if (agg === undefined) return [[from, to] as const];
      expect(agg.has(from) && agg.has(to), `aggregates ${from}..${to} are on the simulator's route`).toBe(true);
      return [[agg.get(from)!, agg.get(to)!] as const];
    });
    const cutByStop = (t: TruthTrade): boolean =>
      stopCut.some(([from, to]) => typeof t.id === 'number' && t.id >= from && t.id <= to) ||
      stopCutWindows.some(([from, to]) => t.time * 1000 >= from && t.time * 1000 <= to);
    // every trade the simulator made between the first and the last recorded one (the first and
    // last milliseconds excluded: the recording may start or stop between two trades of one, as
    // when a resubscribe snapshot's oldest trade shares its millisecond with older ones)
    const inside = (t: TruthTrade): boolean => t.time * 1000 > first && t.time * 1000 < last;
    const want = tape.filter((t) => inside(t) && !cutByStop(t))
      .map((t) => `${t.time * 1000},${t.price},${t.qty},${t.isBuyerMaker ? 'sell' : 'buy'}`);
    const have = new Set(got.map((t) => `${t.ts},${t.price},${t.qty},${t.side}`));
    expect(want.length).toBeGreaterThan(20);
    expect(want.filter((w) => !have.has(w)), 'trades missing from the trades file').toEqual([]);
    if (c.venue !== 'binance-futures') {
      // spot, OKX, Bybit, Coinbase: the ids are the stream's own, so the ids match too
      const ids = new Set(got.map((t) => t.id));
      expect(tape.filter((t) => inside(t) && !ids.has(String(t.id)) && !cutByStop(t)).map((t) => t.id)).toEqual([]);
    }
  });

  it.each(c.symbols.map((s) => s[2]))('%s: replay reproduces the trades file and the backfill and gap rows', (fs) => {
    const trades = kindText(run.dataDir, c.venue, fs, 'trades');
    expect(kindText(run.outDir, c.venue, fs, 'trades') === trades, 'trades differ').toBe(true);
    const rows = continuityRows(run.dataDir, c.venue, fs);
    expect(continuityRows(run.outDir, c.venue, fs)).toEqual(rows);
  });

  it.each(c.symbols.map((s) => s[2]))('%s: validate is clean', async (fs) => {
    for (const day of dayDirs(run.dataDir, c.venue, fs)) {
      const { code, report, result } = await validateDay(day);
      // the only gaps: ranges the stop cut short (ledgered as missed, see above); clean otherwise
      const cut = stopCutRows(run.dataDir, c.venue, fs);
      expect(report.gaps, result.stdout).toBe(cut);
      expect(code, result.stdout + result.stderr).toBe(cut === 0 ? 0 : 1);
      expect(report.clean, result.stdout).toBe(cut === 0);
    }
  }, 60_000);
});
