// SyncEngine: keeps one symbol's book verified. It buffers diffs until a snapshot arrives, bridges
// the snapshot to the stream with the venue's BookRule, verifies every later diff, and turns any
// doubt into a `gap` event plus a resync. All state transitions are in `transition()`; every one
// emits a `status` event. No book_snapshot is produced unless the state is SYNCED.
//
//   CONNECTING ─onConnected→ SNAPSHOT ─snapshot→ SYNCING ─bridging diff→ SYNCED
//        ▲                      ▲  refetch ↺        │                      │ gap
//        └──── onDisconnected ──┴───────────────────┴──── RESYNCING ◄──────┘
//
// Venues whose snapshots come on the websocket (`snapshotVia: 'ws'`: Kraken, Bitfinex, OKX) skip
// SYNCING: a stream snapshot is the start of the stream, so it goes straight to SYNCED, and a
// resync asks the owner to resubscribe. Checksum venues (BookRule.checksum) have the book's top
// checked against the venue's checksum after every update that carries one (and on Bitfinex's
// own checksum frames); a mismatch is a gap, or only counted for advisory symbols.
//
// Hot path (onDiff → apply → emitTop): book_snapshot rows reuse the book's per-level row tuples
// (BookSide.topRows) and "same top as the last row" is an identity check first. Measured with
// bench/decode-book.bench.mjs (Node 20.20, 2-core EPYC), top-20 rows: 139k → 160k msg/s from this
// alone (a fresh [price, amount] array per row and a text-by-text comparison before).
import type { BookState, Level, MarketEvent } from '../core/events.js';
import { nowUs } from '../core/time.js';
import { LevelBatch } from './levels.js';
import { OrderBook } from './order-book.js';
import { QuoteCheck, type QuoteAtId, type QuoteVerdict } from './quote-check.js';
import type { BookRule, BookSnapshotInput, ChecksumRule, DepthUpdate, Verdict } from './types.js';
import { UndoLog } from './undo-log.js';

export interface SyncEngineOptions {
  venue: string;
  symbol: string;
  venueSymbol: string;
  /** N of emitted book_snapshot events. */
  depth: number;
  rule: BookRule;
  /** status (scope 'book'), gap, book_snapshot, and book_change when emitChanges. */
  emit(ev: MarketEvent): void;
  /** Asks the owner for a snapshot; it later calls onSnapshot or onSnapshotFailed. */
  requestSnapshot(): void;
  /** Also emit book_change events (materialized plain objects). Off by default: hot path. */
  emitChanges?: boolean;
  /** Cap of buffered diffs while waiting for a snapshot (default 10000); overflow drops the oldest. */
  maxBuffer?: number;
  /** Clock for status/gap events (epoch µs). */
  now?: () => number;
  /**
   * What a disagreement with the venue's best bid/ask stream (quote-check.ts) does: 'resync'
   * treats it as a gap; 'count' (default) counts it and emits an advisory gap event (action
   * 'none'), keeping the book; 'off' skips the check.
   */
  quoteCheck?: 'off' | 'count' | 'resync';
  /** Where snapshots come from (VenueSpec.bookSnapshot); default 'rest'. */
  snapshotVia?: 'rest' | 'ws';
  /** Keep only this many levels per side after each update (VenueSpec.bookDepth); 0 = all. */
  keepDepth?: number;
  /** A checksum mismatch only counts and emits an advisory gap (the venue's checksum is unreliable). */
  checksumAdvisory?: boolean;
}

export interface SyncCounters {
  /** Diffs applied to the verified book. */
  applied: number;
  /** Diffs ignored as already covered by the book (dropped before the bridge, or u < local id). */
  stale: number;
  gaps: number;
  resyncs: number;
  /** Snapshots loaded into the book. */
  snapshots: number;
  /** Snapshots thrown away as older than the buffered stream (fetched again). */
  refetches: number;
  /** book_snapshot events emitted. */
  rows: number;
  /** Buffered diffs dropped because the buffer was full. */
  overflows: number;
  /** Quotes compared with the book at the same update id, and how many disagreed. */
  quoteChecks: number;
  quoteMismatches: number;
  /** Venue checksums compared with the book, and how many disagreed. */
  checksumChecks: number;
  checksumMismatches: number;
  /** Updates dropped because no stream snapshot had started the book ('ws' venues). */
  unsynced: number;
  /**
   * Redundant lines (verifyCopies): copies whose own checksum failed, undone and taken from the
   * other line instead (not gaps).
   */
  copiesRejected: number;
}

