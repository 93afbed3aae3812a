// One symbol's replayed events into its Tardis files, one DayFiles per data type asked for:
//   trades             every trade (de-duplicated by the same FeedCore as live capture)
//   incremental_book_L2  tardis-book.ts
//   book_snapshot_25/5 the verified book's top 25 / 5 at every row of marketfeed's book file (the
//                      book_snapshot events: a row whenever the recorded top N changed); _5 and
//                      quotes only when their own levels changed, as Tardis computes them. A
//                      recording keeps `depth` levels a side: past it the cells stay empty.
//   quotes             best bid/ask of the verified book (Tardis's quotes are the book's top,
//                      not the venue's own best bid/offer stream)
//   derivative_ticker  the latest funding, open interest, index and mark price, a row whenever
//                      one of them changed (ticker `last` fills last_price when a venue sends it)
//   liquidations       every liquidation event
// Each type's first row of a day file is always written, so every file stands on its own.
import type { BookSnapshot, Derivative, Level, MarketEvent, Ticker } from '../core/events.js';
import { DayFiles, type ExportFiles } from './export-files.js';
import { IncrementalBook, type Window } from './tardis-book.js';
import { tardisFileName, type TardisMarket } from './tardis-exchanges.js';
import {
  emptyTickerState, liquidationRow, quoteRow, rowPrefix, snapshotRow, tickerRow, tradeRow, SNAPSHOT_LEVELS, TARDIS_HEADERS,
  type TardisDataType, type TickerState,
} from './tardis-rows.js';

export interface SymbolExportOptions {
  market: TardisMarket;
  types: ReadonlySet<TardisDataType>;
  files: ExportFiles;
  window: Window;
  /** Levels per side the venue maintains (VenueSpec.bookDepth; 0: all). */
  keepDepth: number;
}

export class SymbolExport {
  readonly rows: Partial<Record<TardisDataType, number>> = {};
  readonly book: IncrementalBook | undefined;
  private readonly prefix: string;
  private readonly out: Partial<Record<TardisDataType, DayFiles>> = {};
  private readonly window: Window;
  private ticker: TickerState = emptyTickerState();
  private last5Bids: Level[] = [];
  private last5Asks: Level[] = [];
  private lastBid: Level | undefined;
  private lastAsk: Level | undefined;

  constructor(o: SymbolExportOptions) {
    this.prefix = rowPrefix(o.market.exchange, o.market.symbol);
    this.window = o.window;
    for (const t of o.types) {
      this.out[t] = new DayFiles(o.files, t, TARDIS_HEADERS[t], (isoDay) => tardisFileName(o.market, t, isoDay));
      this.rows[t] = 0;
    }
    const l2 = this.out.incremental_book_L2;
    this.book = l2 && new IncrementalBook(this.prefix, l2, o.window, o.keepDepth);
  }

  onEvent(ev: MarketEvent): void {
    this.book?.onEvent(ev);
    switch (ev.type) {
      case 'trade':
        if (this.out.trades && this.open(this.out.trades, ev.localTs)) this.put('trades', tradeRow(this.prefix, ev));
        break;
      case 'book_snapshot':
        this.onTop(ev);
        break;
      case 'derivative':
        this.onDerivative(ev);
        break;
      case 'ticker':
        this.onTicker(ev);
        break;
      case 'liquidation':
        if (this.out.liquidations && this.open(this.out.liquidations, ev.localTs)) this.put('liquidations', liquidationRow(this.prefix, ev));
        break;
      default:
        break;
    }
  }

  /** End of the replay: the last rows out, every file to be closed. */
  finish(): void {
    this.book?.finish();
    if (this.book) this.rows.incremental_book_L2 = this.book.stats.rows;
    for (const d of Object.values(this.out)) d.close();
  }

  /** Rows kept in a file of an earlier day than their own (never expected). */
  get lateRows(): number {
    let n = 0;
    for (const d of Object.values(this.out)) n += d.lateRows;
    return n;
  }

