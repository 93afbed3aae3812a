// The venue-neutral history helper and the model parts it reads: bucket rules, bars with trades
// only, maintenance halts (never in the Binance klines' path, never live), the trade tape.
import { describe, expect, it } from 'vitest';
import { maintenanceHalts } from './candles.js';
import { fixedBuckets, historyBars, historyTrades, monthBuckets, namedBuckets, pageOf } from './history.js';
import { MIN, SEED, START_MS, tradedSymbol } from './history-fixture.js';

const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('bucket rules', () => {
  it('fixed bars on a shifted grid (OKX Hong Kong days open at 16:00 UTC)', () => {
    const hkDay = fixedBuckets(DAY, -8 * HOUR);
    const t = Date.UTC(2026, 0, 15, 10, 0);
    expect(new Date(hkDay.open(t)).toISOString()).toBe('2026-01-14T16:00:00.000Z');
    expect(new Date(hkDay.open(Date.UTC(2026, 0, 15, 16, 0))).toISOString()).toBe('2026-01-15T16:00:00.000Z');
    expect(hkDay.next(hkDay.open(t)) - hkDay.open(t)).toBe(DAY);
  });

  it('months in a zone ahead of UTC', () => {
    const hk = monthBuckets(8);
    expect(new Date(hk.open(Date.UTC(2026, 0, 31, 17, 0))).toISOString()).toBe('2026-01-31T16:00:00.000Z'); // Feb 1 in HK
    expect(new Date(hk.next(hk.open(Date.UTC(2026, 0, 15)))).toISOString()).toBe('2026-01-31T16:00:00.000Z');
  });

  it('named rules are candles.ts\'s (weeks open on Monday)', () => {
    expect(new Date(namedBuckets('1w').open(Date.UTC(2026, 0, 15))).toISOString()).toBe('2026-01-12T00:00:00.000Z');
  });
});

describe('maintenance halts', () => {
  it('one per 4-hour block, 1–3 minutes, venue-wide and deterministic', () => {
    const from = Date.UTC(2026, 0, 1);
    const halts = maintenanceHalts(SEED, from, from + 10 * DAY);
    expect(halts).toHaveLength(60);
    for (const [a, b] of halts) {
      expect([1, 2, 3]).toContain((b - a) / MIN);
      expect(a % MIN).toBe(0);
    }
    expect(maintenanceHalts(SEED, from, from + 10 * DAY)).toEqual(halts);
    expect(maintenanceHalts(SEED + 1, from, from + 10 * DAY)).not.toEqual(halts);
    // any 12 hours hold at least two
    for (let t = from; t < from + 9 * DAY; t += 37 * MIN) {
      expect(maintenanceHalts(SEED, t, t + 12 * HOUR).filter(([a, b]) => a >= t && b <= t + 12 * HOUR).length).toBeGreaterThanOrEqual(2);
    }
  });

  it('halted minutes have no bar; the Binance path (no skipHalts) still has them; nothing live is halted', () => {
    const { s, nowMs } = tradedSymbol('bitfinex', 'BTC/USD', 5);
    const [a, b] = maintenanceHalts(SEED, START_MS - DAY, START_MS - DAY + 4 * HOUR)[0];
    for (let t = a; t < b; t += MIN) {
      expect(s.candles.halted(t)).toBe(true);
      expect(s.candles.range(t, t + MIN, nowMs, true)).toBeUndefined();
      expect(s.candles.range(t, t + MIN, nowMs)?.trades).toBeGreaterThan(0);
    }
    expect(s.candles.halted(a - MIN)).toBe(false);
    expect(s.candles.halted(b)).toBe(false);
    // an hour bar over a halt sums the other minutes only
    const hour = Math.floor(a / HOUR) * HOUR;
    const whole = s.candles.range(hour, hour + HOUR, nowMs)!;
    const holed = s.candles.range(hour, hour + HOUR, nowMs, true)!;
    let haltedTrades = 0;
    for (let t = a; t < b; t += MIN) haltedTrades += s.candles.range(t, t + MIN, nowMs)!.trades;
    expect(holed.trades).toBe(whole.trades - haltedTrades);
    const liveMinute = Math.floor(START_MS / MIN) * MIN;
    expect(s.candles.halted(liveMinute)).toBe(false);
  });
});

describe('historyBars', () => {
  it('oldest first from a start, or the newest of a range; only bars with trades; the open bar last', () => {
    const { s, nowMs } = tradedSymbol('okx', 'BTC/USDT', 75);
    const b = namedBuckets('1m');
    const [a, e] = maintenanceHalts(SEED, START_MS - 12 * HOUR, START_MS - 2 * HOUR)[0];
    const from = a - 10 * MIN;
    const bars = historyBars(s, b, { fromMs: from, toMs: e + 9 * MIN, limit: 1000 }, nowMs);
    const opens = bars.map((x) => x.openMs);
    const want: number[] = [];
    for (let t = from; t <= e + 9 * MIN; t += MIN) if (t < a || t >= e) want.push(t);
    expect(opens).toEqual(want);
    for (const x of bars) expect(x.candle).toEqual(s.candles.range(x.openMs, x.openMs + MIN, nowMs, true));
    expect(historyBars(s, b, { fromMs: from, limit: 5 }, nowMs).map((x) => x.openMs)).toEqual(want.slice(0, 5));
    const newest = historyBars(s, b, { limit: 3, newest: true }, nowMs);
    expect(newest.map((x) => x.openMs)).toEqual([0, 1, 2].map((i) => b.open(nowMs) - (2 - i) * MIN));
    expect(newest[2].closeMs).toBeGreaterThan(nowMs); // still open
    expect(historyBars(s, b, { fromMs: nowMs + MIN, limit: 10 }, nowMs)).toEqual([]);
  });
});

describe('trade tape', () => {
  it('keeps every live trade in order; slices by time', () => {
    const { s, nowMs } = tradedSymbol('kraken', 'BTC/USD', 20);
    const all = historyTrades(s);
    expect(all.length).toBeGreaterThan(s.recentTrades.length - 1);
    expect(all.slice(-s.recentTrades.length)).toEqual(s.recentTrades);
    for (let i = 1; i < all.length; i++) expect(all[i].timeMs).toBeGreaterThanOrEqual(all[i - 1].timeMs);
    const mid = all[Math.floor(all.length / 2)].timeMs;
    const window = historyTrades(s, mid, mid + 1000);
    expect(window).toEqual(all.filter((t) => t.timeMs >= mid && t.timeMs < mid + 1000));
    expect(historyTrades(s, nowMs)).toEqual([]);
    expect(pageOf([1, 2, 3, 4], 2, false)).toEqual([1, 2]);
    expect(pageOf([1, 2, 3, 4], 2, true)).toEqual([3, 4]);
  });
});
