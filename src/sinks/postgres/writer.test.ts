// PgWriter against the machine's PostgreSQL (127.0.0.1:5432, trust auth): each test owns a fresh
// database, dropped afterwards.
import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { MarketEvent } from '../../core/events.js';
import { silentLogger } from '../../core/log.js';
import { isoMicros, PgWriter } from './writer.js';

const ADMIN = 'postgresql://postgres@127.0.0.1:5432/test';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function freshDb(): Promise<string> {
  const name = `mf_w_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
  await admin(`CREATE DATABASE ${name}`);
  cleanups.push(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  return `postgresql://postgres@127.0.0.1:5432/${name}`;
}

async function open(url: string, init = true): Promise<PgWriter> {
  const w = await PgWriter.connect(url, { init, log: silentLogger });
  cleanups.push(() => w.close());
  return w;
}

async function rows(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

const base = { venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: 1_700_000_000_123_456, localTs: 1_700_000_000_200_000 };
const trade = (i: number): MarketEvent => ({ ...base, type: 'trade', ts: base.ts + i, id: String(i), price: '60000.10', amount: '0.00100000', side: i % 2 ? 'buy' : 'sell' });

describe('PgWriter', () => {
  it('--init creates the tables; a batch written twice adds each row once', async () => {
    const url = await freshDb();
    const w = await open(url);
    const batch: MarketEvent[] = [
      ...Array.from({ length: 50 }, (_, i) => trade(i)),
      { ...base, type: 'book_snapshot', depth: 2, updateId: 77, bids: [['60000.1', '1.5']], asks: [['60000.2', '0.25'], ['60001', '3']] },
      { ...base, type: 'quote', bidPrice: '60000.1', bidAmount: '1.5', askPrice: '60000.2', askAmount: '0.25' },
      { ...base, type: 'derivative', fundingRate: '0.0001', nextFundingTs: 1_700_003_600_000_000 },
      { ...base, type: 'gap', scope: 'book', expected: 'U<=10', got: 'U=12', action: 'resync', reason: 'missed updates' },
      { ...base, type: 'book_change', isSnapshot: false, bids: [['1', '2']], asks: [] },
    ];
    expect(await w.write(batch)).toEqual({ rows: batch.length, inserted: 54 });
    expect(await w.write(batch)).toEqual({ rows: batch.length, inserted: 0 });
    const t = await rows(url, 'SELECT venue, symbol, trade_id, ts::text, price::text, qty::text, side, time FROM trades ORDER BY ts LIMIT 1');
    expect(t[0]).toMatchObject({ venue: 'binance', symbol: 'BTC/USDT', trade_id: '0', ts: String(base.ts), price: '60000.10', qty: '0.00100000', side: 'sell' });
    expect((t[0].time as Date).getTime()).toBe(Math.floor(base.ts / 1000));
    const b = await rows(url, 'SELECT update_id::text, depth, bids, asks FROM book_top');
    expect(b).toEqual([{ update_id: '77', depth: 2, bids: [['60000.1', '1.5']], asks: [['60000.2', '0.25'], ['60001', '3']] }]);
    expect(await rows(url, 'SELECT count(*)::int AS n FROM quotes')).toEqual([{ n: 1 }]);
    expect(await rows(url, 'SELECT funding_rate::text AS f, next_funding_ts::text AS n, open_interest FROM derivatives')).toEqual([{ f: '0.0001', n: '1700003600000000', open_interest: null }]);
    expect(await rows(url, "SELECT type, body->>'expected' AS e FROM events")).toEqual([{ type: 'gap', e: 'U<=10' }]);
  });

  it('keeps microseconds in the timestamptz', () => {
    expect(isoMicros(1_700_000_000_123_456)).toBe('2023-11-14T22:13:20.123456Z');
    expect(isoMicros(5)).toBe('1970-01-01T00:00:00.000005Z');
  });

  it('a missing table, a missing database, a refused server and a bad URL are each one clear error', async () => {
    const url = await freshDb();
    await expect(PgWriter.connect(url, { init: false, log: silentLogger })).rejects.toThrow(/no table trades, book_top, quotes, derivatives, events: run once with --init/);
    await expect(PgWriter.connect('postgresql://postgres@127.0.0.1:5432/mf_no_such_db', { init: false, log: silentLogger })).rejects.toThrow(/database "mf_no_such_db" does not exist; create it first/);
    await expect(PgWriter.connect('postgresql://postgres@127.0.0.1:1/test', { init: false, log: silentLogger })).rejects.toThrow(/cannot connect to PostgreSQL at postgresql:\/\/postgres@127\.0\.0\.1:1\/test/);
    await expect(PgWriter.connect('mysql://x@y/z', { init: false, log: silentLogger })).rejects.toThrow(/is not a postgresql:\/\/ URL/);
  });
});
