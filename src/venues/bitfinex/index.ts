// Bitfinex spot (PROTOCOLS.md §5): WS v2 books verified by the venue's `cs` checksum frames,
// trades (`te`) and tickers, over the public endpoint. Books come from the websocket (snapshot on
// subscribe, a resubscribe for a fresh one); the REST book is the fallback.
import type { DecodeContext, VenueSpec } from '../types.js';
import { bookRule } from './book-rule.js';
import { createDecoder } from './decode.js';
import { depthRequest, exchangeInfoRequest, parseDepth, parseExchangeInfo } from './rest.js';
import { plan, resubscribeFrames, subscribedSymbols } from './subscribe.js';
import { fromVenueSymbol, toVenueSymbol } from './symbols.js';

export const bitfinex = {
  id: 'bitfinex',
  name: 'Bitfinex',
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
  plan,
  createDecoder: (ctx: DecodeContext) => createDecoder(ctx),
  depthRequest,
  parseDepth,
  bookRule,
  bookSnapshot: 'ws',
  resubscribe: (venueSymbol: string, depth: number) => resubscribeFrames(venueSymbol, depth),
  // no bookDepth: Bitfinex deletes the levels that leave a `len` book itself, and one update
  // spans several frames, so cutting the book after each frame would drop levels it still holds
} satisfies VenueSpec;