const DEFAULT_MAX_BUFFER = 10_000;
/**
 * verifyCopies with checksum frames of their own (Bitfinex sends one every update batch): updates
 * kept undoable while no checksum comes, at most (their undo entries at most 4× as many).
 */
export const MAX_UNCONFIRMED = 5_000;

export class SyncEngine {
  readonly book: OrderBook;
  readonly counters: SyncCounters = {
    applied: 0, stale: 0, gaps: 0, resyncs: 0, snapshots: 0, refetches: 0, rows: 0, overflows: 0,
    quoteChecks: 0, quoteMismatches: 0, checksumChecks: 0, checksumMismatches: 0, unsynced: 0,
    copiesRejected: 0,
  };
  private readonly quotes = new QuoteCheck();
  private readonly quoteMode: 'off' | 'count' | 'resync';
  private _state: BookState = 'CONNECTING';
  private _lastId = -1;
  /** lastUpdateId of the loaded snapshot, while SYNCING. */
  private snapshotId = -1;
  /** The subscription is live (onConnected seen since the last disconnect). */
  private connected = false;
  private snapshotRequested = false;
  /** The snapshot was loaded with an empty buffer: check it against the first diff to come. */
  private checkUsable = false;
  /** SNAPSHOT on the first sync, RESYNCING after a gap or a disconnect of a synced book. */
  private waitState: 'SNAPSHOT' | 'RESYNCING' = 'SNAPSHOT';
  private readonly buffer: DepthUpdate[] = [];
  private readonly opts: SyncEngineOptions;
  private readonly maxBuffer: number;
  private readonly now: () => number;
  /**
   * Local time of the input being handled (the diff's or snapshot's receive time): status and gap
   * events carry it instead of reading the clock, so a replay of the same raw frames reproduces
   * them exactly.
   */
  private inputTs = 0;
  private readonly emitChanges: boolean;
  private readonly ws: boolean;
  private keepDepth: number;
  private readonly checksum: ChecksumRule | undefined;
  /** Rows wait for the venue's next checksum frame (ChecksumRule.deferred). */
  private readonly deferRows: boolean;
  /** The book changed in its top N since the last row, and awaits a checksum to confirm it. */
  private rowPending = false;
  /** The rows of the last book_snapshot emitted. */
  private lastBids: Level[] = [];
  private lastAsks: Level[] = [];
  /** Redundant lines (verifyCopies): what the update being checked changed, to take it back. */
  private undo: UndoLog | undefined = undefined;
  private onBadCopy: ((u: DepthUpdate | undefined) => boolean) | undefined = undefined;
  /** The last update checked by its checksum was a copy taken back: a second bad one in a row is a gap. */
  private copyRejected = false;
  /**
   * verifyCopies with checksum frames of their own (Bitfinex): updates applied since the last good
   * checksum, and their book_change events, held until a checksum confirms them.
   */
  private unconfirmed = 0;
  /** Updates were committed unconfirmed (MAX_UNCONFIRMED) since the last checksum frame: nothing can be taken back. */
  private committedUnconfirmed = false;
  private readonly pendingChanges: MarketEvent[] = [];

  constructor(opts: SyncEngineOptions) {
    this.opts = opts;
    this.book = new OrderBook(opts.depth);
    this.maxBuffer = opts.maxBuffer ?? DEFAULT_MAX_BUFFER;
    this.now = opts.now ?? nowUs;
    this.quoteMode = opts.quoteCheck ?? 'count';
    this.emitChanges = opts.emitChanges === true;
    this.ws = opts.snapshotVia === 'ws';
    this.keepDepth = opts.keepDepth ?? 0;
    this.checksum = opts.rule.checksum;
    this.deferRows = opts.rule.checksum?.deferred === true;
  }

