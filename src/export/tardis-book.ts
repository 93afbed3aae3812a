// incremental_book_L2 from the replayed, verified book: the SyncEngine's book_change events
// (replay with emitChanges) and its book status, turned into Tardis's rows.
//
// - Nothing is written while the book is not SYNCED. Each (re)sync starts with the full book as
//   is_snapshot=true rows: a REST snapshot is held until the bridging update proves it (status
//   SYNCED), a stream snapshot that (re)starts the book is written at once. So a gap in the
//   ledger shows as a new snapshot, as Tardis does after its own reconnects.
// - Each day's file (and the first file inside --from) starts with the book as it stands.
// - Changes are stamped no earlier than the snapshot they continue: updates buffered during a
//   resync are applied after the snapshot arrives, so their local_timestamp becomes its time
//   (their exchange timestamp is kept). Every file stays in local_timestamp order and no row
//   claims to be known before it was.
// - A change the engine rejects right after applying it (a checksum mismatch: the gap event
//   comes next, with the change's own times) is never written.
// - A venue that keeps only its top K levels (VenueSpec.bookDepth: Kraken, Bybit) sends no
//   delete for levels pushed out; the engine truncates, and so do the rows (amount 0).
// - A stream snapshot while SYNCED (a venue re-sending its book) is written as the changes from
//   the book before it, so consecutive snapshots never merge in a reader that clears its book
//   only when is_snapshot turns true; two snapshots with no change between are separated by
//   deletes of the first.
//
// The book is our own OrderBook, updated from the same changes; every book_snapshot event (a row
// of the book file) is compared with its top N, so the export proves itself as it goes.
import type { BookChange, BookSnapshot, Gap, Level, MarketEvent } from '../core/events.js';
import { isZeroAmount, parseDecimal } from '../book/levels.js';
import { OrderBook } from '../book/order-book.js';
import type { BookSide } from '../book/book-side.js';
import { levelRow } from './tardis-rows.js';

/** Where rows go: `at` picks the file of a receive time (true when a new file began). */
export interface DayOutput {
  at(localTs: number): boolean;
  /** Appends `n` rows (one, or the rows of one update). */
  write(rows: string, n?: number): void;
}

/** Receive times to write: [from, to). */
export interface Window {
  from: number;
  to: number;
}

export interface IncrementalStats {
  rows: number;
  snapshots: number;
  /** Changes dropped because the engine rejected them right after applying them. */
  rejected: number;
  /** Changes that came while no verified book was open (never expected). */
  unsynced: number;
  /** Book rows (book_snapshot events) whose top N this book did not show. */
  mismatches: number;
  firstMismatch: string | undefined;
}

export class IncrementalBook {
  readonly stats: IncrementalStats = { rows: 0, snapshots: 0, rejected: 0, unsynced: 0, mismatches: 0, firstMismatch: undefined };
  private readonly book = new OrderBook(1);
  private synced = false;
  /** The next snapshot starts a new verified book (after any non-SYNCED state). */
  private needSnapshot = true;
  /** A REST snapshot waiting for its bridging update. */
  private pending: BookChange | undefined;
  /** Receive time of the last snapshot written: no change is stamped earlier. */
  private floor = 0;
  /** The last rows written to the open file were a snapshot's. */
  private lastWasSnapshot = false;
  /** Rows of the last change, written once the next event shows the engine kept it. */
  private held = '';
  private heldTs = 0;
  private heldLocalTs = 0;
  private heldAt = 0;
  private heldRows = 0;
  /** Rows built by the change being handled. */
  private count = 0;

  constructor(
    private readonly prefix: string,
    private readonly out: DayOutput,
    private readonly window: Window,
    /** Levels per side the venue maintains (0: all). */
    private readonly keepDepth: number,
  ) {}

  onEvent(ev: MarketEvent): void {
    if (this.held !== '') {
      if (ev.type === 'gap' && this.rejects(ev)) {
        this.held = '';
        this.stats.rejected++;
      } else {
        this.flushHeld();
      }
    }
    switch (ev.type) {
      case 'status':
        if (ev.scope === 'book') this.onState(ev.state);
        break;
      case 'book_change':
        if (ev.isSnapshot) this.onSnapshot(ev);
        else this.onChange(ev);
        break;
      case 'book_snapshot':
        this.check(ev);
        break;
      default:
        break;
    }
  }

  /** End of the replay: the last change was kept. */
  finish(): void {
    if (this.held !== '') this.flushHeld();
  }

  /** Only a checksum is checked after the update is applied (sync-engine.ts apply → checksumOk). */
  private rejects(g: Gap): boolean {
    return g.scope === 'book' && g.action === 'resync' && g.ts === this.heldTs && g.localTs === this.heldLocalTs && g.expected.startsWith('checksum ');
  }

  private onState(state: string): void {
    if (state === 'SYNCED') {
      this.synced = true;
      const p = this.pending;
      if (p !== undefined) {
        this.pending = undefined;
        this.writeSnapshot(p);
      }
      return;
    }
    this.synced = false;
    this.needSnapshot = true;
    this.pending = undefined;
  }

  private onSnapshot(ev: BookChange): void {
    if (!this.synced) {
      this.pending = ev;
      return;
    }
    if (this.needSnapshot) this.writeSnapshot(ev);
    else this.refresh(ev);
  }

