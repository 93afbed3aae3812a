// BingX spot (`bingx`) and USDT-M perpetual swaps (`bingx-swap`) speak one protocol on two hosts
// (PROTOCOLS-MORE.md §3): gzip-compressed binary frames, the `<SYMBOL>@<channel>` dataType
// subscriptions, `@incrDepth` books chained by lastUpdateId. What differs — ids, hosts, the
// listing endpoint, the unified symbol shape, the keepalive text — is stated once, here; every
// other file takes the market as an argument.

export interface BingxMarket {
  /** The venue id the market is recorded under. */
  readonly venue: 'bingx' | 'bingx-swap';
  readonly name: string;
  /** Production endpoints: the ws URL is the full socket URL (a --ws-url override replaces it whole). */
  readonly urls: { readonly ws: string; readonly rest: string };
  /** USDT-M perpetual: unified symbols carry `:USDT`, markPrice is published. */
  readonly swap: boolean;
}

export const SPOT: BingxMarket = {
  venue: 'bingx',
  name: 'BingX',
  urls: { ws: 'wss://open-api-ws.bingx.com/market', rest: 'https://open-api.bingx.com' },
  swap: false,
};

export const SWAP: BingxMarket = {
  venue: 'bingx-swap',
  name: 'BingX USDT-M perpetual',
  urls: { ws: 'wss://open-api-swap.bingx.com/swap-market', rest: 'https://open-api.bingx.com' },
  swap: true,
};
