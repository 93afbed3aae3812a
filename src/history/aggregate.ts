// Trades → OHLCV bars by EXCHANGE time (the trade's own timestamp, never the wall clock), for any
// fixed timeframe from 1s to 1d. Pure and synchronous: the live candle emitter drives it with
// trades and a timer (flush), the file path with a recorded day (add … then end()).
//
//   const agg = new CandleAggregator(timeframeMs('1m'));
//   for (const t of trades) for (const bar of agg.add(t.price, t.amount, t.ts)) emit(bar);
//   setInterval(() => agg.flush(nowUs()).forEach(emit), 1000);   // closes bars nobody traded in
//
// Prices keep the trade's exact text (high/low are compared as numbers, which is exact for the
// ≤ 15 significant digits venues send); volume is an exact decimal sum (DecimalSum).
// Bars with no trade between two traded ones (or up to flush time) are emitted as flat
// synthetic bars at the last close, unless `emitEmpty` is false. A trade older than the bar in
// progress cannot change a bar already emitted: it is counted in `lateTrades` and dropped.
import type { Bar } from './bar.js';
import { flatBar } from './bar.js';
import { DecimalSum } from './decimal.js';
import { barOpen } from './timeframe.js';

export interface AggregatorOptions {
  /** Emit flat synthetic bars for intervals without trades (default true). */
  emitEmpty?: boolean;
}

export class CandleAggregator {
  /** Bar length in µs. */
  readonly lenUs: number;
  /** Trades dropped because their bar had already been emitted. */
  lateTrades = 0;
  private readonly emitEmpty: boolean;
  /** Open time of the bar in progress; NaN before the first trade. */
  private openTs = NaN;
  private open = '';
  private high = '';
  private low = '';
  private close = '';
  private highN = 0;
  private lowN = 0;
  private trades = 0;
  private readonly volume = new DecimalSum();
  /** Close of the last bar emitted (or in progress): the price of empty bars. */
  private lastClose = '';

  constructor(timeframeMs: number, opts: AggregatorOptions = {}) {
    if (!(timeframeMs > 0)) throw new RangeError(`timeframe must be positive, got ${timeframeMs}`);
    this.lenUs = timeframeMs * 1000;
    this.emitEmpty = opts.emitEmpty ?? true;
  }

  /** Adds one trade; returns the bars this trade closed (oldest first, possibly empty). */
  add(priceText: string, qtyText: string, tsUs: number): readonly Bar[] {
    const open = barOpen(tsUs, this.lenUs);
    let closed: readonly Bar[] = NO_BARS;
    if (Number.isNaN(this.openTs)) {
      this.start(open);
    } else if (open < this.openTs) {
      this.lateTrades++;
      return NO_BARS;
    } else if (open > this.openTs) {
      closed = this.closeUpTo(open);
      this.start(open);
    }
    const price = Number(priceText);
    if (this.trades === 0) {
      this.open = this.high = this.low = priceText;
      this.highN = this.lowN = price;
    } else if (price > this.highN) {
      this.high = priceText;
      this.highN = price;
    } else if (price < this.lowN) {
      this.low = priceText;
      this.lowN = price;
    }
    this.close = this.lastClose = priceText;
    this.trades++;
    this.volume.add(qtyText);
    return closed;
  }

  /**
   * Closes every bar that ended at or before `nowUs` (exchange time, e.g. the local clock
   * corrected by the measured offset): the bar in progress, then empty bars up to now.
   */
  flush(nowUs: number): readonly Bar[] {
    if (Number.isNaN(this.openTs)) return NO_BARS;
    const nowOpen = barOpen(nowUs, this.lenUs);
    if (nowOpen <= this.openTs) return NO_BARS;
    const closed = this.closeUpTo(nowOpen);
    this.start(nowOpen);
    return closed;
  }

  /** Closes the bar in progress (end of a recorded file); later trades start a new bar. */
  end(): readonly Bar[] {
    if (Number.isNaN(this.openTs) || this.trades === 0) {
      this.openTs = NaN;
      return NO_BARS;
    }
    const bar = this.snapshot();
    this.openTs = NaN;
    return [bar];
  }

  /** The bar in progress (undefined before the first trade or when it has no trade yet). */
  current(): Bar | undefined {
    return Number.isNaN(this.openTs) || this.trades === 0 ? undefined : this.snapshot();
  }

  private start(open: number): void {
    this.openTs = open;
    this.trades = 0;
    this.volume.reset();
  }

  /** The bar in progress (if it has trades) and empty bars before `nextOpen`. */
  private closeUpTo(nextOpen: number): Bar[] {
    const out: Bar[] = [];
    let t = this.openTs;
    if (this.trades > 0) {
      out.push(this.snapshot());
      t += this.lenUs;
    }
    if (this.emitEmpty && this.lastClose !== '') {
      for (; t < nextOpen; t += this.lenUs) out.push(flatBar(t, this.lastClose));
    }
    return out;
  }

  private snapshot(): Bar {
    return {
      ts: this.openTs, open: this.open, high: this.high, low: this.low, close: this.close,
      volume: this.volume.text(), trades: this.trades, synthetic: false,
    };
  }
}

/** Shared empty result: most trades close no bar, and that path allocates nothing. */
const NO_BARS: readonly Bar[] = Object.freeze([]);

/** All bars of a finished trade list (sorted by time), the bar in progress included. */
export function aggregateTrades(
  trades: Iterable<{ price: string; amount: string; ts: number }>, timeframeMs: number, opts: AggregatorOptions = {},
): Bar[] {
  const agg = new CandleAggregator(timeframeMs, opts);
  const bars: Bar[] = [];
  for (const t of trades) for (const b of agg.add(t.price, t.amount, t.ts)) bars.push(b);
  for (const b of agg.end()) bars.push(b);
  return bars;
}
