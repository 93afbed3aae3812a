// REST requests (the transport fetches them under the weight budget) and their body decoders
// (PROTOCOLS-MORE.md §5.1–5.3). Every KuCoin body is `{"code":"200000","data":…}`; any other code
// is the venue's error, reported with its code and message.
import { MarketfeedError } from '../../core/errors.js';
import type { BookSnapshotInput } from '../../book/types.js';
import type { RestRequest } from '../types.js';
import { nsTextToUs, parseLossless } from './lossless.js';
import type { KucoinMarket } from './market.js';
import { isKucoinBullet, isKucoinFuturesBook, isKucoinSpotBook, isObj } from './wire.js';

const OK = '200000';

/** §5.1: the public token, weight 10, no auth; spot and futures tokens come from their own hosts. */
export const BULLET_REQUEST: RestRequest = { path: '/api/v1/bullet-public', weight: 10, method: 'POST' };

export function exchangeInfoRequest(m: KucoinMarket): RestRequest {
  return { path: m.listing.path, weight: m.listing.weight };
}

/**
 * The book snapshot the level2 stream is bridged to. Spot: the full book (`/api/v3/market/
 * orderbook/level2`) needs an API key, so the deepest public one, level2_100, whatever the limit:
 * the stream updates every level, and a shallower seed would surface unknown levels sooner. Its
 * 100 levels per side bound what the seeded book knows below the top (§8 open question 5).
 * Futures: the full `/api/v1/level2/snapshot` is public (weight 3).
 */
export function depthRequest(m: KucoinMarket, venueSymbol: string): RestRequest {
  const symbol = encodeURIComponent(venueSymbol);
  return m.futures
    ? { path: `/api/v1/level2/snapshot?symbol=${symbol}`, weight: 3 }
    : { path: `/api/v1/market/orderbook/level2_100?symbol=${symbol}`, weight: 4 };
}

/**
 * The `data` of a KuCoin body, or a MarketfeedError with the venue's code and message (`what`: the
 * route's name, put before the message).
 */
export function dataOf(m: KucoinMarket, body: string, code: 'MF_ERR_SNAPSHOT_FAILED' | 'MF_ERR_HTTP', lossless: boolean, what?: string): unknown {
  let x: unknown;
  if (lossless) x = parseLossless(body);
  else {
    try {
      x = JSON.parse(body);
    } catch {
      x = undefined;
    }
  }
  if (!isObj(x)) throw new MarketfeedError(code, `${what === undefined ? '' : `${what} `}body is not a JSON object`, { venue: m.venue, got: body.slice(0, 120) });
  if (x.code !== OK) {
    throw new MarketfeedError(code, `${what === undefined ? '' : `${what}: `}the venue answered code ${String(x.code)}: ${String(x.msg ?? '')}`, {
      venue: m.venue, expected: `code ${OK}`, got: body.slice(0, 200),
    });
  }
  return x.data;
}

const pairs = (levels: [string, string][]): [string, string][] => levels.map((l) => [l[0], l[1]]);

/** Parses a snapshot body: lastUpdateId is the venue's `sequence`; ts its time (spot ms, futures ns). */
export function parseDepth(m: KucoinMarket, body: string): BookSnapshotInput {
  const d = dataOf(m, body, 'MF_ERR_SNAPSHOT_FAILED', m.futures);
  if (m.futures) {
    // Levels are JSON numbers: the lossless parse keeps their text ("66968.10" stays so).
    if (isKucoinFuturesBook(d)) {
      return { lastUpdateId: Number(d.sequence), ts: d.ts === undefined ? 0 : (nsTextToUs(d.ts) ?? 0), bids: pairs(d.bids), asks: pairs(d.asks) };
    }
    throw new MarketfeedError('MF_ERR_SNAPSHOT_FAILED', 'level2 snapshot is not {sequence, bids, asks, ts}', {
      venue: m.venue, expected: '{"sequence":n,"bids":[[p,s]…],"asks":[[p,s]…],"ts":ns}', got: body.slice(0, 120),
    });
  }
  if (isKucoinSpotBook(d)) return { lastUpdateId: Number(d.sequence), ts: d.time * 1000, bids: pairs(d.bids), asks: pairs(d.asks) };
  throw new MarketfeedError('MF_ERR_SNAPSHOT_FAILED', 'orderbook body is not {time, sequence, bids, asks}', {
    venue: m.venue, expected: '{"time":ms,"sequence":"n","bids":[[p,s]…],"asks":[[p,s]…]}', got: body.slice(0, 120),
  });
}

/** Venue ids that trade: spot `enableTrading`, futures `status: "Open"`. */
export function parseExchangeInfo(m: KucoinMarket, body: string): Set<string> {
  const d = dataOf(m, body, 'MF_ERR_HTTP', false);
  if (!Array.isArray(d)) throw new MarketfeedError('MF_ERR_HTTP', 'symbol listing has no data array', { venue: m.venue, got: body.slice(0, 120) });
  const out = new Set<string>();
  for (const s of d as unknown[]) {
    if (!isObj(s) || typeof s.symbol !== 'string') continue;
    if (m.futures ? s.status === 'Open' : s.enableTrading === true) out.add(s.symbol);
  }
  return out;
}

let connects = 0;

/**
 * The bullet-public body → the socket URL `<endpoint>?token=<token>&connectId=<id>` and the ping
 * interval the venue asks for (§5.1: take it from the response, not from a constant). The id only
 * has to differ between our sockets; the welcome message echoes it.
 */
export function parseBullet(m: KucoinMarket, body: string): { url: string; pingIntervalMs?: number } {
  const d = dataOf(m, body, 'MF_ERR_HTTP', false);
  if (!isKucoinBullet(d)) {
    throw new MarketfeedError('MF_ERR_HTTP', 'bullet-public body has no token and endpoint', {
      venue: m.venue, expected: '{"token":"…","instanceServers":[{"endpoint":"wss://…","pingInterval":ms}]}', got: body.slice(0, 200),
    });
  }
  const server = d.instanceServers[0];
  const sep = server.endpoint.includes('?') ? '&' : '?';
  const url = `${server.endpoint}${sep}token=${encodeURIComponent(d.token)}&connectId=mf${++connects}`;
  return server.pingInterval === undefined ? { url } : { url, pingIntervalMs: server.pingInterval };
}
