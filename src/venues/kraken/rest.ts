// Kraken spot REST (https://docs.kraken.com/api/docs/rest-api/get-tradable-asset-pairs and
// …/get-order-book): requests and body decoders; the transport does the fetching.
//   GET /0/public/AssetPairs → {"error":[],"result":{"XXBTZUSD":{"altname":"XBTUSD","wsname":"XBT/USD",
//       "base":"XXBT","quote":"ZUSD","pair_decimals":1,"lot_decimals":8,"cost_decimals":5,"status":"online",…}}}
//   GET /0/public/Depth?pair=XBTUSD&count=N → {"error":[],"result":{"XXBTZUSD":{"asks":[[price,volume,ts]…],"bids":[…]}}}
// Books come from the websocket snapshot (spec.bookSnapshot 'ws'): mixing a REST book with WS diffs
// corrupts it (PROTOCOLS.md §8, hummingbot#1926), and REST texts are not padded the way the v2
// checksum needs. The Depth request is here for completeness (spec.depthRequest).
import { MarketfeedError } from '../../core/errors.js';
import { isDecimalText } from '../../book/levels.js';
import type { BookSnapshotInput } from '../../book/types.js';
import type { RestRequest } from '../types.js';
import { fromV1Pair, toRestPair } from './symbols.js';

const VENUE = 'kraken';
/** `count` bound of GET /0/public/Depth. */
export const MAX_DEPTH_COUNT = 500;

export const exchangeInfoRequest: RestRequest = { path: '/0/public/AssetPairs', weight: 1 };

export function depthRequest(venueSymbol: string, limit: number): RestRequest {
  const count = Math.min(MAX_DEPTH_COUNT, Math.max(1, Math.floor(limit)));
  return { path: `/0/public/Depth?pair=${encodeURIComponent(toRestPair(venueSymbol))}&count=${count}`, weight: 1 };
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The `result` of a Kraken REST body; throws `code` when the body is not JSON or reports errors. */
function result(body: string, code: 'MF_ERR_HTTP' | 'MF_ERR_SNAPSHOT_FAILED', what: string): Obj {
  let x: unknown;
  try {
    x = JSON.parse(body);
  } catch (e) {
    throw new MarketfeedError(code, `${what} body is not JSON`, { venue: VENUE, got: body.slice(0, 120), cause: e });
  }
  if (!isObj(x)) throw new MarketfeedError(code, `${what} body is not an object`, { venue: VENUE, got: body.slice(0, 120) });
  if (Array.isArray(x.error) && x.error.length > 0) {
    throw new MarketfeedError(code, `${what}: Kraken reports ${x.error.map(String).join('; ')}`, { venue: VENUE, got: body.slice(0, 120) });
  }
  if (!isObj(x.result)) {
    throw new MarketfeedError(code, `${what} body has no result object`, { venue: VENUE, expected: '{"error":[],"result":{…}}', got: body.slice(0, 120) });
  }
  return x.result;
}

/** The v2 names (`BTC/USD`) of pairs whose status is online (wsname translated from XBT/XDG). */
export function parseExchangeInfo(body: string): Set<string> {
  const pairs = result(body, 'MF_ERR_HTTP', 'AssetPairs');
  const out = new Set<string>();
  for (const p of Object.values(pairs)) {
    // `status` is missing in older listings: every listed pair was tradable then.
    if (isObj(p) && typeof p.wsname === 'string' && (p.status === undefined || p.status === 'online')) out.add(fromV1Pair(p.wsname));
  }
  return out;
}

function levels(x: unknown): [string, string][] | undefined {
  if (!Array.isArray(x)) return undefined;
  const out: [string, string][] = [];
  for (const l of x) {
    if (!Array.isArray(l) || typeof l[0] !== 'string' || typeof l[1] !== 'string' || !isDecimalText(l[0]) || !isDecimalText(l[1])) return undefined;
    out.push([l[0], l[1]]);
  }
  return out;
}

/** The one book of a Depth body; ts is the newest level time (epoch s → µs), 0 when empty. */
export function parseDepth(body: string): BookSnapshotInput {
  const books = Object.values(result(body, 'MF_ERR_SNAPSHOT_FAILED', 'Depth'));
  const b = books.length === 1 ? books[0] : undefined;
  const bids = isObj(b) ? levels(b.bids) : undefined;
  const asks = isObj(b) ? levels(b.asks) : undefined;
  if (!isObj(b) || bids === undefined || asks === undefined) {
    throw new MarketfeedError('MF_ERR_SNAPSHOT_FAILED', 'Depth body is not one {asks, bids} book of [price, volume, time] strings', {
      venue: VENUE, expected: '{"result":{"PAIR":{"asks":[["p","v",t]…],"bids":[…]}}}', got: body.slice(0, 120),
    });
  }
  let newest = 0;
  for (const side of [b.bids, b.asks] as unknown[][]) {
    for (const l of side) {
      const t = (l as unknown[])[2];
      // a time that is no finite number (1e99999 parses to Infinity) says nothing: skipped
      if (typeof t === 'number' && Number.isFinite(t) && t > newest) newest = t;
    }
  }
  return { lastUpdateId: -1, ts: Math.round(newest * 1e6), bids, asks };
}
