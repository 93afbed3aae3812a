// Which sockets to open and what to send on them (PROTOCOLS-MORE.md §2.1). The ws base is the full
// market-data URL (`wss://advanced-trade-ws.coinbase.com`, or the simulator's); channels are
// subscribed after open, one channel per message (the venue's rule), within its 5 s deadline:
//   {"type":"subscribe","product_ids":["BTC-USD",…],"channel":"level2"}
// `heartbeats` (no products) goes on every socket: Coinbase closes channels that stay quiet for
// 60–90 s, and its one-a-second ticks keep our no-data watchdog fed too. No JWT: level2,
// market_trades, ticker and heartbeats are public (only `user` and `futures_balance_summary`
// need one, SDK WS_AUTH_CHANNELS).
import type { ConnectionPlan, Kind } from '../types.js';

/**
 * Books per socket: one. sequence_num counts every message of the socket, so a book can only be
 * verified again from a capture that holds all of them — and the raw capture files each frame
 * under the symbol it concerns (feed-core.ts), so a socket of two products would leave each
 * symbol's file with holes that are no loss. With one product a socket its file is its whole
 * stream (heartbeats and acks go to every symbol of the socket), replay reproduces each check,
 * and one lost message costs one book. The decoder keeps products apart (sequence.ts) should
 * frames ever be filed per socket.
 */
export const MAX_BOOK_PRODUCTS_PER_CONNECTION = 1;
/** Without books nothing resyncs: a socket takes more products. */
export const MAX_PRODUCTS_PER_CONNECTION = 100;

const HEARTBEATS = '{"type":"subscribe","channel":"heartbeats"}';

/** The data channels for these kinds, in subscribe order. */
export function channelsFor(kinds: readonly Kind[]): string[] {
  const out: string[] = [];
  if (kinds.includes('book')) out.push('level2');
  if (kinds.includes('trades')) out.push('market_trades');
  if (kinds.includes('quote')) out.push('ticker');
  return out;
}

const frame = (type: 'subscribe' | 'unsubscribe', productIds: readonly string[], channel: string): string =>
  JSON.stringify({ type, product_ids: productIds, channel });

export function plan(wsBase: string, venueSymbols: string[], kinds: Kind[]): ConnectionPlan[] {
  const channels = channelsFor(kinds);
  if (channels.length === 0 || venueSymbols.length === 0) return [];
  const book = kinds.includes('book');
  const perConn = book ? MAX_BOOK_PRODUCTS_PER_CONNECTION : MAX_PRODUCTS_PER_CONNECTION;
  const plans: ConnectionPlan[] = [];
  for (let i = 0; i < venueSymbols.length; i += perConn) {
    const ids = venueSymbols.slice(i, i + perConn);
    plans.push({ url: wsBase, subscribe: [...channels.map((c) => frame('subscribe', ids, c)), HEARTBEATS], venueSymbols: ids, book });
  }
  return plans;
}

/** Unsubscribe + subscribe of one product's level2: Coinbase answers with a fresh snapshot event. */
export function resubscribe(venueSymbol: string): string[] {
  return [frame('unsubscribe', [venueSymbol], 'level2'), frame('subscribe', [venueSymbol], 'level2')];
}

/** The product ids a sent `subscribe` frame names (a capture's symbols); [] for anything else. */
export function subscribedSymbols(text: string): string[] {
  if (!text.includes('"subscribe"')) return [];
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return [];
  }
  const x = m as { type?: unknown; product_ids?: unknown };
  if (x?.type !== 'subscribe' || !Array.isArray(x.product_ids)) return [];
  const out: string[] = [];
  for (const id of x.product_ids as unknown[]) if (typeof id === 'string' && !out.includes(id)) out.push(id);
  return out;
}
