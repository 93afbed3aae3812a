// One update's levels in flat, reusable storage (no per-level objects), plus the two text
// helpers every decoder needs: decimal text → number for ordering, and "is this amount zero".
//
// Texts may be *lazy*: a scanner that read the frame text itself records where a price or amount
// sits (`pushSpan`) and the text is sliced only when somebody asks for it — the book asks for a
// price text only when it inserts a new level, and never for the amount of a delete.
import type { LevelBatchView } from './types.js';
import { grown } from './grow.js';

const POW10: number[] = [];
for (let i = 0; i <= 22; i++) POW10.push(10 ** i); // 10^0..10^22 are exact doubles

/** 2^53: below it every integer is an exact double. */
const EXACT_LIMIT = 9007199254740992;

/**
 * Decimal text → number, for ordering book levels. Reads digits into an integer mantissa and
 * divides by a power of ten: both operands are exact doubles when the mantissa is < 2^53, and IEEE
 * division rounds correctly, so the result is bit-identical to parseFloat (checked in the tests).
 * Anything else (sign, exponent, >15 significant digits) goes to parseFloat. ~3x faster than
 * parseFloat(text.slice()) on "60000.01000000" because nothing is allocated.
 * Returns NaN for text that is not a number.
 */
export function parseDecimal(text: string, start = 0, end = text.length): number {
  let m = 0;
  let frac = -1;
  let i = start;
  if (i >= end) return NaN;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0 && i > start && i < end - 1) {
      frac = 0;
    } else {
      return slowParse(text, start, end);
    }
  }
  if (m >= EXACT_LIMIT || frac > 22) return slowParse(text, start, end);
  return frac > 0 ? m / POW10[frac] : m;
}

const DECIMAL_RE = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

/** Plain decimal texts shorter than this are finite doubles: overflow takes 309 digits. */
const ALWAYS_FINITE_LENGTH = 300;

function slowParse(text: string, start: number, end: number): number {
  const s = start === 0 && end === text.length ? text : text.slice(start, end);
  if (!DECIMAL_RE.test(s)) return NaN;
  // "1e400" matches the pattern but is no price: as a number it is Infinity
  const n = parseFloat(s);
  return Number.isFinite(n) ? n : NaN;
}

/**
 * True when the text is a decimal number as venues send it (same rule as core/events Decimal)
 * whose value is a finite double: "1e400" passes the pattern, but downstream it would be Infinity.
 */
export function isDecimalText(s: string): boolean {
  if (!DECIMAL_RE.test(s)) return false;
  return (s.length < ALWAYS_FINITE_LENGTH && s.indexOf('e') < 0 && s.indexOf('E') < 0) || Number.isFinite(Number(s));
}

/** True when a decimal amount text is zero ("0", "0.00000000"): the level is to be deleted. */
export function isZeroAmount(text: string, start = 0, end = text.length): boolean {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c !== 48 && c !== 46) {
      // "-0" and "0e5" are zero too; anything else with a non-zero digit is not.
      if (c === 45 || c === 43) continue;
      if (c === 101 || c === 69) return true;
      return false;
    }
  }
  return true;
}

export class LevelBatch implements LevelBatchView {
  length = 0;
  private sides: Int8Array;
  private prices: Float64Array;
  private deletes: Uint8Array;
  /** Materialized texts; undefined entries are read lazily from `source` spans. */
  private priceTexts: (string | undefined)[];
  private amountTexts: (string | undefined)[];
  /** Span offsets into `source`: [priceStart, priceEnd, amountStart, amountEnd] per level. */
  private spans: Int32Array;
  private source = '';

  constructor(capacity = 64) {
    this.sides = new Int8Array(capacity);
    this.prices = new Float64Array(capacity);
    this.deletes = new Uint8Array(capacity);
    this.priceTexts = new Array<string | undefined>(capacity).fill(undefined);
    this.amountTexts = new Array<string | undefined>(capacity).fill(undefined);
    this.spans = new Int32Array(capacity * 4);
  }

  /** Empties the batch, keeping its storage. `source` is the text later pushSpan offsets refer to. */
  reset(source = ''): void {
    this.length = 0;
    this.source = source;
  }

  push(side: 1 | -1, price: number, priceText: string, amountText: string, isDelete: boolean): void {
    const i = this.length;
    if (i === this.sides.length) this.grow();
    this.sides[i] = side;
    this.prices[i] = price;
    this.deletes[i] = isDelete ? 1 : 0;
    this.priceTexts[i] = priceText;
    this.amountTexts[i] = amountText;
    this.length = i + 1;
  }

  /** Adds a level whose texts sit in the source text at [ps,pe) and [as,ae); nothing is sliced yet. */
  pushSpan(side: 1 | -1, price: number, ps: number, pe: number, as: number, ae: number, isDelete: boolean): void {
    const i = this.length;
    if (i === this.sides.length) this.grow();
    this.sides[i] = side;
    this.prices[i] = price;
    this.deletes[i] = isDelete ? 1 : 0;
    this.priceTexts[i] = undefined;
    this.amountTexts[i] = undefined;
    const k = i << 2;
    this.spans[k] = ps;
    this.spans[k + 1] = pe;
    this.spans[k + 2] = as;
    this.spans[k + 3] = ae;
    this.length = i + 1;
  }

  sideAt(i: number): 1 | -1 {
    return this.sides[i] as 1 | -1;
  }

  priceAt(i: number): number {
    return this.prices[i];
  }

  priceTextAt(i: number): string {
    let t = this.priceTexts[i];
    if (t === undefined) {
      const k = i << 2;
      t = this.source.slice(this.spans[k], this.spans[k + 1]);
      this.priceTexts[i] = t;
    }
    return t;
  }

  amountTextAt(i: number): string {
    let t = this.amountTexts[i];
    if (t === undefined) {
      const k = i << 2;
      t = this.source.slice(this.spans[k + 2], this.spans[k + 3]);
      this.amountTexts[i] = t;
    }
    return t;
  }

  isDeleteAt(i: number): boolean {
    return this.deletes[i] === 1;
  }

  /** A self-contained copy (texts materialized), for buffering while the book waits for a snapshot. */
  clone(): LevelBatch {
    return LevelBatch.from(this);
  }

  static from(view: LevelBatchView): LevelBatch {
    const out = new LevelBatch(Math.max(1, view.length));
    for (let i = 0; i < view.length; i++) {
      out.push(view.sideAt(i), view.priceAt(i), view.priceTextAt(i), view.amountTextAt(i), view.isDeleteAt(i));
    }
    return out;
  }

  private grow(): void {
    const n = this.sides.length * 2;
    this.sides = grown(this.sides, n);
    this.prices = grown(this.prices, n);
    this.deletes = grown(this.deletes, n);
    this.spans = grown(this.spans, n * 4);
    for (let i = this.priceTexts.length; i < n; i++) {
      this.priceTexts.push(undefined);
      this.amountTexts.push(undefined);
    }
  }
}

/**
 * Appends `[price, amount]` text pairs (REST bodies, JSON.parse'd frames) to a batch. Returns false
 * (leaving the batch partly filled — reset it) when a text is not a decimal number.
 */
export function pushLevels(batch: LevelBatch, side: 1 | -1, levels: readonly (readonly [string, string])[]): boolean {
  for (let i = 0; i < levels.length; i++) {
    const [p, a] = levels[i];
    const price = parseDecimal(p);
    if (price !== price || !isDecimalText(a)) return false; // NaN
    batch.push(side, price, p, a, isZeroAmount(a));
  }
  return true;
}
