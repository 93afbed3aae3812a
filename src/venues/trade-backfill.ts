// Trade backfill, the pure half: which trade ids of a symbol are missing, and what a REST page of
// trades by id fills. Venues that number each symbol's trades consecutively (Binance `t`, USDⓈ-M
// `a`) show a dropped socket as a jump in ids; FeedCore (live and replay alike) records the jump
// here, a live session fetches the ids over REST (trade-backfiller.ts), and the REST body, kept
// raw first, comes back through FeedCore. Every decision below is a function of the frames seen so
// far, so replay makes it at the same frame: which ids are missing (at the trade that jumped),
// which trades a body fills (at the body), and when a range is given up (a `trades-missed` conn
// mark the live session writes into the raw capture at the instant it decides).
import type { Gap, Trade } from '../core/events.js';
import type { RawFrame } from '../core/frames.js';

/**
 * A `conn` mark (connId 0): `trades-missed <venueSymbol> <fromId> <toId> <reason>`. The live
 * session gave up fetching these ids (REST failed, or the venue no longer has them).
 */
export const TRADES_MISSED_MARK = 'trades-missed ';

/** Pages one missing range may take; a jump wider than this many pages is a gap at once. */
export const MAX_BACKFILL_PAGES = 10;

/**
 * Missing ranges remembered per symbol: a link that keeps dropping opens a range each time; past
 * this many the oldest is given up (memory stays bounded whatever the venue does).
 */
export const MAX_MISSING_RANGES = 32;

/** One trade of a trades-by-id body, as the venue's trade stream would have carried it. */
export interface TradeById {
  id: number;
  /** Exchange time, epoch µs. */
  ts: number;
  price: string;
  amount: string;
  side: Trade['side'];
}

/** Inclusive range of trade ids. */
export type IdRange = readonly [from: number, to: number];

/** What happened to the ids of one range that will not be filled. */
export interface MissedIds {
  from: number;
  to: number;
  /** Ids of [from, to] that were still missing. */
  count: number;
}

/**
 * The missing trade ids of one symbol: disjoint inclusive ranges, oldest first, at most
 * MAX_MISSING_RANGES of them.
 */
export class MissingTradeIds {
  private ranges: [number, number][] = [];

  get size(): number {
    return this.ranges.length;
  }

  /** Ranges still missing, oldest first (a copy). */
  list(): IdRange[] {
    return this.ranges.map(([a, b]) => [a, b] as const);
  }

  /**
   * Ids `from..to` went missing (the trade after them has arrived). Returns the range pushed out
   * to stay within MAX_MISSING_RANGES, if one was.
   */
  add(from: number, to: number): MissedIds | undefined {
    if (to < from) return undefined;
    this.ranges.push([from, to]);
    this.ranges.sort((x, y) => x[0] - y[0]);
    if (this.ranges.length <= MAX_MISSING_RANGES) return undefined;
    const [a, b] = this.ranges.shift()!;
    return { from: a, to: b, count: b - a + 1 };
  }

  has(id: number): boolean {
    for (const [a, b] of this.ranges) {
      if (id < a) return false;
      if (id <= b) return true;
    }
    return false;
  }

  /** True when `id` was missing (it is not any more). */
  take(id: number): boolean {
    const r = this.ranges;
    for (let i = 0; i < r.length; i++) {
      const [a, b] = r[i];
      if (id < a) return false;
      if (id > b) continue;
      if (a === b) r.splice(i, 1);
      else if (id === a) r[i][0] = a + 1;
      else if (id === b) r[i][1] = b - 1;
      else r.splice(i, 1, [a, id - 1], [id + 1, b]);
      return true;
    }
    return false;
  }

  /** Stops waiting for the ids of [from, to]: how many of them were still missing (0: none). */
  drop(from: number, to: number): number {
    let count = 0;
    const kept: [number, number][] = [];
    for (const [a, b] of this.ranges) {
      const lo = Math.max(a, from), hi = Math.min(b, to);
      if (lo > hi) {
        kept.push([a, b]);
        continue;
      }
      count += hi - lo + 1;
      if (a < lo) kept.push([a, lo - 1]);
      if (hi < b) kept.push([hi + 1, b]);
    }
    this.ranges = kept;
    return count;
  }

