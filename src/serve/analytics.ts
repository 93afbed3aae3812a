// The metrics of the metrics WebSocket as pure functions over bars: log returns of closes, the
// Pearson correlation matrix of aligned returns, annualised volatility, mean quoted spread, top-N
// book imbalance, VWAP and volume. No I/O and no clock: a test is bars in, a number out.
//
// Bars here are numbers, parsed once when a bar enters a series (bar-history.ts / metrics-ws.ts),
// not per computation: a 30-day window of 1m bars is 43,200 bars, recomputed at every bar close.

/** One closed OHLCV bar of a series. */
export interface PriceBar {
  /** Open time, epoch µs. */
  ts: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** Book samples (`book_snapshot` events or book file rows) of one bar, as sums so bars merge by adding. */
export interface BookBar {
  /** Open time, epoch µs. */
  ts: number;
  /** Samples with a two-sided top: Σ spread in bps, and their count. */
  spreadSum: number;
  spreadN: number;
  /** Samples with volume in the top N levels: Σ imbalance, and their count. */
  imbalanceSum: number;
  imbalanceN: number;
}

/** A result, or null with the one-line reason it is undefined (too few bars, a flat series). */
export type Maybe = { value: number; n: number } | { value: null; n: number; why: string };

const YEAR_MS = 365 * 86_400_000;

/** Bars of `intervalMs` in a 365-day year: the annualisation factor is its square root. */
export function barsPerYear(intervalMs: number): number {
  return YEAR_MS / intervalMs;
}

/**
 * Log returns between consecutive bars that are exactly one bar apart (`lenUs`): a return across
 * a hole (an outage, a missing file) spans more than one bar and would inflate a per-bar stdev.
 */
export function contiguousLogReturns(bars: readonly PriceBar[], lenUs: number): number[] {
  const out: number[] = [];
  for (let i = 1; i < bars.length; i++) {
    const prev = bars[i - 1];
    const cur = bars[i];
    if (cur.ts - prev.ts !== lenUs || !(prev.close > 0) || !(cur.close > 0)) continue;
    out.push(Math.log(cur.close / prev.close));
  }
  return out;
}

/** Sample standard deviation (n − 1); NaN for fewer than 2 values. */
export function sampleStdev(xs: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= n;
  let ss = 0;
  for (const x of xs) ss += (x - mean) * (x - mean);
  return Math.sqrt(ss / (n - 1));
}

/**
 * Annualised volatility: stdev of the log returns of bar closes × sqrt(bars per 365-day year).
 * Needs 3 bars (2 returns) for a sample stdev.
 */
export function annualisedVolatility(bars: readonly PriceBar[], intervalMs: number): Maybe {
  const returns = contiguousLogReturns(bars, intervalMs * 1000);
  if (returns.length < 2) return { value: null, n: bars.length, why: `${bars.length} bars in the window; volatility needs at least 3 consecutive bars` };
  return { value: sampleStdev(returns) * Math.sqrt(barsPerYear(intervalMs)), n: bars.length };
}

/** Pearson correlation of two equal-length samples; NaN when either is constant or n < 2. */
export function pearson(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2 || ys.length !== n) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i];
    my += ys[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i] - mx;
    const dy = ys[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  const r = sxy / Math.sqrt(sxx * syy);
  return r > 1 ? 1 : r < -1 ? -1 : r; // rounding can step a hair past ±1
}

/**
 * Log returns of two series over the bars both have (same open time), each return between
 * consecutive aligned bars: both returns then span the same time, even across a hole one series
 * has. Bars must be sorted by ts.
 */
export function alignedLogReturns(a: readonly PriceBar[], b: readonly PriceBar[]): { ra: number[]; rb: number[]; aligned: number } {
  const ra: number[] = [];
  const rb: number[] = [];
  let i = 0;
  let j = 0;
  let aligned = 0;
  let prevA = NaN;
  let prevB = NaN;
  while (i < a.length && j < b.length) {
    if (a[i].ts < b[j].ts) i++;
    else if (a[i].ts > b[j].ts) j++;
    else {
      const ca = a[i].close;
      const cb = b[j].close;
      if (ca > 0 && cb > 0) {
        if (aligned > 0) {
          ra.push(Math.log(ca / prevA));
          rb.push(Math.log(cb / prevB));
        }
        prevA = ca;
        prevB = cb;
        aligned++;
      }
      i++;
      j++;
    }
  }
  return { ra, rb, aligned };
}

