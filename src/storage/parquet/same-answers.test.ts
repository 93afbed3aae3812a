// A query gives the same answer from a part's .csv.gz and from its Parquet copy: every column
// and type of every view, every row, exact decimal text included — for padded venues, trimmed
// venues, a venue that mixes both, and text no DECIMAL can hold (signs, exponents, -0, 39 digits).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BookSnapshot, Trade } from '../../core/events.js';
import { snapshot, trade, writeDay } from '../../../test/data-dir.js';
import { castFromCsv, readCsvSql, sqlString, typedColumns } from './columns.js';
import { convertDay } from './convert.js';
import { openDuckDb } from './duckdb.js';
import { DataQuery } from './query.js';
import { readCsvHeader } from './source.js';

/** mulberry32: the same "random" data on every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD = [
  '-0', '-0.00', '+1.5', '1e-5', '1E3', '.5', '5.', '007.10', 'NaN', 'inf', '', ' 1.0', 'abc', '0', '0.0', '-12.34',
  '12345678901234567.123456789012345678901', '0.000000000000000000001', '9223372036854775807', '123456789012.345678',
  '1.000000000000000001', '99999999.9', '11342792883262581.2',
];

// 'huge': 18 significant digits, past what a DOUBLE holds exactly, where DuckDB's DECIMAL → DOUBLE
// can differ from its text → DOUBLE in the last bit (11342792883262581.2): such values stay verbatim.
type Style = 'padded' | 'trimmed' | 'mixed' | 'huge';

function decimalText(r: () => number, value: number, digits: number, style: Style): string {
  if (r() < 0.03) return ODD[Math.floor(r() * ODD.length)];
  if (style === 'huge') return `${1 + Math.floor(r() * 9)}${String(Math.floor(r() * 1e8)).padStart(8, '0')}${String(Math.floor(r() * 1e8)).padStart(8, '0')}.${Math.floor(r() * 10)}`;
  const padded = value.toFixed(digits);
  const trimmed = padded.includes('.') ? padded.replace(/0+$/, '').replace(/\.$/, '') : padded;
  if (style === 'padded') return padded;
  if (style === 'trimmed') return trimmed;
  return r() < 0.5 ? padded : trimmed;
}

function trades(seed: number, n: number, style: Style): Trade[] {
  const r = rng(seed);
  let mid = 43_000;
  return Array.from({ length: n }, (_, i) => {
    mid += Math.round((r() - 0.5) * 10) / 100;
    return trade('x', i, decimalText(r, mid, 8, style), decimalText(r, Math.round(r() * 1e5) / 1e5, 8, style), r() < 0.5 ? 'buy' : 'sell');
  });
}

function book(seed: number, n: number, depth: number, style: Style): BookSnapshot[] {
  const r = rng(seed);
  const side = (mid: number, dir: number): [string, string][] => {
    const levels = r() < 0.1 ? Math.floor(r() * depth) : depth; // a thin book now and then
    return Array.from({ length: levels }, (_, i) => [
      decimalText(r, mid + dir * (i + 1) * 0.01, 2 + (style === 'mixed' ? 6 : 0), style),
      decimalText(r, Math.round(r() * 1e5) / 1e5, 8, style),
    ]);
  };
  let mid = 2_000;
  return Array.from({ length: n }, (_, i) => {
    mid += Math.round((r() - 0.5) * 4) / 100;
    return snapshot(i, side(mid, -1), side(mid, 1));
  });
}

let csvDir: string;
let parquetDir: string;
let csvQuery: DataQuery;
let parquetQuery: DataQuery;

beforeAll(async () => {
  csvDir = await mkdtemp(join(tmpdir(), 'mf-same-csv-'));
  parquetDir = await mkdtemp(join(tmpdir(), 'mf-same-parquet-'));
  const events = [
    { eventId: 1, ts: 1, localTs: 2, kind: 'run_start' as const, detail: 'venue=x symbols=BTC/USDT depth=5' },
    { eventId: 2, ts: 3, localTs: 4, kind: 'state' as const, state: 'SYNCED', detail: 'a "quoted", multi\nline detail' },
  ];
  const days = [
    { venue: 'binance', symbol: 'BTC/USDT', style: 'padded' as const, depth: 5 },
    { venue: 'okx', symbol: 'ETH/USDT', style: 'trimmed' as const, depth: 3 },
    { venue: 'kraken', symbol: 'XBT/USD', style: 'mixed' as const, depth: 4 },
    { venue: 'mexc', symbol: 'PEPE/USDT', style: 'huge' as const, depth: 2 },
  ];
  for (const [i, d] of days.entries()) {
    await writeDay(csvDir, {
      venue: d.venue, symbol: d.symbol, day: '20240101', rowsPerMember: 97, events,
      trades: trades(i + 1, 700, d.style), book: { depth: d.depth, rows: book(i + 11, 500, d.depth, d.style) },
    });
  }
  // a Parquet copy as written before layouts existed (DOUBLE + _text columns) is still read alike
  const legacy = await writeDay(csvDir, { venue: 'bybit', symbol: 'SOL/USDT', day: '20240101', trades: trades(9, 300, 'mixed') });
  cpSync(csvDir, parquetDir, { recursive: true });
  for (const venue of readdirSync(parquetDir)) {
    for (const fs of readdirSync(join(parquetDir, venue))) {
      const dayDir = join(parquetDir, venue, fs, '20240101');
      if (venue === 'bybit') {
        const path = legacy.trades.replace(csvDir, parquetDir);
        const header = await readCsvHeader(path);
        const db = await openDuckDb();
        try {
          await db.connection.run(`COPY (SELECT ${typedColumns('trades', header).map((c) => castFromCsv(c)).join(', ')} ` +
            `FROM ${readCsvSql([path], header)}) TO ${sqlString(path.replace('.csv.gz', '.parquet'))} (FORMAT parquet)`);
        } finally {
          db.close();
        }
      } else {
        await convertDay(dayDir);
      }
      for (const name of readdirSync(dayDir)) if (name.endsWith('.csv.gz')) rmSync(join(dayDir, name));
    }
  }
  csvQuery = await DataQuery.open({ dataDir: csvDir });
  parquetQuery = await DataQuery.open({ dataDir: parquetDir });
});
afterAll(async () => {
  await csvQuery?.close();
  await parquetQuery?.close();
  rmSync(csvDir, { recursive: true, force: true });
  rmSync(parquetDir, { recursive: true, force: true });
});

describe('a query over Parquet copies', () => {
  it('reads only the copies', async () => {
    expect((await parquetQuery.all('select distinct format from data_files')).rows).toEqual([['parquet']]);
    expect((await csvQuery.all('select distinct format from data_files')).rows).toEqual([['csv']]);
  });

  it.each(['trades', 'book', 'events'])('answers select * from %s as the CSV does', async (view) => {
    const sql = `select * from ${view} order by all`;
    const [fromCsv, fromParquet] = [await csvQuery.all(sql), await parquetQuery.all(sql)];
    expect(fromParquet.columns).toEqual(fromCsv.columns);
    expect(fromCsv.rows.length).toBeGreaterThan(0);
    expect(fromParquet.rows).toEqual(fromCsv.rows);
  });

  it('keeps each odd text and the DOUBLE it parses to', async () => {
    const sql = 'select price_text, price, count(*) from trades where price_text is null or try_cast(price_text as decimal(18,8))::varchar is distinct from price_text group by all order by all';
    const [fromCsv, fromParquet] = [await csvQuery.all(sql), await parquetQuery.all(sql)];
    expect(fromParquet.rows).toEqual(fromCsv.rows);
    const texts = fromCsv.rows.map((r) => r[0]);
    for (const odd of ['-0', '+1.5', '1e-5', 'NaN', '12345678901234567.123456789012345678901', '123456789012.345678']) {
      expect(texts).toContain(odd);
    }
  });
});
