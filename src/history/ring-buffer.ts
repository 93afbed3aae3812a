// In-memory bar history for engines: one columnar ring buffer (typed arrays, one per field) per
// venue, symbol and timeframe, bounded so memory is fixed up front. Bars are kept in open-time
// order, so "the latest N" is a copy of the tail and a time range is two binary searches — both
// far under a millisecond at these sizes (bench, not tests, measures it).
import type { Candle, MarketEvent } from '../core/events.js';

/** Bars kept per timeframe unless configured otherwise (issue 5). */
export const DEFAULT_CAPACITY: Readonly<Record<string, number>> = { '30m': 1000, '1h': 500, '4h': 200, '1d': 100 };
/** Bars kept for a timeframe without its own default. */
export const FALLBACK_CAPACITY = 1000;

/** One bar as numbers (events and bar.ts carry decimal text; engines and indicators want numbers). */
export interface NumericBar {
  /** Bar open time, epoch µs. */
  openTs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
  synthetic: boolean;
}

/** Bars as columns, oldest first; each array has exactly `length` elements. */
export interface BarColumns {
  length: number;
  openTs: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  trades: Uint32Array;
  synthetic: Uint8Array;
}

export type PushResult = 'appended' | 'replaced' | 'older';

export function barOfCandle(c: Candle): NumericBar {
  return {
    openTs: c.openTs, open: Number(c.open), high: Number(c.high), low: Number(c.low), close: Number(c.close),
    volume: Number(c.volume), trades: c.trades, synthetic: c.synthetic,
  };
}

/** A bounded ring of bars of one series; when full, a new bar evicts the oldest. */
export class BarRing {
  readonly capacity: number;
  private readonly openTs: Float64Array;
  private readonly open: Float64Array;
  private readonly high: Float64Array;
  private readonly low: Float64Array;
  private readonly close: Float64Array;
  private readonly volume: Float64Array;
  private readonly trades: Uint32Array;
  private readonly synthetic: Uint8Array;
  /** Physical index of the oldest bar. */
  private head = 0;
  private count = 0;
  /** Bars pushed out by newer ones since creation. */
  evicted = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.openTs = new Float64Array(capacity);
    this.open = new Float64Array(capacity);
    this.high = new Float64Array(capacity);
    this.low = new Float64Array(capacity);
    this.close = new Float64Array(capacity);
    this.volume = new Float64Array(capacity);
    this.trades = new Uint32Array(capacity);
    this.synthetic = new Uint8Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  /** Open time of the newest bar, or -1 when empty. */
  get lastOpenTs(): number {
    return this.count === 0 ? -1 : this.openTs[this.phys(this.count - 1)];
  }

  /**
   * Appends a bar newer than the newest; a bar with the newest's open time replaces it (a bar
   * re-sent or revised); an older bar is refused (`older`) — history is inserted in order.
   */
  push(b: NumericBar): PushResult {
    let i: number;
    let result: PushResult;
    const last = this.lastOpenTs;
    if (this.count > 0 && b.openTs === last) {
      i = this.phys(this.count - 1);
      result = 'replaced';
    } else if (this.count > 0 && b.openTs < last) {
      return 'older';
    } else if (this.count < this.capacity) {
      i = this.phys(this.count++);
      result = 'appended';
    } else {
      i = this.head;
      this.head = (this.head + 1) % this.capacity;
      this.evicted++;
      result = 'appended';
    }
    this.openTs[i] = b.openTs;
    this.open[i] = b.open;
    this.high[i] = b.high;
    this.low[i] = b.low;
    this.close[i] = b.close;
    this.volume[i] = b.volume;
    this.trades[i] = b.trades;
    this.synthetic[i] = b.synthetic ? 1 : 0;
    return result;
  }

  /** The bar at logical index `i` (0 = oldest, -1 = newest). */
  at(i: number): NumericBar | undefined {
    const k = i < 0 ? this.count + i : i;
    if (k < 0 || k >= this.count) return undefined;
    const p = this.phys(k);
    return {
      openTs: this.openTs[p], open: this.open[p], high: this.high[p], low: this.low[p], close: this.close[p],
      volume: this.volume[p], trades: this.trades[p], synthetic: this.synthetic[p] === 1,
    };
  }

  /** The newest `n` bars (fewer if the ring holds fewer), oldest first, as fresh columns. */
  latest(n: number): BarColumns {
    const k = Math.max(0, Math.min(n, this.count));
    return this.copy(this.count - k, this.count);
  }

  /** Bars with open time in [fromTs, toTs) (epoch µs), oldest first. */
  range(fromTs: number, toTs: number): BarColumns {
    const a = this.lowerBound(fromTs);
    const b = Math.max(a, this.lowerBound(toTs));
    return this.copy(a, b);
  }

