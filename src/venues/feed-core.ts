// FeedCore: everything a venue session does that is a pure function of its raw frames. Live
// capture (session.ts) feeds it frames from sockets and REST bodies as they arrive; replay feeds it
// the same frames from a capture. Decoding, symbol routing, the books (one SyncEngine per symbol),
// trade de-duplication and the quote check all live here, so both paths produce the same events.
// Connection lifecycle comes from the raw `conn` marks (`open <url>` / `close <code> <reason>`),
// not from the transport's callbacks, for the same reason.
import type { MarketEvent, Trade } from '../core/events.js';
import type { RawFrame } from '../core/frames.js';
import type { Logger } from '../core/log.js';
import { SyncEngine } from '../book/sync-engine.js';
import type { DepthUpdate } from '../book/types.js';
import { RecentIds } from './recent-ids.js';
import { TRADES_MISSED_MARK, TradeIdGaps, type IdRange } from './trade-backfill.js';
import { LINE_EVENT_KEYS, TradeIdFilter, type TradeIdSlot } from './trade-ids.js';
import { TRADES_WINDOW_MISSED_MARK, TradeWindows, type TradeWindow } from './trade-window.js';
import { LineMerger, type RedundancyStats } from './redundancy.js';
import type { ConnectionPlan, DecodeSink, Decoder, FrameMeta, Kind, VenueSpec } from './types.js';

/** What a session (live or replayed) hands to its owner. All calls are synchronous, in arrival order. */
export interface SessionHandlers {
  /** Every normalized event (trades, quotes, book_snapshot, status, gap …). */
  event(ev: MarketEvent): void;
  /** Every raw frame, with the unified symbols it concerns (live only: replay reads raw). */
  raw?(frame: RawFrame, symbols: readonly string[]): void;
  /** A REST snapshot that seeded (or was offered to) a book. */
  snapshot?(symbol: string, body: string, localTs: number, lastUpdateId: number): void;
  /** A frame that failed its guard (already counted). */
  reject?(symbols: readonly string[], reason: string, frame: string, localTs: number): void;
  /**
   * A REST book snapshot request ended (live only): seconds from asking (rate-limit wait included)
   * to its answer, and whether it seeded the book.
   */
  snapshotTiming?(venue: string, symbol: string, seconds: number, ok: boolean): void;
}

export interface FeedCoreOptions {
  spec: VenueSpec;
  /** Unified symbols. */
  symbols: string[];
  kinds: Kind[];
  depth: number;
  /** The connection plans the frames come from (matched to sockets by URL). */
  plans: ConnectionPlan[];
  emitChanges?: boolean;
  quoteCheck?: 'off' | 'count' | 'resync';
  /** Unified symbols whose checksum mismatches only count (besides the venue's own list). */
  checksumAdvisory?: readonly string[];
  handlers: SessionHandlers;
  log: Logger;
  /** A book asks for a REST snapshot (live: fetch it; replay: the capture holds it). */
  requestSnapshot(venueSymbol: string): void;
  /** The venue announced a shutdown on this socket (live: reconnect it now). */
  onShutdown?(connId: number): void;
  /** A decoder answers the venue on this socket (live: send it; replay: nothing to answer). */
  onReply?(connId: number, text: string): void;
  /** A stream snapshot arrived for this symbol's book ('ws' venues: the resubscribe was answered). */
  onStreamSnapshot?(venueSymbol: string): void;
  /** Trade ids of this symbol went missing (spec.tradesById: live fetches missingTradeIds). */
  onTradesMissing?(venueSymbol: string): void;
  /** An outage window of this symbol's trades closed (spec.recentTrades: live fetches the recent trades). */
  onTradeWindow?(venueSymbol: string): void;
}

export interface SymbolStats {
  symbol: string;
  state: string;
  applied: number;
  /** Updates the book already held (older than its snapshot), dropped. */
  stale: number;
  gaps: number;
  resyncs: number;
  snapshots: number;
  rejects: number;
  duplicateTrades: number;
  quoteChecks: number;
  quoteMismatches: number;
  checksumChecks: number;
  checksumMismatches: number;
  /** Redundant A/B lines (redundancy.ts): what the merge of this symbol's lines did. */
  redundancy?: RedundancyStats & { tradesFilled: number };
  /**
   * Live sessions: seconds this book has been waiting for a snapshot (queued for the REST budget,
   * in flight, retrying, or awaiting a resubscribe's); 0 when it is not waiting.
   */
  snapshotWaitS?: number;
}

