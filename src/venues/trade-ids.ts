// Trade ids, as FeedCore sees them frame by frame: which trades are second copies (a rotation's
// make-before-break overlap, a resubscription's snapshot of the last trades, a redundant line),
// which ids went missing (a jump: trade-backfill.ts fetches them), a venue starting its numbering
// again, and missing trades brought late. Live and replay make every decision here at the same
// frame, so they keep and drop the same trades.
import type { Trade } from '../core/events.js';
import { RecentIds, isIdRestart } from './recent-ids.js';
import { firstTradeId, type TradeIdGaps, type TradeSlot } from './trade-backfill.js';

/** Trade ids remembered per symbol for venues whose ids are not increasing numbers. */
const RECENT_TRADE_IDS = 512;
/** Trade ids remembered per symbol on redundant lines: how far one line may run ahead of the other. */
export const LINE_TRADE_IDS = 4096;
/**
 * Keys of other events (quotes, tickers, funding …) remembered per symbol on redundant lines. The
 * other line's copy comes within the lines' skew (well under a second; seconds for a stalled line):
 * 1024 keys cover 7 minutes of OKX's quotes and tickers (2.2 a second per symbol). A key can be a
 * whole event's JSON (about 200 B on OKX): at 4096 this ring was the redundant recorder's largest
 * holder, about 1.1 MiB per OKX symbol once full after 31 minutes (heap snapshots, 2026-12-07). A
 * copy later than the ring reaches is written twice (a duplicate row, nothing lost).
 */
export const LINE_EVENT_KEYS = 1024;

/** What is kept of one symbol's trades. */
export interface TradeIdSlot extends TradeSlot {
  /** Recent trade ids, for venues whose ids are not increasing numbers (spec.tradeIds). */
  recentTrades: RecentIds | undefined;
  duplicateTrades: number;
  /** Redundant lines carry this symbol: a trade one line missed may come late from the other. */
  redundant: boolean;
  /**
   * Recent trade ids of a venue with increasing ids, kept on redundant lines (a trade one line
   * missed still counts when the other brings it late) and where outages are filled by time window
   * (a page's trade is new unless the stream brought it).
   */
  lineTrades: RecentIds | undefined;
  /** Trades that came late from one line, missed by the other that had gone ahead. */
  tradesFilled: number;
}

export class TradeIdFilter {
  /**
   * `orderedIds`: the venue's numeric trade ids only ever increase (spec.tradeIds, the default);
   * `gaps`: the missing ids and their ledger rows; `windowed`: outages are filled by time window
   * (spec.recentTrades), so recent ids are remembered.
   */
  constructor(
    private readonly orderedIds: boolean,
    private readonly gaps: TradeIdGaps,
    private readonly windowed = false,
  ) {}

  /**
   * True when trade `ev` goes on (new, or a missing one brought late); false for a second copy,
   * counted. `tradeIds`: how many consecutive ids, ending at ev.id, an aggregated push stands for
   * (DecodeSink.event).
   */
  admit(slot: TradeIdSlot, ev: Trade, tradeIds: number | undefined): boolean {
    if (ev.id === '') return true;
    const id = this.orderedIds ? Number(ev.id) : NaN;
    // ids that are text, or numbers a venue sends out of order, are looked up among recent ones
    if (!Number.isSafeInteger(id)) {
      const verdict = (slot.recentTrades ??= new RecentIds(RECENT_TRADE_IDS)).check(ev.id);
      if (verdict === 'copy') {
        slot.duplicateTrades++;
        return false;
      }
      if (verdict === 'restart') this.gaps.restarted(slot, ev.id, 'a far higher one', ev.ts, ev.localTs);
      return true;
    }
    // increasing ids: anything not newer is a copy, unless it was missing
    if (id <= slot.lastTradeId && isIdRestart(id, slot.lastTradeId)) {
      this.gaps.restarted(slot, ev.id, String(slot.lastTradeId), ev.ts, ev.localTs);
      slot.lastTradeId = -1;
    }
    if (id <= slot.lastTradeId && !this.late(slot, id, ev)) {
      slot.duplicateTrades++;
      return false;
    }
    // an aggregated trade (OKX `count`) stands for the ids up to its own: a jump is measured
    // from its first id, and none of its ids is missing any more
    const first = firstTradeId(id, tradeIds);
    if (first < id) this.gaps.arrived(slot.venueSymbol, first, id - 1);
    if (first > slot.lastTradeId + 1 && slot.lastTradeId >= 0) this.gaps.jumped(slot, first, ev.ts, ev.localTs);
    if (id > slot.lastTradeId) slot.lastTradeId = id;
    if (slot.redundant || this.windowed) (slot.lineTrades ??= new RecentIds(LINE_TRADE_IDS)).seen(ev.id);
    return true;
  }

  /**
   * A trade of a recent-trades page inside an outage window (trade-window.ts): new unless the
   * stream brought it. Increasing ids: the page's trades lie at or below the newest id, so they
   * are looked up among the recent ones instead of compared with it.
   */
  admitFromWindow(slot: TradeIdSlot, ev: Trade): boolean {
    const id = this.orderedIds ? Number(ev.id) : NaN;
    if (!Number.isSafeInteger(id) || ev.id === '') return this.admit(slot, ev, undefined);
    if ((slot.lineTrades ??= new RecentIds(LINE_TRADE_IDS)).seen(ev.id)) {
      slot.duplicateTrades++;
      return false;
    }
    if (id > slot.lastTradeId) slot.lastTradeId = id;
    return true;
  }

  /**
   * A trade id at or below the newest that was never recorded, so it is kept: one of the missing
   * ids (filled from REST, or brought late by the stream) or a redundant line's late copy.
   */
  private late(slot: TradeIdSlot, id: number, ev: Trade): boolean {
    const missing = this.gaps.take(slot.venueSymbol, id);
    if (this.gaps.fillingFromRest) return missing;
    const late = this.lateOnLine(slot, ev.id) || missing;
    // it follows newer trades in the file: the ledger names it (a REST page names its own range)
    if (late) this.gaps.lateFromStream(slot, ev.id, ev.ts, ev.localTs);
    return late;
  }

  /**
   * Redundant lines: a trade id at or below the newest is a second copy, unless it was never seen
   * (the line that went ahead had missed it, and this one brings it late): then it is recorded.
   */
  private lateOnLine(slot: TradeIdSlot, id: string): boolean {
    if (!slot.redundant || (slot.lineTrades ??= new RecentIds(LINE_TRADE_IDS)).seen(id)) return false;
    slot.tradesFilled++;
    return true;
  }
}
