// Coinbase Advanced Trade (`coinbase`), spot, over the public market-data websocket
// (PROTOCOLS-MORE.md §2). Books come on the websocket (a level2 snapshot event, then updates) and
// carry no checksum and no per-product sequence: they are verified by the connection-wide
// sequence_num, folded into per-product chains by the decoder (sequence.ts, book-rule.ts). A
// break on a socket resyncs every book on it by unsubscribe + subscribe.
import type { DecodeContext, Kind, VenueSpec } from '../types.js';
import { coinbaseBookRule } from './book-rule.js';
import { createDecoder } from './decode.js';
import { parseProducts, productsRequest } from './rest.js';
import { plan, resubscribe, subscribedSymbols } from './subscribe.js';
import { tickerTradesProduct, tickerTradesRoute } from './ticker-trades.js';
import { toUnified, toVenueSymbol, VENUE } from './symbols.js';

export const coinbase = {
  id: VENUE,
  name: 'Coinbase',
  urls: { ws: 'wss://advanced-trade-ws.coinbase.com', rest: 'https://api.coinbase.com' },
  // Coinbase documents no session limit; rotate daily like the others.
  maxSessionS: 24 * 3600,
  // No application ping: the subscribed heartbeats channel ticks every second; websocket-level
  // pings are answered by the transport.
  serverPingIntervalS: 0,
  kinds: { trades: true, book: true, quote: true, derivative: false },
  toVenueSymbol,
  fromVenueSymbol: toUnified,
  exchangeInfo: productsRequest,
  parseExchangeInfo: parseProducts,
  plan: (wsBase: string, venueSymbols: string[], kinds: Kind[]) => plan(wsBase, venueSymbols, kinds),
  createDecoder: (ctx: DecodeContext) => createDecoder(ctx),
  bookRule: coinbaseBookRule,
  bookSnapshot: 'ws',
  resubscribe: (venueSymbol: string) => resubscribe(venueSymbol),
  subscribedSymbols,
  // an outage of market_trades longer than its resubscribe snapshot (50 trades) is filled by time
  // window from the public market trades (ticker-trades.ts): trade ids are asked by time there
  recentTrades: tickerTradesRoute,
  restSymbol: tickerTradesProduct,
} satisfies VenueSpec;
