// The L2 order book: two BookSides (book-side.ts: the sorted, paged levels), one class flipped
// by `dir`, behind the few calls the sync engine and readers need.
import type { Level } from '../core/events.js';
import { BookSide } from './book-side.js';
import type { LevelBatchView } from './types.js';

export class OrderBook {
  readonly bids: BookSide;
  readonly asks: BookSide;
  /** N: `apply` reports whether the N best levels of either side changed. */
  readonly depth: number;

  /** `pageSize`: levels per page, a power of two >= 4 (small values only to test page splits). */
  constructor(depth = 10, capacity = 256, pageSize = 32) {
    this.depth = depth;
    this.bids = new BookSide(1, capacity, pageSize);
    this.asks = new BookSide(-1, capacity, pageSize);
  }

  /**
   * Applies one update's levels in wire order (a repeated price: the later entry wins). Returns
   * true when the top-N changed. Allocates nothing beyond the texts it stores.
   */
  apply(levels: LevelBatchView): boolean {
    const top = this.depth;
    let changed = false;
    for (let i = 0; i < levels.length; i++) {
      const side = levels.sideAt(i) === 1 ? this.bids : this.asks;
      if (levels.isDeleteAt(i)) {
        if (side.delete(levels.priceAt(i), top)) changed = true;
      } else if (side.setFrom(levels, i, top)) {
        changed = true;
      }
    }
    return changed;
  }

  set(side: 1 | -1, price: number, priceText: string, amountText: string): boolean {
    return (side === 1 ? this.bids : this.asks).set(price, priceText, amountText, this.depth);
  }

  delete(side: 1 | -1, price: number): boolean {
    return (side === 1 ? this.bids : this.asks).delete(price, this.depth);
  }

  /** Keeps only the best `keep` levels per side. */
  truncate(keep: number): void {
    this.bids.truncate(keep);
    this.asks.truncate(keep);
  }

  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  /** Replaces the whole book. Returns false (book left empty) when a price is not a number. */
  loadSnapshot(bids: readonly (readonly [string, string])[], asks: readonly (readonly [string, string])[]): boolean {
    if (this.bids.load(bids) && this.asks.load(asks)) return true;
    this.clear();
    return false;
  }

  get size(): number {
    return this.bids.size + this.asks.size;
  }

  get bestBidPrice(): number { return this.bids.priceAt(0); }
  get bestAskPrice(): number { return this.asks.priceAt(0); }
  get bestBidPriceText(): string | undefined { return this.bids.priceTextAt(0); }
  get bestBidAmountText(): string | undefined { return this.bids.amountTextAt(0); }
  get bestAskPriceText(): string | undefined { return this.asks.priceTextAt(0); }
  get bestAskAmountText(): string | undefined { return this.asks.amountTextAt(0); }

  /** Fills caller-owned arrays with the n best levels per side, best first. */
  top(n: number, outBids: Level[], outAsks: Level[]): void {
    this.bids.top(n, outBids);
    this.asks.top(n, outAsks);
  }
}
