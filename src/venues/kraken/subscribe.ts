// Which sockets to open and what to send on them (WS v2, PROTOCOLS.md §3). The URL names nothing:
// channels are subscribed with `{"method":"subscribe","params":{"channel":…,"symbol":[…]}}` after
// open, one frame per channel listing the connection's pairs. A connection carrying books first
// subscribes the `instrument` channel: its pairs give price_precision / qty_precision, which the
// decoder needs to write book numbers the way the checksum wants them — learned from frames, so
// a replay of the capture decodes identically.
import type { ConnectionPlan, Kind } from '../types.js';
import { fromV1Pair } from './symbols.js';

/** `book` depths Kraken accepts (default 10). */
export const BOOK_DEPTHS = [10, 25, 100, 500, 1000] as const;
export const DEFAULT_BOOK_DEPTH = 10;

/**
 * Pairs per connection. Kraken states no per-connection cap for public channels; this is our own
 * bound, so one socket does not carry hundreds of depth-1000 books.
 */
export const MAX_SYMBOLS_PER_CONNECTION = 100;

/** The smallest depth Kraken accepts that covers `depth` (capped at 1000). */
export function bookDepth(depth: number): number {
  for (const d of BOOK_DEPTHS) if (depth <= d) return d;
  return BOOK_DEPTHS[BOOK_DEPTHS.length - 1];
}

const INSTRUMENT_SUBSCRIBE = JSON.stringify({ method: 'subscribe', params: { channel: 'instrument', snapshot: true } });

export function bookSubscribe(symbols: readonly string[], depth: number): string {
  return JSON.stringify({ method: 'subscribe', params: { channel: 'book', symbol: symbols, depth: bookDepth(depth), snapshot: true } });
}

/** Frames for one connection carrying `symbols`, instrument first so precisions arrive before books. */
export function subscribeFrames(symbols: readonly string[], kinds: readonly Kind[], depth: number): string[] {
  const out: string[] = [];
  if (kinds.includes('book')) {
    out.push(INSTRUMENT_SUBSCRIBE, bookSubscribe(symbols, depth));
  }
  if (kinds.includes('trades')) {
    // No snapshot: the last 50 trades on every (re)connect would be old trades recorded as new.
    out.push(JSON.stringify({ method: 'subscribe', params: { channel: 'trade', symbol: symbols, snapshot: false } }));
  }
  if (kinds.includes('quote')) {
    // event_trigger "bbo": a ticker on every best bid/offer change (default "trades": only on trades).
    out.push(JSON.stringify({ method: 'subscribe', params: { channel: 'ticker', symbol: symbols, event_trigger: 'bbo', snapshot: true } }));
  }
  return out;
}

/**
 * Connections for these pairs: the ws base is the full socket URL (`wss://ws.kraken.com/v2`, or the
 * simulator's `ws://127.0.0.1:<port>/v2`), used as given; pairs are split into groups of
 * MAX_SYMBOLS_PER_CONNECTION, each group on its own socket with all requested kinds.
 */
export function plan(wsBase: string, venueSymbols: readonly string[], kinds: readonly Kind[], depth = DEFAULT_BOOK_DEPTH): ConnectionPlan[] {
  const wanted = kinds.filter((k) => k === 'book' || k === 'trades' || k === 'quote');
  if (wanted.length === 0 || venueSymbols.length === 0) return [];
  const plans: ConnectionPlan[] = [];
  for (let i = 0; i < venueSymbols.length; i += MAX_SYMBOLS_PER_CONNECTION) {
    const symbols = venueSymbols.slice(i, i + MAX_SYMBOLS_PER_CONNECTION);
    plans.push({ url: wsBase, subscribe: subscribeFrames(symbols, wanted, depth), venueSymbols: symbols, book: wanted.includes('book') });
  }
  return plans;
}

/** Unsubscribe + subscribe of one pair's book: Kraken answers with a fresh snapshot. */
export function resubscribe(venueSymbol: string, depth: number): string[] {
  const d = bookDepth(depth);
  return [
    JSON.stringify({ method: 'unsubscribe', params: { channel: 'book', symbol: [venueSymbol], depth: d } }),
    bookSubscribe([venueSymbol], d),
  ];
}

/** The application ping (`{"method":"ping"}`) and its answer `{"method":"pong",…}`. */
export const APP_PING = '{"method":"ping"}';
const PONG_HEAD = '{"method":"pong"';
/** A pong is ~150 chars; only frames this short are searched when the key order differs. */
const MAX_PONG_CHARS = 300;

export function isPong(text: string): boolean {
  if (text.startsWith(PONG_HEAD)) return true;
  return text.length <= MAX_PONG_CHARS && /"method"\s*:\s*"pong"/.test(text);
}

/**
 * The pairs a sent subscribe frame names, as v2 names (a capture's symbols): v2
 * `{"method":"subscribe","params":{"symbol":[…]}}` or v1 `{"event":"subscribe","pair":[…]}`.
 */
export function subscribedSymbols(frame: string): string[] {
  if (!frame.includes('subscribe')) return [];
  let m: unknown;
  try {
    m = JSON.parse(frame);
  } catch {
    return [];
  }
  const x = m as { method?: unknown; event?: unknown; params?: { symbol?: unknown }; pair?: unknown };
  const list = x.method === 'subscribe' ? x.params?.symbol : x.event === 'subscribe' ? x.pair : undefined;
  if (!Array.isArray(list)) return [];
  const out: string[] = [];
  for (const p of list) if (typeof p === 'string' && !out.includes(fromV1Pair(p))) out.push(fromV1Pair(p));
  return out;
}
