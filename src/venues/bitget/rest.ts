// REST requests and their body decoders (the transport does the fetching). Bitget v2:
//   symbols  GET /api/v2/spot/public/symbols  → {"code":"00000","data":[{"symbol","status":"online"…}]}
//   contracts GET /api/v2/mix/market/contracts?productType=USDT-FUTURES
//            → {"code":"00000","data":[{"symbol","symbolStatus":"normal","symbolType":"perpetual"…}]}
//   depth    GET /api/v2/spot/market/orderbook?symbol=BTCUSDT&type=step0&limit=150 (max 150)
//            GET /api/v2/mix/market/merge-depth?symbol=BTCUSDT&productType=USDT-FUTURES&precision=scale0&limit=…
//            → {"code":"00000","data":{"asks":[[px,sz]…],"bids":[…],"ts":"ms"}} (mix may send numbers)
// Both listings are 20 requests/s per IP. Books come from the websocket (spec.bookSnapshot 'ws');
// the REST book is for one-off seeding and tools.
import { MarketfeedError } from '../../core/errors.js';
import type { BookSnapshotInput } from '../../book/types.js';
import type { RestRequest } from '../types.js';
import { instIdOf, marketOf, PERP_SUFFIX, VENUE } from './symbols.js';
import { isObj, msOf } from './wire.js';
import { isDecimalText } from '../../book/levels.js';

export const exchangeInfoRequest: RestRequest = { path: '/api/v2/spot/public/symbols', weight: 1 };
/** The perpetuals' listing: a second request the session does not make yet (see the report). */
export const contractsRequest: RestRequest = { path: '/api/v2/mix/market/contracts?productType=USDT-FUTURES', weight: 1 };

const SPOT_LIMITS = [1, 5, 15, 50, 100, 150];
const MIX_LIMITS = [1, 5, 15, 50, 100];

export function depthRequest(venueSymbol: string, limit: number): RestRequest {
  const id = encodeURIComponent(instIdOf(venueSymbol));
  if (marketOf(venueSymbol) === 'perp') {
    const l = MIX_LIMITS.find((x) => x >= limit);
    return { path: `/api/v2/mix/market/merge-depth?symbol=${id}&productType=USDT-FUTURES&precision=scale0&limit=${l ?? 'max'}`, weight: 1 };
  }
  const l = SPOT_LIMITS.find((x) => x >= limit) ?? 150;
  return { path: `/api/v2/spot/market/orderbook?symbol=${id}&type=step0&limit=${l}`, weight: 1 };
}

function parseBody(body: string, code: 'MF_ERR_HTTP' | 'MF_ERR_SNAPSHOT_FAILED'): unknown {
  let x: unknown;
  try {
    x = JSON.parse(body);
  } catch (e) {
    throw new MarketfeedError(code, 'body is not JSON', { venue: VENUE, got: body.slice(0, 120), cause: e });
  }
  if (!isObj(x) || x.code !== '00000') {
    throw new MarketfeedError(code, 'body is not {"code":"00000","data":…}', { venue: VENUE, got: body.slice(0, 120) });
  }
  return x.data;
}

/**
 * Venue symbols that are trading, from either listing body: spot rows with status "online" →
 * `BTCUSDT`; perpetual rows (symbolType "perpetual", symbolStatus "normal") → `BTCUSDT_UMCBL`.
 */
export function parseExchangeInfo(body: string): Set<string> {
  const data = parseBody(body, 'MF_ERR_HTTP');
  if (!Array.isArray(data)) throw new MarketfeedError('MF_ERR_HTTP', 'symbols body has no data array', { venue: VENUE, got: body.slice(0, 120) });
  const out = new Set<string>();
  for (const r of data) {
    if (!isObj(r) || typeof r.symbol !== 'string') continue;
    if (r.status === 'online') out.add(r.symbol);
    else if (r.symbolStatus === 'normal' && r.symbolType === 'perpetual') out.add(r.symbol + PERP_SUFFIX);
  }
  return out;
}

function levels(xs: unknown): [string, string][] | undefined {
  if (!Array.isArray(xs)) return undefined;
  const out: [string, string][] = [];
  for (const l of xs) {
    if (!Array.isArray(l) || l.length < 2) return undefined;
    const p = typeof l[0] === 'number' ? String(l[0]) : l[0];
    const a = typeof l[1] === 'number' ? String(l[1]) : l[1];
    if (typeof p !== 'string' || typeof a !== 'string' || !isDecimalText(p) || !isDecimalText(a)) return undefined;
    out.push([p, a]);
  }
  return out;
}

/** A depth body → snapshot (no sequence id: -1; ts from `ts`, else 0). */
export function parseDepth(body: string): BookSnapshotInput {
  const d = parseBody(body, 'MF_ERR_SNAPSHOT_FAILED');
  const bids = isObj(d) ? levels(d.bids) : undefined;
  const asks = isObj(d) ? levels(d.asks) : undefined;
  if (!isObj(d) || bids === undefined || asks === undefined) {
    throw new MarketfeedError('MF_ERR_SNAPSHOT_FAILED', 'depth body is not {data:{asks, bids, ts}}', {
      venue: VENUE, expected: '{"code":"00000","data":{"asks":[[p,q]…],"bids":[[p,q]…],"ts":"ms"}}', got: body.slice(0, 120),
    });
  }
  return { lastUpdateId: -1, ts: (msOf(d.ts) ?? 0) * 1000, bids, asks };
}
