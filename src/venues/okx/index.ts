// OKX v5 (`okx`: spot, perpetual swaps, dated futures) and OKCoin (`okcoin`: spot), one protocol
// (PROTOCOLS.md §6) served by one folder; market.ts says what differs. Books come on the
// websocket (snapshot then diffs on `books`), verified by the seqId/prevSeqId chain and, while
// OKX still sends a non-zero one, the top-25 CRC32 (book-rule.ts).
import type { DecodeContext, Kind, VenueSpec } from '../types.js';
import { okxBookRule } from './book-rule.js';
import { createDecoder } from './decode.js';
import { OKCOIN, OKX, type OkxMarket } from './market.js';
import { depthRequest, instrumentsRequest, parseDepth, parseExchangeInfo } from './rest.js';
import { APP_PING, plan, resubscribe, subscribedSymbols } from './subscribe.js';
import { toUnified, toVenueSymbol } from './symbols.js';
import { historyTradesRoute } from './trades-by-id.js';

/** The VenueSpec parts of one market. */
function marketParts(m: OkxMarket) {
  return {
    id: m.venue,
    name: m.name,
    urls: m.urls,
    // OKX documents no session limit; rotate daily like the others.
    maxSessionS: 24 * 3600,
    // The server sends no pings of its own: the client's "ping" text keeps the socket (appPing).
    serverPingIntervalS: 0,
    toVenueSymbol: (unified: string) => toVenueSymbol(m, unified),
    fromVenueSymbol: toUnified,
    // The listing endpoint takes one instType: spot, then the market's other types.
    exchangeInfo: instrumentsRequest('SPOT'),
    exchangeInfoExtra: m.instTypes.filter((t) => t !== 'SPOT').map(instrumentsRequest),
    parseExchangeInfo: (body: string) => parseExchangeInfo(m, body),
    plan: (wsBase: string, venueSymbols: string[], kinds: Kind[]) => plan(wsBase, venueSymbols, kinds),
    createDecoder: (ctx: DecodeContext) => createDecoder(ctx),
    // Always sz=400 (rest.ts): the seeded book must cover what the 400-level channel updates.
    depthRequest: (venueSymbol: string, _limit: number) => depthRequest(venueSymbol),
    parseDepth: (body: string) => parseDepth(m, body),
    bookRule: okxBookRule,
    bookSnapshot: 'ws' as const,
    resubscribe: (venueSymbol: string) => resubscribe(venueSymbol),
    appPing: APP_PING,
    subscribedSymbols,
  };
}

export const okx = {
  ...marketParts(OKX),
  kinds: { trades: true, book: true, quote: true, derivative: true },
  // trade ids are consecutive per instrument: a jump (a dropped socket) is backfilled by id over
  // REST from history-trades (trades-by-id.ts). OKCoin has none: the simulator has no OKCoin mode
  // and www.okcoin.com was not confirmed to serve the route, so its jumps are not backfilled.
  tradesById: historyTradesRoute(OKX),
} satisfies VenueSpec;

export const okcoin = {
  ...marketParts(OKCOIN),
  kinds: { trades: true, book: true, quote: true, derivative: false },
} satisfies VenueSpec;
