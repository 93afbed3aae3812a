// Ring buffers: bounds and eviction, latest-N and time-range queries across the wrap, revisions
// of the newest bar, per-timeframe default capacities and the memory estimate.
import { describe, expect, it } from 'vitest';
import type { Candle } from '../core/events.js';
import { BarRing, BarStore, DEFAULT_CAPACITY, FALLBACK_CAPACITY, type NumericBar } from './ring-buffer.js';

const M = 60_000_000; // 1 minute in µs

function bar(i: number, close = 100 + i): NumericBar {
  return { openTs: i * M, open: close - 1, high: close + 1, low: close - 2, close, volume: i / 10, trades: i, synthetic: i % 7 === 0 };
}

describe('BarRing', () => {
  it('keeps at most `capacity` bars, evicting the oldest', () => {
    const r = new BarRing(5);
    for (let i = 1; i <= 12; i++) expect(r.push(bar(i))).toBe('appended');
    expect(r.length).toBe(5);
    expect(r.evicted).toBe(7);
    expect(r.at(0)!.openTs).toBe(8 * M);
    expect(r.at(-1)).toEqual(bar(12));
    expect(r.at(5)).toBeUndefined();
  });

  it('returns the latest N oldest-first, across the physical wrap', () => {
    const r = new BarRing(4);
    for (let i = 1; i <= 6; i++) r.push(bar(i)); // physically [5, 6, 3, 4]
    const c = r.latest(3);
    expect(c.length).toBe(3);
    expect([...c.openTs]).toEqual([4 * M, 5 * M, 6 * M]);
    expect([...c.close]).toEqual([104, 105, 106]);
    expect([...c.trades]).toEqual([4, 5, 6]);
    expect(r.latest(99).length).toBe(4);
    expect(r.latest(0).length).toBe(0);
  });

  it('answers time ranges [from, to) by binary search, across the wrap', () => {
    const r = new BarRing(100);
    for (let i = 0; i < 250; i++) r.push(bar(i)); // holds 150 … 249
    const c = r.range(160 * M, 170 * M);
    expect([...c.openTs]).toEqual(Array.from({ length: 10 }, (_, k) => (160 + k) * M));
    expect([...c.synthetic]).toEqual([...c.openTs].map((t) => ((t / M) % 7 === 0 ? 1 : 0)));
    expect(r.range(0, 151 * M).length).toBe(1); // only 150 is still held
    expect(r.range(249 * M + 1, 10_000 * M).length).toBe(0);
    expect(r.range(170 * M, 160 * M).length).toBe(0);
    expect(r.lowerBound(160 * M + 1)).toBe(11);
  });

  it('replaces the newest bar when re-sent with the same open time and refuses older bars', () => {
    const r = new BarRing(3);
    r.push(bar(1));
    r.push(bar(2));
    expect(r.push(bar(2, 999))).toBe('replaced');
    expect(r.at(-1)!.close).toBe(999);
    expect(r.push(bar(1))).toBe('older');
    expect(r.length).toBe(2);
  });

  it('states its memory: 6 Float64 columns + Uint32 + Uint8 per slot, fixed at construction', () => {
    const r = new BarRing(1000);
    expect(r.memoryBytes()).toBe(1000 * (6 * 8 + 4 + 1));
    for (let i = 0; i < 5000; i++) r.push(bar(i));
    expect(r.memoryBytes()).toBe(1000 * 53);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new BarRing(0)).toThrow(RangeError);
    expect(() => new BarRing(2.5)).toThrow(RangeError);
  });
});

describe('BarStore', () => {
  const candle = (timeframe: string, openTs: number, closed = true): Candle => ({
    type: 'candle', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: openTs, localTs: openTs, timeframe, openTs,
    open: '1.5', high: '2', low: '1', close: '1.75', volume: '0.3', trades: 3, synthetic: false, closed,
  });

  it('sizes each timeframe by the issue defaults (30m 1000, 1h 500, 4h 200, 1d 100) unless configured', () => {
    expect(DEFAULT_CAPACITY).toEqual({ '30m': 1000, '1h': 500, '4h': 200, '1d': 100 });
    const store = new BarStore({ capacity: { '1m': 1440 } });
    expect(store.capacityOf('1h')).toBe(500);
    expect(store.capacityOf('1d')).toBe(100);
    expect(store.capacityOf('1m')).toBe(1440);
    expect(store.capacityOf('5m')).toBe(FALLBACK_CAPACITY);
  });

  it('keeps closed candles only, per series, bounded, and reports limits and memory', () => {
    const store = new BarStore();
    const seen: string[] = [];
    store.onBar((key, b, result) => seen.push(`${key.timeframe}@${b.openTs}:${result}`));
    for (let i = 0; i < 150; i++) store.onEvent(candle('1d', i * 86_400_000_000));
    store.onEvent(candle('1h', 0, false)); // still forming: not history
    store.onEvent(candle('1h', 3_600_000_000));
    const day = store.ring({ venue: 'binance', symbol: 'BTC/USDT', timeframe: '1d' })!;
    expect(day.length).toBe(100);
    expect(day.at(-1)).toEqual({ openTs: 149 * 86_400_000_000, open: 1.5, high: 2, low: 1, close: 1.75, volume: 0.3, trades: 3, synthetic: false });
    expect(store.ring({ venue: 'binance', symbol: 'BTC/USDT', timeframe: '1h' })!.length).toBe(1);
    expect(seen).toHaveLength(151);
    expect(store.limits()).toEqual([
      { series: 'binance BTC/USDT 1d', bars: 100, capacity: 100, evicted: 50 },
      { series: 'binance BTC/USDT 1h', bars: 1, capacity: 500, evicted: 0 },
    ]);
    expect(store.memoryBytes()).toBe((100 + 500) * 53);
    expect(store.ring({ venue: 'okx', symbol: 'BTC/USDT', timeframe: '1d' })).toBeUndefined();
  });
});
