// Binance: spot (`binance`, PROTOCOLS.md §1) and USDⓈ-M futures (`binance-futures`, PROTOCOLS.md §2),
// two venues served by one folder. Their protocol differences are stated in market.ts; the files
// here take the market as their first argument, and each spec binds its own.
import type { DecodeContext, Kind, VenueSpec } from '../types.js';
import { createDecoder } from './decode.js';
import { SPOT, USDM, type BinanceMarket } from './market.js';
import {
  depthRequest, exchangeInfoRequest, openInterestRequest, parseDepth, parseExchangeInfo, parseRequestWeightLimit, parseTradesById,
  tradesByIdFromId, tradesByIdRequest,
} from './rest.js';
import { plan, planFromUrl } from './subscribe.js';
import { toVenueSymbol } from './symbols.js';

/** The VenueSpec functions of one market. */
function marketParts(m: BinanceMarket) {
  return {
    toVenueSymbol: (unified: string) => toVenueSymbol(m, unified),
    exchangeInfo: exchangeInfoRequest(m),
    parseExchangeInfo: (body: string) => parseExchangeInfo(m, body),
    plan: (wsBase: string, venueSymbols: string[], kinds: Kind[]) => plan(m, wsBase, venueSymbols, kinds),
    planFromUrl,
    createDecoder: (ctx: DecodeContext) => createDecoder(m, ctx),
    depthRequest: (venueSymbol: string, limit: number) => depthRequest(m, venueSymbol, limit),
    parseDepth: (body: string) => parseDepth(m, body),
    bookRule: m.bookRule,
    // a jump in trade ids (a dropped socket) is backfilled by id over REST (market.ts tradesById)
    tradesById: {
      route: m.tradesById.path,
      maxLimit: m.tradesById.maxLimit,
      request: (venueSymbol: string, fromId: number, limit: number) => tradesByIdRequest(m, venueSymbol, fromId, limit),
      fromIdOf: (url: string) => tradesByIdFromId(m, url),
      parse: (body: string) => parseTradesById(m, body),
    },
    // PROTOCOLS.md §1.6: every response counts the IP's weight in `X-MBX-USED-WEIGHT-1M`
    restLimit: {
      weightPerMinute: m.requestWeightPerMinute,
      fromListing: parseRequestWeightLimit,
      usedWeightHeader: { name: 'x-mbx-used-weight-1m', windowMs: 60_000 },
    },
  };
}

export const binance = {
  id: SPOT.venue,
  name: 'Binance',
  urls: { ws: 'wss://stream.binance.com:9443', rest: 'https://api.binance.com' },
  // "A single connection to stream.binance.com is only valid for 24 hours."
  maxSessionS: 24 * 3600,
  // The server pings every 20 s; no pong within 1 minute disconnects (2025-01-28).
  serverPingIntervalS: 20,
  kinds: { trades: true, book: true, quote: true, derivative: false },
  ...marketParts(SPOT),
} satisfies VenueSpec;

export const binanceFutures = {
  id: USDM.venue,
  name: 'Binance USDⓈ-M Futures',
  urls: { ws: 'wss://fstream.binance.com', rest: 'https://fapi.binance.com' },
  // "A single connection is only valid for 24 hours."
  maxSessionS: 24 * 3600,
  // The server pings every 3 minutes; no pong for 10 minutes disconnects.
  serverPingIntervalS: 180,
  kinds: { trades: true, book: true, quote: true, derivative: true },
  ...marketParts(USDM),
  // open interest is REST only (PROTOCOLS.md §2): polled by the session, decoded by decodeRest
  openInterest: { request: (venueSymbol: string) => openInterestRequest(USDM, venueSymbol) },
} satisfies VenueSpec;
