// Indicators on the bar rings, from trading-signals (pinned 8.3.0): RSI and ATR with Wilder's
// smoothing (seeded with the simple mean of the first `period` values), and EMAs with
// α = 2 / (period + 1) seeded with the first close (trading-signals' convention). Each series
// keeps its own indicator state and is updated once per closed bar — O(1) per bar, never a
// recomputation over the ring. A value is null until the indicator has seen enough bars.
import { ATR, EMA, RSI } from 'trading-signals';
import type { NumericBar, BarRing, BarStore, PushResult, SeriesKey } from './ring-buffer.js';

export interface IndicatorPeriods {
  rsi: number;
  atr: number;
  ema: readonly number[];
}

export const DEFAULT_PERIODS: IndicatorPeriods = { rsi: 14, atr: 14, ema: [21, 50, 200] };

export interface IndicatorValues {
  /** Open time of the newest bar they include, epoch µs (-1 before any). */
  openTs: number;
  bars: number;
  rsi: number | null;
  atr: number | null;
  /** EMA by period: `ema[21]`. */
  ema: Record<number, number | null>;
}

function checkPeriod(what: string, p: number): void {
  if (!Number.isInteger(p) || p < 1) throw new RangeError(`${what} period must be a positive integer, got ${p}`);
}

/** The indicators of one series. */
export class IndicatorSet {
  readonly periods: IndicatorPeriods;
  private readonly rsi: RSI;
  private readonly atr: ATR;
  private readonly emas: EMA[];
  private openTs = -1;
  private bars = 0;

  constructor(periods: Partial<IndicatorPeriods> = {}) {
    this.periods = { ...DEFAULT_PERIODS, ...periods };
    checkPeriod('RSI', this.periods.rsi);
    checkPeriod('ATR', this.periods.atr);
    for (const p of this.periods.ema) checkPeriod('EMA', p);
    this.rsi = new RSI(this.periods.rsi);
    this.atr = new ATR(this.periods.atr);
    this.emas = this.periods.ema.map((p) => new EMA(p));
  }

  /** One closed bar; `replace` revises the newest bar instead of adding one. */
  update(bar: Pick<NumericBar, 'openTs' | 'high' | 'low' | 'close'>, replace = false): IndicatorValues {
    this.rsi.update(bar.close, replace);
    this.atr.update({ high: bar.high, low: bar.low, close: bar.close }, replace);
    for (const e of this.emas) e.update(bar.close, replace);
    if (!replace || this.bars === 0) this.bars++;
    this.openTs = bar.openTs;
    return this.values();
  }

  values(): IndicatorValues {
    const ema: Record<number, number | null> = {};
    for (let i = 0; i < this.emas.length; i++) {
      const e = this.emas[i];
      ema[this.periods.ema[i]] = e.isStable ? e.getResultOrThrow() : null;
    }
    return {
      openTs: this.openTs, bars: this.bars,
      rsi: this.rsi.isStable ? this.rsi.getResultOrThrow() : null,
      atr: this.atr.isStable ? this.atr.getResultOrThrow() : null,
      ema,
    };
  }
}

export interface IndicatorBookOptions {
  periods?: Partial<IndicatorPeriods>;
  /** Only these timeframes get indicators (default: all). */
  timeframes?: readonly string[];
  /** Called with the fresh values after each closed bar. */
  onUpdate?(key: SeriesKey, values: IndicatorValues): void;
}

/**
 * Indicators for every series of a BarStore, kept current as bars close. A series that already
 * has bars when first seen is warmed up from its ring (oldest first).
 */
export class IndicatorBook {
  private readonly sets = new Map<string, IndicatorSet>();
  private readonly opts: IndicatorBookOptions;

  constructor(store: BarStore, opts: IndicatorBookOptions = {}) {
    this.opts = opts;
    new IndicatorSet(opts.periods); // bad periods fail here
    store.onBar((key, bar, result, ring) => this.onBar(key, bar, result, ring));
  }

  get(key: SeriesKey): IndicatorValues | undefined {
    return this.sets.get(id(key))?.values();
  }

  private onBar(key: SeriesKey, bar: NumericBar, result: PushResult, ring: BarRing): void {
    if (this.opts.timeframes && !this.opts.timeframes.includes(key.timeframe)) return;
    const k = id(key);
    let set = this.sets.get(k);
    let values: IndicatorValues;
    if (set === undefined) {
      set = new IndicatorSet(this.opts.periods);
      this.sets.set(k, set);
      // the ring already holds this bar: replay all of it
      for (let i = 0; i < ring.length; i++) set.update(ring.at(i)!);
      values = set.values();
    } else {
      values = set.update(bar, result === 'replaced');
    }
    this.opts.onUpdate?.(key, values);
  }
}

function id(key: SeriesKey): string {
  return `${key.venue}\u0000${key.symbol}\u0000${key.timeframe}`;
}
