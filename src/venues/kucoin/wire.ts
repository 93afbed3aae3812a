// KuCoin Classic messages exactly as sent (PROTOCOLS-MORE.md §5; SDK spec Kucoin/kucoin-universal-sdk
// @78c90c77 and the 2021/2026 recordings in protocol-vectors/kucoin.json). Field names stay verbatim
// here and are renamed once, in decode.ts. Each message has a hand-written guard (only the fields
// the decoder reads; used per frame) and a zod twin (tests only, which keep the two in agreement).
//
// Futures mark/index, funding and depth5 frames and the futures REST book go through parseLossless
// (lossless.ts): their numbers arrive as lexeme strings, so those types say `string` where the wire
// has a JSON number. Executions and tickers take plain JSON.parse: their sizes are whole contracts
// (exact as doubles) and their one unsafe number, the ns `ts`, is read from the text (decode.ts).
import { z } from 'zod';
import { isDecimalText } from '../../book/levels.js';

/** Every push: `{"type":"message","topic":"/market/level2:BTC-USDT","subject":"trade.l2update","data":{…}}`. */
export interface KucoinMessage {
  type: 'message';
  topic: string;
  subject?: string;
  data: Record<string, unknown>;
}

/** `[price, size, sequence]`, all strings; price "0" is a sequence-only change (§5.2). */
export type KucoinChange = [price: string, size: string, sequence: string];

/** Spot `/market/level2:SYM` (`trade.l2update`). Newer frames add `time` (ms). */
export interface KucoinSpotLevel2 {
  sequenceStart: number;
  sequenceEnd: number;
  symbol: string;
  changes: { asks: KucoinChange[]; bids: KucoinChange[] };
  time?: number;
}

/** Spot `/market/match:SYM` (`trade.l3match`): side is the taker's; time ns as a string; ids may pass 2^53. */
export interface KucoinSpotMatch {
  symbol: string;
  side: 'buy' | 'sell';
  price: string;
  size: string;
  tradeId: string;
  time: string;
}

/** Spot `/market/ticker:SYM` (`trade.ticker`): best bid/ask at `sequence` (the level2 space), time ms. */
export interface KucoinSpotTicker {
  sequence: string;
  price: string;
  bestBid: string;
  bestBidSize: string;
  bestAsk: string;
  bestAskSize: string;
  time: number;
}

/** Spot `/spotMarket/level2Depth5|50:SYM`: the whole top N every 100 ms (no sequence). */
export interface KucoinSpotDepthN {
  asks: [string, string][];
  bids: [string, string][];
  timestamp: number;
}

/** Futures `/contractMarket/level2:SYM` (`level2`): one change `"price,side,size"`, sequence +1 per message. */
export interface KucoinFuturesLevel2 {
  sequence: number;
  change: string;
  timestamp: number;
}

/** Futures `/contractMarket/execution:SYM` (`match`): size in contracts; ts ns (its double is inexact). */
export interface KucoinFuturesExecution {
  symbol: string;
  side: 'buy' | 'sell';
  size: number;
  price: string;
  tradeId: string;
  ts: number;
}

/** Futures `/contractMarket/tickerV2:SYM` (`tickerV2`; v1 `ticker` adds price, size, tradeId): sizes in contracts, ts ns. */
export interface KucoinTickerV2 {
  symbol: string;
  sequence: number;
  bestBidPrice: string;
  bestBidSize: number;
  bestAskPrice: string;
  bestAskSize: number;
  ts: number;
}

/** Futures `/contract/instrument:SYM` subject `mark.index.price`, lossless. */
export interface KucoinMarkIndex {
  markPrice: string;
  indexPrice: string;
  timestamp: string;
}

/** Futures `/contract/instrument:SYM` subject `funding.rate`, lossless (no next funding time). */
export interface KucoinFundingRate {
  fundingRate: string;
  timestamp: string;
}

/** REST spot `GET /api/v1/market/orderbook/level2_{20,100}` (and the keyed v3 full book) `data`. */
export interface KucoinSpotBook {
  time: number;
  sequence: string;
  bids: [string, string][];
  asks: [string, string][];
}

/** REST futures `GET /api/v1/level2/snapshot` `data`, lossless: levels are JSON numbers, ts ns. */
export interface KucoinFuturesBook {
  sequence: string;
  bids: [string, string][];
  asks: [string, string][];
  ts: string;
}

