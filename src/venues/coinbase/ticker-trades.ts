// The route Coinbase backfills trades from (VenueSpec.recentTrades, venues/trade-window.ts): the
// public market trades, `GET /api/v3/brokerage/market/products/{id}/ticker?limit&start&end`
// (PROTOCOLS-MORE.md §2.4; SDK rest/public.py get_public_market_trades): the newest `limit`
// (≤ 1000) trades in [start, end), start and end in whole Unix seconds, newest first, as
// `{trades:[{trade_id, product_id, price, size, time (RFC3339), side, bid, ask, exchange}],
// best_bid, best_ask}`. `side` is the maker's, as on the market_trades channel (decode.ts): the
// taker is the other side. An outage window from..to (µs) is asked as
// [floor(from s), floor(to s) + 1): every trade of both boundary seconds; those outside the window
// are left out by trade-window.ts, and ids the stream already brought are not written twice.
// A market_trades snapshot after a resubscribe lists the 50 newest trades: a short outage is
// filled from it already, and the window then closes at its start with nothing left to ask.
import { MarketfeedError } from '../../core/errors.js';
import type { RecentTrade, RecentTradesRoute } from '../trade-window.js';
import { isDigits, TAKER_SIDE } from './decode.js';
import { VENUE } from './symbols.js';
import { isObj, isPlainDecimal, rfc3339ToUs } from './wire.js';

const PATH_RE = /\/api\/v3\/brokerage\/market\/products\/([^/?]+)\/ticker$/;
/** The route's name in the ledger (`backfill … route=ticker`). */
export const TICKER_TRADES_ROUTE = 'ticker';
/** "limit: … maximum 1000" (the simulator refuses no more; Coinbase caps the page). */
export const TICKER_TRADES_MAX = 1000;
const ROW = '{trade_id, product_id, price, size, time, side:"BUY"|"SELL"}';

/** The trades of `productId` in the seconds around the window from..to (epoch µs). */
export function tickerTradesRequest(productId: string, window: { from: number; to: number }): { path: string; weight: number } {
  const start = Math.floor(window.from / 1e6);
  const end = Math.floor(window.to / 1e6) + 1;
  return { path: `/api/v3/brokerage/market/products/${encodeURIComponent(productId)}/ticker?limit=${TICKER_TRADES_MAX}&start=${start}&end=${end}`, weight: 1 };
}

/** True for a captured request URL of this route. */
export function isTickerTradesUrl(url: string): boolean {
  const q = url.indexOf('?');
  return PATH_RE.test(q < 0 ? url : url.slice(0, q));
}

/** The product a captured URL of this route asks about (VenueSpec.restSymbol: it is in the path); undefined for any other URL. */
export function tickerTradesProduct(url: string): string | undefined {
  const q = url.indexOf('?');
  const m = PATH_RE.exec(q < 0 ? url : url.slice(0, q));
  if (m === null) return undefined;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return undefined;
  }
}

/**
 * A ticker body → its trades as the market_trades channel decodes them, oldest first (Coinbase
 * lists them newest first). Throws MF_ERR_HTTP naming the shape expected; an error body
 * (`{error, message}`) is quoted.
 */
export function parseTickerTrades(body: string): RecentTrade[] {
  let x: unknown;
  try {
    x = JSON.parse(body);
  } catch (e) {
    throw new MarketfeedError('MF_ERR_HTTP', `${TICKER_TRADES_ROUTE} body is not JSON`, { venue: VENUE, got: body.slice(0, 120), cause: e });
  }
  if (isObj(x) && typeof x.error === 'string') {
    throw new MarketfeedError('MF_ERR_HTTP', `${TICKER_TRADES_ROUTE} answered ${x.error}: ${String(x.message ?? '')}`.trimEnd(), { venue: VENUE, got: body.slice(0, 120) });
  }
  if (!isObj(x) || !Array.isArray(x.trades)) {
    throw new MarketfeedError('MF_ERR_HTTP', `${TICKER_TRADES_ROUTE} body is not {trades:[…]}`, { venue: VENUE, got: body.slice(0, 120) });
  }
  const out: RecentTrade[] = [];
  for (const r of x.trades as unknown[]) {
    const ts = isObj(r) && typeof r.time === 'string' ? rfc3339ToUs(r.time) : -1;
    if (!isObj(r) || typeof r.trade_id !== 'string' || !isDigits(r.trade_id) || typeof r.price !== 'string' || !isPlainDecimal(r.price) ||
      typeof r.size !== 'string' || !isPlainDecimal(r.size) || (r.side !== 'BUY' && r.side !== 'SELL') || ts < 0) {
      throw new MarketfeedError('MF_ERR_HTTP', `${TICKER_TRADES_ROUTE} row is not ${ROW} with a numeric trade_id, RFC3339 time and decimal price and size texts`, {
        venue: VENUE, expected: ROW, got: JSON.stringify(r).slice(0, 120),
      });
    }
    out.push({ id: r.trade_id, ts, price: r.price, amount: r.size, side: TAKER_SIDE[r.side] });
  }
  return out.reverse();
}

/** The VenueSpec.recentTrades of Coinbase. */
export const tickerTradesRoute: RecentTradesRoute = {
  route: TICKER_TRADES_ROUTE,
  maxLimit: TICKER_TRADES_MAX,
  request: tickerTradesRequest,
  matches: isTickerTradesUrl,
  parse: parseTickerTrades,
};
