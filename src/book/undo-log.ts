// What an update changed in a book, so the book can be put back exactly as it was before it.
// Redundant A/B lines (venues/redundancy.ts): when an update's own checksum shows that the copy
// one line brought is bad, the book takes it back and the other line's copy is applied instead,
// with no gap and no resync. Only books of redundant symbols keep a log (SyncEngine.verifyCopies):
// the normal path neither reads nor writes one.
//
// An entry is one level as it stood before the change: side, price, and its texts, or no text
// when the level did not exist. Entries are undone newest first, so a price an update sets twice,
// or a level the update changed and the truncate then removed, ends up as it was first recorded.
import type { OrderBook } from './order-book.js';
import type { LevelBatchView } from './types.js';

export class UndoLog {
  private readonly sides: (1 | -1)[] = [];
  private readonly prices: number[] = [];
  /** undefined: the level was absent (undo deletes it). */
  private readonly priceTexts: (string | undefined)[] = [];
  private readonly amountTexts: string[] = [];

  /** Entries recorded since the last clear(). */
  get size(): number {
    return this.sides.length;
  }

  clear(): void {
    this.sides.length = 0;
    this.prices.length = 0;
    this.priceTexts.length = 0;
    this.amountTexts.length = 0;
  }

  /** Before `book.apply(levels)`: the levels the update touches, as they are now. */
  recordApply(book: OrderBook, levels: LevelBatchView): void {
    for (let i = 0; i < levels.length; i++) {
      const side = levels.sideAt(i);
      const price = levels.priceAt(i);
      const was = (side === 1 ? book.bids : book.asks).levelAt(price);
      this.push(side, price, was?.[0], was?.[1] ?? '');
    }
  }

  /** Before `book.truncate(keep)`: the levels past the best `keep` of each side, which it removes. */
  recordTruncate(book: OrderBook, keep: number): void {
    for (const [side, s] of [[1, book.bids], [-1, book.asks]] as const) {
      for (let r = s.size - 1; r >= keep; r--) this.push(side, s.priceAt(r), s.priceTextAt(r), s.amountTextAt(r) ?? '');
    }
  }

  /** Puts the book back as it was before everything recorded since clear(); the log is left empty. */
  undo(book: OrderBook): void {
    for (let j = this.sides.length - 1; j >= 0; j--) {
      const side = this.sides[j] === 1 ? book.bids : book.asks;
      const text = this.priceTexts[j];
      if (text === undefined) side.delete(this.prices[j]);
      else side.set(this.prices[j], text, this.amountTexts[j]);
    }
    this.clear();
  }

  private push(side: 1 | -1, price: number, priceText: string | undefined, amountText: string): void {
    this.sides.push(side);
    this.prices.push(price);
    this.priceTexts.push(priceText);
    this.amountTexts.push(amountText);
  }
}
