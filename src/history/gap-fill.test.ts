import { describe, expect, it } from 'vitest';
import type { Bar } from './bar.js';
import { combineCandles } from './combine.js';
import { fillGaps } from './gap-fill.js';
import { mergeRanges, subtractRanges } from './ranges.js';

const MIN_US = 60_000_000;
const bar = (i: number, close: string, over: Partial<Bar> = {}): Bar => ({
  ts: i * MIN_US, open: close, high: close, low: close, close, volume: '1', trades: 3, synthetic: false, ...over,
});

describe('fillGaps', () => {
  it('a 3-minute hole gives 2 synthetic bars at the last close', () => {
    const { bars, filled } = fillGaps([bar(0, '10'), bar(1, '11', { open: '10.5', high: '12' }), bar(4, '13')], 60_000);
    expect(filled).toBe(2);
    expect(bars.map((b) => b.ts / MIN_US)).toEqual([0, 1, 2, 3, 4]);
    expect(bars[2]).toEqual({ ts: 2 * MIN_US, open: '11', high: '11', low: '11', close: '11', volume: '0', trades: 0, synthetic: true });
    expect(bars[3].synthetic).toBe(true);
    expect(bars[4]).toEqual(bar(4, '13'));
  });

  it('leaves contiguous series, and the edges, alone', () => {
    expect(fillGaps([bar(5, '1'), bar(6, '2')], 60_000)).toEqual({ bars: [bar(5, '1'), bar(6, '2')], filled: 0 });
    expect(fillGaps([], 60_000).bars).toEqual([]);
  });
});

describe('combineCandles', () => {
  it('prefers local bars, fills holes from the exchange and reports every differing field', () => {
    const local = [bar(0, '10'), bar(1, '11', { volume: '2' }), bar(3, '13'), bar(4, '14', { synthetic: true, volume: '0' })];
    const exchange = [bar(0, '10'), bar(1, '11.5', { volume: '2.001' }), bar(2, '12'), bar(3, '13'), bar(4, '14.2')];
    const r = combineCandles(local, exchange);
    expect(r.bars.map((b) => [b.ts / MIN_US, b.close])).toEqual([[0, '10'], [1, '11'], [2, '12'], [3, '13'], [4, '14.2']]);
    expect(r.fromLocal).toBe(3);
    expect(r.fromExchange).toBe(2); // the hole at 2 and the synthetic local bar at 4
    expect(r.overlapping).toBe(3);
    expect(r.mismatches.map((m) => [m.ts / MIN_US, m.field, m.local, m.exchange])).toEqual([
      [1, 'open', '11', '11.5'], [1, 'high', '11', '11.5'], [1, 'low', '11', '11.5'], [1, 'close', '11', '11.5'],
      [1, 'volume', '2', '2.001'],
    ]);
  });

  it('tolerances hide differences within them', () => {
    const r = combineCandles([bar(1, '100')], [bar(1, '100.01', { volume: '1.05' })], { priceTolerance: 1e-3, volumeTolerance: 0.1 });
    expect(r.mismatches).toEqual([]);
    const strict = combineCandles([bar(1, '100')], [bar(1, '100.01')], { priceTolerance: 1e-5 });
    expect(strict.mismatches).toHaveLength(4);
    expect(strict.mismatches[0].relDiff).toBeCloseTo(0.01 / 100.01, 12);
  });
});

describe('ranges', () => {
  it('merges and subtracts half-open ranges', () => {
    expect(mergeRanges([[5, 7], [0, 2], [2, 3], [6, 9], [4, 4]])).toEqual([[0, 3], [5, 9]]);
    expect(subtractRanges([0, 10], [[2, 4], [6, 12]])).toEqual([[0, 2], [4, 6]]);
    expect(subtractRanges([0, 10], [])).toEqual([[0, 10]]);
    expect(subtractRanges([0, 10], [[-5, 20]])).toEqual([]);
  });
});
