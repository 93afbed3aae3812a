// Binance messages exactly as sent: spot (web-socket-streams.md, rest-api.md; PROTOCOLS.md §1) and
// USDⓈ-M futures (derivatives docs, PROTOCOLS.md §2), whose messages are spot's plus a few fields.
// Field names stay verbatim here and are renamed once, in decode.ts. Each message has a hand-written
// guard (checks only what the decoder reads; used per frame) and a zod twin (used by tests only,
// which keep the two in agreement on every fixture).
import { z } from 'zod';
import { Decimal } from '../../core/events.js';
import { isDecimalText } from '../../book/levels.js';

export type BinanceLevel = [price: string, quantity: string];

/** `<symbol>@depth[@100ms]`: U first update id, u final update id; quantities absolute. */
export interface BinanceDepthUpdate {
  e: 'depthUpdate';
  /** Event time, ms. */
  E: number;
  s: string;
  U: number;
  u: number;
  b: BinanceLevel[];
  a: BinanceLevel[];
}

/** USDⓈ-M `<symbol>@depth[@100ms|@500ms]`: T transaction time, pu = u of the previous event. */
export interface BinanceFuturesDepthUpdate extends BinanceDepthUpdate {
  T: number;
  pu: number;
}

/** `<symbol>@trade`: m = "is the buyer the market maker" (true → the taker sold). */
export interface BinanceTrade {
  e: 'trade';
  E: number;
  s: string;
  t: number;
  p: string;
  q: string;
  T: number;
  m: boolean;
}

/** `<symbol>@aggTrade` (both markets): a = aggregate trade id. */
export interface BinanceAggTrade {
  e: 'aggTrade';
  E: number;
  s: string;
  a: number;
  p: string;
  q: string;
  T: number;
  m: boolean;
}

/** `<symbol>@bookTicker` (spot: no e/E; u shares the order-book update-id space). */
export interface BinanceBookTicker {
  u: number;
  s: string;
  b: string;
  B: string;
  a: string;
  A: string;
}

/** USDⓈ-M `<symbol>@bookTicker`: with e/E/T; u shares the order-book update-id space. */
export interface BinanceFuturesBookTicker extends BinanceBookTicker {
  e: 'bookTicker';
  E: number;
  T: number;
}

/** USDⓈ-M `<symbol>@markPrice[@1s]`: p mark price, i index price, r funding rate, T next funding time (ms); r "" and T 0 without funding. */
export interface BinanceMarkPriceUpdate {
  e: 'markPriceUpdate';
  E: number;
  s: string;
  p: string;
  i: string;
  r: string;
  T: number;
}

/** REST `GET /api/v3/depth`. */
export interface BinanceDepthSnapshot {
  lastUpdateId: number;
  bids: BinanceLevel[];
  asks: BinanceLevel[];
}

/** REST `GET /fapi/v1/depth`. */
export interface BinanceFuturesDepthSnapshot extends BinanceDepthSnapshot {
  E: number;
  T: number;
}

/**
 * REST `GET /fapi/v1/openInterest?symbol=…` (USDⓈ-M only): the open interest of one contract in
 * base-asset units, at `time` (ms). `{"openInterest":"10659.509","symbol":"BTCUSDT","time":1589437530011}`.
 */
export interface BinanceOpenInterest {
  openInterest: string;
  symbol: string;
  time: number;
}

/**
 * REST `GET /api/v3/historicalTrades?symbol&fromId&limit` (spot), one row: the raw trade stream's
 * trade, `id` its `t`. `{"id":28457,"price":"4.00000100","qty":"12.00000000","quoteQty":"48.000012",
 * "time":1499865549590,"isBuyerMaker":true,"isBestMatch":true}`.
 */
export interface BinanceHistoricalTrade {
  id: number;
  price: string;
  qty: string;
  time: number;
  isBuyerMaker: boolean;
}

/**
 * REST `GET aggTrades?symbol&fromId&limit`, one row: the aggTrade stream's event, `a` its id.
 * `{"a":26129,"p":"0.01633102","q":"4.70443515","f":27781,"l":27781,"T":1498793709153,"m":true}`
 * (spot adds `M`).
 */
export interface BinanceAggTradeRow {
  a: number;
  p: string;
  q: string;
  T: number;
  m: boolean;
}

// --- guards (hot path) --------------------------------------------------------------------------

type Obj = Record<string, unknown>;

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isId = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isDec = (x: unknown): x is string => typeof x === 'string' && isDecimalText(x);

export function isBinanceLevels(x: unknown): x is BinanceLevel[] {
  if (!Array.isArray(x)) return false;
  for (let i = 0; i < x.length; i++) {
    const l = x[i];
    if (!Array.isArray(l) || l.length !== 2 || !isDec(l[0]) || !isDec(l[1])) return false;
  }
  return true;
}

export function isBinanceDepthUpdate(x: unknown): x is BinanceDepthUpdate {
  return isObj(x) && x.e === 'depthUpdate' && isId(x.E) && typeof x.s === 'string' && isId(x.U) && isId(x.u) &&
    isBinanceLevels(x.b) && isBinanceLevels(x.a);
}

