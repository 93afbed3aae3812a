// Bitget public websocket messages as sent (v2 `wss://ws.bitget.com/v2/ws/public` and the v1
// `/spot/v1/stream`, `/mix/v1/stream` of the 2022 captures share one envelope), with guards that
// check only what the decoder reads. Names stay verbatim here; decode.ts renames them.
//
//   push:    {"action":"snapshot"|"update","arg":{"instType","channel","instId"},"data":[…],"ts"?}
//   event:   {"event":"subscribe"|"unsubscribe","arg":{…}} | {"event":"error","code":30001,"msg":"…"}
//   books:   data[0] = {"asks":[[px,sz]…],"bids":[[px,sz]…],"checksum":int32,"ts":"ms","seq"?:n}
//   trade:   v2 data = [{"ts":"ms","price","size","side","tradeId"}…]; v1 data = [["ms",px,sz,side]…]
//   ticker:  v2 {"lastPr","bidPr","askPr","bidSz","askSz","open24h","high24h","low24h","baseVolume",
//            "quoteVolume","ts", futures also "markPrice","indexPrice","fundingRate",
//            "nextFundingTime","holdingAmount"}; v1 {"last","bestBid","bestAsk",…, mix "capitalRate",
//            "nextSettleTime","holding","systemTime"}
import { isDecimalText } from '../../book/levels.js';

export type Obj = Record<string, unknown>;
export const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

export interface BitgetArg {
  instType: string;
  channel: string;
  instId: string;
}

export interface BitgetPush {
  action: string;
  arg: BitgetArg;
  data: unknown[];
  ts?: unknown;
}

export interface BitgetBookData {
  asks: unknown[];
  bids: unknown[];
  checksum?: unknown;
  ts?: unknown;
  seq?: unknown;
}

export interface BitgetTradeV2 {
  ts: string | number;
  price: string;
  size: string;
  side: string;
  tradeId: string;
}

/** A v1 trade row: [ts ms, price, size, side]. */
export type BitgetTradeV1 = [string, string, string, string];

export function isBitgetArg(x: unknown): x is BitgetArg {
  return isObj(x) && typeof x.instType === 'string' && typeof x.channel === 'string' && typeof x.instId === 'string';
}

export function isBitgetPush(x: Obj): x is Obj & BitgetPush {
  return typeof x.action === 'string' && isBitgetArg(x.arg) && Array.isArray(x.data);
}

export function isBitgetBookData(x: unknown): x is BitgetBookData {
  return isObj(x) && Array.isArray(x.asks) && Array.isArray(x.bids);
}

/** A level `[price, amount, …]` whose first two items are decimal texts. */
export function isLevel(x: unknown): x is [string, string] {
  return Array.isArray(x) && x.length >= 2 && typeof x[0] === 'string' && typeof x[1] === 'string' && isDecimalText(x[0]) && isDecimalText(x[1]);
}

/** Epoch milliseconds as a JSON number or digit string ("1649290077611"). */
export function msOf(x: unknown): number | undefined {
  const n = typeof x === 'number' ? x : typeof x === 'string' && /^\d{1,16}$/.test(x) ? Number(x) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

const SIDES = new Set(['buy', 'sell']);

export function isBitgetTradeV2(x: unknown): x is BitgetTradeV2 {
  return isObj(x) && msOf(x.ts) !== undefined && typeof x.price === 'string' && isDecimalText(x.price)
    && typeof x.size === 'string' && isDecimalText(x.size) && typeof x.side === 'string' && SIDES.has(x.side)
    && typeof x.tradeId === 'string' && x.tradeId !== '';
}

export function isBitgetTradeV1(x: unknown): x is BitgetTradeV1 {
  return Array.isArray(x) && x.length >= 4 && msOf(x[0]) !== undefined && typeof x[1] === 'string' && isDecimalText(x[1])
    && typeof x[2] === 'string' && isDecimalText(x[2]) && typeof x[3] === 'string' && SIDES.has(x[3]);
}

/** A field that is a decimal text, else undefined (tickers omit or blank fields freely). */
export function decimalField(o: Obj, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' && isDecimalText(v) ? v : undefined;
}