  /**
   * Redundant A/B lines: before the book commits to an update whose own checksum (OKX, Kraken)
   * disagrees, it takes the update back and asks `onBadCopy` whether another line can supply it.
   * True: the book is as before the update (no row, no change event, no gap; the owner hands the
   * other line's copy over, at once or later); false: a gap, as without redundancy. Two bad copies
   * in a row (the other line's fails too) are a gap without asking. Called by the owner once it
   * knows the symbol is redundant (the lines' `open` marks), so other books keep no undo log.
   * Checksum frames of their own (Bitfinex `cs`) confirm every update since the last good one: a
   * failing one takes them all back and asks `onBadCopy(undefined)`; their book_change events wait
   * for the checksum that confirms them.
   */
  verifyCopies(onBadCopy: (u: DepthUpdate | undefined) => boolean): void {
    if (this.checksum === undefined || this.opts.checksumAdvisory === true) return;
    this.undo ??= new UndoLog();
    this.onBadCopy = onBadCopy;
  }

  get state(): BookState {
    return this._state;
  }

  /** Id of the last update applied (the snapshot's lastUpdateId before any); -1 when none. */
  get lastId(): number {
    return this._lastId;
  }

  /** The subscription is live: buffer diffs; the snapshot is requested once the first is buffered. */
  onConnected(localTs: number = this.now()): void {
    this.inputTs = localTs;
    if (this._state === 'STOPPED') return;
    this.connected = true;
    if (this._state === 'CONNECTING') this.transition('SNAPSHOT', 'subscribed: buffering diffs');
  }

  onDiff(u: DepthUpdate): void {
    this.inputTs = u.localTs;
    switch (this._state) {
      case 'SYNCED': {
        const v = this.opts.rule.next(this._lastId, u);
        if (v.kind === 'apply') this.apply(u);
        else if (v.kind === 'stale') this.counters.stale++;
        else this.gap(v, u);
        return;
      }
      case 'SYNCING':
        this.bridge(u);
        return;
      case 'CONNECTING':
        // A diff proves the subscription is live even if the owner has not said so yet.
        this.onConnected(u.localTs);
        if (this.ws) this.unsynced();
        else this.buffered(u);
        return;
      case 'SNAPSHOT':
      case 'RESYNCING':
        if (!this.connected) this.connected = true;
        if (this.ws) this.unsynced();
        else this.buffered(u);
        return;
      case 'STOPPED':
        return;
    }
  }

  onSnapshot(s: BookSnapshotInput, localTs: number): void {
    this.inputTs = localTs;
    this.snapshotRequested = false;
    if ((this._state !== 'SNAPSHOT' && this._state !== 'RESYNCING') || !this.connected) return; // late: ignore
    const first = this.buffer[0];
    if (first !== undefined && !this.opts.rule.snapshotUsable(s.lastUpdateId, first)) {
      // Binance step 4: the snapshot is older than the first buffered event: fetch again.
      this.counters.refetches++;
      this.status(this._state, `snapshot lastUpdateId=${s.lastUpdateId} is older than the first buffered update (${first.firstId}): refetching`);
      this.request();
      return;
    }
    if (!this.book.loadSnapshot(s.bids, s.asks)) {
      this.onSnapshotFailed('snapshot holds a non-numeric price');
      return;
    }
    this.counters.snapshots++;
    this.forgetCopies();
    this.snapshotId = s.lastUpdateId;
    this._lastId = s.lastUpdateId;
    this.checkUsable = first === undefined;
    this.transition('SYNCING', `snapshot lastUpdateId=${s.lastUpdateId} loaded`);
    if (this.emitChanges) this.emitSnapshotChange(s, localTs);
    // Bridge the buffered diffs; a gap in there re-buffers from the offending update.
    const pending = this.buffer.splice(0, this.buffer.length);
    for (let i = 0; i < pending.length; i++) {
      const st = this._state as BookState; // changes inside the loop (a gap re-buffers)
      if (st === 'SYNCED') {
        this.onDiff(pending[i]);
        this.inputTs = localTs;
      }
      else if (st === 'SYNCING') this.bridge(pending[i]);
      else this.buffered(pending[i]);
    }
  }

