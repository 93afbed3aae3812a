// Raw (R0) books of one symbol in the Bitfinex mode: the order model behind the levels, one view per
// subscribed length, the R0 `cs` value, and the order the corrupt fault alters. A view at len L holds
// every order of the model's top L price levels a side (L counts price levels, as for P0), so its
// orders summed per price are the P0 view at L, and for L ≥ 25 it holds the 25 orders the checksum
// covers. Orders leaving the view are sent as deleted (`[id,0,±1]`), as P0 sends levels leaving it.
import type { BookSide } from '../book-side.js';
import type { DiffFrame } from '../market.js';
import type { SymbolState } from '../symbol-state.js';
import type { VenueConn } from '../venue/context.js';
import { SideView } from '../venue/depth-view.js';
import { OrderModel, RAW_CHECKSUM_ORDERS, type LevelOrders } from './orders.js';
import { rawEntry } from './wire.js';

/** Lengths a raw subscription may ask for (1 would not hold the checksummed orders). */
export const RAW_LENS: ReadonlySet<number> = new Set([25, 100, 250]);

/** The order a corrupt fault sends one lot larger. */
export interface RawTarget {
  bid: boolean;
  ticks: number;
  id: number;
}

/** What the clients of one raw length hold: levels as a SideView, and each level's orders (copies). */
export class RawView {
  readonly conns = new Set<VenueConn>();
  private readonly bids: SideView;
  private readonly asks: SideView;
  private readonly heldBids = new Map<number, LevelOrders>();
  private readonly heldAsks = new Map<number, LevelOrders>();
  private readonly t: number[] = [];
  private readonly l: number[] = [];

  constructor(readonly len: number) {
    this.bids = new SideView(len, true);
    this.asks = new SideView(len, true);
  }

  /** Takes the current book as the clients' state and appends its entries (bids then asks, best first). */
  snapshot(model: OrderModel, s: SymbolState, out: string[]): void {
    this.resetSide(true, this.bids, this.heldBids, s.market.bids, model, s, out);
    this.resetSide(false, this.asks, this.heldAsks, s.market.asks, model, s, out);
  }

  private resetSide(bid: boolean, view: SideView, held: Map<number, LevelOrders>, side: BookSide, model: OrderModel, s: SymbolState, out: string[]): void {
    view.reset(side);
    held.clear();
    for (let i = 0; i < view.ticks.length; i++) {
      const o = model.at(bid, view.ticks[i], view.lots[i]);
      held.set(view.ticks[i], { ids: o.ids.slice(), lots: o.lots.slice() });
      for (let k = 0; k < o.ids.length; k++) out.push(rawEntry(s.fmt, o.ids[k], view.ticks[i], o.lots[k], !bid));
    }
  }

  /** Moves to the current book, appending the changed orders; order `corruptId` goes out one lot larger. */
  diff(model: OrderModel, s: SymbolState, out: string[], corruptId: number): void {
    this.diffSide(true, this.bids, this.heldBids, s.market.bids, model, s, out, corruptId);
    this.diffSide(false, this.asks, this.heldAsks, s.market.asks, model, s, out, corruptId);
  }

  private diffSide(
    bid: boolean, view: SideView, held: Map<number, LevelOrders>, side: BookSide, model: OrderModel, s: SymbolState,
    out: string[], corruptId: number,
  ): void {
    const { t, l } = this;
    t.length = l.length = 0;
    view.diff(side, t, l);
    for (let i = 0; i < t.length; i++) {
      const ticks = t[i];
      const old = held.get(ticks);
      // lots 0: the level is gone or left the view; its orders leave the client's book.
      const now = l[i] === 0 ? undefined : model.at(bid, ticks, l[i]);
      if (old) {
        for (let k = 0; k < old.ids.length; k++) {
          if (!now || !now.ids.includes(old.ids[k])) out.push(rawEntry(s.fmt, old.ids[k], ticks, 0, !bid));
        }
      }
      if (!now) {
        held.delete(ticks);
        continue;
      }
      for (let k = 0; k < now.ids.length; k++) {
        const id = now.ids[k];
        const was = old ? old.ids.indexOf(id) : -1;
        if (was >= 0 && old!.lots[was] === now.lots[k]) continue;
        out.push(rawEntry(s.fmt, id, ticks, id === corruptId ? now.lots[k] + 1 : now.lots[k], !bid));
      }
      held.set(ticks, { ids: now.ids.slice(), lots: now.lots.slice() });
    }
  }
}

/** The raw books of one symbol: the orders exist while some client holds a raw view. */
export class RawBook {
  readonly views = new Map<number, RawView>();
  private readonly model: OrderModel;
  /** The R0 `cs` of the current book (valid while active). */
  checksum = 0;

  constructor(private readonly s: SymbolState) {
    this.model = new OrderModel(s.inst.venueSymbol);
  }

  get active(): boolean {
    return this.views.size > 0;
  }

  /** Adds a client at `len`; appends its snapshot entries. */
  add(c: VenueConn, len: number, out: string[]): void {
    const { market, fmt } = this.s;
    if (!this.active) this.checksum = this.model.checksum(fmt, market.bids, market.asks);
    let v = this.views.get(len);
    if (!v) {
      v = new RawView(len);
      this.views.set(len, v);
    }
    v.conns.add(c);
    // Each client gets the current book; a shared view's state is the current book between frames.
    v.snapshot(this.model, this.s, out);
  }

  remove(c: VenueConn): void {
    for (const [len, v] of this.views) {
      if (v.conns.delete(c) && v.conns.size === 0) this.views.delete(len);
    }
    if (!this.active) this.model.clear();
  }

  /** After one model frame (before any view diffs): orders follow, new checksum; true when it changed. */
  advance(f: DiffFrame): boolean {
    const { market, fmt } = this.s;
    this.model.applyFrame(f);
    const cs = this.model.checksum(fmt, market.bids, market.asks);
    const changed = cs !== this.checksum;
    this.checksum = cs;
    return changed;
  }

  /** A resting order this frame added or resized among its side's checksummed 25: every view sends it. */
  corruptTarget(): RawTarget | undefined {
    const m = this.model;
    const { bids, asks } = this.s.market;
    for (let i = 0; i < m.changedIds.length; i++) {
      const bid = m.changedBid[i];
      const ticks = m.changedTicks[i];
      const id = m.changedIds[i];
      const side = bid ? bids : asks;
      if (side.lotsAt(ticks) > 0 && m.rank(bid, side, ticks, id) < RAW_CHECKSUM_ORDERS) return { bid, ticks, id };
    }
    return undefined;
  }

  /** One view's update entries for this frame (see RawView.diff). */
  diff(v: RawView, out: string[], corruptId: number): void {
    v.diff(this.model, this.s, out, corruptId);
  }
}