  private writeSnapshot(ev: BookChange): void {
    const at = ev.localTs;
    const write = this.inWindow(at);
    // a reader clears its book when is_snapshot turns true: a snapshot right after another one
    // (no change between) would merge into it, so the first one is deleted level by level
    if (write && !this.out.at(at) && this.lastWasSnapshot) {
      this.writeSide(this.book.bids, ev.ts, at, false, '0');
      this.writeSide(this.book.asks, ev.ts, at, false, '0');
    }
    this.load(ev.bids, ev.asks);
    this.needSnapshot = false;
    this.floor = at;
    if (write) this.writeFullBook(ev.ts, at);
  }

  /** A snapshot of a book already verified: written as the changes it makes. */
  private refresh(ev: BookChange): void {
    const at = Math.max(ev.localTs, this.floor);
    this.count = 0;
    const rows = this.sideDiff(this.book.bids, ev.bids, ev.ts, at, true) + this.sideDiff(this.book.asks, ev.asks, ev.ts, at, false);
    this.load(ev.bids, ev.asks);
    if (this.inWindow(at)) this.writeChange(rows, this.count, ev.ts, at);
  }

  private onChange(ev: BookChange): void {
    if (!this.synced || this.needSnapshot) {
      this.stats.unsynced++;
      return;
    }
    const at = Math.max(ev.localTs, this.floor);
    this.count = 0;
    let rows = '';
    for (let i = 0; i < ev.bids.length; i++) rows += this.apply(this.book.bids, ev.bids[i], ev.ts, at, true);
    for (let i = 0; i < ev.asks.length; i++) rows += this.apply(this.book.asks, ev.asks[i], ev.ts, at, false);
    if (this.keepDepth > 0) {
      rows += this.truncate(this.book.bids, ev.ts, at, true);
      rows += this.truncate(this.book.asks, ev.ts, at, false);
    }
    if (rows === '' || !this.inWindow(at)) return;
    this.held = rows;
    this.heldRows = this.count;
    this.heldTs = ev.ts;
    this.heldLocalTs = ev.localTs;
    this.heldAt = at;
  }

  private flushHeld(): void {
    const rows = this.held;
    this.held = '';
    this.writeChange(rows, this.heldRows, this.heldTs, this.heldAt);
  }

  /** Change rows; in a new file the book (already holding the change) is written instead. */
  private writeChange(rows: string, n: number, ts: number, at: number): void {
    if (rows === '') return;
    if (this.out.at(at)) {
      this.writeFullBook(ts, at);
      return;
    }
    this.out.write(rows, n);
    this.stats.rows += n;
    this.lastWasSnapshot = false;
  }

  private writeFullBook(ts: number, at: number): void {
    this.writeSide(this.book.bids, ts, at, true, undefined);
    this.writeSide(this.book.asks, ts, at, true, undefined);
    this.stats.snapshots++;
    this.lastWasSnapshot = true;
  }

  /** Every level of a side as rows (amount: the level's, or `amount` for deletes). */
  private writeSide(side: BookSide, ts: number, at: number, isSnapshot: boolean, amount: string | undefined): void {
    const bid = side.dir === 1;
    const levels = side.topRows(side.size);
    for (let i = 0; i < levels.length; i++) {
      this.out.write(levelRow(this.prefix, ts, at, isSnapshot, bid, levels[i][0], amount ?? levels[i][1]));
    }
    this.stats.rows += levels.length;
  }

  private apply(side: BookSide, l: Level, ts: number, at: number, bid: boolean): string {
    const price = parseDecimal(l[0]);
    if (isZeroAmount(l[1])) side.delete(price);
    else side.set(price, l[0], l[1]);
    this.count++;
    return levelRow(this.prefix, ts, at, false, bid, l[0], l[1]);
  }

  /** Deletes for the levels past keepDepth, as the engine drops them. */
  private truncate(side: BookSide, ts: number, at: number, bid: boolean): string {
    let rows = '';
    while (side.size > this.keepDepth) {
      const last = side.size - 1;
      rows += levelRow(this.prefix, ts, at, false, bid, side.priceTextAt(last)!, '0');
      this.count++;
      side.delete(side.priceAt(last));
    }
    return rows;
  }

  /** Rows turning `side` into `next`: deletes for levels gone, sets for levels new or changed. */
  private sideDiff(side: BookSide, next: readonly Level[], ts: number, at: number, bid: boolean): string {
    const want = new Map<number, Level>();
    for (const l of next) if (!isZeroAmount(l[1])) want.set(parseDecimal(l[0]), l);
    let rows = '';
    const have = side.topRows(side.size);
    const had = new Map<number, string>();
    for (const [p, a] of have) {
      const price = parseDecimal(p);
      had.set(price, a);
      if (!want.has(price)) {
        rows += levelRow(this.prefix, ts, at, false, bid, p, '0');
        this.count++;
      }
    }
    for (const [price, l] of want) {
      if (had.get(price) === l[1]) continue;
      rows += levelRow(this.prefix, ts, at, false, bid, l[0], l[1]);
      this.count++;
    }
    return rows;
  }

  private load(bids: readonly Level[], asks: readonly Level[]): void {
    this.book.loadSnapshot(bids, asks);
    if (this.keepDepth > 0) this.book.truncate(this.keepDepth);
  }

  private check(s: BookSnapshot): void {
    if (this.book.bids.sameTop(s.depth, s.bids) && this.book.asks.sameTop(s.depth, s.asks)) return;
    this.stats.mismatches++;
    this.stats.firstMismatch ??= `book row at local_timestamp ${s.localTs} (update id ${s.updateId})`;
  }

  private inWindow(localTs: number): boolean {
    return localTs >= this.window.from && localTs < this.window.to;
  }
}
