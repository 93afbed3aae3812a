import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { BookSnapshot, Trade } from '../core/events.js';
import { aggregateTrades } from '../history/aggregate.js';
import { CANDLES_HEADER, candleFileName, candleRow } from '../storage/candles.js';
import { bookHeader, bookRow, EVENTS_HEADER, TRADES_HEADER, tradeRow } from '../storage/csv.js';
import { dataFileName, dayDir } from '../storage/layout.js';
import { spreadBps, topImbalance } from './analytics.js';
import { loadBookBars, loadPriceBars, priceBarOf, windowDays } from './bar-history.js';
import type { StreamRef } from './types.js';

const S = 1_000_000;
const D2_START = Date.UTC(2024, 0, 2) * 1000; // 2024-01-02 00:00 UTC, µs
const stream: StreamRef = { venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', label: 'sim-binance', depth: 3 };
const dataDir = mkdtempSync(join(tmpdir(), 'mf-bar-history-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function trade(ts: number, price: string, amount = '0.5'): Trade {
  return { type: 'trade', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts, localTs: ts + 1000, id: String(ts), price, amount, side: 'buy' };
}

function write(day: string, name: string, text: string | Buffer): string {
  const dir = dayDir(dataDir, stream.label, stream.symbol, day);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, typeof text === 'string' ? gzipSync(text) : text);
  return path;
}

// Day 1 (20240101): the last 20 s before midnight; day 2: the first 30 s after, in two parts, the
// second still being written (`.open`, its last gzip member cut short).
const day1 = [trade(D2_START - 20 * S, '100'), trade(D2_START - 12 * S, '101'), trade(D2_START - 3 * S, '99')];
const day2a = [trade(D2_START + 1 * S, '102'), trade(D2_START + 7 * S, '103', '2')];
const day2b = [trade(D2_START + 16 * S, '104'), trade(D2_START + 24 * S, '100.5')];
write('20240101', dataFileName('trades', 'BTC/USDT', '20240101'), TRADES_HEADER + day1.map(tradeRow).join(''));
write('20240102', dataFileName('trades', 'BTC/USDT', '20240102'), TRADES_HEADER + day2a.map(tradeRow).join(''));
const torn = gzipSync('timestamp,price,qty,side,id,local_timestamp\n9,9,9,buy,x,9\n').subarray(0, 20);
write('20240102', dataFileName('trades', 'BTC/USDT', '20240102', 1) + '.open', Buffer.concat([gzipSync(TRADES_HEADER), gzipSync(day2b.map(tradeRow).join('')), torn]));
// A day before the window that cannot be read: reading it would throw "is not a trades file".
write('20231231', dataFileName('trades', 'BTC/USDT', '20231231'), 'not,a,trades,file\n');

describe('windowDays', () => {
  it('lists the UTC days a span touches', () => {
    expect(windowDays(D2_START - 1, D2_START + 1)).toEqual(['20240101', '20240102']);
    expect(windowDays(D2_START, D2_START + 86_400 * S)).toEqual(['20240102']);
    expect(windowDays(D2_START, D2_START)).toEqual([]);
  });
});

describe('loadPriceBars', () => {
  it('builds bars from the trades parts across midnight, closed bars only, within the span', async () => {
    const all = aggregateTrades([...day1, ...day2a, ...day2b], 5000);
    const bars = await loadPriceBars({ dataDir, stream, interval: '5s', fromUs: D2_START - 15 * S, toUs: D2_START + 60 * S });
    // the bar of the last trade (D2+20 s) has no later trade in the files: it may still grow
    const want = all.filter((b) => b.ts >= D2_START - 15 * S && b.ts < D2_START + 20 * S).map(priceBarOf);
    expect(bars).toEqual(want);
    expect(bars.map((b) => (b.ts - D2_START) / S)).toEqual([-15, -10, -5, 0, 5, 10, 15]);
    expect(bars.find((b) => b.ts === D2_START + 5 * S)).toMatchObject({ close: 103, volume: 2 });
  });

  it('stops at toUs: bars must end by it', async () => {
    const bars = await loadPriceBars({ dataDir, stream, interval: '5s', fromUs: D2_START - 15 * S, toUs: D2_START + 12 * S });
    expect(bars.map((b) => (b.ts - D2_START) / S)).toEqual([-15, -10, -5, 0, 5]);
  });

  it('prefers the candle file of the interval for its day', async () => {
    const ts = D2_START - 10 * S;
    write('20240101', candleFileName('BTC/USDT', '10s', '20240101'), CANDLES_HEADER + candleRow({ ts, open: '1', high: '2', low: '0.5', close: '1.5', volume: '7', trades: 3, synthetic: false }));
    const bars = await loadPriceBars({ dataDir, stream, interval: '10s', fromUs: D2_START - 20 * S, toUs: D2_START + 20 * S });
    // day 1 from the candle file (the trades there are not read), day 2 from trades; with no
    // ledger to say when the recorder started, the first bar built from trades is left out
    expect(bars[0]).toEqual({ ts, high: 2, low: 0.5, close: 1.5, volume: 7 });
    expect(bars.slice(1).map((b) => [(b.ts - D2_START) / S, b.close])).toEqual([[10, 104]]);
  });

  it('reads nothing for a stream with no files', async () => {
    const other = { ...stream, symbol: 'ETH/USDT', venueSymbol: 'ETHUSDT' };
    expect(await loadPriceBars({ dataDir, stream: other, interval: '1s', fromUs: D2_START, toUs: D2_START + 60 * S })).toEqual([]);
  });
});

describe('loadPriceBars with a ledger', () => {
  const eth: StreamRef = { ...stream, symbol: 'ETH/USDT', venueSymbol: 'ETHUSDT' };
  const ethTrade = (ts: number, price: string): Trade => ({ ...trade(ts, price), symbol: 'ETH/USDT', venueSymbol: 'ETHUSDT' });
  const ledgerRow = (n: number, t: number, kind: string, state: string, detail: string): string => `${n},${t},${t},${kind},${state},${detail}\n`;
  const writeEth = (day: string, trades: Trade[], ledger: string): void => {
    const dir = dayDir(dataDir, eth.label, eth.symbol, day);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, dataFileName('trades', eth.symbol, day)), gzipSync(TRADES_HEADER + trades.map(tradeRow).join('')));
    writeFileSync(join(dir, dataFileName('events', eth.symbol, day)), gzipSync(EVENTS_HEADER + ledger));
  };

  it('takes only bars the recorder watched whole: no flat bars over a restart, no bar it started inside', async () => {
    const D3 = D2_START + 86_400 * S; // 20240103
    const trades: Trade[] = [];
    for (let t = 0.6; t <= 10; t += 0.5) trades.push(ethTrade(D3 + Math.round(t * S), String(3000 + Math.round(t * 2))));
    for (let t = 30.6; t <= 40; t += 0.5) trades.push(ethTrade(D3 + Math.round(t * S), String(3100 + Math.round(t * 2))));
    writeEth('20240103', trades,
      ledgerRow(1, D3, 'run_start', '', 'run 1') + ledgerRow(2, D3 + S / 2, 'connect', 'CONNECTED', 'connection connId=1') +
      ledgerRow(3, D3 + 10.2 * S, 'run_stop', '', 'stopped') +
      ledgerRow(4, D3 + 30 * S, 'run_start', '', 'run 2') + ledgerRow(5, D3 + 30.5 * S, 'connect', 'CONNECTED', 'connection connId=1'));
    const bars = await loadPriceBars({ dataDir, stream: eth, interval: '1s', fromUs: D3, toUs: D3 + 60 * S });
    // watched [0.5 s, 10.2 s] and [30.5 s, …), less a 1 s margin at each end; bar 39 is still open
    expect(bars.map((b) => (b.ts - D3) / S)).toEqual([2, 3, 4, 5, 6, 7, 8, 32, 33, 34, 35, 36, 37, 38]);
  });

  it('counts a connection that opened before the window as up from its start', async () => {
    const D4 = D2_START + 2 * 86_400 * S; // 20240104: the connection was opened the day before
    const trades: Trade[] = [];
    for (let t = 0.1; t <= 10; t += 0.5) trades.push(ethTrade(D4 + Math.round(t * S), String(3000 + Math.round(t))));
    writeEth('20240104', trades, ledgerRow(9, D4 + 5 * S, 'disconnect', 'RECONNECTING', 'connection connId=4 timeout'));
    const bars = await loadPriceBars({ dataDir, stream: eth, interval: '1s', fromUs: D4, toUs: D4 + 60 * S });
    expect(bars.map((b) => (b.ts - D4) / S)).toEqual([0, 1, 2, 3]);
  });
});

