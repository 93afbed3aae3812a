import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BookSnapshot, Trade } from '../core/events.js';
import { EVENTS_HEADER, TRADES_HEADER, bookHeader, bookRow, eventRow, tradeRow } from '../storage/csv.js';
import { GzipLineWriter } from '../storage/gzip-writer.js';
import { readCsv } from '../storage/read.js';
import { bookDepthOf, checkBook, checkEvents, checkTrades, compareDecimal } from './validate-rows.js';

const dir = mkdtempSync(join(tmpdir(), 'mf-vrows-'));
let n = 0;

/** Writes `header` + rows with the recorder's own writer and reads the file back. */
async function file(header: string, rows: string[]): Promise<{ header: string[]; rows: string[][] }> {
  const w = new GzipLineWriter({ path: join(dir, `f${n++}.csv.gz`), header, onError: (e) => { throw e; } });
  for (const r of rows) w.write(r);
  await w.close();
  return readCsv(w.path);
}

const T0 = 1_700_000_000_000_000;
function trade(i: number, over: Partial<Trade> = {}): Trade {
  return { type: 'trade', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: T0 + i, localTs: T0 + 10 + i, id: String(100 + i), price: '100.5', amount: '0.25', side: 'buy', ...over };
}
function book(i: number, bids: [string, string][], asks: [string, string][], over: Partial<BookSnapshot> = {}): BookSnapshot {
  return { type: 'book_snapshot', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: T0 + i, localTs: T0 + 10 + i, depth: 3, updateId: 500 + i, bids, asks, ...over };
}
const BIDS: [string, string][] = [['100.2', '1'], ['100.1', '2'], ['99.9', '3']];
const ASKS: [string, string][] = [['100.3', '1'], ['100.35', '2']];

describe('compareDecimal', () => {
  it('orders decimal texts exactly', () => {
    expect(compareDecimal('100.1', '100.10')).toBe(0);
    expect(compareDecimal('99.99', '100')).toBeLessThan(0);
    expect(compareDecimal('0.00000002', '0.00000001')).toBeGreaterThan(0);
    expect(compareDecimal('12345678901234567.1', '12345678901234567.2')).toBeLessThan(0);
  });
});

describe('checkTrades', () => {
  it('accepts rows as the recorder writes them', async () => {
    const f = await file(TRADES_HEADER, [trade(1), trade(2, { side: 'sell' }), trade(3, { side: 'unknown' })].map(tradeRow));
    const c = checkTrades('t', f.header, f.rows);
    expect(c).toMatchObject({ rowsChecked: 3, rowsRejected: 0, examples: [] });
  });

  it('rejects bad schema and order, with reasons', async () => {
    const rows = [trade(1), trade(2, { price: '1e5' }), trade(3, { side: 'long' as Trade['side'] }), trade(4), trade(5, { id: '103' }), trade(6, { localTs: T0 })].map(tradeRow);
    rows.push('123,1.0,1.0,buy,7\n');
    const f = await file(TRADES_HEADER, rows);
    const c = checkTrades('t', f.header, f.rows);
    expect(c.rowsChecked).toBe(7);
    expect(c.rowsRejected).toBe(5);
    expect(c.examples).toEqual([
      'row 3: price "1e5" is not a positive decimal',
      'row 4: side "long" is not buy, sell or unknown',
      'row 6: trade id 103 does not increase (previous 104)',
      `row 7: local_timestamp ${T0} goes back (previous ${T0 + 15})`,
      'row 8: 5 fields, expected 6',
    ]);
  });

  it('restarts the order rules at a new run', async () => {
    const f = await file(TRADES_HEADER, [trade(5), trade(1, { localTs: T0 + 100 })].map(tradeRow));
    expect(checkTrades('t', f.header, f.rows).rowsRejected).toBe(1);
    expect(checkTrades('t', f.header, f.rows, [T0, T0 + 50]).rowsRejected).toBe(0);
  });

  it('a wrong header rejects the file', async () => {
    const f = await file('timestamp,price,amount,side,id,local_timestamp\n', [tradeRow(trade(1))]);
    const c = checkTrades('t', f.header, f.rows);
    expect(c.badHeader).toMatch(/expected/);
    expect(c.rowsRejected).toBe(1);
  });
});

describe('checkBook', () => {
  it('accepts rows as the recorder writes them, short sides padded at the tail', async () => {
    const f = await file(bookHeader(3), [book(1, BIDS, ASKS), book(2, BIDS.slice(0, 1), ASKS), book(2, [], ASKS, { localTs: T0 + 13 })].map((b) => bookRow(b, 3)));
    expect(bookDepthOf(f.header)).toBe(3);
    const c = checkBook('b', f.header, f.rows);
    expect(c).toMatchObject({ rowsChecked: 3, rowsRejected: 0, depth: 3 });
  });

  it('finds unordered sides, crossed books, holes, zero amounts and order breaks', async () => {
    const rows = [
      book(1, [['100.1', '1'], ['100.2', '1']], ASKS),
      book(2, BIDS, [['100.35', '1'], ['100.3', '1']]),
      book(3, [['100.4', '1']], ASKS),
      book(4, BIDS, [['100.3', '0']]),
      book(5, BIDS, ASKS),
      book(6, BIDS, ASKS, { updateId: 400 }),
      book(7, BIDS, ASKS, { localTs: T0 }),
    ].map((b) => bookRow(b, 3));
    rows.push(`${T0},${T0 + 20},600,100.2,1,,,99.9,3,100.3,1,,,,\n`);
    const f = await file(bookHeader(3), rows);
    const c = checkBook('b', f.header, f.rows);
    expect(c.rowsRejected).toBe(7);
    expect(c.examples).toEqual([
      'row 2: bid not strictly descending at level 2 (100.1 then 100.2)',
      'row 3: ask not strictly ascending at level 2 (100.35 then 100.3)',
      'row 4: crossed book: best bid 100.4 >= best ask 100.3',
      'row 5: ask1_qty "0" is not a positive decimal',
      'row 7: update_id 400 goes back (previous 505)',
    ]);
  });

  it('a header of another shape rejects the file', async () => {
    const f = await file('timestamp,local_timestamp,update_id,bid1_price,bid1_qty\n', ['1,2,3,4,5\n']);
    const c = checkBook('b', f.header, f.rows);
    expect(c.badHeader).toBeDefined();
    expect(c.rowsRejected).toBe(1);
  });
});

describe('checkEvents', () => {
  it('accepts ledger rows (quoted details too) and rejects repeated ids and unknown kinds', async () => {
    const rows = [
      eventRow({ eventId: 1, ts: T0, localTs: T0, kind: 'run_start', detail: 'venue=binance symbols=BTC/USDT' }),
      eventRow({ eventId: 2, ts: T0, localTs: T0, kind: 'reject', detail: 'bad, "quoted"\nframe' }),
      eventRow({ eventId: 2, ts: T0, localTs: T0, kind: 'state', state: 'SYNCED', detail: 'book' }),
      eventRow({ eventId: 3, ts: T0, localTs: T0, kind: 'party' as 'warn', detail: '' }),
    ];
    const f = await file(EVENTS_HEADER, rows);
    const c = checkEvents('e', f.header, f.rows);
    expect(c.rowsChecked).toBe(4);
    expect(c.examples).toEqual(['row 4: event_id 2 does not increase (previous 2)', 'row 5: kind "party" is not a ledger kind']);
  });
});
