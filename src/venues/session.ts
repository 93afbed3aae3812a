// VenueSession: one venue's live capture. It opens the connections of the venue's plan, hands
// every frame raw to the owner first, decodes it, routes depth diffs to one SyncEngine per
// symbol and fetches REST snapshots when an engine asks (under the REST client's weight budget).
// A gap or a disconnect resyncs only the symbols it touches; the others keep flowing. Venues that
// serve open interest only over REST (spec.openInterest) are polled per symbol; each body goes to
// the raw capture first and then through the core, so replay decodes it at the same point.
import type { RawFrame } from '../core/frames.js';
import { MarketfeedError, isMarketfeedError } from '../core/errors.js';
import { nowUs } from '../core/time.js';
import type { Logger } from '../core/log.js';
import { Connection } from '../transport/connection.js';
import { RestClient } from '../transport/rest.js';
import { FeedCore, RESYNC_MARK, planTag, type SessionHandlers, type SymbolStats } from './feed-core.js';
import type { Kind, VenueSpec } from './types.js';

export type { SessionHandlers, SymbolStats } from './feed-core.js';

export interface SessionOptions {
  spec: VenueSpec;
  /** Unified symbols. */
  symbols: string[];
  kinds: Kind[];
  depth: number;
  wsBase: string;
  restBase: string;
  snapshotLimit: number;
  ws: {
    openTimeoutMs: number; pingIntervalMs: number; pingTimeoutMs: number; noDataWarnMs: number;
    noDataTimeoutMs: number; maxSessionMs: number; backoffBaseMs: number; backoffMaxMs: number; maxReconnects: number;
  };
  /** openInterestS: seconds between open interest polls of each symbol (spec.openInterest; 0 or absent = off). */
  rest: { timeoutMs: number; weightPerMinute: number; openInterestS?: number };
  emitChanges?: boolean;
  quoteCheck?: 'off' | 'count' | 'resync';
  /** Unified symbols whose checksum mismatches only count (besides the venue's own list). */
  checksumAdvisory?: readonly string[];
  /**
   * The trading window (core/trading-window.ts) when one is set: nothing is captured while it is
   * closed, so when it opens every book restarts from a fresh snapshot, before the first frame
   * inside it is decoded.
   */
  window?: { isOpen(tsUs: number): boolean; nextChange(tsUs: number): number };
  handlers: SessionHandlers;
  log: Logger;
}

interface SnapshotSlot {
  inFlight: boolean;
  failures: number;
  timer: NodeJS.Timeout | undefined;
}

const SNAPSHOT_RETRY_BASE_MS = 250;
const SNAPSHOT_RETRY_MAX_MS = 10_000;
/** 'ws' venues: how long a resubscribe may take to bring a fresh snapshot before we ask again. */
const RESUBSCRIBE_WAIT_MS = 5_000;
/** 'ws' venues with a REST book: resubscribes without a snapshot before seeding over REST. */
const RESUBSCRIBES_BEFORE_REST = 2;
/** Failed open interest polls are logged at most this often (each is retried at the next interval). */
const POLL_WARN_EVERY_MS = 60_000;

export class VenueSession {
  readonly venue: string;
  private readonly opts: SessionOptions;
  private readonly rest: RestClient;
  private readonly core: FeedCore;
  private readonly venueSymbols: string[];
  private readonly snapshots = new Map<string, SnapshotSlot>();
  private readonly connections: Connection[] = [];
  private readonly byConnId = new Map<number, Connection>();
  private stopped = false;
  /** Open interest polls: the next poll per venue symbol; aborts those in flight on stop. */
  private readonly pollTimers = new Map<string, NodeJS.Timeout>();
  private readonly pollAbort = new AbortController();
  private pollFailures = 0;
  private pollWarnedMs = -Infinity;
  /** Trading window: open at the last check, and when to check again (epoch µs). */
  private windowOpen = true;
  private windowCheckUs = -Infinity;

