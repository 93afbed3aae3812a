// Kraken spot websocket messages exactly as sent, with the readers decode*.ts use. Field names stay
// verbatim here; they are renamed once, in the decoders.
//
// WS v2 (PROTOCOLS.md §3; wss://ws.kraken.com/v2), JSON objects, numbers as JSON numbers (read
// losslessly, json-lossless.ts), times RFC 3339:
//   {"method":"subscribe"|"unsubscribe","result":{…},"success":true,"time_in":…,"time_out":…}  ack
//   {"method":"subscribe","error":"…","success":false,…}                                     error
//   {"method":"pong","req_id":…,"time_in":…,"time_out":…}                                   pong
//   {"channel":"heartbeat"} / {"channel":"status","type":"update","data":[{"system":"online",…}]}
//   {"channel":"book","type":"snapshot"|"update","data":[{"symbol":"BTC/USD","bids":[{"price":N,"qty":N}],
//        "asks":[…],"checksum":N,"timestamp":"2023-10-06T17:35:55.440295Z"}]}
//   {"channel":"trade","type":"update","data":[{"symbol","side":"buy"|"sell","price":N,"qty":N,
//        "ord_type":"limit"|"market","trade_id":N,"timestamp":"…"}]}
//   {"channel":"ticker","type":…,"data":[{"symbol","bid":N,"bid_qty":N,"ask":N,"ask_qty":N,"last":N,
//        "volume":N,"vwap":N,"low":N,"high":N,"change":N,"change_pct":N,"timestamp"?:"…"}]}
//   {"channel":"instrument","type":…,"data":{"assets":[…],"pairs":[{"symbol","price_precision":N,
//        "qty_precision":N,"status",…}]}}
//
// WS v1 (PROTOCOLS.md §4; wss://ws.kraken.com, the 2021 captures), arrays ending in channel name
// and pair, numbers as strings, times as "seconds.micros" strings:
//   [chanId, {"as":[[p,v,t]…],"bs":[…]}, "book-N", "XBT/USD"]                   snapshot (no checksum)
//   [chanId, {"a":[[p,v,t(,"r")]…]}(, {"b":[…],"c":"crc"}), "book-N", pair]     update; c in the LAST map
//   [chanId, [[p,v,t,"b"|"s","l"|"m",misc]…], "trade", pair]
//   [chanId, {"a":[p,wholeLot,lot],"b":[…],"c":[p,lot],"v":[today,24h],"l":[…],"h":[…],"o":[…],…}, "ticker", pair]
//   [chanId, [bid, ask, t, bidVolume, askVolume], "spread", pair]
//   {"event":"heartbeat"|"systemStatus"|"subscriptionStatus"|"pong",…}
import { isDecimalText } from '../../book/levels.js';
import { JsonNumber, type JsonValue } from './json-lossless.js';

/** The lexeme of a JSON number field; undefined when the field is not a number. */
export function numText(x: JsonValue | undefined): string | undefined {
  return x instanceof JsonNumber ? x.text : undefined;
}

/** A JSON number field holding a non-negative integer below 2^53 (trade ids, precisions, checksums). */
export function uintOf(x: JsonValue | undefined): number | undefined {
  if (!(x instanceof JsonNumber)) return undefined;
  const t = x.text;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A non-negative decimal number's lexeme (prices, quantities), else undefined. */
export function decimalOf(x: JsonValue | undefined): string | undefined {
  const t = numText(x);
  return t !== undefined && t.charCodeAt(0) !== 45 && isDecimalText(t) ? t : undefined;
}

const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** RFC 3339 time (`2023-10-06T17:35:55.440295Z`) → epoch µs; -1 when malformed. */
export function rfc3339ToUs(text: string): number {
  const m = RFC3339_RE.exec(text);
  if (m === null) return -1;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  if (ms !== ms) return -1;
  const frac = m[7] === undefined ? 0 : Number((m[7] + '00000').slice(0, 6));
  let off = 0;
  if (m[8] !== 'Z') {
    const sign = m[8].charCodeAt(0) === 45 ? -1 : 1;
    off = sign * (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(4, 6))) * 60_000_000;
  }
  return ms * 1000 + frac - off;
}

/** v1 time `"1618678133.383209"` (epoch seconds, up to µs) → epoch µs; -1 when malformed. */
export function v1TimeToUs(text: unknown): number {
  if (typeof text !== 'string') return -1;
  const dot = text.indexOf('.');
  const secText = dot < 0 ? text : text.slice(0, dot);
  const fracText = dot < 0 ? '' : text.slice(dot + 1);
  if (!/^\d{1,12}$/.test(secText) || !/^\d{0,9}$/.test(fracText)) return -1;
  return Number(secText) * 1_000_000 + Number((fracText + '000000').slice(0, 6));
}

/** v1 book entry `[price, volume, time(, "r")]` with decimal texts. */
export type KrakenV1Level = [price: string, volume: string, time: string, republish?: 'r'];

export function isV1Level(x: unknown): x is KrakenV1Level {
  return Array.isArray(x) && x.length >= 3 && x.length <= 4 && typeof x[0] === 'string' && typeof x[1] === 'string'
    && typeof x[2] === 'string' && isDecimalText(x[0]) && isDecimalText(x[1]) && (x.length === 3 || x[3] === 'r');
}

/** v1 trade `[price, volume, time, side "b"|"s", orderType "l"|"m", misc]`. */
export type KrakenV1Trade = [price: string, volume: string, time: string, side: 'b' | 's', orderType: string, misc: string];

export function isV1Trade(x: unknown): x is KrakenV1Trade {
  return Array.isArray(x) && x.length >= 5 && typeof x[0] === 'string' && typeof x[1] === 'string' && isDecimalText(x[0])
    && isDecimalText(x[1]) && v1TimeToUs(x[2]) >= 0 && (x[3] === 'b' || x[3] === 's');
}

/** v1 ticker payload (the fields we read). */
export interface KrakenV1Ticker {
  a: [price: string, wholeLotVolume: unknown, lotVolume: string];
  b: [price: string, wholeLotVolume: unknown, lotVolume: string];
  c: [price: string, lotVolume: string];
  v: [today: string, last24h: string];
  l: [today: string, last24h: string];
  h: [today: string, last24h: string];
  o: [today: string, last24h: string];
}

const decimalAt = (x: unknown, i: number): boolean => Array.isArray(x) && typeof x[i] === 'string' && isDecimalText(x[i] as string);

export function isV1Ticker(x: unknown): x is KrakenV1Ticker {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const t = x as Record<string, unknown>;
  return decimalAt(t.a, 0) && decimalAt(t.a, 2) && decimalAt(t.b, 0) && decimalAt(t.b, 2) && decimalAt(t.c, 0)
    && decimalAt(t.v, 1) && decimalAt(t.l, 1) && decimalAt(t.h, 1) && decimalAt(t.o, 1);
}

/** v1 spread `[bid, ask, time, bidVolume, askVolume]`. */
export type KrakenV1Spread = [bid: string, ask: string, time: string, bidVolume: string, askVolume: string];

export function isV1Spread(x: unknown): x is KrakenV1Spread {
  return Array.isArray(x) && x.length >= 5 && decimalAt(x, 0) && decimalAt(x, 1) && v1TimeToUs(x[2]) >= 0
    && decimalAt(x, 3) && decimalAt(x, 4);
}