  private onTop(s: BookSnapshot): void {
    const t = s.localTs;
    const d25 = this.out.book_snapshot_25;
    if (d25 && this.open(d25, t)) this.put('book_snapshot_25', snapshotRow(this.prefix, s.ts, t, s.bids, s.asks, SNAPSHOT_LEVELS.book_snapshot_25));
    const d5 = this.out.book_snapshot_5;
    if (d5 && this.inWindow(t)) {
      const fresh = d5.at(t);
      if (fresh || !sameLevels(s.bids, this.last5Bids, 5) || !sameLevels(s.asks, this.last5Asks, 5)) {
        this.last5Bids = s.bids;
        this.last5Asks = s.asks;
        this.put('book_snapshot_5', snapshotRow(this.prefix, s.ts, t, s.bids, s.asks, SNAPSHOT_LEVELS.book_snapshot_5));
      }
    }
    const dq = this.out.quotes;
    if (dq && this.inWindow(t)) {
      const fresh = dq.at(t);
      const bid = s.bids[0];
      const ask = s.asks[0];
      if (fresh || !sameLevel(bid, this.lastBid) || !sameLevel(ask, this.lastAsk)) {
        this.lastBid = bid;
        this.lastAsk = ask;
        this.put('quotes', quoteRow(this.prefix, s.ts, t, bid, ask));
      }
    }
  }

  private onDerivative(d: Derivative): void {
    const s = this.ticker;
    const next: TickerState = {
      fundingTs: d.nextFundingTs === undefined ? s.fundingTs : String(d.nextFundingTs),
      fundingRate: d.fundingRate ?? s.fundingRate,
      predictedFundingRate: s.predictedFundingRate,
      openInterest: d.openInterest ?? s.openInterest,
      lastPrice: s.lastPrice,
      indexPrice: d.indexPrice ?? s.indexPrice,
      markPrice: d.markPrice ?? s.markPrice,
    };
    this.tickerChanged(next, d.ts, d.localTs);
  }

  /** A ticker's last price joins the derivative columns; a market with no derivative data gets no rows. */
  private onTicker(t: Ticker): void {
    if (t.last === undefined || t.last === this.ticker.lastPrice) return;
    const next = { ...this.ticker, lastPrice: t.last };
    if (next.fundingRate === '' && next.openInterest === '' && next.indexPrice === '' && next.markPrice === '' && next.fundingTs === '') {
      this.ticker = next;
      return;
    }
    this.tickerChanged(next, t.ts, t.localTs);
  }

  private tickerChanged(next: TickerState, ts: number, localTs: number): void {
    const s = this.ticker;
    const changed = next.fundingTs !== s.fundingTs || next.fundingRate !== s.fundingRate || next.openInterest !== s.openInterest ||
      next.lastPrice !== s.lastPrice || next.indexPrice !== s.indexPrice || next.markPrice !== s.markPrice;
    this.ticker = next;
    const d = this.out.derivative_ticker;
    if (d === undefined || !this.inWindow(localTs)) return;
    if (d.at(localTs) || changed) this.put('derivative_ticker', tickerRow(this.prefix, ts, localTs, next));
  }

  /** Picks the day file for a row at `localTs`; false outside the window. */
  private open(d: DayFiles, localTs: number): boolean {
    if (!this.inWindow(localTs)) return false;
    d.at(localTs);
    return true;
  }

  private put(t: TardisDataType, row: string): void {
    this.out[t]!.write(row);
    this.rows[t]!++;
  }

  private inWindow(localTs: number): boolean {
    return localTs >= this.window.from && localTs < this.window.to;
  }
}

function sameLevel(a: Level | undefined, b: Level | undefined): boolean {
  if (a === b) return true;
  return a !== undefined && b !== undefined && a[0] === b[0] && a[1] === b[1];
}

/** The first n levels of a and b read the same (rows are shared tuples: mostly an identity check). */
function sameLevels(a: readonly Level[], b: readonly Level[], n: number): boolean {
  const k = Math.min(n, a.length);
  if (k !== Math.min(n, b.length)) return false;
  for (let i = 0; i < k; i++) if (!sameLevel(a[i], b[i])) return false;
  return true;
}