  constructor(opts: SessionOptions) {
    this.opts = opts;
    this.venue = opts.spec.id;
    this.venueSymbols = opts.symbols.map((s) => opts.spec.toVenueSymbol(s));
    for (const v of this.venueSymbols) this.snapshots.set(v, { inFlight: false, failures: 0, timer: undefined });
    this.core = new FeedCore({
      spec: opts.spec,
      symbols: opts.symbols,
      kinds: opts.kinds,
      depth: opts.depth,
      plans: opts.spec.plan(opts.wsBase, this.venueSymbols, opts.kinds, opts.depth),
      emitChanges: opts.emitChanges,
      quoteCheck: opts.quoteCheck,
      checksumAdvisory: opts.checksumAdvisory,
      handlers: opts.handlers,
      log: opts.log,
      requestSnapshot: (v) => this.requestSnapshot(v),
      onShutdown: (connId) => this.byConnId.get(connId)?.reconnect('serverShutdown'),
      onReply: (connId, text) => this.byConnId.get(connId)?.send(text, true),
      onStreamSnapshot: (v) => this.streamSnapshotCame(v),
    });
    this.rest = new RestClient({
      venue: this.venue,
      baseUrl: opts.restBase,
      timeoutMs: opts.rest.timeoutMs,
      weightPerMinute: opts.rest.weightPerMinute,
      log: opts.log,
    });
  }

  get rejects(): number {
    return this.core.rejects;
  }

  /**
   * Checks every symbol against the venue's listing, then starts the connections.
   * Throws MF_ERR_UNKNOWN_SYMBOL or MF_ERR_UNREACHABLE before anything is opened.
   */
  async start(): Promise<void> {
    await this.checkSymbols();
    this.open();
  }

