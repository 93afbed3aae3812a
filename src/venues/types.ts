// The contract every venue folder fulfils. A venue states its capabilities once, here-shaped, in
// its index.ts (`satisfies VenueSpec`); the registry, CLI help, config validation and the session
// derive from it.
import type { MarketEvent } from '../core/events.js';
import type { DepthUpdate, BookRule, BookSnapshotInput } from '../book/types.js';
import type { TradesByIdRoute } from './trade-backfill.js';
import type { RecentTradesRoute } from './trade-window.js';

export type Kind = 'trades' | 'book' | 'quote' | 'derivative';

/** Per-frame metadata from the transport (see core/frames.ts RawFrame). */
export interface FrameMeta {
  venue: string;
  connId: number;
  recvSeq: number;
  localTs: number;
}

/** Where a decoder puts what it found. Implemented by the session; called synchronously. */
export interface DecodeSink {
  /**
   * Trades, quotes, tickers, derivative events … (not depth updates). `tradeIds`: for a trade of
   * a venue whose push may aggregate several matches under the last one's id (OKX `count`), how
   * many consecutive ids, ending at `ev.id`, the trade stands for; absent means 1. It only guides
   * the trade-id bookkeeping (a jump is measured from the first id): the event is written as is.
   */
  event(ev: MarketEvent, tradeIds?: number): void;
  /**
   * A depth diff for the sync engine. `u` may reuse decoder-owned storage: consume it before the
   * next decode call (the sync engine copies what it must buffer).
   */
  depth(venueSymbol: string, u: DepthUpdate): void;
  /** A frame that failed its guard: counted, logged, never passed on. */
  reject(reason: string, frame: string): void;
  /** Control traffic: subscribe acks, serverShutdown (the session reconnects at once), errors. */
  control(kind: 'ack' | 'shutdown' | 'error' | 'other', detail: string): void;
  /**
   * A book snapshot that arrived on the websocket (Kraken, Bitfinex, OKX `action:"snapshot"`): it
   * replaces the symbol's book (its time is `s.ts`; the receive time is the frame's). The sink
   * copies what it keeps.
   */
  snapshot(venueSymbol: string, s: BookSnapshotInput): void;
  /**
   * A text frame to send back on the socket this frame came in on (BingX answers the server's
   * "Ping" with "Pong"): sent and recorded as an 'out' frame live, ignored in replay.
   */
  reply?(text: string): void;
  /**
   * A checksum frame of its own (Bitfinex `[chan,"cs",n]`): the venue's checksum of the book as
   * it stands after every update received so far (unsigned 32-bit); `ts` exchange time in µs, 0
   * when the frame has none. `ours`: the checksum the decoder computed itself, from state the
   * price book does not hold (Bitfinex raw R0 books checksum order ids); when given it is
   * compared instead of the book's own.
   */
  checksum(venueSymbol: string, value: number, ts: number, ours?: number): void;
}

export interface DecodeContext {
  venue: string;
  /** venue symbol id (`BTCUSDT`) → unified symbol (`BTC/USDT`) for the symbols being recorded. */
  symbols: ReadonlyMap<string, string>;
  /** Book depth the plan subscribed (the `depth` config after spec.bookDepth). */
  bookDepth?: number;
}

export interface Decoder {
  /** Decodes one websocket text frame. Pure apart from the sink and reusable scratch storage. */
  decode(text: string, meta: FrameMeta, sink: DecodeSink): void;
  /**
   * Decodes one binary websocket frame (gzip, protobuf), live and in replay. Without it binary
   * frames are kept raw and rejected (counted) as not decodable.
   */
  decodeBinary?(data: Buffer, meta: FrameMeta, sink: DecodeSink): void;
  /**
   * Frames for a fresh snapshot of one symbol's book when they depend on what the decoder saw
   * (Bitfinex unsubscribes by the channel id its `subscribed` event gave); else spec.resubscribe.
   */
  resubscribe?(venueSymbol: string, depth: number): string[];
  /**
   * A REST body the session fetched besides book snapshots (spec.openInterest), live or from a
   * capture: `url` is the full request URL. Returns true when the body is this decoder's (it then
   * emitted its events, or rejected it through the sink); false leaves it to the book snapshot
   * path. Pure apart from the sink, like decode.
   */
  decodeRest?(url: string, body: string, meta: FrameMeta, sink: DecodeSink): boolean;
}