/** REST `POST /api/v1/bullet-public` `data`. */
export interface KucoinBullet {
  token: string;
  instanceServers: { endpoint: string; pingInterval?: number; pingTimeout?: number }[];
}

// --- guards (hot path) --------------------------------------------------------------------------

type Obj = Record<string, unknown>;

export const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isId = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isDec = (x: unknown): x is string => typeof x === 'string' && isDecimalText(x);
const DIGITS_RE = /^\d{1,16}$/;
/** A sequence id as text that fits a double exactly (KuCoin level2 sequences are 13 digits today). */
export const isSeqText = (x: unknown): x is string => typeof x === 'string' && DIGITS_RE.test(x) && Number.isSafeInteger(Number(x));
const isSide = (x: unknown): x is 'buy' | 'sell' => x === 'buy' || x === 'sell';
const isNs = (x: unknown): x is string => typeof x === 'string' && /^\d{10,}$/.test(x);
const isMsText = (x: unknown): x is string => typeof x === 'string' && DIGITS_RE.test(x);
/** Whole contracts (futures sizes): exact as a double, so its text is String(n). */
const isContracts = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
/** Epoch ns as JSON.parse gives it (inexact above 2^53: decode.ts reads the digits from the text). */
const isNsNumber = (x: unknown): x is number => typeof x === 'number' && x >= 1e18 && x < 1e19;

export function isKucoinMessage(x: unknown): x is KucoinMessage {
  return isObj(x) && x.type === 'message' && typeof x.topic === 'string' && isObj(x.data);
}

function isChanges(x: unknown): x is KucoinChange[] {
  if (!Array.isArray(x)) return false;
  for (let i = 0; i < x.length; i++) {
    const c = x[i];
    if (!Array.isArray(c) || c.length !== 3 || !isDec(c[0]) || !isDec(c[1]) || !isSeqText(c[2])) return false;
  }
  return true;
}

function isLevels(x: unknown): x is [string, string][] {
  if (!Array.isArray(x)) return false;
  for (let i = 0; i < x.length; i++) {
    const l = x[i];
    if (!Array.isArray(l) || l.length < 2 || !isDec(l[0]) || !isDec(l[1])) return false;
  }
  return true;
}

export function isKucoinSpotLevel2(x: unknown): x is KucoinSpotLevel2 {
  return isObj(x) && isId(x.sequenceStart) && isId(x.sequenceEnd) && typeof x.symbol === 'string' && isObj(x.changes) &&
    isChanges(x.changes.asks) && isChanges(x.changes.bids) && (x.time === undefined || isId(x.time));
}

export function isKucoinSpotMatch(x: unknown): x is KucoinSpotMatch {
  return isObj(x) && typeof x.symbol === 'string' && isSide(x.side) && isDec(x.price) && isDec(x.size) &&
    typeof x.tradeId === 'string' && x.tradeId !== '' && isNs(x.time);
}

export function isKucoinSpotTicker(x: unknown): x is KucoinSpotTicker {
  return isObj(x) && isSeqText(x.sequence) && isDec(x.price) && isDec(x.bestBid) && isDec(x.bestBidSize) &&
    isDec(x.bestAsk) && isDec(x.bestAskSize) && isId(x.time);
}

export function isKucoinSpotDepthN(x: unknown): x is KucoinSpotDepthN {
  return isObj(x) && isLevels(x.asks) && isLevels(x.bids) && isId(x.timestamp);
}

export function isKucoinFuturesLevel2(x: unknown): x is KucoinFuturesLevel2 {
  return isObj(x) && isId(x.sequence) && typeof x.change === 'string' && isId(x.timestamp);
}

export function isKucoinFuturesExecution(x: unknown): x is KucoinFuturesExecution {
  return isObj(x) && typeof x.symbol === 'string' && isSide(x.side) && isContracts(x.size) && isDec(x.price) &&
    typeof x.tradeId === 'string' && x.tradeId !== '' && isNsNumber(x.ts);
}

export function isKucoinTickerV2(x: unknown): x is KucoinTickerV2 {
  return isObj(x) && typeof x.symbol === 'string' && isId(x.sequence) && isDec(x.bestBidPrice) && isContracts(x.bestBidSize) &&
    isDec(x.bestAskPrice) && isContracts(x.bestAskSize) && isNsNumber(x.ts);
}

/** Futures level2Depth5/50, lossless: the whole top N (sizes in contracts), timestamp ms. */
export function isKucoinFuturesDepthN(x: unknown): x is { asks: [string, string][]; bids: [string, string][]; timestamp: string } {
  return isObj(x) && isLevels(x.asks) && isLevels(x.bids) && isMsText(x.timestamp);
}