  /** Opens the connections of the venue's plan (after checkSymbols). */
  open(): void {
    if (this.stopped || this.connections.length > 0) return;
    const w = this.opts.ws;
    const { spec } = this.opts;
    const plans = this.core.connectionPlans();
    for (let i = 0; i < plans.length; i++) {
      const { plan, symbols } = plans[i];
      const conn: Connection = new Connection({
        venue: this.venue,
        url: plan.url,
        // sockets of venues whose URL names no streams say which plan they serve (replay reads it)
        ...(spec.planFromUrl === undefined ? { tag: planTag(i, plan) } : {}),
        ...(spec.appPing === undefined ? {} : { appPing: { text: spec.appPing.text, intervalMs: spec.appPing.intervalMs } }),
        ...(spec.connectToken === undefined ? {} : { resolveUrl: () => this.connectUrl() }),
        subscribe: () => plan.subscribe,
        ...(spec.subscribeAfter === undefined ? {} : { subscribeAfter: (text: string) => spec.subscribeAfter!(text) }),
        openTimeoutMs: w.openTimeoutMs,
        pingIntervalMs: w.pingIntervalMs,
        pingTimeoutMs: w.pingTimeoutMs,
        noDataWarnMs: w.noDataWarnMs,
        noDataTimeoutMs: w.noDataTimeoutMs,
        maxSessionMs: w.maxSessionMs,
        backoffBaseMs: w.backoffBaseMs,
        backoffMaxMs: w.backoffMaxMs,
        maxReconnects: w.maxReconnects,
        log: this.opts.log,
        onFrame: (f) => this.onFrame(conn, f),
        onStatus: (s) => this.onConnectionStatus(symbols, s.state, s.connId, s.reason ?? s.error?.message),
      });
      this.connections.push(conn);
    }
    for (const conn of this.connections) conn.start();
    this.startPolls();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const slot of this.snapshots.values()) if (slot.timer) clearTimeout(slot.timer);
    for (const t of this.pollTimers.values()) clearTimeout(t);
    this.pollTimers.clear();
    this.pollAbort.abort(new Error('session stopped'));
    this.core.stop();
    await Promise.all(this.connections.map((c) => c.stop()));
  }

  stats(): SymbolStats[] {
    return this.core.stats();
  }

  connectionStats(): { framesIn: number; bytesIn: number; reconnects: number }[] {
    return this.connections.map((c) => c.stats);
  }

  async checkSymbols(): Promise<void> {
    const { spec } = this.opts;
    const listed = new Set<string>();
    for (const req of [spec.exchangeInfo, ...(spec.exchangeInfoExtra ?? [])]) {
      for (const v of spec.parseExchangeInfo(await this.listing(req))) listed.add(v);
    }
    for (let i = 0; i < this.venueSymbols.length; i++) {
      const v = this.venueSymbols[i];
      if (!listed.has(v)) {
        const symbol = this.opts.symbols[i];
        throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${symbol} (${v}) is not trading on ${spec.name}`, {
          venue: this.venue, symbol, expected: `one of ${listed.size} listed symbols`, got: v,
        });
      }
    }
  }

  /** The trading window: when it has opened since the last frame, every book resyncs (RESYNC_MARK). */
  private checkWindow(localTs: number): void {
    const w = this.opts.window;
    if (w === undefined) {
      this.windowCheckUs = Infinity;
      return;
    }
    const open = w.isOpen(localTs);
    const first = this.windowCheckUs === -Infinity;
    this.windowCheckUs = w.nextChange(localTs);
    if (open && !this.windowOpen && !first) {
      const mark: RawFrame = { venue: this.venue, connId: 0, recvSeq: 0, localTs, dir: 'conn', data: `${RESYNC_MARK}trading window opened` };
      this.core.onFrame(mark);
      this.opts.handlers.raw?.(mark, this.opts.symbols);
    }
    this.windowOpen = open;
  }

  /**
   * spec.connectToken: asks the venue for a socket URL (KuCoin's bullet token). The body goes to
   * the raw capture of every symbol first (it names the socket the frames that follow came on).
   */
  private async connectUrl(): Promise<{ url: string; appPingIntervalMs?: number }> {
    const token = this.opts.spec.connectToken!;
    const res = await this.rest.get(token.request.path, { weight: token.request.weight, method: token.request.method });
    this.opts.handlers.raw?.({ venue: this.venue, connId: 0, recvSeq: 0, localTs: res.localTs, dir: 'rest', data: res.body, url: res.url }, this.opts.symbols);
    if (res.status !== 200) {
      throw new MarketfeedError('MF_ERR_HTTP', `${res.url} answered HTTP ${res.status}: ${res.body.slice(0, 200)}`, { venue: this.venue, status: res.status });
    }
    const to = token.parse(res.body);
    return to.pingIntervalMs === undefined ? { url: to.url } : { url: to.url, appPingIntervalMs: to.pingIntervalMs };
  }

  /** One symbol listing's body; MF_ERR_UNREACHABLE when it cannot be had. */
  private async listing(req: { path: string; weight: number }): Promise<string> {
    let res;
    try {
      res = await this.rest.get(req.path, { weight: req.weight });
    } catch (e) {
      if (isMarketfeedError(e)) {
        const url = `${this.opts.restBase}${req.path}`;
        throw new MarketfeedError('MF_ERR_UNREACHABLE', `cannot reach ${url} (${e.got ?? e.code}); check --rest-url and the network`, {
          venue: this.venue, cause: e,
        });
      }
      throw e;
    }
    if (res.status !== 200) {
      throw new MarketfeedError('MF_ERR_UNREACHABLE', `symbol listing at ${res.url} answered HTTP ${res.status}: ${res.body.slice(0, 200)}`, {
        venue: this.venue, status: res.status,
      });
    }
    return res.body;
  }

  // Raw first: every frame goes to the owner's capture in the same tick it is decoded in, routed
  // to the symbol the core found in it (or to every symbol of its socket).
  private onFrame(conn: Connection, f: RawFrame): void {
    if (f.localTs >= this.windowCheckUs) this.checkWindow(f.localTs);
    if (f.dir === 'conn' && f.data.startsWith('open ')) this.byConnId.set(f.connId, conn);
    const symbols = this.core.onFrame(f);
    this.opts.handlers.raw?.(f, symbols);
    if (f.dir === 'conn' && !f.data.startsWith('open ')) this.byConnId.delete(f.connId);
  }

  private onConnectionStatus(symbols: readonly string[], state: string, connId: number, reason: string | undefined): void {
    const localTs = nowUs();
    for (const symbol of symbols) {
      this.opts.handlers.event({
        type: 'status', scope: 'connection', state: state as 'CONNECTED', venue: this.venue, symbol,
        venueSymbol: this.opts.spec.toVenueSymbol(symbol), ts: localTs, localTs, connId, ...(reason === undefined ? {} : { reason }),
      });
    }
  }

  // --- snapshots ------------------------------------------------------------------------------

  private requestSnapshot(venueSymbol: string): void {
    const slot = this.snapshots.get(venueSymbol);
    if (slot === undefined || this.stopped || slot.inFlight || slot.timer) return;
    const { spec } = this.opts;
    if (spec.bookSnapshot === 'ws' && (slot.failures < RESUBSCRIBES_BEFORE_REST || spec.depthRequest === undefined)) {
      this.resubscribe(venueSymbol, slot);
      return;
    }
    slot.inFlight = true;
    void this.fetchSnapshot(venueSymbol, slot);
  }

  /**
   * 'ws' venues: a book needs a fresh snapshot, which the venue sends when the symbol is
   * subscribed again; sent on the socket carrying that book. If none has come after
   * RESUBSCRIBE_WAIT_MS the book is told, and asks again (over REST after a few tries when the
   * venue has a REST book).
   */
  private resubscribe(venueSymbol: string, slot: SnapshotSlot): void {
    const { spec } = this.opts;
    const plans = this.core.connectionPlans();
    const i = plans.findIndex((p) => p.plan.book && p.plan.venueSymbols.includes(venueSymbol));
    const frames = this.core.resubscribeFrames(venueSymbol, spec.bookDepth?.(this.opts.depth) ?? this.opts.depth);
    const conn = this.connections[i];
    if (conn !== undefined) for (const f of frames) conn.send(f);
    this.opts.log.info({ venue: this.venue, venueSymbol, frames: frames.length }, 'resubscribing for a fresh book snapshot');
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (this.stopped) return;
      const state = this.core.stats().find((x) => x.symbol === this.core.symbolOf(venueSymbol))?.state;
      if (state === 'SYNCED') {
        slot.failures = 0;
        return;
      }
      slot.failures++;
      this.core.snapshotFailed(venueSymbol, `no stream snapshot within ${RESUBSCRIBE_WAIT_MS} ms of resubscribing`);
    }, RESUBSCRIBE_WAIT_MS);
  }

  /**
   * The snapshot a resubscribe asked for came: the wait for it is over, so the next gap of this
   * book resubscribes at once instead of after RESUBSCRIBE_WAIT_MS.
   */
  private streamSnapshotCame(venueSymbol: string): void {
    const slot = this.snapshots.get(venueSymbol);
    if (slot === undefined || slot.timer === undefined || slot.inFlight) return;
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.failures = 0;
  }

  private async fetchSnapshot(venueSymbol: string, slot: SnapshotSlot): Promise<void> {
    const depthRequest = this.opts.spec.depthRequest;
    if (depthRequest === undefined) return; // a 'ws' venue without a REST book: requestSnapshot never gets here
    const req = depthRequest(venueSymbol, this.opts.snapshotLimit);
    let failure: string | undefined;
    const askedAt = performance.now();
    const symbol = this.core.symbolOf(venueSymbol) ?? venueSymbol;
    try {
      const res = await this.rest.get(req.path, { weight: req.weight });
      this.opts.handlers.raw?.(
        { venue: this.venue, connId: 0, recvSeq: 0, localTs: res.localTs, dir: 'rest', data: res.body, url: res.url },
        this.core.symbolOf(venueSymbol) === undefined ? [] : [symbol],
      );
      if (this.stopped) return;
      slot.inFlight = false;
      failure = this.core.onSnapshotBody(venueSymbol, res.body, res.localTs, res.status === 200);
      this.opts.handlers.snapshotTiming?.(this.venue, symbol, (performance.now() - askedAt) / 1000, failure === undefined);
      if (failure === undefined) {
        slot.failures = 0;
        return;
      }
    } catch (e) {
      failure = (e as Error).message;
      if (!this.stopped) this.opts.handlers.snapshotTiming?.(this.venue, symbol, (performance.now() - askedAt) / 1000, false);
    }
    slot.inFlight = false;
    if (this.stopped) return;
    slot.failures++;
    const delay = Math.min(SNAPSHOT_RETRY_MAX_MS, SNAPSHOT_RETRY_BASE_MS * 2 ** (slot.failures - 1));
    this.opts.log.warn({ venue: this.venue, venueSymbol, failure, retryInMs: delay }, 'snapshot request failed');
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      this.core.snapshotFailed(venueSymbol, failure ?? 'unknown');
    }, delay);
  }

  // --- open interest (REST-only venues) ---------------------------------------------------------

  /** Polls every symbol's open interest now and then every rest.openInterestS, when there is any to poll. */
  private startPolls(): void {
    const everyS = this.opts.rest.openInterestS ?? 0;
    if (this.opts.spec.openInterest === undefined || everyS <= 0 || !this.opts.kinds.includes('derivative')) return;
    for (const v of this.venueSymbols) void this.pollOpenInterest(v, everyS * 1000);
  }

  /**
   * One poll, then the next one scheduled after `everyMs` (a slow request never overlaps the next).
   * The body goes to the raw capture first, then to the core (whatever its HTTP status: the
   * decoder rejects an error body, and replay, which sees only the body, does the same).
   */
  private async pollOpenInterest(venueSymbol: string, everyMs: number): Promise<void> {
    const req = this.opts.spec.openInterest!.request(venueSymbol);
    let failure: string | undefined;
    try {
      const w = this.opts.window;
      if (w === undefined || w.isOpen(nowUs())) {
        const res = await this.rest.get(req.path, { weight: req.weight, signal: this.pollAbort.signal });
        if (this.stopped) return;
        if (res.localTs >= this.windowCheckUs) this.checkWindow(res.localTs);
        const f: RawFrame = { venue: this.venue, connId: 0, recvSeq: 0, localTs: res.localTs, dir: 'rest', data: res.body, url: res.url };
        const symbol = this.core.symbolOf(venueSymbol);
        this.opts.handlers.raw?.(f, symbol === undefined ? [] : [symbol]);
        if (!this.core.onRestFrame(f, venueSymbol)) failure = `${this.venue} decoder did not take the body of ${res.url}`;
        else if (res.status !== 200) failure = `HTTP ${res.status}: ${res.body.slice(0, 200)}`;
      }
    } catch (e) {
      if (this.stopped) return;
      failure = (e as Error).message;
    }
    if (this.stopped) return;
    if (failure !== undefined) this.pollFailed(venueSymbol, failure, everyMs);
    this.pollTimers.set(venueSymbol, setTimeout(() => void this.pollOpenInterest(venueSymbol, everyMs), everyMs));
  }

  private pollFailed(venueSymbol: string, failure: string, everyMs: number): void {
    this.pollFailures++;
    const now = Date.now();
    if (now - this.pollWarnedMs < POLL_WARN_EVERY_MS) return;
    this.pollWarnedMs = now;
    this.opts.log.warn({ venue: this.venue, venueSymbol, failure, failures: this.pollFailures, retryInMs: everyMs }, 'open interest poll failed');
  }
}
