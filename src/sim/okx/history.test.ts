// OKX's history routes against the market model: candles (latest 1,440 only, ≤ 300) and
// history-candles (≤ 100) with exclusive after/before and newest-first pages, bar alignment,
// swap volumes, trades and history-trades (tradeId or ts paging), and the error bodies.
import { describe, expect, it } from 'vitest';
import { formatUnits, trimZeros } from '../instruments.js';
import { maintenanceHalts } from '../candles.js';
import { MIN, SEED, START_MS, params, tradedSymbol } from '../history-fixture.js';
import type { SymbolState } from '../symbol-state.js';
import { okxHistory } from './history.js';

const spot = tradedSymbol('okx', 'BTC/USDT', 100);
const swap = tradedSymbol('okx', 'BTC/USDT:USDT', 20);
const nowMs = spot.nowMs;
const symbols = new Map<string, SymbolState>([[spot.s.inst.venueSymbol, spot.s], [swap.s.inst.venueSymbol, swap.s]]);
const call = (path: string, q: Record<string, string | number>, at = nowMs): { status: number; body: any } => {
  const r = okxHistory(symbols, path, params(q), at)!;
  return { status: r.status, body: JSON.parse(r.body) };
};
const rows = (path: string, q: Record<string, string | number>): string[][] => {
  const r = call(path, q);
  expect(r.status).toBe(200);
  expect(r.body.code).toBe('0');
  return r.body.data;
};
const currentMinute = Math.floor(nowMs / MIN) * MIN;
const CANDLES = '/api/v5/market/candles';
const HISTORY = '/api/v5/market/history-candles';

describe('candles', () => {
  it('the newest 100 by default, newest first, the open bar unconfirmed; rows from the model', () => {
    const data = rows(CANDLES, { instId: 'BTC-USDT' });
    expect(data).toHaveLength(100);
    expect(Number(data[0][0])).toBe(currentMinute);
    expect(data[0][8]).toBe('0');
    expect(data.slice(1).every((r) => r[8] === '1')).toBe(true);
    const { fmt, inst } = spot.s;
    for (const r of data) {
      const c = spot.s.candles.range(Number(r[0]), Number(r[0]) + MIN, nowMs, true)!;
      const quote = trimZeros(fmt.notionalSum(c.quoteVol, inst.priceDecimals + inst.qtyDecimals));
      expect(r.slice(1, 8)).toEqual([fmt.price(c.openTicks), fmt.price(c.highTicks), fmt.price(c.lowTicks), fmt.price(c.closeTicks), fmt.qty(c.volLots), quote, quote]);
    }
    for (let i = 1; i < data.length; i++) expect(Number(data[i][0])).toBeLessThan(Number(data[i - 1][0]));
  });

  it('after and before are exclusive; the newest `limit` of the range comes back; before alone gives the latest', () => {
    const after = currentMinute - 200 * MIN;
    const before = after - 50 * MIN;
    const win = rows(CANDLES, { instId: 'BTC-USDT', after, before, limit: 20 });
    expect(Number(win[0][0])).toBeLessThan(after);
    expect(Number(win[0][0])).toBeGreaterThanOrEqual(after - 4 * MIN);
    expect(win).toHaveLength(20);
    const all = rows(CANDLES, { instId: 'BTC-USDT', after, before, limit: 300 });
    expect(all.every((r) => Number(r[0]) > before && Number(r[0]) < after)).toBe(true);
    const halted = maintenanceHalts(SEED, before + MIN, after).reduce((n, [a, b]) => n + (Math.min(b, after) - Math.max(a, before + MIN)) / MIN, 0);
    expect(all).toHaveLength(49 - halted);
    expect(rows(CANDLES, { instId: 'BTC-USDT', before, limit: 5 }).map((r) => r[0])).toEqual(rows(CANDLES, { instId: 'BTC-USDT', limit: 5 }).map((r) => r[0]));
  });

  it('/market/candles keeps the latest 1,440 bars and serves ≤ 300; history-candles serves all of history, ≤ 100', () => {
    expect(rows(CANDLES, { instId: 'BTC-USDT', limit: 500 })).toHaveLength(300);
    expect(rows(HISTORY, { instId: 'BTC-USDT', limit: 500 })).toHaveLength(100);
    const old = currentMinute - 3000 * MIN;
    expect(rows(CANDLES, { instId: 'BTC-USDT', after: old })).toEqual([]);
    const hist = rows(HISTORY, { instId: 'BTC-USDT', after: old, limit: 100 });
    expect(hist.length).toBeGreaterThan(90);
    expect(Number(hist[0][0])).toBeLessThan(old);
    for (const r of hist) expect(spot.s.candles.halted(Number(r[0]))).toBe(false);
    const oldestRecent = currentMinute - 1439 * MIN;
    const edge = rows(CANDLES, { instId: 'BTC-USDT', after: oldestRecent + 3 * MIN });
    expect(Math.min(...edge.map((r) => Number(r[0])))).toBeGreaterThanOrEqual(oldestRecent);
  });

  it('hour, UTC-day and Hong Kong-day bars', () => {
    const hours = rows(HISTORY, { instId: 'BTC-USDT', bar: '1H', limit: 3 });
    expect(Number(hours[0][0]) - Number(hours[1][0])).toBe(60 * MIN);
    const utc = rows(HISTORY, { instId: 'BTC-USDT', bar: '1Dutc', limit: 2 });
    expect(new Date(Number(utc[0][0])).toISOString()).toBe('2026-01-15T00:00:00.000Z');
    const hk = rows(HISTORY, { instId: 'BTC-USDT', bar: '1D', limit: 2 });
    expect(new Date(Number(hk[0][0])).toISOString()).toBe('2026-01-14T16:00:00.000Z');
    const day = spot.s.candles.range(Date.UTC(2026, 0, 14), Date.UTC(2026, 0, 15), nowMs, true)!;
    expect(utc[1][4]).toBe(spot.s.fmt.price(day.closeTicks));
    expect(Number(utc[1][5])).toBeCloseTo(Number(spot.s.fmt.qty(day.volLots)), 8);
  });

  it('swaps count volume in contracts of 0.01 base (volCcy is base)', () => {
    const [r] = call(HISTORY, { instId: 'BTC-USDT-SWAP', limit: 1, after: START_MS - 60 * MIN }).body.data as string[][];
    const c = swap.s.candles.range(Number(r[0]), Number(r[0]) + MIN, swap.nowMs, true)!;
    expect(r[6]).toBe(swap.s.fmt.qty(c.volLots));
    expect(r[5]).toBe(trimZeros(formatUnits(BigInt(c.volLots) * BigInt(swap.s.inst.stepUnits) * 100n, swap.s.inst.qtyDecimals)));
  });

  it.each([
    [{}, 400, '50014'],
    [{ instId: 'DOGE-USDT' }, 400, '51001'],
    [{ instId: 'BTC-USDT', bar: '7m' }, 400, '51000'],
    [{ instId: 'BTC-USDT', bar: '1h' }, 400, '51000'], // OKX hours are upper case
    [{ instId: 'BTC-USDT', after: 'noon' }, 400, '51000'],
    [{ instId: 'BTC-USDT', limit: 0 }, 400, '51000'],
  ])('%j → HTTP %d, code %s', (q, status, code) => {
    const r = call(HISTORY, q);
    expect(r.status).toBe(status);
    expect(r.body).toMatchObject({ code, data: [] });
    expect(r.body.msg).not.toBe('');
  });
});