  /** Forgets every range (ids restarted): what was still missing. */
  clear(): MissedIds[] {
    const out = this.ranges.map(([a, b]) => ({ from: a, to: b, count: b - a + 1 }));
    this.ranges = [];
    return out;
  }
}

/**
 * The first id a trade stands for: one push of some venues aggregates several matches under the
 * last one's id (OKX `count`, DecodeSink.event's `tradeIds`), covering the ids `id - n + 1 .. id`.
 * Anything but a whole count above 1 is a single trade.
 */
export function firstTradeId(id: number, tradeIds: number | undefined): number {
  return tradeIds !== undefined && Number.isSafeInteger(tradeIds) && tradeIds > 1 ? id - tradeIds + 1 : id;
}

/** Largest jump a venue's trades-by-id route may fill: wider ones are recorded as a gap at once. */
export function maxBackfill(maxLimit: number): number {
  return maxLimit * MAX_BACKFILL_PAGES;
}

/** The mark's text for giving up ids `from..to` of `venueSymbol`. */
export function tradesMissedMark(venueSymbol: string, from: number, to: number, reason: string): string {
  return `${TRADES_MISSED_MARK}${venueSymbol} ${from} ${to} ${reason.replace(/\s+/g, ' ').slice(0, 200)}`;
}

/** Reads a `trades-missed` mark; undefined when it is malformed. */
export function parseTradesMissedMark(data: string): { venueSymbol: string; from: number; to: number; reason: string } | undefined {
  const m = /^trades-missed (\S+) (\d{1,16}) (\d{1,16}) ?(.*)$/s.exec(data);
  if (m === null) return undefined;
  return { venueSymbol: m[1], from: Number(m[2]), to: Number(m[3]), reason: m[4] };
}

/**
 * The trades of a page (ids in any order) still missing, in id order, and how far the page
 * covered: trades below the request's fromId are not asked for, and trades newer than the
 * stream's newest are left to the stream.
 */
export function pageFill(missing: MissingTradeIds, page: readonly TradeById[], fromId: number, lastStreamId: number): { fill: TradeById[]; coveredTo: number } {
  const sorted = [...page].sort((x, y) => x.id - y.id);
  const fill: TradeById[] = [];
  let coveredTo = fromId - 1;
  for (const t of sorted) {
    if (t.id < fromId || t.id > lastStreamId) continue;
    coveredTo = t.id;
    if (missing.has(t.id)) fill.push(t);
  }
  return { fill, coveredTo };
}

/** The ledger-facing events of trade backfill (gap events of scope 'trades'). */
export interface TradeGapContext {
  venue: string;
  symbol: string;
  venueSymbol: string;
  ts: number;
  localTs: number;
}

/** A `gap` event of scope trades (backfill rows, ids missed), here and in trade-window.ts. */
export const tradesGap = (c: TradeGapContext, expected: string, got: string, action: Gap['action'], reason: string): Gap => ({
  type: 'gap', venue: c.venue, symbol: c.symbol, venueSymbol: c.venueSymbol, ts: c.ts, localTs: c.localTs,
  scope: 'trades', expected, got, action, reason,
});

/** Trades filled from a REST page: the `backfill` ledger row names the range, count and route. */
export function backfillEvent(c: TradeGapContext, fromId: number, coveredTo: number, fill: readonly TradeById[], route: string): Gap {
  const from = fill[0].id, to = fill[fill.length - 1].id;
  return tradesGap(c, `trade ids ${fromId}..${coveredTo}`, `${fill.length} trade${fill.length === 1 ? '' : 's'} over REST`, 'backfill',
    `backfill from=${from} to=${to} count=${fill.length} route=${route}`);
}

