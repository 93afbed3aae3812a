// Bitget (`bitget`): spot and USDT-margined perpetuals over the v2 public websocket, books
// verified by the venue's CRC32 of the top 25 levels (book-rule.ts). The decoder also reads the v1
// spot/mix streams of the 2022 cryptofeed captures. Symbols: symbols.ts.
import type { DecodeContext, Kind, VenueSpec } from '../types.js';
import { bookRule } from './book-rule.js';
import { createDecoder } from './decode.js';
import { contractsRequest, depthRequest, exchangeInfoRequest, parseDepth, parseExchangeInfo } from './rest.js';
import { plan, resubscribe, subscribedIn } from './subscribe.js';
import { toVenueSymbol, unifiedOf, VENUE } from './symbols.js';

export const bitget = {
  id: VENUE,
  name: 'Bitget',
  urls: { ws: 'wss://ws.bitget.com/v2/ws/public', rest: 'https://api.bitget.com' },
  // "Websocket will be forcibly disconnected every 24 hours."
  maxSessionS: 24 * 3600,
  // The server does not ping; the client sends "ping" every 30 s (appPing) and is dropped after
  // 2 minutes without one.
  serverPingIntervalS: 30,
  kinds: { trades: true, book: true, quote: true, derivative: true },
  toVenueSymbol,
  fromVenueSymbol: unifiedOf,
  exchangeInfo: exchangeInfoRequest,
  exchangeInfoExtra: [contractsRequest],
  parseExchangeInfo,
  plan: (wsBase: string, venueSymbols: string[], kinds: Kind[]) => plan(wsBase, venueSymbols, kinds),
  createDecoder: (ctx: DecodeContext) => createDecoder(ctx),
  depthRequest,
  parseDepth,
  bookRule,
  bookSnapshot: 'ws',
  resubscribe: (venueSymbol: string) => resubscribe(venueSymbol),
  appPing: { text: 'ping', intervalMs: 30_000, isPong: (text: string) => text === 'pong' },
  subscribedSymbols: (frame: string) => subscribedIn(frame)?.venueSymbols ?? [],
} satisfies VenueSpec;
