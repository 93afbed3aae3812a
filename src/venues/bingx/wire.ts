// BingX public websocket messages as sent (PROTOCOLS-MORE.md §3; recorded frames in
// protocol-vectors/bingx.json), with hand-written guards of just the fields the decoder reads.
// Names stay verbatim here and are renamed once, in decode.ts. Every server frame is a gzip
// member; once gunzipped it is one of:
//
//   push       {"code":0,"dataType":"BTC-USDT@incrDepth","data":{…}, "ts"? (swap), "timestamp"? (spot)}
//   ack        spot {"code":0,"id":…,"msg":"SUCCESS","timestamp":…}; swap {"id":…,"code":0,"msg":"","dataType":"","data":null}
//   error      {"id":…,"code":80403,"msg":"…"}
//   keepalive  swap: the text `Ping`; spot: {"ping":"<id>","time":"<ISO+0800>"}
// Book prices and sizes are strings. Spot `@ticker` values are JSON numbers (decode.ts reads their
// lexemes from the text); swap ticker values are strings.

type Obj = Record<string, unknown>;
export const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

export interface BingxPush {
  code: number;
  dataType: string;
  data: unknown;
  /** Swap frames: exchange time, epoch ms. */
  ts?: number;
  /** Spot frames: exchange time, epoch ms. */
  timestamp?: number;
}

/** `@incrDepth` data: `all` is the whole book, `update` the levels changed (quantity 0 deletes). */
export interface BingxIncrDepth {
  action: string;
  lastUpdateId: number;
  /** Epoch ms (swap doc example); absent in some pushes. */
  time?: number;
  bids: unknown[];
  asks: unknown[];
}

/** `@depthN` data: a whole top-N book; spot frames carry lastUpdateId, swap frames do not. */
export interface BingxDepth {
  bids: unknown[];
  asks: unknown[];
  lastUpdateId?: number;
}

/** Spot `@trade` data (one object; `t` the trade id, ids may arrive out of order). */
export interface BingxSpotTrade {
  T: number;
  m: boolean;
  p: string;
  q: string;
  s: string;
  t: string;
}

/** One swap `@trade` entry: no trade id. `m`: the buyer is the maker (the taker sold). */
export interface BingxSwapTrade {
  T: number;
  m: boolean;
  p: string;
  q: string;
  s?: string;
}

/** `@ticker` data: c last, o/h/l 24h open/high/low, v base and q quote volume, B/b best bid price/size, A/a best ask. */
export interface BingxTicker {
  E: number;
  s: string;
}

/** Swap `@markPrice` data: p the mark price. */
export interface BingxMarkPrice {
  E: number;
  s: string;
  p: string | number;
}

const isMs = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isId = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

export function isBingxPush(x: Obj): x is Obj & BingxPush {
  return typeof x.code === 'number' && typeof x.dataType === 'string' && x.dataType !== '' && x.data !== undefined && x.data !== null &&
    (x.ts === undefined || isMs(x.ts)) && (x.timestamp === undefined || isMs(x.timestamp));
}

export function isBingxIncrDepth(x: unknown): x is BingxIncrDepth {
  return isObj(x) && typeof x.action === 'string' && isId(x.lastUpdateId) && (x.time === undefined || isMs(x.time)) &&
    Array.isArray(x.bids) && Array.isArray(x.asks);
}

export function isBingxDepth(x: unknown): x is BingxDepth {
  return isObj(x) && Array.isArray(x.bids) && Array.isArray(x.asks) && (x.lastUpdateId === undefined || isId(x.lastUpdateId));
}

export function isBingxSpotTrade(x: unknown): x is BingxSpotTrade {
  return isObj(x) && isMs(x.T) && typeof x.m === 'boolean' && typeof x.p === 'string' && typeof x.q === 'string' &&
    typeof x.s === 'string' && typeof x.t === 'string';
}

export function isBingxSwapTrade(x: unknown): x is BingxSwapTrade {
  return isObj(x) && isMs(x.T) && typeof x.m === 'boolean' && typeof x.p === 'string' && typeof x.q === 'string' &&
    (x.s === undefined || typeof x.s === 'string');
}

export function isBingxTicker(x: unknown): x is Obj & BingxTicker {
  return isObj(x) && isMs(x.E) && typeof x.s === 'string';
}

export function isBingxMarkPrice(x: unknown): x is BingxMarkPrice {
  return isObj(x) && isMs(x.E) && typeof x.s === 'string' && (typeof x.p === 'string' || typeof x.p === 'number');
}

/** Spot keepalive {"ping":"<id>","time":"…"}: answered with the same fields under `pong`. */
export function isBingxSpotPing(x: Obj): x is Obj & { ping: string; time: string } {
  return typeof x.ping === 'string' && typeof x.time === 'string';
}

/** REST envelope: {"code":0,"msg":"","data":…}. */
export interface BingxRestBody {
  code: number | string;
  msg?: string;
  data: unknown;
}

export function isBingxRestBody(x: unknown): x is BingxRestBody {
  return isObj(x) && (typeof x.code === 'number' || typeof x.code === 'string') && 'data' in x;
}
