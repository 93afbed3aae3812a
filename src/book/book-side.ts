// One side of an L2 order book; bids and asks are the same class flipped by `dir`. Sorting is by a
// numeric key (price for bids, -price for asks) so both sides share one ascending code path.
//
// A side is a sorted array cut into pages of at most PAGE levels (a two-level B-tree): a search
// is a binary search over the pages' first keys, then inside one page; an insert or delete shifts
// at most one page. Pages are ordered worst → best, and a page is ordered worst → best too, so the
// best level sits at the end of the last page. Texts do not move: each level points (slots[]) into
// a text pool.
//
// Measured (Node 20.20, 2-core EPYC, research/tardis-bench generator: 200k updates of 20 changes,
// ~1,800 levels a side; inserts/deletes land ~450-600 levels below the best there, so in one flat
// sorted array each shifted ~7 KB with two copyWithin calls, ~20% of the decode-book time):
//   book alone (order-book.bench.ts): flat 321k updates/s (6.4 M level ops/s) → pages 374k (7.5 M)
//   end to end, top-20 rows (bench/decode-book.bench.mjs, with shared rows): flat 160k msg/s →
//   pages of 16: 141k, 32: 170k, 64: 169k, 128: 163k (32 kept: the top-N walk stays in 1-2 pages)
//   tardis-dev RBTree 2.1 M, its paged tree 3.9 M level ops/s (research/tardis-node.md §3.3).
import type { Level } from '../core/events.js';
import { parseDecimal, isZeroAmount } from './levels.js';
import type { LevelBatchView } from './types.js';
import { grown } from './grow.js';

/** Marks a pool slot whose row has not been built (or is stale). */
const NO_ROW: Level = ['', ''];

export class BookSide {
  /** 1 = bids (best = highest price), -1 = asks (best = lowest price). */
  readonly dir: 1 | -1;
  /** Levels per page at most (a power of two); a full page splits in two halves. */
  private readonly P: number;
  /** Number of levels. */
  private n = 0;
  /** Page id p holds its levels' keys (price * dir, ascending) at [p*P, p*P + psize[p]). */
  private keys: Float64Array;
  /** Pool slot of each level, parallel to keys. */
  private slots: Int32Array;
  private psize: Int32Array;
  /** Page ids in key order (worst → best), `pages` of them, and each one's first key. */
  private order: Int32Array;
  private firstKey: Float64Array;
  private pages = 0;
  private freePages: Int32Array;
  private freePageCount = 0;
  /** Where find() landed: index into order[], and position inside that page. */
  private fo = 0;
  private fi = 0;

  // The text pool: level texts by slot. Texts never move; pages only shift slot numbers.
  private priceTexts: string[];
  private amountTexts: string[];
  /**
   * The level's [price, amount] row as last handed out by rowOf(), or NO_ROW. Rows are immutable
   * once handed out (events carry them), so an unchanged level reuses its row: consecutive
   * book_snapshot events share tuples instead of allocating depth*2 of them per event, and
   * "is the top the same as the last row" is mostly an identity check.
   */
  private rows: Level[];
  /** Free slots of the text pool (a stack). */
  private free: Int32Array;
  private freeCount = 0;

  constructor(dir: 1 | -1, capacity = 256, pageSize = 32) {
    this.dir = dir;
    this.P = pageSize;
    const pageCap = Math.max(4, Math.ceil((2 * capacity) / pageSize));
    this.keys = new Float64Array(pageCap * pageSize);
    this.slots = new Int32Array(pageCap * pageSize);
    this.psize = new Int32Array(pageCap);
    this.order = new Int32Array(pageCap);
    this.firstKey = new Float64Array(pageCap);
    this.freePages = new Int32Array(pageCap);
    for (let j = 0; j < pageCap; j++) this.freePages[j] = pageCap - 1 - j;
    this.freePageCount = pageCap;
    // Filled so V8 keeps them as packed element arrays.
    this.priceTexts = new Array<string>(capacity).fill('');
    this.amountTexts = new Array<string>(capacity).fill('');
    this.rows = new Array<Level>(capacity).fill(NO_ROW);
    this.free = new Int32Array(capacity);
    for (let j = 0; j < capacity; j++) this.free[j] = capacity - 1 - j;
    this.freeCount = capacity;
  }

  get size(): number {
    return this.n;
  }

  /** Price of the level at `rank` (0 = best); NaN past the end. */
  priceAt(rank: number): number {
    const at = this.indexAt(rank);
    return at >= 0 ? this.keys[at] * this.dir : NaN;
  }

