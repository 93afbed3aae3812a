// A second, independent proof of a book: venues whose best-bid/ask stream shares the book's update
// ids (Binance bookTicker `u`) tell us what the top of the book must be at that id. The check
// compares the verified book with each such quote when the book stands exactly at the quote's id
// (a quote ahead of the book waits for it; one the book has passed over is skipped). Measured on
// the real captures: NKNUSDT 19/19 and SUSHIUSDT 12/12 matches (PROTOCOLS.md §1.4, §2).
import { parseDecimal } from './levels.js';
import type { OrderBook } from './order-book.js';

export interface QuoteAtId {
  updateId: number;
  bidPrice: string;
  bidAmount: string;
  askPrice: string;
  askAmount: string;
}

export type QuoteVerdict = 'match' | 'mismatch' | 'pending' | 'skip';

export class QuoteCheck {
  checks = 0;
  mismatches = 0;
  /** Set by the last 'mismatch': what the quote said and what the book held, for the ledger. */
  expected = '';
  got = '';
  private pending: QuoteAtId | undefined = undefined;

  /** A quote arrived while the book stands at `lastId`. */
  offer(q: QuoteAtId, lastId: number, book: OrderBook): QuoteVerdict {
    if (q.updateId < lastId) return 'skip';
    if (q.updateId > lastId) {
      this.pending = q; // keep only the newest: the book reaches ids in order
      return 'pending';
    }
    this.pending = undefined;
    return this.compare(q, book);
  }

  /** The book just moved to `lastId`: check a quote that was waiting for exactly this id. */
  reached(lastId: number, book: OrderBook): QuoteVerdict {
    const q = this.pending;
    if (q === undefined || q.updateId > lastId) return 'skip';
    this.pending = undefined;
    return q.updateId === lastId ? this.compare(q, book) : 'skip';
  }

  get waiting(): boolean {
    return this.pending !== undefined;
  }

  /** The book was cleared (gap, disconnect): a waiting quote no longer applies. */
  reset(): void {
    this.pending = undefined;
  }

  private compare(q: QuoteAtId, book: OrderBook): QuoteVerdict {
    this.checks++;
    const ok =
      same(q.bidPrice, book.bestBidPriceText) && same(q.bidAmount, book.bestBidAmountText) &&
      same(q.askPrice, book.bestAskPriceText) && same(q.askAmount, book.bestAskAmountText);
    if (ok) return 'match';
    this.mismatches++;
    this.expected = `bid ${q.bidPrice}x${q.bidAmount} ask ${q.askPrice}x${q.askAmount} at u=${q.updateId}`;
    this.got = `bid ${book.bestBidPriceText}x${book.bestBidAmountText} ask ${book.bestAskPriceText}x${book.bestAskAmountText}`;
    return 'mismatch';
  }
}

/** Equal as numbers ("0.35210000" == "0.3521"); an empty side only matches an empty quote side. */
function same(quoted: string, held: string | undefined): boolean {
  if (held === undefined) return parseDecimal(quoted) === 0;
  return quoted === held || parseDecimal(quoted) === parseDecimal(held);
}
