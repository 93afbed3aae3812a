// Which sockets to open and what to send on them. The ws base is the full public socket URL
// (`wss://ws.okx.com:8443/ws/v5/public`, or the simulator's); channels are subscribed after open
// with {"op":"subscribe","args":[{"channel":…,"instId":…}…]}. A symbol's channels stay on one
// socket, so its book and quotes share a fate.
import type { ConnectionPlan, Kind } from '../types.js';
import { instTypeOf } from './symbols.js';

/**
 * The book channel: `books` (400 levels, snapshot then 100 ms diffs, seqId chain and checksum)
 * for any configured depth. books5 / bbo-tbt are decoded (each message a stream snapshot) but
 * never planned: one channel per symbol keeps resubscribe and the id chain unambiguous, and
 * books-l2-tbt / books50-l2-tbt need VIP tiers (error 64003 otherwise).
 */
export const BOOK_CHANNEL = 'books';

/** "Fewer than 30 channels of the 50/400-level kinds per connection" (doc): 25 books per socket. */
export const MAX_BOOK_SYMBOLS_PER_CONNECTION = 25;
/** Without books a socket takes more symbols; 100 × 4 channels stays far below the 64 KB request cap. */
export const MAX_SYMBOLS_PER_CONNECTION = 100;

interface Arg {
  channel: string;
  instId: string;
}

/** The channels of one symbol for these kinds (funding only for swaps; no derivatives for spot). */
export function argsFor(venueSymbol: string, kinds: readonly Kind[]): Arg[] {
  const type = instTypeOf(venueSymbol);
  const out: Arg[] = [];
  if (kinds.includes('book')) out.push({ channel: BOOK_CHANNEL, instId: venueSymbol });
  if (kinds.includes('trades')) out.push({ channel: 'trades', instId: venueSymbol });
  if (kinds.includes('quote')) out.push({ channel: 'tickers', instId: venueSymbol });
  if (kinds.includes('derivative') && type !== 'SPOT') {
    if (type === 'SWAP') out.push({ channel: 'funding-rate', instId: venueSymbol });
    out.push({ channel: 'open-interest', instId: venueSymbol });
  }
  return out;
}

export function plan(wsBase: string, venueSymbols: string[], kinds: Kind[]): ConnectionPlan[] {
  const book = kinds.includes('book');
  const perConn = book ? MAX_BOOK_SYMBOLS_PER_CONNECTION : MAX_SYMBOLS_PER_CONNECTION;
  const plans: ConnectionPlan[] = [];
  let args: Arg[] = [];
  let symbols: string[] = [];
  const flush = (): void => {
    if (args.length > 0) plans.push({ url: wsBase, subscribe: [JSON.stringify({ op: 'subscribe', args })], venueSymbols: symbols, book });
    args = [];
    symbols = [];
  };
  for (const v of venueSymbols) {
    const mine = argsFor(v, kinds);
    if (mine.length === 0) continue;
    if (symbols.length === perConn) flush();
    args.push(...mine);
    symbols.push(v);
  }
  flush();
  return plans;
}

/** Unsubscribe + subscribe of one symbol's book channel: OKX answers with a fresh snapshot. */
export function resubscribe(venueSymbol: string): string[] {
  const args = [{ channel: BOOK_CHANNEL, instId: venueSymbol }];
  return [JSON.stringify({ op: 'unsubscribe', args }), JSON.stringify({ op: 'subscribe', args })];
}

/** The app-level keepalive: OKX closes a socket after 30 s without traffic; it answers "ping" with "pong". */
export const APP_PING = { text: 'ping', intervalMs: 20_000, isPong: (text: string): boolean => text === 'pong' };

/** The instIds a sent `subscribe` frame names (a capture's symbols); [] for anything else. */
export function subscribedSymbols(frame: string): string[] {
  if (!frame.includes('"subscribe"')) return [];
  let m: unknown;
  try {
    m = JSON.parse(frame);
  } catch {
    return [];
  }
  const x = m as { op?: unknown; args?: unknown };
  if (x.op !== 'subscribe' || !Array.isArray(x.args)) return [];
  const out: string[] = [];
  for (const a of x.args as { instId?: unknown }[]) {
    if (typeof a?.instId === 'string' && !out.includes(a.instId)) out.push(a.instId);
  }
  return out;
}
