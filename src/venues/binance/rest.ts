// REST requests (the transport fetches them under the weight budget) and their body decoders.
// rest-api.md / derivatives docs "Exchange information" and "Order book"; the per-market paths,
// limits and weights are in market.ts (PROTOCOLS.md §1.3, §2).
import { MarketfeedError } from '../../core/errors.js';
import type { BookSnapshotInput } from '../../book/types.js';
import type { RestRequest } from '../types.js';
import type { BinanceMarket } from './market.js';
import type { TradeById } from '../trade-backfill.js';
import { isBinanceAggTradeRow, isBinanceDepthSnapshot, isBinanceFuturesDepthSnapshot, isBinanceHistoricalTrade } from './wire.js';

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

/** Trades with id >= fromId, oldest first (market.ts tradesById: the ids our trade stream carries). */
export function tradesByIdRequest(m: BinanceMarket, venueSymbol: string, fromId: number, limit: number): RestRequest {
  const t = m.tradesById;
  const l = Math.min(t.maxLimit, Math.max(1, Math.floor(limit)));
  return { path: `${m.restPrefix}/${t.path}?symbol=${encodeURIComponent(venueSymbol)}&fromId=${fromId}&limit=${l}`, weight: t.weight };
}

/** The fromId of a captured trades-by-id request URL; undefined for any other URL. */
export function tradesByIdFromId(m: BinanceMarket, url: string): number | undefined {
  const q = url.indexOf('?');
  if (q < 0 || !url.endsWith(`${m.restPrefix}/${m.tradesById.path}`, q)) return undefined;
  const v = new URLSearchParams(url.slice(q + 1)).get('fromId');
  return v !== null && /^\d{1,16}$/.test(v) ? Number(v) : undefined;
}

/**
 * A trades-by-id body → the trades as the stream decodes them (decode.ts: `m` "is the buyer the
 * maker", true means the taker sold). Throws MF_ERR_HTTP naming the shape expected; the venue's
 * `{code, msg}` error is quoted.
 */
export function parseTradesById(m: BinanceMarket, body: string): TradeById[] {
  const x = parseJson(m, body, 'MF_ERR_HTTP');
  const rows = m.tradesById.rows;
  if (!Array.isArray(x)) {
    const y = x as { code?: unknown; msg?: unknown };
    const venueError = typeof y === 'object' && y !== null && 'code' in y ? `; the venue answered ${String(y.code)} ${String(y.msg)}` : '';
    throw new MarketfeedError('MF_ERR_HTTP', `${m.tradesById.path} body is not an array of ${rows} rows${venueError}`, { venue: m.venue, got: body.slice(0, 120) });
  }
  const out: TradeById[] = [];
  for (const r of x as unknown[]) {
    if (rows === 'trade' && isBinanceHistoricalTrade(r)) {
      out.push({ id: r.id, ts: r.time * 1000, price: r.price, amount: r.qty, side: r.isBuyerMaker ? 'sell' : 'buy' });
    } else if (rows === 'aggTrade' && isBinanceAggTradeRow(r)) {
      out.push({ id: r.a, ts: r.T * 1000, price: r.p, amount: r.q, side: r.m ? 'sell' : 'buy' });
    } else {
      const want = rows === 'trade' ? '{id, price, qty, time, isBuyerMaker}' : '{a, p, q, T, m}';
      throw new MarketfeedError('MF_ERR_HTTP', `${m.tradesById.path} row is not ${want}`, { venue: m.venue, expected: want, got: JSON.stringify(r).slice(0, 120) });
    }
  }
  return out;
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

const INTERVAL_MINUTES: Readonly<Record<string, number>> = { MINUTE: 1, HOUR: 60, DAY: 1440 };

/**
 * The REQUEST_WEIGHT limit per minute an exchangeInfo body advertises (rest-api.md "Exchange
 * information": `"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE",
 * "intervalNum":1,"limit":6000},…]`), the strictest when several are; undefined when there is
 * none. Only the rateLimits array is parsed: a full spot listing is megabytes, already parsed
 * once for its symbols. SECOND limits are not read: a per-minute budget may burst past them.
 */
export function parseRequestWeightLimit(body: string): number | undefined {
  const at = body.indexOf('"rateLimits"');
  const open = at < 0 ? -1 : body.indexOf('[', at);
  const close = open < 0 ? -1 : body.indexOf(']', open); // its entries are flat objects
  if (close < 0) return undefined;
  let list: unknown;
  try {
    list = JSON.parse(body.slice(open, close + 1));
  } catch {
    return undefined;
  }
  if (!Array.isArray(list)) return undefined;
  let perMinute: number | undefined;
  for (const x of list as unknown[]) {
    const r = x as { rateLimitType?: unknown; interval?: unknown; intervalNum?: unknown; limit?: unknown };
    if (typeof r !== 'object' || r === null || r.rateLimitType !== 'REQUEST_WEIGHT') continue;
    const minutes = typeof r.interval === 'string' ? INTERVAL_MINUTES[r.interval] : undefined;
    const n = typeof r.intervalNum === 'number' && r.intervalNum > 0 ? r.intervalNum : 1;
    if (minutes === undefined || typeof r.limit !== 'number' || !(r.limit > 0)) continue;
    const v = r.limit / (minutes * n);
    if (perMinute === undefined || v < perMinute) perMinute = v;
  }
  return perMinute;
}

function parseJson(m: BinanceMarket, body: string, code: 'MF_ERR_SNAPSHOT_FAILED' | 'MF_ERR_HTTP'): unknown {
  try {
    return JSON.parse(body);
  } catch (e) {
    throw new MarketfeedError(code, 'body is not JSON', { venue: m.venue, got: body.slice(0, 120), cause: e });
  }
}
