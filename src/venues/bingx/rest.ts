// REST requests (the transport fetches them) and their body decoders: the symbol listings,
// spot `GET /openApi/spot/v1/common/symbols` → {"code":0,"data":{"symbols":[{symbol,status,…}]}}
// and swap `GET /openApi/swap/v2/quote/contracts` → {"code":0,"data":[{symbol,status,…}]}.
// No REST depth request: neither market's REST book carries an update id (§3.4), so it cannot seed
// an `@incrDepth` book; the stream's `action:"all"` frame does.
import { MarketfeedError } from '../../core/errors.js';
import type { RestRequest } from '../types.js';
import type { BingxMarket } from './market.js';
import { isBingxRestBody, isObj } from './wire.js';

export function listingRequest(m: BingxMarket): RestRequest {
  return { path: m.swap ? '/openApi/swap/v2/quote/contracts' : '/openApi/spot/v1/common/symbols', weight: 1 };
}

/** The symbols that are trading: status 1 (a number on spot, the text "1" on swap). */
export function parseExchangeInfo(m: BingxMarket, body: string): Set<string> {
  let x: unknown;
  try {
    x = JSON.parse(body);
  } catch (e) {
    throw new MarketfeedError('MF_ERR_HTTP', 'symbol listing is not JSON', { venue: m.venue, got: body.slice(0, 120), cause: e });
  }
  if (!isBingxRestBody(x) || Number(x.code) !== 0) {
    throw new MarketfeedError('MF_ERR_HTTP', 'symbol listing is not {code:0, data}', { venue: m.venue, got: body.slice(0, 120) });
  }
  const list = m.swap ? x.data : isObj(x.data) ? x.data.symbols : undefined;
  if (!Array.isArray(list)) {
    throw new MarketfeedError('MF_ERR_HTTP', `symbol listing has no ${m.swap ? 'data' : 'data.symbols'} list`, { venue: m.venue, got: body.slice(0, 120) });
  }
  const out = new Set<string>();
  for (const s of list) {
    if (isObj(s) && typeof s.symbol === 'string' && (s.status === 1 || s.status === '1')) out.add(s.symbol);
  }
  return out;
}
