// Indicators against references computed here, independently of trading-signals: textbook
// Wilder RSI / ATR and the recursive EMA written out in plain loops, plus the published
// StockCharts ChartSchool RSI(14) worked example (Wilder's method).
import { describe, expect, it } from 'vitest';
import { DEFAULT_PERIODS, IndicatorBook, IndicatorSet } from './indicators.js';
import { BarStore, type NumericBar } from './ring-buffer.js';

const M = 60_000_000;

/** A seeded random walk of sound bars (LCG, so the series is the same on every run). */
function walk(n: number, seed = 7): NumericBar[] {
  let x = seed;
  const rnd = (): number => ((x = (x * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  const bars: NumericBar[] = [];
  let close = 100;
  for (let i = 0; i < n; i++) {
    const open = close;
    close = Math.max(1, open + (rnd() - 0.5) * 4);
    const high = Math.max(open, close) + rnd() * 2;
    const low = Math.min(open, close) - rnd() * 2;
    bars.push({ openTs: i * M, open, high, low, close, volume: rnd() * 10, trades: 1, synthetic: false });
  }
  return bars;
}

// --- textbook references ----------------------------------------------------------------------

/** Wilder RSI: mean gain/loss of the first n changes, then (prev·(n−1) + current) / n. */
function refRsi(closes: number[], n: number): (number | null)[] {
  const out: (number | null)[] = closes.map(() => null);
  let gain = 0, loss = 0;
  for (let i = 1; i < closes.length; i++) {
    const d = closes[i] - closes[i - 1];
    const g = d > 0 ? d : 0;
    const l = d < 0 ? -d : 0;
    if (i <= n) {
      gain += g / n;
      loss += l / n;
      if (i < n) continue;
    } else {
      gain = (gain * (n - 1) + g) / n;
      loss = (loss * (n - 1) + l) / n;
    }
    out[i] = loss === 0 ? 100 : 100 - 100 / (1 + gain / loss);
  }
  return out;
}

/** Wilder ATR: TR = max(H−L, |H−Cprev|, |L−Cprev|) (H−L for the first bar), mean of the first n, then smoothed. */
function refAtr(bars: NumericBar[], n: number): (number | null)[] {
  const out: (number | null)[] = bars.map(() => null);
  let atr = 0;
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i];
    const tr = i === 0 ? b.high - b.low : Math.max(b.high - b.low, Math.abs(b.high - bars[i - 1].close), Math.abs(b.low - bars[i - 1].close));
    if (i < n) {
      atr += tr / n;
      if (i < n - 1) continue;
    } else atr = (atr * (n - 1) + tr) / n;
    out[i] = atr;
  }
  return out;
}

/** EMA with α = 2/(n+1), seeded with the first close; reported from the n-th close on. */
function refEma(closes: number[], n: number): (number | null)[] {
  const a = 2 / (n + 1);
  let ema = closes[0];
  return closes.map((c, i) => {
    if (i > 0) ema = a * c + (1 - a) * ema;
    return i >= n - 1 ? ema : null;
  });
}

function expectClose(got: (number | null)[], want: (number | null)[]): void {
  expect(got.map((v) => v === null)).toEqual(want.map((v) => v === null));
  for (let i = 0; i < want.length; i++) if (want[i] !== null) expect(got[i]).toBeCloseTo(want[i]!, 9);
}

describe('IndicatorSet against textbook formulas', () => {
  const bars = walk(400);
  const closes = bars.map((b) => b.close);

  it('defaults to RSI 14, ATR 14 and EMA 21/50/200', () => {
    expect(DEFAULT_PERIODS).toEqual({ rsi: 14, atr: 14, ema: [21, 50, 200] });
  });

  it.each([
    [{}],
    [{ rsi: 7, atr: 5, ema: [9, 30] }],
  ])('matches every bar, incrementally (periods %j)', (periods) => {
    const set = new IndicatorSet(periods);
    const p = set.periods;
    const rsi: (number | null)[] = [], atr: (number | null)[] = [];
    const ema = new Map<number, (number | null)[]>(p.ema.map((n) => [n, []]));
    for (const b of bars) {
      const v = set.update(b);
      rsi.push(v.rsi);
      atr.push(v.atr);
      for (const n of p.ema) ema.get(n)!.push(v.ema[n]);
    }
    expectClose(rsi, refRsi(closes, p.rsi));
    expectClose(atr, refAtr(bars, p.atr));
    for (const n of p.ema) expectClose(ema.get(n)!, refEma(closes, n));
    expect(set.values()).toMatchObject({ bars: 400, openTs: 399 * M });
  });

  it('reproduces the published StockCharts RSI(14) example to two decimals', () => {
    const closes = [44.3389, 44.0902, 44.1497, 43.6124, 44.3278, 44.8264, 45.0955, 45.4245, 45.8433, 46.0826, 45.8931, 46.0328,
      45.614, 46.282, 46.282, 46.0028, 46.0328, 46.4116, 46.2222, 45.6439, 46.2122, 46.2521, 45.7137, 46.4515, 45.7835, 45.3548,
      44.0288, 44.1783, 44.2181, 44.5672, 43.4205, 42.6628, 43.1314];
    const published = [70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38, 54.71, 50.42, 39.99, 41.46, 41.87,
      45.46, 37.30, 33.08, 37.77];
    const set = new IndicatorSet();
    const got = closes.map((c, i) => set.update({ openTs: i, high: c, low: c, close: c }).rsi);
    expect(got.slice(0, 14).every((v) => v === null)).toBe(true);
    expect(got.slice(14).map((v) => Number(v!.toFixed(2)))).toEqual(published);
  });

  it('a revised newest bar replaces it instead of adding one', () => {
    const a = new IndicatorSet({ ema: [5] });
    const b = new IndicatorSet({ ema: [5] });
    for (const x of bars.slice(0, 30)) a.update(x);
    a.update({ ...bars[30], close: 1 });
    const revised = a.update(bars[30], true);
    let want;
    for (const x of bars.slice(0, 31)) want = b.update(x);
    expect(revised).toEqual(want);
  });

  it('refuses a period that is not a positive integer', () => {
    expect(() => new IndicatorSet({ rsi: 0 })).toThrow(/RSI period/);
    expect(() => new IndicatorSet({ ema: [21, 2.5] })).toThrow(/EMA period/);
  });
});

describe('IndicatorBook on a BarStore', () => {
  it('updates as bars close and warms a late-registered book from the ring', () => {
    const bars = walk(260, 3);
    const key = { venue: 'binance', symbol: 'BTC/USDT', timeframe: '1h' };
    const store = new BarStore();
    for (const b of bars.slice(0, 100)) store.push(key, b);
    const updates: number[] = [];
    const book = new IndicatorBook(store, { onUpdate: (_k, v) => updates.push(v.bars) });
    expect(book.get(key)).toBeUndefined();
    for (const b of bars.slice(100)) store.push(key, b);
    const ref = new IndicatorSet();
    let want;
    for (const b of bars) want = ref.update(b);
    expect(book.get(key)).toEqual(want);
    expect(book.get(key)!.ema[200]).not.toBeNull();
    expect(updates[0]).toBe(101); // warmed from the 100 held bars plus the new one
    expect(updates.at(-1)).toBe(260);
  });

  it('skips timeframes it was not asked for', () => {
    const store = new BarStore();
    const book = new IndicatorBook(store, { timeframes: ['4h'] });
    store.push({ venue: 'v', symbol: 's', timeframe: '1h' }, walk(1)[0]);
    expect(book.get({ venue: 'v', symbol: 's', timeframe: '1h' })).toBeUndefined();
  });
});
