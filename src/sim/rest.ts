// The REST API, shaped like Binance's: spot under /api/v3, USD-M futures under /fapi/v1.
// Pure request → reply; the HTTP server adds headers, delays and 429s around it.
import { bucketOpen, isInterval, nextOpen, prevOpen } from './candles.js';
import type { SimVenue } from './instruments.js';
import type { BookState, SimTrade } from './market.js';
import type { SymbolState } from './symbol-state.js';
import { klineRow, quoteDecimals } from './wire.js';

export interface RestContext {
  venue: SimVenue;
  symbols: ReadonlyMap<string, SymbolState>;
  nowMs(): number;
  /** True once after the stalesnapshot fault: serve an old book. */
  takeStaleSnapshot(): boolean;
}

export interface RestReply {
  status: number;
  body: string;
  /** Request weight, for X-MBX-USED-WEIGHT-1M. */
  weight: number;
  /** True for a depth request (the slow-snapshot fault delays these). */
  isDepth?: boolean;
  /** 429s: seconds until the request weight window resets (the Retry-After header). */
  retryAfterS?: number;
}

const err = (status: number, code: number, msg: string, weight = 1): RestReply => ({
  status, weight, body: JSON.stringify({ code, msg }),
});
const ok = (value: unknown, weight: number): RestReply => ({ status: 200, weight, body: JSON.stringify(value) });

