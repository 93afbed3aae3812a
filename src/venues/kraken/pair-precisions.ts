// Where a v2 pair's price_precision / qty_precision come from, and what happens to book frames
// that arrive before them. Everything here is learned from frames (replay decodes identically).
//
// Policy, in order:
//   1. The `instrument` channel (subscribed first on every book connection) is authoritative: its
//      precisions replace whatever was known, and held book frames of the pair are released.
//   2. A book snapshot of a pair with no known precision: the precisions are recovered from the
//      snapshot's own checksum. The lexemes give lower bounds (0.5666 needs at least 4 decimals);
//      we try each (price, qty) pair of precisions up to MAX_EXTRA_DECIMALS above them and keep
//      the first whose CRC32 equals the snapshot's checksum (a false match has odds ~1e-7). Found:
//      the snapshot goes on at once.
//   3. Otherwise (no checksum match, or an update before any snapshot) the pair's book frames are
//      held in arrival order until the instrument arrives — at most MAX_HELD_FRAMES; when one more
//      comes, the precisions fall back to the lexeme lower bounds and the held frames are released
//      (the engine's checksum check then decides; a mismatch resubscribes the book).
import { parseDecimal } from '../../book/levels.js';
import type { FrameMeta } from '../types.js';
import { CHECKSUM_DEPTH, krakenChecksum } from './book-rule.js';
import type { JsonObject } from './json-lossless.js';
import { fractionDigits, padToPrecision } from './precision.js';

export const MAX_HELD_FRAMES = 64;
export const MAX_EXTRA_DECIMALS = 8;
/** No Kraken pair has more decimals than this; bounds the search. */
const MAX_DECIMALS = 18;

export interface Precision {
  price: number;
  qty: number;
  /** Where it came from (for the control detail and tests). */
  source: 'instrument' | 'checksum' | 'lexemes';
}

/** A book item (`data[0]` of a book frame) waiting for its pair's precisions. */
export interface HeldBook {
  item: JsonObject;
  snapshot: boolean;
  meta: FrameMeta;
  /** The frame text, for reject reasons. */
  text: string;
}

/** Price and qty lexemes of one book side, as read from the wire (no padding). */
export type LexemeLevels = readonly (readonly [string, string])[];

export class PairPrecisions {
  private readonly known = new Map<string, Precision>();
  private readonly held = new Map<string, HeldBook[]>();

  get(symbol: string): Precision | undefined {
    return this.known.get(symbol);
  }

  /** Rule 1. Returns the pair's held frames, in order, for the caller to decode now. */
  fromInstrument(symbol: string, price: number, qty: number): HeldBook[] {
    this.known.set(symbol, { price, qty, source: 'instrument' });
    return this.release(symbol);
  }

  /** Rule 2: the precisions whose checksum matches the snapshot's (remembered), else undefined. */
  fromSnapshotChecksum(symbol: string, bids: LexemeLevels, asks: LexemeLevels, checksum: number): Precision | undefined {
    const p = recoverPrecision(bids, asks, checksum);
    if (p !== undefined) this.known.set(symbol, p);
    return p;
  }

  isHolding(symbol: string): boolean {
    return this.held.has(symbol);
  }

  /**
   * Rule 3: holds a frame. Returns undefined while holding; on overflow, sets the lexeme lower
   * bounds of everything held and returns the held frames (this one last) to decode now.
   */
  hold(symbol: string, h: HeldBook, lowerBound: (item: JsonObject) => [number, number]): HeldBook[] | undefined {
    let q = this.held.get(symbol);
    if (q === undefined) {
      q = [];
      this.held.set(symbol, q);
    }
    if (q.length < MAX_HELD_FRAMES) {
      q.push(h);
      return undefined;
    }
    q.push(h);
    let price = 0;
    let qty = 0;
    for (const x of q) {
      const [p, a] = lowerBound(x.item);
      if (p > price) price = p;
      if (a > qty) qty = a;
    }
    this.known.set(symbol, { price, qty, source: 'lexemes' });
    return this.release(symbol);
  }

  /** The pair's held frames, in arrival order (now to be decoded); the pair holds nothing after. */
  release(symbol: string): HeldBook[] {
    const q = this.held.get(symbol);
    this.held.delete(symbol);
    return q ?? [];
  }
}

/** Largest fraction-digit counts among the lexemes (the least precision that could have sent them). */
export function lexemeBounds(bids: LexemeLevels, asks: LexemeLevels): [price: number, qty: number] {
  let p = 0;
  let q = 0;
  for (const side of [bids, asks]) {
    for (const [price, qty] of side) {
      const fp = fractionDigits(price);
      const fq = fractionDigits(qty);
      if (fp > p) p = fp;
      if (fq > q) q = fq;
    }
  }
  return [p, q];
}

/** The best CHECKSUM_DEPTH levels of a side, best first (bids: dir 1, highest first). */
function best(levels: LexemeLevels, dir: 1 | -1): (readonly [string, string])[] {
  return levels
    .map((l) => ({ l, k: parseDecimal(l[0]) * dir }))
    .sort((x, y) => y.k - x.k)
    .slice(0, CHECKSUM_DEPTH)
    .map((x) => x.l);
}

/** Rule 2's search (exported for its tests). */
export function recoverPrecision(bids: LexemeLevels, asks: LexemeLevels, checksum: number): Precision | undefined {
  const b = best(bids, 1);
  const a = best(asks, -1);
  const [minP, minQ] = lexemeBounds(b, a);
  for (let p = minP; p <= Math.min(MAX_DECIMALS, minP + MAX_EXTRA_DECIMALS); p++) {
    for (let q = minQ; q <= Math.min(MAX_DECIMALS, minQ + MAX_EXTRA_DECIMALS); q++) {
      const pb = padRows(b, p, q);
      const pa = padRows(a, p, q);
      if (pb !== undefined && pa !== undefined && krakenChecksum(pb, pa) === checksum) return { price: p, qty: q, source: 'checksum' };
    }
  }
  return undefined;
}

function padRows(rows: LexemeLevels, p: number, q: number): [string, string][] | undefined {
  const out: [string, string][] = [];
  for (const [price, qty] of rows) {
    const pp = padToPrecision(price, p);
    const pq = padToPrecision(qty, q);
    if (pp === undefined || pq === undefined) return undefined;
    out.push([pp, pq]);
  }
  return out;
}
