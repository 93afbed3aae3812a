// Bitfinex spot (PROTOCOLS.md §5): WS v2 books verified by the venue's `cs` checksum frames,
// trades (`te`) and tickers, over the public endpoint. Books come from the websocket (snapshot on
// subscribe, a resubscribe for a fresh one); the REST book is the fallback.
//
// Two venue ids, one folder: `bitfinex` subscribes price-aggregated books (`prec:"P0"`), and
// `bitfinex-raw` raw order books (`prec:"R0"`): the decoder keeps the orders, hands the engine
// their price levels, and checks the venue's `cs` against its own raw checksum of the orders.
import type { DecodeContext, Kind, VenueSpec } from '../types.js';
import { bookRule } from './book-rule.js';
import { createDecoder } from './decode.js';
import { depthRequest, exchangeInfoRequest, parseDepth, parseExchangeInfo } from './rest.js';
import { plan, resubscribeFrames, subscribedSymbols, type BookPrec } from './subscribe.js';
import { fromVenueSymbol, toVenueSymbol } from './symbols.js';

/** The VenueSpec parts of one book precision (everything else is shared). */
function precParts(prec: BookPrec) {
  return {
    plan: (wsBase: string, venueSymbols: string[], kinds: Kind[], depth?: number) => plan(wsBase, venueSymbols, kinds, depth, prec),
    createDecoder: (ctx: DecodeContext) => createDecoder(ctx, prec),
    resubscribe: (venueSymbol: string, depth: number) => resubscribeFrames(venueSymbol, depth, undefined, prec),
  };
}

const shared = {
  urls: { ws: 'wss://api-pub.bitfinex.com/ws/2', rest: 'https://api-pub.bitfinex.com' },
  // No documented session limit: rotate daily.
  maxSessionS: 24 * 3600,
  // Every channel gets a `[CHAN,"hb"]` heartbeat about every 15 s.
  serverPingIntervalS: 15,
  kinds: { trades: true, book: true, quote: true, derivative: false },
  toVenueSymbol,
  fromVenueSymbol,
  subscribedSymbols,
  exchangeInfo: exchangeInfoRequest,
  parseExchangeInfo,
  bookRule,
  bookSnapshot: 'ws' as const,
  // no bookDepth: Bitfinex deletes the levels (orders) that leave a `len` book itself, and one
  // update spans several frames, so cutting the book after each frame would drop levels it holds
};

export const bitfinex = {
  id: 'bitfinex',
  name: 'Bitfinex',
  ...shared,
  ...precParts('P0'),
  // the P0 REST book, the fallback when resubscribing brings no snapshot (its cs frames prove it)
  depthRequest,
  parseDepth,
} satisfies VenueSpec;

/**
 * Raw books: `len` counts orders (25/100/250, at least the 25 the checksum covers). The `cs`
 * frames prove the decoder's orders (and so the levels derived from them). No REST fallback: a
 * price book from REST holds no orders the raw checksum could prove, so a book that needs a
 * snapshot only ever resubscribes.
 */
export const bitfinexRaw = {
  id: 'bitfinex-raw',
  name: 'Bitfinex (raw order books)',
  ...shared,
  ...precParts('R0'),
} satisfies VenueSpec;
