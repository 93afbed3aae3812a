// Feed: the live pipeline over one or more venue sessions. Handlers get every event and raw
// frame synchronously (the recorder's fast path); library users can instead iterate the feed:
// `for await (const ev of feed)`, served from a bounded queue that counts what it had to drop.
import type { MarketEvent } from '../core/events.js';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
import { TradingWindow } from '../core/trading-window.js';
import { getVenue, VenueSession, type SessionHandlers, type SessionOptions, type SymbolStats, type Kind } from '../venues/index.js';
import { CcxtSession, isCcxtVenue } from '../venues/ccxt/index.js';

/** Venue sessions rotate this long before the venue's own max session cuts them. */
const SESSION_MARGIN_S = 600;

export interface FeedSource {
  venue: string;
  symbols: string[];
  kinds?: Kind[];
}

export interface FeedOptions {
  config: Config;
  /** Defaults to one source from config.venue / config.symbols. */
  sources?: FeedSource[];
  handlers?: Partial<SessionHandlers>;
  /** Emit book_change events too (off by default: only verified book_snapshot rows). */
  emitChanges?: boolean;
  /** Capacity of the async-iterator queue (events); older events are dropped and counted beyond it. */
  queueCapacity?: number;
  log: Logger;
}

export interface FeedStats {
  events: number;
  framesIn: number;
  bytesIn: number;
  reconnects: number;
  rejects: number;
  /** Events the async iterator had to drop because its consumer fell behind queueCapacity. */
  queueDropped: number;
  symbols: SymbolStats[];
  /** Redundant A/B lines (`--redundant 2`): each line's sockets up, reconnects and fills; empty without. */
  lines?: { line: string; connected: number; sockets: number; reconnects: number; fills: number }[];
}

export function sessionOptions(cfg: Config, source: FeedSource, handlers: SessionHandlers, log: Logger, emitChanges = false): SessionOptions {
  const spec = getVenue(source.venue);
  const kinds = source.kinds ?? (Object.keys(spec.kinds) as Kind[]).filter((k) => spec.kinds[k]);
  // a venue without a session limit (maxSessionS 0) is never rotated unless configured
  const maxSessionS = cfg.ws.maxSessionS > 0 ? cfg.ws.maxSessionS : spec.maxSessionS > 0 ? Math.max(60, spec.maxSessionS - SESSION_MARGIN_S) : 0;
  return {
    spec,
    symbols: source.symbols,
    kinds,
    depth: cfg.depth,
    wsBase: cfg.ws.url || spec.urls.ws,
    redundant: cfg.redundant,
    wsBaseB: cfg.ws.urlB,
    restBase: cfg.rest.url || spec.urls.rest,
    snapshotLimit: cfg.rest.snapshotLimit,
    ws: {
      openTimeoutMs: cfg.ws.openTimeoutS * 1000,
      pingIntervalMs: cfg.ws.pingIntervalS * 1000,
      pingTimeoutMs: cfg.ws.pingTimeoutS * 1000,
      noDataWarnMs: cfg.ws.noDataWarnS * 1000,
      noDataTimeoutMs: cfg.ws.noDataTimeoutS * 1000,
      maxSessionMs: maxSessionS * 1000,
      backoffBaseMs: cfg.ws.reconnectBackoffS * 1000,
      backoffMaxMs: cfg.ws.reconnectBackoffMaxS * 1000,
      maxReconnects: cfg.ws.maxReconnects,
    },
    rest: { timeoutMs: cfg.rest.timeoutS * 1000, weightPerMinute: cfg.rest.weightPerMinute, openInterestS: cfg.rest.openInterestS },
    proxy: cfg.proxy,
    emitChanges,
    quoteCheck: cfg.quoteCheck,
    checksumAdvisory: cfg.checksumAdvisory.split(',').map((x) => x.trim()).filter((x) => x !== ''),
    ...(cfg.window.startHhmm === '' ? {} : { window: new TradingWindow(cfg.window) }),
    handlers,
    log,
  };
}

export class Feed implements AsyncIterable<MarketEvent> {
  /** Native venue sessions, or the ccxt fallback's (`ccxt:<id>`), which offers the same surface. */
  private readonly sessions: (VenueSession | CcxtSession)[];
  private readonly queue: MarketEvent[] = [];
  private readonly queueCapacity: number;
  private iterating = false;
  private wake: (() => void) | undefined;
  private done = false;
  eventsOut = 0;
  queueDropped = 0;

  constructor(opts: FeedOptions) {
    this.queueCapacity = opts.queueCapacity ?? 100_000;
    const user = opts.handlers ?? {};
    const handlers: SessionHandlers = {
      event: (ev) => {
        this.eventsOut++;
        user.event?.(ev);
        if (this.iterating) this.enqueue(ev);
      },
      raw: user.raw,
      snapshot: user.snapshot,
      reject: user.reject,
      snapshotTiming: user.snapshotTiming,
    };
    const sources = opts.sources ?? [{ venue: opts.config.venue, symbols: opts.config.symbols }];
    this.sessions = sources.map((s) => isCcxtVenue(s.venue)
      ? new CcxtSession({ config: { ...opts.config, venue: s.venue }, symbols: s.symbols, handlers, log: opts.log })
      : new VenueSession(sessionOptions(opts.config, s, handlers, opts.log, opts.emitChanges)));
  }

  /** Validates symbols and opens every connection; rejects with a MarketfeedError (exit 2 material) on bad setup. */
  async start(): Promise<void> {
    await this.check();
    this.open();
  }

  /** Checks every symbol against its venue's listing; nothing is opened yet. */
  async check(): Promise<void> {
    try {
      await Promise.all(this.sessions.map((s) => s.checkSymbols()));
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  open(): void {
    for (const s of this.sessions) s.open();
  }

  async stop(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.stop()));
    this.done = true;
    this.wake?.();
  }

  stats(): FeedStats {
    let framesIn = 0, bytesIn = 0, reconnects = 0, rejects = 0;
    const symbols: SymbolStats[] = [];
    const lines: NonNullable<FeedStats['lines']> = [];
    for (const s of this.sessions) {
      if (s instanceof VenueSession) {
        for (const l of s.lineStats()) {
          const same = lines.find((x) => x.line === l.line);
          if (same === undefined) lines.push(l);
          else for (const k of ['connected', 'sockets', 'reconnects', 'fills'] as const) same[k] += l[k];
        }
      }
      for (const c of s.connectionStats()) {
        framesIn += c.framesIn;
        bytesIn += c.bytesIn;
        reconnects += c.reconnects;
      }
      rejects += s.rejects;
      symbols.push(...s.stats());
    }
    return { events: this.eventsOut, framesIn, bytesIn, reconnects, rejects, queueDropped: this.queueDropped, symbols, lines };
  }

  /** queue[head..] are pending; head advances instead of shifting (O(1) per event). */
  private head = 0;

  private enqueue(ev: MarketEvent): void {
    if (this.queue.length - this.head >= this.queueCapacity) {
      this.head++; // the consumer is too slow: drop the oldest, counted
      this.queueDropped++;
    }
    this.queue.push(ev);
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    const w = this.wake;
    if (w) {
      this.wake = undefined;
      w();
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<MarketEvent> {
    this.iterating = true;
    try {
      while (true) {
        while (this.head < this.queue.length) {
          const ev = this.queue[this.head++];
          if (this.head === this.queue.length) {
            this.queue.length = 0;
            this.head = 0;
          }
          yield ev;
        }
        if (this.done) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      this.iterating = false;
    }
  }
}