  priceTextAt(rank: number): string | undefined {
    const at = this.indexAt(rank);
    return at >= 0 ? this.priceTexts[this.slots[at]] : undefined;
  }

  amountTextAt(rank: number): string | undefined {
    const at = this.indexAt(rank);
    return at >= 0 ? this.amountTexts[this.slots[at]] : undefined;
  }

  /**
   * The level at `price` as [priceText, amountText] (a fresh tuple), or undefined when the side
   * has none. Off the hot path: undo logs (undo-log.ts) read what an update will overwrite.
   */
  levelAt(price: number): Level | undefined {
    if (!this.find(price * this.dir)) return undefined;
    const slot = this.slots[this.order[this.fo] * this.P + this.fi];
    return [this.priceTexts[slot], this.amountTexts[slot]];
  }

  /** Index into keys/slots of the level at `rank` (0 = best), or -1. Walks pages from the best. */
  private indexAt(rank: number): number {
    const P = this.P;
    for (let o = this.pages - 1; o >= 0; o--) {
      const p = this.order[o];
      const s = this.psize[p];
      if (rank < s) return p * P + s - 1 - rank;
      rank -= s;
    }
    return -1;
  }

  /**
   * Looks `key` up. Sets fo (page, as an index into order[]) and fi (position in the page: the
   * level's, or where it would be inserted) and returns whether the level exists.
   */
  private find(key: number): boolean {
    const last = this.pages - 1;
    if (last < 0) {
      this.fo = 0;
      this.fi = 0;
      return false;
    }
    const fk = this.firstKey;
    let o = last;
    // Updates cluster at the top of the book: the best page is the most common one.
    if (key < fk[last]) {
      // The last page whose first key is <= key (page 0 for a key below every level).
      let lo = 0;
      let hi = last - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (fk[mid] <= key) lo = mid;
        else hi = mid - 1;
      }
      o = lo;
    }
    this.fo = o;
    const p = this.order[o];
    const base = p * this.P;
    const keys = this.keys;
    let lo = base;
    let hi = base + this.psize[p] - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = keys[mid];
      if (k < key) lo = mid + 1;
      else if (k > key) hi = mid - 1;
      else {
        this.fi = mid - base;
        return true;
      }
    }
    this.fi = lo - base;
    return false;
  }

  /** True when the level at position i of page order[o] is among the `top` best. */
  private inTop(o: number, i: number, top: number): boolean {
    if (top >= this.n) return true;
    let r = this.psize[this.order[o]] - 1 - i;
    for (let j = this.pages - 1; j > o && r < top; j--) r += this.psize[this.order[j]];
    return r < top;
  }

  /**
   * Sets a level (insert or replace) from a batch entry. Returns true when the change touched the
   * `top` best levels. The price text is read (sliced) only for a new level.
   */
  setFrom(levels: LevelBatchView, i: number, top: number): boolean {
    const key = levels.priceAt(i) * this.dir;
    if (this.find(key)) {
      const slot = this.slots[this.order[this.fo] * this.P + this.fi];
      const amount = levels.amountTextAt(i);
      if (this.amountTexts[slot] === amount) return false;
      this.amountTexts[slot] = amount;
      this.rows[slot] = NO_ROW;
      return this.inTop(this.fo, this.fi, top);
    }
    this.insert(key, levels.priceTextAt(i), levels.amountTextAt(i));
    return this.inTop(this.fo, this.fi, top);
  }

  /** Inserts or replaces a level. Returns true when the `top` best levels changed. */
  set(price: number, priceText: string, amountText: string, top = Infinity): boolean {
    const key = price * this.dir;
    if (this.find(key)) {
      const slot = this.slots[this.order[this.fo] * this.P + this.fi];
      if (this.amountTexts[slot] === amountText) return false;
      this.amountTexts[slot] = amountText;
      this.rows[slot] = NO_ROW;
      return this.inTop(this.fo, this.fi, top);
    }
    this.insert(key, priceText, amountText);
    return this.inTop(this.fo, this.fi, top);
  }

  /** Removes a level; removing an unknown level is normal (Binance doc) and returns false. */
  delete(price: number, top = Infinity): boolean {
    if (!this.find(price * this.dir)) return false;
    const o = this.fo;
    const i = this.fi;
    const inTop = this.inTop(o, i, top);
    const p = this.order[o];
    const base = p * this.P;
    const slot = this.slots[base + i];
    // Drop references so removed texts (and the frames they may slice) can be collected.
    this.priceTexts[slot] = '';
    this.amountTexts[slot] = '';
    this.rows[slot] = NO_ROW;
    this.free[this.freeCount++] = slot;
    const s = this.psize[p] - 1;
    const keys = this.keys;
    const slots = this.slots;
    for (let j = base + i, end = base + s; j < end; j++) {
      keys[j] = keys[j + 1];
      slots[j] = slots[j + 1];
    }
    this.psize[p] = s;
    this.n--;
    if (s === 0) this.removePage(o);
    else {
      if (i === 0) this.firstKey[o] = keys[base];
      // Fold a quarter-full page into its next one when both fit in half a page, so pages stay
      // reasonably full (fewer pages to search and walk).
      if (s <= this.P >> 2 && o + 1 < this.pages) this.mergeNext(o);
    }
    return inTop;
  }

  /**
   * Drops every level past the best `keep` (venues that send no delete for a level pushed out of
   * the subscribed depth, Kraken §3). A few levels per update at most: one delete each.
   */
  truncate(keep: number): void {
    while (this.n > keep) this.delete(this.priceAt(this.n - 1));
  }

  clear(): void {
    const P = this.P;
    for (let o = 0; o < this.pages; o++) {
      const p = this.order[o];
      for (let j = p * P, end = j + this.psize[p]; j < end; j++) {
        const slot = this.slots[j];
        this.priceTexts[slot] = '';
        this.amountTexts[slot] = '';
        this.rows[slot] = NO_ROW;
        this.free[this.freeCount++] = slot;
      }
      this.psize[p] = 0;
      this.freePages[this.freePageCount++] = p;
    }
    this.pages = 0;
    this.n = 0;
  }

  /**
   * Replaces the side with `levels` (best first, as venues send snapshots). Zero amounts are
   * skipped. Unsorted input is accepted (inserted one by one). Returns false on a non-numeric price.
   */
  load(levels: readonly (readonly [string, string])[]): boolean {
    this.clear();
    // Fast path: best-first input is appended worst first, pages filled to 3/4 (room to insert).
    const fill = (this.P * 3) >> 2;
    let prevKey = -Infinity;
    for (let r = levels.length - 1; r >= 0; r--) {
      const [p, a] = levels[r];
      const price = parseDecimal(p);
      if (price !== price) { this.clear(); return false; }
      if (isZeroAmount(a)) continue;
      const key = price * this.dir;
      if (!(key > prevKey)) return this.loadUnsorted(levels);
      let o = this.pages - 1;
      if (o < 0 || this.psize[this.order[o]] >= fill) o = this.addPage(this.pages);
      this.fo = o;
      this.fi = this.psize[this.order[o]];
      this.insert(key, p, a);
      prevKey = key;
    }
    return true;
  }

  private loadUnsorted(levels: readonly (readonly [string, string])[]): boolean {
    this.clear();
    for (const [p, a] of levels) {
      const price = parseDecimal(p);
      if (price !== price) { this.clear(); return false; }
      if (isZeroAmount(a)) this.delete(price);
      else this.set(price, p, a);
    }
    return true;
  }

  /**
   * Appends up to `n` best levels, best first, as [priceText, amountText] tuples. The tuples are
   * shared with earlier calls while their level is unchanged: treat them as read-only.
   */
  top(n: number, out: Level[]): void {
    out.length = 0;
    const rows = this.topRows(n);
    for (let r = 0; r < rows.length; r++) out.push(rows[r]);
  }

  /** A new array of the `n` best rows, best first (shared read-only tuples, as top()). */
  topRows(n: number): Level[] {
    const k = n < this.n ? n : this.n;
    const out = new Array<Level>(k);
    const P = this.P;
    let r = 0;
    for (let o = this.pages - 1; o >= 0 && r < k; o--) {
      const p = this.order[o];
      const base = p * P;
      for (let j = base + this.psize[p] - 1; j >= base && r < k; j--) out[r++] = this.rowOf(this.slots[j]);
    }
    return out;
  }

  /** True when the `n` best levels read exactly as `last` (rows as topRows() returned them). */
  sameTop(n: number, last: readonly Level[]): boolean {
    const k = n < this.n ? n : this.n;
    if (k !== last.length) return false;
    const P = this.P;
    let r = 0;
    for (let o = this.pages - 1; o >= 0 && r < k; o--) {
      const p = this.order[o];
      const base = p * P;
      for (let j = base + this.psize[p] - 1; j >= base && r < k; j--) {
        const slot = this.slots[j];
        const l = last[r++];
        if (this.rows[slot] === l) continue;
        if (this.priceTexts[slot] !== l[0] || this.amountTexts[slot] !== l[1]) return false;
        // Same texts under a new row (changed and changed back): adopt the old row.
        this.rows[slot] = l;
      }
    }
    return true;
  }

  private rowOf(slot: number): Level {
    let row = this.rows[slot];
    if (row === NO_ROW) {
      row = [this.priceTexts[slot], this.amountTexts[slot]];
      this.rows[slot] = row;
    }
    return row;
  }

  /** Inserts a new level where find() left fo/fi; leaves fo/fi on it. */
  private insert(key: number, priceText: string, amountText: string): void {
    if (this.freeCount === 0) this.growPool();
    if (this.pages === 0) this.addPage(0);
    const P = this.P;
    let o = this.fo;
    let i = this.fi;
    let p = this.order[o];
    if (this.psize[p] === P) {
      // A full page splits: its upper half moves to a new page right after it.
      const half = P >> 1;
      // (addPage may reallocate order[]: read it only after the call.)
      const at = this.addPage(o + 1);
      const q = this.order[at];
      this.keys.copyWithin(q * P, p * P + half, p * P + P);
      this.slots.copyWithin(q * P, p * P + half, p * P + P);
      this.psize[p] = half;
      this.psize[q] = P - half;
      this.firstKey[o + 1] = this.keys[q * P];
      if (i > half) {
        o++;
        i -= half;
        p = q;
      }
    }
    const base = p * P;
    const keys = this.keys;
    const slots = this.slots;
    const s = this.psize[p];
    for (let j = base + s; j > base + i; j--) {
      keys[j] = keys[j - 1];
      slots[j] = slots[j - 1];
    }
    const slot = this.free[--this.freeCount];
    keys[base + i] = key;
    slots[base + i] = slot;
    this.priceTexts[slot] = priceText;
    this.amountTexts[slot] = amountText;
    this.rows[slot] = NO_ROW;
    this.psize[p] = s + 1;
    this.n++;
    if (i === 0) this.firstKey[o] = key;
    this.fo = o;
    this.fi = i;
  }

  /** Puts an empty page at position `at` of the page order; returns `at`. */
  private addPage(at: number): number {
    if (this.freePageCount === 0) this.growPages();
    const p = this.freePages[--this.freePageCount];
    for (let o = this.pages; o > at; o--) {
      this.order[o] = this.order[o - 1];
      this.firstKey[o] = this.firstKey[o - 1];
    }
    this.order[at] = p;
    this.psize[p] = 0;
    this.pages++;
    return at;
  }

  private removePage(at: number): void {
    this.freePages[this.freePageCount++] = this.order[at];
    this.pages--;
    for (let o = at; o < this.pages; o++) {
      this.order[o] = this.order[o + 1];
      this.firstKey[o] = this.firstKey[o + 1];
    }
  }

  /** Moves the levels of page o+1 to the end of page o when they fit in half a page. */
  private mergeNext(o: number): void {
    const P = this.P;
    const p = this.order[o];
    const q = this.order[o + 1];
    const s = this.psize[p];
    const t = this.psize[q];
    if (s + t > P >> 1) return;
    this.keys.copyWithin(p * P + s, q * P, q * P + t);
    this.slots.copyWithin(p * P + s, q * P, q * P + t);
    this.psize[p] = s + t;
    this.psize[q] = 0;
    this.removePage(o + 1);
  }

  private growPages(): void {
    const old = this.psize.length;
    const cap = old * 2;
    const P = this.P;
    this.keys = grown(this.keys, cap * P);
    this.slots = grown(this.slots, cap * P);
    this.psize = grown(this.psize, cap);
    this.order = grown(this.order, cap);
    this.firstKey = grown(this.firstKey, cap);
    const freePages = new Int32Array(cap);
    freePages.set(this.freePages.subarray(0, this.freePageCount));
    for (let j = cap - 1; j >= old; j--) freePages[this.freePageCount++] = j;
    this.freePages = freePages;
  }

  private growPool(): void {
    const old = this.free.length;
    const cap = old * 2;
    const free = new Int32Array(cap);
    free.set(this.free.subarray(0, this.freeCount));
    for (let j = cap - 1; j >= old; j--) free[this.freeCount++] = j;
    this.free = free;
    for (let j = old; j < cap; j++) {
      this.priceTexts.push('');
      this.amountTexts.push('');
      this.rows.push(NO_ROW);
    }
  }
}
