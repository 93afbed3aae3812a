// BingX spot (`bingx`) and USDT-M perpetual swaps (`bingx-swap`), one protocol (PROTOCOLS-MORE.md
// §3) served by one folder; market.ts says what differs. Every server frame is binary gzip
// (decode.ts gunzips it); the server pings and the decoder answers through the sink. Books come on
// the websocket: `@incrDepth`'s `action:"all"` then updates chained by lastUpdateId +1 (book-rule.ts).
import type { DecodeContext, Kind, VenueSpec } from '../types.js';
import { bingxBookRule } from './book-rule.js';
import { createDecoder } from './decode.js';
import { SPOT, SWAP, type BingxMarket } from './market.js';
import { listingRequest, parseExchangeInfo } from './rest.js';
import { plan, resubscribe, subscribedSymbols } from './subscribe.js';
import { toUnified, toVenueSymbol } from './symbols.js';

function marketParts(m: BingxMarket) {
  return {
    id: m.venue,
    name: m.name,
    urls: m.urls,
    // BingX documents no session limit; rotate daily like the others.
    maxSessionS: 24 * 3600,
    // "The server sends Ping about every 5 s"; a socket that does not answer Pong is dropped.
    serverPingIntervalS: 5,
    toVenueSymbol: (unified: string) => toVenueSymbol(m, unified),
    fromVenueSymbol: (venueSymbol: string) => toUnified(m, venueSymbol),
    exchangeInfo: listingRequest(m),
    parseExchangeInfo: (body: string) => parseExchangeInfo(m, body),
    plan: (wsBase: string, venueSymbols: string[], kinds: Kind[]) => plan(m, wsBase, venueSymbols, kinds),
    createDecoder: (ctx: DecodeContext) => createDecoder(ctx),
    bookRule: bingxBookRule,
    bookSnapshot: 'ws' as const,
    resubscribe: (venueSymbol: string) => resubscribe(venueSymbol),
    subscribedSymbols,
  };
}

export const bingx = {
  ...marketParts(SPOT),
  kinds: { trades: true, book: true, quote: true, derivative: false },
  // the spot doc: trade ids "may not be in order"
  tradeIds: 'unordered' as const,
} satisfies VenueSpec;

export const bingxSwap = {
  ...marketParts(SWAP),
  kinds: { trades: true, book: true, quote: true, derivative: true },
} satisfies VenueSpec;