  /**
   * A snapshot that arrived on the stream ('ws' venues): it replaces the book whatever the state
   * (a venue may re-send one at any time; books5-style channels send nothing else), and the
   * updates after it continue it.
   */
  onStreamSnapshot(s: BookSnapshotInput, localTs: number): void {
    this.inputTs = localTs;
    if (this._state === 'STOPPED') return;
    this.snapshotRequested = false;
    this.connected = true;
    this.buffer.length = 0;
    if (s.depth !== undefined && s.depth > 0) this.keepDepth = s.depth;
    if (!this.book.loadSnapshot(s.bids, s.asks)) {
      this.gapOn('a snapshot with numeric prices', 'a non-numeric price', 'malformed stream snapshot', s.ts, localTs);
      return;
    }
    if (this.keepDepth > 0) this.book.truncate(this.keepDepth);
    this.counters.snapshots++;
    this._lastId = s.lastUpdateId;
    this.forgetCopies();
    this.quotes.reset();
    if (s.checksum !== undefined && !this.checksumOk(s.checksum, s.ts, localTs)) return;
    this.rowPending = false;
    if (this._state !== 'SYNCED') this.transition('SYNCED', s.lastUpdateId >= 0 ? `stream snapshot seqId=${s.lastUpdateId} loaded` : 'stream snapshot loaded');
    if (this.emitChanges) this.emitSnapshotChange(s, localTs);
    this.emitTop(s.ts, localTs, true);
  }

  /**
   * The venue's checksum of the book after everything received so far (Bitfinex's own checksum
   * frames). Ignored unless SYNCED. `ours`: computed by the decoder from state the book does not
   * hold (order ids of a raw book), compared instead of the book's.
   */
  onChecksum(value: number, ts: number, localTs: number, ours?: number): void {
    if (this._state !== 'SYNCED') return;
    this.inputTs = localTs;
    if (this.undo !== undefined) {
      this.confirm(value, ts, localTs, ours, this.undo);
      return;
    }
    if (this.checksumOk(value, ts, localTs, ours) && this.rowPending) {
      this.rowPending = false;
      this.emitTop(ts, localTs, false);
    }
  }

  /** The snapshot request failed: ask again (the owner applies rate limiting and backoff). */
  onSnapshotFailed(reason: string, localTs: number = this.now()): void {
    this.inputTs = localTs;
    this.snapshotRequested = false;
    if ((this._state !== 'SNAPSHOT' && this._state !== 'RESYNCING') || !this.connected) return;
    this.status(this._state, `snapshot failed: ${reason}; requesting again`);
    this.request();
  }

  /**
   * The owner wants the book rebuilt from a fresh snapshot (the trading window opened: the capture
   * kept nothing while it was closed, so the book must restart from something it holds). Not a
   * gap: nothing was found wrong.
   */
  resync(reason: string, localTs: number = this.now()): void {
    this.inputTs = localTs;
    const st = this._state;
    if (st === 'STOPPED' || st === 'CONNECTING' || !this.connected) return;
    this.counters.resyncs++;
    this.rowPending = false;
    this.book.clear();
    this.quotes.reset();
    this._lastId = -1;
    this.buffer.length = 0;
    this.transition('RESYNCING', reason);
    this.request();
  }

  /** The book can no longer be trusted: clear it and wait for the next onConnected. */
  onDisconnected(reason: string, localTs: number = this.now()): void {
    this.inputTs = localTs;
    const st = this._state;
    if (st === 'STOPPED') return;
    this.connected = false;
    this.buffer.length = 0;
    this.book.clear();
    this.quotes.reset();
    this._lastId = -1;
    this.transition(st === 'SYNCED' || st === 'SYNCING' || st === 'RESYNCING' ? 'RESYNCING' : 'CONNECTING', `disconnected: ${reason}`);
  }

  stop(localTs: number = this.now()): void {
    this.inputTs = localTs;
    if (this._state === 'STOPPED') return;
    this.buffer.length = 0;
    this.transition('STOPPED', 'stopped');
  }

