// KuCoin Classic messages as sent (PROTOCOLS-MORE.md §5; shapes as in protocol-vectors/kucoin.json,
// the 2021 cryptofeed capture and the SDK spec examples). Spot prices and sizes are strings; futures
// sizes are contract counts and several futures fields are JSON numbers, nanosecond timestamps
// included (written here as `<ms>000000`, digits only, as the venue sends them).
import type { SimTrade } from '../market.js';

/** One spot change as sent: `[price, size, sequence]`. */
export type SpotChange = [price: string, size: string, sequence: number];

export const welcome = (id: string): string => `{"id":"${id}","type":"welcome"}`;
export const ack = (id: string): string => `{"id":"${id}","type":"ack"}`;
export const pong = (id: string, nowMs: number): string => `{"id":"${id}","type":"pong","timestamp":${nowMs * 1000}}`;
export const wsError = (id: string, code: number, data: string): string => `{"id":"${id}","type":"error","code":${code},"data":${JSON.stringify(data)}}`;

const changes = (list: readonly SpotChange[]): string => {
  let s = '[';
  for (let i = 0; i < list.length; i++) s += `${i > 0 ? ',' : ''}["${list[i][0]}","${list[i][1]}","${list[i][2]}"]`;
  return s + ']';
};

/** Spot `/market/level2:SYM` (`trade.l2update`), the 2026 shape (with `time`). */
export function spotLevel2(sym: string, start: number, end: number, asks: readonly SpotChange[], bids: readonly SpotChange[], timeMs: number): string {
  return `{"type":"message","topic":"/market/level2:${sym}","subject":"trade.l2update","data":{"changes":{"asks":${changes(asks)},"bids":${changes(bids)}},`
    + `"sequenceEnd":${end},"sequenceStart":${start},"symbol":"${sym}","time":${timeMs}}}`;
}

/** Futures `/contractMarket/level2:SYM`: one change, `sn` = `sequence`. */
export function futuresLevel2(sym: string, sequence: number, price: string, side: 'buy' | 'sell', size: string, timeMs: number): string {
  return `{"topic":"/contractMarket/level2:${sym}","type":"message","subject":"level2","sn":${sequence},`
    + `"data":{"sequence":${sequence},"change":"${price},${side},${size}","timestamp":${timeMs}}}`;
}

const takerSide = (t: SimTrade): 'buy' | 'sell' => (t.buyerMaker ? 'sell' : 'buy');
const orderId = (n: number): string => (0x6a7c6b44e1328b00n + BigInt(n)).toString(16);

/**
 * Spot `/market/match:SYM` (`trade.l3match`): time ns as a string. Since 2026 the match `sequence`
 * is a 17-digit space of its own (past 2^53, so text); the trade id stays the model's (below 2^53,
 * which the recorder's duplicate-trade filter needs across a socket rotation).
 */
export function spotMatch(sym: string, t: SimTrade, price: string, size: string): string {
  const sequence = (23_898_084_682_000_000n + BigInt(t.id)).toString();
  return `{"topic":"/market/match:${sym}","type":"message","subject":"trade.l3match","data":{"makerOrderId":"${orderId(t.id * 2)}",`
    + `"price":"${price}","sequence":"${sequence}","side":"${takerSide(t)}","size":"${size}","symbol":"${sym}",`
    + `"takerOrderId":"${orderId(t.id * 2 + 1)}","time":"${t.timeMs}000000","tradeId":"${t.id}","type":"match"}}`;
}

/** Futures `/contractMarket/execution:SYM` (`match`): size in contracts and ts ns as JSON numbers. */
export function futuresExecution(sym: string, t: SimTrade, price: string, size: string, sequence: number): string {
  return `{"topic":"/contractMarket/execution:${sym}","type":"message","subject":"match","sn":${sequence},"data":{"symbol":"${sym}",`
    + `"sequence":${sequence},"side":"${takerSide(t)}","size":${size},"price":"${price}","takerOrderId":"${orderId(t.id * 2 + 1)}",`
    + `"makerOrderId":"${orderId(t.id * 2)}","tradeId":"${t.id}","ts":${t.timeMs}000000}}`;
}

export interface Top {
  bid: string;
  bidSize: string;
  ask: string;
  askSize: string;
}

/** Spot `/market/ticker:SYM` (`trade.ticker`): the best bid/ask at the book's `sequence`, last trade. */
export function spotTicker(sym: string, sequence: number, top: Top, last: string, lastSize: string, timeMs: number): string {
  return `{"type":"message","topic":"/market/ticker:${sym}","subject":"trade.ticker","data":{"sequence":"${sequence}","price":"${last}",`
    + `"size":"${lastSize}","bestAsk":"${top.ask}","bestAskSize":"${top.askSize}","bestBid":"${top.bid}","bestBidSize":"${top.bidSize}","time":${timeMs}}}`;
}

/** Futures `/contractMarket/tickerV2:SYM`: the best bid/ask at the book's `sequence`; sizes in contracts. */
export function tickerV2(sym: string, sequence: number, top: Top, timeMs: number): string {
  return `{"topic":"/contractMarket/tickerV2:${sym}","type":"message","subject":"tickerV2","sn":${sequence},"data":{"symbol":"${sym}",`
    + `"sequence":${sequence},"bestBidSize":${top.bidSize},"bestBidPrice":"${top.bid}","bestAskPrice":"${top.ask}","bestAskSize":${top.askSize},"ts":${timeMs}000000}}`;
}

/** Futures `/contract/instrument:SYM`, subject `mark.index.price` (numbers). */
export function markIndex(sym: string, mark: string, index: string, timeMs: number): string {
  return `{"topic":"/contract/instrument:${sym}","type":"message","subject":"mark.index.price","data":{"markPrice":${mark},"indexPrice":${index},"granularity":1000,"timestamp":${timeMs}}}`;
}

/** Futures `/contract/instrument:SYM`, subject `funding.rate` (per minute; no next funding time here). */
export function fundingRate(sym: string, rate: string, timeMs: number): string {
  return `{"topic":"/contract/instrument:${sym}","type":"message","subject":"funding.rate","data":{"period":1,"granularity":60000,"fundingRate":${rate},"timestamp":${timeMs}}}`;
}

/** Malformed frames, rotated; none carries real data. */
export function malformedKucoin(n: number, sym: string, futures: boolean): string {
  const topic = futures ? `/contractMarket/level2:${sym}` : `/market/level2:${sym}`;
  switch (n % 4) {
    case 0: // truncated JSON
      return `{"type":"message","topic":"${topic}","subject":"trade.l2update","data":{"sequenceStart":`;
    case 1: // wrong types
      return futures
        ? `{"topic":"${topic}","type":"message","subject":"level2","data":{"sequence":"abc","change":7,"timestamp":"x"}}`
        : `{"type":"message","topic":"${topic}","subject":"trade.l2update","data":{"sequenceStart":"abc","sequenceEnd":{},"symbol":"${sym}","changes":"x"}}`;
    case 2: // missing fields
      return `{"type":"message","topic":"${topic}","subject":"trade.l2update","data":{"symbol":"${sym}"}}`;
    default: // not JSON at all
      return '\u0000<html>502 Bad Gateway</html>\uFFFD';
  }
}
