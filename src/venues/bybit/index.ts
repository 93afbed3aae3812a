// Bybit v5 public streams (PROTOCOLS-MORE.md §1): `bybit` (spot) and `bybit-linear` (USDT
// perpetuals), one protocol served by one folder; market.ts says what differs. Books come on the
// websocket (`orderbook.{50|200|1000}`: a snapshot, then deltas), verified by the u chain with the
// seq cross check (book-rule.ts); a gap resubscribes for a fresh snapshot.
import type { DecodeContext, Kind, VenueSpec } from '../types.js';
import { bybitBookRule } from './book-rule.js';
import { createDecoder } from './decode.js';
import { BYBIT_LINEAR, BYBIT_SPOT, type BybitMarket } from './market.js';
import { instrumentsRequest, parseExchangeInfo } from './rest.js';
import { recentTradeRoute } from './recent-trade.js';
import { APP_PING, bookTopicDepth, plan, resubscribe, subscribedSymbols } from './subscribe.js';
import { toUnified, toVenueSymbol } from './symbols.js';

/** The VenueSpec parts of one market. */
function marketParts(m: BybitMarket) {
  return {
    id: m.venue,
    name: m.name,
    urls: m.urls,
    // No maximum session is documented for public streams; rotate daily like the others.
    maxSessionS: 24 * 3600,
    // The server sends no pings: the client's {"op":"ping"} keeps the socket (appPing).
    serverPingIntervalS: 0,
    toVenueSymbol: (unified: string) => toVenueSymbol(m, unified),
    fromVenueSymbol: (venueSymbol: string) => toUnified(m, venueSymbol),
    exchangeInfo: instrumentsRequest(m),
    parseExchangeInfo: (body: string) => parseExchangeInfo(m, body),
    plan: (wsBase: string, venueSymbols: string[], kinds: Kind[], depth?: number) => plan(m, wsBase, venueSymbols, kinds, depth),
    createDecoder: (ctx: DecodeContext) => createDecoder(m, ctx),
    bookRule: bybitBookRule,
    bookSnapshot: 'ws' as const,
    // The topic's depth bounds the book: a level pushed out of it is not ours to keep.
    bookDepth: bookTopicDepth,
    resubscribe,
    appPing: APP_PING,
    subscribedSymbols,
    // ids are not consecutive: a reconnect's missed trades are filled by time window
    recentTrades: recentTradeRoute(m),
  };
}

export const bybit = {
  ...marketParts(BYBIT_SPOT),
  kinds: { trades: true, book: true, quote: true, derivative: false },
} satisfies VenueSpec;

export const bybitLinear = {
  ...marketParts(BYBIT_LINEAR),
  kinds: { trades: true, book: true, quote: true, derivative: true },
} satisfies VenueSpec;
