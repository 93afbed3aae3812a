// Bybit v5 public messages as sent (PROTOCOLS-MORE.md §1; shapes as in the recorded frames of
// shared/fixtures/protocol-vectors/bybit-v5.json): prices and sizes are fixed-decimal strings,
// book levels are [price, size] with "0" deleting, times are JSON numbers in ms. Key order follows
// the recordings: spot (every topic) and linear depth 1 write "ts" before "type", other linear
// topics "type" before "ts" — clients must parse JSON, and this keeps them honest.
import type { Formatter } from '../instruments.js';
import type { SimTrade } from '../market.js';
import { hash32 } from '../rng.js';

export type BybitSimMarket = 'spot' | 'linear';

/** `[["px","sz"],…]` for the first n levels; the level at `corruptTicks` goes out with one lot more. */
export function bybitLevels(fmt: Formatter, ticks: readonly number[], lots: readonly number[], n = ticks.length, corruptTicks = NaN): string {
  let s = '[';
  for (let i = 0; i < n && i < ticks.length; i++) {
    if (i > 0) s += ',';
    const l = ticks[i] === corruptTicks ? lots[i] + 1 : lots[i];
    s += '["' + fmt.price(ticks[i]) + '","' + fmt.qty(l) + '"]';
  }
  return s + ']';
}

/** The envelope head: topic, then ts/type in the market's order. */
function head(market: BybitSimMarket, topic: string, type: 'snapshot' | 'delta', tsMs: number, tsFirst: boolean): string {
  return tsFirst || market === 'spot'
    ? `{"topic":"${topic}","ts":${tsMs},"type":"${type}"`
    : `{"topic":"${topic}","type":"${type}","ts":${tsMs}`;
}

/** `orderbook.{depth}.{symbol}`: the matching-engine time `cts` a ms before the system time `ts`. */
export function bookMessage(
  market: BybitSimMarket, depth: number, symbol: string, type: 'snapshot' | 'delta', bids: string, asks: string, u: number, seq: number, tsMs: number,
): string {
  return `${head(market, `orderbook.${depth}.${symbol}`, type, tsMs, depth === 1)},"data":{"s":"${symbol}","b":${bids},"a":${asks},"u":${u},"seq":${seq}},"cts":${tsMs - 1}}`;
}

/**
 * A trade id as the market prints it: spot a 19-digit number, linear a UUID (version-5 shape),
 * both derived from the model's trade id so REST and websocket agree.
 */
export function tradeId(market: BybitSimMarket, id: number): string {
  if (market === 'spot') return `229${String(id).padStart(16, '0')}`;
  const h = (k: string): string => hash32(`${k}${id}`).toString(16).padStart(8, '0');
  const a = h('a');
  const b = h('b');
  const c = h('c');
  return `${a}-${b.slice(0, 4)}-5${b.slice(5, 8)}-${(8 + (hash32(`d${id}`) % 4)).toString(16)}${c.slice(1, 4)}-${c.slice(4)}${h('e')}`;
}

/** Taker side: the buyer was the maker, so the taker sold. */
export const takerSide = (t: SimTrade): 'Buy' | 'Sell' => (t.buyerMaker ? 'Sell' : 'Buy');

/** `publicTrade.{symbol}`: every trade of one frame, in match order, sharing the frame's seq. */
export function tradesMessage(market: BybitSimMarket, fmt: Formatter, symbol: string, trades: readonly SimTrade[], seq: number, tsMs: number): string {
  let s = `${head(market, `publicTrade.${symbol}`, 'snapshot', tsMs, false)},"data":[`;
  for (let i = 0; i < trades.length; i++) {
    const t = trades[i];
    if (i > 0) s += ',';
    const id = tradeId(market, t.id);
    const p = fmt.price(t.ticks);
    const v = fmt.qty(t.lots);
    if (market === 'spot') {
      s += `{"i":"${id}","T":${t.timeMs},"p":"${p}","v":"${v}","S":"${takerSide(t)}","seq":${seq},"s":"${symbol}","BT":false,"RPI":false}`;
    } else {
      const prev = i > 0 ? trades[i - 1].ticks : t.ticks;
      const tick = t.ticks > prev ? 'PlusTick' : t.ticks < prev ? 'MinusTick' : 'ZeroPlusTick';
      s += `{"T":${t.timeMs},"s":"${symbol}","S":"${takerSide(t)}","v":"${v}","p":"${p}","L":"${tick}","i":"${id}","BT":false,"RPI":false,"seq":${seq}}`;
    }
  }
  return s + ']}';
}

/** `tickers.{symbol}`: `fields` already JSON (`"lastPrice":"…",…`); spot puts cs before data, linear after. */
export function tickerMessage(market: BybitSimMarket, symbol: string, type: 'snapshot' | 'delta', fields: string, cs: number, tsMs: number): string {
  const data = `{"symbol":"${symbol}"${fields === '' ? '' : ',' + fields}}`;
  return market === 'spot'
    ? `{"topic":"tickers.${symbol}","ts":${tsMs},"type":"${type}","cs":${cs},"data":${data}}`
    : `{"topic":"tickers.${symbol}","type":"${type}","data":${data},"cs":${cs},"ts":${tsMs}}`;
}

/** `allLiquidation.{symbol}` (linear): S is the liquidated position's side. */
export function liquidationMessage(symbol: string, positionSide: 'Buy' | 'Sell', price: string, size: string, tsMs: number): string {
  return `{"topic":"allLiquidation.${symbol}","type":"snapshot","ts":${tsMs},"data":[{"T":${tsMs - 1},"s":"${symbol}","S":"${positionSide}","v":"${size}","p":"${price}"}]}`;
}

/**
 * The answer to an op: spot acks carry ret_msg "subscribe" (the op), linear ones "" (recorded);
 * a pong carries "pong". req_id echoes the client's, "" without one on linear, absent on spot.
 */
export function opAnswer(market: BybitSimMarket, op: string, success: boolean, retMsg: string | undefined, connId: string, reqId: string | undefined): string {
  const msg = retMsg ?? (market === 'spot' ? op : '');
  const req = reqId !== undefined ? `,"req_id":${JSON.stringify(reqId)}` : market === 'linear' ? ',"req_id":""' : '';
  return `{"success":${success},"ret_msg":${JSON.stringify(msg)},"conn_id":"${connId}"${req},"op":${JSON.stringify(op)}}`;
}

/** Malformed frames, rotated: none carries usable data. */
export function malformedBybit(n: number, symbol: string): string {
  switch (n % 4) {
    case 0: // truncated JSON
      return `{"topic":"orderbook.50.${symbol}","type":"delta","ts":1,"data":{"s":"${symbol}","b":[["`;
    case 1: // wrong types
      return `{"topic":"orderbook.50.${symbol}","type":"delta","ts":1,"data":{"s":"${symbol}","b":"x","a":{},"u":"abc","seq":"def"}}`;
    case 2: // missing fields
      return `{"topic":"publicTrade.${symbol}","type":"snapshot","ts":1}`;
    default: // not JSON at all
      return '\u0000<html>502 Bad Gateway</html>\uFFFD';
  }
}
