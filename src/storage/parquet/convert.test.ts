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
import { LAYOUT_KEY, type StoredLayout } from './stored-layout.js';

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

async function layoutOf(path: string): Promise<StoredLayout | undefined> {
  const read = await db.connection.runAndReadAll(
    `SELECT decode(value) FROM parquet_kv_metadata(${sqlString(path)}) WHERE decode(key) = ${sqlString(LAYOUT_KEY)}`);
  const json = read.getRows()[0]?.[0];
  return json === undefined ? undefined : (JSON.parse(String(json)) as StoredLayout);
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
  it('converts a multi-member trades file: decimals at the part’s precision, exact text kept where they cannot hold it', async () => {
    const p = await writeDay(dir, { venue: 'binance', symbol: 'BTC/USDT', day: '20240101', trades: TRADES, rowsPerMember: 2 });
    expect((await scanCompleteMembers(p.trades)).members).toBe(3);
    const res = await writeParquet(p.trades, 'trades');
    expect(res).toMatchObject({ path: parquetPathFor(p.trades), rows: 5, written: true, truncated: false });
    expect(res.path.endsWith('trades_BTCUSDT_20240101.parquet')).toBe(true);

    const { types, rows } = await parquet(res.path);
    // prices have up to 8 significant fractional digits and 5 integer ones (the 17-digit one is left out)
    expect(types).toEqual({
      timestamp: 'BIGINT', price: 'DECIMAL(18,8)', price_verbatim: 'VARCHAR', qty: 'DECIMAL(9,3)', qty_verbatim: 'VARCHAR',
      side: 'VARCHAR', id: 'VARCHAR', local_timestamp: 'BIGINT',
    });
    const csv = await readCsv(p.trades);
    expect(rows.map((r) => [String(r.timestamp), r.side, r.id, String(r.local_timestamp)])).toEqual(csv.rows.map((r) => [r[0], r[3], r[4], r[5]]));
    // trimmed text is the majority format; 0.00100000 (padded) and the 39-digit price keep their text
    expect(rows.map((r) => [r.price_verbatim, r.qty_verbatim])).toEqual([
      [null, '0.00100000'], [null, null], ['12345678901234567.123456789012345678901', null], [null, null], [null, null],
    ]);
    expect(rows.map((r) => (r.price === null ? null : String(r.price)))).toEqual(['43000.12345678', '0.1', null, '43000.5', '43001']);
    expect(await layoutOf(res.path)).toMatchObject({ plain: ['timestamp', 'side', 'id', 'local_timestamp'] });
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

  it('writes the top book level as columns and the levels below as one list per side and field', async () => {
    const rows = [
      snapshot(1, [['100.10', '1.00'], ['100.00', '2.50']], [['100.20', '3.00'], ['100.30', '4.00']]),
      snapshot(2, [['100.10', '0.50']], [['100.20', '3.00']]), // a thin book: level 2 empty
      snapshot(3, [['100.1', '1.00'], ['100.00', '2.50']], [['100.20', '3.00'], ['100.30', '4.00']]), // one trimmed price
    ];
    const p = await writeDay(dir, { venue: 'binance', symbol: 'SOL/USDT', day: '20240101', book: { depth: 2, rows } });
    const res = await writeParquet(p.book, 'book');
    expect(res.rows).toBe(3);
    const { types, rows: got } = await parquet(res.path);
    expect(types).toEqual({
      timestamp: 'BIGINT', local_timestamp: 'BIGINT', update_id: 'BIGINT',
      bid1_price: 'DECIMAL(9,1)', bid1_price_verbatim: 'VARCHAR', bid1_qty: 'DECIMAL(9,1)', bid1_qty_verbatim: 'VARCHAR',
      bid_prices: 'DECIMAL(9,0)[]', bid_prices_verbatim: 'VARCHAR[]', bid_qtys: 'DECIMAL(9,1)[]', bid_qtys_verbatim: 'VARCHAR[]',
      ask1_price: 'DECIMAL(9,1)', ask1_price_verbatim: 'VARCHAR', ask1_qty: 'DECIMAL(9,0)', ask1_qty_verbatim: 'VARCHAR',
      ask_prices: 'DECIMAL(9,1)[]', ask_prices_verbatim: 'VARCHAR[]', ask_qtys: 'DECIMAL(9,0)[]', ask_qtys_verbatim: 'VARCHAR[]',
    });
    expect(got[0]).toMatchObject({ update_id: 501n, bid1_price_verbatim: null, bid_prices_verbatim: null });
    const levels = await db.connection.runAndReadAll(
      `SELECT bid1_price::VARCHAR, bid1_price_verbatim, bid_prices::VARCHAR[], bid_qtys::VARCHAR[] FROM read_parquet(${sqlString(res.path)})`);
    expect(levels.getRowsJson()).toEqual([
      ['100.1', null, ['100'], ['2.5']], ['100.1', null, [null], [null]], [null, '100.1', ['100'], ['2.5']],
    ]);
    const layout = await layoutOf(res.path);
    expect(layout?.decimal.map((d) => [d.name, d.sources, d.list, d.format.text])).toEqual([
      ['bid1_price', ['bid1_price'], false, 2], ['bid1_qty', ['bid1_qty'], false, 2],
      ['bid_prices', ['bid2_price'], true, 2], ['bid_qtys', ['bid2_qty'], true, 2],
      ['ask1_price', ['ask1_price'], false, 2], ['ask1_qty', ['ask1_qty'], false, 2],
      ['ask_prices', ['ask2_price'], true, 2], ['ask_qtys', ['ask2_qty'], true, 2],
    ]);
  });

  it('keeps file order (receive order) in row groups of the given size, each with its time range', async () => {
    const trades = Array.from({ length: 5000 }, (_, i) => ({ ...trade('ADA/USDT', i, (1 + (i % 7) / 100).toFixed(4), '1'), localTs: 1_700_000_000_000_000 + Math.floor(i / 3) }));
    const p = await writeDay(dir, { venue: 'binance', symbol: 'ADA/USDT', day: '20240103', trades, rowsPerMember: 1000 });
    const res = await writeParquet(p.trades, 'trades', { rowGroupSize: 2048 });
    const { rows } = await parquet(res.path, 'id');
    expect(rows.map((r) => r.id)).toEqual(trades.map((t) => t.id));
    const groups = await db.connection.runAndReadAll(`SELECT row_group_id, stats_min::BIGINT, stats_max::BIGINT ` +
      `FROM parquet_metadata(${sqlString(res.path)}) WHERE path_in_schema = 'local_timestamp' ORDER BY 1`);
    const ranges = groups.getRows().map((r) => [Number(r[1]), Number(r[2])]);
    expect(ranges).toHaveLength(3);
    expect(ranges[0][0]).toBe(trades[0].localTs);
    expect(ranges[2][1]).toBe(trades[4999].localTs);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).toBeGreaterThanOrEqual(ranges[i - 1][1]);
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
