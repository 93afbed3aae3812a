// One websocket connection to a venue, kept alive for as long as the caller wants it: open with
// a deadline, subscribe, ping, watch for silence, rotate before the venue's session limit and
// reconnect with jittered backoff. Every frame in or out, and every open/close, leaves as a
// RawFrame (raw first): whatever happens to the socket, the record says so.
//
// Liveness is checked by ONE periodic timer per Connection (`tick`), never a timer per frame: the
// 'message' handler only stamps times and counts, so the hot path stays free of timer churn.
// Frames are stamped with local time (`now`, the recorder's clock policy), but every span the
// watchdog measures (open, ping, silence, session age, close, rotation backoff) is monotonic
// (monoUs): a wall clock step, followed or slewed by local time, neither kills every socket at
// once nor keeps a dead one for hours.
//
// Decisions worth knowing:
// - Server pings are answered by `ws` automatically and do NOT count as data: the no-data
//   watchdog exists to catch a socket that is alive but no longer delivers the subscribed streams
//   (a dropped subscription answers pings happily). Only our own ping's pong clears the ping timer.
// - During max-session rotation two sockets are open for a moment. Both deliver frames, each
//   tagged with its own connId, until the new one has received its first frame; then the old one
//   is closed (make-before-break). Frames from the old socket that are still in flight while it
//   closes are delivered too: raw first, nothing the venue sent is dropped. Consumers that key
//   state by connection (books, trade de-duplication) switch on the CONNECTED status with reason
//   'rotated'.
import WebSocket from 'ws';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { ConnectionState } from '../core/events.js';
import type { RawFrame, FrameDir } from '../core/frames.js';
import { MarketfeedError } from '../core/errors.js';
import { monoUs, nowUs } from '../core/time.js';
import { backoffDelayMs, isRateLimitStatus, retryAfterMs } from './backoff.js';
import { tickIntervalMs, type ConnectionOptions, type ConnectionStats } from './connection-options.js';
import { Leg, nextConnId } from './leg.js';

export type { ConnectionOptions, ConnectionStats, ConnectionStatus, ConnectionWarning } from './connection-options.js';


export class Connection {
  readonly stats: ConnectionStats = { framesIn: 0, bytesIn: 0, reconnects: 0, rotations: 0, binaryIn: 0, lastFrameLocalTs: 0 };

  private readonly opts: ConnectionOptions;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly tickMs: number;
  private readonly closeTimeoutMs: number;
  /** Every socket not yet closed: primary, successor, and retiring ones. */
  private readonly legs = new Set<Leg>();
  private primary: Leg | null = null;
  /** The rotation candidate, opened while `primary` still runs. */
  private successor: Leg | null = null;
  /** Consecutive failed attempts; reset when a socket receives data. */
  private failures = 0;
  private rotateFailures = 0;
  private rotateNotBeforeUs = 0;
  private tickTimer: NodeJS.Timeout | undefined = undefined;
  private reconnectTimer: NodeJS.Timeout | undefined = undefined;
  private stopping = false;
  private currentState: ConnectionState = 'DISCONNECTED';
  /** The socket carrying the stream now (after a rotation: the new one); 0 before start. */
  private currentConnId = 0;
  private stopped: Promise<void> | null = null;
  private resolveStopped: (() => void) | null = null;
  /** resolveUrl: which open is waiting for its URL (a newer one, or a stop, makes it stale). */
  private pendingOpen = 0;