  /** Logical index of the first bar whose open time is >= ts (binary search; `length` if none). */
  lowerBound(ts: number): number {
    let lo = 0, hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.openTs[this.phys(mid)] < ts) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Bytes held by the columns (fixed at construction). */
  memoryBytes(): number {
    return this.openTs.byteLength + this.open.byteLength + this.high.byteLength + this.low.byteLength +
      this.close.byteLength + this.volume.byteLength + this.trades.byteLength + this.synthetic.byteLength;
  }

  private phys(logical: number): number {
    const p = this.head + logical;
    return p >= this.capacity ? p - this.capacity : p;
  }

  /** Logical [a, b) as fresh columns: at most two contiguous pieces (before and after the wrap). */
  private copy(a: number, b: number): BarColumns {
    const n = b - a;
    const out: BarColumns = {
      length: n, openTs: new Float64Array(n), open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n),
      close: new Float64Array(n), volume: new Float64Array(n), trades: new Uint32Array(n), synthetic: new Uint8Array(n),
    };
    if (n === 0) return out;
    const p0 = this.phys(a);
    const first = Math.min(n, this.capacity - p0);
    const pieces: [from: number, to: number, at: number][] = [[p0, p0 + first, 0]];
    if (first < n) pieces.push([0, n - first, first]);
    for (const [from, to, at] of pieces) {
      out.openTs.set(this.openTs.subarray(from, to), at);
      out.open.set(this.open.subarray(from, to), at);
      out.high.set(this.high.subarray(from, to), at);
      out.low.set(this.low.subarray(from, to), at);
      out.close.set(this.close.subarray(from, to), at);
      out.volume.set(this.volume.subarray(from, to), at);
      out.trades.set(this.trades.subarray(from, to), at);
      out.synthetic.set(this.synthetic.subarray(from, to), at);
    }
    return out;
  }
}

export interface BarStoreOptions {
  /** Bars per timeframe, over DEFAULT_CAPACITY (e.g. { '1m': 1440 }). */
  capacity?: Readonly<Record<string, number>>;
  /** For timeframes in neither map; default FALLBACK_CAPACITY. */
  fallbackCapacity?: number;
}

export interface SeriesKey {
  venue: string;
  symbol: string;
  timeframe: string;
}

/** Called after a closed bar went into a ring (indicators hook in here). */
export type BarListener = (key: SeriesKey, bar: NumericBar, result: PushResult, ring: BarRing) => void;

/** All rings of a session: closed `candle` events in, bounded columns out. */
export class BarStore {
  private readonly rings = new Map<string, { key: SeriesKey; ring: BarRing }>();
  private readonly capacity: Readonly<Record<string, number>>;
  private readonly fallback: number;
  private readonly listeners: BarListener[] = [];

  constructor(opts: BarStoreOptions = {}) {
    this.capacity = { ...DEFAULT_CAPACITY, ...opts.capacity };
    this.fallback = opts.fallbackCapacity ?? FALLBACK_CAPACITY;
  }

  /** Feed handler: keeps closed candles (open, still-changing bars are not history yet). */
  onEvent(ev: MarketEvent): void {
    if (ev.type === 'candle' && ev.closed) this.push({ venue: ev.venue, symbol: ev.symbol, timeframe: ev.timeframe }, barOfCandle(ev));
  }

  push(key: SeriesKey, bar: NumericBar): PushResult {
    const ring = this.ring(key, true)!;
    const result = ring.push(bar);
    if (result !== 'older') for (const l of this.listeners) l(key, bar, result, ring);
    return result;
  }

  /** The ring of one series (undefined when it has no bars and `create` is false). */
  ring(key: SeriesKey, create = false): BarRing | undefined {
    const id = `${key.venue}\u0000${key.symbol}\u0000${key.timeframe}`;
    let slot = this.rings.get(id);
    if (slot === undefined && create) {
      slot = { key: { ...key }, ring: new BarRing(this.capacityOf(key.timeframe)) };
      this.rings.set(id, slot);
    }
    return slot?.ring;
  }

  capacityOf(timeframe: string): number {
    return this.capacity[timeframe] ?? this.fallback;
  }

  onBar(listener: BarListener): void {
    this.listeners.push(listener);
  }

  series(): SeriesKey[] {
    return [...this.rings.values()].map((s) => s.key);
  }

  /** Bytes held by every ring's columns. */
  memoryBytes(): number {
    let n = 0;
    for (const s of this.rings.values()) n += s.ring.memoryBytes();
    return n;
  }

  /** Per series: bars held / capacity (for health reports). */
  limits(): { series: string; bars: number; capacity: number; evicted: number }[] {
    return [...this.rings.values()].map(({ key, ring }) => ({
      series: `${key.venue} ${key.symbol} ${key.timeframe}`, bars: ring.length, capacity: ring.capacity, evicted: ring.evicted,
    }));
  }
}
