import { describe, expect, it } from 'vitest';
import { crc32Text, toUint32 } from './checksum.js';
import { OrderBook } from './order-book.js';

describe('checksum helpers', () => {
  it('computes the standard CRC32 (check value of "123456789")', () => {
    expect(crc32Text('123456789')).toBe(0xcbf43926);
    expect(crc32Text('')).toBe(0);
  });

  it('normalises signed and text checksums to unsigned 32-bit', () => {
    expect(toUint32(-1)).toBe(0xffffffff);
    expect(toUint32('-889275714')).toBe(3405691582);
    expect(toUint32(3405691582)).toBe(3405691582);
    expect(toUint32('x')).toBeNaN();
    expect(toUint32(1.5)).toBeNaN();
  });
});

describe('OrderBook.truncate', () => {
  it('keeps only the best levels of each side', () => {
    const b = new OrderBook(10);
    b.loadSnapshot([['100', '1'], ['99', '1'], ['98', '1'], ['97', '1']], [['101', '1'], ['102', '1'], ['103', '1']]);
    b.truncate(2);
    expect(b.bids.topRows(10)).toEqual([['100', '1'], ['99', '1']]);
    expect(b.asks.topRows(10)).toEqual([['101', '1'], ['102', '1']]);
    b.truncate(5);
    expect(b.size).toBe(4);
  });
});