export interface CorrelationMatrix {
  /** Rows and columns in the order of the series given; null where undefined. */
  value: (number | null)[][];
  /** Aligned return pairs behind each cell (the diagonal: the series' own returns between consecutive bars). */
  pairs: number[][];
  /** One line per undefined cell pair (upper triangle), naming the two series by index. */
  undefinedCells: { i: number; j: number; why: string }[];
}

/** Pairwise Pearson correlation of close-to-close log returns, over aligned bars (≥ 3 per pair). */
export function correlationMatrix(series: readonly (readonly PriceBar[])[]): CorrelationMatrix {
  const k = series.length;
  const value: (number | null)[][] = Array.from({ length: k }, () => new Array<number | null>(k).fill(null));
  const pairs: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const undefinedCells: CorrelationMatrix['undefinedCells'] = [];
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      const { ra, rb, aligned } = alignedLogReturns(series[i], series[j]);
      pairs[i][j] = pairs[j][i] = ra.length;
      let r: number | null = null;
      if (aligned < 3) {
        if (i !== j) undefinedCells.push({ i, j, why: `${aligned} aligned bars in the window; correlation needs at least 3` });
      } else {
        const p = pearson(ra, rb);
        if (Number.isNaN(p)) undefinedCells.push({ i, j, why: 'a series did not move in the window; correlation is undefined' });
        else r = p;
      }
      value[i][j] = value[j][i] = r;
    }
  }
  return { value, pairs, undefinedCells };
}

/** Σ volume of the bars (base units). */
export function totalVolume(bars: readonly PriceBar[]): number {
  let v = 0;
  for (const b of bars) v += b.volume;
  return v;
}

/**
 * Volume-weighted average price over bars: Σ typical × volume / Σ volume, with the typical price
 * (high + low + close) / 3 standing for the bar's trades (bars carry no notional). Undefined
 * when nothing traded.
 */
export function barVwap(bars: readonly PriceBar[]): Maybe {
  let pv = 0;
  let v = 0;
  for (const b of bars) {
    pv += ((b.high + b.low + b.close) / 3) * b.volume;
    v += b.volume;
  }
  if (!(v > 0)) return { value: null, n: bars.length, why: `nothing traded in the ${bars.length} bars of the window; vwap is undefined` };
  return { value: pv / v, n: bars.length };
}

/** Quoted spread in bps of the mid; NaN for a one-sided, crossed-to-zero or unparsable top. */
export function spreadBps(bid: number, ask: number): number {
  const mid = (bid + ask) / 2;
  return bid > 0 && ask > 0 && mid > 0 ? ((ask - bid) / mid) * 1e4 : NaN;
}

/**
 * (bidVol − askVol) / (bidVol + askVol) over the top `levels` of each side, from book levels as
 * [priceText, qtyText] (best first); NaN when both sides are empty.
 */
export function topImbalance(bids: readonly (readonly [string, string])[], asks: readonly (readonly [string, string])[], levels: number): number {
  const bidVol = sideVolume(bids, levels);
  const askVol = sideVolume(asks, levels);
  const total = bidVol + askVol;
  return total > 0 ? (bidVol - askVol) / total : NaN;
}

function sideVolume(side: readonly (readonly [string, string])[], levels: number): number {
  const n = side.length < levels ? side.length : levels;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const q = Number(side[i][1]);
    if (q > 0) v += q;
  }
  return v;
}

/** Adds one book sample to its bar's sums (NaN parts are not counted). */
export function addBookSample(bar: BookBar, spread: number, imbalance: number): void {
  if (!Number.isNaN(spread)) {
    bar.spreadSum += spread;
    bar.spreadN++;
  }
  if (!Number.isNaN(imbalance)) {
    bar.imbalanceSum += imbalance;
    bar.imbalanceN++;
  }
}

/** The mean of a per-bar sampled quantity over every sample of the window's bars. */
function sampleMean(bars: readonly BookBar[], sumOf: (b: BookBar) => number, countOf: (b: BookBar) => number, why: string): Maybe {
  let sum = 0;
  let n = 0;
  for (const b of bars) {
    sum += sumOf(b);
    n += countOf(b);
  }
  if (n === 0) return { value: null, n: bars.length, why };
  return { value: sum / n, n: bars.length };
}

/** Mean spread (bps) over every sample of the window's bars. */
export function meanSpread(bars: readonly BookBar[]): Maybe {
  return sampleMean(bars, (b) => b.spreadSum, (b) => b.spreadN, 'no two-sided book sample in the window; spread is undefined');
}

/** Mean top-N imbalance over every sample of the window's bars. */
export function meanImbalance(bars: readonly BookBar[]): Maybe {
  return sampleMean(bars, (b) => b.imbalanceSum, (b) => b.imbalanceN, 'no book sample in the window; imbalance is undefined');
}
