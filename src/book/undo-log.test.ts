// UndoLog: after any update (sets, deletes, a price twice, page splits and merges, the truncate to
// a kept depth), undo puts every level of both sides back exactly, texts included.
import { describe, expect, it } from 'vitest';
import type { Level } from '../core/events.js';
import { LevelBatch } from './levels.js';
import { OrderBook } from './order-book.js';
import { UndoLog } from './undo-log.js';

function all(book: OrderBook): { bids: Level[]; asks: Level[] } {
  return { bids: book.bids.topRows(1e9).map((r) => [r[0], r[1]]), asks: book.asks.topRows(1e9).map((r) => [r[0], r[1]]) };
}

function batch(levels: [1 | -1, string, string][]): LevelBatch {
  const b = new LevelBatch();
  for (const [side, p, a] of levels) b.push(side, Number(p), p, a, Number(a) === 0);
  return b;
}

/** Applies `levels` (then the truncate) with an undo log, undoes it, and checks the book is back. */
function applyAndUndo(book: OrderBook, levels: LevelBatch, keep = 0): void {
  const before = all(book);
  const log = new UndoLog();
  log.recordApply(book, levels);
  book.apply(levels);
  if (keep > 0) {
    log.recordTruncate(book, keep);
    book.truncate(keep);
  }
  log.undo(book);
  expect(log.size).toBe(0);
  expect(all(book)).toEqual(before);
}

describe('UndoLog', () => {
  it('takes back a change, an insert, a delete, an unknown delete and a price set twice', () => {
    const book = new OrderBook(2);
    book.loadSnapshot([['10', '1'], ['9', '2'], ['8', '3']], [['11', '1'], ['12', '2']]);
    applyAndUndo(book, batch([[1, '10', '5'], [1, '9.5', '1'], [1, '8', '0'], [-1, '13.5', '0'], [-1, '11', '4'], [-1, '11', '0'], [1, '9.5', '7']]));
    expect(book.bids.topRows(3)).toEqual([['10', '1'], ['9', '2'], ['8', '3']]);
    expect(book.asks.topRows(3)).toEqual([['11', '1'], ['12', '2']]);
  });

  it('takes back the truncate to the kept depth, levels the update pushed out included', () => {
    const book = new OrderBook(2);
    book.loadSnapshot([['10', '1'], ['9', '1'], ['8', '1']], [['11', '1'], ['12', '1'], ['13', '1']]);
    // two better bids push 9 and 8 out; 13 changes and is then cut; a new worst ask is cut at once
    applyAndUndo(book, batch([[1, '10.5', '1'], [1, '10.2', '1'], [-1, '13', '9'], [-1, '14', '1']]), 3);
  });

  it('puts random books back exactly, across page splits and merges', () => {
    let x = 7;
    const rnd = (n: number): number => ((x = (x * 1103515245 + 12345) % 2147483648) % n);
    const book = new OrderBook(5, 8, 4); // pages of 4 levels: every few inserts split, deletes merge
    const snapBids: [string, string][] = [];
    for (let p = 200; p > 100; p -= 2) snapBids.push([String(p), '1']);
    book.loadSnapshot(snapBids, [['201', '1'], ['203', '1']]);
    for (let round = 0; round < 300; round++) {
      const levels: [1 | -1, string, string][] = [];
      for (let i = rnd(12); i >= 0; i--) {
        const side = rnd(2) === 0 ? 1 : -1;
        const price = side === 1 ? 100 + rnd(101) : 201 + rnd(100);
        levels.push([side, String(price), rnd(3) === 0 ? '0' : `${1 + rnd(9)}.${rnd(10)}`]);
      }
      const b = batch(levels);
      applyAndUndo(book, b, round % 3 === 0 ? 30 : 0);
      // and move on with the update applied, so the next round starts from another book
      book.apply(b);
    }
  });
});
