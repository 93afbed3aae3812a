// The bars behind the metrics WebSocket, shared: one price series per (stream, interval) and one
// book series per (stream, interval, levels), whatever number of clients read them (refcounted,
// freed with the last). A series is history from the data dir (bar-history.ts) joined with bars
// built live from the events, from the moment the series was created:
//   - price bars: history/live-candles.ts's LiveCandles, the code the recorder's own candles
//     run. Its first bar only saw part of its trades, so live bars start with the next one, and
//     history supplies what ended before that (bars the trades file shows closed). A bar or two
//     the file had not flushed yet at the join stays a hole: returns never span one (analytics.ts);
//   - book bars: per-bar sums of samples, so the bar at the join adds file rows before the start
//     to live samples after it.
// Bars older than the widest window of the clients reading a series are dropped as bars close.
import type { Candle, MarketEvent } from '../core/events.js';
import { LiveCandles } from '../history/live-candles.js';
import { barOpen } from '../history/timeframe.js';
import { addBookSample, spreadBps, topImbalance, type BookBar, type PriceBar } from './analytics.js';
import { emptyBookBar, loadBookBars, loadPriceBars, priceBarOf } from './bar-history.js';
import type { ServeSource, StreamRef } from './types.js';

/** A reader of series: told when one of them closes a bar (its end, epoch µs). */
export interface SeriesWatcher {
  onBarClosed(endUs: number): void;
  /** Oldest bar open time this watcher still needs, µs. */
  oldestNeededUs(): number;
}

abstract class Series<B extends { ts: number }> {
  bars: B[] = [];
  /** End of the newest closed bar, µs (0 before the first). */
  closedEndUs = 0;
  /** Set when a history read failed: said in the messages, the live bars go on. */
  historyError: string | undefined;
  readonly watchers = new Set<SeriesWatcher>();
  /** History covers bar open times from here on (up to the live start). */
  protected historyFromUs: number;
  private loading: Promise<void> = Promise.resolve();

  constructor(
    readonly key: string,
    readonly stream: StreamRef,
    readonly interval: string,
    readonly lenUs: number,
    /** Where history ends and live bars begin, µs. */
    readonly liveFromUs: number,
  ) {
    this.historyFromUs = liveFromUs;
  }

  abstract onEvent(ev: MarketEvent): void;
  protected abstract loadHistory(dataDir: string, fromUs: number, toUs: number): Promise<B[]>;
  /** Joins history bars (all before the current ones) onto the front. */
  protected abstract prepend(older: B[]): void;
  dispose(): void {}

  /** Loads history back to `fromUs` (a bar open time) if it does not reach there yet. */
  need(source: ServeSource, fromUs: number): Promise<void> {
    this.loading = this.loading.then(async () => {
      if (fromUs >= this.historyFromUs) return;
      const toUs = this.historyFromUs;
      try {
        this.prepend(await this.loadHistory(source.dataDir, fromUs, toUs));
        this.historyFromUs = fromUs;
      } catch (e) {
        this.historyError = `history of ${this.stream.symbol} could not be read: ${(e as Error).message}`;
        source.log.warn({ venue: this.stream.venue, symbol: this.stream.symbol, err: (e as Error).message }, 'metrics: history read failed');
      }
    });
    return this.loading;
  }

  /** Bars (closed, or in progress but over) with open time in [fromUs, toUs − len], oldest first. */
  window(fromUs: number, toUs: number): B[] {
    const bars = this.bars;
    let lo = 0;
    let hi = bars.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (bars[mid].ts < fromUs) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    while (end < bars.length && bars[end].ts + this.lenUs <= toUs) end++;
    const out = bars.slice(lo, end);
    const tail = this.inProgress();
    if (tail !== undefined && tail.ts >= fromUs && tail.ts + this.lenUs <= toUs && end === bars.length) out.push(tail);
    return out;
  }

  /** The bar still taking samples, if it counts once its time is over. */
  protected inProgress(): B | undefined {
    return undefined;
  }

