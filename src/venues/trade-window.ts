// Trade backfill by time window, the pure half, for venues whose trade ids cannot show a gap (not
// consecutive: Bybit `i`, KuCoin `tradeId`; Coinbase, whose REST trades are asked by time). When the last socket carrying a symbol's trades
// closes, an outage window opens at the exchange time of the newest trade seen; the next trade
// the stream brings closes it. A live session then asks the venue's recent-trades route once
// (trade-backfiller.ts); the body, kept raw first, comes back through FeedCore, which keeps the
// trades inside the window whose ids were not seen. Every decision is a function of the frames
// seen so far (conn marks, trades, REST bodies, the `trades-window-missed` mark live writes when
// it gives up), so replay makes it at the same frame.
import type { Gap, Trade } from '../core/events.js';
import type { RawFrame } from '../core/frames.js';
import { tradesGap, type TradeGapContext } from './trade-backfill.js';

/** A `conn` mark (connId 0): `trades-window-missed <venueSymbol> <fromUs> <toUs> <reason>`: live gave the window up. */
export const TRADES_WINDOW_MISSED_MARK = 'trades-window-missed ';

/** One trade of a recent-trades body, as the venue's trade stream would have carried it. */
export interface RecentTrade {
  id: string;
  /** Exchange time, epoch µs. */
  ts: number;
  price: string;
  amount: string;
  side: Trade['side'];
}

/**
 * The route a venue serves its newest trades from (VenueSpec.recentTrades): `request` the newest
 * `maxLimit` (of the window's time range where the venue takes one: Coinbase start/end; Bybit takes
 * none); `matches` a captured request URL of this route; `parse` a body's trades, oldest first
 * (as the stream would have brought them), or throws saying what was expected; `route` its name
 * in the ledger.
 */
export interface RecentTradesRoute {
  route: string;
  maxLimit: number;
  request(venueSymbol: string, window: { from: number; to: number }): { path: string; weight: number };
  matches(url: string): boolean;
  parse(body: string): RecentTrade[];
}

/** An outage of one symbol's trades: from the newest trade before it to the first after it (undefined: still out). */
export interface TradeWindow {
  from: number;
  to: number | undefined;
}

export function tradesWindowMissedMark(venueSymbol: string, from: number, to: number, reason: string): string {
  return `${TRADES_WINDOW_MISSED_MARK}${venueSymbol} ${from} ${to} ${reason.replace(/\s+/g, ' ').slice(0, 200)}`;
}

export function parseTradesWindowMissedMark(data: string): { venueSymbol: string; from: number; to: number; reason: string } | undefined {
  const m = /^trades-window-missed (\S+) (\d{1,16}) (\d{1,16}) ?(.*)$/s.exec(data);
  if (m === null) return undefined;
  return { venueSymbol: m[1], from: Number(m[2]), to: Number(m[3]), reason: m[4] };
}

/** Trades filled from a recent-trades page: ids are not a range, so the row names the first and last id filled and the window. */
export function windowBackfillEvent(c: TradeGapContext, from: number, to: number, fill: readonly RecentTrade[], route: string): Gap {
  const n = fill.length;
  return tradesGap(c, `trades ${from}..${to} µs after a reconnect`, `${n} trade${n === 1 ? '' : 's'} over REST`, 'backfill',
    `backfill from=${fill[0].id} to=${fill[n - 1].id} count=${n} route=${route} window=${from}..${to}`);
}

/** Part of a window that will not be filled: a `gap` row saying which and why. */
export function windowMissedEvent(c: TradeGapContext, from: number, to: number, why: string): Gap {
  return tradesGap(c, `trades ${from}..${to} µs`, 'trades may be missing', 'drop', `trades missed window=${from}..${to}: ${why}`);
}

export interface TradeWindowsOptions {
  venue: string;
  /** The venue's route; undefined: no windows are tracked. */
  route: RecentTradesRoute | undefined;
  venueSymbols: Iterable<string>;
  emit(ev: Gap, warn: boolean): void;
  /** A window of this symbol closed (live: fetch the recent trades). */
  onWindow?(venueSymbol: string): void;
}

interface WindowSlot {
  symbol: string;
  venueSymbol: string;
}

/** FeedCore's outage windows per symbol and their ledger rows. */
export class TradeWindows {
  private readonly o: TradeWindowsOptions;
  /** Exchange time of the newest trade the stream brought, per symbol (absent: none yet). */
  private readonly newest = new Map<string, number>();
  private readonly windows = new Map<string, TradeWindow>();
  private readonly tracked: Set<string>;

