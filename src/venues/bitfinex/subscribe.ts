// Which sockets to open and what to send on them (PROTOCOLS.md §5). Every socket is the one public
// URL; after open it sends `conf` then one `subscribe` per channel. A socket carries at most 25
// channels (docs ws-public), and a symbol's channels (book, trades, ticker) stay on one socket.
//
// conf flags: TIMESTAMP (32768: every channel frame carries the exchange time in ms) +
// OB_CHECKSUM (131072: `[CHAN,"cs",N]` after book changes) = 163840. Not SEQ_ALL: its sequence is
// per connection, so a gap cannot be pinned on one book (the checksum covers books; the decoder
// still checks SEQ_ALL when a capture has it). Not BULK: one update per frame keeps each frame
// one book change.
//
// Book precision: `P0` (price-aggregated, venue `bitfinex`) or `R0` (raw orders, venue
// `bitfinex-raw`): the same channel, subscribed with another `prec`; raw-book.ts turns its orders
// into price levels.
import type { ConnectionPlan, Kind } from '../types.js';

export const FLAG_TIMESTAMP = 32768;
export const FLAG_SEQ_ALL = 65536;
export const FLAG_OB_CHECKSUM = 131072;
export const FLAG_BULK = 536870912;
export const CONF_FLAGS = FLAG_TIMESTAMP | FLAG_OB_CHECKSUM;

export const MAX_CHANNELS_PER_CONNECTION = 25;

/** Book precisions subscribed: aggregated by price, or raw orders. */
export type BookPrec = 'P0' | 'R0';

/**
 * The `len` values the book channel takes (docs ws-public-books: 1/25/100/250; raw books take the
 * same parameter, docs ws-public-raw-books); at least 25, the checksum depth (25 prices for P0,
 * 25 orders per side for R0).
 */
const BOOK_LENS = [25, 100, 250] as const;

/** Book length subscribed for a configured depth: the next of 25/100/250 (250 at most). */
export function bookLen(depth: number): number {
  return BOOK_LENS.find((l) => l >= depth) ?? BOOK_LENS[BOOK_LENS.length - 1];
}

export const confFrame = (): string => JSON.stringify({ event: 'conf', flags: CONF_FLAGS });

export function bookSubscribe(venueSymbol: string, len: number, prec: BookPrec = 'P0'): string {
  return JSON.stringify({ event: 'subscribe', channel: 'book', symbol: venueSymbol, prec, freq: 'F0', len: String(len) });
}

const channelSubscribe = (channel: 'trades' | 'ticker', venueSymbol: string): string =>
  JSON.stringify({ event: 'subscribe', channel, symbol: venueSymbol });

/** Subscribe frames of one symbol for the kinds, book first. */
export function symbolFrames(venueSymbol: string, kinds: readonly Kind[], len: number, prec: BookPrec = 'P0'): string[] {
  const out: string[] = [];
  if (kinds.includes('book')) out.push(bookSubscribe(venueSymbol, len, prec));
  if (kinds.includes('trades')) out.push(channelSubscribe('trades', venueSymbol));
  if (kinds.includes('quote')) out.push(channelSubscribe('ticker', venueSymbol));
  return out;
}

export function plan(wsBase: string, venueSymbols: string[], kinds: Kind[], depth = 25, prec: BookPrec = 'P0'): ConnectionPlan[] {
  const url = wsBase.replace(/\/+$/, '');
  const len = bookLen(depth);
  const book = kinds.includes('book');
  const plans: ConnectionPlan[] = [];
  let frames: string[] = [];
  let symbols: string[] = [];
  const flush = (): void => {
    if (symbols.length === 0) return;
    plans.push({ url, subscribe: [confFrame(), ...frames], venueSymbols: symbols, book });
    frames = [];
    symbols = [];
  };
  for (const v of venueSymbols) {
    const mine = symbolFrames(v, kinds, len, prec);
    if (mine.length === 0) continue;
    if (frames.length + mine.length > MAX_CHANNELS_PER_CONNECTION) flush();
    frames.push(...mine);
    symbols.push(v);
  }
  flush();
  return plans;
}

/**
 * Unsubscribe (when the channel id is known) + subscribe of one symbol's book: a fresh snapshot.
 * Bitfinex unsubscribes by `chanId` only, which the decoder learnt (BitfinexDecoder.resubscribe).
 */
export function resubscribeFrames(venueSymbol: string, depth: number, chanId?: number, prec: BookPrec = 'P0'): string[] {
  const sub = bookSubscribe(venueSymbol, bookLen(depth), prec);
  return chanId === undefined ? [sub] : [JSON.stringify({ event: 'unsubscribe', chanId }), sub];
}

/** The symbols a sent `subscribe` event names (a capture's symbols): `{"event":"subscribe",…,"symbol":"tBTCUSD"}`. */
export function subscribedSymbols(frame: string): string[] {
  if (!frame.includes('"subscribe"')) return [];
  try {
    const m = JSON.parse(frame) as { event?: unknown; symbol?: unknown };
    return m.event === 'subscribe' && typeof m.symbol === 'string' ? [m.symbol] : [];
  } catch {
    return [];
  }
}
