import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendPartialMember, snapshot, trade, writeDay } from '../../../test/data-dir.js';
import { readCsv } from '../read.js';
import { convertDay, parquetPathFor, writeParquet } from './convert.js';
import { openDuckDb, type DuckDb } from './duckdb.js';
import { sqlString } from './columns.js';
import { scanCompleteMembers } from './source.js';

let dir: string;
let db: DuckDb;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mf-parquet-'));
  db = await openDuckDb();
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function parquet(path: string, select = '*'): Promise<{ types: Record<string, string>; rows: Record<string, unknown>[] }> {
  const described = await db.connection.runAndReadAll(`DESCRIBE SELECT ${select} FROM read_parquet(${sqlString(path)})`);
  const types: Record<string, string> = {};
  for (const r of described.getRowObjectsJson()) types[String(r.column_name)] = String(r.column_type);
  const read = await db.connection.runAndReadAll(`SELECT ${select} FROM read_parquet(${sqlString(path)})`);
  return { types, rows: read.getRowObjectsJS() as Record<string, unknown>[] };
}

// Prices chosen so a double cannot hold them exactly: the _text column must.
const TRADES = [
  trade('BTC/USDT', 0, '43000.12345678', '0.00100000'),
  trade('BTC/USDT', 1, '0.1', '0.2'),
  trade('BTC/USDT', 2, '12345678901234567.123456789012345678901', '3'),
  trade('BTC/USDT', 3, '43000.5', '1.5'),
  trade('BTC/USDT', 4, '43001', '2'),
];

describe('writeParquet', () => {
  it('converts a multi-member trades file with typed columns and exact text', async () => {
    const p = await writeDay(dir, { venue: 'binance', symbol: 'BTC/USDT', day: '20240101', trades: TRADES, rowsPerMember: 2 });
    expect((await scanCompleteMembers(p.trades)).members).toBe(3);
    const res = await writeParquet(p.trades, 'trades');
    expect(res).toMatchObject({ path: parquetPathFor(p.trades), rows: 5, written: true, truncated: false });
    expect(res.path.endsWith('trades_BTCUSDT_20240101.parquet')).toBe(true);

    const { types, rows } = await parquet(res.path);
    expect(types).toEqual({
      timestamp: 'BIGINT', price: 'DOUBLE', price_text: 'VARCHAR', qty: 'DOUBLE', qty_text: 'VARCHAR',
      side: 'VARCHAR', id: 'VARCHAR', local_timestamp: 'BIGINT',
    });
    const csv = await readCsv(p.trades);
    expect(rows.map((r) => [String(r.timestamp), r.price_text, r.qty_text, r.side, r.id, String(r.local_timestamp)])).toEqual(csv.rows);
    expect(rows.map((r) => r.price)).toEqual(TRADES.map((t) => Number(t.price)));
    // no temp file is left beside the result
    expect(readdirSync(p.dir).filter((n) => n.startsWith('.') && n.includes('tmp'))).toEqual([]);
  });

  it('stops at the last complete member of a file still being written', async () => {
    const p = await writeDay(dir, { venue: 'binance', symbol: 'ETH/USDT', day: '20240101', trades: TRADES.slice(0, 4), rowsPerMember: 2 });
    appendPartialMember(p.trades, '1700000000009000,9.75,1,buy,2001,1700000000009500\n'.repeat(20));
    const res = await writeParquet(p.trades, 'trades');
    expect(res).toMatchObject({ rows: 4, written: true, truncated: true });
    const { rows } = await parquet(res.path, 'id');
    expect(rows.map((r) => r.id)).toEqual(['1000', '1001', '1002', '1003']);
  });

  it('writes every book level as DOUBLE plus its text; missing levels are NULL', async () => {
    const rows = [
      snapshot(1, [['100.10', '1'], ['100.00', '2']], [['100.20', '3'], ['100.30', '4']]),
      snapshot(2, [['100.10', '0.5']], [['100.20', '3']]), // a thin book: level 2 empty
    ];
    const p = await writeDay(dir, { venue: 'binance', symbol: 'SOL/USDT', day: '20240101', book: { depth: 2, rows } });
    const res = await writeParquet(p.book, 'book');
    expect(res.rows).toBe(2);
    const { types, rows: got } = await parquet(res.path);
    expect(Object.keys(types)).toEqual([
      'timestamp', 'local_timestamp', 'update_id',
      'bid1_price', 'bid1_price_text', 'bid1_qty', 'bid1_qty_text', 'bid2_price', 'bid2_price_text', 'bid2_qty', 'bid2_qty_text',
      'ask1_price', 'ask1_price_text', 'ask1_qty', 'ask1_qty_text', 'ask2_price', 'ask2_price_text', 'ask2_qty', 'ask2_qty_text',
    ]);
    expect(types.update_id).toBe('BIGINT');
    expect(types.ask2_qty).toBe('DOUBLE');
    expect(got[0]).toMatchObject({ update_id: 501n, bid1_price: 100.1, bid1_price_text: '100.10', ask2_qty_text: '4' });
    expect(got[1]).toMatchObject({ bid1_qty_text: '0.5', bid2_price: null, bid2_price_text: null });
  });

  it('keeps ledger details with commas, quotes and line breaks', async () => {
    const events = [
      { eventId: 1, ts: 10, localTs: 11, kind: 'run_start' as const, detail: 'venue=binance symbols=ADA/USDT depth=5' },
      { eventId: 2, ts: 12, localTs: 13, kind: 'state' as const, state: 'SYNCED', detail: 'a "quoted", multi\nline detail' },
    ];
    const p = await writeDay(dir, { venue: 'binance', symbol: 'ADA/USDT', day: '20240101', events });
    const res = await writeParquet(p.events, 'events');
    const { types, rows } = await parquet(res.path);
    expect(types.event_id).toBe('BIGINT');
    expect(rows.map((r) => [r.event_id, r.kind, r.state, r.detail])).toEqual([
      [1n, 'run_start', null, events[0].detail],
      [2n, 'state', 'SYNCED', events[1].detail],
    ]);
  });

  it('rejects a path that is not a .csv.gz', async () => {
    await expect(writeParquet(join(dir, 'x.ndjson.gz'), 'trades')).rejects.toMatchObject({ code: 'MF_ERR_USAGE' });
  });
});

describe('convertDay', () => {
  it('converts every CSV output of a day, and the raw capture stays as it is', async () => {
    const p = await writeDay(dir, {
      venue: 'binance', symbol: 'XRP/USDT', day: '20240102', trades: TRADES,
      book: { depth: 1, rows: [snapshot(1, [['1', '2']], [['3', '4']])] },
      events: [{ eventId: 1, ts: 1, localTs: 2, kind: 'run_start', detail: 'x=1' }],
    });
    const results = await convertDay(p.dir);
    expect(results.map((r) => [r.kind, r.rows, r.written])).toEqual([['book', 1, true], ['events', 1, true], ['trades', 5, true]]);
    for (const r of results) expect(existsSync(r.path)).toBe(true);
  });
});