  protected closed(endUs: number): void {
    this.closedEndUs = endUs;
    this.trim();
    for (const w of this.watchers) w.onBarClosed(endUs);
  }

  /** Drops bars no watcher's window reaches any more (bounded memory). */
  private trim(): void {
    if (this.watchers.size === 0) return;
    let oldest = Infinity;
    for (const w of this.watchers) oldest = Math.min(oldest, w.oldestNeededUs());
    const keepFrom = barOpen(oldest, this.lenUs) - this.lenUs;
    // only when a tenth is stale, so a 100k-bar series is not copied at every bar
    if (this.bars.length === 0 || this.bars[0].ts >= keepFrom) return;
    const stale = this.bars.findIndex((b) => b.ts >= keepFrom);
    const n = stale < 0 ? this.bars.length : stale;
    if (n * 10 < this.bars.length && stale >= 0) return;
    this.bars = this.bars.slice(n);
    // coverage now starts here: a wider window later reads the files from here back
    if (this.historyFromUs < keepFrom) this.historyFromUs = keepFrom;
  }
}

export class PriceSeries extends Series<PriceBar> {
  private readonly live: LiveCandles;
  /** Live bars start here: the first bar that opened after the series did. */
  private readonly firstLiveOpenUs: number;

  constructor(key: string, stream: StreamRef, interval: string, lenUs: number, startUs: number, now: () => number) {
    const firstLiveOpenUs = barOpen(startUs, lenUs) + lenUs;
    super(key, stream, interval, lenUs, firstLiveOpenUs);
    this.firstLiveOpenUs = firstLiveOpenUs;
    this.live = new LiveCandles({ timeframes: [interval], emit: (c) => this.onCandle(c), now });
    this.live.start();
  }

  onEvent(ev: MarketEvent): void {
    if (ev.type === 'status' && ev.scope === 'connection' && ev.symbol === '*') {
      this.live.onConnection(ev.venue, this.stream.symbol, ev.state, ev.localTs);
    } else {
      this.live.onEvent(ev);
    }
  }

  override dispose(): void {
    this.live.stop();
  }

  private onCandle(c: Candle): void {
    if (!c.closed || c.openTs < this.firstLiveOpenUs) return;
    this.bars.push(priceBarOf(c));
    this.closed(c.openTs + this.lenUs);
  }

  protected loadHistory(dataDir: string, fromUs: number, toUs: number): Promise<PriceBar[]> {
    return loadPriceBars({ dataDir, stream: this.stream, interval: this.interval, fromUs, toUs });
  }

  protected prepend(older: PriceBar[]): void {
    const first = this.bars.length > 0 ? this.bars[0].ts : Infinity;
    this.bars = older.filter((b) => b.ts < first).concat(this.bars);
  }
}

export class BookSeries extends Series<BookBar> {
  /** The bar samples are going into; closed when a sample of a later bar arrives. */
  private current: BookBar | undefined;

  constructor(key: string, stream: StreamRef, interval: string, lenUs: number, startUs: number, readonly levels: number) {
    super(key, stream, interval, lenUs, startUs);
  }

  onEvent(ev: MarketEvent): void {
    if (ev.type !== 'book_snapshot' || ev.ts < this.liveFromUs) return;
    const open = barOpen(ev.ts, this.lenUs);
    if (this.current === undefined || open > this.current.ts) {
      const done = this.current;
      this.current = emptyBookBar(open);
      if (done !== undefined) {
        this.bars.push(done);
        this.closed(done.ts + this.lenUs);
      }
    } else if (open < this.current.ts) {
      return; // a sample older than the bar in progress: its bar is gone
    }
    const spread = ev.bids.length > 0 && ev.asks.length > 0 ? spreadBps(Number(ev.bids[0][0]), Number(ev.asks[0][0])) : NaN;
    addBookSample(this.current, spread, topImbalance(ev.bids, ev.asks, this.levels));
  }

  /** The bar in progress counts once its time is over (a book that stopped changing). */
  protected override inProgress(): BookBar | undefined {
    return this.current;
  }