export function isBinanceFuturesDepthUpdate(x: unknown): x is BinanceFuturesDepthUpdate {
  return isObj(x) && isId(x.T) && isId(x.pu) && isBinanceDepthUpdate(x);
}

export function isBinanceTrade(x: unknown): x is BinanceTrade {
  return isObj(x) && x.e === 'trade' && isId(x.E) && typeof x.s === 'string' && isId(x.t) && isDec(x.p) && isDec(x.q) &&
    isId(x.T) && typeof x.m === 'boolean';
}

export function isBinanceAggTrade(x: unknown): x is BinanceAggTrade {
  return isObj(x) && x.e === 'aggTrade' && isId(x.E) && typeof x.s === 'string' && isId(x.a) && isDec(x.p) && isDec(x.q) &&
    isId(x.T) && typeof x.m === 'boolean';
}

export function isBinanceBookTicker(x: unknown): x is BinanceBookTicker {
  return isObj(x) && isId(x.u) && typeof x.s === 'string' && isDec(x.b) && isDec(x.B) && isDec(x.a) && isDec(x.A);
}

export function isBinanceFuturesBookTicker(x: unknown): x is BinanceFuturesBookTicker {
  return isObj(x) && x.e === 'bookTicker' && isId(x.E) && isId(x.T) && isBinanceBookTicker(x);
}

export function isBinanceMarkPriceUpdate(x: unknown): x is BinanceMarkPriceUpdate {
  // Delivery contracts send r "" and T 0 (no funding).
  return isObj(x) && x.e === 'markPriceUpdate' && isId(x.E) && typeof x.s === 'string' && isDec(x.p) && isDec(x.i) &&
    (x.r === '' || isDec(x.r)) && isId(x.T);
}

export function isBinanceDepthSnapshot(x: unknown): x is BinanceDepthSnapshot {
  return isObj(x) && isId(x.lastUpdateId) && isBinanceLevels(x.bids) && isBinanceLevels(x.asks);
}

export function isBinanceFuturesDepthSnapshot(x: unknown): x is BinanceFuturesDepthSnapshot {
  return isObj(x) && isId(x.E) && isId(x.T) && isBinanceDepthSnapshot(x);
}

export function isBinanceOpenInterest(x: unknown): x is BinanceOpenInterest {
  return isObj(x) && isDec(x.openInterest) && !x.openInterest.startsWith('-') && typeof x.symbol === 'string' && isId(x.time);
}

export function isBinanceHistoricalTrade(x: unknown): x is BinanceHistoricalTrade {
  return isObj(x) && isId(x.id) && isDec(x.price) && isDec(x.qty) && isId(x.time) && typeof x.isBuyerMaker === 'boolean';
}

export function isBinanceAggTradeRow(x: unknown): x is BinanceAggTradeRow {
  return isObj(x) && isId(x.a) && isDec(x.p) && isDec(x.q) && isId(x.T) && typeof x.m === 'boolean';
}

// --- zod twins (tests and REST only) ------------------------------------------------------------

const Id = z.number().int().nonnegative();
export const BinanceLevelSchema = z.tuple([Decimal, Decimal]);
export const BinanceDepthUpdateSchema = z.object({
  e: z.literal('depthUpdate'), E: Id, s: z.string(), U: Id, u: Id,
  b: z.array(BinanceLevelSchema), a: z.array(BinanceLevelSchema),
});
export const BinanceFuturesDepthUpdateSchema = BinanceDepthUpdateSchema.extend({ T: Id, pu: Id });
export const BinanceTradeSchema = z.object({
  e: z.literal('trade'), E: Id, s: z.string(), t: Id, p: Decimal, q: Decimal, T: Id, m: z.boolean(),
});
export const BinanceAggTradeSchema = z.object({
  e: z.literal('aggTrade'), E: Id, s: z.string(), a: Id, p: Decimal, q: Decimal, T: Id, m: z.boolean(),
});
export const BinanceBookTickerSchema = z.object({
  u: Id, s: z.string(), b: Decimal, B: Decimal, a: Decimal, A: Decimal,
});
export const BinanceFuturesBookTickerSchema = BinanceBookTickerSchema.extend({ e: z.literal('bookTicker'), E: Id, T: Id });
export const BinanceMarkPriceUpdateSchema = z.object({
  e: z.literal('markPriceUpdate'), E: Id, s: z.string(), p: Decimal, i: Decimal, r: z.union([z.literal(''), Decimal]), T: Id,
});
export const BinanceDepthSnapshotSchema = z.object({
  lastUpdateId: Id, bids: z.array(BinanceLevelSchema), asks: z.array(BinanceLevelSchema),
});
export const BinanceFuturesDepthSnapshotSchema = BinanceDepthSnapshotSchema.extend({ E: Id, T: Id });
export const BinanceHistoricalTradeSchema = z.object({
  id: Id, price: Decimal, qty: Decimal, time: Id, isBuyerMaker: z.boolean(),
});
export const BinanceAggTradeRowSchema = z.object({ a: Id, p: Decimal, q: Decimal, T: Id, m: z.boolean() });
export const BinanceOpenInterestSchema = z.object({
  openInterest: Decimal.refine((v) => !v.startsWith('-'), 'not negative'), symbol: z.string(), time: Id,
});
