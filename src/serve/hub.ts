// ServeHub: what the server knows of each recorded stream, kept from the events as they pass. It
// holds no book logic: the book a client gets is the last `book_snapshot` the SyncEngine emitted
// (its rows are immutable), kept only while the book's last status is SYNCED, so nothing that was
// not verified can be served. Besides: the latest trades (a bounded ring), live candles (history's
// LiveCandles, bounded per timeframe), counters per stream, a bounded timeline of gaps, resyncs
// and reconnects, and the listeners (relay, metrics WebSocket) that get every event in order.
import type { BookSnapshot, Candle, MarketEvent, Trade } from '../core/events.js';
import type { Logger } from '../core/log.js';
import { nowUs } from '../core/time.js';
import { LiveCandles } from '../history/live-candles.js';
import type { EventListener, Resolved, ServeSource, StreamRef } from './types.js';

/** Trades kept per stream for GET /trades and the dashboard's tape. */
export const TRADES_KEPT = 1000;
/**
 * Sockets whose state a stream remembers: its own (two during a rotation, four with redundant
 * lines) and those that closed lately, which only a repeated status of the same socket asks about.
 */
const CONNS_REMEMBERED = 16;
/** Entries of the gap / resync / reconnect timeline kept (all streams). */
export const TIMELINE_KEPT = 2000;
/**
 * Live bars built and kept per stream, by timeframe: 10 minutes of 1s bars, a day of 1m, two days
 * of 5m, four of 15m, a week of 1h. Older bars come from the data dir's candle files. At most
 * 3,168 bars (about 1 MB of candle events) per stream, reached after a week.
 */
export const LIVE_BARS_KEPT: Readonly<Record<string, number>> = { '1s': 600, '1m': 1440, '5m': 576, '15m': 384, '1h': 168 };
export const LIVE_TIMEFRAMES = Object.keys(LIVE_BARS_KEPT);

export type TimelineKind = 'gap' | 'resync' | 'disconnect' | 'reconnect' | 'synced';

export interface TimelineEntry {
  localTs: number;
  venue: string;
  symbol: string;
  kind: TimelineKind;
  detail: string;
}

/** A fixed-capacity ring, oldest first on read. */
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  push(x: T): void {
    this.items[this.next] = x;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  get length(): number {
    return this.count;
  }

  /** The newest `n` (all when omitted), oldest first. */
  last(n = this.count): T[] {
    const k = Math.min(n, this.count);
    const out = new Array<T>(k);
    for (let i = 0; i < k; i++) out[i] = this.items[(this.next - k + i + this.capacity) % this.capacity] as T;
    return out;
  }

  newest(): T | undefined {
    return this.count === 0 ? undefined : this.items[(this.next - 1 + this.capacity) % this.capacity];
  }
}

export interface StreamCounters {
  /** Data events (trades, books, quotes, tickers, derivatives, candles) seen. */
  messages: number;
  gaps: number;
  resyncs: number;
  reconnects: number;
  /** Receive time of the newest data event, µs (0 = none yet). */
  lastLocalTs: number;
}

/** One stream's state. Fields are read by the relay and REST; only the hub writes them. */
export class StreamState {
  /** Last book status (`n/a` when no book is recorded). */
  bookState: string;
  bookReason = '';
  /** The newest verified top-N; undefined whenever the book is not SYNCED. */
  book: BookSnapshot | undefined;
  readonly trades = new Ring<Trade>(TRADES_KEPT);
  readonly candles = new Map<string, Ring<Candle>>();
  readonly counters: StreamCounters = { messages: 0, gaps: 0, resyncs: 0, reconnects: 0, lastLocalTs: 0 };
  /**
   * Connection state per socket id (a stream may ride on several during a rotation), latest
   * change last. A closed socket's id never comes back: past CONNS_REMEMBERED the least recently
   * changed are forgotten, else every reconnect left an entry behind for the life of the process.
   */
  private readonly conns = new Map<number, string>();
  /** messages at the last rate sample, and the rate it gave. */
  private sampled = 0;
  private sampledAt = 0;
  messagesPerS = 0;

