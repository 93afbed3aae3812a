// Bybit v5 spot (`bybit`) and USDT perpetuals (`bybit-linear`) speak one public protocol
// (PROTOCOLS-MORE.md §1): the same topics, frames and sync rule on two sockets. What differs —
// ids, the socket path, the instruments-info category, the per-request args cap, and which kinds
// exist (funding, open interest and liquidations are linear only) — is stated once, here; every
// other file takes the market as its first argument.

export type BybitCategory = 'spot' | 'linear';

export interface BybitMarket {
  /** The venue id the market is recorded under. */
  readonly venue: 'bybit' | 'bybit-linear';
  readonly name: string;
  /** `category` of the v5 REST market endpoints. */
  readonly category: BybitCategory;
  /** Production endpoints: the ws URL is the full public socket URL (a --ws-url override replaces it whole). */
  readonly urls: { readonly ws: string; readonly rest: string };
  /**
   * Args one subscribe request may carry: spot "at most 10 args per subscribe request"; linear
   * states no cap (connect page, "args limits"), so frames stay modest anyway.
   */
  readonly maxArgsPerRequest: number;
}

export const BYBIT_SPOT: BybitMarket = {
  venue: 'bybit',
  name: 'Bybit',
  category: 'spot',
  urls: { ws: 'wss://stream.bybit.com/v5/public/spot', rest: 'https://api.bybit.com' },
  maxArgsPerRequest: 10,
};

export const BYBIT_LINEAR: BybitMarket = {
  venue: 'bybit-linear',
  name: 'Bybit USDT perpetuals',
  category: 'linear',
  urls: { ws: 'wss://stream.bybit.com/v5/public/linear', rest: 'https://api.bybit.com' },
  maxArgsPerRequest: 50,
};