/**
 * A `conn` mark (connId 0) asking every book to resync from a fresh snapshot: `resync <reason>`.
 * The session writes it into the raw capture at the instant it decides (the trading window
 * opened), so replay does the same at the same frame.
 */
export const RESYNC_MARK = 'resync ';

/**
 * What makes two lines' copies of an event (other than a trade) the same: a quote's update id
 * where it has one, else everything but the receive time (and the venue and symbol: one ring per
 * symbol).
 */
function lineEventKey(ev: MarketEvent): string {
  if (ev.type === 'quote' && ev.updateId !== undefined) return `quote ${ev.updateId}`;
  return JSON.stringify(ev, lineEventFields);
}

function lineEventFields(k: string, v: unknown): unknown {
  return k === 'localTs' || k === 'venue' || k === 'symbol' || k === 'venueSymbol' ? undefined : v;
}

/**
 * The plan tag a session puts on sockets of venues whose URL names no streams (several plans may
 * share one URL): `<plan index>:book` or `<plan index>:data`. Replay, which has no plans, reads
 * whether the socket carried books from it.
 */
export function planTag(index: number, plan: ConnectionPlan): string {
  return `${index}:${plan.book ? 'book' : 'data'}`;
}

interface SymbolSlot extends TradeIdSlot {
  engine: SyncEngine | undefined;
  /** Symbols list of one element, reused for raw routing. */
  only: readonly string[];
  rejects: number;
  /**
   * 'ws' venues: the socket whose stream snapshot the book holds; book frames of any other socket
   * (the old one, while a make-before-break rotation overlaps two) are ignored. 0 = any.
   */
  bookConnId: number;
  /** The merge of the lines' depth updates (book symbols of redundant plans; `redundant`: an `open … line=` mark). */
  merger: LineMerger | undefined;
  /** Redundant lines: keys of recent other events (quotes, tickers …), to drop their second copies. */
  lineEvents: RecentIds | undefined;
  duplicateEvents: number;
}

interface PlanState {
  plan: ConnectionPlan;
  symbols: readonly string[];
  /** Sockets of this plan that are open now (two for a moment during a rotation). */
  open: Set<number>;
  /** Plans read from a socket's URL and tag (replay), not configured. */
  tag?: string;
  implicit?: boolean;
}

export class FeedCore {
  readonly venue: string;
  rejects = 0;
  private readonly opts: FeedCoreOptions;
  private readonly decoder: Decoder;
  private readonly slots = new Map<string, SymbolSlot>();
  private readonly plans: PlanState[];
  private readonly planOfConn = new Map<number, PlanState>();
  /**
   * Redundant lines: the plan each line group (`line=<a|b>:<plan index>`) resolved to, so line B's
   * socket joins line A's plan even when its URL differs (--ws-url-b) or replay has no plans.
   */
  private readonly lineGroups = new Map<string, PlanState>();
  /** spec.tradesById: the trade ids each venue symbol is missing, and their gap rows (trade-backfill.ts). */
  private readonly tradeGaps: TradeIdGaps;
  /** Which trades are copies, which ids went missing (trade-ids.ts). */
  private readonly tradeIds: TradeIdFilter;
  /** spec.recentTrades: the outage windows of each venue symbol's trades (trade-window.ts). */
  private readonly tradeWindows: TradeWindows;
  private stopped = false;