/**
 * A missing trade the stream brought late, after newer ones (a redundant line covering for the
 * other, or the old socket of a rotation): it follows them in the trades file, so a `backfill`
 * row names its id (route `stream`), as validate expects of every id that goes back.
 */
export function lateStreamEvent(c: TradeGapContext, id: string): Gap {
  return tradesGap(c, `trade id ${id}`, '1 trade brought late by the stream', 'backfill', `backfill from=${id} to=${id} count=1 route=stream`);
}

/** Ids that will not be filled: a `gap` row saying which and why. */
export function missedEvent(c: TradeGapContext, m: MissedIds, why: string): Gap {
  return tradesGap(c, `trade ids ${m.from}..${m.to}`, `${m.count} trades missing`, 'drop', `trades missed from=${m.from} to=${m.to} count=${m.count}: ${why}`);
}

/** The venue started its trade ids again: a warning row (nothing is lost: the new ids are kept). */
export function restartEvent(c: TradeGapContext, last: string, id: string): Gap {
  return tradesGap(c, `trade id after ${last}`, `trade id ${id}`, 'none', 'trade ids restarted (a new listing or a restarted venue): the new ids are kept');
}

/**
 * The route a venue serves trades by id from (VenueSpec.tradesById): `request` the trades with id
 * >= fromId, at most `limit` (<= `maxLimit`); `fromIdOf` the fromId of a captured request URL,
 * undefined for any other URL; `parse` a body's trades, or throws saying what was expected;
 * `route` its name in the ledger.
 */
export interface TradesByIdRoute {
  route: string;
  maxLimit: number;
  request(venueSymbol: string, fromId: number, limit: number): { path: string; weight: number };
  fromIdOf(url: string): number | undefined;
  parse(body: string): TradeById[];
}

/** What FeedCore holds of one symbol's trades. */
export interface TradeSlot {
  symbol: string;
  venueSymbol: string;
  /** The newest id the stream delivered (-1: none yet). */
  lastTradeId: number;
}

export interface TradeIdGapsOptions {
  venue: string;
  /** The venue's route; undefined: jumps are not tracked (the venue's ids are not consecutive). */
  byId: TradesByIdRoute | undefined;
  venueSymbols: Iterable<string>;
  /** A gap event to hand on (`warn`: also logged). */
  emit(ev: Gap, warn: boolean): void;
  /** Ids of this symbol went missing (live: fetch them). */
  onMissing?(venueSymbol: string): void;
}

/** FeedCore's trade-id bookkeeping for backfill: the missing ids of every symbol, and the gap rows. */
export class TradeIdGaps {
  /** A REST page's trades are being filled in (not a redundant line's late ones). */
  fillingFromRest = false;
  private readonly o: TradeIdGapsOptions;
  private readonly missing = new Map<string, MissingTradeIds>();

  constructor(o: TradeIdGapsOptions) {
    this.o = o;
    if (o.byId !== undefined) for (const v of o.venueSymbols) this.missing.set(v, new MissingTradeIds());
  }

  ranges(venueSymbol: string): IdRange[] {
    return this.missing.get(venueSymbol)?.list() ?? [];
  }

  /** True when `id` was missing (it has come: keep it). */
  take(venueSymbol: string, id: number): boolean {
    return this.missing.get(venueSymbol)?.take(id) === true;
  }

  /** An aggregated trade brought ids `from..to` besides its own: none of them is missing any more. */
  arrived(venueSymbol: string, from: number, to: number): void {
    if (from <= to) this.missing.get(venueSymbol)?.drop(from, to);
  }

  /** The stream went from `slot.lastTradeId` to `id`: the ids between are missing (or a gap at once, when too many). */
  jumped(slot: TradeSlot, id: number, ts: number, localTs: number): void {
    const missing = this.missing.get(slot.venueSymbol);
    if (missing === undefined) return;
    const from = slot.lastTradeId + 1, to = id - 1;
    const most = maxBackfill(this.o.byId!.maxLimit);
    if (to - from + 1 > most) {
      this.o.emit(missedEvent(this.at(slot, ts, localTs), { from, to, count: to - from + 1 }, `more than ${most} to backfill`), true);
      return;
    }
    const out = missing.add(from, to);
    if (out !== undefined) this.o.emit(missedEvent(this.at(slot, ts, localTs), out, `more than ${MAX_MISSING_RANGES} ranges waiting`), true);
    this.o.onMissing?.(slot.venueSymbol);
  }

