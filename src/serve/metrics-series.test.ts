import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { BookSnapshot, MarketEvent, Trade } from '../core/events.js';
import { silentLogger } from '../core/log.js';
import { bookHeader, bookRow } from '../storage/csv.js';
import { dataFileName, dayDir } from '../storage/layout.js';
import { spreadBps } from './analytics.js';
import { BookSeries, PriceSeries, SeriesRegistry, type SeriesWatcher } from './metrics-series.js';
import type { EventListener, ServeSource, StreamRef } from './types.js';

const S = 1_000_000;
const M = 60 * S;
const T0 = (Date.UTC(2024, 0, 2) + 10 * 60_000) * 1000;
const BTC: StreamRef = { venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', label: 'sim-binance', depth: 2 };
const ETH: StreamRef = { ...BTC, symbol: 'ETH/USDT', venueSymbol: 'ETHUSDT' };
const dataDir = mkdtempSync(join(tmpdir(), 'mf-metrics-series-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function trade(s: StreamRef, ts: number, price: number): Trade {
  return { type: 'trade', venue: s.venue, symbol: s.symbol, venueSymbol: s.venueSymbol, ts, localTs: ts, id: String(ts), price: String(price), amount: '1', side: 'sell' };
}

function book(ts: number, bid: string, ask: string): BookSnapshot {
  return { type: 'book_snapshot', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts, localTs: ts, depth: 2, updateId: 1, bids: [[bid, '1']], asks: [[ask, '1']] };
}

function source(): ServeSource & { listeners: Set<EventListener>; emit(ev: MarketEvent): void } {
  const listeners = new Set<EventListener>();
  return {
    dataDir, log: silentLogger, listeners,
    resolve: () => ({ ok: false, status: 404, error: 'unused' }),
    streams: () => [BTC, ETH],
    listen: (fn) => {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    emit: (ev) => listeners.forEach((l) => l(ev)),
  };
}

describe('PriceSeries', () => {
  it('keeps only the bars its readers still need (bounded memory), whole windows intact', () => {
    let now = T0;
    const series = new PriceSeries('k', BTC, '1m', M, now, () => now);
    const closes: number[] = [];
    const watcher: SeriesWatcher = { onBarClosed: (end) => closes.push(end), oldestNeededUs: () => now - 10 * M - M };
    series.watchers.add(watcher);
    for (let k = 1; k <= 200; k++) {
      now = T0 + k * M + 2 * S;
      series.onEvent(trade(BTC, now, 100 + (k % 7)));
    }
    series.dispose();
    // live bars start at minute 1 (the series could have missed trades of minute 0); 200 is open
    expect(closes).toHaveLength(199);
    expect(closes[0]).toBe(T0 + 2 * M);
    expect(series.bars.length).toBeLessThanOrEqual(14);
    const w = series.window(T0 + 190 * M, T0 + 200 * M);
    expect(w.map((b) => (b.ts - T0) / M)).toEqual([190, 191, 192, 193, 194, 195, 196, 197, 198, 199]);
  });
});

describe('BookSeries', () => {
  it('adds the file rows before its start and the live samples after it into the bar at the join', async () => {
    const start = T0 + 30 * S;
    const rows = [book(T0 + 10 * S, '100', '101'), book(T0 + 20 * S, '100', '102'), book(start + S, '1', '2')]; // the last is live's
    const dir = dayDir(dataDir, BTC.label, BTC.symbol, '20240102');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, dataFileName('book', BTC.symbol, '20240102')), gzipSync(bookHeader(2) + rows.map((r) => bookRow(r, 2)).join('')));
    const series = new BookSeries('b', BTC, '1m', M, start, 2);
    series.onEvent(book(T0 + 25 * S, '1', '9')); // before the start: the file has it
    series.onEvent(book(start + 5 * S, '100', '100.5'));
    await series.need({ ...source(), dataDir }, T0 - 5 * M);
    const [bar] = series.window(T0, T0 + M);
    expect(bar.spreadN).toBe(3);
    expect(bar.spreadSum).toBeCloseTo(spreadBps(100, 101) + spreadBps(100, 102) + spreadBps(100, 100.5), 10);
    expect(series.window(T0, T0 + M - 1)).toEqual([]); // not over yet at that time
  });
});

describe('SeriesRegistry', () => {
  it('shares a series per key, feeds each its stream, and stops listening with the last release', () => {
    const src = source();
    const reg = new SeriesRegistry(src, () => T0);
    const a = reg.price(BTC, '1m', M);
    const b = reg.price(BTC, '1m', M);
    const e = reg.price(ETH, '1m', M);
    const k = reg.book(BTC, '1m', M, 2);
    expect(a).toBe(b);
    expect(reg.size).toBe(3);
    expect(src.listeners.size).toBe(1);
    const closedA: number[] = [];
    const closedE: number[] = [];
    a.watchers.add({ onBarClosed: (x) => closedA.push(x), oldestNeededUs: () => 0 });
    e.watchers.add({ onBarClosed: (x) => closedE.push(x), oldestNeededUs: () => 0 });
    src.emit(trade(BTC, T0 + M + S, 1));
    src.emit(trade(BTC, T0 + 2 * M + S, 2));
    expect(closedA).toEqual([T0 + 2 * M]);
    expect(closedE).toEqual([]);
    reg.release(a);
    expect(reg.size).toBe(3); // b still holds it
    reg.release(b);
    reg.release(e);
    expect(reg.size).toBe(1);
    expect(src.listeners.size).toBe(1);
    reg.release(k);
    expect(reg.size).toBe(0);
    expect(src.listeners.size).toBe(0);
  });
});
