import { describe, expect, it } from 'vitest';
import type { Level } from '../core/events.js';
import { LevelBatch } from './levels.js';
import { OrderBook } from './order-book.js';

function tops(b: OrderBook, n = 10): { bids: Level[]; asks: Level[] } {
  const bids: Level[] = [];
  const asks: Level[] = [];
  b.top(n, bids, asks);
  return { bids, asks };
}

describe('OrderBook', () => {
  it('inserts, replaces, deletes; unknown deletes are normal; top(n) is best first', () => {
    const b = new OrderBook(2, 2);
    b.set(1, 100, '100', '1');
    b.set(1, 102, '102', '2');
    b.set(1, 101, '101', '3');
    b.set(-1, 105, '105', '4');
    b.set(-1, 103, '103.0', '5');
    expect(tops(b)).toEqual({ bids: [['102', '2'], ['101', '3'], ['100', '1']], asks: [['103.0', '5'], ['105', '4']] });
    expect(b.set(1, 101, '101', '3')).toBe(false); // same amount: nothing changed
    expect(b.set(1, 101, '101', '7')).toBe(true); // rank 1 < depth 2
    expect(b.set(1, 100, '100', '8')).toBe(false); // rank 2: outside the top 2
    expect(b.delete(1, 99)).toBe(false); // unknown level
    expect(b.delete(1, 102)).toBe(true);
    expect(b.bestBidPriceText).toBe('101');
    expect(b.bestBidAmountText).toBe('7');
    expect(b.bestAskPrice).toBe(103);
    expect(b.size).toBe(4);
    expect(tops(b, 1)).toEqual({ bids: [['101', '7']], asks: [['103.0', '5']] });
  });

  it('loads snapshots (skipping zero amounts, any order) and reloads over an old book', () => {
    const b = new OrderBook(5);
    b.set(1, 1, '1', '1');
    expect(b.loadSnapshot([['10', '1'], ['9', '0'], ['8', '2']], [['11', '3'], ['12', '4']])).toBe(true);
    expect(tops(b)).toEqual({ bids: [['10', '1'], ['8', '2']], asks: [['11', '3'], ['12', '4']] });
    expect(b.loadSnapshot([['8', '2'], ['10', '1'], ['9', '5']], [])).toBe(true);
    expect(tops(b)).toEqual({ bids: [['10', '1'], ['9', '5'], ['8', '2']], asks: [] });
    expect(b.loadSnapshot([['x', '1']], [])).toBe(false);
    expect(b.size).toBe(0);
    expect(b.bestBidPriceText).toBeUndefined();
    expect(b.bestBidPrice).toBeNaN();
  });

  // apply() may say "changed" when a batch touched the top and then undid it (a rare false
  // positive the SyncEngine filters by comparing with the last emitted rows); it never misses one.
  it('apply() reports every top-N change, and matches a simple reference model over 5k random updates', () => {
    const N = 5;
    const book = new OrderBook(N, 4);
    const ref = [new Map<number, [string, string]>(), new Map<number, [string, string]>()];
    const refTop = (side: 0 | 1): Level[] =>
      [...ref[side].entries()].sort((x, y) => (side === 0 ? y[0] - x[0] : x[0] - y[0])).slice(0, N).map((e) => e[1]);
    let seed = 1;
    const rnd = (): number => { seed = (seed * 1664525 + 1013904223) >>> 0; return seed / 2 ** 32; };
    const batch = new LevelBatch();
    for (let step = 0; step < 5000; step++) {
      const before = JSON.stringify([refTop(0), refTop(1)]);
      batch.reset();
      const k = 1 + Math.floor(rnd() * 6);
      for (let j = 0; j < k; j++) {
        const bid = rnd() < 0.5;
        const ticks = 1 + Math.floor(rnd() ** 2 * 200);
        const price = bid ? 1000 - ticks : 1000 + ticks;
        const del = rnd() < 0.4;
        const amount = del ? '0' : String(1 + Math.floor(rnd() * 3));
        batch.push(bid ? 1 : -1, price / 100, (price / 100).toFixed(2), amount, del);
        const m = ref[bid ? 0 : 1];
        if (del) m.delete(price); else m.set(price, [(price / 100).toFixed(2), amount]);
      }
      const changed = book.apply(batch);
      const after = JSON.stringify([refTop(0), refTop(1)]);
      if (before !== after) expect(changed).toBe(true);
      if (!changed) expect(after).toBe(before);
      const t = tops(book, N);
      expect(JSON.stringify([t.bids, t.asks])).toBe(after);
    }
    expect(book.bids.size).toBe(ref[0].size);
    expect(book.asks.size).toBe(ref[1].size);
  });

  it('apply() takes repeated prices in wire order (the later entry wins)', () => {
    const b = new OrderBook(3);
    const batch = new LevelBatch();
    batch.push(1, 5, '5', '1', false);
    batch.push(1, 5, '5', '0', true);
    batch.push(-1, 6, '6', '0', true);
    batch.push(-1, 6, '6', '2', false);
    b.apply(batch);
    expect(tops(b)).toEqual({ bids: [], asks: [['6', '2']] });
  });
});