const INVALID_SYMBOL = (): RestReply => err(400, -1121, 'Invalid symbol.');
const missing = (name: string): RestReply =>
  err(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`);

const RATE_LIMITS_SPOT = [
  { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 },
  { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
  { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
];
const RATE_LIMITS_FUTURES = [
  { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 2400 },
  { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
  { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
];

/**
 * The REQUEST_WEIGHT limit per minute the mode advertises in exchangeInfo, which the server
 * enforces per window of a minute starting on the minute, as Binance does (rest-api limits: "a 1
 * MINUTE interval starts every minute"), answering 429 beyond it.
 */
export function requestWeightLimit(venue: SimVenue): number {
  const list = venue === 'binance-futures' ? RATE_LIMITS_FUTURES : RATE_LIMITS_SPOT;
  return list.find((r) => r.rateLimitType === 'REQUEST_WEIGHT' && r.interval === 'MINUTE' && r.intervalNum === 1)!.limit;
}

/** The venue's 429 for a request that would pass the weight limit (code -1003, its own words). */
export function weightLimitReply(limit: number, retryAfterS: number): RestReply {
  return {
    ...err(429, -1003, `Too much request weight used; current limit is ${limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`, 0),
    retryAfterS,
  };
}

/** Parses an optional non-negative integer parameter; NaN when present but not digits. */
function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  return /^[0-9]{1,20}$/.test(v) ? Number(v) : NaN;
}
const illegal = (name: string): RestReply =>
  err(400, -1100, `Illegal characters found in parameter '${name}'; legal range is '^[0-9]{1,20}$'.`);

export function handleRest(ctx: RestContext, path: string, q: URLSearchParams): RestReply {
  const futures = ctx.venue === 'binance-futures';
  const prefix = futures ? '/fapi/v1/' : '/api/v3/';
  if (!path.startsWith(prefix)) return err(404, -1, `Unknown path ${path}`);
  const route = path.slice(prefix.length);
  switch (route) {
    case 'ping':
      return ok({}, 1);
    case 'time':
      return ok({ serverTime: ctx.nowMs() }, 1);
    case 'exchangeInfo':
      return exchangeInfo(ctx, q);
    case 'depth':
      return depth(ctx, q);
    case 'klines':
      return klines(ctx, q);
    case 'trades':
      return trades(ctx, q);
    case 'historicalTrades':
      if (!futures) return historicalTrades(ctx, q);
      break;
    case 'aggTrades':
      return aggTrades(ctx, q);
    case 'premiumIndex':
      if (futures) return premiumIndex(ctx, q);
      break;
    case 'openInterest':
      if (futures) return openInterest(ctx, q);
      break;
  }
  return err(404, -1, `Unknown path ${path}`);
}

function lookup(ctx: RestContext, q: URLSearchParams): SymbolState | RestReply {
  const symbol = q.get('symbol');
  if (!symbol) return missing('symbol');
  return ctx.symbols.get(symbol) ?? INVALID_SYMBOL();
}

function exchangeInfo(ctx: RestContext, q: URLSearchParams): RestReply {
  const futures = ctx.venue === 'binance-futures';
  let wanted: string[] | undefined;
  const one = q.get('symbol');
  const many = q.get('symbols');
  if (one) wanted = [one];
  else if (many) {
    try {
      const parsed: unknown = JSON.parse(many);
      if (!Array.isArray(parsed)) return INVALID_SYMBOL();
      wanted = parsed.map(String);
    } catch {
      return INVALID_SYMBOL();
    }
  }
  const list: SymbolState[] = [];
  for (const id of wanted ?? ctx.symbols.keys()) {
    const s = ctx.symbols.get(id);
    if (!s) return INVALID_SYMBOL();
    list.push(s);
  }
  const now = ctx.nowMs();
  const symbols = list.map((s) => (futures ? futuresSymbol(s) : spotSymbol(s)));
  if (futures) {
    return ok({ timezone: 'UTC', serverTime: now, futuresType: 'U_MARGINED', rateLimits: RATE_LIMITS_FUTURES, exchangeFilters: [], assets: [], symbols }, 1);
  }
  return ok({ timezone: 'UTC', serverTime: now, rateLimits: RATE_LIMITS_SPOT, exchangeFilters: [], symbols }, 20);
}

function spotSymbol(s: SymbolState): unknown {
  const { inst, fmt } = s;
  return {
    symbol: inst.venueSymbol, status: 'TRADING', baseAsset: inst.base, baseAssetPrecision: 8, quoteAsset: inst.quote,
    quotePrecision: 8, quoteAssetPrecision: 8, orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET'], icebergAllowed: true,
    ocoAllowed: true, isSpotTradingAllowed: true, isMarginTradingAllowed: false,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: fmt.tickSize(), maxPrice: fmt.price(inst.startTicks * 100), tickSize: fmt.tickSize() },
      { filterType: 'LOT_SIZE', minQty: fmt.stepSize(), maxQty: fmt.qty(inst.maxLots * 1000), stepSize: fmt.stepSize() },
    ],
    permissions: [], permissionSets: [['SPOT']], defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

function futuresSymbol(s: SymbolState): unknown {
  const { inst, fmt } = s;
  return {
    symbol: inst.venueSymbol, pair: inst.venueSymbol, contractType: 'PERPETUAL', deliveryDate: 4133404800000,
    onboardDate: s.candles.listedMs, status: 'TRADING', baseAsset: inst.base, quoteAsset: inst.quote, marginAsset: inst.quote,
    pricePrecision: inst.priceDecimals, quantityPrecision: inst.qtyDecimals, baseAssetPrecision: 8, quotePrecision: 8,
    underlyingType: 'COIN', settlePlan: 0, triggerProtect: '0.0500',
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: fmt.tickSize(), maxPrice: fmt.price(inst.startTicks * 100), tickSize: fmt.tickSize() },
      { filterType: 'LOT_SIZE', minQty: fmt.stepSize(), maxQty: fmt.qty(inst.maxLots * 1000), stepSize: fmt.stepSize() },
    ],
    orderTypes: ['LIMIT', 'MARKET'], timeInForce: ['GTC', 'IOC', 'FOK', 'GTX'],
  };
}

/** Spot weight table (PROTOCOLS.md §1.3); futures: 2/5/10/20 for ≤50/100/500/1000. */
function depthWeight(futures: boolean, limit: number): number {
  if (futures) return limit <= 50 ? 2 : limit <= 100 ? 5 : limit <= 500 ? 10 : 20;
  return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
}

function depth(ctx: RestContext, q: URLSearchParams): RestReply {
  const futures = ctx.venue === 'binance-futures';
  const s = lookup(ctx, q);
  if (!('market' in s)) return s;
  const asked = intParam(q, 'limit');
  if (Number.isNaN(asked)) return illegal('limit');
  const limit = Math.max(1, Math.min(asked ?? (futures ? 500 : 100), futures ? 1000 : 5000));
  const now = ctx.nowMs();
  const book: BookState = ctx.takeStaleSnapshot() ? s.oldBooks[0] : s.snapshot(limit, now);
  const side = (b: BookState['bids']): [string, string][] => {
    const n = Math.min(limit, b.ticks.length);
    const out: [string, string][] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = [s.fmt.price(b.ticks[i]), s.fmt.qty(b.lots[i])];
    return out;
  };
  const body = futures
    ? { lastUpdateId: book.lastUpdateId, E: now, T: now - 1, bids: side(book.bids), asks: side(book.asks) }
    : { lastUpdateId: book.lastUpdateId, bids: side(book.bids), asks: side(book.asks) };
  return { ...ok(body, depthWeight(futures, limit)), isDepth: true };
}

function klines(ctx: RestContext, q: URLSearchParams): RestReply {
  const futures = ctx.venue === 'binance-futures';
  const s = lookup(ctx, q);
  if (!('market' in s)) return s;
  const interval = q.get('interval');
  if (!interval) return missing('interval');
  if (!isInterval(interval)) return err(400, -1120, 'Invalid interval.');
  const startTime = intParam(q, 'startTime');
  const endTime = intParam(q, 'endTime');
  const asked = intParam(q, 'limit');
  if (Number.isNaN(startTime)) return illegal('startTime');
  if (Number.isNaN(endTime)) return illegal('endTime');
  if (Number.isNaN(asked)) return illegal('limit');
  const limit = Math.max(1, Math.min(asked ?? 500, futures ? 1500 : 1000));
  const now = ctx.nowMs();
  const end = Math.min(endTime ?? now, now);
  const opens: number[] = [];
  if (startTime !== undefined) {
    let t = bucketOpen(Math.max(startTime, s.candles.listedMs), interval);
    if (t < startTime) t = nextOpen(t, interval);
    for (; t <= end && opens.length < limit; t = nextOpen(t, interval)) opens.push(t);
  } else {
    // The newest `limit` buckets up to end.
    const first = bucketOpen(s.candles.listedMs, interval);
    for (let t = bucketOpen(end, interval); t >= first && opens.length < limit; t = prevOpen(t, interval)) opens.push(t);
    opens.reverse();
  }
  const rows: unknown[] = [];
  for (const open of opens) {
    const close = nextOpen(open, interval);
    const c = s.candles.range(open, close, now);
    if (c) rows.push(klineRow(futures, s.fmt, open, close - 1, c));
  }
  const weight = futures ? (limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10) : 2;
  return ok(rows, weight);
}

function trades(ctx: RestContext, q: URLSearchParams): RestReply {
  const futures = ctx.venue === 'binance-futures';
  const s = lookup(ctx, q);
  if (!('market' in s)) return s;
  const asked = intParam(q, 'limit');
  if (Number.isNaN(asked)) return illegal('limit');
  const limit = Math.max(1, Math.min(asked ?? 500, 1000));
  return ok(tradeRows(futures, s, s.recentTrades.slice(-limit)), futures ? 5 : 25);
}

/** Rows of GET trades / historicalTrades: the trade stream's trades, `id` its `t`. */
function tradeRows(futures: boolean, s: SymbolState, list: readonly SimTrade[]): Record<string, unknown>[] {
  const qd = quoteDecimals(futures, s.fmt);
  return list.map((t) => {
    const row: Record<string, unknown> = {
      id: t.id, price: s.fmt.price(t.ticks), qty: s.fmt.qty(t.lots), quoteQty: s.fmt.notional(t.ticks, t.lots, qd),
      time: t.timeMs, isBuyerMaker: t.buyerMaker,
    };
    if (!futures) row.isBestMatch = true;
    return row;
  });
}

/**
 * GET historicalTrades (spot "Old trade lookup", weight 25): the retained trades with id >=
 * `fromId`, oldest first up to `limit` (default 500, max 1000); without fromId the newest. Every
 * trade the model made is filed, whether or not a socket was there to carry it (a dropped
 * connection's trades are served here with the ids the stream would have sent).
 */
function historicalTrades(ctx: RestContext, q: URLSearchParams): RestReply {
  const s = lookup(ctx, q);
  if (!('market' in s)) return s;
  const fromId = intParam(q, 'fromId');
  const asked = intParam(q, 'limit');
  if (Number.isNaN(fromId)) return illegal('fromId');
  if (Number.isNaN(asked)) return illegal('limit');
  const limit = Math.max(1, Math.min(asked ?? 500, 1000));
  const list = s.recentTrades;
  if (fromId === undefined) return ok(tradeRows(false, s, list.slice(-limit)), 25);
  let lo = 0, hi = list.length; // first trade with id >= fromId (ids increase)
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].id < fromId) lo = mid + 1;
    else hi = mid;
  }
  return ok(tradeRows(false, s, list.slice(lo, lo + limit)), 25);
}

/**
 * GET aggTrades over the retained recent trades (one aggregate per trade, as on the aggTrade
 * stream, with the same ids): `fromId`, or an inclusive `startTime`/`endTime` window under an
 * hour, oldest first up to `limit`; with neither, the newest `limit`.
 */
function aggTrades(ctx: RestContext, q: URLSearchParams): RestReply {
  const futures = ctx.venue === 'binance-futures';
  const s = lookup(ctx, q);
  if (!('market' in s)) return s;
  const fromId = intParam(q, 'fromId');
  const startTime = intParam(q, 'startTime');
  const endTime = intParam(q, 'endTime');
  const asked = intParam(q, 'limit');
  for (const [name, v] of [['fromId', fromId], ['startTime', startTime], ['endTime', endTime], ['limit', asked]] as const) {
    if (Number.isNaN(v)) return illegal(name);
  }
  if (startTime !== undefined && endTime !== undefined && endTime - startTime > 3_600_000) {
    return err(400, -1127, 'More than 1 hours between startTime and endTime.');
  }
  const limit = Math.max(1, Math.min(asked ?? 500, 1000));
  const list = s.recentTrades;
  const firstAggId = s.nextAggId - list.length; // the engine numbers every filed trade in order
  let from = 0;
  let to = list.length;
  if (fromId !== undefined) {
    from = Math.max(0, Math.min(list.length, fromId - firstAggId));
    to = Math.min(list.length, from + limit);
  } else if (startTime !== undefined || endTime !== undefined) {
    while (from < list.length && startTime !== undefined && list[from].timeMs < startTime) from++;
    to = from;
    while (to < list.length && to - from < limit && (endTime === undefined || list[to].timeMs <= endTime)) to++;
  } else {
    from = Math.max(0, list.length - limit);
  }
  const rows: Record<string, unknown>[] = [];
  for (let i = from; i < to; i++) {
    const t = list[i];
    const row: Record<string, unknown> = {
      a: firstAggId + i, p: s.fmt.price(t.ticks), q: s.fmt.qty(t.lots), f: t.id, l: t.id, T: t.timeMs, m: t.buyerMaker,
    };
    if (!futures) row.M = true;
    rows.push(row);
  }
  return ok(rows, futures ? 20 : 4);
}

function premiumIndex(ctx: RestContext, q: URLSearchParams): RestReply {
  const now = ctx.nowMs();
  const one = (s: SymbolState): unknown => {
    const m = s.markPrice(now);
    return {
      symbol: s.inst.venueSymbol, markPrice: m.mark, indexPrice: m.index, estimatedSettlePrice: m.settle,
      lastFundingRate: m.fundingRate, interestRate: '0.00010000', nextFundingTime: m.nextFundingMs, time: now,
    };
  };
  if (q.get('symbol') === null) return ok([...ctx.symbols.values()].map(one), 10);
  const s = lookup(ctx, q);
  if (!('market' in s)) return s;
  return ok(one(s), 1);
}

/** GET openInterest (futures, weight 1): `{"openInterest":"10659.509","symbol":"BTCUSDT","time":ms}`. */
function openInterest(ctx: RestContext, q: URLSearchParams): RestReply {
  const s = lookup(ctx, q);
  if (!('market' in s)) return s;
  const now = ctx.nowMs();
  return ok({ openInterest: s.openInterest(now), symbol: s.inst.venueSymbol, time: now }, 1);
}
