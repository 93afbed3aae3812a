// The individual orders behind the Bitfinex mode's price levels, for raw (R0) books. The market
// model works in levels; this gives each level 1–3 orders with stable, increasing ids and keeps them
// in line as the level changes: growth adds an order (or grows the newest), shrinkage removes the
// order of exactly that size, else shrinks one order, else eats orders oldest first (as fills do);
// 0 removes them all. So the orders at a price always sum to the level's amount (the P0 view), and a
// level's orders change only when its amount does.
import type { BookSide } from '../book-side.js';
import type { Formatter } from '../instruments.js';
import type { DiffFrame } from '../market.js';
import { hash32 } from '../rng.js';
import { bitfinexRawChecksum } from './wire.js';

/** The orders of one level, oldest (= lowest id) first. */
export interface LevelOrders {
  ids: number[];
  lots: number[];
}

const MAX_ORDERS = 3;
/** Orders a side that the R0 checksum covers. */
export const RAW_CHECKSUM_ORDERS = 25;

/** A stateless 32-bit mix of a level's price and size, for the deterministic choices below. */
function mix(ticks: number, lots: number): number {
  let h = Math.imul(ticks ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(lots, 0xc2b2ae35);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) >>> 0;
}

export class OrderModel {
  private readonly bids = new Map<number, LevelOrders>();
  private readonly asks = new Map<number, LevelOrders>();
  private nextId: number;
  /** Orders added or resized (still resting) by the last `applyFrame`: side, level, id. */
  readonly changedBid: boolean[] = [];
  readonly changedTicks: number[] = [];
  readonly changedIds: number[] = [];
  private recording = false;
  // Reusable top-25 buffers for the checksum.
  private readonly bi: number[] = [];
  private readonly bl: number[] = [];
  private readonly ai: number[] = [];
  private readonly al: number[] = [];

  constructor(venueSymbol: string) {
    // Ids above 2^32, like the venue's (~2.4e11), distinct per symbol.
    this.nextId = 240_000_000_000 + (hash32(venueSymbol) % 1_000_000_000);
  }

  /** Forgets every level (no raw subscriber left); ids keep increasing. */
  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  private newId(): number {
    const id = this.nextId;
    this.nextId += 1 + (id % 3);
    return id;
  }

  private note(bid: boolean, ticks: number, id: number): void {
    if (!this.recording) return;
    this.changedBid.push(bid);
    this.changedTicks.push(ticks);
    this.changedIds.push(id);
  }

  /** The orders of a level now holding `lots` > 0: created on first sight, else brought in line. */
  at(bid: boolean, ticks: number, lots: number): LevelOrders {
    const map = bid ? this.bids : this.asks;
    let o = map.get(ticks);
    if (o === undefined) {
      o = this.split(bid, ticks, lots);
      map.set(ticks, o);
    } else {
      this.reconcile(bid, ticks, o, lots);
    }
    return o;
  }

  /** The orders held for a level, if it is followed (read-only; no reconciling). */
  peek(bid: boolean, ticks: number): Readonly<LevelOrders> | undefined {
    return (bid ? this.bids : this.asks).get(ticks);
  }

  /** After one model frame: every changed level's orders follow its new size (0 = all gone). */
  applyFrame(f: DiffFrame): void {
    this.changedBid.length = this.changedTicks.length = this.changedIds.length = 0;
    this.recording = true;
    for (let i = 0; i < f.bidTicks.length; i++) this.update(true, f.bidTicks[i], f.bidLots[i]);
    for (let i = 0; i < f.askTicks.length; i++) this.update(false, f.askTicks[i], f.askLots[i]);
    this.recording = false;
  }

  private update(bid: boolean, ticks: number, lots: number): void {
    if (lots === 0) (bid ? this.bids : this.asks).delete(ticks);
    else this.at(bid, ticks, lots);
  }

  /** A new level: 1–3 orders (never more than its lots), sizes derived from price and size. */
  private split(bid: boolean, ticks: number, lots: number): LevelOrders {
    const h = mix(ticks, lots);
    const n = Math.min(lots, 1 + (h % MAX_ORDERS));
    const o: LevelOrders = { ids: [], lots: [] };
    let left = lots;
    for (let k = n; k > 1; k--) {
      // This order takes 20–60 % of what is left, leaving at least one lot per order after it.
      const share = Math.floor((left * (20 + ((h >>> (8 * k)) % 41))) / 100);
      const take = Math.max(1, Math.min(share, left - (k - 1)));
      this.push(bid, ticks, o, take);
      left -= take;
    }
    this.push(bid, ticks, o, left);
    return o;
  }

  private push(bid: boolean, ticks: number, o: LevelOrders, lots: number): void {
    const id = this.newId();
    o.ids.push(id);
    o.lots.push(lots);
    this.note(bid, ticks, id);
  }

  private reconcile(bid: boolean, ticks: number, o: LevelOrders, lots: number): void {
    let sum = 0;
    for (let k = 0; k < o.lots.length; k++) sum += o.lots[k];
    if (lots > sum) {
      const d = lots - sum;
      if (o.ids.length < MAX_ORDERS && mix(ticks, lots) % 4 !== 0) this.push(bid, ticks, o, d);
      else {
        const k = o.ids.length - 1;
        o.lots[k] += d;
        this.note(bid, ticks, o.ids[k]);
      }
      return;
    }
    let d = sum - lots;
    if (d === 0) return;
    const exact = o.lots.indexOf(d);
    if (exact >= 0) {
      o.ids.splice(exact, 1);
      o.lots.splice(exact, 1);
      return;
    }
    for (let k = 0; k < o.lots.length; k++) {
      if (o.lots[k] > d) {
        o.lots[k] -= d;
        this.note(bid, ticks, o.ids[k]);
        return;
      }
    }
    // Every order is smaller than the cut: fill them oldest first (sum > d, so one stays).
    while (d > 0) {
      if (o.lots[0] <= d) {
        d -= o.lots[0];
        o.ids.shift();
        o.lots.shift();
      } else {
        o.lots[0] -= d;
        this.note(bid, ticks, o.ids[0]);
        d = 0;
      }
    }
  }

  /** Position of order `id` at `ticks` in its side's order list (price, then id), or Infinity past 25. */
  rank(bid: boolean, side: BookSide, ticks: number, id: number): number {
    let cum = 0;
    for (let d = 0; d < side.length && cum < RAW_CHECKSUM_ORDERS; d++) {
      const t = side.ticksFromTop(d);
      const o = this.at(bid, t, side.lotsFromTop(d));
      if (t === ticks) {
        const k = o.ids.indexOf(id);
        return k < 0 ? Infinity : cum + k;
      }
      cum += o.ids.length;
    }
    return Infinity;
  }

  /** The R0 `cs` value of the book `bids`/`asks` (whose levels these orders follow). */
  checksum(fmt: Formatter, bids: BookSide, asks: BookSide): number {
    this.top(true, bids, this.bi, this.bl);
    this.top(false, asks, this.ai, this.al);
    return bitfinexRawChecksum(fmt, this.bi, this.bl, this.ai, this.al);
  }

  private top(bid: boolean, side: BookSide, ids: number[], lots: number[]): void {
    ids.length = lots.length = 0;
    for (let d = 0; d < side.length && ids.length < RAW_CHECKSUM_ORDERS; d++) {
      const o = this.at(bid, side.ticksFromTop(d), side.lotsFromTop(d));
      for (let k = 0; k < o.ids.length && ids.length < RAW_CHECKSUM_ORDERS; k++) {
        ids.push(o.ids[k]);
        lots.push(o.lots[k]);
      }
    }
  }
}
