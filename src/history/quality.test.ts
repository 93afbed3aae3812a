// Source quality on synthetic sources built from one "true" market: a clean source, one with
// holes, late and broken bars (degraded), and one with synthetic bars; the best source, the
// ranking and the quality-weighted consensus with a minimum number of sources.
import { describe, expect, it } from 'vitest';
import { barDefect, bestSource, consensus, rankSources, scoreSource, type SourceBars } from './quality.js';
import type { NumericBar } from './ring-buffer.js';

const M = 60_000; // 1 minute in ms
const MUS = M * 1000;
const T0 = 1_767_225_600_000_000; // 2026-01-01 µs

function truth(n: number): NumericBar[] {
  return Array.from({ length: n }, (_, i) => {
    const open = 100 + Math.sin(i / 3) * 5;
    const close = 100 + Math.sin((i + 1) / 3) * 5;
    return { openTs: T0 + i * MUS, open, high: Math.max(open, close) + 1, low: Math.min(open, close) - 1, close, volume: 10 + i, trades: 5, synthetic: false };
  });
}

const N = 60;
const now = T0 + N * MUS + 1; // just after the 60th bar closed
const opts = { timeframeMs: M, nowUs: now };

describe('scoreSource', () => {
  it('gives a complete, fresh, sound source a score of 1', () => {
    const s = scoreSource({ source: 'clean', bars: truth(N) }, opts);
    expect(s).toMatchObject({ count: 60, expected: 60, gaps: 0, holes: 0, synthetic: 0, integrityErrors: 0, completeness: 1, freshness: 1, integrity: 1, real: 1, score: 1 });
  });

  it('counts gaps, holes, broken bars and staleness', () => {
    const bars = truth(N).filter((b, i) => !(i >= 10 && i < 15) && i !== 30 && i < 55); // 5 + 1 missing, last 5 missing
    bars[3] = { ...bars[3], high: bars[3].low - 1 }; // low above high
    const s = scoreSource({ source: 'bad', bars }, opts);
    expect(s.expected).toBe(60);
    expect(s.count).toBe(49);
    expect(s.gaps).toBe(11);
    expect(s.holes).toBe(3);
    expect(s.integrityErrors).toBe(1);
    expect(s.ageUs).toBe(5 * MUS + 1);
    expect(s.freshness).toBeCloseTo(1 - (4 * MUS + 1) / (9 * MUS), 9);
    expect(s.score).toBeLessThan(0.9);
  });

  it('refuses out-of-order, duplicate and misaligned bars as integrity errors', () => {
    const t = truth(5);
    const s = scoreSource({ source: 'x', bars: [t[0], t[2], t[1], t[2], { ...t[3], openTs: t[3].openTs + 7 }, t[4]] }, { ...opts, fromTs: T0, toTs: T0 + 5 * MUS });
    expect(s).toMatchObject({ count: 3, integrityErrors: 3, gaps: 2 });
  });

  it.each([
    [{ low: 101, high: 100 }, 'low above high'],
    [{ close: 200 }, 'open/close above high'],
    [{ open: 1 }, 'open/close below low'],
    [{ volume: -1 }, 'negative volume'],
    [{ close: NaN }, 'non-finite value'],
    [{ low: 0 }, 'non-positive price'],
  ])('names the defect of %j', (patch, defect) => {
    expect(barDefect({ ...truth(1)[0], ...patch })).toBe(defect);
  });
});

describe('best source and consensus over sources where one is degraded', () => {
  const clean: SourceBars = { source: 'primary', bars: truth(N) };
  // a second venue: same market, prices 0.2 % higher, complete
  const second: SourceBars = {
    source: 'second',
    bars: truth(N).map((b) => ({ ...b, open: b.open * 1.002, high: b.high * 1.002, low: b.low * 1.002, close: b.close * 1.002 })),
  };
  // degraded: every third bar missing, stopped 20 bars ago, some flat synthetic bars
  const degraded: SourceBars = {
    source: 'degraded',
    bars: truth(N - 20).filter((_, i) => i % 3 !== 0).map((b, i) => (i % 5 === 0 ? { ...b, open: b.close, high: b.close, low: b.close, volume: 0, trades: 0, synthetic: true } : b)),
  };

  it('ranks the degraded source last and picks the best, ties in the order given', () => {
    const ranked = rankSources([degraded, second, clean], opts);
    expect(ranked.map((s) => s.source)).toEqual(['second', 'primary', 'degraded']);
    expect(ranked[2].freshness).toBe(0);
    expect(ranked[2].score).toBeLessThan(0.6);
    expect(ranked[2]).toMatchObject({ count: 26, gaps: 34, synthetic: 6, integrity: 1 });
    expect(bestSource([degraded, clean, second], opts)!.source).toBe('primary');
    expect(bestSource([{ source: 'empty', bars: [] }], opts)).toBeUndefined();
  });

  it('weights the consensus by quality and keeps only periods with enough real, sound bars', () => {
    const { bars, scores, skipped } = consensus([clean, second, degraded], { ...opts, minSources: 2 });
    expect(bars).toHaveLength(60);
    expect(skipped).toBe(0);
    const w = Object.fromEntries(scores.map((s) => [s.source, s.score]));
    // bar 2: all three have a real bar (the degraded source kept it, and it is not one of its synthetic ones)
    const b1 = bars[2];
    expect(b1.sources).toEqual(['primary', 'second', 'degraded']);
    const t = truth(3)[2];
    const want = (w.primary * t.close + w.second * t.close * 1.002 + w.degraded * t.close) / (w.primary + w.second + w.degraded);
    expect(b1.close).toBeCloseTo(want, 9);
    expect(b1.dispersion).toBeCloseTo((t.close * 0.002) / want, 9);
    for (const b of bars) {
      expect(b.low).toBeLessThanOrEqual(Math.min(b.open, b.close));
      expect(b.high).toBeGreaterThanOrEqual(Math.max(b.open, b.close));
    }
    // bar 0: the degraded source has none; bar 1: its bar is synthetic; two remain
    expect(bars[0].sources).toEqual(['primary', 'second']);
    expect(bars[1].sources).toEqual(['primary', 'second']);
  });

  it('leaves out periods with fewer sources than the minimum', () => {
    const { bars, skipped } = consensus([clean, degraded], { ...opts, minSources: 2 });
    const degradedReal = new Set(degraded.bars.filter((b) => !b.synthetic).map((b) => b.openTs));
    expect(bars.map((b) => b.openTs)).toEqual(truth(N).map((b) => b.openTs).filter((ts) => degradedReal.has(ts)));
    expect(skipped).toBe(60 - degradedReal.size);
    expect(() => consensus([clean], { ...opts, minSources: 0 })).toThrow(RangeError);
  });
});
