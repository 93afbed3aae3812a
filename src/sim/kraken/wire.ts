// Kraken spot WebSocket v2 messages as sent (PROTOCOLS.md §3; shapes as in
// shared/fixtures/protocol-vectors/kraken-spot-v2.json). Prices and quantities are JSON numbers
// printed with the pair's full precision (`0.10000000`), and the book checksum is computed here,
// from those texts, independently of our decoders.
import { crc32 } from 'node:zlib';
import type { BookSide } from '../book-side.js';
import type { Formatter } from '../instruments.js';
import type { SimTrade } from '../market.js';

/** RFC3339 with microseconds, from epoch µs: 2023-10-06T17:35:55.440295Z. */
export function rfc3339Us(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString(); // …:55.440Z
  const micros = String(us - ms * 1000).padStart(3, '0');
  return iso.slice(0, 23) + micros + 'Z';
}

/** One level's contribution: remove '.', strip leading zeros (guide step 1). */
function digits(text: string): string {
  let i = 0;
  let out = '';
  for (; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch !== 46) out += text[i];
  }
  let z = 0;
  while (z < out.length - 1 && out.charCodeAt(z) === 48) z++;
  return out.slice(z);
}

/** CRC32 of the top 10 asks (ascending) then bids (descending), price+qty texts; unsigned. */
export function krakenChecksumOf(asks: readonly (readonly [string, string])[], bids: readonly (readonly [string, string])[]): number {
  let s = '';
  for (let i = 0; i < asks.length && i < 10; i++) s += digits(asks[i][0]) + digits(asks[i][1]);
  for (let i = 0; i < bids.length && i < 10; i++) s += digits(bids[i][0]) + digits(bids[i][1]);
  return crc32(Buffer.from(s, 'latin1')) >>> 0;
}

/** The checksum of the model book (what a correct client holds after this message). */
export function krakenBookChecksum(fmt: Formatter, bids: BookSide, asks: BookSide): number {
  let s = '';
  for (let i = 0; i < 10 && i < asks.length; i++) s += digits(fmt.price(asks.ticksFromTop(i))) + digits(fmt.qty(asks.lotsFromTop(i)));
  for (let i = 0; i < 10 && i < bids.length; i++) s += digits(fmt.price(bids.ticksFromTop(i))) + digits(fmt.qty(bids.lotsFromTop(i)));
  return crc32(Buffer.from(s, 'latin1')) >>> 0;
}

/** `[{"price":…,"qty":…},…]`; the level at `corruptTicks` (if any) goes out with one lot more. */
export function levelList(fmt: Formatter, ticks: readonly number[], lots: readonly number[], corruptTicks = NaN): string {
  let s = '[';
  for (let i = 0; i < ticks.length; i++) {
    if (i > 0) s += ',';
    const l = ticks[i] === corruptTicks ? lots[i] + 1 : lots[i];
    s += '{"price":' + fmt.price(ticks[i]) + ',"qty":' + fmt.qty(l) + '}';
  }
  return s + ']';
}

export function bookMessage(type: 'snapshot' | 'update', symbol: string, bids: string, asks: string, checksum: number, tsUs: number): string {
  return `{"channel":"book","type":"${type}","data":[{"symbol":"${symbol}","bids":${bids},"asks":${asks},"checksum":${checksum},"timestamp":"${rfc3339Us(tsUs)}"}]}`;
}

export function tradeMessage(type: 'snapshot' | 'update', fmt: Formatter, symbol: string, trades: readonly SimTrade[]): string {
  let s = `{"channel":"trade","type":"${type}","data":[`;
  for (let i = 0; i < trades.length; i++) {
    const t = trades[i];
    if (i > 0) s += ',';
    s += `{"symbol":"${symbol}","side":"${t.buyerMaker ? 'sell' : 'buy'}","price":${fmt.price(t.ticks)},"qty":${fmt.qty(t.lots)},"ord_type":"market","trade_id":${t.id},"timestamp":"${rfc3339Us(t.timeMs * 1000)}"}`;
  }
  return s + ']}';
}

export interface KrakenTicker {
  bid: string;
  bidQty: string;
  ask: string;
  askQty: string;
  last: string;
  volume: string;
  vwap: string;
  low: string;
  high: string;
  change: string;
  changePct: string;
}

export function tickerMessage(type: 'snapshot' | 'update', symbol: string, t: KrakenTicker): string {
  return `{"channel":"ticker","type":"${type}","data":[{"symbol":"${symbol}","bid":${t.bid},"bid_qty":${t.bidQty},"ask":${t.ask},"ask_qty":${t.askQty},"last":${t.last},"volume":${t.volume},"vwap":${t.vwap},"low":${t.low},"high":${t.high},"change":${t.change},"change_pct":${t.changePct}}]}`;
}

export function instrumentMessage(fmts: readonly Formatter[]): string {
  const assets = new Set<string>();
  const pairs: string[] = [];
  for (const f of fmts) {
    const i = f.inst;
    assets.add(i.base);
    assets.add(i.quote);
    const tick = f.tickSize();
    const step = f.stepSize();
    pairs.push(`{"symbol":"${i.base}/${i.quote}","base":"${i.base}","quote":"${i.quote}","status":"online","qty_precision":${i.qtyDecimals},"qty_increment":${Number(step)},"price_precision":${i.priceDecimals},"cost_precision":5,"marginable":false,"has_index":true,"cost_min":0.5,"tick_size":${Number(tick)},"price_increment":${Number(tick)},"qty_min":${Number(step)}}`);
  }
  const a = [...assets].map((id) => `{"id":"${id}","status":"enabled","precision":8,"precision_display":5,"borrowable":false,"collateral_value":0,"margin_rate":0}`);
  return `{"channel":"instrument","type":"snapshot","data":{"assets":[${a.join(',')}],"pairs":[${pairs.join(',')}]}}`;
}

export const HEARTBEAT = '{"channel":"heartbeat"}';

export function statusMessage(system: 'online' | 'maintenance', connId: number): string {
  return `{"channel":"status","type":"update","data":[{"version":"2.0.10","system":"${system}","api_version":"v2","connection_id":${connId}}]}`;
}

/** Malformed frames, rotated: none carries usable data. */
export function malformedKraken(n: number, symbol: string): string {
  switch (n % 4) {
    case 0: // truncated JSON
      return `{"channel":"book","type":"update","data":[{"symbol":"${symbol}","bids":[{"price":`;
    case 1: // wrong types
      return `{"channel":"book","type":"update","data":[{"symbol":"${symbol}","bids":"x","asks":{},"checksum":"abc","timestamp":5}]}`;
    case 2: // missing fields
      return `{"channel":"book","type":"update"}`;
    default: // not JSON at all
      return '\u0000<html>502 Bad Gateway</html>\uFFFD';
  }
}