  // --- internals ------------------------------------------------------------------------------

  /** verifyCopies: nothing to take back or confirm any more (a new book, or none). */
  private forgetCopies(): void {
    if (this.undo === undefined) return;
    this.undo.clear();
    this.copyRejected = false;
    this.unconfirmed = 0;
    this.committedUnconfirmed = false;
    this.pendingChanges.length = 0;
  }

  /** The one place the state changes. */
  private transition(to: BookState, reason: string): void {
    if (to !== 'SYNCED') this.forgetCopies();
    switch (to) {
      case 'SNAPSHOT':
      case 'RESYNCING':
        this.snapshotId = -1;
        this.waitState = to;
        break;
      case 'SYNCING':
      case 'SYNCED':
        break;
      case 'CONNECTING':
      case 'STOPPED':
        this.snapshotId = -1;
        this.connected = false;
        break;
    }
    this._state = to;
    this.status(to, reason);
  }

  private buffered(u: DepthUpdate): void {
    if (this.buffer.length >= this.maxBuffer) {
      // Dropping the oldest moves the first buffered U forward; snapshotUsable then decides
      // whether a snapshot already on its way is still good or must be fetched again.
      this.buffer.shift();
      this.counters.overflows++;
    }
    this.buffer.push(copyUpdate(u));
    if (!this.snapshotRequested) this.request();
  }

  private request(): void {
    this.snapshotRequested = true;
    this.opts.requestSnapshot();
  }

  /** SYNCING: the book holds a snapshot; find the first diff that continues it. */
  private bridge(u: DepthUpdate): void {
    const rule = this.opts.rule;
    if (this.checkUsable) {
      // The snapshot came before any diff: the first diff plays the "first buffered event" of step 4.
      this.checkUsable = false;
      if (!rule.snapshotUsable(this.snapshotId, u)) {
        this.counters.refetches++;
        this.book.clear();
        this.quotes.reset();
        this._lastId = -1;
        this.transition(this.waitState, `snapshot lastUpdateId=${this.snapshotId} is older than the first update (${u.firstId}): refetching`);
        this.buffered(u);
        return;
      }
    }
    const v = rule.bridge(this.snapshotId, u);
    if (v.kind === 'stale') {
      this.counters.stale++;
      return;
    }
    if (v.kind !== 'apply') {
      this.gap(v, u);
      return;
    }
    this.transition('SYNCED', `bridged by update ${u.firstId}..${u.lastId} over snapshot ${this.snapshotId}`);
    this.apply(u, true);
  }

  private apply(u: DepthUpdate, force = false): void {
    if (this.undo !== undefined) {
      if (u.checksum !== undefined) {
        this.applyCopy(u, force, u.checksum, this.undo);
        return;
      }
      if (this.deferRows) {
        this.applyUnconfirmed(u, force, this.undo);
        return;
      }
    }
    const changed = this.book.apply(u.levels);
    if (this.keepDepth > 0) this.book.truncate(this.keepDepth);
    this._lastId = u.lastId;
    this.counters.applied++;
    if (this.emitChanges) this.emitDiffChange(u);
    if (u.checksum !== undefined && !this.checksumOk(u.checksum, u.ts, u.localTs)) return;
    this.applied(u, changed, force);
  }

  /** After an update passed its checksum (or has none): its row, its quote check. */
  private applied(u: DepthUpdate, changed: boolean, force: boolean): void {
    if (this.deferRows) this.rowPending ||= changed || force;
    else if (changed || force) this.emitTop(u.ts, u.localTs, force);
    if (this.quotes.waiting) this.judgeQuote(this.quotes.reached(u.lastId, this.book), u.ts, u.localTs);
  }