describe('OrderBook pages', () => {
  // Pages of 4 levels: thousands of splits, merges, emptied pages and regrowths over a deep book.
  it.each([4, 8, 32])('matches a reference model level for level with pages of %i', (pageSize) => {
    const N = 7;
    const book = new OrderBook(N, 2, pageSize);
    const ref = [new Map<number, string>(), new Map<number, string>()];
    const sorted = (side: 0 | 1): Level[] =>
      [...ref[side].entries()].sort((x, y) => (side === 0 ? y[0] - x[0] : x[0] - y[0])).map(([p, a]) => [String(p), a]);
    let seed = 11;
    const rnd = (): number => { seed = (seed * 1664525 + 1013904223) >>> 0; return seed / 2 ** 32; };
    const batch = new LevelBatch();
    for (let step = 0; step < 4000; step++) {
      if (step % 1000 === 999) {
        // Reload from a snapshot (best first), as after a resync.
        expect(book.loadSnapshot(sorted(0), sorted(1))).toBe(true);
      }
      const before = JSON.stringify([sorted(0).slice(0, N), sorted(1).slice(0, N)]);
      batch.reset();
      // Bursts that fill one region then drain it, so pages both split and empty.
      const k = 1 + Math.floor(rnd() * 10);
      const wide = step % 400 < 200 ? 600 : 60;
      for (let j = 0; j < k; j++) {
        const bid = rnd() < 0.5;
        const ticks = 1 + Math.floor(rnd() * wide);
        const price = bid ? 10000 - ticks : 10000 + ticks;
        const del = rnd() < (step % 400 < 200 ? 0.3 : 0.7);
        const amount = del ? '0' : String(1 + Math.floor(rnd() * 3));
        batch.push(bid ? 1 : -1, price, String(price), amount, del);
        const m = ref[bid ? 0 : 1];
        if (del) m.delete(price); else m.set(price, amount);
      }
      const changed = book.apply(batch);
      const after = JSON.stringify([sorted(0).slice(0, N), sorted(1).slice(0, N)]);
      if (before !== after) expect(changed).toBe(true);
      if (step % 50 === 0) {
        const t = tops(book, 100000);
        expect(t).toEqual({ bids: sorted(0), asks: sorted(1) });
        expect(book.bids.priceAt(book.bids.size - 1)).toBe(Number(sorted(0).at(-1)?.[0] ?? NaN));
      } else {
        expect(JSON.stringify([tops(book, N).bids, tops(book, N).asks])).toBe(after);
      }
      expect(book.bids.size).toBe(ref[0].size);
      expect(book.asks.size).toBe(ref[1].size);
    }
  });

  it('hands out one row per unchanged level, a new one when its amount changes', () => {
    const b = new OrderBook(3);
    b.set(1, 10, '10', '1');
    b.set(1, 9, '9', '2');
    const r1 = b.bids.topRows(3);
    expect(r1).toEqual([['10', '1'], ['9', '2']]);
    expect(b.bids.sameTop(3, r1)).toBe(true);
    b.set(1, 9, '9', '5');
    const r2 = b.bids.topRows(3);
    expect(r2[0]).toBe(r1[0]);
    expect(r2[1]).toEqual(['9', '5']);
    expect(r1[1]).toEqual(['9', '2']); // rows already handed out never change
    expect(b.bids.sameTop(3, r1)).toBe(false);
    // Changed and changed back: same texts, so the same top.
    b.set(1, 9, '9', '2');
    expect(b.bids.sameTop(3, r1)).toBe(true);
    expect(b.bids.topRows(3)[1]).toBe(r1[1]);
  });
});
