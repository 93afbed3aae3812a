// Kraken spot (`kraken`): WS v2 live (PROTOCOLS.md §3), v1 decoded too for the 2021 captures (§4).
// Books come from the websocket snapshot and are proven by Kraken's CRC32 on every update
// (book-rule.ts); book texts are padded to the pair precisions the `instrument` channel gives
// (pair-precisions.ts says what happens before they arrive). Wiring only; each file's header
// describes its part.
import type { VenueSpec } from '../types.js';
import { krakenBookRule } from './book-rule.js';
import { createDecoder } from './decode.js';
import { depthRequest, exchangeInfoRequest, parseDepth, parseExchangeInfo } from './rest.js';
import { APP_PING, bookDepth, isPong, plan, resubscribe, subscribedSymbols } from './subscribe.js';
import { toVenueSymbol } from './symbols.js';

export const kraken = {
  id: 'kraken',
  name: 'Kraken',
  urls: { ws: 'wss://ws.kraken.com/v2', rest: 'https://api.kraken.com' },
  // Kraken states no maximum connection lifetime; we rotate daily all the same.
  maxSessionS: 24 * 3600,
  // v2 sends {"channel":"heartbeat"} about once a second on a subscribed connection.
  serverPingIntervalS: 1,
  kinds: { trades: true, book: true, quote: true, derivative: false },
  toVenueSymbol,
  // a v2 pair is its own unified symbol
  fromVenueSymbol: (venueSymbol: string) => (venueSymbol.includes('/') ? venueSymbol : undefined),
  subscribedSymbols,
  exchangeInfo: exchangeInfoRequest,
  parseExchangeInfo,
  plan,
  createDecoder,
  depthRequest,
  parseDepth,
  bookRule: krakenBookRule,
  bookSnapshot: 'ws',
  resubscribe,
  bookDepth,
  // `{"method":"ping"}` → `{"method":"pong","time_in":…,"time_out":…}` (websocket-v2/ping).
  appPing: { text: APP_PING, intervalMs: 30_000, isPong },
  // ccxt/ccxt#24461 (maintainer, 2026-08-03): failures on low-priced pairs "traced to kraken's own
  // checksum feed being unreliable on precision edge cases" — the pairs it names (PROTOCOLS.md §3).
  advisoryChecksum: ['PEPE/AUD', 'FLOKI/USD', 'LUNC/USD', 'EURQ/USD'],
} satisfies VenueSpec;
