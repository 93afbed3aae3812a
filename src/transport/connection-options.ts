// What a Connection is told (options) and what it tells (status, warnings, stats).
import type { ConnectionState } from '../core/events.js';
import type { MarketfeedError } from '../core/errors.js';
import type { RawFrame } from '../core/frames.js';
import type { TransportLog } from './log.js';
import type { ProxyRoute } from './proxy.js';

export interface ConnectionStatus {
  state: ConnectionState;
  connId: number;
  reason?: string;
  error?: MarketfeedError;
}

export interface ConnectionWarning {
  connId: number;
  reason: string;
  error: MarketfeedError;
}

export interface ConnectionOptions {
  venue: string;
  /** Full URL to open. */
  url: string;
  /**
   * Venues whose socket URL is handed out per connection (KuCoin's bullet token): called before
   * every socket open, first and each reconnect or rotation; the socket opens the URL it resolves
   * to, with the app ping interval the venue stated for it (else appPing's). A rejection counts as
   * a failed attempt (backoff, maxReconnects) like a refused socket.
   */
  resolveUrl?: () => Promise<{ url: string; appPingIntervalMs?: number }>;
  /**
   * Names which plan of its venue this socket serves when several share one URL: the open mark
   * becomes `open <url> plan=<tag>`, so replay routes the socket's frames the same way.
   */
  tag?: string;
  /**
   * Redundant A/B lines (`record --redundant 2`): which line and plan this socket serves,
   * `<a|b>:<plan index>`. The open mark ends with ` line=<it>`, so replay merges the two lines'
   * copies of one plan as live capture did, even when their URLs differ.
   */
  line?: string;
  /**
   * An application-level ping some venues require besides websocket pings (OKX text "ping",
   * Kraken {"method":"ping"}): `text` is sent (and recorded) every `intervalMs` on each open socket.
   */
  appPing?: { text: string; intervalMs: number };
  /** Frames sent after each open (recorded as dir 'out'). Called once per socket. */
  subscribe: () => string[];
  /**
   * Venues that greet a socket before it may subscribe (KuCoin's `welcome`): the subscribe frames
   * wait for the first text frame this accepts instead of going out at open.
   */
  subscribeAfter?: (text: string) => boolean;
  openTimeoutMs: number;
  /** Client ping interval (ws ping frame); 0 = off. */
  pingIntervalMs: number;
  /** No pong within this long after our ping → close and reconnect (MF_ERR_PING_TIMEOUT). */
  pingTimeoutMs: number;
  /** Warn (log + onWarn) when no data frame arrived for this long; 0 = off. */
  noDataWarnMs: number;
  /** Reconnect when no data frame arrived for this long (a stalled stream); 0 = off. */
  noDataTimeoutMs: number;
  /** Rotate (make-before-break) once a socket is this old; 0 = off. Binance: below 24 h. */
  maxSessionMs: number;
  /**
   * The first socket's session limit, when it differs from maxSessionMs (line B of redundant
   * lines starts with half a session, so the two lines never rotate at the same time).
   */
  firstSessionMs?: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Consecutive failed attempts (sockets that closed without data) before FAILED; 0/undefined = never. */
  maxReconnects?: number;
  /** How long a graceful close may take before the socket is destroyed (default 1000). */
  closeTimeoutMs?: number;
  /** Every frame received (in), sent (out) and each open/close mark (conn). Synchronous, hot path. */
  onFrame(frame: RawFrame): void;
  onStatus(ev: ConnectionStatus): void;
  onWarn?(w: ConnectionWarning): void;
  log?: TransportLog;
  /** The proxies of the session (proxy.ts): each socket opens through its URL's proxy, if any. */
  proxy?: ProxyRoute;
  /** µs clock frames are stamped with (default nowUs); the watchdog measures its spans on monoUs. */
  now?: () => number;
  /** [0, 1) source for backoff jitter (default Math.random). */
  random?: () => number;
}

export interface ConnectionStats {
  framesIn: number;
  bytesIn: number;
  /** Sockets opened to replace a lost one (rotations not included). */
  reconnects: number;
  /** Completed make-before-break rotations. */
  rotations: number;
  /** Binary frames received (recorded base64 with `binary: true`; BingX gzip, MEXC protobuf). */
  binaryIn: number;
  lastFrameLocalTs: number;
}

/**
 * The watchdog's period: a quarter of the shortest deadline it enforces (so a deadline fires at
 * most 25 % late), between 5 ms and 1 s.
 */
export function tickIntervalMs(o: ConnectionOptions): number {
  let shortest = Infinity;
  for (const ms of [o.openTimeoutMs, o.pingIntervalMs, o.pingTimeoutMs, o.noDataWarnMs, o.noDataTimeoutMs, o.maxSessionMs, o.appPing?.intervalMs ?? 0]) {
    if (ms > 0 && ms < shortest) shortest = ms;
  }
  return Math.min(1000, Math.max(5, Math.floor(shortest / 4)));
}