  constructor(readonly ref: StreamRef) {
    this.bookState = ref.depth > 0 ? 'CONNECTING' : 'n/a';
    for (const tf of LIVE_TIMEFRAMES) this.candles.set(tf, new Ring<Candle>(LIVE_BARS_KEPT[tf]));
  }

  /** Updates messagesPerS from the counters (called about once a second). */
  sample(nowUsValue: number): void {
    if (this.sampledAt > 0) {
      const dt = (nowUsValue - this.sampledAt) / 1e6;
      if (dt > 0) this.messagesPerS = (this.counters.messages - this.sampled) / dt;
    }
    this.sampled = this.counters.messages;
    this.sampledAt = nowUsValue;
  }

  /** Records a connection state; true when it is a reconnect (CONNECTED after being down). */
  connection(connId: number, state: string): { down: boolean; reconnect: boolean } {
    const was = this.conns.get(connId);
    if (state === 'DISCONNECTED') {
      this.conns.delete(connId);
      return { down: false, reconnect: false };
    }
    this.conns.delete(connId); // set again below: the Map's order is the order of last change
    this.conns.set(connId, state);
    if (this.conns.size > CONNS_REMEMBERED) this.conns.delete(this.conns.keys().next().value as number);
    const down = (state === 'RECONNECTING' || state === 'FAILED') && was !== state;
    return { down, reconnect: state === 'CONNECTED' && this.hadDown };
  }

  /** Set once a connection of this stream went down; a later CONNECTED is a reconnect. */
  hadDown = false;
}

export interface HubOptions {
  dataDir: string;
  streams: readonly StreamRef[];
  log: Logger;
  /** µs clock (tests). */
  now?: () => number;
}

const SYMBOL_RE = /^[A-Za-z0-9][A-Za-z0-9/:._-]{0,63}$/;

export class ServeHub implements ServeSource {
  readonly dataDir: string;
  readonly log: Logger;
  readonly timeline = new Ring<TimelineEntry>(TIMELINE_KEPT);
  private readonly byVenue = new Map<string, Map<string, StreamState>>();
  private readonly all: StreamState[] = [];
  private readonly listeners: EventListener[] = [];
  private readonly candles: LiveCandles;
  private readonly now: () => number;
  private sampler: NodeJS.Timeout | undefined;

  constructor(opts: HubOptions) {
    this.dataDir = opts.dataDir;
    this.log = opts.log;
    this.now = opts.now ?? nowUs;
    for (const ref of opts.streams) this.add(ref);
    // candle events go through onEvent like any other: kept, counted, relayed
    this.candles = new LiveCandles({ timeframes: LIVE_TIMEFRAMES, emit: (c) => this.onEvent(c), ...(opts.now ? { now: opts.now } : {}) });
  }

  /** Starts the timers: bars close on silence, rates are sampled. */
  start(): void {
    this.candles.start();
    if (this.sampler) return;
    this.sampler = setInterval(() => this.sample(), 1000);
    this.sampler.unref();
  }

  stop(): void {
    this.candles.stop();
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = undefined;
  }

  sample(): void {
    const t = this.now();
    for (const s of this.all) s.sample(t);
  }

  /** Registers a stream (serve --data-dir learns them as they appear); returns its state. */
  add(ref: StreamRef): StreamState {
    let m = this.byVenue.get(ref.venue);
    if (m === undefined) this.byVenue.set(ref.venue, (m = new Map()));
    const had = m.get(ref.venueSymbol);
    if (had !== undefined) return had;
    const s = new StreamState(ref);
    m.set(ref.venueSymbol, s);
    this.all.push(s);
    return s;
  }

  streams(): readonly StreamRef[] {
    return this.all.map((s) => s.ref);
  }

  states(): readonly StreamState[] {
    return this.all;
  }

  state(venue: string, venueSymbol: string): StreamState | undefined {
    return this.byVenue.get(venue)?.get(venueSymbol);
  }