/** One websocket connection of a subscription plan. */
export interface ConnectionPlan {
  /** Full URL to open, e.g. wss://stream.binance.com:9443/stream?streams=btcusdt@depth@100ms/… */
  url: string;
  /** Frames to send after open (may be empty when the URL already names the streams). */
  subscribe: string[];
  /** venue symbols carried by this connection (for routing connection-level events). */
  venueSymbols: string[];
  /** True when this connection carries the depth streams of its symbols (their books follow it). */
  book: boolean;
}

export interface RestRequest {
  /** Path and query appended to the REST base URL, e.g. `/api/v3/depth?symbol=BTCUSDT&limit=1000`. */
  path: string;
  /** Request weight under the venue's limiter. */
  weight: number;
  /** HTTP method (default GET); POST requests send no body. */
  method?: 'GET' | 'POST';
}

export interface VenueSpec {
  id: string;
  name: string;
  /** Production base URLs: same shape that --ws-url / --rest-url take. */
  urls: { ws: string; rest: string };
  /** The venue drops a connection after this long; we rotate before it. */
  maxSessionS: number;
  /** The server pings this often (informational; the transport answers pings automatically). */
  serverPingIntervalS: number;
  kinds: Readonly<Record<Kind, boolean>>;
  /** Unified symbol ↔ venue id. */
  toVenueSymbol(unified: string): string;
  /** The unified symbol of a venue id when the venue can tell (`XBT/USD` → `BTC/USD`). */
  fromVenueSymbol?(venueSymbol: string): string | undefined;
  /** Symbol listing (checked before recording: unknown symbols are a usage error). */
  exchangeInfo: RestRequest;
  /** Further listings (other markets: perpetuals, futures) whose symbols parseExchangeInfo also reads. */
  exchangeInfoExtra?: RestRequest[];
  /** Parses the exchangeInfo body into the set of venue symbol ids that are trading. */
  parseExchangeInfo(body: string): Set<string>;
  /**
   * Venues whose socket URL comes from a token request (KuCoin's public bullet): before every
   * socket open, first and each reconnect or rotation, `request` is sent to the REST base, its body
   * captured raw (dir 'rest'), and `parse(body).url` opened instead of the plan's url.
   * `pingIntervalMs`: the venue's keepalive interval, when it states one (the app ping follows it).
   */
  connectToken?: { request: RestRequest; parse(body: string): { url: string; pingIntervalMs?: number } };
  /**
   * Venues that greet a new socket before it may subscribe (KuCoin: "wait for the welcome
   * message"): the plan's subscribe frames go out once a frame this accepts has arrived.
   */
  subscribeAfter?(text: string): boolean;
  /** Which connections to open for these kinds and venue symbols (`depth`: the configured book depth). */
  plan(wsBase: string, venueSymbols: string[], kinds: Kind[], depth?: number): ConnectionPlan[];
  /**
   * The plan a socket URL stands for, read from the URL alone (replay: the recording run's ws base
   * and full symbol set are not known up front, but its `open <url>` marks are in the capture).
   * Undefined when the URL names no streams this venue understands.
   */
  planFromUrl?(url: string): ConnectionPlan | undefined;
  createDecoder(ctx: DecodeContext): Decoder;
  /**
   * REST snapshot request for a venue symbol. Required for 'rest' venues; a 'ws' venue without one
   * (its REST book could not be verified, e.g. Bitfinex raw books) only ever resubscribes.
   */
  depthRequest?(venueSymbol: string, limit: number): RestRequest;
  /**
   * The venue symbol a captured REST URL is about, for venues that put it in the path (MEXC
   * futures `/api/v1/contract/depth/BTC_USDT`); replay reads `symbol=` / `instId=` otherwise.
   */
  restSymbol?(url: string): string | undefined;
  /** Parses a REST depth body; throws MarketfeedError(MF_ERR_SNAPSHOT_FAILED) if malformed. */
  parseDepth?(body: string): BookSnapshotInput;
  bookRule: BookRule;
  /**
   * Where book snapshots come from: 'rest' (Binance: depthRequest when a book asks) or 'ws' (the
   * subscription sends one; a book that needs a new one gets `resubscribe`). Default 'rest'.
   */
  bookSnapshot?: 'rest' | 'ws';
  /**
   * 'ws' venues: frames that make the venue send a fresh snapshot of one symbol's book
   * (unsubscribe + subscribe of that symbol only), sent on the socket that carries its book.
   */
  resubscribe?(venueSymbol: string, depth: number): string[];
  /**
   * The book depth actually subscribed for a configured depth (Kraken: the next of 10/25/100/500/
   * 1000). When set, the book keeps only this many levels per side after each update (the venue
   * sends no deletes for levels pushed out of range). Undefined: unbounded book.
   */
  bookDepth?(depth: number): number;
  /**
   * An application-level keepalive the venue requires (OKX text "ping" → "pong", Kraken
   * {"method":"ping"}): sent every `intervalMs` of silence; `isPong` recognises the answer, which
   * is recorded raw but not decoded as data.
   */
  appPing?: { text: string; intervalMs: number; isPong(text: string): boolean };
  /**
   * Venue symbols an outgoing subscribe frame names (venues whose URL names no streams): how a
   * capture's symbols are found without being told.
   */
  subscribedSymbols?(frame: string): string[];
  /**
   * How duplicate trades (a rotation's overlap, a resubscription's trade snapshot) are told:
   * 'increasing' (default) — numeric ids only grow, anything not newer is a copy; 'unordered' —
   * ids may arrive out of order (BingX spot), so copies are found among the recent ones. Ids that
   * are not numbers are always looked up among the recent ones.
   */
  tradeIds?: 'increasing' | 'unordered';
  /**
   * Trades fetched by trade id over REST, for venues that number each symbol's trades
   * consecutively (tradeIds 'increasing'): a jump in the stream's ids (a dropped socket) is
   * backfilled from here (venues/trade-backfill.ts, which states the route's shape).
   */
  tradesById?: TradesByIdRoute;
  /**
   * The newest trades over REST, for venues whose trade ids cannot show a gap (not consecutive:
   * Bybit): trades missed while the last socket carrying a symbol was down are filled by time
   * window after the reconnect (venues/trade-window.ts, which states the route's shape).
   */
  recentTrades?: RecentTradesRoute;
  /** Unified symbols whose venue checksum is known to be unreliable: advisory by default. */
  advisoryChecksum?: readonly string[];
  /**
   * Open interest the venue serves only over REST (Binance USDⓈ-M `GET /fapi/v1/openInterest`):
   * when the plan records 'derivative', the session polls `request` for every symbol each
   * `rest.openInterestS` seconds; the body goes to the raw capture, then to the decoder's
   * decodeRest, which emits `derivative` events carrying `openInterest`.
   */
  openInterest?: { request(venueSymbol: string): RestRequest };
  /**
   * The venue's REST request limit, in the weights of its RestRequests, from which the session's
   * budget is sized (transport/weight-budget.ts; rest.weightPerMinute overrides it):
   * `weightPerMinute`: the limit it publishes (PROTOCOLS*.md), when its listing advertises none;
   * `fromListing`: the limit per minute its symbol listing advertises (Binance exchangeInfo
   * rateLimits), read from the spec.exchangeInfo body; `usedWeightHeader`: the response header in
   * which it counts the weight our IP used in its current window (`windowMs` long).
   */
  restLimit?: {
    weightPerMinute?: number;
    fromListing?(body: string): number | undefined;
    usedWeightHeader?: { name: string; windowMs: number };
  };
}
