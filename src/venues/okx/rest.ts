// REST requests (the transport fetches them) and their body decoders: okx docs-v5 "Get
// instruments" (GET /api/v5/public/instruments?instType=…) and "Get order book"
// (GET /api/v5/market/books?instId=…&sz=…). Every body is {"code":"0","msg":"","data":[…]}.
import { MarketfeedError } from '../../core/errors.js';
import { isDecimalText } from '../../book/levels.js';
import type { BookSnapshotInput } from '../../book/types.js';
import type { RestRequest } from '../types.js';
import { NO_ID } from './book-rule.js';
import type { OkxInstType, OkxMarket } from './market.js';
import { instTypeOf } from './symbols.js';
import { isObj, isOkxBookData, isOkxRestBody, type OkxRestBody } from './wire.js';

/** The book channel carries 400 levels; "sz" of the REST book goes to 400 too. */
export const BOOK_LEVELS = 400;

/** Listing of one instrument type. Public market-data endpoints allow 20 requests / 2 s per IP. */
export function instrumentsRequest(instType: OkxInstType): RestRequest {
  return { path: `/api/v5/public/instruments?instType=${instType}`, weight: 1 };
}

/**
 * The listings that cover these symbols, one per instrument type (the endpoint requires instType).
 * VenueSpec.exchangeInfo is a single request, so the spec's is the spot listing; this is what a
 * session that accepts several listings would fetch (see the report to the lead).
 */
export function listingRequests(venueSymbols: readonly string[]): RestRequest[] {
  const types: OkxInstType[] = [];
  for (const v of venueSymbols) {
    const t = instTypeOf(v);
    if (!types.includes(t)) types.push(t);
  }
  return types.map(instrumentsRequest);
}

/** The instIds whose state is "live". */
export function parseExchangeInfo(m: OkxMarket, body: string): Set<string> {
  const x = envelope(m, body, 'MF_ERR_HTTP');
  const out = new Set<string>();
  for (const i of x.data) {
    if (isObj(i) && typeof i.instId === 'string' && i.state === 'live') out.add(i.instId);
  }
  return out;
}

/**
 * The REST book, always 400 levels whatever the configured depth: it seeds a book the 400-level
 * `books` channel then updates, and the checksum covers the top 25.
 */
export function depthRequest(venueSymbol: string): RestRequest {
  return { path: `/api/v5/market/books?instId=${encodeURIComponent(venueSymbol)}&sz=${BOOK_LEVELS}`, weight: 1 };
}

/**
 * {"code":"0","data":[{"asks":[[px,sz,"0",n]…],"bids":[…],"ts":"ms","seqId"?:n}]}: lastUpdateId
 * is seqId when the body has one (the 2026 snapshot procedure), else NO_ID (checksum-only).
 */
export function parseDepth(m: OkxMarket, body: string): BookSnapshotInput {
  const x = envelope(m, body, 'MF_ERR_SNAPSHOT_FAILED');
  const d = x.data[0];
  if (x.data.length === 1 && isOkxBookData(d)) {
    const bids = levelPairs(d.bids);
    const asks = levelPairs(d.asks);
    if (bids !== undefined && asks !== undefined) return { lastUpdateId: d.seqId ?? NO_ID, ts: Number(d.ts) * 1000, bids, asks };
  }
  throw new MarketfeedError('MF_ERR_SNAPSHOT_FAILED', 'order book body is not {code:"0", data:[{asks, bids, ts}]}', {
    venue: m.venue, expected: '{"code":"0","data":[{"asks":[[px,sz,…]…],"bids":[…],"ts":"ms"}]}', got: body.slice(0, 120),
  });
}

function levelPairs(levels: unknown[]): [string, string][] | undefined {
  const out: [string, string][] = [];
  for (const l of levels) {
    if (!Array.isArray(l) || typeof l[0] !== 'string' || typeof l[1] !== 'string' || !isDecimalText(l[0]) || !isDecimalText(l[1])) return undefined;
    out.push([l[0], l[1]]);
  }
  return out;
}

/**
 * The `{code, msg, data:[…]}` envelope of an OKX REST body with code "0"; throws `code` otherwise,
 * naming the route (`what`) when given.
 */
export function envelope(m: OkxMarket, body: string, code: 'MF_ERR_SNAPSHOT_FAILED' | 'MF_ERR_HTTP', what?: string): OkxRestBody {
  const of = what === undefined ? 'body' : `${what} body`;
  let x: unknown;
  try {
    x = JSON.parse(body);
  } catch (e) {
    throw new MarketfeedError(code, `${of} is not JSON`, { venue: m.venue, got: body.slice(0, 120), cause: e });
  }
  if (!isOkxRestBody(x)) {
    throw new MarketfeedError(code, `${of} is not {code, msg, data:[…]}`, { venue: m.venue, got: body.slice(0, 120) });
  }
  if (x.code !== '0') {
    throw new MarketfeedError(code, `${what === undefined ? '' : `${what}: `}${m.name} answered code ${x.code}: ${String(x.msg ?? '')}`, { venue: m.venue, got: body.slice(0, 120) });
  }
  return x;
}