  resolve(exchange: string, symbol: string): Resolved {
    if (typeof exchange !== 'string' || exchange === '') return { ok: false, status: 400, error: 'exchange is required (e.g. exchange=binance)' };
    if (typeof symbol !== 'string' || symbol === '') return { ok: false, status: 400, error: 'symbol is required (e.g. symbol=BTCUSDT or symbol=BTC/USDT)' };
    if (!SYMBOL_RE.test(symbol) || symbol.includes('..')) return { ok: false, status: 400, error: `symbol ${JSON.stringify(symbol.slice(0, 64))} is not a symbol (letters, digits and / : . _ -)` };
    const m = this.byVenue.get(exchange.toLowerCase());
    if (m === undefined) {
      return { ok: false, status: 404, error: `exchange ${JSON.stringify(exchange.slice(0, 64))} is not being recorded (recording: ${[...this.byVenue.keys()].join(', ') || 'nothing yet'})` };
    }
    const want = symbol.toUpperCase();
    for (const s of m.values()) {
      if (s.ref.venueSymbol.toUpperCase() === want || s.ref.symbol.toUpperCase() === want) return { ok: true, stream: s.ref };
    }
    return { ok: false, status: 404, error: `${symbol} is not being recorded on ${exchange.toLowerCase()} (recording: ${[...m.values()].map((s) => s.ref.venueSymbol).join(', ')})` };
  }

  listen(fn: EventListener): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Every event of the recorder (or the live files), in order. */
  onEvent(ev: MarketEvent): void {
    const s = this.byVenue.get(ev.venue)?.get(ev.venueSymbol);
    if (s !== undefined) this.keep(s, ev);
    if (ev.type === 'trade' || ev.type === 'status' || ev.type === 'book_snapshot' || ev.type === 'derivative') this.candles.onEvent(ev);
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) {
      try {
        ls[i](ev);
      } catch (e) {
        this.log.error({ err: (e as Error).message }, 'a serve listener threw; event skipped for it');
      }
    }
  }

  private keep(s: StreamState, ev: MarketEvent): void {
    const c = s.counters;
    switch (ev.type) {
      case 'book_snapshot':
        // only a SYNCED book emits these (SyncEngine), but a late one after a state change is not kept
        if (s.bookState === 'SYNCED') s.book = ev;
        if (ev.depth > s.ref.depth) s.ref.depth = ev.depth; // serve --data-dir learns the recorded depth here
        break;
      case 'trade':
        s.trades.push(ev);
        break;
      case 'candle':
        s.candles.get(ev.timeframe)?.push(ev);
        break;
      case 'status':
        this.status(s, ev);
        return;
      case 'gap':
        // none: nothing was missed; backfill: what the stream missed was fetched and written
        if (ev.action !== 'none' && ev.action !== 'backfill') {
          c.gaps++;
          this.mark(s, ev.localTs, 'gap', `${ev.scope}: expected ${ev.expected}, got ${ev.got}; ${ev.reason}; ${ev.action}`);
        }
        return;
      case 'book_change':
        return; // diffs are for the live files; the relay serves verified top-N books
      default:
        break;
    }
    c.messages++;
    if (ev.localTs > c.lastLocalTs) c.lastLocalTs = ev.localTs;
  }

  private status(s: StreamState, ev: Extract<MarketEvent, { type: 'status' }>): void {
    if (ev.scope === 'book') {
      const was = s.bookState;
      s.bookState = ev.state;
      s.bookReason = ev.reason ?? '';
      if (ev.state !== 'SYNCED') s.book = undefined;
      if (ev.state === 'RESYNCING' && was !== 'RESYNCING') {
        s.counters.resyncs++;
        this.mark(s, ev.localTs, 'resync', ev.reason ?? '');
      } else if (ev.state === 'SYNCED' && was !== 'SYNCED') {
        this.mark(s, ev.localTs, 'synced', ev.reason ?? '');
      }
      return;
    }
    const r = s.connection(ev.connId ?? 0, ev.state);
    if (r.down) {
      s.hadDown = true;
      this.mark(s, ev.localTs, 'disconnect', `${ev.state}${ev.reason ? `: ${ev.reason}` : ''}`);
    } else if (r.reconnect) {
      s.hadDown = false;
      s.counters.reconnects++;
      this.mark(s, ev.localTs, 'reconnect', `connId=${ev.connId ?? ''}`);
    }
  }

  private mark(s: StreamState, localTs: number, kind: TimelineKind, detail: string): void {
    this.timeline.push({ localTs, venue: s.ref.venue, symbol: s.ref.symbol, kind, detail });
  }
}
