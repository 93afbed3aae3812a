// OKX v5 public websocket and REST messages as sent (PROTOCOLS.md §6; okx docs-v5 "WebSocket
// public channel" and "Market data"), with hand-written guards that check only the fields the
// decoder reads. Names stay verbatim here and are renamed once, in decode.ts.
//
//   push   {"arg":{"channel":"books","instId":"BTC-USDT"},"action":"snapshot"|"update","data":[{…}]}
//   event  {"event":"subscribe"|"unsubscribe"|"error"|"notice",  "arg"?, "code"?, "msg"?, "connId"?}
// Every number the venue means as a decimal (px, sz, rates, ts in ms) is a JSON string; seqId,
// prevSeqId and checksum are JSON numbers.

type Obj = Record<string, unknown>;
export const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

/** A book level: [px, sz, "0" (deprecated liquidated orders), numOrders]; only px and sz are read. */
export type OkxLevel = readonly [string, string, ...string[]];

export interface OkxPush {
  arg: { channel: string; instId?: string };
  action?: string;
  data: unknown[];
}

/** One `books` / `books-l2-tbt` / `books50-l2-tbt` / `books5` / `bbo-tbt` data entry. */
export interface OkxBookData {
  asks: unknown[];
  bids: unknown[];
  /** Exchange time, epoch ms as a decimal string. */
  ts: string;
  /** CRC32 (signed int32) of the top 25 levels after this message; fixed to 0 since 2026-06-23. */
  checksum?: number;
  /** -1 on snapshots. Absent before seqId existed (the 2022 OKX and 2023 OKCoin captures). */
  prevSeqId?: number;
  seqId?: number;
  instId?: string;
}

export interface OkxTrade {
  instId: string;
  tradeId: string;
  px: string;
  sz: string;
  /** Taker side. */
  side: string;
  ts: string;
  /**
   * How many matches of one taker order at one price the push aggregates, `tradeId` being the
   * last one's: it covers ids tradeId-count+1 .. tradeId. Not guarded: anything but a whole
   * number text of 1 or more is read as 1 (decode.ts tradeCount).
   */
  count?: unknown;
}

export interface OkxTicker {
  instId: string;
  last?: string;
  askPx?: string;
  askSz?: string;
  bidPx?: string;
  bidSz?: string;
  open24h?: string;
  high24h?: string;
  low24h?: string;
  /** Spot: quote-currency volume; contracts: base-currency volume. */
  volCcy24h?: string;
  /** Spot: base-currency volume; contracts: number of contracts. */
  vol24h?: string;
  ts: string;
}

export interface OkxFundingRate {
  instId: string;
  fundingRate: string;
  /** Settlement time (epoch ms) of the current period, the one `fundingRate` applies to. */
  fundingTime: string;
  ts?: string;
}

export interface OkxOpenInterest {
  instId: string;
  /** In contracts (oiCcy is the same in the base currency). */
  oi: string;
  ts: string;
}

const MS_RE = /^\d{1,16}$/;
/** An epoch-ms text as OKX sends it. */
export const isMsText = (x: unknown): x is string => typeof x === 'string' && MS_RE.test(x);
const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x);
const isStrOrAbsent = (x: unknown): boolean => x === undefined || typeof x === 'string';

export function isOkxPush(x: Obj): x is Obj & OkxPush {
  return isObj(x.arg) && typeof x.arg.channel === 'string' && isStrOrAbsent(x.arg.instId) && Array.isArray(x.data);
}

/** seqId, when present, is a non-negative integer; prevSeqId (-1 on snapshots) only comes with it. */
export function isOkxBookData(x: unknown): x is OkxBookData {
  if (!isObj(x) || !Array.isArray(x.asks) || !Array.isArray(x.bids) || !isMsText(x.ts)) return false;
  if (x.checksum !== undefined && !isInt(x.checksum)) return false;
  if (x.seqId !== undefined && !(isInt(x.seqId) && x.seqId >= 0)) return false;
  return x.prevSeqId === undefined || (isInt(x.prevSeqId) && x.prevSeqId >= -1 && x.seqId !== undefined);
}

export function isOkxTrade(x: unknown): x is OkxTrade {
  return isObj(x) && typeof x.instId === 'string' && typeof x.tradeId === 'string' && typeof x.px === 'string' &&
    typeof x.sz === 'string' && typeof x.side === 'string' && isMsText(x.ts);
}

export function isOkxTicker(x: unknown): x is OkxTicker {
  return isObj(x) && typeof x.instId === 'string' && isMsText(x.ts) && isStrOrAbsent(x.last) &&
    isStrOrAbsent(x.askPx) && isStrOrAbsent(x.askSz) && isStrOrAbsent(x.bidPx) && isStrOrAbsent(x.bidSz) &&
    isStrOrAbsent(x.open24h) && isStrOrAbsent(x.high24h) && isStrOrAbsent(x.low24h) &&
    isStrOrAbsent(x.volCcy24h) && isStrOrAbsent(x.vol24h);
}

export function isOkxFundingRate(x: unknown): x is OkxFundingRate {
  return isObj(x) && typeof x.instId === 'string' && typeof x.fundingRate === 'string' && isMsText(x.fundingTime) &&
    (x.ts === undefined || isMsText(x.ts));
}

export function isOkxOpenInterest(x: unknown): x is OkxOpenInterest {
  return isObj(x) && typeof x.instId === 'string' && typeof x.oi === 'string' && isMsText(x.ts);
}

/** REST envelope: {"code":"0","msg":"","data":[…]}. */
export interface OkxRestBody {
  code: string;
  msg?: string;
  data: unknown[];
}

export function isOkxRestBody(x: unknown): x is OkxRestBody {
  return isObj(x) && typeof x.code === 'string' && Array.isArray(x.data);
}