  /**
   * verifyCopies: apply() for an update with a checksum, recording what it changes so a bad copy
   * is taken back before anything of it leaves the engine.
   */
  private applyCopy(u: DepthUpdate, force: boolean, checksum: number, undo: UndoLog): void {
    const book = this.book;
    undo.clear();
    undo.recordApply(book, u.levels);
    const changed = book.apply(u.levels);
    if (this.keepDepth > 0) {
      undo.recordTruncate(book, this.keepDepth);
      book.truncate(this.keepDepth);
    }
    const prevId = this._lastId;
    this._lastId = u.lastId;
    this.counters.applied++;
    const rule = this.checksum!;
    const ours = rule.compute(book.bids.topRows(rule.depth), book.asks.topRows(rule.depth));
    if (ours !== checksum && !this.copyRejected) {
      // back to the book before this copy first: the owner may hand the other line's copy over
      // from inside onBadCopy
      undo.undo(book);
      this._lastId = prevId;
      this.copyRejected = true;
      if (this.onBadCopy!(u)) {
        // taken back: checked, and not applied after all
        this.counters.applied--;
        this.counters.checksumChecks++;
        this.counters.copiesRejected++;
        return;
      }
      // no other copy: the gap below, as without redundancy (its check is counted there)
    }
    undo.clear();
    this.copyRejected = false;
    // (as apply(): a change the checksum then refutes is recorded before its gap, which exports
    // leave out; only a copy taken back leaves no trace)
    if (this.emitChanges) this.emitDiffChange(u);
    if (!this.checksumOk(checksum, u.ts, u.localTs, ours)) return;
    this.applied(u, changed, force);
  }

  /**
   * verifyCopies, checksum frames of their own: apply() recording what the update changes, up to
   * the checksum that confirms it (confirm()); its book_change waits for that too.
   */
  private applyUnconfirmed(u: DepthUpdate, force: boolean, undo: UndoLog): void {
    const book = this.book;
    undo.recordApply(book, u.levels);
    const changed = book.apply(u.levels);
    if (this.keepDepth > 0) {
      undo.recordTruncate(book, this.keepDepth);
      book.truncate(this.keepDepth);
    }
    this._lastId = u.lastId;
    this.counters.applied++;
    this.unconfirmed++;
    if (this.emitChanges) this.pendingChanges.push(this.diffChange(u));
    // a venue that stops sending its checksum frames: past the bound, what waits is committed
    // (a later bad checksum then finds nothing to take back: a gap, as without redundancy)
    if (this.unconfirmed > MAX_UNCONFIRMED || undo.size > MAX_UNCONFIRMED * 4) this.commitUnconfirmed(undo);
    this.applied(u, changed, force);
  }

  /** verifyCopies: the updates waiting for a checksum frame are kept as they are, their change events sent. */
  private commitUnconfirmed(undo: UndoLog): void {
    undo.clear();
    this.unconfirmed = 0;
    this.committedUnconfirmed = true;
    for (const ev of this.pendingChanges.splice(0, this.pendingChanges.length)) this.opts.emit(ev);
  }

  /**
   * verifyCopies: a checksum frame of its own. Bad: every update since the last good one is taken
   * back and the owner asked for the other line's copies; good: they are confirmed (their change
   * events, then the row).
   */
  private confirm(value: number, ts: number, localTs: number, ours: number | undefined, undo: UndoLog): void {
    const book = this.book;
    const rule = this.checksum!;
    // (`ours`: computed by the decoder from orders the book does not hold, which no undo puts back)
    const sum = ours ?? rule.compute(book.bids.topRows(rule.depth), book.asks.topRows(rule.depth));
    const changes = this.pendingChanges.splice(0, this.pendingChanges.length);
    if (sum !== value && ours === undefined && !this.copyRejected && !this.committedUnconfirmed) {
      undo.undo(book);
      const undone = this.unconfirmed;
      this.unconfirmed = 0;
      // the book is back where the last good checksum left it, which is the last row
      this.rowPending = false;
      this.copyRejected = true;
      if (this.onBadCopy!(undefined)) {
        // taken back: checked, and not applied after all
        this.counters.applied -= undone;
        this.counters.checksumChecks++;
        this.counters.copiesRejected++;
        return;
      }
      // no other copy: the gap below, as without redundancy (its check is counted there)
    }
    undo.clear();
    this.unconfirmed = 0;
    this.copyRejected = false;
    this.committedUnconfirmed = false;
    // (changes a failing checksum refutes go out before its gap, as without verifyCopies)
    for (const ev of changes) this.opts.emit(ev);
    if (!this.checksumOk(value, ts, localTs, sum)) return;
    if (this.rowPending) {
      this.rowPending = false;
      this.emitTop(ts, localTs, false);
    }
  }

