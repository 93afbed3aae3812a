// The route OKX backfills trades from (VenueSpec.tradesById, venues/trade-backfill.ts): okx
// docs-v5 "Get trades history", `GET /api/v5/market/history-trades?instId&type=1&after&limit`.
// With type=1 `after` is a tradeId, exclusive: the newest `limit` (≤ 100) trades with
// tradeId < after, newest first. OKX numbers an instrument's trades consecutively, so the ids
// fromId..fromId+limit-1 are asked as after=fromId+limit. Rows are single matches
// `{instId, side, sz, px, source, tradeId, ts}`: no `count`, unlike the `trades` channel's
// aggregated pushes (decode.ts), so a filled range is written one row per match.
import { MarketfeedError } from '../../core/errors.js';
import { isDecimalText } from '../../book/levels.js';
import type { TradeById, TradesByIdRoute } from '../trade-backfill.js';
import type { OkxMarket } from './market.js';
import { envelope } from './rest.js';
import { isObj } from './wire.js';

export const HISTORY_TRADES_PATH = '/api/v5/market/history-trades';
/** The route's name in the ledger (`backfill … route=history-trades`). */
export const HISTORY_TRADES_ROUTE = 'history-trades';
/** "limit: the maximum is 100". */
export const HISTORY_TRADES_MAX = 100;
/**
 * "Rate limit: 20 requests per 2 seconds" (per IP), half the books route's 40. OKX publishes no
 * budget of its own here, so the session's budget is the default 1200 per minute, in which every
 * other OKX request weighs 1; weight 2 keeps this route at 600 a minute, 20 per 2 s on average.
 */
export const HISTORY_TRADES_WEIGHT = 2;

const ID_RE = /^\d{1,16}$/;
const ROW = '{instId, side:"buy"|"sell", sz, px, tradeId, ts}';

/** Trades with id >= fromId, at most `limit` (clamped to 1..100). */
export function historyTradesRequest(venueSymbol: string, fromId: number, limit: number): { path: string; weight: number } {
  const l = Math.min(HISTORY_TRADES_MAX, Math.max(1, Math.floor(limit)));
  return { path: `${HISTORY_TRADES_PATH}?instId=${encodeURIComponent(venueSymbol)}&type=1&after=${fromId + l}&limit=${l}`, weight: HISTORY_TRADES_WEIGHT };
}

/** The fromId of a captured request URL of this route (after - limit); undefined for any other URL. */
export function historyTradesFromId(url: string): number | undefined {
  const q = url.indexOf('?');
  if (q < 0 || !url.endsWith(HISTORY_TRADES_PATH, q)) return undefined;
  const p = new URLSearchParams(url.slice(q + 1));
  const after = p.get('after'), limit = p.get('limit'), type = p.get('type');
  if (after === null || limit === null || !ID_RE.test(after) || !ID_RE.test(limit) || (type !== null && type !== '1')) return undefined;
  const from = Number(after) - Number(limit);
  return from >= 0 ? from : undefined;
}

/**
 * A history-trades body → its trades as the `trades` channel decodes them (ts ms → µs). Throws
 * MF_ERR_HTTP naming the shape expected; a code other than "0" is quoted with OKX's msg.
 */
export function parseHistoryTrades(m: OkxMarket, body: string): TradeById[] {
  const x = envelope(m, body, 'MF_ERR_HTTP', HISTORY_TRADES_ROUTE);
  const out: TradeById[] = [];
  for (const r of x.data as unknown[]) {
    if (!isObj(r) || typeof r.tradeId !== 'string' || !ID_RE.test(r.tradeId) || typeof r.px !== 'string' || !isDecimalText(r.px) ||
      typeof r.sz !== 'string' || !isDecimalText(r.sz) || (r.side !== 'buy' && r.side !== 'sell') || typeof r.ts !== 'string' || !ID_RE.test(r.ts)) {
      throw new MarketfeedError('MF_ERR_HTTP', `${HISTORY_TRADES_ROUTE} row is not ${ROW} with integer tradeId and ts texts and decimal px and sz texts`, {
        venue: m.venue, expected: ROW, got: JSON.stringify(r).slice(0, 120),
      });
    }
    out.push({ id: Number(r.tradeId), ts: Number(r.ts) * 1000, price: r.px, amount: r.sz, side: r.side });
  }
  return out;
}

/** The VenueSpec.tradesById of a market. */
export function historyTradesRoute(m: OkxMarket): TradesByIdRoute {
  return {
    route: HISTORY_TRADES_ROUTE,
    maxLimit: HISTORY_TRADES_MAX,
    request: historyTradesRequest,
    fromIdOf: historyTradesFromId,
    parse: (body: string) => parseHistoryTrades(m, body),
  };
}
