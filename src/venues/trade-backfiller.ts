// Trade backfill, the live half: when FeedCore finds trade ids of a symbol missing (a jump in the
// stream's ids, trade-backfill.ts), fetch them over REST by id (spec.tradesById), a page at a
// time, under the session's REST budget. Each body goes to the raw capture first and then through
// the core, which fills the trades still missing, so replay fills the same trades at the same
// point. A range that cannot be had is given up with a `trades-missed` conn mark, written raw the
// same way, so replay ledgers the same gap.
//
// Venues whose ids are not consecutive (spec.recentTrades) are filled by time window instead
// (trade-window.ts): when FeedCore closes a symbol's outage window, one page of the venue's recent
// trades is asked, the same way (grace, budget, one page in flight, raw first); a window that
// cannot be had is given up with a `trades-window-missed` mark.
//
// Book snapshots come first: a page waits while any request is queued for the budget, and one
// page at most is in flight for the whole session. The time before the first page lets a
// redundant line deliver what the other missed (the core then has nothing left to fetch).
import type { RawFrame } from '../core/frames.js';
import type { Logger } from '../core/log.js';
import { nowUs } from '../core/time.js';
import type { RestClient } from '../transport/rest.js';
import type { FeedCore, SessionHandlers } from './feed-core.js';
import { tradesMissedMark } from './trade-backfill.js';
import { tradesWindowMissedMark } from './trade-window.js';
import type { VenueSpec } from './types.js';

export interface TradeBackfillerOptions {
  spec: VenueSpec;
  rest: RestClient;
  core: FeedCore;
  handlers: SessionHandlers;
  log: Logger;
  /**
   * Before a frame at `localTs` is handed on: the session's trading window check (it may write its
   * resync mark first); false while the window is closed (nothing is captured: nothing to fill).
   */
  capturing(localTs: number): boolean;
}

/** Wait after a jump before asking: the other line of a redundant pair may still bring the ids. */
export const BACKFILL_GRACE_MS = 250;
/** Why ids still missing when the session stops are given up. */
const STOPPED = 'the recording stopped before they could be fetched';
/** How often a page waiting behind queued requests looks again. */
const YIELD_MS = 100;

export interface BackfillStats {
  pages: number;
  /** Ranges given up (REST failed, or the venue does not have them). */
  givenUp: number;
}

export class TradeBackfiller {
  readonly stats: BackfillStats = { pages: 0, givenUp: 0 };
  private readonly opts: TradeBackfillerOptions;
  private readonly waiting = new Map<string, NodeJS.Timeout>();
  /** The run of each symbol being fetched. */
  private readonly running = new Map<string, Promise<void>>();
  /** One page in flight for the session: the tail of the chain. */
  private turn: Promise<void> = Promise.resolve();
  private readonly abort = new AbortController();
  private stopped = false;
  /** Runs are keyed `<kind> <venueSymbol>`: trade ids (tradesById) or a time window (recentTrades). */
  /** Symbols with a late jump's give-up queued (lateJump). */
  private readonly lateJumps = new Set<string>();

  constructor(opts: TradeBackfillerOptions) {
    this.opts = opts;
  }

  /** FeedCore's onTradesMissing: fetch what this symbol still misses, soon. */
  wake(venueSymbol: string): void {
    if (this.stopped) return this.lateJump(venueSymbol);
    this.schedule(`ids ${venueSymbol}`);
  }

  /** FeedCore's onTradeWindow: an outage window of this symbol closed; fetch the recent trades, soon. */
  wakeWindow(venueSymbol: string): void {
    if (this.stopped) return this.lateJump(venueSymbol);
    this.schedule(`window ${venueSymbol}`);
  }

  private schedule(key: string): void {
    if (this.waiting.has(key) || this.running.has(key)) return;
    this.waiting.set(key, setTimeout(() => this.start(key), BACKFILL_GRACE_MS));
  }

  /** The window of `venueSymbol` waiting to be filled (closed by a trade), if any. */
  private closedWindow(venueSymbol: string): readonly [number, number] | undefined {
    const w = this.opts.core.tradeWindow(venueSymbol);
    return w === undefined || w.to === undefined ? undefined : [w.from, w.to];
  }

  /** Something is waiting to be fetched, or being fetched. */
  busy(venueSymbols: readonly string[]): boolean {
    return this.waiting.size > 0 || this.running.size > 0 ||
      venueSymbols.some((v) => this.opts.core.missingTradeIds(v).length > 0 || this.closedWindow(v) !== undefined);
  }

