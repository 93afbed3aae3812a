// MEXC (PROTOCOLS-MORE.md §4): spot (`mexc`, protobuf market data on a JSON-controlled socket)
// and USDT perpetuals (`mexc-futures`, JSON), one folder. Both books are seeded over REST and
// verified by a version chain (book-rule.ts); what else differs is stated here, per spec.
import type { DecodeContext, Kind, VenueSpec } from '../types.js';
import { versionChainRule } from './book-rule.js';
import { createFuturesDecoder } from './futures-decode.js';
import {
  futuresDepthRequest, futuresDetail, futuresRestSymbol, parseFuturesDepth, parseFuturesDetail, parseSpotDepth, parseSpotExchangeInfo, spotDepthRequest,
  spotExchangeInfo,
} from './rest.js';
import { createSpotDecoder } from './spot-decode.js';
import {
  FUTURES_PING, SPOT_PING, futuresPlan, futuresSubscribedSymbols, spotPlan, spotSubscribedSymbols,
} from './subscribe.js';
import { FUTURES_VENUE, SPOT_VENUE, futuresUnified, futuresVenueSymbol, spotUnified, spotVenueSymbol } from './symbols.js';

export const mexc = {
  id: SPOT_VENUE,
  name: 'MEXC',
  // The JSON service wss://wbs.mexc.com/ws closed on 2025-08-04: protobuf only (§4.1).
  urls: { ws: 'wss://wbs-api.mexc.com/ws', rest: 'https://api.mexc.com' },
  // "24 h maximum lifetime" per connection.
  maxSessionS: 24 * 3600,
  // Keepalive is our {"method":"PING"} (appPing); websocket-level pings are answered by the transport.
  serverPingIntervalS: 0,
  kinds: { trades: true, book: true, quote: true, derivative: false },
  toVenueSymbol: spotVenueSymbol,
  fromVenueSymbol: spotUnified,
  exchangeInfo: spotExchangeInfo,
  parseExchangeInfo: parseSpotExchangeInfo,
  plan: (wsBase: string, venueSymbols: string[], kinds: Kind[]) => spotPlan(wsBase, venueSymbols, kinds),
  createDecoder: (ctx: DecodeContext) => createSpotDecoder(ctx),
  depthRequest: spotDepthRequest,
  parseDepth: parseSpotDepth,
  bookRule: versionChainRule,
  bookSnapshot: 'rest' as const,
  appPing: SPOT_PING,
  subscribedSymbols: spotSubscribedSymbols,
} satisfies VenueSpec;

export const mexcFutures = {
  id: FUTURES_VENUE,
  name: 'MEXC Futures',
  urls: { ws: 'wss://contract.mexc.com/edge', rest: 'https://contract.mexc.com' },
  // No documented session limit; rotate daily like the others.
  maxSessionS: 24 * 3600,
  serverPingIntervalS: 0,
  kinds: { trades: true, book: true, quote: true, derivative: true },
  toVenueSymbol: futuresVenueSymbol,
  fromVenueSymbol: futuresUnified,
  exchangeInfo: futuresDetail,
  parseExchangeInfo: parseFuturesDetail,
  plan: (wsBase: string, venueSymbols: string[], kinds: Kind[]) => futuresPlan(wsBase, venueSymbols, kinds),
  createDecoder: (ctx: DecodeContext) => createFuturesDecoder(ctx),
  depthRequest: (venueSymbol: string, _limit: number) => futuresDepthRequest(venueSymbol),
  // the contract is in the depth path, not a query parameter
  restSymbol: futuresRestSymbol,
  parseDepth: parseFuturesDepth,
  bookRule: versionChainRule,
  bookSnapshot: 'rest' as const,
  appPing: FUTURES_PING,
  subscribedSymbols: futuresSubscribedSymbols,
} satisfies VenueSpec;
