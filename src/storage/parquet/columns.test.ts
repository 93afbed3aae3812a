import { describe, expect, it } from 'vitest';
import { TRADES_HEADER, EVENTS_HEADER, bookHeader } from '../csv.js';
import { canonicalSources, castFromCsv, sourcesOfTyped, typedColumns } from './columns.js';

const header = (h: string): string[] => h.trim().split(',');

describe('typedColumns', () => {
  it('types the writers’ own headers, prices and quantities with their exact text', () => {
    expect(typedColumns('trades', header(TRADES_HEADER)).map((c) => `${c.name}:${c.type}`)).toEqual([
      'timestamp:BIGINT', 'price:DOUBLE', 'price_text:VARCHAR', 'qty:DOUBLE', 'qty_text:VARCHAR',
      'side:VARCHAR', 'id:VARCHAR', 'local_timestamp:BIGINT',
    ]);
    expect(typedColumns('events', header(EVENTS_HEADER)).map((c) => c.type)).toEqual(
      ['BIGINT', 'BIGINT', 'BIGINT', 'VARCHAR', 'VARCHAR', 'VARCHAR']);
    const book = typedColumns('book', header(bookHeader(5)));
    expect(book).toHaveLength(3 + 4 * 5 * 2);
    expect(book.filter((c) => c.type === 'DOUBLE')).toHaveLength(20);
  });

  it('orders union columns of different book depths as bids 1..N then asks 1..N', () => {
    const union = new Set([...header(bookHeader(1)), ...header(bookHeader(2))]);
    expect(canonicalSources('book', ['extra', ...union].reverse())).toEqual([
      'timestamp', 'local_timestamp', 'update_id',
      'bid1_price', 'bid1_qty', 'bid2_price', 'bid2_qty', 'ask1_price', 'ask1_qty', 'ask2_price', 'ask2_qty', 'extra',
    ]);
  });

  it('maps Parquet names back to their CSV sources', () => {
    const typed = typedColumns('trades', header(TRADES_HEADER)).map((c) => c.name);
    expect(sourcesOfTyped(typed).sort()).toEqual(header(TRADES_HEADER).sort());
  });

  it('casts with TRY_CAST and quotes identifiers', () => {
    const [ts, price, priceText] = typedColumns('trades', ['timestamp', 'price']);
    expect(castFromCsv(ts, 'c')).toBe('TRY_CAST(c."timestamp" AS BIGINT) AS "timestamp"');
    expect(castFromCsv(price)).toBe('TRY_CAST("price" AS DOUBLE) AS "price"');
    expect(castFromCsv(priceText)).toBe('"price" AS "price_text"');
  });
});
