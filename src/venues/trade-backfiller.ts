// Trade backfill, the live half: when FeedCore finds trade ids of a symbol missing (a jump in the
// stream's ids, trade-backfill.ts), fetch them over REST by id (spec.tradesById), a page at a
// time, under the session's REST budget. Each body goes to the raw capture first and then through
// the core, which fills the trades still missing, so replay fills the same trades at the same
// point. A range that cannot be had is given up with a `trades-missed` conn mark, written raw the
// same way, so replay ledgers the same gap.
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
  /** Symbols with a late jump's give-up queued (lateJump). */
  private readonly lateJumps = new Set<string>();

  constructor(opts: TradeBackfillerOptions) {
    this.opts = opts;
  }

  /** FeedCore's onTradesMissing: fetch what this symbol still misses, soon. */
  wake(venueSymbol: string): void {
    if (this.stopped) return this.lateJump(venueSymbol);
    if (this.waiting.has(venueSymbol) || this.running.has(venueSymbol)) return;
    this.waiting.set(venueSymbol, setTimeout(() => this.start(venueSymbol), BACKFILL_GRACE_MS));
  }

  /** Something is waiting to be fetched, or being fetched. */
  busy(venueSymbols: readonly string[]): boolean {
    return this.waiting.size > 0 || this.running.size > 0 || venueSymbols.some((v) => this.opts.core.missingTradeIds(v).length > 0);
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
    for (const v of venueSymbols) {
      for (const [from, to] of this.opts.core.missingTradeIds(v)) this.giveUp(v, from, to, STOPPED);
    }
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
      for (const [from, to] of this.opts.core.missingTradeIds(venueSymbol)) this.giveUp(venueSymbol, from, to, STOPPED);
    });
  }

  private start(venueSymbol: string): void {
    this.waiting.delete(venueSymbol);
    if (this.stopped || this.running.has(venueSymbol)) return;
    const run = this.run(venueSymbol).finally(() => this.running.delete(venueSymbol));
    this.running.set(venueSymbol, run);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.waiting.values()) clearTimeout(t);
    this.waiting.clear();
    this.abort.abort(new Error('session stopped'));
  }

  /** Pages until nothing is missing; each page must move the range on or the range is given up. */
  private async run(venueSymbol: string): Promise<void> {
    try {
      for (;;) {
        const range = this.opts.core.missingTradeIds(venueSymbol)[0];
        if (range === undefined || this.stopped || !this.opts.capturing(nowUs())) return;
        const [from, to] = range;
        const failure = await this.page(venueSymbol, from, to);
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

  /** One request for ids from..to, in its turn; why it failed, or undefined. */
  private async page(venueSymbol: string, from: number, to: number): Promise<string | undefined> {
    const prev = this.turn;
    let done!: () => void;
    this.turn = new Promise<void>((r) => (done = r));
    try {
      await prev;
      const { rest, spec, core, handlers } = this.opts;
      // snapshots (and anything else) queued for the budget go first
      while (rest.waiting > 0 && !this.stopped) await new Promise((r) => setTimeout(r, YIELD_MS));
      if (this.stopped) return undefined;
      const byId = spec.tradesById!;
      const req = byId.request(venueSymbol, from, to - from + 1);
      let res;
      try {
        res = await rest.get(req.path, { weight: req.weight, signal: this.abort.signal });
      } catch (e) {
        return this.stopped ? undefined : `${byId.route} failed: ${(e as Error).message}`;
      }
      // a body from outside the window is not captured, so replay could not fill from it either
      if (this.stopped || !this.opts.capturing(res.localTs)) return undefined;
      this.stats.pages++;
      const f: RawFrame = { venue: spec.id, connId: 0, recvSeq: 0, localTs: res.localTs, dir: 'rest', data: res.body, url: res.url };
      const symbol = core.symbolOf(venueSymbol);
      handlers.raw?.(f, symbol === undefined ? [] : [symbol]);
      core.onRestFrame(f, venueSymbol);
      return res.status === 200 ? undefined : `${byId.route} answered HTTP ${res.status}: ${res.body.slice(0, 120)}`;
    } finally {
      done();
    }
  }

  /** Stops fetching ids from..to: written raw as a mark, so replay ledgers the same gap here. */
  private giveUp(venueSymbol: string, from: number, to: number, reason: string): void {
    const { core, handlers, spec } = this.opts;
    const mark: RawFrame = { venue: spec.id, connId: 0, recvSeq: 0, localTs: nowUs(), dir: 'conn', data: tradesMissedMark(venueSymbol, from, to, reason) };
    if (!this.opts.capturing(mark.localTs)) return;
    this.stats.givenUp++;
    const symbol = core.symbolOf(venueSymbol);
    core.onFrame(mark);
    handlers.raw?.(mark, symbol === undefined ? [] : [symbol]);
  }
}
