// Quality of bar sources, and the consensus of several. Several venues (or two feeds of one) can
// give bars for the same symbol and timeframe; each source is scored on the same window by
// completeness (bars present / periods expected, from its count and gaps), freshness (how long
// since its newest bar closed), OHLC integrity (low ≤ open, close ≤ high, finite, positive,
// aligned, in order) and how many of its bars are synthetic (gap-filled, not traded). The best
// source is the highest score (ties: the order given). The consensus bar of a period is the
// quality-weighted mean of the sources that have a sound, real bar for it — and only when at
// least `minSources` do. Pure functions: bars in, numbers out.
import type { NumericBar } from './ring-buffer.js';

export interface SourceBars {
  /** Name of the source (`binance`, `sim-a` …). */
  source: string;
  /** Bars of one symbol and timeframe, in open-time order. */
  bars: readonly NumericBar[];
}

export interface QualityWeights {
  completeness: number;
  freshness: number;
  integrity: number;
  /** Share of real (traded) bars among those present. */
  real: number;
}

export const DEFAULT_WEIGHTS: QualityWeights = { completeness: 0.4, freshness: 0.2, integrity: 0.3, real: 0.1 };

export interface QualityOptions {
  timeframeMs: number;
  /** Evaluation clock, epoch µs. */
  nowUs: number;
  /** Window start (bar open time, µs); default: the earliest bar of the sources compared. */
  fromTs?: number;
  /** Window end, exclusive; default: the open of the bar in progress at nowUs. */
  toTs?: number;
  /** Freshness falls linearly from 1 (newest bar closed ≤ 1 bar ago) to 0 at this many bars; default 10. */
  staleBars?: number;
  weights?: Partial<QualityWeights>;
}

export interface QualityScore {
  source: string;
  /** Bars inside the window. */
  count: number;
  /** Periods the window holds. */
  expected: number;
  /** Periods with no bar. */
  gaps: number;
  /** Runs of consecutive missing periods. */
  holes: number;
  synthetic: number;
  /** Bars failing the OHLC checks (including duplicates, misaligned or out-of-order open times). */
  integrityErrors: number;
  /** Open time of the newest bar, µs; -1 when none. */
  lastOpenTs: number;
  /** µs since the newest bar closed (Infinity when none). */
  ageUs: number;
  completeness: number;
  freshness: number;
  integrity: number;
  real: number;
  /** Weighted sum of the four parts, 0 … 1. */
  score: number;
}

/** Why a bar is unsound, or undefined when it is sound (pure OHLC checks). */
export function barDefect(b: NumericBar): string | undefined {
  const { open, high, low, close, volume } = b;
  if (![open, high, low, close, volume].every(Number.isFinite)) return 'non-finite value';
  if (!(open > 0 && high > 0 && low > 0 && close > 0)) return 'non-positive price';
  if (volume < 0) return 'negative volume';
  if (low > high) return 'low above high';
  if (open > high || close > high) return 'open/close above high';
  if (open < low || close < low) return 'open/close below low';
  return undefined;
}

function windowOf(sources: readonly SourceBars[], o: QualityOptions): { from: number; to: number; tfUs: number } {
  const tfUs = o.timeframeMs * 1000;
  let from = o.fromTs;
  if (from === undefined) {
    from = Infinity;
    for (const s of sources) if (s.bars.length > 0 && s.bars[0].openTs < from) from = s.bars[0].openTs;
    if (from === Infinity) from = o.nowUs - (o.nowUs % tfUs);
  }
  const to = o.toTs ?? o.nowUs - (o.nowUs % tfUs);
  return { from, to: Math.max(from, to), tfUs };
}

export function scoreSource(src: SourceBars, o: QualityOptions): QualityScore {
  return scoreIn(src, windowOf([src], o), o);
}

/** Scores every source on one common window, best first (stable: ties keep the given order). */
export function rankSources(sources: readonly SourceBars[], o: QualityOptions): QualityScore[] {
  const w = windowOf(sources, o);
  return sources.map((s) => scoreIn(s, w, o)).sort((a, b) => b.score - a.score);
}

/** The best source for one symbol and timeframe (undefined when no source has any bar in the window). */
export function bestSource(sources: readonly SourceBars[], o: QualityOptions): QualityScore | undefined {
  const ranked = rankSources(sources, o);
  return ranked.length > 0 && ranked[0].count > 0 ? ranked[0] : undefined;
}

