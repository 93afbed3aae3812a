import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BookSnapshot, Trade } from '../core/events.js';
import type { MarketfeedError } from '../core/errors.js';
import { parseRawLine } from './csv.js';
import { dataFileName, dayPaths, openPathOf } from './layout.js';
import { ParquetQueue } from './parquet-queue.js';
import { readCsv, readGzipLines } from './read.js';
import { SymbolStore, type StoreOutputs } from './symbol-store.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mf-store-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

const DAY1 = Date.UTC(2024, 0, 1) * 1000; // 2024-01-01T00:00Z in µs
const DAY2 = Date.UTC(2024, 0, 2) * 1000;
const ALL: StoreOutputs = { raw: true, trades: true, book: true, events: true };

const trade = (localTs: number, id: string): Trade => ({
  type: 'trade', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: localTs - 1000, localTs,
  id, price: '42000.10', amount: '0.5', side: 'buy',
});
const book = (localTs: number, updateId: number): BookSnapshot => ({
  type: 'book_snapshot', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: localTs - 500, localTs,
  depth: 2, updateId, bids: [['41999.9', '1.2']], asks: [['42000.1', '0.3'], ['42000.2', '4']],
});
const frame = (localTs: number, recvSeq: number) =>
  ({ venue: 'binance', connId: 1, recvSeq, localTs, dir: 'in' as const, data: `{"e":"trade","t":${recvSeq}}` });

function store(over: Partial<ConstructorParameters<typeof SymbolStore>[0]> = {}) {
  const errors: MarketfeedError[] = [];
  const s = new SymbolStore({
    dataDir, venueLabel: 'binance', symbol: 'BTC/USDT', depth: 2, outputs: ALL, onError: (e) => errors.push(e), ...over,
  });
  return { s, errors };
}
const day1 = () => dayPaths(dataDir, 'binance', 'BTC/USDT', '20240101');
const day2 = () => dayPaths(dataDir, 'binance', 'BTC/USDT', '20240102');

