// VenueSession: one venue's live capture. It opens the connections of the venue's plan, hands
// every frame raw to the owner first, decodes it, routes depth diffs to one SyncEngine per
// symbol and fetches REST snapshots when an engine asks (snapshot-scheduler.ts: fairly, under
// the REST client's weight budget, which is sized from the limit the venue advertises in its
// listing, or publishes, unless rest.weightPerMinute overrides it).
// A gap or a disconnect resyncs only the symbols it touches; the others keep flowing. Venues that
// serve open interest only over REST (spec.openInterest) are polled per symbol; each body goes to
// the raw capture first and then through the core, so replay decodes it at the same point.
import type { RawFrame } from '../core/frames.js';
import { MarketfeedError, isMarketfeedError } from '../core/errors.js';
import { nowUs } from '../core/time.js';
import type { Logger } from '../core/log.js';
import { Connection } from '../transport/connection.js';
import { RestClient, type RestStats } from '../transport/rest.js';
import { ProxyRoute } from '../transport/proxy.js';
import { chooseRestBudget, REST_BUDGET_SHARE, type RestBudgetChoice } from '../transport/weight-budget.js';
import { FeedCore, RESYNC_MARK, planTag, type SessionHandlers, type SymbolStats } from './feed-core.js';
import { SnapshotScheduler } from './snapshot-scheduler.js';
import { TradeBackfiller } from './trade-backfiller.js';
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
  /**
   * weightPerMinute: the REST budget; 0 = sized from the venue's limit (spec.restLimit).
   * openInterestS: seconds between open interest polls of each symbol (spec.openInterest; 0 or absent = off).
   */
  rest: { timeoutMs: number; weightPerMinute: number; openInterestS?: number };
  /** Sockets per connection plan: 1, or 2 for redundant A/B lines (redundancy.ts). */
  redundant?: number;
  /** Redundant lines: line B's websocket base URL (absent or '' = wsBase). */
  wsBaseB?: string;
  /** Proxy URL for the venue's sockets and REST ('' or absent = HTTPS_PROXY … from process.env). */
  proxy?: string;
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

/** On stop, how long missing trades may still be fetched (then they are ledgered as missed). */
const BACKFILL_FINISH_MS = 2000;

/** Failed open interest polls are logged at most this often (each is retried at the next interval). */
const POLL_WARN_EVERY_MS = 60_000;

