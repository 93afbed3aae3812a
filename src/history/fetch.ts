// Paginated history over a venue client: candles and trades for any span, page by page, oldest
// first, de-duplicated (a page may repeat the last bar / trades of the previous one), clipped to
// the asked range. Ranges are half-open [fromMs, toMs): `to` is exclusive.
import type { MarketInterface as Market } from 'ccxt';
import type { Trade } from '../core/events.js';
import type { Bar } from './bar.js';
import { timeframeMs } from './timeframe.js';
import type { VenueClient } from './venue-client.js';

export interface PageProgress {
  /** Everything before this time (ms) is fetched. */
  doneMs: number;
  pages: number;
  items: number;
}

export interface CandleFetch {
  market: Market;
  timeframe: string;
  fromMs: number;
  toMs: number;
  /** Bars per request (default: the venue's maximum). */
  pageLimit?: number;
  onPage?: (p: PageProgress) => void;
}

export interface FetchResult<T> {
  items: T[];
  pages: number;
}

/** All candles opening in [fromMs, toMs), oldest first, one per open time. */
export async function fetchCandles(client: VenueClient, req: CandleFetch): Promise<FetchResult<Bar>> {
  const len = timeframeMs(req.timeframe);
  const limit = req.pageLimit ?? client.ohlcvPageLimit(req.market);
  const bars: Bar[] = [];
  let pages = 0;
  let since = Math.ceil(req.fromMs / len) * len;
  let lastTs = -Infinity;
  while (since < req.toMs) {
    const page = await client.ohlcvPage(req.market, req.timeframe, since, limit, req.toMs - 1);
    pages++;
    let newest = -Infinity;
    for (const bar of page) {
      const ms = bar.ts / 1000;
      if (ms < since || ms >= req.toMs || bar.ts <= lastTs) continue; // outside, or a repeat
      bars.push(bar);
      lastTs = bar.ts;
      newest = ms;
    }
    if (newest === -Infinity) break; // nothing (more) in the range: the venue has no later bars
    since = newest + len;
    req.onPage?.({ doneMs: Math.min(since, req.toMs), pages, items: bars.length });
  }
  return { items: bars, pages };
}

export interface TradeFetch {
  market: Market;
  fromMs: number;
  toMs: number;
  /** Trades per request (default 1000). */
  pageLimit?: number;
  /** Widest time window one request may ask for (default 1 h: Binance's aggTrades limit). */
  windowMs?: number;
  onPage?: (p: PageProgress) => void;
}

/**
 * All trades in [fromMs, toMs), oldest first, unique by id. Walks time windows; inside a window
 * that fills a page, the next page starts at the last trade's millisecond (inclusive, repeats
 * dropped by id), so trades sharing a millisecond across a page boundary are not lost.
 */
export async function fetchTrades(client: VenueClient, req: TradeFetch): Promise<FetchResult<Trade>> {
  const limit = req.pageLimit ?? 1000;
  const windowMs = req.windowMs ?? 3_600_000;
  const out: Trade[] = [];
  const seen = new Set<string>();
  let pages = 0;
  let since = req.fromMs;
  while (since < req.toMs) {
    const windowEnd = Math.min(req.toMs, since + windowMs);
    const page = await client.tradesPage(req.market, since, limit, windowEnd - 1);
    pages++;
    let newestMs = since;
    for (const t of page) {
      const ms = t.ts / 1000;
      if (ms < since || ms >= windowEnd) continue;
      if (ms > newestMs) newestMs = ms;
      if (seen.has(t.id)) continue;
      seen.add(t.id);
      out.push(t);
    }
    // A short page ends the window. A full one continues from its newest millisecond; if the
    // whole page shares one millisecond, step past it (more than a page of trades in 1 ms).
    if (page.length < limit) {
      since = windowEnd;
      seen.clear(); // repeats only happen inside a window
    } else {
      since = newestMs > since ? newestMs : since + 1;
    }
    req.onPage?.({ doneMs: since, pages, items: out.length });
  }
  out.sort((a, b) => a.ts - b.ts || compareTradeIds(a.id, b.id));
  return { items: out, pages };
}

/** Numeric ids by value, others as text. */
export function compareTradeIds(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}
