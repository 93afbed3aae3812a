// Bybit v5 public history REST, as ccxt's `bybit` class calls it:
// - `GET /v5/market/kline?category&symbol&interval&start&end&limit` (limit 1–1000, default 200;
//   category defaults to linear): rows `[startTime, open, high, low, close, volume, turnover]`,
//   all strings, NEWEST FIRST. `start` counts from the bar holding it (a mid-bar start returns that
//   bar too), and the page is the oldest `limit` bars from there up to `end` (default now) — what
//   ccxt's own deterministic paging relies on; without `start`, the newest `limit` up to `end`.
//   Volume in base units, turnover in quote (spot and USDT contracts).
// - `GET /v5/market/recent-trade?category&symbol&limit`: the newest trades only (spot limit 1–60,
//   default 60; linear 1–1000, default 500), newest first; no time parameters exist.
// Intervals without trades have no row, and the synthetic past has maintenance holes (sim/history.ts).
import type { SymbolState } from '../symbol-state.js';
import { historyBars, historyTrades, intParam, namedBuckets, pageOf, type Buckets, type HistoryBar } from '../history.js';
import type { RestReply } from '../venue/context.js';
import { fail, limitOf, lookup, ok } from './rest.js';
import { takerSide, tradeId, type BybitSimMarket } from './wire.js';

export const KLINE_MAX = 1000;
export const TRADES_MAX: Readonly<Record<BybitSimMarket, number>> = { spot: 60, linear: 1000 };
const TRADES_DEFAULT: Readonly<Record<BybitSimMarket, number>> = { spot: 60, linear: 500 };

const INTERVALS: Readonly<Record<string, Buckets>> = {
  1: namedBuckets('1m'), 3: namedBuckets('3m'), 5: namedBuckets('5m'), 15: namedBuckets('15m'), 30: namedBuckets('30m'),
  60: namedBuckets('1h'), 120: namedBuckets('2h'), 240: namedBuckets('4h'), 360: namedBuckets('6h'), 720: namedBuckets('12h'),
  D: namedBuckets('1d'), W: namedBuckets('1w'), M: namedBuckets('1M'),
};

/** The reply to a history route, or undefined when `path` is not one. */
/** `seqOf`: the cross sequence a trade went out with on the websocket (its frame's). */
export function bybitHistory(
  market: BybitSimMarket, symbols: ReadonlyMap<string, SymbolState>, path: string, q: URLSearchParams, seqOf: (tradeId: number) => number | undefined, nowMs = Date.now(),
): RestReply | undefined {
  if (path === '/v5/market/kline') return kline(market, symbols, q, nowMs);
  if (path === '/v5/market/recent-trade') return recentTrades(market, symbols, q, seqOf, nowMs);
  return undefined;
}

function kline(market: BybitSimMarket, symbols: ReadonlyMap<string, SymbolState>, q: URLSearchParams, nowMs: number): RestReply {
  const s = lookup(market, symbols, q, 'linear');
  if (!('market' in s)) return s;
  const b = INTERVALS[q.get('interval') ?? ''];
  if (b === undefined) return fail(10001, 'params error: invalid interval');
  const start = intParam(q, 'start');
  const end = intParam(q, 'end');
  if (Number.isNaN(start) || Number.isNaN(end)) return fail(10001, 'params error: start or end');
  const limit = limitOf(q, 200, KLINE_MAX);
  if (typeof limit !== 'number') return limit;
  const fromMs = start === undefined ? undefined : b.open(start);
  const bars = historyBars(s, b, { fromMs, toMs: end, limit, newest: start === undefined }, nowMs);
  const rows: string[][] = [];
  for (let i = bars.length - 1; i >= 0; i--) rows.push(klineRow(s, bars[i]));
  return ok({ symbol: s.inst.venueSymbol, category: market, list: rows }, nowMs);
}

function klineRow(s: SymbolState, { openMs, candle: c }: HistoryBar): string[] {
  const { fmt, inst } = s;
  return [
    String(openMs), fmt.price(c.openTicks), fmt.price(c.highTicks), fmt.price(c.lowTicks), fmt.price(c.closeTicks),
    fmt.qty(c.volLots), fmt.notionalSum(c.quoteVol, inst.priceDecimals + inst.qtyDecimals),
  ];
}

function recentTrades(market: BybitSimMarket, symbols: ReadonlyMap<string, SymbolState>, q: URLSearchParams, seqOf: (tradeId: number) => number | undefined, nowMs: number): RestReply {
  const s = lookup(market, symbols, q);
  if (!('market' in s)) return s;
  const limit = limitOf(q, TRADES_DEFAULT[market], TRADES_MAX[market]);
  if (typeof limit !== 'number') return limit;
  const page = pageOf(historyTrades(s), limit, true);
  const list: Record<string, unknown>[] = [];
  for (let i = page.length - 1; i >= 0; i--) {
    const t = page[i];
    list.push({
      execId: tradeId(market, t.id), symbol: s.inst.venueSymbol, price: s.fmt.price(t.ticks), size: s.fmt.qty(t.lots),
      side: takerSide(t), time: String(t.timeMs), isBlockTrade: false, isRPITrade: false, seq: String(seqOf(t.id) ?? 0),
    });
  }
  return ok({ category: market, list }, nowMs);
}