  constructor(opts: FeedCoreOptions) {
    this.opts = opts;
    this.venue = opts.spec.id;
    const symbolMap = new Map<string, string>();
    for (const symbol of opts.symbols) {
      const venueSymbol = opts.spec.toVenueSymbol(symbol);
      symbolMap.set(venueSymbol, symbol);
      const slot: SymbolSlot = {
        symbol, venueSymbol, engine: undefined, only: [symbol], rejects: 0, lastTradeId: -1, recentTrades: undefined, duplicateTrades: 0, bookConnId: 0,
        redundant: false, merger: undefined, lineTrades: undefined, tradesFilled: 0, lineEvents: undefined, duplicateEvents: 0,
      };
      if (opts.kinds.includes('book')) slot.engine = this.createEngine(slot);
      this.slots.set(venueSymbol, slot);
    }
    const bookDepth = opts.spec.bookDepth?.(opts.depth);
    const orderedIds = opts.spec.tradeIds !== 'unordered';
    this.tradeGaps = new TradeIdGaps({
      venue: this.venue, byId: orderedIds ? opts.spec.tradesById : undefined, venueSymbols: this.slots.keys(),
      emit: (ev, warn) => {
        if (warn) this.opts.log.warn({ venue: this.venue, symbol: ev.symbol, expected: ev.expected, got: ev.got, action: ev.action }, ev.reason);
        this.opts.handlers.event(ev);
      },
      onMissing: (v) => this.opts.onTradesMissing?.(v),
    });
    this.tradeIds = new TradeIdFilter(orderedIds, this.tradeGaps, opts.spec.recentTrades !== undefined);
    this.tradeWindows = new TradeWindows({
      venue: this.venue, route: opts.spec.recentTrades, venueSymbols: this.slots.keys(),
      emit: (ev, warn) => {
        if (warn) this.opts.log.warn({ venue: this.venue, symbol: ev.symbol, expected: ev.expected, got: ev.got, action: ev.action }, ev.reason);
        this.opts.handlers.event(ev);
      },
      onWindow: (v) => this.opts.onTradeWindow?.(v),
    });
    this.decoder = opts.spec.createDecoder({ venue: this.venue, symbols: symbolMap, ...(bookDepth === undefined ? {} : { bookDepth }) });
    this.plans = opts.plans.map((plan) => ({ plan, symbols: this.symbolsOf(plan), open: new Set<number>() }));
  }

  /** The connection plans with the unified symbols each carries. */
  connectionPlans(): { plan: ConnectionPlan; symbols: readonly string[] }[] {
    return this.plans.map((p) => ({ plan: p.plan, symbols: p.symbols }));
  }

  /** Unified symbols carried by the socket `connId` (empty until its `open` mark). */
  symbolsOfConn(connId: number): readonly string[] {
    return this.planOfConn.get(connId)?.symbols ?? [];
  }

  /** Frames that make the venue send a fresh snapshot of one symbol's book ('ws' venues). */
  resubscribeFrames(venueSymbol: string, depth: number): string[] {
    return this.decoder.resubscribe?.(venueSymbol, depth) ?? this.opts.spec.resubscribe?.(venueSymbol, depth) ?? [];
  }

  symbolOf(venueSymbol: string): string | undefined {
    return this.slots.get(venueSymbol)?.symbol;
  }

  /** The book state of one symbol ('n/a' without a book): live sessions schedule first syncs before resyncs by it. */
  bookState(venueSymbol: string): string {
    return this.slots.get(venueSymbol)?.engine?.state ?? 'n/a';
  }

  stats(): SymbolStats[] {
    const out: SymbolStats[] = [];
    for (const s of this.slots.values()) {
      const c = s.engine?.counters;
      out.push({
        symbol: s.symbol, state: s.engine?.state ?? 'n/a', applied: c?.applied ?? 0, stale: c?.stale ?? 0, gaps: c?.gaps ?? 0,
        resyncs: c?.resyncs ?? 0, snapshots: c?.snapshots ?? 0, rejects: s.rejects, duplicateTrades: s.duplicateTrades,
        quoteChecks: c?.quoteChecks ?? 0, quoteMismatches: c?.quoteMismatches ?? 0,
        checksumChecks: c?.checksumChecks ?? 0, checksumMismatches: c?.checksumMismatches ?? 0,
        ...(s.redundant ? { redundancy: this.redundancyOf(s) } : {}),
      });
    }
    return out;
  }