  constructor(o: TradeWindowsOptions) {
    this.o = o;
    this.tracked = new Set(o.route === undefined ? [] : o.venueSymbols);
  }

  /** The symbol's window, if one is open or waiting to be filled (a copy). */
  window(venueSymbol: string): TradeWindow | undefined {
    const w = this.windows.get(venueSymbol);
    return w === undefined ? undefined : { ...w };
  }

  /** The stream brought a trade (admitted): the newest time moves on; an open window closes at it. */
  seen(venueSymbol: string, ts: number): void {
    if (!this.tracked.has(venueSymbol)) return;
    const n = this.newest.get(venueSymbol);
    if (n === undefined || ts > n) this.newest.set(venueSymbol, ts);
    const w = this.windows.get(venueSymbol);
    if (w !== undefined && w.to === undefined) {
      w.to = Math.max(ts, w.from);
      this.o.onWindow?.(venueSymbol);
    }
  }

  /**
   * The last socket carrying these symbols closed: a window opens at each one's newest trade (one
   * still waiting to be filled reopens: the next fill covers both outages).
   */
  closed(venueSymbols: Iterable<string>): void {
    for (const v of venueSymbols) {
      const n = this.newest.get(v);
      if (n === undefined || !this.tracked.has(v)) continue;
      const w = this.windows.get(v);
      if (w === undefined) this.windows.set(v, { from: n, to: undefined });
      else w.to = undefined;
    }
  }

  /**
   * A recent-trades body for `slot`: trades inside the window go to `fill` oldest first (it says
   * whether the trade was new), then the `backfill` row; a full page that does not reach back to
   * the window's start ledgers the part it does not cover.
   */
  page(slot: WindowSlot, f: RawFrame, fill: (t: Trade) => boolean, reject: (reason: string) => void): void {
    const w = this.windows.get(slot.venueSymbol);
    const route = this.o.route;
    if (w === undefined || route === undefined) return;
    let rows;
    try {
      rows = route.parse(f.data);
    } catch (e) {
      reject(`${route.route} body for ${slot.venueSymbol}: ${(e as Error).message}`);
      return;
    }
    const to = w.to ?? this.newest.get(slot.venueSymbol) ?? w.from;
    // oldest first already: a stable sort keeps the venue's order within a timestamp
    const sorted = rows.slice().sort((x, y) => x.ts - y.ts);
    const filled: { id: string; ts: number; price: string; amount: string; side: Trade['side'] }[] = [];
    for (const t of sorted) {
      if (t.ts < w.from || t.ts > to) continue;
      const ev: Trade = {
        type: 'trade', venue: f.venue, symbol: slot.symbol, venueSymbol: slot.venueSymbol, ts: t.ts, localTs: f.localTs,
        id: t.id, price: t.price, amount: t.amount, side: t.side,
      };
      if (fill(ev)) filled.push(t);
    }
    const c = { venue: this.o.venue, symbol: slot.symbol, venueSymbol: slot.venueSymbol, ts: filled.length > 0 ? filled[filled.length - 1].ts : to, localTs: f.localTs };
    if (filled.length > 0) this.o.emit(windowBackfillEvent(c, w.from, to, filled, route.route), false);
    const oldest = sorted.length > 0 ? sorted[0].ts : undefined;
    if (sorted.length >= route.maxLimit && oldest !== undefined && oldest > w.from) {
      this.o.emit(windowMissedEvent(c, w.from, Math.min(oldest, to), `${route.route} does not reach back`), true);
    }
    if (w.to !== undefined) this.windows.delete(slot.venueSymbol);
    else w.from = to; // reopened while the page was asked: the rest waits for the next trade
  }

  /** A `trades-window-missed` mark: live gave this window up. */
  givenUp(f: RawFrame, slotOf: (venueSymbol: string) => WindowSlot | undefined): void {
    const m = parseTradesWindowMissedMark(f.data);
    const slot = m === undefined ? undefined : slotOf(m.venueSymbol);
    const w = slot === undefined ? undefined : this.windows.get(slot.venueSymbol);
    if (m === undefined || slot === undefined || w === undefined || w.from !== m.from || w.to !== m.to) return;
    this.windows.delete(slot.venueSymbol);
    const c = { venue: this.o.venue, symbol: slot.symbol, venueSymbol: slot.venueSymbol, ts: f.localTs, localTs: f.localTs };
    this.o.emit(windowMissedEvent(c, m.from, m.to, m.reason), true);
  }

  /** The trading window opened (nothing before it was captured): every symbol starts afresh. */
  windowOpened(): void {
    this.windows.clear();
    this.newest.clear();
  }
}
