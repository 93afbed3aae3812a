import { describe, expect, it } from 'vitest';
import {
  addBookSample, alignedLogReturns, annualisedVolatility, barVwap, barsPerYear, contiguousLogReturns, correlationMatrix,
  meanImbalance, meanSpread, pearson, sampleStdev, spreadBps, topImbalance, totalVolume, type BookBar, type PriceBar,
} from './analytics.js';

const S = 1_000_000; // one second in µs
const T0 = 1_700_000_000 * S;

/** Bars one second apart from closes (high/low around the close, volume 1 unless given). */
function bars(closes: number[], opts: { start?: number; volumes?: number[]; skip?: number[] } = {}): PriceBar[] {
  const out: PriceBar[] = [];
  closes.forEach((close, i) => {
    if (opts.skip?.includes(i)) return;
    out.push({ ts: (opts.start ?? T0) + i * S, high: close + 1, low: close - 1, close, volume: opts.volumes?.[i] ?? 1 });
  });
  return out;
}

describe('returns and stdev', () => {
  it('log returns skip pairs across a hole', () => {
    const b = bars([100, 110, 121, 130, 140], { skip: [3] });
    expect(contiguousLogReturns(b, S)).toEqual([Math.log(1.1), Math.log(121 / 110)]);
  });

  it('sample stdev is the n-1 formula', () => {
    // mean 5, squared deviations 9+1+1+9 = 20, / 3
    expect(sampleStdev([2, 4, 6, 8])).toBeCloseTo(Math.sqrt(20 / 3), 12);
    expect(sampleStdev([1])).toBeNaN();
  });
});

describe('annualisedVolatility', () => {
  it('equals a hand computation on the same bars', () => {
    const closes = [100, 101, 99.5, 102, 102, 100.25];
    const r = [Math.log(101 / 100), Math.log(99.5 / 101), Math.log(102 / 99.5), Math.log(102 / 102), Math.log(100.25 / 102)];
    const mean = r.reduce((a, b) => a + b, 0) / r.length;
    const sd = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / (r.length - 1));
    const perYear = (365 * 24 * 3600) / 1; // 1s bars
    const v = annualisedVolatility(bars(closes), 1000);
    expect(v.value).toBeCloseTo(sd * Math.sqrt(perYear), 10);
    expect(v.n).toBe(6);
    expect(barsPerYear(60_000)).toBe(365 * 24 * 60);
  });

  it('says why with fewer than 3 bars', () => {
    const v = annualisedVolatility(bars([100, 101]), 1000);
    expect(v.value).toBeNull();
    expect(v.value === null && v.why).toBe('2 bars in the window; volatility needs at least 3 consecutive bars');
  });
});

describe('correlation', () => {
  it('pearson matches the textbook formula, and ±1 for linear series', () => {
    const x = [1, 2, 3, 4, 5];
    const y = [2, 1, 4, 3, 5];
    // mean 3 each; Σdxdy = 4+(-2)... computed: dx=[-2,-1,0,1,2], dy=[-1,-2,1,0,2] → Σ=2+2+0+0+4=8; Σdx²=10, Σdy²=10
    expect(pearson(x, y)).toBeCloseTo(0.8, 12);
    expect(pearson(x, x.map((v) => -3 * v + 1))).toBe(-1);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
  });

  it('aligns bars by open time: only bars both series have', () => {
    const a = bars([100, 101, 102, 103, 104], {});
    const b = bars([50, 51, 52, 53, 54], { skip: [2] });
    const { ra, rb, aligned } = alignedLogReturns(a, b);
    expect(aligned).toBe(4);
    // the return across b's hole spans bars 1 → 3 for both
    expect(ra).toEqual([Math.log(101 / 100), Math.log(103 / 101), Math.log(104 / 103)]);
    expect(rb).toEqual([Math.log(51 / 50), Math.log(53 / 51), Math.log(54 / 53)]);
  });

  it('builds a symmetric matrix with 1 on the diagonal and hand-computed cells', () => {
    const a = bars([100, 102, 101, 104, 103, 106]);
    const b = bars([10, 10.1, 10.3, 10.2, 10.4, 10.3]);
    const c = bars([5, 5.5, 5.2, 5.9, 5.6, 6.4]);
    const m = correlationMatrix([a, b, c]);
    const ret = (s: PriceBar[]): number[] => s.slice(1).map((x, i) => Math.log(x.close / s[i].close));
    expect(m.value[0][0]).toBe(1);
    expect(m.value[0][1]).toBeCloseTo(pearson(ret(a), ret(b)), 12);
    expect(m.value[1][0]).toBe(m.value[0][1]);
    expect(m.value[0][2]).toBeCloseTo(pearson(ret(a), ret(c)), 12);
    expect(m.value[0][2]!).toBeGreaterThan(0.9); // c moves with a
    expect(m.pairs).toEqual([[5, 5, 5], [5, 5, 5], [5, 5, 5]]);
    expect(m.undefinedCells).toEqual([]);
  });

  it('leaves cells null with a reason when too few bars align or a series is flat', () => {
    const a = bars([100, 101]);
    const b = bars([10, 11]);
    const m = correlationMatrix([a, b]);
    expect(m.value).toEqual([[null, null], [null, null]]);
    expect(m.undefinedCells).toEqual([{ i: 0, j: 1, why: '2 aligned bars in the window; correlation needs at least 3' }]);
    const flat = correlationMatrix([bars([1, 2, 3, 4]), bars([5, 5, 5, 5])]);
    expect(flat.value[0][1]).toBeNull();
    expect(flat.value[1][1]).toBeNull();
    expect(flat.undefinedCells[0].why).toMatch(/did not move/);
  });
});

describe('vwap and volume', () => {
  it('weights the typical price by volume', () => {
    const b = bars([100, 110], { volumes: [1, 3] });
    // typical = (101 + 99 + 100)/3 = 100 and (111+109+110)/3 = 110 → (100 + 330) / 4
    expect(barVwap(b).value).toBeCloseTo(107.5, 12);
    expect(totalVolume(b)).toBe(4);
    expect(barVwap(bars([100], { volumes: [0] })).value).toBeNull();
  });
});

describe('book samples', () => {
  it('spread in bps of the mid', () => {
    expect(spreadBps(99.5, 100.5)).toBeCloseTo(100, 12);
    expect(spreadBps(0, 100)).toBeNaN();
  });

  it('imbalance over the top N levels', () => {
    const bids: [string, string][] = [['100', '3'], ['99', '1'], ['98', '100']];
    const asks: [string, string][] = [['101', '1'], ['102', '1']];
    expect(topImbalance(bids, asks, 2)).toBeCloseTo((4 - 2) / 6, 12);
    expect(topImbalance(bids, asks, 1)).toBeCloseTo(0.5, 12);
    expect(topImbalance([], [], 10)).toBeNaN();
  });

  it('means are over every sample of the window, not per bar', () => {
    const b1: BookBar = { ts: T0, spreadSum: 0, spreadN: 0, imbalanceSum: 0, imbalanceN: 0 };
    const b2: BookBar = { ts: T0 + S, spreadSum: 0, spreadN: 0, imbalanceSum: 0, imbalanceN: 0 };
    addBookSample(b1, 2, 0.5);
    addBookSample(b2, 4, -0.5);
    addBookSample(b2, 6, NaN);
    expect(meanSpread([b1, b2]).value).toBeCloseTo(4, 12);
    expect(meanImbalance([b1, b2]).value).toBeCloseTo(0, 12);
    expect(meanSpread([]).value).toBeNull();
  });
});
