// KuCoin Classic serves spot (`kucoin`) and futures (`kucoin-futures`) on sibling protocols
// (PROTOCOLS-MORE.md §5): the same bullet-token connection, envelope and subscribe frames, with
// different hosts, topics, ids and REST paths. What differs is stated once, here; the other files
// take the market as their first argument. The decoder reads every topic of both.
import type { Kind } from '../types.js';

export interface KucoinMarket {
  /** The venue id the market is recorded under. */
  readonly venue: 'kucoin' | 'kucoin-futures';
  readonly name: string;
  readonly futures: boolean;
  /**
   * Production endpoints. `rest` is where the bullet token comes from; `ws` is informational (the
   * socket URL is the `instanceServers[].endpoint` the token request returns, §5.1).
   */
  readonly urls: { readonly ws: string; readonly rest: string };
  /** The topic (before `:SYM,SYM…`) that carries each kind. */
  readonly topics: Readonly<Partial<Record<Kind, string>>>;
  /** Symbol listing: spot `GET /api/v2/symbols` (weight 4), futures `GET /api/v1/contracts/active` (weight 3). */
  readonly listing: { readonly path: string; readonly weight: number };
}

export const SPOT: KucoinMarket = {
  venue: 'kucoin',
  name: 'KuCoin',
  futures: false,
  urls: { ws: 'wss://ws-api-spot.kucoin.com', rest: 'https://api.kucoin.com' },
  // §5.2 / §5.4: the incremental book, the taker trades, and the best bid/ask (its `sequence` is
  // the book's: the quote check joins on it). Spot publishes no funding or open interest.
  topics: { book: '/market/level2', trades: '/market/match', quote: '/market/ticker' },
  listing: { path: '/api/v2/symbols', weight: 4 },
};

export const FUTURES: KucoinMarket = {
  venue: 'kucoin-futures',
  name: 'KuCoin Futures',
  futures: true,
  urls: { ws: 'wss://ws-api-futures.kucoin.com', rest: 'https://api-futures.kucoin.com' },
  // §5.3 / §5.4: tickerV2 is the best bid/ask stream (its `sequence` is the level2 one; the v1
  // `ticker` counts trades instead); /contract/instrument pushes mark/index price and funding.
  topics: { book: '/contractMarket/level2', trades: '/contractMarket/execution', quote: '/contractMarket/tickerV2', derivative: '/contract/instrument' },
  listing: { path: '/api/v1/contracts/active', weight: 3 },
};
