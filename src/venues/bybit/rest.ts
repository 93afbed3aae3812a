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

/** The symbols whose status is "Trading" (linear: perpetuals only, not dated LinearFutures). */
export function parseExchangeInfo(m: BybitMarket, body: string): Set<string> {
  let x: unknown;
  try {
    x = JSON.parse(body);
  } catch (e) {
    throw new MarketfeedError('MF_ERR_HTTP', 'instruments-info body is not JSON', { venue: m.venue, got: body.slice(0, 120), cause: e });
  }
  if (!isBybitRestBody(x) || !Array.isArray(x.result.list)) {
    throw new MarketfeedError('MF_ERR_HTTP', 'instruments-info body is not {retCode, result:{list:[…]}}', { venue: m.venue, got: body.slice(0, 120) });
  }
  if (x.retCode !== 0) {
    throw new MarketfeedError('MF_ERR_HTTP', `${m.name} answered retCode ${x.retCode}: ${String(x.retMsg ?? '')}`, { venue: m.venue, got: body.slice(0, 120) });
  }
  const out = new Set<string>();
  for (const i of x.result.list as unknown[]) {
    if (!isObj(i) || typeof i.symbol !== 'string' || i.status !== 'Trading') continue;
    if (m.category === 'linear' && i.contractType !== 'LinearPerpetual') continue;
    out.add(i.symbol);
  }
  return out;
}