describe('trades and history-trades', () => {
  const all = spot.s.candles.trades();
  const idsOf = (data: any[]): number[] => data.map((t) => Number(t.tradeId));

  it('/market/trades: the newest 100 by default, ≤ 500, newest first', () => {
    const data = rows('/api/v5/market/trades', { instId: 'BTC-USDT' }) as unknown as any[];
    expect(idsOf(data)).toEqual(all.slice(-100).map((t) => t.id).reverse());
    const t = all.at(-1)!;
    expect(data[0]).toEqual({
      instId: 'BTC-USDT', side: t.buyerMaker ? 'sell' : 'buy', sz: spot.s.fmt.qty(t.lots), px: spot.s.fmt.price(t.ticks),
      source: '0', tradeId: String(t.id), ts: String(t.timeMs),
    });
    expect(rows('/api/v5/market/trades', { instId: 'BTC-USDT', limit: 900 })).toHaveLength(500);
  });

  it('history-trades by tradeId (type 1): after = older than, before = newer than; ≤ 100', () => {
    const mid = all[Math.floor(all.length / 2)].id;
    const older = rows('/api/v5/market/history-trades', { instId: 'BTC-USDT', after: mid, limit: 10 }) as unknown as any[];
    expect(idsOf(older)).toEqual(all.filter((t) => t.id < mid).slice(-10).map((t) => t.id).reverse());
    const newer = rows('/api/v5/market/history-trades', { instId: 'BTC-USDT', before: mid, after: mid + 1_000_000, limit: 100 }) as unknown as any[];
    expect(newer.every((t) => Number(t.tradeId) > mid)).toBe(true);
    expect(rows('/api/v5/market/history-trades', { instId: 'BTC-USDT', limit: 900 })).toHaveLength(100);
  });

  it('history-trades by time (type 2): after = older than this ms; walking back visits every trade once', () => {
    const seen: number[] = [];
    let after = nowMs + 1;
    for (let n = 0; n < 200; n++) {
      const data = rows('/api/v5/market/history-trades', { instId: 'BTC-USDT', type: 2, after, limit: 100 }) as unknown as any[];
      expect(data.every((t) => Number(t.ts) < after)).toBe(true);
      seen.push(...idsOf(data));
      if (data.length < 100) break;
      after = Number(data.at(-1).ts) + 1; // inclusive of the oldest ms: repeats dropped below
    }
    expect([...new Set(seen)].sort((a, b) => a - b)).toEqual(all.map((t) => t.id));
    const r = call('/api/v5/market/history-trades', { instId: 'BTC-USDT', type: 2, before: nowMs - 1000 });
    expect(r.status).toBe(400);
    expect(r.body.msg).toBe('Parameter before error'); // OKX: before takes tradeIds only
  });
});

describe('routing', () => {
  it('other paths are not history routes', () => {
    expect(okxHistory(symbols, '/api/v5/market/books', params({ instId: 'BTC-USDT' }), nowMs)).toBeUndefined();
  });
});
