// BingX public websocket messages as sent (PROTOCOLS-MORE.md §3; shapes as in
// protocol-vectors/bingx.json), written as text here and gzipped by the protocol module — every
// server frame of the venue is a gzip member. Prices and sizes are the instrument's fixed
// decimals ("63966.6", "0.0000" for a delete); spot tickers print JSON numbers.
import type { Formatter } from '../instruments.js';
import type { SimTrade } from '../market.js';

/** `[["px","qty"],…]` of the first n levels, in the order given. */
export function bingxLevels(fmt: Formatter, ticks: readonly number[], lots: readonly number[], n = ticks.length): string {
  let s = '[';
  for (let i = 0; i < n && i < ticks.length; i++) {
    if (i > 0) s += ',';
    s += '["' + fmt.price(ticks[i]) + '","' + fmt.qty(lots[i]) + '"]';
  }
  return s + ']';
}

/** The same levels worst first (spot `@depthN` asks arrive highest first, §3.2). */
export function bingxLevelsReversed(fmt: Formatter, ticks: readonly number[], lots: readonly number[], n: number): string {
  let s = '[';
  for (let i = Math.min(n, ticks.length) - 1; i >= 0; i--) {
    s += '["' + fmt.price(ticks[i]) + '","' + fmt.qty(lots[i]) + '"]';
    if (i > 0) s += ',';
  }
  return s + ']';
}

/** A push: swap frames carry `ts`, spot frames `timestamp` and `success` (as recorded). */
export function bingxPush(swap: boolean, dataType: string, data: string, nowMs: number): string {
  return swap
    ? `{"code":0,"dataType":"${dataType}","ts":${nowMs},"data":${data}}`
    : `{"code":0,"data":${data},"dataType":"${dataType}","success":true,"timestamp":${nowMs}}`;
}

export function incrDepthData(action: 'all' | 'update', lastUpdateId: number, nowMs: number, bids: string, asks: string): string {
  return `{"action":"${action}","lastUpdateId":${lastUpdateId},"time":${nowMs},"bids":${bids},"asks":${asks}}`;
}

/** Swap: one push holds every trade of the update, without ids; `m` = the buyer is the maker. */
export function swapTradesData(fmt: Formatter, sym: string, trades: readonly SimTrade[]): string {
  let s = '[';
  for (let i = 0; i < trades.length; i++) {
    const t = trades[i];
    if (i > 0) s += ',';
    s += `{"q":"${fmt.qty(t.lots)}","p":"${fmt.price(t.ticks)}","T":${t.timeMs},"m":${t.buyerMaker},"s":"${sym}"}`;
  }
  return s + ']';
}

/** Spot: one push per trade, `t` the id as a string. */
export function spotTradeData(fmt: Formatter, sym: string, t: SimTrade, nowMs: number): string {
  return `{"E":${nowMs},"T":${t.timeMs},"e":"trade","m":${t.buyerMaker},"p":"${fmt.price(t.ticks)}","q":"${fmt.qty(t.lots)}","s":"${sym}","t":"${t.id}"}`;
}

export interface TickerFields {
  last: string;
  open: string;
  high: string;
  low: string;
  volume: string;
  quoteVolume: string;
  bid: string;
  bidQty: string;
  ask: string;
  askQty: string;
}

/** `@ticker`: swap values are strings, spot values JSON numbers (the same digits, unquoted). */
export function tickerData(swap: boolean, sym: string, f: TickerFields, openMs: number, nowMs: number): string {
  const v = (x: string): string => (swap ? `"${x}"` : x);
  return `{"e":"24hTicker","E":${nowMs},"s":"${sym}","o":${v(f.open)},"h":${v(f.high)},"l":${v(f.low)},"c":${v(f.last)},` +
    `"v":${v(f.volume)},"q":${v(f.quoteVolume)},"O":${openMs},"C":${nowMs},"A":${v(f.ask)},"a":${v(f.askQty)},"B":${v(f.bid)},"b":${v(f.bidQty)}}`;
}

export function markPriceData(sym: string, mark: string, nowMs: number): string {
  return `{"e":"markPriceUpdate","E":${nowMs},"s":"${sym}","p":"${mark}"}`;
}

/** The subscribe / unsubscribe answer: swap {id,code,msg,dataType,data}, spot {code,id,msg,timestamp}. */
export function bingxAck(swap: boolean, id: string, nowMs: number): string {
  return swap ? `{"id":${JSON.stringify(id)},"code":0,"msg":"","dataType":"","data":null}` : `{"code":0,"id":${JSON.stringify(id)},"msg":"SUCCESS","timestamp":${nowMs}}`;
}

export function bingxError(id: string, code: number, msg: string): string {
  return `{"id":${JSON.stringify(id)},"code":${code},"msg":${JSON.stringify(msg)}}`;
}

/** The keepalive: swap the text `Ping`; spot {"ping":"<32 hex>","time":"<ISO, +0800>"} (§3.1). */
export function bingxPing(swap: boolean, n: number, nowMs: number): { text: string; pong: string } {
  if (swap) return { text: 'Ping', pong: 'Pong' };
  const id = (0x2177c68e + n).toString(16).padStart(8, '0').repeat(4);
  const time = new Date(nowMs + 8 * 3600_000).toISOString().replace('Z', '+0800');
  return { text: `{"ping":"${id}","time":"${time}"}`, pong: `{"pong":"${id}","time":"${time}"}` };
}

/** Malformed payloads inside good gzip, rotated: none carries usable data. */
export function malformedBingx(n: number, sym: string): string {
  switch (n % 3) {
    case 0: // truncated JSON
      return `{"code":0,"dataType":"${sym}@incrDepth","data":{"action":"update","lastUpdateId":`;
    case 1: // wrong types
      return `{"code":0,"dataType":"${sym}@incrDepth","data":{"action":"update","lastUpdateId":"x","bids":{},"asks":"x"}}`;
    default: // missing fields
      return `{"code":0,"dataType":"${sym}@trade","data":[{"p":"1"}]}`;
  }
}
