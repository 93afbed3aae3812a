// REST requests (the transport fetches them) and their body decoders: the symbol listing, docs
// v5/market/instrument (GET /v5/market/instruments-info?category=spot|linear). Bodies are
// {"retCode":0,"retMsg":"OK","result":{"category":…,"list":[…],"nextPageCursor"?:…},…}.
// Books need no REST: every subscription starts with a websocket snapshot, and the REST book's u
// only matches the 1000-level topic's (§1.6), not the 50/200-level one we may record.
import { MarketfeedError } from '../../core/errors.js';
import type { RestRequest } from '../types.js';
import type { BybitMarket } from './market.js';
import { isBybitRestBody, isObj } from './wire.js';

/**
 * The listing of the market's category. Linear pages (limit 1–1000, default 500, then
 * nextPageCursor): 1000 covers today's ~600 USDT perpetuals in one page; spot ignores limit.
 * Market-data endpoints allow 600 requests per 5 s per IP.
 */
export function instrumentsRequest(m: BybitMarket): RestRequest {
  return { path: `/v5/market/instruments-info?category=${m.category}${m.category === 'linear' ? '&limit=1000' : ''}`, weight: 1 };
}

/**
 * The `result.list` of a Bybit REST body of route `what` with retCode 0; throws MF_ERR_HTTP saying
 * what was expected, or quoting Bybit's retCode and retMsg.
 */
export function listOf(m: BybitMarket, body: string, what: string): unknown[] {
  let x: unknown;
  try {
    x = JSON.parse(body);
  } catch (e) {
    throw new MarketfeedError('MF_ERR_HTTP', `${what} body is not JSON`, { venue: m.venue, got: body.slice(0, 120), cause: e });
  }
  if (!isBybitRestBody(x)) {
    throw new MarketfeedError('MF_ERR_HTTP', `${what} body is not {retCode, retMsg, result:{list:[…]}}`, { venue: m.venue, got: body.slice(0, 120) });
  }
  // an error answers result:{}: its retCode says more than the missing list
  if (x.retCode !== 0) {
    throw new MarketfeedError('MF_ERR_HTTP', `${what}: ${m.name} answered retCode ${x.retCode}: ${String(x.retMsg ?? '')}`, { venue: m.venue, got: body.slice(0, 120) });
  }
  if (!Array.isArray(x.result.list)) {
    throw new MarketfeedError('MF_ERR_HTTP', `${what} body has retCode 0 but no result.list array`, { venue: m.venue, got: body.slice(0, 120) });
  }
  return x.result.list as unknown[];
}

/** The symbols whose status is "Trading" (linear: perpetuals only, not dated LinearFutures). */
export function parseExchangeInfo(m: BybitMarket, body: string): Set<string> {
  const out = new Set<string>();
  for (const i of listOf(m, body, 'instruments-info')) {
    if (!isObj(i) || typeof i.symbol !== 'string' || i.status !== 'Trading') continue;
    if (m.category === 'linear' && i.contractType !== 'LinearPerpetual') continue;
    out.add(i.symbol);
  }
  return out;
}
