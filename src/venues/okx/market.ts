// OKX v5 (`okx`) and OKCoin (`okcoin`) speak the same v5 public protocol (PROTOCOLS.md §6; the
// OKCoin capture in shared/fixtures/cryptofeed/OKCOIN.ws.1.0 is byte-for-byte the OKX format), so
// one folder serves both. What differs — ids, hosts, and which instrument types are listed — is
// stated once, here; every other file takes the market as its first argument.

/** OKX instrument types we record (OPTION and MARGIN are out of scope). */
export type OkxInstType = 'SPOT' | 'SWAP' | 'FUTURES';

export interface OkxMarket {
  /** The venue id the market is recorded under. */
  readonly venue: 'okx' | 'okcoin';
  readonly name: string;
  /** Production endpoints: the ws URL is the full public socket URL (a --ws-url override replaces it whole). */
  readonly urls: { readonly ws: string; readonly rest: string };
  /** Instrument types the venue lists; OKCoin is spot only. */
  readonly instTypes: readonly OkxInstType[];
}

export const OKX: OkxMarket = {
  venue: 'okx',
  name: 'OKX',
  urls: { ws: 'wss://ws.okx.com:8443/ws/v5/public', rest: 'https://www.okx.com' },
  instTypes: ['SPOT', 'SWAP', 'FUTURES'],
};

export const OKCOIN: OkxMarket = {
  venue: 'okcoin',
  name: 'OKCoin',
  // The host of the 2023 capture (OKCOIN.ws.1.0 connect line).
  urls: { ws: 'wss://real.okcoin.com:8443/ws/v5/public', rest: 'https://www.okcoin.com' },
  instTypes: ['SPOT'],
};
