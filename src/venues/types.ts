// The contract every venue folder fulfils. A venue states its capabilities once, here-shaped, in
// its index.ts (`satisfies VenueSpec`); the registry, CLI help, config validation and the session
// derive from it.
import type { MarketEvent } from '../core/events.js';
import type { DepthUpdate, BookRule, BookSnapshotInput } from '../book/types.js';

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
  /** Trades, quotes, tickers, derivative events … (not depth updates). */
  event(ev: MarketEvent): void;
  /**
   * A depth diff for the sync engine. `u` may reuse decoder-owned storage: consume it before the
   * next decode call (the sync engine copies what it must buffer).
   */
  depth(venueSymbol: string, u: DepthUpdate): void;
  /** A frame that failed its guard: counted, logged, never passed on. */
  reject(reason: string, frame: string): void;
  /** Control traffic: subscribe acks, serverShutdown (the session reconnects at once), errors. */
  control(kind: 'ack' | 'shutdown' | 'error' | 'other', detail: string): void;
}

export interface DecodeContext {
  venue: string;
  /** venue symbol id (`BTCUSDT`) → unified symbol (`BTC/USDT`) for the symbols being recorded. */
  symbols: ReadonlyMap<string, string>;
}

export interface Decoder {
  /** Decodes one websocket text frame. Pure apart from the sink and reusable scratch storage. */
  decode(text: string, meta: FrameMeta, sink: DecodeSink): void;
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
  /** Symbol listing (checked before recording: unknown symbols are a usage error). */
  exchangeInfo: RestRequest;
  /** Parses the exchangeInfo body into the set of venue symbol ids that are trading. */
  parseExchangeInfo(body: string): Set<string>;
  /** Which connections to open for these kinds and venue symbols. */
  plan(wsBase: string, venueSymbols: string[], kinds: Kind[]): ConnectionPlan[];
  /**
   * The plan a socket URL stands for, read from the URL alone (replay: the recording run's ws base
   * and full symbol set are not known up front, but its `open <url>` marks are in the capture).
   * Undefined when the URL names no streams this venue understands.
   */
  planFromUrl?(url: string): ConnectionPlan | undefined;
  createDecoder(ctx: DecodeContext): Decoder;
  /** REST snapshot request for a venue symbol. */
  depthRequest(venueSymbol: string, limit: number): RestRequest;
  /** Parses a REST depth body; throws MarketfeedError(MF_ERR_SNAPSHOT_FAILED) if malformed. */
  parseDepth(body: string): BookSnapshotInput;
  bookRule: BookRule;
}
