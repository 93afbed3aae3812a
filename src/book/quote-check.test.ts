import { describe, expect, it } from 'vitest';
import { OrderBook } from './order-book.js';
import { QuoteCheck } from './quote-check.js';

function book(): OrderBook {
  const b = new OrderBook(5);
  b.loadSnapshot([['0.35210000', '672.00000000'], ['0.35200000', '10.00000000']], [['0.35250000', '1123.00000000']]);
  return b;
}
const q = (updateId: number, bid = '0.35210000', bidQty = '672.00000000', ask = '0.35250000', askQty = '1123.00000000') =>
  ({ updateId, bidPrice: bid, bidAmount: bidQty, askPrice: ask, askAmount: askQty });

describe('QuoteCheck', () => {
  it('compares when the book stands at the quote id, numerically', () => {
    const c = new QuoteCheck();
    expect(c.offer(q(10), 10, book())).toBe('match');
    expect(c.offer(q(10, '0.3521', '672'), 10, book())).toBe('match');
    expect(c.offer(q(10, '0.35210000', '671.00000000'), 10, book())).toBe('mismatch');
    expect(c.expected).toContain('671.00000000');
    expect(c.got).toContain('672.00000000');
    expect([c.checks, c.mismatches]).toEqual([3, 1]);
  });

  it('skips quotes the book has passed, waits for quotes ahead of it', () => {
    const c = new QuoteCheck();
    expect(c.offer(q(9), 10, book())).toBe('skip');
    expect(c.offer(q(12), 10, book())).toBe('pending');
    expect(c.waiting).toBe(true);
    expect(c.reached(11, book())).toBe('skip');
    expect(c.waiting).toBe(true);
    expect(c.reached(12, book())).toBe('match');
    expect(c.waiting).toBe(false);
    expect(c.offer(q(15), 10, book())).toBe('pending');
    expect(c.reached(17, book())).toBe('skip'); // jumped over: the state at 15 is gone
    expect(c.checks).toBe(1);
  });

  it('reset drops a waiting quote', () => {
    const c = new QuoteCheck();
    c.offer(q(12), 10, book());
    c.reset();
    expect(c.reached(12, book())).toBe('skip');
  });
});
