import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendPartialMember, snapshot, trade, writeDay } from '../../../test/data-dir.js';
import { GzipLineWriter } from '../gzip-writer.js';
import { tradeRow } from '../csv.js';
import { writeParquet } from './convert.js';
import { DataQuery } from './query.js';

// Layout under test:
//   binance/BTCUSDT/20240101  trades (csv + parquet copy), book depth 2 (csv), events (csv)
//   binance/BTCUSDT/20240102  trades (csv, still being written: partial final member)
//   binance/ETHUSDT/20240101  trades (parquet only, csv removed), book depth 3 (parquet)
//   binance-futures/BTCUSDTUSDT/20240101  trades (csv), symbol.json absent: named from run_start
let dataDir: string;
let q: DataQuery;

const t = (i: number, price: string, qty: string, side: 'buy' | 'sell') => trade('x', i, price, qty, side);

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mf-query-'));
  const btc1 = await writeDay(dataDir, {
    venue: 'binance', symbol: 'BTC/USDT', day: '20240101', rowsPerMember: 2,
    trades: [t(0, '100.5', '1', 'buy'), t(1, '100.6', '2', 'sell'), t(2, '100.7', '3', 'buy')],
    book: { depth: 2, rows: [snapshot(1, [['100.1', '1'], ['100', '2']], [['100.2', '3'], ['100.3', '4']])] },
    events: [{ eventId: 1, ts: 1, localTs: 2, kind: 'run_start', detail: 'venue=binance symbols=BTC/USDT ETH/USDT depth=2' }],
  });
  await writeParquet(btc1.trades, 'trades'); // both forms now exist: must count once
  const btc2 = await writeDay(dataDir, {
    venue: 'binance', symbol: 'BTC/USDT', day: '20240102', trades: [t(10, '101', '4', 'sell')],
  });
  appendPartialMember(btc2.trades, '1700000000099000,999.9,9,buy,9999,1700000000099500\n'.repeat(30));
  const eth = await writeDay(dataDir, {
    venue: 'binance', symbol: 'ETH/USDT', day: '20240101',
    trades: [t(0, '2000.25', '0.5', 'buy')],
    book: { depth: 3, rows: [snapshot(1, [['1', '1'], ['0.9', '1'], ['0.8', '1']], [['1.1', '1'], ['1.2', '1'], ['1.3', '7.5']])] },
  });
  await writeParquet(eth.trades, 'trades');
  await writeParquet(eth.book, 'book');
  rmSync(eth.trades);
  rmSync(eth.book);
  await writeDay(dataDir, {
    venue: 'binance-futures', symbol: 'BTC/USDT:USDT', day: '20240101',
    trades: [t(0, '100.4', '5', 'buy'), t(1, '100.4', '6', 'buy')],
    events: [{ eventId: 1, ts: 1, localTs: 2, kind: 'run_start', detail: 'venue=binance-futures symbols=BTC/USDT:USDT depth=5' }],
  });
  q = await DataQuery.open({ dataDir });
});
afterAll(async () => {
  await q?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('DataQuery', () => {
  it('defines the views that have files', () => {
    expect(q.views).toEqual(['trades', 'book', 'events']);
  });

  it('counts a stem with both .csv.gz and .parquet once, and never a partial member', async () => {
    const { rows } = await q.all(
      'select venue, symbol, symbol_fs, date, count(*) n, sum(qty) q from trades group by all order by all');
    expect(rows).toEqual([
      ['binance', 'BTC/USDT', 'BTCUSDT', '20240101', 3, 6],
      ['binance', 'BTC/USDT', 'BTCUSDT', '20240102', 1, 4],
      ['binance', 'ETH/USDT', 'ETHUSDT', '20240101', 1, 0.5],
      ['binance-futures', 'BTC/USDT:USDT', 'BTCUSDTUSDT', '20240101', 2, 11],
    ]);
    const files = await q.all("select kind, format, date from data_files where symbol = 'BTC/USDT' order by all");
    expect(files.rows).toEqual([
      ['book', 'csv', '20240101'], ['events', 'csv', '20240101'], ['trades', 'csv', '20240102'], ['trades', 'parquet', '20240101'],
    ]);
  });

  it("answers the issue's example, with qty typed and its exact text kept", async () => {
    const { columns, rows } = await q.all(
      "select side, count(*), sum(qty::double) from trades where symbol='BTC/USDT' group by 1 order by 1");
    expect(columns.map((c) => c.type)).toEqual(['VARCHAR', 'BIGINT', 'DOUBLE']);
    expect(rows).toEqual([['buy', 2, 4], ['sell', 2, 6]]);
    const text = await q.all("select price, price_text from trades where symbol = 'ETH/USDT'");
    expect(text.rows).toEqual([[2000.25, '2000.25']]);
  });

  it('lines up books of different depths by name, across CSV and Parquet', async () => {
    const { columns, rows } = await q.all('select symbol, bid1_price, bid3_price, ask3_qty_text from book order by symbol');
    expect(columns.map((c) => c.type)).toEqual(['VARCHAR', 'DOUBLE', 'DOUBLE', 'VARCHAR']);
    expect(rows).toEqual([['BTC/USDT', 100.1, null, null], ['ETH/USDT', 1, 0.8, '7.5']]);
  });

  it('reads the ledger', async () => {
    const { rows } = await q.all("select venue, event_id, kind from events order by venue");
    expect(rows).toEqual([['binance', 1, 'run_start'], ['binance-futures', 1, 'run_start']]);
  });

  it('reports bad SQL and unknown views as MF_ERR_USAGE with one line', async () => {
    await expect(q.all('selec 1')).rejects.toMatchObject({ code: 'MF_ERR_USAGE', message: expect.stringMatching(/^[^\n]*Parser Error[^\n]*$/) });
    await expect(q.all('select * from candles')).rejects.toMatchObject({ message: expect.stringMatching(/Catalog Error.*views: trades, book, events, data_files/) });
  });
});

describe('DataQuery.open', () => {
  it('refuses a missing or empty data dir', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'mf-query-empty-'));
    try {
      mkdirSync(join(empty, 'binance', 'BTCUSDT', '20240101'), { recursive: true });
      await expect(DataQuery.open({ dataDir: empty })).rejects.toMatchObject({ code: 'MF_ERR_USAGE', message: expect.stringContaining('no trades, book or events files') });
      await expect(DataQuery.open({ dataDir: join(empty, 'nope') })).rejects.toMatchObject({ code: 'MF_ERR_USAGE', message: expect.stringContaining('does not exist') });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('names a symbol from symbol.json before anything else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mf-query-meta-'));
    try {
      await writeDay(dir, { venue: 'okx', symbol: 'BTC-USDT-SWAP', day: '20240101', trades: [t(0, '1', '1', 'buy')] });
      writeFileSync(join(dir, 'okx', 'BTCUSDTSWAP', 'symbol.json'), '{"symbol":"BTC/USDT:USDT"}');
      const q2 = await DataQuery.open({ dataDir: dir });
      try {
        expect((await q2.all('select symbol, symbol_fs from trades')).rows).toEqual([['BTC/USDT:USDT', 'BTCUSDTSWAP']]);
        expect(q2.views).toEqual(['trades']);
      } finally {
        await q2.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prefers the CSV when it changed after its Parquet copy was made (the copy is stale)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mf-query-stale-'));
    try {
      const p = await writeDay(dir, { venue: 'binance', symbol: 'BTC/USDT', day: '20240101', trades: [t(0, '1', '1', 'buy')] });
      await writeParquet(p.trades, 'trades');
      const count = async (): Promise<unknown[][]> => {
        const q2 = await DataQuery.open({ dataDir: dir });
        try {
          return (await q2.all('select (select count(*) from trades), (select format from data_files)')).rows;
        } finally {
          await q2.close();
        }
      };
      expect(await count()).toEqual([[1, 'parquet']]);
      await new Promise((r) => setTimeout(r, 20)); // a visibly later mtime on coarse-clock filesystems
      const w = new GzipLineWriter({ path: p.trades, onError: (e) => { throw e; } }); // a restart appending
      w.write(tradeRow(t(1, '2', '2', 'sell')));
      await w.close();
      expect(await count()).toEqual([[2, 'csv']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
