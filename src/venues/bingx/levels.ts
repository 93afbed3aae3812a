// Book levels of BingX frames: `[["price","qty"],…]` string pairs in whatever order the venue
// chose. The order differs by market and by doc example (PROTOCOLS-MORE.md §3.2: spot `@depthN`
// asks arrive highest first, swap asks lowest first, the doc examples highest first), so every
// whole book is put best first here before it leaves the decoder.
import { isDecimalText, isZeroAmount, parseDecimal, type LevelBatch } from '../../book/levels.js';

/** [price, qty] pairs, or undefined when a level is not two decimal texts. */
export function levelPairs(levels: unknown[]): [string, string][] | undefined {
  const out: [string, string][] = new Array(levels.length);
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i];
    if (!Array.isArray(l) || typeof l[0] !== 'string' || typeof l[1] !== 'string' || !isDecimalText(l[0]) || !isDecimalText(l[1])) return undefined;
    out[i] = [l[0], l[1]];
  }
  return out;
}

/**
 * The levels best first (bids highest, asks lowest price first), in place when they arrive
 * sorted either way (one pass, no allocation; the usual case), else by a sort.
 */
export function bestFirst(levels: [string, string][], side: 1 | -1): [string, string][] {
  const n = levels.length;
  if (n < 2) return levels;
  let rising = true;
  let falling = true;
  let prev = parseDecimal(levels[0][0]);
  for (let i = 1; i < n && (rising || falling); i++) {
    const p = parseDecimal(levels[i][0]);
    if (p < prev) rising = false;
    else if (p > prev) falling = false;
    prev = p;
  }
  if (side === 1 ? falling : rising) return levels;
  if (side === 1 ? rising : falling) return levels.reverse();
  const keyed = levels.map((l) => ({ p: parseDecimal(l[0]), l }));
  keyed.sort((a, b) => (side === 1 ? b.p - a.p : a.p - b.p));
  for (let i = 0; i < n; i++) levels[i] = keyed[i].l;
  return levels;
}

/** Appends [price, qty] levels of one side to the batch; false when one is not two decimal texts. */
export function pushLevels(batch: LevelBatch, side: 1 | -1, levels: unknown[]): boolean {
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i];
    if (!Array.isArray(l)) return false;
    const px: unknown = l[0];
    const qty: unknown = l[1];
    if (typeof px !== 'string' || typeof qty !== 'string') return false;
    const price = parseDecimal(px);
    if (price !== price || !isDecimalText(qty)) return false; // NaN
    batch.push(side, price, px, qty, isZeroAmount(qty));
  }
  return true;
}
