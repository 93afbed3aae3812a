// P-book entries `[PRICE, COUNT, AMOUNT]` (PROTOCOLS.md §5) from scanned frames into our book's
// shapes: AMOUNT > 0 is a bid, < 0 an ask; COUNT 0 deletes the level (AMOUNT then 1 / -1 names
// the side). Texts are kept as sent, except that ask amounts are stored without their `-`
// (book-rule.ts: the checksum puts it back).
import { isDecimalText, isZeroAmount, parseDecimal, type LevelBatch } from '../../book/levels.js';
import { TOK_NUM, type FrameScan } from './scan.js';

/**
 * Row r as one level pushed onto `batch` (spans into the frame text, nothing sliced). Returns an
 * error text when the row is not a valid P-book entry (the batch may then hold part of the frame).
 */
export function pushBookRow(scan: FrameScan, r: number, batch: LevelBatch): string | undefined {
  if (scan.rowLength(r) < 3) return 'book entry with fewer than 3 fields';
  const p = scan.tok(r, 0);
  const c = p + 1;
  const a = p + 2;
  const kinds = scan.tokKind;
  if (kinds[p] !== TOK_NUM || kinds[c] !== TOK_NUM || kinds[a] !== TOK_NUM) return 'book entry field is not a number';
  const text = scan.text;
  const ps = scan.tokStart[p];
  const pe = scan.tokEnd[p];
  const price = parseDecimal(text, ps, pe);
  if (!(price > 0)) return `book price ${text.slice(ps, pe)} is not a positive number`;
  const cs = scan.tokStart[c];
  const ce = scan.tokEnd[c];
  const count = parseDecimal(text, cs, ce);
  if (!Number.isInteger(count) || count < 0) return `book count ${text.slice(cs, ce)} is not a count`;
  let as = scan.tokStart[a];
  const ae = scan.tokEnd[a];
  const ask = text.charCodeAt(as) === 45; // -
  if (ask) as++;
  if (!(parseDecimal(text, as, ae) >= 0)) return `book amount ${text.slice(scan.tokStart[a], ae)} is not a number`;
  const zero = isZeroAmount(text, as, ae);
  if (count > 0 && zero) return 'book entry with a count but a zero amount';
  batch.pushSpan(ask ? -1 : 1, price, ps, pe, as, ae, count === 0);
  return undefined;
}

export interface BookSides {
  bids: [string, string][];
  asks: [string, string][];
}

/** Every data row as a snapshot (count-0 rows skipped), in wire order; an error text when one is bad. */
export function snapshotSides(scan: FrameScan, batch: LevelBatch): BookSides | string {
  batch.reset(scan.text);
  for (let r = 0; r < scan.rows; r++) {
    const err = pushBookRow(scan, r, batch);
    if (err !== undefined) return err;
  }
  const out: BookSides = { bids: [], asks: [] };
  for (let i = 0; i < batch.length; i++) {
    if (batch.isDeleteAt(i)) continue;
    const row: [string, string] = [batch.priceTextAt(i), batch.amountTextAt(i)];
    if (!isDecimalText(row[0]) || !isDecimalText(row[1])) return `book entry ${row[0]}:${row[1]} is not decimal text`;
    (batch.sideAt(i) === 1 ? out.bids : out.asks).push(row);
  }
  return out;
}