  /**
   * A best bid/ask from the venue at a known update id (Binance bookTicker `u`): an independent
   * check of the verified book, see quote-check.ts.
   */
  onQuote(q: QuoteAtId, ts: number, localTs: number): void {
    if (this._state !== 'SYNCED' || this.quoteMode === 'off') return;
    this.inputTs = localTs;
    this.judgeQuote(this.quotes.offer(q, this._lastId, this.book), ts, localTs);
  }

  private judgeQuote(v: QuoteVerdict, ts: number, localTs: number): void {
    if (v === 'match') this.counters.quoteChecks++;
    if (v !== 'mismatch') return;
    this.counters.quoteChecks++;
    this.counters.quoteMismatches++;
    const o = this.opts;
    const resync = this.quoteMode === 'resync';
    o.emit({
      type: 'gap', scope: 'book', venue: o.venue, symbol: o.symbol, venueSymbol: o.venueSymbol, ts, localTs,
      expected: this.quotes.expected, got: this.quotes.got, action: resync ? 'resync' : 'none',
      reason: resync ? 'top of book disagrees with the venue\'s best bid/ask' : 'top of book disagrees with the venue\'s best bid/ask (advisory: book kept)',
    });
    if (!resync) return;
    this.counters.gaps++;
    this.counters.resyncs++;
    this.book.clear();
    this.quotes.reset();
    this._lastId = -1;
    this.quotes.reset();
    this.transition('RESYNCING', `quote check: expected ${this.quotes.expected}, got ${this.quotes.got}`);
    this.buffer.length = 0;
    this.request();
  }

  /**
   * Compares the venue's checksum with the book's; true when they agree (or the venue has no
   * checksum rule). A mismatch emits a gap: a resync, or only a count for advisory symbols.
   */
  private checksumOk(value: number, ts: number, localTs: number, given?: number): boolean {
    const rule = this.checksum;
    if (rule === undefined) return true;
    const ours = given ?? rule.compute(this.book.bids.topRows(rule.depth), this.book.asks.topRows(rule.depth));
    this.counters.checksumChecks++;
    if (ours === value) return true;
    this.counters.checksumMismatches++;
    const expected = `checksum ${value}`;
    const got = `checksum ${ours}`;
    if (this.opts.checksumAdvisory === true) {
      const o = this.opts;
      o.emit({
        type: 'gap', scope: 'book', venue: o.venue, symbol: o.symbol, venueSymbol: o.venueSymbol, ts, localTs,
        expected, got, action: 'none', reason: 'book checksum disagrees with the venue\'s (advisory: book kept)',
      });
      return true;
    }
    this.gapOn(expected, got, 'book checksum disagrees with the venue\'s', ts, localTs);
    return false;
  }

  /** A 'ws' venue's update before any stream snapshot: dropped, and a snapshot asked for once. */
  private unsynced(): void {
    this.counters.unsynced++;
    if (!this.snapshotRequested) this.request();
  }

  /** A gap found outside the sequence rule (checksum, bad stream snapshot): resync the book. */
  private gapOn(expected: string, got: string, reason: string, ts: number, localTs: number): void {
    this.rowPending = false;
    this.counters.gaps++;
    this.counters.resyncs++;
    const o = this.opts;
    o.emit({
      type: 'gap', scope: 'book', venue: o.venue, symbol: o.symbol, venueSymbol: o.venueSymbol, ts, localTs,
      expected, got, action: 'resync', reason,
    });
    this.book.clear();
    this.quotes.reset();
    this._lastId = -1;
    this.transition('RESYNCING', `${reason}: expected ${expected}, got ${got}`);
    this.buffer.length = 0;
    this.request();
  }

