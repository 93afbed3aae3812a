// MEXC JSON texts as sent (PROTOCOLS-MORE.md §4.1, §4.2): the spot socket's control replies, and
// every futures (contract) message. Contract prices and sizes are bare JSON numbers, printed with
// the contract's decimals; a level is [price, contracts, orderCount].
import type { Formatter } from '../instruments.js';
import type { SimTrade } from '../market.js';

/** Spot: a subscription (or unsubscription) answered for these topics; PONG; a refusal. */
export const spotAck = (topics: readonly string[]): string => `{"id":0,"code":0,"msg":${JSON.stringify(topics.join(','))}}`;
export const SPOT_PONG = '{"id":0,"code":0,"msg":"PONG"}';
export const spotRefusal = (topic: string): string => `{"id":0,"code":0,"msg":${JSON.stringify(`Not Subscribed successfully! [${topic}].  Reason： Blocked! `)}}`;

/** Orders at a level: made up from the size (1–7), 0 for a delete. */
const orders = (lots: number): number => (lots === 0 ? 0 : 1 + (lots % 7));

/** `[[price,contracts,orders],…]`. */
export function contractLevels(fmt: Formatter, ticks: readonly number[], lots: readonly number[], n = ticks.length): string {
  let s = '[';
  for (let i = 0; i < n && i < ticks.length; i++) {
    if (i > 0) s += ',';
    s += `[${fmt.price(ticks[i])},${fmt.qty(lots[i])},${orders(lots[i])}]`;
  }
  return s + ']';
}

/**
 * `push.depth`: merged (the default) when it covers several versions — `begin`..`end`, version ==
 * end — and a single push (version alone) when it covers one.
 */
export function pushDepth(symbol: string, bids: string, asks: string, begin: number, end: number, tsMs: number): string {
  const range = begin === end ? '' : `"begin":${begin},"end":${end},`;
  return `{"channel":"push.depth","data":{"asks":${asks},"bids":${bids},${range}"version":${end}},"symbol":"${symbol}","ts":${tsMs}}`;
}

export function pushDepthFull(symbol: string, bids: string, asks: string, version: number, tsMs: number): string {
  return `{"channel":"push.depth.full","data":{"asks":${asks},"bids":${bids},"version":${version}},"symbol":"${symbol}","ts":${tsMs}}`;
}

/** `push.deal` as frames since 2025 carry it: an array of {p, v, T, O, M, t}. */
export function pushDeals(fmt: Formatter, symbol: string, trades: readonly SimTrade[], tsMs: number): string {
  let s = '[';
  for (let i = 0; i < trades.length; i++) {
    const t = trades[i];
    if (i > 0) s += ',';
    s += `{"p":${fmt.price(t.ticks)},"v":${fmt.qty(t.lots)},"T":${t.buyerMaker ? 2 : 1},"O":3,"M":2,"t":${t.timeMs}}`;
  }
  return `{"symbol":"${symbol}","data":${s}],"channel":"push.deal","ts":${tsMs}}`;
}

export interface ContractTicker {
  symbol: string;
  lastPrice: string;
  bid1: string;
  ask1: string;
  fairPrice: string;
  indexPrice: string;
  fundingRate: string;
  holdVol: string;
  high24Price: string;
  lower24Price: string;
  volume24: string;
  amount24: string;
  riseFallRate: string;
  timestampMs: number;
}

/** The ticker's data object (push.ticker and REST /contract/ticker share it). */
export function tickerData(t: ContractTicker): string {
  return `{"ask1":${t.ask1},"bid1":${t.bid1},"contractId":1,"fairPrice":${t.fairPrice},"fundingRate":${t.fundingRate},`
    + `"high24Price":${t.high24Price},"indexPrice":${t.indexPrice},"lastPrice":${t.lastPrice},"lower24Price":${t.lower24Price},`
    + `"maxBidPrice":${t.ask1},"minAskPrice":${t.bid1},"riseFallRate":${t.riseFallRate},"riseFallValue":0,"symbol":"${t.symbol}",`
    + `"timestamp":${t.timestampMs},"holdVol":${t.holdVol},"volume24":${t.volume24},"amount24":${t.amount24}}`;
}

export const pushTicker = (t: ContractTicker): string => `{"channel":"push.ticker","data":${tickerData(t)},"symbol":"${t.symbol}","ts":${t.timestampMs}}`;

export const contractPong = (tsMs: number): string => `{"channel":"pong","data":${tsMs}}`;
export const contractAck = (method: string, tsMs: number): string => `{"channel":"rs.${method}","data":"success","ts":${tsMs}}`;
export const contractError = (message: string, tsMs: number): string => `{"channel":"rs.error","data":${JSON.stringify(message)},"ts":${tsMs}}`;

/** Malformed contract frames, rotated: none carries usable data. */
export function malformedContract(n: number, symbol: string): string {
  switch (n % 4) {
    case 0: // truncated JSON
      return `{"channel":"push.depth","data":{"asks":[[60000.5,12,1],[`;
    case 1: // wrong types
      return `{"channel":"push.depth","data":{"asks":"x","bids":{},"version":"abc"},"symbol":"${symbol}","ts":5}`;
    case 2: // missing fields
      return `{"channel":"push.deal","symbol":"${symbol}","ts":1}`;
    default: // not JSON at all
      return '\u0000<html>502 Bad Gateway</html>\uFFFD';
  }
}
