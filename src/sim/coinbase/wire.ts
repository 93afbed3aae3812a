// Coinbase Advanced Trade market-data messages as sent (PROTOCOLS-MORE.md §2; shapes as in
// shared/fixtures/protocol-vectors/coinbase-advanced-trade.json): every message is an envelope
//   {"channel":…,"timestamp":"<RFC 3339, 9 fraction digits>","sequence_num":N,"events":[…]}
// with no client_id (as recorded in 2026), N counting every message of the connection. Prices and
// sizes are strings with trailing zeros trimmed ("21921.3", "0.02", "0"); book sides are "bid" and
// "offer"; the trade `side` is the maker's (BUY when the buyer's order rested in the book).
import type { Formatter } from '../instruments.js';
import type { SimTrade } from '../market.js';

/** Epoch µs → `2026-08-12T19:27:48.098821` (no zone). */
function isoUs(us: number): string {
  const ms = Math.floor(us / 1000);
  return new Date(ms).toISOString().slice(0, 23) + String(us - ms * 1000).padStart(3, '0');
}

/** An event time with microseconds, as trades and l2 levels carry them. */
export const timeUs = (us: number): string => `${isoUs(us)}Z`;

/**
 * An envelope timestamp with nanoseconds. The truth key of a book message is its µs; the three
 * extra digits only look like Coinbase's (whose ns are not zeros) and a reader must cut them.
 */
export const timestampNs = (us: number): string => `${isoUs(us)}${String((us * 7) % 1000).padStart(3, '0')}Z`;

/** The envelope around one message's events (the part every connection numbers itself). */
export function envelope(channel: string, timestamp: string, seq: number, events: string): string {
  return `{"channel":"${channel}","timestamp":"${timestamp}","sequence_num":${seq},"events":${events}}`;
}

/** l2 levels, bids then offers, each best first; `event_time` is the update's (or the doc's 1970 for a snapshot). */
export function l2Levels(fmt: Formatter, eventTime: string, bt: readonly number[], bl: readonly number[], at: readonly number[], al: readonly number[]): string {
  let s = '';
  const side = (name: string, ticks: readonly number[], lots: readonly number[]): void => {
    for (let i = 0; i < ticks.length; i++) {
      if (s !== '') s += ',';
      s += `{"side":"${name}","event_time":"${eventTime}","price_level":"${fmt.price(ticks[i])}","new_quantity":"${fmt.qty(lots[i])}"}`;
    }
  };
  side('bid', bt, bl);
  side('offer', at, al);
  return s;
}

export const l2Events = (type: 'snapshot' | 'update', productId: string, levels: string): string =>
  `[{"type":"${type}","product_id":"${productId}","updates":[${levels}]}]`;

/** `market_trades` events: the trades newest first, as Coinbase lists them. */
export function tradeEvents(type: 'snapshot' | 'update', fmt: Formatter, productId: string, trades: readonly SimTrade[]): string {
  let s = `[{"type":"${type}","trades":[`;
  for (let i = trades.length - 1; i >= 0; i--) {
    const t = trades[i];
    if (i < trades.length - 1) s += ',';
    s += `{"product_id":"${productId}","trade_id":"${t.id}","price":"${fmt.price(t.ticks)}","size":"${fmt.qty(t.lots)}",`
      + `"time":"${timeUs(t.timeMs * 1000)}","side":"${makerSide(t)}"}`;
  }
  return s + ']}]';
}

/** The resting order's side: BUY when the buyer was the maker (the taker sold). */
export const makerSide = (t: SimTrade): 'BUY' | 'SELL' => (t.buyerMaker ? 'BUY' : 'SELL');

export interface CoinbaseTickerFields {
  price: string;
  volume24h: string;
  low24h: string;
  high24h: string;
  pctChange24h: string;
  bestBid: string;
  bestBidQty: string;
  bestAsk: string;
  bestAskQty: string;
}

export function tickerEvents(type: 'snapshot' | 'update', productId: string, t: CoinbaseTickerFields): string {
  return `[{"type":"${type}","tickers":[{"type":"ticker","product_id":"${productId}","price":"${t.price}","volume_24_h":"${t.volume24h}",`
    + `"low_24_h":"${t.low24h}","high_24_h":"${t.high24h}","low_52_w":"${t.low24h}","high_52_w":"${t.high24h}",`
    + `"price_percent_chg_24_h":"${t.pctChange24h}","best_bid":"${t.bestBid}","best_ask":"${t.bestAsk}",`
    + `"best_bid_quantity":"${t.bestBidQty}","best_ask_quantity":"${t.bestAskQty}"}]}]`;
}

/** `heartbeats` events: Go's time text of the server clock and the connection's counter. */
export function heartbeatEvents(nowMs: number, uptimeMs: number, counter: number): string {
  const t = new Date(nowMs).toISOString();
  const current = `${t.slice(0, 10)} ${t.slice(11, 23)}000000 +0000 UTC m=+${(uptimeMs / 1000).toFixed(9)}`;
  return `[{"current_time":"${current}","heartbeat_counter":${counter}}]`;
}

/** The `subscriptions` ack: the connection's whole current set, channel → product ids. */
export function subscriptionsEvents(set: ReadonlyMap<string, readonly string[]>): string {
  const parts: string[] = [];
  for (const [channel, ids] of set) parts.push(`${JSON.stringify(channel)}:${JSON.stringify(ids)}`);
  return `[{"subscriptions":{${parts.join(',')}}}]`;
}

/** `{"type":"error",…}`: outside the numbered stream (no sequence_num). */
export const errorMessage = (message: string, reason?: string): string =>
  JSON.stringify(reason === undefined ? { type: 'error', message } : { type: 'error', message, reason });

/**
 * Malformed frames, rotated. None carries a readable sequence_num, so none uses up a number of
 * the connection's run: the client must reject them without seeing a gap.
 */
export function malformedCoinbase(n: number, productId: string): string {
  switch (n % 4) {
    case 0: // truncated JSON
      return `{"channel":"l2_data","timestamp":"2026-01-01T00:00:00.000000000Z","sequence_num":`;
    case 1: // wrong types
      return `{"channel":"l2_data","timestamp":5,"sequence_num":"x","events":{"type":"update","product_id":"${productId}"}}`;
    case 2: // missing fields
      return `{"channel":"l2_data","events":[{"type":"update","product_id":"${productId}","updates":[]}]}`;
    default: // not JSON at all
      return '\u0000<html>502 Bad Gateway</html>\uFFFD';
  }
}
