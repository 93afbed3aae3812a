// REST requests (the transport fetches them under the weight budget) and their body decoders.
// rest-api.md / derivatives docs "Exchange information" and "Order book"; the per-market paths,
// limits and weights are in market.ts (PROTOCOLS.md §1.3, §2).
import { MarketfeedError } from '../../core/errors.js';
import type { BookSnapshotInput } from '../../book/types.js';
import type { RestRequest } from '../types.js';
import type { BinanceMarket } from './market.js';
import { isBinanceDepthSnapshot, isBinanceFuturesDepthSnapshot } from './wire.js';

export function exchangeInfoRequest(m: BinanceMarket): RestRequest {
  return { path: `${m.restPrefix}/exchangeInfo`, weight: m.exchangeInfoWeight };
}

export function depthWeight(m: BinanceMarket, limit: number): number {
  const w = m.depthWeights;
  let i = 0;
  while (i < w.length - 1 && !(limit <= w[i][0])) i++;
  return w[i][1];
}

/** Snapshot request; the limit is clamped to 1..max, or rounded up to a value the venue accepts. */
export function depthRequest(m: BinanceMarket, venueSymbol: string, limit: number): RestRequest {
  const l = m.depthLimits === undefined
    ? Math.min(m.maxDepthLimit, Math.max(1, Math.floor(limit)))
    : m.depthLimits.find((x) => x >= limit) ?? m.maxDepthLimit;
  return { path: `${m.restPrefix}/depth?symbol=${encodeURIComponent(venueSymbol)}&limit=${l}`, weight: depthWeight(m, l) };
}

/** USDⓈ-M open interest of one contract (market.ts: spot has none, so this is never asked of it). */
export function openInterestRequest(m: BinanceMarket, venueSymbol: string): RestRequest {
  return { path: `${m.restPrefix}/openInterest?symbol=${encodeURIComponent(venueSymbol)}`, weight: m.openInterestWeight ?? 1 };
}

/** Parses a depth body: ts is the USDⓈ-M transaction time T; spot sends no timestamp, so 0. */
export function parseDepth(m: BinanceMarket, body: string): BookSnapshotInput {
  const x = parseJson(m, body, 'MF_ERR_SNAPSHOT_FAILED');
  if (m.futures) {
    if (isBinanceFuturesDepthSnapshot(x)) return { lastUpdateId: x.lastUpdateId, ts: x.T * 1000, bids: x.bids, asks: x.asks };
    throw new MarketfeedError('MF_ERR_SNAPSHOT_FAILED', 'depth body is not {lastUpdateId, E, T, bids, asks}', {
      venue: m.venue, expected: '{"lastUpdateId":n,"E":ms,"T":ms,"bids":[[p,q]…],"asks":[[p,q]…]}', got: body.slice(0, 120),
    });
  }
  if (isBinanceDepthSnapshot(x)) return { lastUpdateId: x.lastUpdateId, ts: 0, bids: x.bids, asks: x.asks };
  throw new MarketfeedError('MF_ERR_SNAPSHOT_FAILED', 'depth body is not {lastUpdateId, bids, asks}', {
    venue: m.venue, expected: '{"lastUpdateId":n,"bids":[[p,q]…],"asks":[[p,q]…]}', got: body.slice(0, 120),
  });
}

/** The venue ids of symbols (contracts) whose status is TRADING. */
export function parseExchangeInfo(m: BinanceMarket, body: string): Set<string> {
  const x = parseJson(m, body, 'MF_ERR_HTTP') as { symbols?: unknown };
  if (typeof x !== 'object' || x === null || !Array.isArray(x.symbols)) {
    throw new MarketfeedError('MF_ERR_HTTP', 'exchangeInfo body has no symbols array', { venue: m.venue, got: body.slice(0, 120) });
  }
  const out = new Set<string>();
  for (const s of x.symbols as unknown[]) {
    const y = s as { symbol?: unknown; status?: unknown };
    if (typeof y === 'object' && y !== null && typeof y.symbol === 'string' && y.status === 'TRADING') out.add(y.symbol);
  }
  return out;
}

function parseJson(m: BinanceMarket, body: string, code: 'MF_ERR_SNAPSHOT_FAILED' | 'MF_ERR_HTTP'): unknown {
  try {
    return JSON.parse(body);
  } catch (e) {
    throw new MarketfeedError(code, 'body is not JSON', { venue: m.venue, got: body.slice(0, 120), cause: e });
  }
}