export function isKucoinMarkIndex(x: unknown): x is KucoinMarkIndex {
  return isObj(x) && isDec(x.markPrice) && isDec(x.indexPrice) && isMsText(x.timestamp);
}

export function isKucoinFundingRate(x: unknown): x is KucoinFundingRate {
  return isObj(x) && isDec(x.fundingRate) && isMsText(x.timestamp);
}

export function isKucoinSpotBook(x: unknown): x is KucoinSpotBook {
  return isObj(x) && isId(x.time) && isSeqText(x.sequence) && isLevels(x.bids) && isLevels(x.asks);
}

export function isKucoinFuturesBook(x: unknown): x is KucoinFuturesBook {
  return isObj(x) && isSeqText(x.sequence) && isLevels(x.bids) && isLevels(x.asks) && (x.ts === undefined || isNs(x.ts));
}

export function isKucoinBullet(x: unknown): x is KucoinBullet {
  if (!isObj(x) || typeof x.token !== 'string' || x.token === '' || !Array.isArray(x.instanceServers) || x.instanceServers.length === 0) return false;
  for (const s of x.instanceServers) {
    if (!isObj(s) || typeof s.endpoint !== 'string' || !/^wss?:\/\//.test(s.endpoint)) return false;
    if (s.pingInterval !== undefined && !(isId(s.pingInterval) && s.pingInterval > 0)) return false;
  }
  return true;
}

// --- zod twins (tests and REST only) ------------------------------------------------------------

const Id = z.number().int().nonnegative();
const Dec = z.string().refine(isDecimalText, 'a decimal number as text');
const SeqText = z.string().refine(isSeqText, 'a sequence id as digits below 2^53');
const Ns = z.string().regex(/^\d{10,}$/);
const MsText = z.string().regex(/^\d{1,16}$/);
const Side = z.enum(['buy', 'sell']);
const Change = z.tuple([Dec, Dec, SeqText]);
const Level = z.tuple([Dec, Dec]).rest(z.unknown());

export const KucoinMessageSchema = z.object({ type: z.literal('message'), topic: z.string(), subject: z.string().optional(), data: z.record(z.string(), z.unknown()) });
export const KucoinSpotLevel2Schema = z.object({
  sequenceStart: Id, sequenceEnd: Id, symbol: z.string(), changes: z.object({ asks: z.array(Change), bids: z.array(Change) }), time: Id.optional(),
});
export const KucoinSpotMatchSchema = z.object({ symbol: z.string(), side: Side, price: Dec, size: Dec, tradeId: z.string().min(1), time: Ns });
export const KucoinSpotTickerSchema = z.object({
  sequence: SeqText, price: Dec, bestBid: Dec, bestBidSize: Dec, bestAsk: Dec, bestAskSize: Dec, time: Id,
});
export const KucoinSpotDepthNSchema = z.object({ asks: z.array(Level), bids: z.array(Level), timestamp: Id });
export const KucoinFuturesLevel2Schema = z.object({ sequence: Id, change: z.string(), timestamp: Id });
const Contracts = z.number().int().nonnegative().refine(Number.isSafeInteger);
const NsNumber = z.number().min(1e18).max(1e19 - 1);
export const KucoinFuturesExecutionSchema = z.object({ symbol: z.string(), side: Side, size: Contracts, price: Dec, tradeId: z.string().min(1), ts: NsNumber });
export const KucoinTickerV2Schema = z.object({
  symbol: z.string(), sequence: Id, bestBidPrice: Dec, bestBidSize: Contracts, bestAskPrice: Dec, bestAskSize: Contracts, ts: NsNumber,
});
export const KucoinFuturesDepthNSchema = z.object({ asks: z.array(Level), bids: z.array(Level), timestamp: MsText });
export const KucoinMarkIndexSchema = z.object({ markPrice: Dec, indexPrice: Dec, timestamp: MsText });
export const KucoinFundingRateSchema = z.object({ fundingRate: Dec, timestamp: MsText });
export const KucoinSpotBookSchema = z.object({ time: Id, sequence: SeqText, bids: z.array(Level), asks: z.array(Level) });
export const KucoinFuturesBookSchema = z.object({ sequence: SeqText, bids: z.array(Level), asks: z.array(Level), ts: Ns.optional() });
