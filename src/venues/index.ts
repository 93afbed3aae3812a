// The venue registry: adding an exchange means one folder under venues/ and one line here.
import { MarketfeedError } from '../core/errors.js';
import { binance, binanceFutures } from './binance/index.js';
import { bingx, bingxSwap } from './bingx/index.js';
import { bitfinex, bitfinexRaw } from './bitfinex/index.js';
import { bitget } from './bitget/index.js';
import { bybit, bybitLinear } from './bybit/index.js';
import { coinbase } from './coinbase/index.js';
import { kraken } from './kraken/index.js';
import { kucoin, kucoinFutures } from './kucoin/index.js';
import { mexc, mexcFutures } from './mexc/index.js';
import { okcoin, okx } from './okx/index.js';
import type { VenueSpec } from './types.js';

export const VENUES = {
  binance,
  'binance-futures': binanceFutures,
  bingx,
  'bingx-swap': bingxSwap,
  bitfinex,
  'bitfinex-raw': bitfinexRaw,
  bitget,
  bybit,
  'bybit-linear': bybitLinear,
  coinbase,
  kraken,
  kucoin,
  'kucoin-futures': kucoinFutures,
  mexc,
  'mexc-futures': mexcFutures,
  okx,
  okcoin,
} satisfies Record<string, VenueSpec>;

export type VenueId = keyof typeof VENUES;
export type KindOf<V extends VenueId> = keyof (typeof VENUES)[V]['kinds'];

export const VENUE_IDS = Object.keys(VENUES) as VenueId[];

export function getVenue(id: string): VenueSpec {
  const spec = (VENUES as Record<string, VenueSpec>)[id];
  if (!spec) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_VENUE', `unknown venue ${JSON.stringify(id)}`, {
      expected: `one of ${VENUE_IDS.join(', ')}`, got: id,
    });
  }
  return spec;
}

export type { VenueSpec, Kind } from './types.js';
export { VenueSession } from './session.js';
export type { SessionHandlers, SessionOptions, SymbolStats } from './session.js';