describe('SymbolStore', () => {
  it('writes raw, trades, book and events files into the day directory', async () => {
    const { s, errors } = store();
    const t0 = DAY1 + 3_600_000_000;
    s.raw(frame(t0, 1));
    s.trade(trade(t0 + 1, '1'));
    s.book(book(t0 + 2, 100));
    expect(s.ledger('connect', 'CONNECTED', 'connId=1', t0, t0)).toBe(1);
    expect(s.ledger('warn', undefined, 'slow, "very"', t0 + 3, t0 + 3)).toBe(2);
    await s.close();
    expect(errors).toEqual([]);

    const p = day1();
    expect((await readCsv(p.trades)).rows).toEqual([[String(t0 - 999), '42000.10', '0.5', 'buy', '1', String(t0 + 1)]]);
    const b = await readCsv(p.book);
    expect(b.header).toEqual(['timestamp', 'local_timestamp', 'update_id', 'bid1_price', 'bid1_qty', 'bid2_price', 'bid2_qty', 'ask1_price', 'ask1_qty', 'ask2_price', 'ask2_qty']);
    expect(b.rows).toEqual([[String(t0 - 498), String(t0 + 2), '100', '41999.9', '1.2', '', '', '42000.1', '0.3', '42000.2', '4']]);
    expect((await readCsv(p.events)).rows).toEqual([
      ['1', String(t0), String(t0), 'connect', 'CONNECTED', 'connId=1'],
      ['2', String(t0 + 3), String(t0 + 3), 'warn', '', 'slow, "very"'],
    ]);
    const raw = await readGzipLines(p.raw);
    expect(raw.lines.map((l) => parseRawLine(l, 'binance'))).toEqual([frame(t0, 1)]);
    expect(s.stats).toMatchObject({ rowsTrades: 1, rowsBook: 1, rowsEvents: 2, rawFrames: 1, writeErrors: 0, droppedRows: 0 });
    const onDisk = [p.raw, p.trades, p.book, p.events].reduce((n, f) => n + readFileSync(f).length, 0);
    expect(s.stats.bytesWritten).toBe(onDisk);
  });

  it('rolls over to the next UTC day by localTs; late rows stay in the open day', async () => {
    const { s } = store();
    s.trade(trade(DAY2 - 1, 'last-of-day1'));
    s.ledger('run_start', undefined, 'day1', DAY2 - 1, DAY2 - 1);
    s.trade(trade(DAY2, 'first-of-day2'));
    s.trade(trade(DAY2 - 5, 'late')); // another connection's row, a little behind
    s.ledger('state', 'SYNCED', 'day2', DAY2, DAY2);
    await s.close();

    expect((await readCsv(day1().trades)).rows.map((r) => r[4])).toEqual(['last-of-day1']);
    const t2 = await readCsv(day2().trades);
    expect(t2.header[0]).toBe('timestamp'); // a new day file gets its own header
    expect(t2.rows.map((r) => r[4])).toEqual(['first-of-day2', 'late']);
    // Event ids start again in a new day directory.
    expect((await readCsv(day1().events)).rows.map((r) => r[0])).toEqual(['1']);
    expect((await readCsv(day2().events)).rows.map((r) => r[0])).toEqual(['1']);
    expect(s.stats.rowsTrades).toBe(3);
  });

  it('writes Parquet copies of a day when it ends (not of the day still open at close)', async () => {
    const queueErrors: MarketfeedError[] = [];
    const parquet = new ParquetQueue((e) => queueErrors.push(e));
    const { s, errors } = store({ parquet });
    s.trade(trade(DAY2 - 10, 'a'));
    s.book(book(DAY2 - 5, 7));
    s.ledger('run_start', undefined, 'day1', DAY2 - 10, DAY2 - 10);
    s.trade(trade(DAY2 + 1, 'b')); // rolls over: day 1 is finished
    await s.close();
    await parquet.drain();
    expect(errors).toEqual([]);
    expect(queueErrors).toEqual([]);
    expect(parquet.converted).toBe(3);
    const d1 = readdirSync(day1().dir).filter((f) => f.endsWith('.parquet')).sort();
    expect(d1).toEqual(['book_BTCUSDT_20240101.parquet', 'events_BTCUSDT_20240101.parquet', 'trades_BTCUSDT_20240101.parquet']);
    expect(readdirSync(day2().dir).filter((f) => f.endsWith('.parquet'))).toEqual([]);
    const { DataQuery } = await import('./parquet/index.js');
    const q = await DataQuery.open({ dataDir });
    try {
      const rows = await q.all("select id, date from trades order by id");
      expect(rows.rows.map((r) => [r[0], r[1]])).toEqual([['a', '20240101'], ['b', '20240102']]);
    } finally {
      q.close();
    }
  });

  it('continues event ids after a restart within the same day', async () => {
    const a = store().s;
    a.ledger('run_start', undefined, 'first run', DAY1 + 1, DAY1 + 1);
    a.ledger('run_stop', undefined, 'line one\n2,looks like an id', DAY1 + 2, DAY1 + 2);
    await a.close();
    const b = store().s;
    expect(b.ledger('run_start', undefined, 'second run', DAY1 + 3, DAY1 + 3)).toBe(3);
    await b.close();
    // a finished part is never appended to: the second run writes part 1
    expect((await readCsv(day1().events)).rows.map((r) => r[0])).toEqual(['1', '2']);
    const part1 = join(day1().dir, dataFileName('events', 'BTC/USDT', '20240101', 1));
    expect((await readCsv(part1)).rows.map((r) => r[0])).toEqual(['3']);
  });

  it('continues event ids from snapshot names when the events file is off', async () => {
    const outputs = { ...ALL, events: false };
    const a = store({ outputs }).s;
    const id = a.ledger('snapshot', undefined, 'rest', DAY1 + 1, DAY1 + 1);
    await a.snapshot(id, 'rest', '{}', DAY1 + 1);
    await a.close();
    const b = store({ outputs }).s;
    expect(b.ledger('snapshot', undefined, 'rest', DAY1 + 2, DAY1 + 2)).toBe(id + 1);
    await b.close();
    expect(existsSync(day1().events)).toBe(false);
  });

  it('saves snapshots atomically next to the ledger row that names them', async () => {
    const { s } = store();
    const body = JSON.stringify({ lastUpdateId: 1027024, bids: [['4.00000000', '431.00000000']], asks: [] });
    const id = s.ledger('snapshot', undefined, 'lastUpdateId=1027024', DAY1 + 10, DAY1 + 10);
    const rel = await s.snapshot(id, 'rest', body, DAY1 + 10);
    expect(rel).toBe(`snapshots/snapshot_${id}_rest.json`);
    expect(readFileSync(join(day1().dir, rel), 'utf8')).toBe(body);
    expect(readdirSync(day1().snapshots)).toEqual([`snapshot_${id}_rest.json`]); // no temp file left
    await s.close();
  });

  it('rejects a snapshot it cannot save, leaving no temp file', async () => {
    const { s } = store();
    mkdirSync(day1().dir, { recursive: true });
    writeFileSync(day1().snapshots, 'in the way'); // snapshots/ cannot be created
    await expect(s.snapshot(1, 'rest', '{}', DAY1 + 1)).rejects.toMatchObject({ code: 'MF_ERR_WRITE_FAILED' });
    expect(s.stats.writeErrors).toBe(1);
    await s.close();
  });

  it('ledgers rows dropped by a failing file as a storage gap', async () => {
    const { s, errors } = store({ maxPendingBytes: 200 });
    mkdirSync(openPathOf(day1().trades), { recursive: true }); // a directory where the trades file should be written
    for (let i = 0; i < 20; i++) s.trade(trade(DAY1 + 100 + i, String(i)));
    await s.flush();
    expect(errors.some((e) => e.code === 'MF_ERR_WRITE_FAILED' && e.path === openPathOf(day1().trades))).toBe(true);
    const dropped = s.stats.droppedRows;
    expect(dropped).toBeGreaterThan(0);
    const events = await readCsv(openPathOf(day1().events)); // still being written
    expect(events.rows).toHaveLength(1);
    expect(events.rows[0][3]).toBe('storage_gap');
    expect(events.rows[0][5]).toContain(`file=trades day=20240101 dropped_rows=${dropped}`);
    await s.flush(); // nothing new dropped: no second entry
    expect((await readCsv(openPathOf(day1().events))).rows).toHaveLength(1);

    rmSync(openPathOf(day1().trades), { recursive: true });
    await s.close();
    const trades = await readCsv(day1().trades);
    expect(trades.rows.map((r) => r[4])).toEqual(Array.from({ length: 20 - dropped }, (_, i) => String(dropped + i)));
  });

  it('ledgers drops found by the final flush before the ledger closes', async () => {
    const { s } = store({ maxPendingBytes: 100 });
    mkdirSync(openPathOf(day1().book), { recursive: true }); // the book file can never be written
    for (let i = 0; i < 10; i++) s.book(book(DAY1 + 100 + i, i));
    const droppedBeforeClose = s.stats.droppedRows;
    expect(droppedBeforeClose).toBeGreaterThan(0);
    await s.close();
    const rows = (await readCsv(day1().events)).rows;
    expect(rows.map((r) => r[3])).toEqual(['storage_gap']);
    expect(rows[0][5]).toContain(`file=book day=20240101 dropped_rows=${droppedBeforeClose}`);
    expect(s.stats.droppedRows).toBe(10); // the rows still pending at close are lost too, and counted
  });

  it('writes only the enabled outputs', async () => {
    const { s } = store({ outputs: { raw: false, trades: true, book: false, events: false } });
    s.raw(frame(DAY1 + 1, 1));
    s.trade(trade(DAY1 + 2, '1'));
    s.book(book(DAY1 + 3, 1));
    s.ledger('warn', undefined, 'x', DAY1 + 4, DAY1 + 4);
    await s.close();
    expect(readdirSync(day1().dir).filter((n) => !n.startsWith('.'))).toEqual(['trades_BTCUSDT_20240101.csv.gz']);
    expect(s.stats).toMatchObject({ rowsTrades: 1, rowsBook: 0, rowsEvents: 0, rawFrames: 0 });
  });

  it('close() is idempotent and counts rows offered afterwards', async () => {
    const { s } = store();
    s.trade(trade(DAY1 + 1, '1'));
    const first = s.close();
    expect(s.close()).toBe(first);
    await first;
    s.trade(trade(DAY1 + 2, '2'));
    expect(s.ledger('warn', undefined, 'late', DAY1 + 3, DAY1 + 3)).toBe(0);
    expect(s.stats.droppedRows).toBe(2);
    expect((await readCsv(day1().trades)).rows).toHaveLength(1);
    expect(readdirSync(day1().dir).filter((n) => n.endsWith('.writing'))).toEqual([]);
  });

  it('refuses bad names and depth up front', () => {
    expect(() => store({ venueLabel: '../x' })).toThrow(expect.objectContaining({ code: 'MF_ERR_CONFIG' }));
    expect(() => store({ symbol: '../..' })).toThrow(expect.objectContaining({ code: 'MF_ERR_CONFIG' }));
    expect(() => store({ depth: 0 })).toThrow(expect.objectContaining({ code: 'MF_ERR_CONFIG' }));
  });
});
