// REST requests (the transport fetches them) and their body decoders, both markets:
//   spot     GET /api/v3/exchangeInfo, GET /api/v3/depth?symbol=&limit= → {lastUpdateId, bids, asks}
//   futures  GET /api/v1/contract/detail, GET /api/v1/contract/depth/{symbol} → {success, code, data:{asks, bids, version, timestamp}}
import { MarketfeedError } from '../../core/errors.js';
import { isDecimalText } from '../../book/levels.js';
import type { BookSnapshotInput } from '../../book/types.js';
import type { RestRequest } from '../types.js';
import { isDepthSnapshot, isObj, parseFrame, type FuturesLevel } from './futures-wire.js';
import { FUTURES_VENUE, SPOT_VENUE } from './symbols.js';

/** "limit default 100, max 5000" (spot depth; weight 1). The doc's own step 2 asks 1000. */
export const SPOT_MAX_DEPTH = 5000;

export const spotExchangeInfo: RestRequest = { path: '/api/v3/exchangeInfo', weight: 10 };
export const futuresDetail: RestRequest = { path: '/api/v1/contract/detail', weight: 1 };

export function spotDepthRequest(venueSymbol: string, limit: number): RestRequest {
  const l = Math.min(SPOT_MAX_DEPTH, Math.max(1, Math.floor(limit)));
  return { path: `/api/v3/depth?symbol=${encodeURIComponent(venueSymbol)}&limit=${l}`, weight: 1 };
}

/** The whole contract book: the endpoint's `limit` is optional, and a seed must cover what the diffs touch. */
export function futuresDepthRequest(venueSymbol: string): RestRequest {
  return { path: `/api/v1/contract/depth/${encodeURIComponent(venueSymbol)}`, weight: 1 };
}

/** The contract a REST depth URL names in its path (`…/api/v1/contract/depth/BTC_USDT`), for replay. */
export function futuresRestSymbol(url: string): string | undefined {
  const m = /\/api\/v1\/contract\/depth\/([^/?]+)/.exec(url);
  return m === null ? undefined : decodeURIComponent(m[1]);
}

function json(body: string, venue: string, code: 'MF_ERR_SNAPSHOT_FAILED' | 'MF_ERR_HTTP'): unknown {
  try {
    return JSON.parse(body);
  } catch (e) {
    throw new MarketfeedError(code, 'body is not JSON', { venue, got: body.slice(0, 120), cause: e });
  }
}

/** Spot listing: symbols whose status is "1" (online) and that allow spot trading (ccxt reads the same). */
export function parseSpotExchangeInfo(body: string): Set<string> {
  const x = json(body, SPOT_VENUE, 'MF_ERR_HTTP');
  if (!isObj(x) || !Array.isArray(x.symbols)) {
    throw new MarketfeedError('MF_ERR_HTTP', 'exchangeInfo body has no symbols array', { venue: SPOT_VENUE, got: body.slice(0, 120) });
  }
  const out = new Set<string>();
  for (const s of x.symbols as unknown[]) {
    if (isObj(s) && typeof s.symbol === 'string' && String(s.status) === '1' && s.isSpotTradingAllowed !== false) out.add(s.symbol);
  }
  return out;
}

/** Futures listing: contracts whose state is 0 (enabled). */
export function parseFuturesDetail(body: string): Set<string> {
  const x = json(body, FUTURES_VENUE, 'MF_ERR_HTTP');
  if (!isObj(x) || !Array.isArray(x.data)) {
    throw new MarketfeedError('MF_ERR_HTTP', 'contract detail body has no data array', { venue: FUTURES_VENUE, got: body.slice(0, 120) });
  }
  const out = new Set<string>();
  for (const c of x.data as unknown[]) {
    if (isObj(c) && typeof c.symbol === 'string' && c.state === 0) out.add(c.symbol);
  }
  return out;
}

const isPair = (l: unknown): l is [string, string] =>
  Array.isArray(l) && typeof l[0] === 'string' && typeof l[1] === 'string' && isDecimalText(l[0]) && isDecimalText(l[1]);

/** `{"lastUpdateId":n,"bids":[["p","q"]…],"asks":[…],"timestamp"?:ms}`; ts 0 when there is no timestamp. */
export function parseSpotDepth(body: string): BookSnapshotInput {
  const x = json(body, SPOT_VENUE, 'MF_ERR_SNAPSHOT_FAILED');
  if (isObj(x) && Number.isSafeInteger(x.lastUpdateId) && Array.isArray(x.bids) && Array.isArray(x.asks) && x.bids.every(isPair) && x.asks.every(isPair)) {
    const ts = typeof x.timestamp === 'number' && Number.isSafeInteger(x.timestamp) ? x.timestamp * 1000 : 0;
    return { lastUpdateId: x.lastUpdateId as number, ts, bids: x.bids as [string, string][], asks: x.asks as [string, string][] };
  }
  throw new MarketfeedError('MF_ERR_SNAPSHOT_FAILED', 'depth body is not {lastUpdateId, bids, asks}', {
    venue: SPOT_VENUE, expected: '{"lastUpdateId":n,"bids":[["p","q"]…],"asks":[["p","q"]…]}', got: body.slice(0, 120),
  });
}

/** The contract book, numbers kept as sent: lastUpdateId is `version`, levels [price, contracts]. */
export function parseFuturesDepth(body: string): BookSnapshotInput {
  const x = parseFrame(body);
  const d = x !== undefined && isObj(x.data) ? x.data : x;
  if (x !== undefined && x.success !== 'false' && x.success !== false && isDepthSnapshot(d)) {
    return { lastUpdateId: Number(d.version), ts: d.timestamp === undefined ? 0 : Number(d.timestamp) * 1000, bids: pairs(d.bids), asks: pairs(d.asks) };
  }
  throw new MarketfeedError('MF_ERR_SNAPSHOT_FAILED', 'contract depth body is not {success:true, data:{asks, bids, version}}', {
    venue: FUTURES_VENUE, expected: '{"success":true,"code":0,"data":{"asks":[[p,v,n]…],"bids":[…],"version":n,"timestamp":ms}}', got: body.slice(0, 120),
  });
}

function pairs(levels: FuturesLevel[]): [string, string][] {
  const out: [string, string][] = new Array(levels.length);
  for (let i = 0; i < levels.length; i++) out[i] = [levels[i][0], levels[i][1]];
  return out;
}