  /**
   * The session is stopping: what is waiting is fetched now, for at most `maxMs`; whatever is
   * still missing then is given up (a gap row each), so the recording's end accounts for it.
   */
  async finish(venueSymbols: readonly string[], maxMs: number): Promise<void> {
    if (this.stopped) return;
    for (const [v, t] of this.waiting) {
      clearTimeout(t);
      this.start(v);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.running.values()), new Promise<void>((r) => (timer = setTimeout(r, maxMs)))]);
    clearTimeout(timer);
    this.stop();
    for (const v of venueSymbols) this.giveUpAll(v);
  }

  /** Gives up whatever `venueSymbol` still misses: its id ranges and its closed window. */
  private giveUpAll(venueSymbol: string): void {
    for (const [from, to] of this.opts.core.missingTradeIds(venueSymbol)) this.giveUp(venueSymbol, from, to, STOPPED);
    const w = this.closedWindow(venueSymbol);
    if (w !== undefined) this.giveUpWindow(venueSymbol, w[0], w[1], STOPPED);
  }

  /**
   * Ids went missing after the last fetch was given up (a socket reconnected while the session
   * closes): they cannot be fetched any more, so they are ledgered as missed at once, never left
   * silently out of the trades file. The mark waits for a microtask so that it follows the frame
   * that showed the ids missing in the raw capture (replay then ledgers them at the same point).
   */
  private lateJump(venueSymbol: string): void {
    if (this.lateJumps.has(venueSymbol)) return;
    this.lateJumps.add(venueSymbol);
    queueMicrotask(() => {
      this.lateJumps.delete(venueSymbol);
      this.giveUpAll(venueSymbol);
    });
  }

  private start(key: string): void {
    this.waiting.delete(key);
    if (this.stopped || this.running.has(key)) return;
    const sp = key.indexOf(' ');
    const venueSymbol = key.slice(sp + 1);
    const run = (key.slice(0, sp) === 'window' ? this.runWindow(venueSymbol) : this.run(venueSymbol)).finally(() => this.running.delete(key));
    this.running.set(key, run);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.waiting.values()) clearTimeout(t);
    this.waiting.clear();
    this.abort.abort(new Error('session stopped'));
  }

  /** Pages until nothing is missing; each page must move the range on or the range is given up. */
  private async run(venueSymbol: string): Promise<void> {
    const { spec } = this.opts;
    try {
      for (;;) {
        const range = this.opts.core.missingTradeIds(venueSymbol)[0];
        if (range === undefined || this.stopped || !this.opts.capturing(nowUs())) return;
        const [from, to] = range;
        const failure = await this.page(venueSymbol, spec.tradesById!.route, () => spec.tradesById!.request(venueSymbol, from, to - from + 1));
        if (this.stopped) return;
        const next = this.opts.core.missingTradeIds(venueSymbol)[0];
        if (failure !== undefined || (next !== undefined && next[0] === from)) {
          this.giveUp(venueSymbol, from, to, failure ?? `${this.opts.spec.tradesById!.route} returned none of them`);
        }
      }
    } catch (e) {
      if (!this.stopped) this.opts.log.error({ venue: this.opts.spec.id, venueSymbol, err: (e as Error).message }, 'trade backfill stopped');
    }
  }

  /**
   * One page of recent trades for each closed window (a window reopened while its page was out
   * waits for the next trade, which wakes this again); a page that did not fill the window gives
   * it up.
   */
  private async runWindow(venueSymbol: string): Promise<void> {
    const route = this.opts.spec.recentTrades!;
    try {
      for (;;) {
        const w = this.closedWindow(venueSymbol);
        if (w === undefined || this.stopped || !this.opts.capturing(nowUs())) return;
        const failure = await this.page(venueSymbol, route.route, () => route.request(venueSymbol, { from: w[0], to: w[1] }));
        if (this.stopped) return;
        const next = this.closedWindow(venueSymbol);
        if (next !== undefined && next[0] === w[0] && next[1] === w[1]) {
          this.giveUpWindow(venueSymbol, w[0], w[1], failure ?? `${route.route} did not fill it`);
        }
      }
    } catch (e) {
      if (!this.stopped) this.opts.log.error({ venue: this.opts.spec.id, venueSymbol, err: (e as Error).message }, 'trade backfill stopped');
    }
  }

  /** One request (`request()` is built when its turn comes), in its turn; why it failed, or undefined. */
  private async page(venueSymbol: string, route: string, request: () => { path: string; weight: number }): Promise<string | undefined> {
    const prev = this.turn;
    let done!: () => void;
    this.turn = new Promise<void>((r) => (done = r));
    try {
      await prev;
      const { rest, spec, core, handlers } = this.opts;
      // snapshots (and anything else) queued for the budget go first
      while (rest.waiting > 0 && !this.stopped) await new Promise((r) => setTimeout(r, YIELD_MS));
      if (this.stopped) return undefined;
      const req = request();
      let res;
      try {
        res = await rest.get(req.path, { weight: req.weight, signal: this.abort.signal });
      } catch (e) {
        return this.stopped ? undefined : `${route} failed: ${(e as Error).message}`;
      }
      // a body from outside the window is not captured, so replay could not fill from it either
      if (this.stopped || !this.opts.capturing(res.localTs)) return undefined;
      this.stats.pages++;
      const f: RawFrame = { venue: spec.id, connId: 0, recvSeq: 0, localTs: res.localTs, dir: 'rest', data: res.body, url: res.url };
      const symbol = core.symbolOf(venueSymbol);
      handlers.raw?.(f, symbol === undefined ? [] : [symbol]);
      core.onRestFrame(f, venueSymbol);
      return res.status === 200 ? undefined : `${route} answered HTTP ${res.status}: ${res.body.slice(0, 120)}`;
    } finally {
      done();
    }
  }

  /** Stops filling the window from..to: written raw as a mark, so replay ledgers the same gap here. */
  private giveUpWindow(venueSymbol: string, from: number, to: number, reason: string): void {
    this.writeMark(venueSymbol, tradesWindowMissedMark(venueSymbol, from, to, reason));
  }

  /** Stops fetching ids from..to: written raw as a mark, so replay ledgers the same gap here. */
  private giveUp(venueSymbol: string, from: number, to: number, reason: string): void {
    this.writeMark(venueSymbol, tradesMissedMark(venueSymbol, from, to, reason));
  }

  private writeMark(venueSymbol: string, data: string): void {
    const { core, handlers, spec } = this.opts;
    const mark: RawFrame = { venue: spec.id, connId: 0, recvSeq: 0, localTs: nowUs(), dir: 'conn', data };
    if (!this.opts.capturing(mark.localTs)) return;
    this.stats.givenUp++;
    const symbol = core.symbolOf(venueSymbol);
    core.onFrame(mark);
    handlers.raw?.(mark, symbol === undefined ? [] : [symbol]);
  }
}
