// A raw (R0) book of one channel (PROTOCOLS.md §5): the venue sends ORDERS, `[ORDER_ID, PRICE,
// AMOUNT]` (AMOUNT > 0 a bid, < 0 an ask; PRICE 0 removes the order), and checksums them by order
// id. Our book is a price book, so this keeps the orders (id → price, amount as sent) and their
// price levels, turns each order change into the level changes it makes (an order moving price
// changes two levels), and computes the venue's raw checksum over the orders (book-rule.ts
// rawChecksum is the rule; this is its allocation-light twin, checked against it in tests).
//
// Level amounts are exact decimal sums of the orders' amounts (decimal.ts), stored positive for
// both sides as P books store them; a level with no orders left is deleted.
import { crc32Text } from '../../book/checksum.js';
import { isDecimalText, parseDecimal, type LevelBatch } from '../../book/levels.js';
import { CHECKSUM_DEPTH } from './book-rule.js';
import { addExact, formatExact, parseExact, subExact, type Exact } from './decimal.js';
import { TOK_NUM, type FrameScan } from './scan.js';

interface RawLevel {
  price: number;
  priceText: string;
  /** Sum of the orders' absolute amounts. */
  total: Exact;
  /** The orders resting here (ascending id after a checksum sorted them). */
  orders: RawOrder[];
}

interface RawOrder {
  id: string;
  idNum: number;
  side: 1 | -1;
  /** Signed amount text as sent (the checksum's). */
  amount: string;
  /** Its absolute value. */
  abs: Exact;
  level: RawLevel;
}

/** Longest order id text kept exact as a number (ids are ~2.4e11 today). */
const MAX_ID_DIGITS = 15;

/**
 * Row r of a scanned frame as an R0 entry: an error text when it is not one. Checks only; `apply`
 * reads the tokens again (rows are few per update, and a frame must be checked whole before any
 * of it changes the book).
 */
export function rawRowError(scan: FrameScan, r: number): string | undefined {
  if (scan.rowLength(r) < 3) return 'raw book entry with fewer than 3 fields';
  const t = scan.tok(r, 0);
  const kinds = scan.tokKind;
  if (kinds[t] !== TOK_NUM || kinds[t + 1] !== TOK_NUM || kinds[t + 2] !== TOK_NUM) return 'raw book entry field is not a number';
  const text = scan.text;
  const is = scan.tokStart[t];
  const ie = scan.tokEnd[t];
  if (ie - is > MAX_ID_DIGITS) return `order id ${text.slice(is, ie)} is too long`;
  for (let i = is; i < ie; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return `order id ${text.slice(is, ie)} is not an integer`;
  }
  const price = parseDecimal(text, scan.tokStart[t + 1], scan.tokEnd[t + 1]);
  if (!(price >= 0) || price === Infinity) return `order price ${scan.tokText(t + 1)} is not a number ≥ 0`;
  if (price > 0 && !isDecimalText(scan.tokText(t + 1))) return `order price ${scan.tokText(t + 1)} is not decimal text`;
  const amount = parseExact(scan.tokText(t + 2));
  if (amount === undefined) return `order amount ${scan.tokText(t + 2)} is not a decimal`;
  if (price > 0 && amount.units === 0n) return `order ${text.slice(is, ie)} with a price but a zero amount`;
  return undefined;
}

export class RawBook {
  /** Removals of orders this book does not hold (ignored: nothing to remove). */
  unknownRemovals = 0;
  private readonly orders = new Map<string, RawOrder>();
  private readonly bids = new Map<number, RawLevel>();
  private readonly asks = new Map<number, RawLevel>();
  /** Scratch for the checksum: best levels, best first. */
  private readonly topBids: RawLevel[] = [];
  private readonly topAsks: RawLevel[] = [];

  get orderCount(): number {
    return this.orders.size;
  }

  clear(): void {
    this.orders.clear();
    this.bids.clear();
    this.asks.clear();
  }