function scoreIn(src: SourceBars, w: { from: number; to: number; tfUs: number }, o: QualityOptions): QualityScore {
  const weights = { ...DEFAULT_WEIGHTS, ...o.weights };
  const expected = Math.round((w.to - w.from) / w.tfUs);
  let count = 0, synthetic = 0, integrityErrors = 0, holes = 0, lastOpenTs = -1;
  let prev = w.from - w.tfUs;
  for (const b of src.bars) {
    if (b.openTs > lastOpenTs) lastOpenTs = b.openTs;
    if (b.openTs < w.from || b.openTs >= w.to) continue;
    if (b.openTs <= prev || b.openTs % w.tfUs !== 0) {
      integrityErrors++;
      continue;
    }
    if (b.openTs > prev + w.tfUs) holes++;
    prev = b.openTs;
    count++;
    if (barDefect(b) !== undefined) integrityErrors++;
    if (b.synthetic) synthetic++;
  }
  if (count < expected && prev + w.tfUs < w.to) holes++; // missing bars at the end of the window
  const ageUs = lastOpenTs < 0 ? Infinity : Math.max(0, o.nowUs - (lastOpenTs + w.tfUs));
  const staleUs = (o.staleBars ?? 10) * w.tfUs;
  const completeness = expected > 0 ? Math.min(1, count / expected) : 0;
  const freshness = ageUs <= w.tfUs ? 1 : Math.max(0, 1 - (ageUs - w.tfUs) / Math.max(1, staleUs - w.tfUs));
  const seen = count + integrityErrors;
  const integrity = seen > 0 ? Math.max(0, 1 - integrityErrors / seen) : 0;
  const real = count > 0 ? 1 - synthetic / count : 0;
  const total = weights.completeness + weights.freshness + weights.integrity + weights.real;
  const score = (weights.completeness * completeness + weights.freshness * freshness + weights.integrity * integrity + weights.real * real) / total;
  return {
    source: src.source, count, expected, gaps: Math.max(0, expected - count), holes, synthetic, integrityErrors, lastOpenTs, ageUs,
    completeness, freshness, integrity, real, score,
  };
}

export interface ConsensusOptions extends QualityOptions {
  /** Periods with fewer sound, real bars than this get no consensus bar; default 2. */
  minSources?: number;
}

export interface ConsensusBar extends NumericBar {
  /** Sources that contributed. */
  sources: string[];
  /** (max close − min close) / consensus close across the contributors. */
  dispersion: number;
}

/**
 * Quality-weighted consensus OHLCV per period of the window: each field is the weighted mean of
 * the contributors' (the mean of highs stays ≥ the means of opens and closes, so the bar stays
 * sound). Synthetic and unsound bars do not contribute; a source scoring 0 does not either.
 */
export function consensus(sources: readonly SourceBars[], o: ConsensusOptions): { bars: ConsensusBar[]; scores: QualityScore[]; skipped: number } {
  const minSources = o.minSources ?? 2;
  if (!Number.isInteger(minSources) || minSources < 1) throw new RangeError(`minSources must be a positive integer, got ${minSources}`);
  const w = windowOf(sources, o);
  const scores = sources.map((s) => scoreIn(s, w, o));
  const byOpen = new Map<number, { bar: NumericBar; weight: number; source: string }[]>();
  sources.forEach((s, i) => {
    const weight = scores[i].score;
    if (!(weight > 0)) return;
    let prev = -Infinity;
    for (const bar of s.bars) {
      if (bar.openTs < w.from || bar.openTs >= w.to || bar.openTs <= prev || bar.openTs % w.tfUs !== 0) continue;
      prev = bar.openTs;
      if (bar.synthetic || barDefect(bar) !== undefined) continue;
      let list = byOpen.get(bar.openTs);
      if (list === undefined) byOpen.set(bar.openTs, (list = []));
      list.push({ bar, weight, source: s.source });
    }
  });
  const bars: ConsensusBar[] = [];
  let skipped = 0;
  for (const openTs of [...byOpen.keys()].sort((a, b) => a - b)) {
    const list = byOpen.get(openTs)!;
    if (list.length < minSources) {
      skipped++;
      continue;
    }
    let wsum = 0, open = 0, high = 0, low = 0, close = 0, volume = 0, trades = 0;
    let minClose = Infinity, maxClose = -Infinity;
    for (const { bar, weight } of list) {
      wsum += weight;
      open += weight * bar.open;
      high += weight * bar.high;
      low += weight * bar.low;
      close += weight * bar.close;
      volume += weight * bar.volume;
      trades += weight * bar.trades;
      if (bar.close < minClose) minClose = bar.close;
      if (bar.close > maxClose) maxClose = bar.close;
    }
    const c = close / wsum;
    bars.push({
      openTs, open: open / wsum, high: high / wsum, low: low / wsum, close: c, volume: volume / wsum,
      trades: Math.round(trades / wsum), synthetic: false, sources: list.map((x) => x.source), dispersion: (maxClose - minClose) / c,
    });
  }
  return { bars, scores, skipped };
}
