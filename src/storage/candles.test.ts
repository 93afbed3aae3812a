import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Trade } from '../core/events.js';
import { CANDLES_HEADER, CandleDayFiles, TradeDayFiles, candleFileName, type CandleRow } from './candles.js';
import { openDuckDb } from './parquet/duckdb.js';
import { readCsv } from './read.js';

const T0 = 1_767_225_600_000_000; // 2026-01-01 µs
const row = (i: number, over: Partial<CandleRow> = {}): CandleRow => ({
  ts: T0 + i * 60_000_000, open: '100.10', high: '101', low: '99.5', close: '100.25', volume: '0.00012', trades: 7, synthetic: false, ...over,
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mf-candles-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('candle day files', () => {
  it('names files in the data layout and rejects bad timeframes', () => {
    expect(candleFileName('BTC/USDT', '1m', '20260101')).toBe('candles_BTCUSDT_1m_20260101.csv.gz');
    expect(() => candleFileName('BTC/USDT', '../x', '20260101')).toThrow(/MF_ERR_USAGE/);
  });

  it('writes sorted rows with the header, a Parquet copy and the coverage; reads them back', async () => {
    const files = new CandleDayFiles({ dataDir: dir, venue: 'binance', symbol: 'BTC/USDT', timeframe: '1m' });
    const rows = [row(1), row(0, { trades: -1 }), row(2, { open: '100.25', high: '100.25', low: '100.25', close: '100.25', volume: '0', trades: 0, synthetic: true })];
    await files.write('20260101', { rows, coverage: [[T0, T0 + 180_000_000]] });
    const path = files.path('20260101');
    expect(path).toBe(join(dir, 'binance', 'BTCUSDT', '20260101', 'candles_BTCUSDT_1m_20260101.csv.gz'));
    const csv = await readCsv(path);
    expect(csv.header.join(',') + '\n').toBe(CANDLES_HEADER);
    expect(csv.rows).toEqual([
      [String(T0), '100.10', '101', '99.5', '100.25', '0.00012', '', '0'],
      [String(T0 + 60_000_000), '100.10', '101', '99.5', '100.25', '0.00012', '7', '0'],
      [String(T0 + 120_000_000), '100.25', '100.25', '100.25', '100.25', '0', '0', '1'],
    ]);
    const back = await files.read('20260101');
    expect(back.rows).toEqual([rows[1], rows[0], rows[2]]);
    expect(back.coverage).toEqual([[T0, T0 + 180_000_000]]);
    const db = await openDuckDb();
    try {
      const reader = await db.connection.runAndReadAll(
        `select timestamp, open, open_text, trades, synthetic from '${path.replace('.csv.gz', '.parquet')}' order by timestamp`);
      expect(reader.getRowObjectsJson()).toEqual([
        { timestamp: String(T0), open: 100.1, open_text: '100.10', trades: null, synthetic: '0' },
        { timestamp: String(T0 + 60_000_000), open: 100.1, open_text: '100.10', trades: '7', synthetic: '0' },
        { timestamp: String(T0 + 120_000_000), open: 100.25, open_text: '100.25', trades: '0', synthetic: '1' },
      ]);
    } finally {
      db.close();
    }
    const names = await readdir(join(dir, 'binance', 'BTCUSDT', '20260101'));
    expect(names.filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('a missing day reads as empty with no coverage', async () => {
    const files = new CandleDayFiles({ dataDir: dir, venue: 'binance', symbol: 'BTC/USDT', timeframe: '5m' });
    expect(await files.read('20260102')).toEqual({ rows: [], coverage: [] });
  });
});

describe('trade day files', () => {
  const trade = (i: number): Trade => ({
    type: 'trade', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: T0 + i * 1000, localTs: T0 + i * 1000 + 5,
    id: String(500 + i), price: '60000.01', amount: '0.001', side: i % 2 ? 'sell' : 'buy',
  });

  it('writes the recorder trades layout and reads it back', async () => {
    const files = new TradeDayFiles({ dataDir: dir, venue: 'binance', symbol: 'BTC/USDT', parquet: false });
    await files.write('20260101', { rows: [trade(0), trade(1)], coverage: [[T0, T0 + 5000]] });
    const csv = await readCsv(files.path('20260101'));
    expect(csv.header).toEqual(['timestamp', 'price', 'qty', 'side', 'id', 'local_timestamp']);
    expect(csv.rows[1]).toEqual([String(T0 + 1000), '60000.01', '0.001', 'sell', '501', String(T0 + 1005)]);
    expect(await files.read('20260101')).toEqual({ rows: [trade(0), trade(1)], coverage: [[T0, T0 + 5000]] });
  });

  it('refuses a trades file a recorder is still writing', async () => {
    const files = new TradeDayFiles({ dataDir: dir, venue: 'binance', symbol: 'BTC/USDT', parquet: false });
    await files.write('20260101', { rows: [trade(0)], coverage: [] });
    const day = join(dir, 'binance', 'BTCUSDT', '20260101');
    await mkdir(day, { recursive: true });
    await writeFile(join(day, '.trades_BTCUSDT_20260101.csv.gz.writing'), '1\n');
    await expect(files.read('20260101')).rejects.toThrow(/MF_ERR_USAGE.*being written by a recorder/);
  });
});