  stop(localTs?: number): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const slot of this.slots.values()) slot.engine?.stop(localTs);
  }

  /**
   * A frame of a socket: `in` is decoded, `conn` marks drive the books, `out` only concerns the
   * owner's raw capture. Returns the unified symbols the frame belongs to (for raw routing).
   */
  onFrame(f: RawFrame): readonly string[] {
    if (f.dir === 'in') return this.onIncoming(f);
    if (f.dir === 'conn') this.onConnMark(f);
    // (a closed socket's plan entry stays: forgetting it at its close mark broke the book's
    // rotation on a venue's planned shutdown in the soak; a few bytes per reconnect)
    return this.symbolsOfConn(f.connId);
  }

  /** A REST depth body for `venueSymbol` (`ok` = HTTP 200): why it could not seed the book, or undefined. */
  onSnapshotBody(venueSymbol: string, body: string, localTs: number, ok: boolean): string | undefined {
    const slot = this.slots.get(venueSymbol);
    if (slot === undefined) return `no book for ${venueSymbol}`;
    if (!ok) return `HTTP error: ${body.slice(0, 200)}`;
    let snap;
    try {
      const parse = this.opts.spec.parseDepth;
      if (parse === undefined) return `${this.venue} books have no REST snapshot`;
      snap = parse(body);
    } catch (e) {
      return (e as Error).message;
    }
    this.opts.handlers.snapshot?.(slot.symbol, body, localTs, snap.lastUpdateId);
    slot.engine?.onSnapshot(snap, localTs);
    return undefined;
  }

  /**
   * A `rest` frame (live or captured) offered to decoder.decodeRest (open interest); its events and
   * rejects (to `venueSymbol`, the request's) go as a socket frame's. False: a depth body instead.
   */
  onRestFrame(f: RawFrame, venueSymbol?: string): boolean {
    const fromId = f.url === undefined ? undefined : this.opts.spec.tradesById?.fromIdOf(f.url);
    if (fromId !== undefined) {
      this.onTradesPage(f, venueSymbol, fromId);
      return true;
    }
    if (f.url !== undefined && this.opts.spec.recentTrades?.matches(f.url) === true) {
      this.onRecentTradesPage(f, venueSymbol);
      return true;
    }
    if (this.decoder.decodeRest === undefined || f.url === undefined) return false;
    this.begin(f);
    if (venueSymbol !== undefined) this.touched = this.slots.get(venueSymbol);
    try {
      return this.decoder.decodeRest(f.url, f.data, this.current, this.sink);
    } catch (e) {
      this.sink.reject(`decoder threw: ${(e as Error).message}`, f.data);
      return true;
    }
  }

  /** Trade ids `venueSymbol` is still missing, oldest first (spec.tradesById venues; else none). */
  missingTradeIds(venueSymbol: string): IdRange[] {
    return this.tradeGaps.ranges(venueSymbol);
  }

  /** The outage window of `venueSymbol`'s trades (spec.recentTrades venues): `to` undefined while still out. */
  tradeWindow(venueSymbol: string): TradeWindow | undefined {
    return this.tradeWindows.window(venueSymbol);
  }

  /** The snapshot request failed for good this time: the book asks again. */
  snapshotFailed(venueSymbol: string, reason: string, localTs?: number): void {
    this.slots.get(venueSymbol)?.engine?.onSnapshotFailed(reason, localTs);
  }

  private onConnMark(f: RawFrame): void {
    if (f.data.startsWith(TRADES_MISSED_MARK)) {
      this.tradeGaps.givenUp(f, (v) => this.slots.get(v));
      return;
    }
    if (f.data.startsWith(TRADES_WINDOW_MISSED_MARK)) {
      this.tradeWindows.givenUp(f, (v) => this.slots.get(v));
      return;
    }
    if (f.data.startsWith(RESYNC_MARK)) {
      // every book of the session restarts from a fresh snapshot (recorded, so replay does too)
      if (!this.stopped) for (const slot of this.slots.values()) slot.engine?.resync(f.data.slice(RESYNC_MARK.length), f.localTs);
      // nothing before the mark was captured: trade ids start afresh (replay saw none of those either)
      this.tradeGaps.windowOpened((v) => {
        const slot = this.slots.get(v);
        if (slot !== undefined) slot.lastTradeId = -1;
      });
      this.tradeWindows.windowOpened();
      return;
    }
    const open = f.data.startsWith('open ');
    if (open) {
      let mark = f.data.slice(5);
      // redundant lines: `open <url>[ plan=<tag>] line=<a|b>:<plan index>`
      const li = mark.lastIndexOf(' line=');
      const line = li < 0 ? undefined : mark.slice(li + 6);
      if (li >= 0) mark = mark.slice(0, li);
      const at = mark.lastIndexOf(' plan=');
      const tag = at < 0 ? undefined : mark.slice(at + 6);
      const url = f.url ?? (at < 0 ? mark : mark.slice(0, at));
      const group = line === undefined ? undefined : line.slice(line.indexOf(':') + 1);
      const p = (group === undefined ? undefined : this.lineGroups.get(group)) ?? this.planOf(url, tag);
      if (p === undefined) return;
      this.planOfConn.set(f.connId, p);
      if (line !== undefined) this.lineUp(p, f.connId, line.split(':')[0], group!);
      const rotation = p.open.size > 0; // make-before-break: the book stays on the old socket's stream
      p.open.add(f.connId);
      if (!rotation && p.plan.book && !this.stopped) {
        for (const v of p.plan.venueSymbols) this.slots.get(v)?.engine?.onConnected(f.localTs);
      }
      return;
    }
    const p = this.planOfConn.get(f.connId);
    if (p === undefined) return;
    p.open.delete(f.connId);
    for (const v of p.plan.venueSymbols) {
      const slot = this.slots.get(v);
      if (slot !== undefined && slot.bookConnId === f.connId) slot.bookConnId = 0;
      // the other line decides now whatever it held waiting for this one
      slot?.merger?.lineDown(f.connId, f.localTs);
    }
    // the last socket carrying these symbols closed: their trades are out until the next one comes
    if (p.open.size === 0 && !this.stopped) this.tradeWindows.closed(p.plan.venueSymbols);
    if (p.open.size > 0 || !p.plan.book || this.stopped) return; // the end of a rotation
    for (const v of p.plan.venueSymbols) this.slots.get(v)?.engine?.onDisconnected(f.data, f.localTs);
  }

  /** A socket of redundant line `name` opened for plan `p`: its symbols merge what both lines bring. */
  private lineUp(p: PlanState, connId: number, name: string, group: string): void {
    this.lineGroups.set(group, p);
    for (const v of p.plan.venueSymbols) {
      const slot = this.slots.get(v);
      if (slot === undefined) continue;
      slot.redundant = true;
      const engine = slot.engine;
      if (engine !== undefined && p.plan.book) {
        if (slot.merger === undefined) {
          const merger = new LineMerger(this.opts.spec.bookRule, (u) => engine.onDiff(u), undefined, (value, ts, localTs, ours) => engine.onChecksum(value, ts, localTs, ours));
          slot.merger = merger;
          // a copy its own checksum refutes is taken back and replaced by the other line's (the
          // engine is created before the `open … line=` marks tell that the symbol is redundant)
          engine.verifyCopies((u) => merger.rejectCopy(u));
        }
        slot.merger.lineUp(connId, name);
      }
    }
  }

  /** The plan a socket serves: by its tag (index into the plans), else by URL. */
  private planOf(url: string, tag: string | undefined): PlanState | undefined {
    // a token venue's socket URL changes with every connection (KuCoin's bullet): its tag alone
    // says which plan a socket serves
    const byTag = this.opts.spec.connectToken !== undefined;
    if (tag !== undefined) {
      const p = this.plans[Number.parseInt(tag, 10)];
      if (p !== undefined && (byTag || p.plan.url === url) && !p.implicit) return p;
    }
    return this.plans.find((x) => (byTag || x.plan.url === url) && x.tag === tag) ?? this.planFromUrl(url, tag);
  }

  /**
   * No configured plan has this URL (replay, which starts with none): ask the venue to read the
   * plan from the URL itself, and keep it, so a rotation's second socket on the same URL is
   * recognised as one as it is live. Venues whose URL names no streams tag their sockets
   * (planTag): such a socket carries the symbols whose capture it is in, and books if its tag
   * says so.
   */
  private planFromUrl(url: string, tag: string | undefined): PlanState | undefined {
    let plan = this.opts.spec.planFromUrl?.(url);
    if (plan === undefined && this.opts.spec.planFromUrl === undefined) {
      plan = { url, subscribe: [], venueSymbols: [...this.slots.keys()], book: tag === undefined || tag.endsWith(':book') };
    }
    if (plan === undefined) return undefined;
    const p: PlanState = { plan, symbols: this.symbolsOf(plan), open: new Set<number>(), tag, implicit: true };
    this.plans.push(p);
    return p;
  }

  private symbolsOf(plan: ConnectionPlan): readonly string[] {
    return plan.venueSymbols.map((v) => this.slots.get(v)?.symbol).filter((s): s is string => s !== undefined);
  }

  private createEngine(slot: SymbolSlot): SyncEngine {
    return new SyncEngine({
      venue: this.venue,
      symbol: slot.symbol,
      venueSymbol: slot.venueSymbol,
      depth: this.opts.depth,
      rule: this.opts.spec.bookRule,
      emitChanges: this.opts.emitChanges,
      quoteCheck: this.opts.quoteCheck,
      snapshotVia: this.opts.spec.bookSnapshot ?? 'rest',
      keepDepth: this.opts.spec.bookDepth?.(this.opts.depth) ?? 0,
      checksumAdvisory: this.opts.spec.advisoryChecksum?.includes(slot.symbol) === true || this.opts.checksumAdvisory?.includes(slot.symbol) === true,
      emit: (ev) => {
        if (ev.type === 'gap') {
          this.opts.log.warn({ venue: this.venue, symbol: slot.symbol, expected: ev.expected, got: ev.got, action: ev.action }, ev.reason);
        }
        this.opts.handlers.event(ev);
      },
      requestSnapshot: () => {
        if (!this.stopped) this.opts.requestSnapshot(slot.venueSymbol);
      },
    });
  }

  // --- decoding -------------------------------------------------------------------------------

  /** The symbol touched by the frame being decoded (set by the sink callbacks). */
  private touched: SymbolSlot | undefined;
  private touchedMany = false;
  private readonly current: FrameMeta = { venue: '', connId: 0, recvSeq: 0, localTs: 0 };

  private readonly sink: DecodeSink = {
    event: (ev, tradeIds) => {
      const slot = this.touch(ev.venueSymbol);
      // copies (a rotation's overlap, a redundant line) are dropped; jumps are missing ids
      if (ev.type === 'trade' && slot !== undefined && !this.tradeIds.admit(slot, ev, tradeIds)) return;
      if (ev.type === 'trade' && !this.tradeGaps.fillingFromRest) this.tradeWindows.seen(ev.venueSymbol, ev.ts);
      // redundant lines: quotes, tickers, funding … arrive twice too; the first copy goes on
      if (slot?.redundant === true && ev.type !== 'trade' && (slot.lineEvents ??= new RecentIds(LINE_EVENT_KEYS)).seen(lineEventKey(ev))) {
        slot.duplicateEvents++;
        return;
      }
      if (ev.type === 'quote' && ev.updateId !== undefined && slot?.engine !== undefined) {
        slot.engine.onQuote(ev as typeof ev & { updateId: number }, ev.ts, ev.localTs);
      }
      this.opts.handlers.event(ev);
    },
    depth: (venueSymbol: string, u: DepthUpdate) => {
      const slot = this.touch(venueSymbol);
      if (slot?.merger !== undefined) slot.merger.offer(this.current.connId, u);
      else if (slot !== undefined && (slot.bookConnId === 0 || slot.bookConnId === this.current.connId)) slot.engine?.onDiff(u);
    },
    snapshot: (venueSymbol, snap) => {
      const slot = this.touch(venueSymbol);
      if (slot === undefined) return;
      if (slot.merger !== undefined) {
        // redundant lines: the book keeps the stream it is synced on; the other line's snapshot
        // (its subscribe, a reconnect) only restarts a book that needs one
        if (slot.engine?.state !== 'SYNCED') {
          slot.engine?.onStreamSnapshot(snap, this.current.localTs);
          slot.merger.restart(snap.lastUpdateId, this.current.localTs, this.current.connId, snap.ts);
        } else {
          slot.merger.stats.duplicates++;
        }
        this.opts.onStreamSnapshot?.(venueSymbol);
        return;
      }
      slot.bookConnId = this.current.connId;
      slot.engine?.onStreamSnapshot(snap, this.current.localTs);
      this.opts.onStreamSnapshot?.(venueSymbol);
    },
    checksum: (venueSymbol, value, ts, ours) => {
      const slot = this.touch(venueSymbol);
      if (slot?.merger !== undefined) slot.merger.offerChecksum(this.current.connId, value, ts, this.current.localTs, ours);
      else if (slot !== undefined && (slot.bookConnId === 0 || slot.bookConnId === this.current.connId)) slot.engine?.onChecksum(value, ts, this.current.localTs, ours);
    },
    reject: (reason, frame) => {
      this.rejects++;
      const slot = this.touched;
      if (slot) slot.rejects++;
      const symbols = slot ? slot.only : this.symbolsOfConn(this.current.connId);
      // every reject is counted and in the ledger; the log shows the first ones, then every 1000th
      if (this.rejects <= 10 || this.rejects % 1000 === 0) {
        this.opts.log.warn({ venue: this.venue, connId: this.current.connId, recvSeq: this.current.recvSeq, rejects: this.rejects, reason, frame: frame.slice(0, 200) }, 'rejected malformed frame');
      }
      this.opts.handlers.reject?.(symbols, reason, frame, this.current.localTs);
    },
    reply: (text) => {
      this.opts.onReply?.(this.current.connId, text);
    },
    control: (kind, detail) => {
      if (kind === 'shutdown') {
        this.opts.log.warn({ venue: this.venue, connId: this.current.connId }, 'venue announced serverShutdown: reconnecting now');
        this.opts.onShutdown?.(this.current.connId);
      } else if (kind === 'error') {
        this.opts.log.error({ venue: this.venue, connId: this.current.connId, detail }, 'venue reported an error');
      }
    },
  };

  private redundancyOf(s: SymbolSlot): NonNullable<SymbolStats['redundancy']> {
    const m = s.merger?.stats;
    return {
      duplicates: (m?.duplicates ?? 0) + s.duplicateEvents, fills: { ...(m?.fills ?? {}) }, bothMissed: m?.bothMissed ?? 0,
      rejected: m?.rejected ?? 0, tradesFilled: s.tradesFilled,
    };
  }

  /** A trades-by-id REST page (live or captured): its missing trades take the stream's path. */
  private onTradesPage(f: RawFrame, venueSymbol: string | undefined, fromId: number): void {
    this.begin(f);
    const slot = venueSymbol === undefined ? undefined : this.slots.get(venueSymbol);
    this.touched = slot;
    if (slot !== undefined) this.tradeGaps.page(slot, f, fromId, (t) => this.sink.event(t), (reason) => this.sink.reject(reason, f.data));
  }

  /** A recent-trades REST page (live or captured): trades of the symbol's outage window not seen go on. */
  private onRecentTradesPage(f: RawFrame, venueSymbol: string | undefined): void {
    this.begin(f);
    const slot = venueSymbol === undefined ? undefined : this.slots.get(venueSymbol);
    this.touched = slot;
    if (slot === undefined) return;
    const fill = (t: Trade): boolean => {
      if (!this.tradeIds.admitFromWindow(slot, t)) return false;
      this.opts.handlers.event(t);
      return true;
    };
    this.tradeWindows.page(slot, f, fill, (reason) => this.sink.reject(reason, f.data));
  }

  private touch(venueSymbol: string): SymbolSlot | undefined {
    const slot = this.slots.get(venueSymbol);
    if (this.touched === undefined) this.touched = slot;
    else if (this.touched !== slot) this.touchedMany = true;
    return slot;
  }

  /** A frame is about to be decoded: its metadata, nothing touched yet. */
  private begin(f: RawFrame): void {
    this.touched = undefined;
    this.touchedMany = false;
    const meta = this.current;
    meta.venue = f.venue;
    meta.connId = f.connId;
    meta.recvSeq = f.recvSeq;
    meta.localTs = f.localTs;
  }

  private onIncoming(f: RawFrame): readonly string[] {
    this.begin(f);
    if (f.binary) return this.onBinary(f);
    const ping = this.opts.spec.appPing;
    if (ping !== undefined && ping.isPong(f.data)) return this.symbolsOfConn(f.connId);
    try {
      this.decoder.decode(f.data, this.current, this.sink);
    } catch (e) {
      this.sink.reject(`decoder threw: ${(e as Error).message}`, f.data);
    }
    // (the sink callbacks above set `touched`; TypeScript cannot see through the call)
    const touched = this.touched as SymbolSlot | undefined;
    return touched !== undefined && !this.touchedMany ? touched.only : this.symbolsOfConn(f.connId);
  }

  /** A binary frame (its bytes base64 in `data`): the venue's binary decoder, or a counted reject. */
  private onBinary(f: RawFrame): readonly string[] {
    const decode = this.decoder.decodeBinary;
    if (decode === undefined) {
      this.sink.reject(`binary frame, and ${this.venue} has no binary decoder`, f.data);
    } else {
      try {
        decode.call(this.decoder, Buffer.from(f.data, 'base64'), this.current, this.sink);
      } catch (e) {
        this.sink.reject(`decoder threw: ${(e as Error).message}`, f.data);
      }
    }
    const touched = this.touched as SymbolSlot | undefined;
    return touched !== undefined && !this.touchedMany ? touched.only : this.symbolsOfConn(f.connId);
  }
}