  private gap(v: Verdict, u: DepthUpdate): void {
    const expected = v.kind === 'gap' ? v.expected : `a continuing update after ${this._lastId}`;
    const got = v.kind === 'gap' ? v.got : `U=${u.firstId} u=${u.lastId}`;
    this.counters.gaps++;
    this.counters.resyncs++;
    const o = this.opts;
    const ts = u.localTs;
    o.emit({
      type: 'gap', scope: 'book', venue: o.venue, symbol: o.symbol, venueSymbol: o.venueSymbol,
      ts: u.ts, localTs: ts, expected, got, action: 'resync', reason: 'sequence gap in book updates',
    });
    this.book.clear();
    this.quotes.reset();
    this._lastId = -1;
    this.transition('RESYNCING', `gap: expected ${expected}, got ${got}`);
    this.buffer.length = 0;
    // Keep the offending update: it is the first event of the stream the new snapshot must meet
    // (a stream snapshot starts a new stream instead).
    if (!this.ws) this.buffer.push(copyUpdate(u));
    this.request();
  }

  private status(state: BookState, reason: string): void {
    const o = this.opts;
    const ts = this.inputTs;
    o.emit({
      type: 'status', scope: 'book', state, reason, venue: o.venue, symbol: o.symbol, venueSymbol: o.venueSymbol,
      ts, localTs: ts,
    });
  }

  /** Emits the top-N unless it equals the last row (apply() can over-report within a batch). */
  private emitTop(ts: number, localTs: number, force: boolean): void {
    if (this._state !== 'SYNCED') return;
    const o = this.opts;
    const book = this.book;
    if (!force && book.bids.sameTop(o.depth, this.lastBids) && book.asks.sameTop(o.depth, this.lastAsks)) return;
    // Rows of unchanged levels are shared with the previous event (read-only, like every event).
    const bids = book.bids.topRows(o.depth);
    const asks = book.asks.topRows(o.depth);
    this.lastBids = bids;
    this.lastAsks = asks;
    this.counters.rows++;
    o.emit({
      type: 'book_snapshot', venue: o.venue, symbol: o.symbol, venueSymbol: o.venueSymbol, ts, localTs,
      depth: o.depth, updateId: this._lastId, bids, asks,
    });
  }

  private emitDiffChange(u: DepthUpdate): void {
    this.opts.emit(this.diffChange(u));
  }

  private diffChange(u: DepthUpdate): MarketEvent {
    const o = this.opts;
    const bids: Level[] = [];
    const asks: Level[] = [];
    const lv = u.levels;
    for (let i = 0; i < lv.length; i++) {
      // A delete says amount 0 whatever the venue wrote: Bitfinex deletes by count 0 and its
      // amount field then holds ±1; other venues' own zero text ("0.00000000") is kept as sent.
      const amount = lv.amountTextAt(i);
      (lv.sideAt(i) === 1 ? bids : asks).push([lv.priceTextAt(i), lv.isDeleteAt(i) && Number(amount) !== 0 ? '0' : amount]);
    }
    return {
      type: 'book_change', venue: o.venue, symbol: o.symbol, venueSymbol: o.venueSymbol, ts: u.ts, localTs: u.localTs,
      isSnapshot: false, bids, asks, firstId: u.firstId, lastId: u.lastId, ...(u.prevId >= 0 ? { prevId: u.prevId } : {}),
    };
  }

  private emitSnapshotChange(s: BookSnapshotInput, localTs: number): void {
    const o = this.opts;
    o.emit({
      type: 'book_change', venue: o.venue, symbol: o.symbol, venueSymbol: o.venueSymbol, ts: s.ts, localTs,
      isSnapshot: true, bids: s.bids.map(copyLevel), asks: s.asks.map(copyLevel), lastId: s.lastUpdateId,
    });
  }
}

function copyLevel(l: [string, string]): Level {
  return [l[0], l[1]];
}

/** A self-contained copy of a (possibly decoder-owned) update, for the buffer. */
function copyUpdate(u: DepthUpdate): DepthUpdate {
  return { ts: u.ts, localTs: u.localTs, firstId: u.firstId, lastId: u.lastId, prevId: u.prevId, levels: LevelBatch.from(u.levels) };
}