  /**
   * Applies row r of `scan` (checked by rawRowError) as an order change; the level changes it
   * makes are pushed onto `batch` when given (a snapshot loads without).
   */
  applyRow(scan: FrameScan, r: number, batch: LevelBatch | undefined): void {
    const t = scan.tok(r, 0);
    const text = scan.text;
    const id = scan.tokText(t);
    const price = parseDecimal(text, scan.tokStart[t + 1], scan.tokEnd[t + 1]);
    const old = this.orders.get(id);
    if (price === 0) {
      if (old === undefined) {
        this.unknownRemovals++;
        return;
      }
      this.detach(old, batch);
      this.orders.delete(id);
      return;
    }
    const amount = scan.tokText(t + 2);
    const signed = parseExact(amount) as Exact;
    const side: 1 | -1 = signed.units > 0n ? 1 : -1;
    const abs: Exact = side === 1 ? signed : { units: -signed.units, scale: signed.scale };
    if (old !== undefined && old.side === side && old.level.price === price) {
      // a new amount in place
      const lv = old.level;
      lv.total = addExact(subExact(lv.total, old.abs), abs);
      old.amount = amount;
      old.abs = abs;
      batch?.push(side, price, lv.priceText, formatExact(lv.total), false);
      return;
    }
    if (old !== undefined) this.detach(old, batch);
    const levels = side === 1 ? this.bids : this.asks;
    let lv = levels.get(price);
    if (lv === undefined) {
      lv = { price, priceText: scan.tokText(t + 1), total: abs, orders: [] };
      levels.set(price, lv);
    } else {
      lv.total = addExact(lv.total, abs);
    }
    if (old === undefined) {
      const o: RawOrder = { id, idNum: Number(id), side, amount, abs, level: lv };
      this.orders.set(id, o);
      lv.orders.push(o);
    } else {
      old.side = side;
      old.amount = amount;
      old.abs = abs;
      old.level = lv;
      lv.orders.push(old);
    }
    batch?.push(side, price, lv.priceText, formatExact(lv.total), false);
  }

  /** The price levels of one side, best first, as [price, total amount] texts. */
  levels(side: 1 | -1): [string, string][] {
    const all = [...(side === 1 ? this.bids : this.asks).values()];
    all.sort((a, b) => side * (b.price - a.price));
    return all.map((lv) => [lv.priceText, formatExact(lv.total)]);
  }

  /**
   * The venue's R0 checksum, unsigned: the best 25 orders per side (best price first, ascending
   * id at one price), interleaved bid/ask as `id:amount` with the wire's signed amounts, CRC32.
   */
  checksum(): number {
    const nb = this.bestOrders(this.bids, 1, this.topBids);
    const na = this.bestOrders(this.asks, -1, this.topAsks);
    const bids = this.topBids;
    const asks = this.topAsks;
    // walk both sides' levels order by order
    let s = '';
    let bl = 0; let bi = 0; let al = 0; let ai = 0;
    for (let k = 0; k < CHECKSUM_DEPTH && (k < nb || k < na); k++) {
      if (k < nb) {
        while (bi >= bids[bl].orders.length) { bl++; bi = 0; }
        const o = bids[bl].orders[bi++];
        s += (s === '' ? '' : ':') + o.id + ':' + o.amount;
      }
      if (k < na) {
        while (ai >= asks[al].orders.length) { al++; ai = 0; }
        const o = asks[al].orders[ai++];
        s += (s === '' ? '' : ':') + o.id + ':' + o.amount;
      }
    }
    return crc32Text(s);
  }

  /** Removes an order from its level (not from the order map), pushing the level's change. */
  private detach(o: RawOrder, batch: LevelBatch | undefined): void {
    const lv = o.level;
    const i = lv.orders.indexOf(o);
    if (i >= 0) lv.orders.splice(i, 1);
    if (lv.orders.length === 0) {
      (o.side === 1 ? this.bids : this.asks).delete(lv.price);
      batch?.push(o.side, lv.price, lv.priceText, '0', true);
      return;
    }
    lv.total = subExact(lv.total, o.abs);
    batch?.push(o.side, lv.price, lv.priceText, formatExact(lv.total), false);
  }

  /**
   * Fills `out` with the best levels holding the side's first CHECKSUM_DEPTH orders (each level's
   * orders sorted by id); returns how many orders they cover, at most CHECKSUM_DEPTH.
   */
  private bestOrders(levels: Map<number, RawLevel>, side: 1 | -1, out: RawLevel[]): number {
    // top-k selection by price: each level holds ≥ 1 order, so 25 levels are enough
    const k = CHECKSUM_DEPTH;
    let n = 0;
    for (const lv of levels.values()) {
      if (n === k && side * (lv.price - out[k - 1].price) <= 0) continue;
      let i = n < k ? n++ : k - 1;
      while (i > 0 && side * (lv.price - out[i - 1].price) > 0) {
        out[i] = out[i - 1];
        i--;
      }
      out[i] = lv;
    }
    let orders = 0;
    for (let i = 0; i < n && orders < k; i++) {
      const os = out[i].orders;
      if (os.length > 1) os.sort(byId);
      orders += os.length;
    }
    return Math.min(orders, k);
  }
}

const byId = (a: RawOrder, b: RawOrder): number => a.idNum - b.idNum;
