// The per-symbol state of a Bybit mode (protocol.ts): the u counter and cross sequence, each
// orderbook topic's view of the book (what its subscribers hold), the depth-1 top, the other
// topics' subscribers, old books for the stale-snapshot fault, and each trade's seq for REST.
import type { BookState, SimTrade } from '../market.js';
import type { SymbolState } from '../symbol-state.js';
import type { VenueConn } from '../venue/context.js';
import { SideView } from '../venue/depth-view.js';

/** Trade id → seq kept for the REST recent-trade rows. */
const TRADE_SEQS = 250_000;

export interface BookTopic {
  depth: number;
  bids: SideView;
  asks: SideView;
  conns: Set<VenueConn>;
  /** Subscriptions whose snapshot is held back (slowsnapshot) until the time given. */
  pending: Map<VenueConn, number>;
  bt: number[];
  bl: number[];
  at: number[];
  al: number[];
}

export interface BSym {
  state: SymbolState;
  /** u of the newest frame (its truth key) and its cross sequence. */
  u: number;
  seq: number;
  books: Map<number, BookTopic>;
  top: { conns: Set<VenueConn>; u: number; bid: number; bidLots: number; ask: number; askLots: number; sentMs: number };
  trades: Set<VenueConn>;
  tickers: Set<VenueConn>;
  liquidations: Set<VenueConn>;
  /** Linear ticker fields as last pushed (deltas carry what differs). */
  tickerSent: Map<string, string>;
  old: { u: number; seq: number; book: BookState }[];
  oldAtMs: number;
  tradeSeq: Map<number, number>;
}

export function newSym(state: SymbolState, u: number, seq: number): BSym {
  const { market } = state;
  return {
    state, u, seq, books: new Map(),
    top: { conns: new Set(), u, bid: market.bids.bestTicks(), bidLots: market.bids.lotsFromTop(0), ask: market.asks.bestTicks(), askLots: market.asks.lotsFromTop(0), sentMs: 0 },
    trades: new Set(), tickers: new Set(), liquidations: new Set(), tickerSent: new Map(), old: [], oldAtMs: 0, tradeSeq: new Map(),
  };
}

/** A topic of `depth` levels whose view starts as the book is now (after the newest frame). */
export function newBookTopic(depth: number, state: SymbolState): BookTopic {
  const b: BookTopic = { depth, bids: new SideView(depth, true), asks: new SideView(depth, true), conns: new Set(), pending: new Map(), bt: [], bl: [], at: [], al: [] };
  b.bids.reset(state.market.bids);
  b.asks.reset(state.market.asks);
  return b;
}

/** Files the seq the frame's trades went out with (the newest TRADE_SEQS kept). */
export function rememberTradeSeqs(o: BSym, trades: readonly SimTrade[]): void {
  for (const t of trades) o.tradeSeq.set(t.id, o.seq);
  if (o.tradeSeq.size <= TRADE_SEQS + (TRADE_SEQS >> 3)) return;
  let drop = o.tradeSeq.size - TRADE_SEQS;
  for (const id of o.tradeSeq.keys()) {
    if (drop-- <= 0) break;
    o.tradeSeq.delete(id);
  }
}
