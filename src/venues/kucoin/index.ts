// KuCoin Classic (PROTOCOLS-MORE.md §5): spot (`kucoin`) and futures (`kucoin-futures`), one folder
// (market.ts says what differs). Every socket opens on a URL from the public bullet token
// (connectToken); books come from a REST snapshot bridged to the level2 stream by sequence
// (book-rule.ts), and the ticker's best bid/ask at the book's sequence checks the book again.
import type { DecodeContext, Kind, VenueSpec } from '../types.js';
import { futuresBookRule, spotBookRule } from './book-rule.js';
import { createDecoder } from './decode.js';
import { FUTURES, SPOT, type KucoinMarket } from './market.js';
import { BULLET_REQUEST, depthRequest, exchangeInfoRequest, parseBullet, parseDepth, parseExchangeInfo } from './rest.js';
import { APP_PING, plan, subscribedSymbols } from './subscribe.js';
import { tradeHistoryRoute } from './trade-history.js';
import { futuresUnified, spotUnified, toVenueSymbol } from './symbols.js';

/** The VenueSpec parts of one market. */
function marketParts(m: KucoinMarket) {
  return {
    id: m.venue,
    name: m.name,
    urls: m.urls,
    // The token is valid for connecting for 24 h; no session limit is documented: rotate daily.
    maxSessionS: 24 * 3600,
    // The server sends no pings: the client's {"type":"ping"} keeps the socket (appPing).
    serverPingIntervalS: 0,
    toVenueSymbol: (unified: string) => toVenueSymbol(m, unified),
    fromVenueSymbol: m.futures ? futuresUnified : spotUnified,
    exchangeInfo: exchangeInfoRequest(m),
    parseExchangeInfo: (body: string) => parseExchangeInfo(m, body),
    connectToken: { request: BULLET_REQUEST, parse: (body: string) => parseBullet(m, body) },
    // "subscribe after the welcome message": the socket greets before it takes topics
    subscribeAfter: (text: string) => text.includes('"type":"welcome"'),
    plan: (wsBase: string, venueSymbols: string[], kinds: Kind[]) => plan(m, wsBase, venueSymbols, kinds),
    createDecoder: (ctx: DecodeContext) => createDecoder(ctx),
    depthRequest: (venueSymbol: string, _limit: number) => depthRequest(m, venueSymbol),
    parseDepth: (body: string) => parseDepth(m, body),
    bookRule: m.futures ? futuresBookRule : spotBookRule,
    appPing: APP_PING,
    subscribedSymbols,
  };
}

export const kucoin = {
  ...marketParts(SPOT),
  kinds: { trades: true, book: true, quote: true, derivative: false },
} satisfies VenueSpec;

export const kucoinFutures = {
  ...marketParts(FUTURES),
  kinds: { trades: true, book: true, quote: true, derivative: true },
  // an outage of the execution stream is filled by time window from the last 100 trades
  // (trade-history.ts; spot's histories rows carry no trade id to match the stream's by)
  recentTrades: tradeHistoryRoute,
} satisfies VenueSpec;
