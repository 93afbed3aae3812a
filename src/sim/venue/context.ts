// The shared state of a Kraken / OKX / Bitfinex mode and the contract each venue's protocol module
// fulfils. One server, engine and fault mode serve all three; a protocol module only turns
// connections, client messages and model frames into that venue's wire text.
import type { WebSocket } from 'ws';
import type { FaultKind } from '../faults.js';
import type { DiffFrame, SimTrade } from '../market.js';
import type { FaultState } from '../fault-state.js';
import type { HttpReply } from '../http-front.js';
import type { SymbolState } from '../symbol-state.js';
import type { ProtoVenue } from './symbols.js';

export interface VenueOptions {
  venue: ProtoVenue;
  diffIntervalMs: number;
  maxSessionMs: number;
  stallMs: number;
  slowSnapshotMs: number;
  /** Bitfinex: `[chan,"hb"]` after this long without a message on a channel (venue: 15 s). */
  heartbeatMs: number;
  /** OKX: every this many book messages a no-change update (seqId = prevSeqId), as after ~60 s idle. */
  okxIdleEvery: number;
  /** OKX: send `checksum: 0`, as since the 2026-06-23 deprecation (PROTOCOLS.md §6). */
  okxChecksumZero: boolean;
}

/** One client connection; `state` is the protocol module's own per-connection data. */
export class VenueConn {
  /** Subscription keys (protocol-defined). */
  readonly subs = new Set<string>();
  state: unknown;

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    readonly openedMs: number,
    /** The request path (and query) the client opened, for FaultOptions.connUrl. */
    readonly url?: string,
  ) {}
}

/** A REST answer (status, body, isDepth). */
export type RestReply = HttpReply;

export interface VenueCtx {
  opts: VenueOptions;
  /** By venue symbol. */
  symbols: Map<string, SymbolState>;
  conns: Map<number, VenueConn>;
  faults: FaultState;
  /** Truth key of each symbol's newest frame (timestamp µs, or seqId for OKX). */
  lastKey: Map<string, number>;
  framesSent: number;
  send(c: VenueConn, text: string): void;
  /** One binary frame (BingX gzip, MEXC protobuf), counted like a text one. */
  sendBinary(c: VenueConn, bytes: Uint8Array): void;
}

export interface VenueProtocol {
  /** The websocket path (`/v2`, `/ws/v5/public`, `/ws/2`). */
  readonly wsPath: string;
  readonly faults: ReadonlySet<FaultKind>;
  /**
   * Book updates go out asking FaultState.conn (conn-faults.ts) per connection: gap, corrupt and
   * stall on one connection alone are modelled (a stalled connection's frames wait in sendTo).
   */
  readonly connBookFaults?: boolean;
  /** The truth key of the next frame, decided before the model moves; undefined = the frame's u. */
  nextKey(sym: string, nowMs: number): number | undefined;
  onOpen(c: VenueConn): void;
  onMessage(c: VenueConn, text: string): void;
  onClose(c: VenueConn): void;
  /** After one model frame of a symbol (its truth already recorded under `key`). */
  onFrame(s: SymbolState, f: DiffFrame, trades: SimTrade[], key: number, nowMs: number): void;
  /** Once a second: heartbeats, tickers, funding, open interest. */
  onSecond(nowMs: number): void;
  rest(path: string, q: URLSearchParams): RestReply;
  /** POST requests (KuCoin's bullet-public token); a venue without any answers 404. */
  restPost?(path: string, q: URLSearchParams): RestReply;
  rateLimited(): RestReply;
  /** A stall fault began (Bitfinex announces maintenance). */
  onStall?(untilMs: number): void;
  /** The venue's planned-shutdown behaviour for one connection. */
  shutdown(c: VenueConn): void;
  /** The n-th malformed frame for one connection. */
  malformed(c: VenueConn, n: number): string | Uint8Array;
}
