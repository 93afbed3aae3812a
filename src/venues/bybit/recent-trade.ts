// The route Bybit backfills trades from (VenueSpec.recentTrades, venues/trade-window.ts): docs v5
// market/recent-trade, `GET /v5/market/recent-trade?category&symbol&limit` (PROTOCOLS-MORE.md
// §1): the newest trades only, newest first, no time or id parameters; limit 1–60 spot, 1–1000
// linear. Rows `{execId, symbol, price, size, side:"Buy"|"Sell" (taker), time (ms text), …}`;
// execId is the `publicTrade` stream's `i` (text, not consecutive: ids cannot show a gap, so a
// reconnect's outage is filled by time window).
import { MarketfeedError } from '../../core/errors.js';
import { isDecimalText } from '../../book/levels.js';
import type { RecentTrade, RecentTradesRoute } from '../trade-window.js';
import type { BybitMarket } from './market.js';
import { listOf } from './rest.js';
import { isObj } from './wire.js';

export const RECENT_TRADE_PATH = '/v5/market/recent-trade';
/** The route's name in the ledger (`backfill … route=recent-trade`). */
export const RECENT_TRADE_ROUTE = 'recent-trade';
/** The largest page each category serves. */
export const RECENT_TRADE_MAX: Readonly<Record<BybitMarket['category'], number>> = { spot: 60, linear: 1000 };

const MS_RE = /^\d{1,16}$/;
const ROW = '{execId, symbol, price, size, side:"Buy"|"Sell", time}';

/** The newest trades of a symbol, as many as the category serves. */
export function recentTradeRequest(m: BybitMarket, venueSymbol: string): { path: string; weight: number } {
  return { path: `${RECENT_TRADE_PATH}?category=${m.category}&symbol=${encodeURIComponent(venueSymbol)}&limit=${RECENT_TRADE_MAX[m.category]}`, weight: 1 };
}

/** True for a captured request URL of this route. */
export function isRecentTradeUrl(url: string): boolean {
  const q = url.indexOf('?');
  return (q < 0 ? url : url.slice(0, q)).endsWith(RECENT_TRADE_PATH);
}

/**
 * A recent-trade body → its trades as the publicTrade stream decodes them (time ms → µs), oldest
 * first (Bybit lists them newest first). Throws
 * MF_ERR_HTTP naming the shape expected; a retCode other than 0 is quoted with Bybit's retMsg.
 */
export function parseRecentTrade(m: BybitMarket, body: string): RecentTrade[] {
  const out: RecentTrade[] = [];
  for (const r of listOf(m, body, RECENT_TRADE_ROUTE)) {
    if (!isObj(r) || typeof r.execId !== 'string' || r.execId === '' || typeof r.price !== 'string' || !isDecimalText(r.price) ||
      typeof r.size !== 'string' || !isDecimalText(r.size) || (r.side !== 'Buy' && r.side !== 'Sell') || typeof r.time !== 'string' || !MS_RE.test(r.time)) {
      throw new MarketfeedError('MF_ERR_HTTP', `${RECENT_TRADE_ROUTE} row is not ${ROW} with a non-empty execId, integer ms time and decimal price and size texts`, {
        venue: m.venue, expected: ROW, got: JSON.stringify(r).slice(0, 120),
      });
    }
    out.push({ id: r.execId, ts: Number(r.time) * 1000, price: r.price, amount: r.size, side: r.side === 'Buy' ? 'buy' : 'sell' });
  }
  return out.reverse();
}

/** The VenueSpec.recentTrades of a market. */
export function recentTradeRoute(m: BybitMarket): RecentTradesRoute {
  return {
    route: RECENT_TRADE_ROUTE,
    maxLimit: RECENT_TRADE_MAX[m.category],
    request: (venueSymbol: string) => recentTradeRequest(m, venueSymbol),
    matches: isRecentTradeUrl,
    parse: (body: string) => parseRecentTrade(m, body),
  };
}