  protected loadHistory(dataDir: string, fromUs: number, toUs: number): Promise<BookBar[]> {
    return loadBookBars({ dataDir, stream: this.stream, interval: this.interval, fromUs, toUs }, this.levels);
  }

  protected prepend(older: BookBar[]): void {
    if (older.length === 0) return;
    const first = this.bars[0] ?? this.current;
    const last = older[older.length - 1];
    if (first !== undefined && last.ts === first.ts) {
      // the bar at the join: file rows before the live start plus live samples after it
      first.spreadSum += last.spreadSum;
      first.spreadN += last.spreadN;
      first.imbalanceSum += last.imbalanceSum;
      first.imbalanceN += last.imbalanceN;
      older = older.slice(0, -1);
    }
    this.bars = older.concat(this.bars);
  }
}

/**
 * The series in use, by key, each with the number of clients reading it; and the one source
 * listener that feeds them, registered while any series exists.
 */
export class SeriesRegistry {
  private readonly series = new Map<string, { s: PriceSeries | BookSeries; refs: number }>();
  /** venue → symbol → series of that stream, for the event dispatch (no key built per event). */
  private readonly byStream = new Map<string, Map<string, Set<PriceSeries | BookSeries>>>();
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly source: ServeSource,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.series.size;
  }

  price(stream: StreamRef, interval: string, lenUs: number): PriceSeries {
    const key = `p\u0000${stream.venue}\u0000${stream.symbol}\u0000${lenUs}`;
    return this.acquire(key, () => new PriceSeries(key, stream, interval, lenUs, this.now(), this.now)) as PriceSeries;
  }

  book(stream: StreamRef, interval: string, lenUs: number, levels: number): BookSeries {
    const key = `b\u0000${stream.venue}\u0000${stream.symbol}\u0000${lenUs}\u0000${levels}`;
    return this.acquire(key, () => new BookSeries(key, stream, interval, lenUs, this.now(), levels)) as BookSeries;
  }

  release(s: PriceSeries | BookSeries): void {
    const entry = this.series.get(s.key);
    if (entry === undefined || --entry.refs > 0) return;
    this.series.delete(s.key);
    s.dispose();
    const symbols = this.byStream.get(s.stream.venue)!;
    const set = symbols.get(s.stream.symbol)!;
    set.delete(s);
    if (set.size === 0) symbols.delete(s.stream.symbol);
    if (symbols.size === 0) this.byStream.delete(s.stream.venue);
    if (this.series.size === 0) {
      this.unlisten?.();
      this.unlisten = undefined;
    }
  }

  closeAll(): void {
    for (const { s } of this.series.values()) s.dispose();
    this.series.clear();
    this.byStream.clear();
    this.unlisten?.();
    this.unlisten = undefined;
  }

  private acquire(key: string, make: () => PriceSeries | BookSeries): PriceSeries | BookSeries {
    let entry = this.series.get(key);
    if (entry === undefined) {
      entry = { s: make(), refs: 0 };
      this.series.set(key, entry);
      const { venue, symbol } = entry.s.stream;
      let symbols = this.byStream.get(venue);
      if (symbols === undefined) this.byStream.set(venue, (symbols = new Map()));
      let set = symbols.get(symbol);
      if (set === undefined) symbols.set(symbol, (set = new Set()));
      set.add(entry.s);
      this.unlisten ??= this.source.listen((ev) => this.dispatch(ev));
    }
    entry.refs++;
    return entry.s;
  }

  /** On the recorder's hot path: one map lookup for an event nobody asked about. */
  private dispatch(ev: MarketEvent): void {
    if (ev.type !== 'trade' && ev.type !== 'book_snapshot' && ev.type !== 'status' && ev.type !== 'derivative') return;
    const symbols = this.byStream.get(ev.venue);
    if (symbols === undefined) return;
    if (ev.symbol === '*') {
      // a connection-wide status: every series of the venue hears it
      for (const set of symbols.values()) for (const s of set) s.onEvent(ev);
      return;
    }
    const set = symbols.get(ev.symbol);
    if (set !== undefined) for (const s of set) s.onEvent(ev);
  }
}