export class VenueSession {
  readonly venue: string;
  private readonly opts: SessionOptions;
  private readonly rest: RestClient;
  private readonly proxy: ProxyRoute;
  private readonly core: FeedCore;
  private readonly venueSymbols: string[];
  /** Unified symbol → venue id. */
  private readonly venueSymbolOf: Map<string, string>;
  private readonly snapshots: SnapshotScheduler;
  /** spec.tradesById / recentTrades venues recording trades: fetches the trades a dropped socket missed. */
  private readonly backfill: TradeBackfiller | undefined;
  private budget: RestBudgetChoice;
  private readonly connections: Connection[] = [];
  /** The sockets of each plan: one, or two with redundant lines (A first). */
  private readonly planConns: Connection[][] = [];
  /** Redundant lines: the line (`a`, `b`) of each socket. */
  private readonly lineOf = new Map<Connection, string>();
  private readonly byConnId = new Map<number, Connection>();
  private stopped = false;
  private stopping = false;
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
    this.venueSymbolOf = new Map(opts.symbols.map((s, i) => [s, this.venueSymbols[i]]));
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
      requestSnapshot: (v) => this.snapshots.request(v),
      onShutdown: (connId) => this.byConnId.get(connId)?.reconnect('serverShutdown'),
      onReply: (connId, text) => this.byConnId.get(connId)?.send(text, true),
      onStreamSnapshot: (v) => this.snapshots.streamSnapshotCame(v),
      onTradesMissing: (v) => this.backfill?.wake(v),
      onTradeWindow: (v) => this.backfill?.wakeWindow(v),
    });
    // until the listing says what the venue allows: its published limit, if any
    this.budget = chooseRestBudget({ override: opts.rest.weightPerMinute, published: opts.spec.restLimit?.weightPerMinute });
    this.proxy = new ProxyRoute(opts.proxy ?? '');
    this.rest = new RestClient({
      venue: this.venue,
      baseUrl: opts.restBase,
      timeoutMs: opts.rest.timeoutMs,
      weightPerMinute: this.budget.weightPerMinute,
      ...(opts.spec.restLimit?.usedWeightHeader === undefined ? {} : { usedWeightHeader: opts.spec.restLimit.usedWeightHeader }),
      ...(this.budget.venueLimit === undefined ? {} : { venueLimit: this.budget.venueLimit }),
      proxy: this.proxy,
      log: opts.log,
    });
    this.snapshots = new SnapshotScheduler({
      spec: opts.spec, rest: this.rest, core: this.core, snapshotLimit: opts.snapshotLimit, depth: opts.depth,
      handlers: opts.handlers, log: opts.log, connection: (i) => this.planConnection(i),
    }, this.venueSymbols);
    this.backfill = (opts.spec.tradesById === undefined && opts.spec.recentTrades === undefined) || !opts.kinds.includes('trades') ? undefined : new TradeBackfiller({
      spec: opts.spec, rest: this.rest, core: this.core, handlers: opts.handlers, log: opts.log,
      capturing: (localTs) => {
        if (localTs >= this.windowCheckUs) this.checkWindow(localTs);
        return this.windowOpen;
      },
    });
  }

  /** The REST budget in force and where it came from (the venue's listing, once checkSymbols has read it). */
  restBudget(): RestBudgetChoice {
    return this.budget;
  }

  restStats(): Readonly<RestStats> {
    return this.rest.stats;
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
    // logged once the session starts (not while checking symbols: a refused one is the user's one line)
    const b = this.budget;
    this.opts.log.info({
      venue: this.venue, weightPerMinute: b.weightPerMinute, source: b.source, venueLimit: b.venueLimit ?? null,
      ...(b.source === 'listing' || b.source === 'published' ? { share: REST_BUDGET_SHARE } : {}),
    }, 'REST budget');
    const w = this.opts.ws;
    const { spec } = this.opts;
    const plans = this.core.connectionPlans();
    if (this.proxy.configured) {
      this.opts.log.info({
        venue: this.venue, proxy: this.proxy.describe(), ws: this.proxy.describeFor(plans[0]?.plan.url ?? this.opts.wsBase) ?? 'direct',
        rest: this.proxy.describeFor(this.opts.restBase) ?? 'direct',
      }, 'proxy in use');
    }
    // `--redundant 2`: every plan on two lines (A, B), each its own socket with its own lifecycle
    const lines: (string | undefined)[] = (this.opts.redundant ?? 1) >= 2 ? ['a', 'b'] : [undefined];
    const baseB = this.opts.wsBaseB;
    const plansB = lines.length > 1 && baseB !== undefined && baseB !== '' && baseB !== this.opts.wsBase
      ? spec.plan(baseB, this.venueSymbols, this.opts.kinds, this.opts.depth)
      : undefined;
    for (let i = 0; i < plans.length; i++) {
      const { plan, symbols } = plans[i];
      for (const line of lines) {
        const conn: Connection = new Connection({
          venue: this.venue,
          url: line === 'b' ? (plansB?.[i]?.url ?? plan.url) : plan.url,
          // redundant lines say which line and plan they serve (replay merges them the same way)
          ...(line === undefined ? {} : { line: `${line}:${i}` }),
          // line B's first session is half as long: the two lines never rotate together
          ...(line === 'b' && w.maxSessionMs > 0 ? { firstSessionMs: w.maxSessionMs / 2 } : {}),
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
          proxy: this.proxy,
          log: this.opts.log,
          onFrame: (f) => this.onFrame(conn, f),
          onStatus: (s) => this.onConnectionStatus(symbols, s.state, s.connId, s.reason ?? s.error?.message),
        });
        this.connections.push(conn);
        if (line !== undefined) this.lineOf.set(conn, line);
        (this.planConns[i] ??= []).push(conn);
      }
    }
    for (const conn of this.connections) conn.start();
    this.startPolls();
  }

  async stop(): Promise<void> {
    if (this.stopped || this.stopping) return;
    this.stopping = true;
    // trades a dropped socket missed are fetched before the end (briefly), or ledgered as missed
    if (this.connections.length > 0 && this.backfill?.busy(this.venueSymbols) === true) await this.backfill.finish(this.venueSymbols, BACKFILL_FINISH_MS);
    this.stopped = true;
    this.snapshots.stop();
    this.backfill?.stop();
    const r = this.rest.stats;
    // a session stopped before it opened (bad symbol, unreachable venue) leaves the user's one
    // error line alone
    if (this.connections.length > 0) this.opts.log.info({
      venue: this.venue, requests: r.requests, weightUsed: r.weightUsed, weightPerMinute: this.budget.weightPerMinute,
      rateLimited: r.rateLimited, failures: r.failures,
    }, 'REST totals');
    for (const t of this.pollTimers.values()) clearTimeout(t);
    this.pollTimers.clear();
    this.pollAbort.abort(new Error('session stopped'));
    this.core.stop();
    await Promise.all(this.connections.map((c) => c.stop()));
  }

  stats(): SymbolStats[] {
    const out = this.core.stats();
    const now = performance.now();
    for (let i = 0; i < out.length; i++) out[i].snapshotWaitS = this.snapshots.waitS(this.venueSymbolOf.get(out[i].symbol) ?? '', now);
    return out;
  }

  /**
   * Redundant lines: each line's sockets (how many are connected now, of how many) and reconnects,
   * with how often the line filled in for the other (summed over symbols); empty without.
   */
  lineStats(): { line: string; connected: number; sockets: number; reconnects: number; fills: number }[] {
    const out = new Map<string, { line: string; connected: number; sockets: number; reconnects: number; fills: number }>();
    for (const [conn, line] of this.lineOf) {
      let l = out.get(line);
      if (l === undefined) out.set(line, (l = { line, connected: 0, sockets: 0, reconnects: 0, fills: 0 }));
      l.sockets++;
      if (conn.state === 'CONNECTED') l.connected++;
      l.reconnects += conn.stats.reconnects;
    }
    for (const s of this.core.stats()) {
      for (const [line, n] of Object.entries(s.redundancy?.fills ?? {})) {
        const l = out.get(line);
        if (l !== undefined) l.fills += n;
      }
    }
    return [...out.values()];
  }

  /** The socket of plan `i` to send on (resubscribes): line A's while it is up, else line B's. */
  private planConnection(i: number): Connection | undefined {
    const conns = this.planConns[i];
    return conns?.find((c) => c.state === 'CONNECTED') ?? conns?.[0];
  }

  connectionStats(): { framesIn: number; bytesIn: number; reconnects: number }[] {
    return this.connections.map((c) => c.stats);
  }

  async checkSymbols(): Promise<void> {
    const { spec } = this.opts;
    const listed = new Set<string>();
    let advertised: number | undefined;
    for (const req of [spec.exchangeInfo, ...(spec.exchangeInfoExtra ?? [])]) {
      const body = await this.listing(req);
      for (const v of spec.parseExchangeInfo(body)) listed.add(v);
      if (req === spec.exchangeInfo) advertised = spec.restLimit?.fromListing?.(body);
    }
    this.sizeBudget(advertised);
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

  /** The budget from the limit the venue's listing advertised (undefined: none), logged with its source. */
  private sizeBudget(advertised: number | undefined): void {
    const b = chooseRestBudget({ override: this.opts.rest.weightPerMinute, advertised, published: this.opts.spec.restLimit?.weightPerMinute });
    this.budget = b;
    this.rest.limitTo(b.weightPerMinute, b.venueLimit);
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
        const via = this.proxy.describeFor(url);
        const where = via === undefined ? url : `${url} via proxy ${via}`;
        throw new MarketfeedError('MF_ERR_UNREACHABLE', `cannot reach ${where} (${e.got ?? e.code}); check ${via === undefined ? '--rest-url' : 'the proxy, --rest-url'} and the network`, {
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
    const now = performance.now(); // monotonic: a wall clock step back must not silence this for hours
    if (now - this.pollWarnedMs < POLL_WARN_EVERY_MS) return;
    this.pollWarnedMs = now;
    this.opts.log.warn({ venue: this.venue, venueSymbol, failure, failures: this.pollFailures, retryInMs: everyMs }, 'open interest poll failed');
  }
}