  /** The venue started its ids again (`id` after `last`): a warning; ids of the old numbering still missing are given up. */
  restarted(slot: TradeSlot, id: string, last: string, ts: number, localTs: number): void {
    const c = this.at(slot, ts, localTs);
    this.o.emit(restartEvent(c, last, id), true);
    for (const m of this.missing.get(slot.venueSymbol)?.clear() ?? []) this.o.emit(missedEvent(c, m, 'trade ids restarted'), true);
  }

  /**
   * A trades-by-id page for `slot`: the trades still missing go to `fill` in id order (FeedCore's
   * de-dup takes them), then the `backfill` row; ids the page went past without holding are a gap.
   */
  page(slot: TradeSlot, f: RawFrame, fromId: number, fill: (t: Trade) => void, reject: (reason: string) => void): void {
    const missing = this.missing.get(slot.venueSymbol);
    if (missing === undefined) return;
    const byId = this.o.byId!;
    let page;
    try {
      page = byId.parse(f.data);
    } catch (e) {
      reject(`${byId.route} body for ${slot.venueSymbol}: ${(e as Error).message}`);
      return;
    }
    const got = pageFill(missing, page, fromId, slot.lastTradeId);
    this.fillingFromRest = true;
    try {
      for (const t of got.fill) {
        fill({
          type: 'trade', venue: f.venue, symbol: slot.symbol, venueSymbol: slot.venueSymbol, ts: t.ts, localTs: f.localTs,
          id: String(t.id), price: t.price, amount: t.amount, side: t.side,
        });
      }
    } finally {
      this.fillingFromRest = false;
    }
    const c = this.at(slot, got.fill.length > 0 ? got.fill[got.fill.length - 1].ts : f.localTs, f.localTs);
    if (got.fill.length > 0) this.o.emit(backfillEvent(c, fromId, got.coveredTo, got.fill, byId.route), false);
    const lost = got.coveredTo >= fromId ? missing.drop(fromId, got.coveredTo) : 0;
    if (lost > 0) this.o.emit(missedEvent(c, { from: fromId, to: got.coveredTo, count: lost }, `${byId.route} does not serve them`), true);
  }

  /** The stream brought trade `id` after newer ones (lateStreamEvent). */
  lateFromStream(slot: TradeSlot, id: string, ts: number, localTs: number): void {
    this.o.emit(lateStreamEvent(this.at(slot, ts, localTs), id), false);
  }

  /** A `trades-missed` mark: live gave up fetching these ids. */
  givenUp(f: RawFrame, slotOf: (venueSymbol: string) => TradeSlot | undefined): void {
    const m = parseTradesMissedMark(f.data);
    const slot = m === undefined ? undefined : slotOf(m.venueSymbol);
    if (m === undefined || slot === undefined) return;
    const count = this.missing.get(slot.venueSymbol)?.drop(m.from, m.to) ?? 0;
    if (count > 0) this.o.emit(missedEvent(this.at(slot, f.localTs, f.localTs), { from: m.from, to: m.to, count }, m.reason), true);
  }

  /**
   * The trading window opened (nothing before it was captured, so replay saw none of it): every
   * symbol starts afresh; `restart` resets a symbol's newest id.
   */
  windowOpened(restart: (venueSymbol: string) => void): void {
    for (const [v, missing] of this.missing) {
      missing.clear();
      restart(v);
    }
  }

  private at(slot: TradeSlot, ts: number, localTs: number): TradeGapContext {
    return { venue: this.o.venue, symbol: slot.symbol, venueSymbol: slot.venueSymbol, ts, localTs };
  }
}
