// The route KuCoin Futures backfills trades from (VenueSpec.recentTrades, venues/trade-window.ts):
// `GET /api/v1/trade/history?symbol`, "the last 100 trades for a symbol" (KuCoin's futures API
// docs, Historical Data), `{code:"200000", data:[{sequence, contractId, tradeId, makerOrderId,
// takerOrderId, ts (ns, a JSON number past 2^53), size (contracts, a number), price, side (the
// taker's)}]}`. tradeId is the `/contractMarket/execution` stream's own id (text, not known to be
// consecutive), so an outage is filled by time window. The body is read losslessly (lossless.ts):
// ts keeps its nanosecond digits, and size becomes the text the stream's decoder makes of the same
// number. Spot has no such route: `/api/v1/market/histories` rows carry no tradeId, only a
// `sequence` the stream's trades are not keyed by, so they could not be told from trades the
// stream already brought.
import { MarketfeedError } from '../../core/errors.js';
import type { RecentTrade, RecentTradesRoute } from '../trade-window.js';
import { isDecimalText } from '../../book/levels.js';
import { nsTextToUs } from './lossless.js';
import { FUTURES } from './market.js';
import { dataOf } from './rest.js';
import { isObj } from './wire.js';

export const TRADE_HISTORY_PATH = '/api/v1/trade/history';
/** The route's name in the ledger (`backfill … route=trade-history`). */
export const TRADE_HISTORY_ROUTE = 'trade-history';
/** "the last 100 trades". */
export const TRADE_HISTORY_LAST = 100;
const DIGITS_RE = /^\d{1,20}$/;
const ROW = '{sequence, tradeId, price, size, side:"buy"|"sell", ts}';

/** The newest 100 trades of a contract. Weight 3, as the full book's (the futures public pool). */
export function tradeHistoryRequest(venueSymbol: string): { path: string; weight: number } {
  return { path: `${TRADE_HISTORY_PATH}?symbol=${encodeURIComponent(venueSymbol)}`, weight: 3 };
}

/** True for a captured request URL of this route. */
export function isTradeHistoryUrl(url: string): boolean {
  const q = url.indexOf('?');
  return (q < 0 ? url : url.slice(0, q)).endsWith(TRADE_HISTORY_PATH);
}

/** Sequence texts (digits) by value. */
const bySequence = (a: string, b: string): number => (a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0);

/**
 * A trade-history body → its trades as the execution stream decodes them (ts ns → µs), oldest
 * first (by time, then sequence). Throws MF_ERR_HTTP naming the shape expected; a code other than
 * 200000 is quoted with KuCoin's msg.
 */
export function parseTradeHistory(body: string): RecentTrade[] {
  const data = dataOf(FUTURES, body, 'MF_ERR_HTTP', true, TRADE_HISTORY_ROUTE);
  if (!Array.isArray(data)) throw new MarketfeedError('MF_ERR_HTTP', `${TRADE_HISTORY_ROUTE} data is not a list`, { venue: FUTURES.venue, got: body.slice(0, 120) });
  const rows: { t: RecentTrade; seq: string }[] = [];
  for (const r of data as unknown[]) {
    const ts = isObj(r) && typeof r.ts === 'string' ? nsTextToUs(r.ts) : undefined;
    if (!isObj(r) || typeof r.tradeId !== 'string' || r.tradeId === '' || typeof r.sequence !== 'string' || !DIGITS_RE.test(r.sequence) ||
      typeof r.price !== 'string' || !isDecimalText(r.price) || typeof r.size !== 'string' || !isDecimalText(r.size) ||
      (r.side !== 'buy' && r.side !== 'sell') || ts === undefined) {
      throw new MarketfeedError('MF_ERR_HTTP', `${TRADE_HISTORY_ROUTE} row is not ${ROW} with a non-empty tradeId, ns ts and decimal price and size`, {
        venue: FUTURES.venue, expected: ROW, got: JSON.stringify(r).slice(0, 120),
      });
    }
    // the stream's decoder writes String() of the parsed number; the same here
    rows.push({ t: { id: r.tradeId, ts, price: r.price, amount: String(Number(r.size)), side: r.side }, seq: r.sequence });
  }
  rows.sort((a, b) => a.t.ts - b.t.ts || bySequence(a.seq, b.seq));
  return rows.map((r) => r.t);
}

/** The VenueSpec.recentTrades of KuCoin Futures. */
export const tradeHistoryRoute: RecentTradesRoute = {
  route: TRADE_HISTORY_ROUTE,
  maxLimit: TRADE_HISTORY_LAST,
  request: (venueSymbol: string) => tradeHistoryRequest(venueSymbol),
  matches: isTradeHistoryUrl,
  parse: parseTradeHistory,
};
