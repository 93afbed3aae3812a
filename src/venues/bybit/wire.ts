// Bybit v5 public websocket and REST messages as sent (PROTOCOLS-MORE.md §1; bybit-exchange/docs
// @072c197d docs/v5/websocket/public/{orderbook,trade,ticker,all-liquidation}.mdx, docs/v5/market/*),
// with hand-written guards that check only the fields the decoder reads. Names stay verbatim here
// and are renamed once, in decode.ts.
//
//   push       {"topic":"orderbook.50.BTCUSDT","type":"snapshot"|"delta","ts":ms,"data":{…}|[…],"cts"?:ms,"cs"?:n}
//   op answer  {"success":true,"ret_msg":"subscribe"|""|"pong"|…,"conn_id":"…","req_id"?:"…","op":"subscribe"|"ping"|…}
// Prices and sizes are JSON strings; times (ms), u and seq are JSON numbers (seq ≈ 7.6e11, safe).
// Key order differs by market (spot writes "ts" before "type"): only parsed JSON is read.

type Obj = Record<string, unknown>;
export const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

const isUint = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isStrOrAbsent = (x: unknown): boolean => x === undefined || typeof x === 'string';

export interface BybitPush {
  topic: string;
  type?: string;
  /** System time, epoch ms. */
  ts: number;
  data: unknown;
  /** Matching-engine time (book topics), epoch ms. */
  cts?: number;
}

/** `data` of `orderbook.{depth}.{symbol}`: b descending, a ascending, sizes absolute ("0" deletes). */
export interface BybitBookData {
  s: string;
  b: unknown[];
  a: unknown[];
  /** Update id: +1 per message per topic; 1 after a service restart. */
  u: number;
  /** Cross sequence: increasing, not contiguous, comparable across depths of a symbol. */
  seq: number;
}

/** One `publicTrade` entry. */
export interface BybitTrade {
  /** Trade time, epoch ms. */
  T: number;
  s: string;
  /** Taker side, "Buy" | "Sell". */
  S: string;
  v: string;
  p: string;
  /** Trade id: a UUID on linear, a 19-digit numeric string on spot. */
  i: string;
  /** Cross sequence (since 2025-08-05); every trade of one match shares it. */
  seq?: number;
}

/** `tickers` data: every field but `symbol` may be absent from a linear delta (unchanged). */
export interface BybitTicker {
  symbol: string;
  lastPrice?: string;
  prevPrice24h?: string;
  highPrice24h?: string;
  lowPrice24h?: string;
  volume24h?: string;
  turnover24h?: string;
  markPrice?: string;
  indexPrice?: string;
  fundingRate?: string;
  /** Epoch ms as a string. */
  nextFundingTime?: string;
  openInterest?: string;
}

/** The ticker fields the decoder reads (every one a decimal text except nextFundingTime, ms). */
export const TICKER_FIELDS = [
  'lastPrice', 'prevPrice24h', 'highPrice24h', 'lowPrice24h', 'volume24h', 'turnover24h',
  'markPrice', 'indexPrice', 'fundingRate', 'nextFundingTime', 'openInterest',
] as const;
export type TickerField = (typeof TICKER_FIELDS)[number];

/** One `allLiquidation` entry. */
export interface BybitLiquidation {
  T: number;
  s: string;
  /** Position side: "Buy" = a long position was liquidated. */
  S: string;
  v: string;
  p: string;
}

export function isBybitPush(x: Obj): x is Obj & BybitPush {
  return typeof x.topic === 'string' && isUint(x.ts) && x.data !== undefined && (x.type === undefined || typeof x.type === 'string') &&
    (x.cts === undefined || isUint(x.cts));
}

export function isBybitBookData(x: unknown): x is BybitBookData {
  return isObj(x) && typeof x.s === 'string' && Array.isArray(x.b) && Array.isArray(x.a) && isUint(x.u) && isUint(x.seq);
}

export function isBybitTrade(x: unknown): x is BybitTrade {
  return isObj(x) && isUint(x.T) && typeof x.s === 'string' && typeof x.S === 'string' && typeof x.v === 'string' &&
    typeof x.p === 'string' && typeof x.i === 'string' && (x.seq === undefined || isUint(x.seq));
}

export function isBybitTicker(x: unknown): x is BybitTicker {
  if (!isObj(x) || typeof x.symbol !== 'string') return false;
  for (let i = 0; i < TICKER_FIELDS.length; i++) if (!isStrOrAbsent(x[TICKER_FIELDS[i]])) return false;
  return true;
}

export function isBybitLiquidation(x: unknown): x is BybitLiquidation {
  return isObj(x) && isUint(x.T) && typeof x.s === 'string' && typeof x.S === 'string' && typeof x.v === 'string' && typeof x.p === 'string';
}

/** REST envelope: {"retCode":0,"retMsg":"OK","result":{…},"retExtInfo":{},"time":ms}. */
export interface BybitRestBody {
  retCode: number;
  retMsg?: string;
  result: Obj;
}

export function isBybitRestBody(x: unknown): x is BybitRestBody {
  return isObj(x) && typeof x.retCode === 'number' && isObj(x.result) && isStrOrAbsent(x.retMsg);
}