describe('loadBookBars', () => {
  it('sums each row as a sample of its bar, up to toUs', async () => {
    const snap = (ts: number, bids: [string, string][], asks: [string, string][]): BookSnapshot => ({
      type: 'book_snapshot', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts, localTs: ts, depth: 3, updateId: 1, bids, asks,
    });
    const rows = [
      snap(D2_START + 1 * S, [['100', '1'], ['99', '3']], [['101', '2'], ['102', '2'], ['103', '9']]),
      snap(D2_START + 2 * S, [['100', '2']], [['100.5', '2']]),
      snap(D2_START + 6 * S, [['99', '4'], ['98', '1'], ['97', '1']], []),
      snap(D2_START + 9 * S, [['99', '1']], [['99.5', '1']]), // at toUs: left to the live samples
    ];
    write('20240102', dataFileName('book', 'BTC/USDT', '20240102'), bookHeader(3) + rows.map((r) => bookRow(r, 3)).join(''));
    const bars = await loadBookBars({ dataDir, stream, interval: '5s', fromUs: D2_START, toUs: D2_START + 9 * S }, 2);
    const s1 = spreadBps(100, 101);
    const s2 = spreadBps(100, 100.5);
    expect(bars).toHaveLength(2);
    expect(bars[0].ts).toBe(D2_START);
    expect(bars[0].spreadN).toBe(2);
    expect(bars[0].spreadSum).toBeCloseTo(s1 + s2, 10);
    expect(bars[0].imbalanceSum).toBeCloseTo((4 - 4) / 8 + 0, 12);
    expect(bars[0].imbalanceN).toBe(2);
    // one-sided: no spread, imbalance +1 over the top 2
    expect(bars[1]).toEqual({ ts: D2_START + 5 * S, spreadSum: 0, spreadN: 0, imbalanceSum: topImbalance([['99', '4'], ['98', '1']], [], 2), imbalanceN: 1 });
  });
});
