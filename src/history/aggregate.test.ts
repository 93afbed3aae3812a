import { describe, expect, it } from 'vitest';
import { CandleAggregator, aggregateTrades } from './aggregate.js';
import { DecimalSum, numberText } from './decimal.js';
import { timeframeMs } from './timeframe.js';

const MIN_US = 60_000_000;
const T0 = 1_767_225_600_000_000; // 2026-01-01T00:00:00Z in µs

describe('CandleAggregator', () => {
  it('builds OHLCV by exchange time and closes a bar when a later one starts', () => {
    const agg = new CandleAggregator(timeframeMs('1m'));
    expect(agg.add('100.5', '0.1', T0 + 1_000_000)).toEqual([]);
    expect(agg.add('101.25', '0.2', T0 + 2_000_000)).toEqual([]);
    expect(agg.add('99.75', '0.30000', T0 + 59_999_999)).toEqual([]);
    expect(agg.current()).toMatchObject({ ts: T0, open: '100.5', high: '101.25', low: '99.75', close: '99.75', trades: 3 });
    const closed = agg.add('100', '1', T0 + MIN_US);
    expect(closed).toEqual([
      { ts: T0, open: '100.5', high: '101.25', low: '99.75', close: '99.75', volume: '0.6', trades: 3, synthetic: false },
    ]);
  });

  it('emits flat synthetic bars for minutes without trades, and on flush when no trade arrives', () => {
    const agg = new CandleAggregator(60_000);
    agg.add('10', '1', T0);
    const closed = agg.add('12', '2', T0 + 3 * MIN_US + 5);
    expect(closed.map((b) => [b.ts - T0, b.close, b.volume, b.synthetic])).toEqual([
      [0, '10', '1', false],
      [MIN_US, '10', '0', true],
      [2 * MIN_US, '10', '0', true],
    ]);
    expect(agg.flush(T0 + 3 * MIN_US + 59_000_000)).toEqual([]); // the bar is still open
    const flushed = agg.flush(T0 + 5 * MIN_US);
    expect(flushed.map((b) => [b.ts - T0, b.open, b.close, b.trades, b.synthetic])).toEqual([
      [3 * MIN_US, '12', '12', 1, false],
      [4 * MIN_US, '12', '12', 0, true],
    ]);
    expect(agg.add('13', '1', T0 + 5 * MIN_US + 1)).toEqual([]);
    expect(agg.end()).toMatchObject([{ ts: T0 + 5 * MIN_US, close: '13', trades: 1 }]);
  });

  it('drops and counts trades older than the bar in progress', () => {
    const agg = new CandleAggregator(1000);
    agg.add('1', '1', T0 + 2_000_000);
    expect(agg.add('2', '1', T0 + 500_000)).toEqual([]);
    expect(agg.lateTrades).toBe(1);
    expect(agg.current()?.trades).toBe(1);
  });

  it('can leave empty intervals out, and works for 1s and 1d', () => {
    const trades = [
      { price: '5', amount: '1', ts: T0 },
      { price: '6', amount: '1', ts: T0 + 3_500_000 },
    ];
    expect(aggregateTrades(trades, 1000, { emitEmpty: false }).map((b) => b.ts - T0)).toEqual([0, 3_000_000]);
    expect(aggregateTrades(trades, 1000).map((b) => b.synthetic)).toEqual([false, true, true, false]);
    const day = aggregateTrades([...trades, { price: '4', amount: '2.5', ts: T0 + 86_399_999_999 }], timeframeMs('1d'));
    expect(day).toEqual([{ ts: T0, open: '5', high: '6', low: '4', close: '4', volume: '4.5', trades: 3, synthetic: false }]);
  });

  it('sums volume exactly where floats would not', () => {
    const bars = aggregateTrades(Array.from({ length: 10 }, (_, i) => ({ price: '1', amount: '0.1', ts: T0 + i })), 60_000);
    expect(bars[0].volume).toBe('1');
    expect(Array.from({ length: 10 }, () => 0.1).reduce((s, x) => s + x, 0)).toBe(0.9999999999999999); // what a float sum gives
  });
});

describe('decimal text', () => {
  it.each([
    [1e-7, '0.0000001'], [1.23e-10, '0.000000000123'], [54663.33, '54663.33'], [1e21, '1000000000000000000000'], [-2.5e-8, '-0.000000025'], [0, '0'],
  ])('numberText(%s) = %s', (n, text) => {
    expect(numberText(n)).toBe(text);
    expect(Number(numberText(n))).toBe(n);
  });

  it('DecimalSum adds mixed scales and signs exactly', () => {
    const s = new DecimalSum();
    for (const t of ['0.00001000', '12.5', '-0.5', '1e-8']) s.add(t);
    expect(s.text()).toBe('12.00001001');
    s.reset();
    expect(s.text()).toBe('0');
  });
});

describe('timeframeMs', () => {
  it('accepts fixed lengths that divide a day and rejects the rest', () => {
    expect(['1s', '1m', '15m', '4h', '1d'].map(timeframeMs)).toEqual([1000, 60_000, 900_000, 14_400_000, 86_400_000]);
    for (const bad of ['7m', '1w', '1M', '2d', 'm1', '']) expect(() => timeframeMs(bad)).toThrow(/MF_ERR_USAGE/);
  });
});
