// Candle and trade history for the venue modes' REST routes, venue-neutral: the bars come from the
// market model's CandleStore (candles.ts: the synthetic past, then the simulator's own trades), the
// trades from its tape. What each venue module adds is its parameters, limits and wire rows.
//
// Bars are served the way Kraken, OKX and Bitfinex serve them: an interval without a trade has no
// bar (Kraken's and Bitfinex's documented behaviour), and the maintenance halts of the synthetic
// past (candles.ts `halted`) leave holes, as a venue outage does. The Binance modes' klines
// (rest.ts) predate this and keep serving every interval.
import { bucketOpen, nextOpen, type Candle } from './candles.js';
import type { SimTrade } from './market.js';
import type { SymbolState } from './symbol-state.js';

const HOUR = 3_600_000;

/** How a venue cuts time into bars of one timeframe. */
export interface Buckets {
  /** Open of the bar holding tMs. */
  open(tMs: number): number;
  /** Open of the bar after the one opening at openMs. */
  next(openMs: number): number;
}

/** candles.ts's named intervals ('1m' … '1M', UTC; weeks open on Monday, months on the 1st). */
export function namedBuckets(interval: string): Buckets {
  return { open: (t) => bucketOpen(t, interval), next: (o) => nextOpen(o, interval) };
}

/** Fixed-length bars on a grid shifted `offsetMs` from the epoch (OKX's Hong Kong bars: −8 h). */
export function fixedBuckets(lenMs: number, offsetMs = 0): Buckets {
  return {
    open: (t) => Math.floor((t - offsetMs) / lenMs) * lenMs + offsetMs,
    next: (o) => o + lenMs,
  };
}

/** Calendar months in a zone `zoneHours` ahead of UTC (OKX `1M` is Hong Kong's month, +8). */
export function monthBuckets(zoneHours: number): Buckets {
  const shift = zoneHours * HOUR;
  return {
    open: (t) => {
      const d = new Date(t + shift);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) - shift;
    },
    next: (o) => {
      const d = new Date(o + shift);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - shift;
    },
  };
}

/** One bar as served: [openMs, closeMs) and its aggregate. */
export interface HistoryBar {
  openMs: number;
  closeMs: number;
  candle: Candle;
}

export interface BarRange {
  /** Earliest open, inclusive. */
  fromMs?: number;
  /** Latest open, inclusive. */
  toMs?: number;
  limit: number;
  /** Take the newest `limit` bars of the range (default: the oldest). */
  newest?: boolean;
}

/**
 * The bars of one symbol opening in the range that had at least one trade, oldest first, at most
 * `limit`. The bar holding `nowMs` is included (still open); nothing opens after it.
 */
export function historyBars(s: SymbolState, b: Buckets, r: BarRange, nowMs: number): HistoryBar[] {
  const lo = Math.max(r.fromMs ?? -Infinity, s.candles.listedMs);
  const hi = Math.min(r.toMs ?? Infinity, nowMs);
  const out: HistoryBar[] = [];
  if (lo > hi || r.limit <= 0) return out;
  const take = (open: number): void => {
    const close = b.next(open);
    const c = s.candles.range(open, close, nowMs, true);
    if (c !== undefined && c.trades > 0) out.push({ openMs: open, closeMs: close, candle: c });
  };
  if (r.newest === true) {
    for (let o = b.open(hi); o >= lo && out.length < r.limit; o = b.open(o - 1)) take(o);
    out.reverse();
  } else {
    let o = b.open(lo);
    if (o < lo) o = b.next(o);
    for (; o <= hi && out.length < r.limit; o = b.next(o)) take(o);
  }
  return out;
}

/** Volume-weighted average price of a bar in ticks (its close when it has no volume). */
export function vwapTicks(c: Candle): number {
  return c.volLots > 0 ? Math.round(Number(c.quoteVol) / c.volLots) : c.closeTicks;
}

/** The retained trades of one symbol with timeMs in [fromMs, toMs), oldest first. */
export function historyTrades(s: SymbolState, fromMs?: number, toMs?: number): readonly SimTrade[] {
  return s.candles.trades(fromMs, toMs);
}

/** The first `limit` (or, with `newest`, the last `limit`) entries of an oldest-first list. */
export function pageOf<T>(list: readonly T[], limit: number, newest: boolean): readonly T[] {
  if (list.length <= limit) return list;
  return newest ? list.slice(list.length - limit) : list.slice(0, limit);
}

/** A query parameter that must be a non-negative integer: undefined when absent, NaN when malformed. */
export function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  return /^[0-9]{1,16}$/.test(v) ? Number(v) : NaN;
}