  constructor(opts: ConnectionOptions) {
    this.opts = opts;
    this.now = opts.now ?? nowUs;
    this.random = opts.random ?? Math.random;
    this.closeTimeoutMs = opts.closeTimeoutMs ?? 1000;
    this.tickMs = tickIntervalMs(opts);
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  get connId(): number {
    return this.currentConnId;
  }

  /** Begins connecting. Calling it again while running does nothing. */
  start(): void {
    if (this.state !== 'DISCONNECTED' || this.stopping) return;
    this.tickTimer = setInterval(() => this.tick(), this.tickMs);
    this.openPrimary('start');
  }

  /**
   * Sends a text frame on the current socket and records it (dir 'out'). Returns false, sending
   * and recording nothing, when no socket is open.
   */
  send(text: string, keepalive = false): boolean {
    const leg = this.primary;
    if (leg === null || leg.ws.readyState !== WebSocket.OPEN) {
      this.opts.log?.warn({ venue: this.opts.venue, connId: this.connId }, 'send while not connected: frame dropped');
      return false;
    }
    this.sendOn(leg, text, keepalive);
    return true;
  }

  /** Closes the current socket and opens a new one now (no backoff for this first attempt). */
  reconnect(reason: string): void {
    if (this.stopping || this.state === 'FAILED' || this.state === 'DISCONNECTED') return;
    const old = this.primary;
    this.primary = null;
    if (old !== null) this.retire(old, reason);
    if (this.successor !== null) {
      this.retire(this.successor, reason);
      this.successor = null;
    }
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.setState('RECONNECTING', this.connId, reason);
    this.openPrimary(reason);
  }

  /** Make-before-break now: open a second socket, switch to it at its first frame. */
  rotate(reason: string): void {
    if (this.stopping || this.state !== 'CONNECTED' || this.successor !== null) return;
    this.openSuccessor(reason);
  }

  /** Graceful close (1000), no more reconnects; resolves when every socket has closed. */
  stop(): Promise<void> {
    if (this.stopped !== null) return this.stopped;
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.pendingOpen++;
    this.primary = null;
    this.successor = null;
    this.stopped = new Promise<void>((resolve) => (this.resolveStopped = resolve));
    for (const leg of this.legs) this.retire(leg, 'stop');
    this.finishStopIfIdle();
    return this.stopped;
  }

  // ── sockets ──────────────────────────────────────────────────────────────────────────────

  private openPrimary(reason: string): void {
    const first = this.state === 'DISCONNECTED';
    this.openLeg((leg) => {
      this.primary = leg;
      this.currentConnId = leg.connId;
      if (first) this.setState('CONNECTING', leg.connId, reason);
      else this.stats.reconnects++;
    }, (error) => this.onResolveFailed(error, first, reason));
  }

  private openSuccessor(reason: string): void {
    this.openLeg((leg) => {
      this.successor = leg;
      this.opts.log?.info({ venue: this.opts.venue, connId: this.connId, next: leg.connId, reason }, 'rotating: opening the next socket');
    }, (error) => {
      this.rotateFailures++;
      this.rotateNotBeforeUs = monoUs() + backoffDelayMs(this.rotateFailures, this.opts.backoffBaseMs, this.opts.backoffMaxMs, this.random) * 1000;
      this.opts.log?.warn({ venue: this.opts.venue, connId: this.connId, err: error.message }, 'rotation: no url for the next socket; keeping the current one');
    });
  }

  /**
   * Opens a socket on the configured URL, or on the one `resolveUrl` hands out (then `opened` runs
   * once it is known, unless a stop or a newer open came first; `failed` when it cannot be had).
   */
  private openLeg(opened: (leg: Leg) => void, failed: (error: MarketfeedError) => void): void {
    const resolve = this.opts.resolveUrl;
    if (resolve === undefined) {
      const leg = this.openLegAt(this.opts.url, this.opts.appPing?.intervalMs ?? 0);
      if (leg !== null) opened(leg);
      return;
    }
    const ticket = ++this.pendingOpen;
    resolve().then(
      (to) => this.guard(() => {
        if (this.stopping || ticket !== this.pendingOpen || this.state === 'FAILED') return;
        const leg = this.openLegAt(to.url, to.appPingIntervalMs ?? this.opts.appPing?.intervalMs ?? 0);
        if (leg !== null) opened(leg);
      }),
      (err: unknown) => this.guard(() => {
        if (this.stopping || ticket !== this.pendingOpen || this.state === 'FAILED') return;
        failed(err instanceof MarketfeedError ? err : new MarketfeedError('MF_ERR_UNREACHABLE', `no socket url: ${(err as Error).message}`, { venue: this.opts.venue, cause: err }));
      }),
    );
  }

  /** resolveUrl failed for the primary: a failed attempt, retried after backoff like a lost socket. */
  private onResolveFailed(error: MarketfeedError, first: boolean, reason: string): void {
    this.failures++;
    this.opts.log?.warn({ venue: this.opts.venue, code: error.code, failures: this.failures }, error.message);
    const max = this.opts.maxReconnects ?? 0;
    if (max > 0 && this.failures >= max) {
      this.fail(error);
      return;
    }
    this.setState(first ? 'CONNECTING' : 'RECONNECTING', this.connId, error.message, error);
    const delayMs = backoffDelayMs(this.failures, this.opts.backoffBaseMs, this.opts.backoffMaxMs, this.random);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.guard(() => this.openPrimary(first ? reason : 'reconnect'));
    }, delayMs);
  }

  private openLegAt(url: string, appPingMs: number): Leg | null {
    let ws: WebSocket;
    try {
      // No compression: venues' deflate costs CPU on the hot path and most do not offer it.
      const agent = this.opts.proxy?.agentFor(url);
      ws = new WebSocket(url, { perMessageDeflate: false, followRedirects: false, ...(agent === undefined ? {} : { agent }) });
    } catch (cause) {
      // A malformed URL never heals: give up instead of retrying forever.
      this.fail(new MarketfeedError('MF_ERR_CONFIG', `invalid websocket url ${url}`, { venue: this.opts.venue, cause }));
      return null;
    }
    const leg = new Leg(nextConnId(), ws, monoUs(), url, appPingMs);
    this.legs.add(leg);
    ws.on('open', () => this.guard(() => this.onOpen(leg)));
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => this.onMessage(leg, data, isBinary));
    ws.on('pong', () => (leg.pingSentUs = 0));
    ws.on('unexpected-response', (_req: ClientRequest, res: IncomingMessage) => this.guard(() => this.onUpgradeRefused(leg, res)));
    ws.on('error', (err: Error) => this.guard(() => this.onError(leg, err)));
    ws.on('close', (code: number, reason: Buffer) => this.guard(() => this.onClose(leg, code, reason.toString('utf8'))));
    return leg;
  }

  private onOpen(leg: Leg): void {
    const t = monoUs();
    leg.openedUs = t;
    leg.lastDataUs = t;
    leg.nextPingUs = t + this.opts.pingIntervalMs * 1000;
    if (this.opts.appPing) leg.nextAppPingUs = t + leg.appPingMs * 1000;
    const mark = this.opts.tag === undefined ? `open ${leg.url}` : `open ${leg.url} plan=${this.opts.tag}`;
    this.emit(leg, 'conn', this.opts.line === undefined ? mark : `${mark} line=${this.opts.line}`, this.now());
    if (leg.closingSinceUs !== 0) {
      leg.ws.close(1000); // asked to close while the handshake ran
      return;
    }
    if (this.opts.subscribeAfter !== undefined) leg.awaitingGreeting = true;
    else this.subscribeOn(leg);
    if (leg === this.primary) this.setState('CONNECTED', leg.connId);
  }

  private subscribeOn(leg: Leg): void {
    let frames: string[] = [];
    try {
      frames = this.opts.subscribe();
    } catch (err) {
      this.opts.log?.error({ venue: this.opts.venue, connId: leg.connId, err }, 'subscribe() threw');
    }
    for (const text of frames) this.sendOn(leg, text);
  }

  /** The hot path: stamp, decode once, count, hand on. */
  private onMessage(leg: Leg, data: WebSocket.RawData, isBinary: boolean): void {
    const localTs = this.now();
    // With the default binaryType ws hands every frame over as one Buffer (fragments joined).
    const buf = data as Buffer;
    leg.lastDataUs = monoUs();
    leg.warned = false;
    this.stats.framesIn++;
    this.stats.bytesIn += buf.length;
    this.stats.lastFrameLocalTs = localTs;
    if (isBinary) {
      this.stats.binaryIn++;
      this.emit(leg, 'in', buf.toString('base64'), localTs, true);
    } else {
      const text = buf.toString('utf8');
      this.emit(leg, 'in', text, localTs);
      if (leg.awaitingGreeting && this.opts.subscribeAfter!(text)) {
        leg.awaitingGreeting = false;
        this.guard(() => this.subscribeOn(leg));
      }
    }
    if (!leg.gotData) this.guard(() => this.onFirstData(leg));
  }

  private onFirstData(leg: Leg): void {
    leg.gotData = true;
    if (leg === this.primary) {
      this.failures = 0;
    } else if (leg === this.successor) {
      const old = this.primary;
      this.primary = leg;
      this.successor = null;
      this.currentConnId = leg.connId;
      this.rotateFailures = 0;
      this.stats.rotations++;
      if (old !== null) this.retire(old, 'rotated');
      this.failures = 0;
      this.setState('CONNECTED', leg.connId, 'rotated');
    }
  }

  private onUpgradeRefused(leg: Leg, res: IncomingMessage): void {
    const status = res.statusCode ?? 0;
    const ctx = { venue: this.opts.venue, status, got: String(status) };
    if (isRateLimitStatus(status)) {
      const header = res.headers['retry-after'];
      leg.retryAfterMs = retryAfterMs(status, Array.isArray(header) ? header[0] : header);
      leg.error = new MarketfeedError('MF_ERR_RATE_LIMITED', `websocket upgrade refused with ${status}`, { ...ctx, retryAfterMs: leg.retryAfterMs });
    } else {
      leg.error = new MarketfeedError('MF_ERR_HTTP', `websocket upgrade refused with ${status}`, ctx);
    }
    res.resume();
    leg.ws.terminate();
  }

  private onError(leg: Leg, err: Error): void {
    if (leg.error !== undefined) return; // we already know why (timeout, refusal …)
    const code = (err as NodeJS.ErrnoException).code;
    const unreachable = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH';
    const via = this.opts.proxy?.describeFor(leg.url);
    const detail = via === undefined ? err.message : `${leg.url} via proxy ${via}: ${err.message}`;
    leg.error = new MarketfeedError(unreachable ? 'MF_ERR_UNREACHABLE' : 'MF_ERR_DISCONNECTED', detail, { venue: this.opts.venue, got: code, cause: err });
  }

  private onClose(leg: Leg, code: number, reason: string): void {
    this.legs.delete(leg);
    if (leg.openedUs !== 0) this.emit(leg, 'conn', `close ${code} ${reason}`, this.now());
    if (leg === this.primary) {
      this.primary = null;
      this.onPrimaryLost(leg, code, reason);
    } else if (leg === this.successor) {
      this.successor = null;
      this.rotateFailures++;
      const waitMs = Math.max(backoffDelayMs(this.rotateFailures, this.opts.backoffBaseMs, this.opts.backoffMaxMs, this.random), leg.retryAfterMs);
      this.rotateNotBeforeUs = monoUs() + waitMs * 1000;
      this.opts.log?.warn({ venue: this.opts.venue, connId: leg.connId, err: leg.error?.message }, 'rotation: next socket failed; keeping the current one');
    }
    this.finishStopIfIdle();
  }

  private onPrimaryLost(leg: Leg, code: number, reason: string): void {
    if (this.stopping) return;
    const error = leg.error ?? new MarketfeedError('MF_ERR_DISCONNECTED', `closed ${code} ${reason}`.trim(), { venue: this.opts.venue, got: String(code) });
    if (!leg.gotData) this.failures++;
    this.opts.log?.warn({ venue: this.opts.venue, connId: leg.connId, code: error.code, failures: this.failures }, error.message);
    if (this.successor !== null) {
      // The rotation candidate is already on its way: it takes over.
      const next = this.successor;
      this.successor = null;
      this.primary = next;
      this.currentConnId = next.connId;
      if (next.openedUs !== 0) this.setState('CONNECTED', next.connId, 'rotated', error);
      else this.setState('RECONNECTING', leg.connId, error.message, error);
      return;
    }
    const max = this.opts.maxReconnects ?? 0;
    if (max > 0 && this.failures >= max) {
      this.fail(error);
      return;
    }
    this.setState('RECONNECTING', leg.connId, error.message, error);
    const delayMs = Math.max(backoffDelayMs(this.failures, this.opts.backoffBaseMs, this.opts.backoffMaxMs, this.random), leg.retryAfterMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.guard(() => this.openPrimary('reconnect'));
    }, delayMs);
  }

  /** Asks a socket to close (1000) and forgets it as primary/successor; tick destroys stragglers. */
  private retire(leg: Leg, reason: string): void {
    if (leg.closingSinceUs !== 0) return;
    leg.closingSinceUs = monoUs();
    if (leg.ws.readyState === WebSocket.CONNECTING) leg.ws.terminate();
    else leg.ws.close(1000, reason.slice(0, 120)); // close reason is limited to 123 bytes
  }

  /** Ends a socket because the watchdog says so; its 'close' event does the rest. */
  private kill(leg: Leg, error: MarketfeedError): void {
    leg.error ??= error;
    leg.ws.terminate();
  }

  private fail(error: MarketfeedError): void {
    this.clearTimers();
    this.setState('FAILED', this.connId, error.message, error);
    // Nothing will watch these sockets any more (the tick is gone): end them now.
    for (const leg of this.legs) leg.ws.terminate();
  }

  // ── the one periodic timer ───────────────────────────────────────────────────────────────

  private tick(): void {
    try {
      const t = monoUs();
      for (const leg of this.legs) this.checkLeg(leg, t);
      const p = this.primary;
      if (
        p !== null && this.successor === null && !this.stopping && this.opts.maxSessionMs > 0 &&
        p.openedUs !== 0 && t - p.openedUs >= this.sessionLimitMs() * 1000 && t >= this.rotateNotBeforeUs
      ) {
        this.openSuccessor('max session');
      }
    } catch (err) {
      this.opts.log?.error({ venue: this.opts.venue, err }, 'connection watchdog failed');
    }
  }

  /** How long the current socket may live: firstSessionMs until the first rotation, then maxSessionMs. */
  private sessionLimitMs(): number {
    const first = this.opts.firstSessionMs;
    return first !== undefined && first > 0 && this.stats.rotations === 0 ? first : this.opts.maxSessionMs;
  }

  private checkLeg(leg: Leg, t: number): void {
    const o = this.opts;
    if (leg.closingSinceUs !== 0) {
      if (t - leg.closingSinceUs > this.closeTimeoutMs * 1000) leg.ws.terminate();
      return;
    }
    if (leg.openedUs === 0) {
      if (t - leg.createdUs > o.openTimeoutMs * 1000) {
        this.kill(leg, new MarketfeedError('MF_ERR_OPEN_TIMEOUT', `no open within ${o.openTimeoutMs} ms`, { venue: o.venue }));
      }
      return;
    }
    if (o.pingIntervalMs > 0) {
      if (leg.pingSentUs !== 0) {
        if (t - leg.pingSentUs > o.pingTimeoutMs * 1000) {
          this.kill(leg, new MarketfeedError('MF_ERR_PING_TIMEOUT', `no pong within ${o.pingTimeoutMs} ms`, { venue: o.venue }));
          return;
        }
      } else if (t >= leg.nextPingUs) {
        leg.pingSentUs = t;
        leg.nextPingUs = t + o.pingIntervalMs * 1000;
        leg.ws.ping();
      }
    }
    if (o.appPing && t >= leg.nextAppPingUs && leg.ws.readyState === WebSocket.OPEN) {
      leg.nextAppPingUs = t + leg.appPingMs * 1000;
      this.sendOn(leg, o.appPing.text, true);
    }
    const silentMs = (t - leg.lastDataUs) / 1000;
    if (o.noDataTimeoutMs > 0 && silentMs > o.noDataTimeoutMs) {
      this.kill(leg, new MarketfeedError('MF_ERR_NO_DATA', `no data for ${Math.round(silentMs)} ms`, { venue: o.venue }));
    } else if (o.noDataWarnMs > 0 && silentMs > o.noDataWarnMs && !leg.warned && leg === this.primary) {
      leg.warned = true;
      const error = new MarketfeedError('MF_ERR_NO_DATA', `no data for ${Math.round(silentMs)} ms`, { venue: o.venue });
      o.log?.warn({ venue: o.venue, connId: leg.connId, silentMs }, error.message);
      o.onWarn?.({ connId: leg.connId, reason: error.message, error });
    }
  }

  // ── plumbing ─────────────────────────────────────────────────────────────────────────────

  private sendOn(leg: Leg, text: string, keepalive = false): void {
    leg.ws.send(text);
    this.emit(leg, 'out', text, this.now(), undefined, keepalive);
  }

  private emit(leg: Leg, dir: FrameDir, data: string, localTs: number, binary?: true, keepalive = false): void {
    // Only the socket's marks carry its URL: the `open` mark names it and binds the connId to its
    // plan, so every later frame of that connId is known by it. A URL on every frame would repeat
    // the whole stream list (5.4 KB with 300 streams) in each raw line: 95 % of a 100-symbol
    // capture's text, to buffer, copy and deflate (issue 10).
    const frame: RawFrame = binary
      ? { venue: this.opts.venue, connId: leg.connId, recvSeq: ++leg.recvSeq, localTs, dir, data, binary }
      : { venue: this.opts.venue, connId: leg.connId, recvSeq: ++leg.recvSeq, localTs, dir, data };
    if (dir === 'conn') frame.url = leg.url;
    if (keepalive) frame.keepalive = true;
    try {
      this.opts.onFrame(frame);
    } catch (err) {
      this.opts.log?.error({ venue: this.opts.venue, connId: leg.connId, err }, 'onFrame threw');
    }
  }

  private setState(state: ConnectionState, connId: number, reason?: string, error?: MarketfeedError): void {
    this.currentState = state;
    try {
      this.opts.onStatus({ state, connId, reason, error });
    } catch (err) {
      this.opts.log?.error({ venue: this.opts.venue, connId, err }, 'onStatus threw');
    }
  }

  /** Event handlers never throw into ws (that would surface as an uncaught exception). */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.log?.error({ venue: this.opts.venue, connId: this.connId, err }, 'connection handler failed');
    }
  }

  private clearTimers(): void {
    clearInterval(this.tickTimer);
    clearTimeout(this.reconnectTimer);
    this.tickTimer = undefined;
    this.reconnectTimer = undefined;
  }

  private finishStopIfIdle(): void {
    if (!this.stopping || this.legs.size !== 0 || this.resolveStopped === null) return;
    this.clearTimers();
    const resolve = this.resolveStopped;
    this.resolveStopped = null;
    if (this.state !== 'DISCONNECTED') this.setState('DISCONNECTED', this.connId, 'stopped');
    resolve();
  }
}
