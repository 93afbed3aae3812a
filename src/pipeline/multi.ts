// One pipeline over several venues (or several endpoints of one), in priority order, with ordered
// fallback per symbol: every source runs (hot standby), and a symbol's data events are passed on
// from the first source that is up for it. A source is down for a symbol when it failed to start
// (unreachable, symbol not listed), when its connection gave up (FAILED), or when it delivered no
// data event for `failAfterMs`; it takes the symbol back once its data has flowed again for
// `recoverAfterMs` (so a flapping source does not make the output flap). Status and gap events of
// every source are passed on too, tagged with their source. The `all` handler sees every event of
// every source — feed it to per-source LiveCandles and history/quality.ts to score the sources.
import type { Config } from '../core/config.js';
import type { MarketEvent } from '../core/events.js';
import { MarketfeedError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { nowUs } from '../core/time.js';
import type { Kind } from '../venues/index.js';
import { Feed, type FeedStats } from './feed.js';

export interface MultiSource {
  /** Name of the source (default: the venue id; must be unique). */
  id?: string;
  venue: string;
  /** The venue's unified symbols, index for index with MultiFeedOptions.symbols (`BTC/USDT:USDT` ↔ `BTC/USDT`). */
  symbols: string[];
  wsUrl?: string;
  restUrl?: string;
  kinds?: Kind[];
}

export interface EventMeta {
  source: string;
  /** The symbol's common name (MultiFeedOptions.symbols). */
  symbol: string;
  /** True when this source is the one passed on for the symbol right now. */
  active: boolean;
}

export interface SourceSwitch {
  symbol: string;
  from: string | undefined;
  to: string | undefined;
  /** Local time, µs. */
  at: number;
  reason: string;
}

export interface MultiFeedOptions {
  config: Config;
  /** In priority order: the first that is up for a symbol serves it. */
  sources: MultiSource[];
  /** Common names of the symbols, index for index with each source's symbols (default: the first source's). */
  symbols?: string[];
  handlers: {
    /** Data events of the active source of their symbol, and status/gap events of every source. */
    event(ev: MarketEvent, meta: EventMeta): void;
    /** Every event of every source. */
    all?(ev: MarketEvent, meta: EventMeta): void;
    switched?(s: SourceSwitch): void;
  };
  /** Default 5000. */
  failAfterMs?: number;
  /** Default 3000. */
  recoverAfterMs?: number;
  /** Default 250. */
  checkIntervalMs?: number;
  log: Logger;
  /** µs clock (default nowUs). */
  now?: () => number;
}

interface Slot {
  up: boolean;
  /** Permanently down (start failed, connection FAILED): why. */
  dead: string | undefined;
  lastData: number;
  /** When data started flowing again after the source went down, µs; -1 while not flowing. */
  resumedAt: number;
  events: number;
}

interface SourceState {
  id: string;
  venue: string;
  feed: Feed;
  /** venue symbol text → index of the common symbol. */
  index: Map<string, number>;
  slots: Slot[];
  startError: string | undefined;
}

export interface SourceReport {
  id: string;
  venue: string;
  startError: string | undefined;
  symbols: { symbol: string; up: boolean; active: boolean; dead: string | undefined; events: number; lastDataAgeMs: number }[];
  feed: FeedStats;
}

const DATA = new Set<MarketEvent['type']>(['trade', 'book_change', 'book_snapshot', 'quote', 'ticker', 'derivative', 'liquidation', 'candle']);

export class MultiFeed {
  readonly switches: SourceSwitch[] = [];
  private readonly opts: MultiFeedOptions;
  private readonly symbols: string[];
  private readonly sources: SourceState[] = [];
  /** Index into `sources` of the active source per symbol; -1 when none is up. */
  private readonly active: number[];
  private readonly failUs: number;
  private readonly recoverUs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: MultiFeedOptions) {
    if (opts.sources.length === 0) throw new MarketfeedError('MF_ERR_CONFIG', 'a multi-venue feed needs at least one source', { path: 'sources' });
    this.opts = opts;
    this.symbols = opts.symbols ?? opts.sources[0].symbols;
    this.failUs = (opts.failAfterMs ?? 5000) * 1000;
    this.recoverUs = (opts.recoverAfterMs ?? 3000) * 1000;
    this.now = opts.now ?? nowUs;
    const ids = new Set<string>();
    for (const src of opts.sources) {
      const id = src.id ?? src.venue;
      if (ids.has(id)) throw new MarketfeedError('MF_ERR_CONFIG', `two sources are named ${JSON.stringify(id)}`, { path: 'sources', expected: 'unique ids' });
      ids.add(id);
      if (src.symbols.length !== this.symbols.length) {
        throw new MarketfeedError('MF_ERR_CONFIG', `source ${id} lists ${src.symbols.length} symbols for ${this.symbols.length} common ones`, {
          path: 'sources', expected: this.symbols.join(','), got: src.symbols.join(','),
        });
      }
      const cfg: Config = {
        ...opts.config, venue: src.venue, symbols: src.symbols,
        ws: { ...opts.config.ws, url: src.wsUrl ?? opts.config.ws.url }, rest: { ...opts.config.rest, url: src.restUrl ?? opts.config.rest.url },
      };
      const state: SourceState = {
        id, venue: src.venue, index: new Map(src.symbols.map((s, i) => [s, i])), startError: undefined,
        slots: this.symbols.map(() => ({ up: true, dead: undefined, lastData: 0, resumedAt: -1, events: 0 })),
        feed: undefined as unknown as Feed,
      };
      state.feed = new Feed({
        config: cfg, sources: [{ venue: src.venue, symbols: src.symbols, kinds: src.kinds }], log: opts.log,
        handlers: { event: (ev) => this.onEvent(state, ev) },
      });
      this.sources.push(state);
    }
    this.active = this.symbols.map(() => 0);
  }

  /**
   * Checks every source and opens those that passed; a source that fails its check is down for
   * good (logged, in `report()`). Rejects only when no source can start.
   */
  async start(): Promise<void> {
    const results = await Promise.allSettled(this.sources.map((s) => s.feed.check()));
    const now = this.now();
    let started = 0;
    results.forEach((r, i) => {
      const s = this.sources[i];
      if (r.status === 'rejected') {
        s.startError = (r.reason as Error)?.message ?? String(r.reason);
        for (const slot of s.slots) this.kill(slot, `start failed: ${s.startError}`);
        this.opts.log.warn({ source: s.id, err: s.startError }, 'source failed to start; falling back to the next');
      } else {
        for (const slot of s.slots) slot.lastData = now; // grace: a fresh source has failAfterMs to deliver
        started++;
      }
    });
    if (started === 0) {
      const first = results[0] as PromiseRejectedResult;
      throw new MarketfeedError('MF_ERR_UNREACHABLE', `no source could start (${this.sources.map((s) => `${s.id}: ${s.startError}`).join('; ')})`, { cause: first.reason });
    }
    for (let k = 0; k < this.symbols.length; k++) this.elect(k, 'start');
    for (const s of this.sources) if (s.startError === undefined) s.feed.open();
    this.timer = setInterval(() => this.check(), this.opts.checkIntervalMs ?? 250);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all(this.sources.map((s) => s.feed.stop()));
  }

  /** The source serving a common symbol now (undefined when none is up). */
  activeSource(symbol: string): string | undefined {
    const k = this.symbols.indexOf(symbol);
    const i = k < 0 ? -1 : this.active[k];
    return i >= 0 ? this.sources[i].id : undefined;
  }

  report(): SourceReport[] {
    const now = this.now();
    return this.sources.map((s, i) => ({
      id: s.id, venue: s.venue, startError: s.startError, feed: s.feed.stats(),
      symbols: s.slots.map((slot, k) => ({
        symbol: this.symbols[k], up: slot.up, active: this.active[k] === i, dead: slot.dead, events: slot.events,
        lastDataAgeMs: slot.lastData > 0 ? Math.round((now - slot.lastData) / 1000) : -1,
      })),
    }));
  }

  /** Runs the down/up rules now (the timer does this every checkIntervalMs). */
  check(): void {
    const now = this.now();
    for (let k = 0; k < this.symbols.length; k++) {
      for (const s of this.sources) {
        const slot = s.slots[k];
        if (slot.dead !== undefined) continue;
        if (now - slot.lastData > this.failUs) {
          slot.resumedAt = -1;
          if (slot.up) {
            slot.up = false;
            this.elect(k, `${s.id}: no data for ${Math.round((now - slot.lastData) / 1000)} ms`);
          }
        }
      }
    }
  }

  private onEvent(s: SourceState, ev: MarketEvent): void {
    const k = s.index.get(ev.symbol);
    if (k === undefined) return; // connection-wide events (`*`)
    const i = this.sources.indexOf(s);
    const slot = s.slots[k];
    if (DATA.has(ev.type)) {
      const now = this.now();
      slot.events++;
      if (!slot.up && slot.dead === undefined) {
        if (slot.resumedAt < 0 || now - slot.lastData > this.failUs) slot.resumedAt = now;
        if (now - slot.resumedAt >= this.recoverUs) {
          slot.up = true;
          this.elect(k, `${s.id}: data flowing again for ${Math.round((now - slot.resumedAt) / 1000)} ms`);
        }
      }
      slot.lastData = now;
    } else if (ev.type === 'status' && ev.scope === 'connection' && ev.state === 'FAILED') {
      this.kill(slot, `connection FAILED: ${ev.reason ?? 'gave up reconnecting'}`);
      this.elect(k, `${s.id}: connection FAILED`);
    }
    const meta: EventMeta = { source: s.id, symbol: this.symbols[k], active: this.active[k] === i };
    this.opts.handlers.all?.(ev, meta);
    if (meta.active || !DATA.has(ev.type)) this.opts.handlers.event(ev, meta);
  }

  private kill(slot: Slot, why: string): void {
    slot.up = false;
    slot.dead = why;
  }

  /** Makes the first up source active for symbol k; records a switch when that changes. */
  private elect(k: number, reason: string): void {
    const next = this.sources.findIndex((s) => s.slots[k].up);
    const prev = this.active[k];
    if (next === prev) return;
    this.active[k] = next;
    const sw: SourceSwitch = {
      symbol: this.symbols[k], from: prev >= 0 ? this.sources[prev].id : undefined, to: next >= 0 ? this.sources[next].id : undefined,
      at: this.now(), reason,
    };
    this.switches.push(sw);
    this.opts.log.warn(sw, next >= 0 ? 'source switched' : 'no source is up');
    this.opts.handlers.switched?.(sw);
  }
}
