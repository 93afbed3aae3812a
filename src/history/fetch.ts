// Paginated history over a venue client: candles and trades for any span, page by page, oldest
// first, de-duplicated (a page may repeat the last bar / trades of the previous one), clipped to
// the asked range. Ranges are half-open [fromMs, toMs): `to` is exclusive. Page sizes are capped
// at what the venue serves (a venue answering fewer rows than asked would look like the end).
// Trades walk forward through a window on venues that page from `since`, backward from its end
// on those that answer with the newest rows (OKX).
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
  const venueMax = client.ohlcvPageLimit(req.market);
  const limit = Math.min(req.pageLimit ?? venueMax, venueMax);
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
  /** Trades per request (default 1000, or the venue's maximum if lower). */
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
  const limit = Math.min(req.pageLimit ?? 1000, client.tradesPageLimit());
  const windowMs = req.windowMs ?? 3_600_000;
  const out: Trade[] = [];
  const seen = new Set<string>();
  let pages = 0;
  let since = req.fromMs;
  let cursorId: string | undefined;
  while (since < req.toMs) {
    const windowEnd = Math.min(req.toMs, since + windowMs);
    if (client.tradesPaging === 'backward') {
      pages += await backwardWindow(client, req, since, windowEnd, limit, out);
      since = windowEnd;
      req.onPage?.({ doneMs: since, pages, items: out.length });
      continue;
    }
    const page = await client.tradesPage(req.market, since, limit, windowEnd - 1, cursorId);
    pages++;
    let newestMs = since;
    let newest: Trade | undefined;
    let beyond = false;
    for (const t of page) {
      const ms = t.ts / 1000;
      if (newest === undefined || t.ts > newest.ts || (t.ts === newest.ts && compareTradeIds(t.id, newest.id) > 0)) newest = t;
      if (ms >= windowEnd) beyond = true;
      if (ms < since || ms >= windowEnd) continue;
      if (ms > newestMs) newestMs = ms;
      if (seen.has(t.id)) continue;
      seen.add(t.id);
      out.push(t);
    }
    // A short page ends the window, and so does one reaching past it (a venue without `until`
    // pages on through later trades). A full one continues past its newest trade's id where the
    // venue pages by id, else from its newest millisecond; if the whole page shares one
    // millisecond, step past it (more than a page of trades in 1 ms).
    if (page.length < limit || beyond || newest === undefined) {
      since = windowEnd;
      cursorId = undefined;
      seen.clear(); // repeats only happen inside a window
    } else if (client.tradesIdCursor && newest.id !== cursorId) {
      cursorId = newest.id;
    } else {
      const newestWholeMs = Math.floor(newestMs); // venues with sub-ms trade times (Kraken) page by the ms
      since = newestWholeMs > since ? newestWholeMs : since + 1;
      cursorId = undefined;
    }
    req.onPage?.({ doneMs: Math.max(since, Math.floor(newestMs)), pages, items: out.length });
  }
  out.sort((a, b) => a.ts - b.ts || compareTradeIds(a.id, b.id));
  return { items: out, pages };
}

/**
 * One window [since, windowEnd) from a venue whose pages are the newest `limit` trades up to
 * `until`: from the window's end back, each next page below the oldest trade of the last one —
 * by its id where the venue pages by id, else up to its millisecond (inclusive, repeats dropped
 * by id) — until a page is short or reaches before `since`. Returns the pages fetched.
 */
async function backwardWindow(client: VenueClient, req: TradeFetch, since: number, windowEnd: number, limit: number, out: Trade[]): Promise<number> {
  const seen = new Set<string>();
  let pages = 0;
  let until = windowEnd - 1;
  let olderThanId: string | undefined;
  while (until >= since) {
    const page = await client.tradesPage(req.market, since, limit, until, olderThanId);
    pages++;
    let oldest: Trade | undefined;
    let newestMs = -Infinity;
    for (const t of page) {
      const ms = t.ts / 1000;
      if (oldest === undefined || t.ts < oldest.ts || (t.ts === oldest.ts && compareTradeIds(t.id, oldest.id) < 0)) oldest = t;
      if (ms > newestMs) newestMs = ms;
      if (ms < since || Math.floor(ms) > until || seen.has(t.id)) continue;
      seen.add(t.id);
      out.push(t);
    }
    if (oldest === undefined || page.length < limit || oldest.ts / 1000 < since) break;
    if (client.tradesIdCursor) {
      olderThanId = oldest.id;
      continue;
    }
    // more than a page in one millisecond: step below it
    const oldestMs = Math.floor(oldest.ts / 1000);
    until = oldestMs - (oldestMs < Math.floor(newestMs) ? 0 : 1);
  }
  return pages;
}

/** Numeric ids by value, others as text. */
export function compareTradeIds(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}
