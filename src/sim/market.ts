// The market model of one symbol: a deep two-sided book on a tick grid, moved one update id at a
// time by limit orders, cancels and Poisson-ish taker trades around a random-walking fair price.
// Every book change is also written to the pending diff, so the frame that leaves the simulator
// carries exactly the changes between its U and u — the invariant every client test relies on.
import { BookSide } from './book-side.js';
import type { Instrument } from './instruments.js';
import { Rng } from './rng.js';

export interface SimTrade {
  id: number;
  ticks: number;
  lots: number;
  /** Binance `m`: the buyer was the maker, i.e. the taker sold. */
  buyerMaker: boolean;
  timeMs: number;
}

/** One aggregated diff: U = first update id in it, u = last, pu = u of the frame before. */
export interface DiffFrame {
  U: number;
  u: number;
  pu: number;
  /** Changed levels, best first; lots 0 = removed. */
  bidTicks: number[];
  bidLots: number[];
  askTicks: number[];
  askLots: number[];
}

export interface BookState {
  lastUpdateId: number;
  bids: { ticks: number[]; lots: number[] };
  asks: { ticks: number[]; lots: number[] };
}

export interface MarketOptions {
  seed: number;
  /** Levels kept per side (the model refills the deep end to this). */
  levels: number;
  /** Futures ids jump by more than one per update, as the real venue's do. */
  skipIds: boolean;
}

/** Slack above `levels` before the deep end is trimmed, so trims stay rare. */
const TRIM_SLACK = 64;
/** A followed or leading market keeps this many levels a side within NEAR_TICKS of its fair price. */
const NEAR_LEVELS = 5;
const NEAR_TICKS = 10;

export class Market {
  readonly bids = new BookSide(1);
  readonly asks = new BookSide(-1);
  /** Id of the last update applied to the book. */
  updateId: number;
  /** `u` of the last frame taken (the next frame's `pu`). */
  lastFrameU: number;
  /** Trades produced by `step` since the caller last drained them. */
  readonly newTrades: SimTrade[] = [];
  lastTradeTicks: number;
  private nextTradeId: number;
  private fair: number;
  /** The market whose fair price this one follows (`follow`); undefined for a free walk. */
  private leader: Market | undefined = undefined;
  private rho = 0;
  private ownWeight = 1;
  /** The leader's fair at this market's last step. */
  private leaderSeen = 0;
  /** This fair before rounding to ticks. */
  private fairTarget = 0;
  /** In a follow pair (either end): the top is kept dense around the fair (quoteNearFair). */
  private dense = false;
  private pendingFirst = 0;
  private readonly pendingBids = new Map<number, number>();
  private readonly pendingAsks = new Map<number, number>();
  private readonly rng: Rng;

  constructor(
    readonly inst: Instrument,
    private readonly opts: MarketOptions,
  ) {
    this.rng = new Rng(opts.seed);
    // Ids above 2^32, like today's real ids, so a client storing them in 32 bits breaks here first.
    this.updateId = 5_000_000_000 + this.rng.int(0, 999_999_999);
    this.lastFrameU = this.updateId;
    this.nextTradeId = 100_000_000 + this.rng.int(0, 99_999_999);
    this.fair = inst.startTicks;
    this.lastTradeTicks = inst.startTicks;
    this.seedSide(this.bids, inst.startTicks - 1);
    this.seedSide(this.asks, inst.startTicks + 1);
  }

  private seedSide(side: BookSide, bestTicks: number): void {
    const ticks: number[] = [];
    const lots: number[] = [];
    let t = bestTicks;
    for (let i = 0; i < this.opts.levels && t > 0; i++) {
      ticks.push(t);
      lots.push(this.randomLots());
      t -= side.dir * (i < 20 ? 1 : this.rng.int(1, 3));
    }
    // Stored worst first.
    for (let i = ticks.length - 1; i >= 0; i--) {
      side.ticks.push(ticks[i]);
      side.lots.push(lots[i]);
    }
  }

  private randomLots(): number {
    return this.rng.logUniform(this.inst.minLots, this.inst.maxLots);
  }

  /** Applies one book update (one update id). */
  step(nowMs: number): void {
    const rng = this.rng;
    this.updateId += this.opts.skipIds ? 1 + rng.geometric(0.5) : 1;
    if (this.pendingFirst === 0) this.pendingFirst = this.updateId;
    const bestBid = this.bids.bestTicks();
    const bestAsk = this.asks.bestTicks();
    if (this.leader === undefined) {
      if (rng.next() < 0.2) {
        this.fair += rng.next() < 0.5 ? -1 : 1;
        if (this.fair < bestBid - 10) this.fair = bestBid - 10;
        if (this.fair > bestAsk + 10) this.fair = bestAsk + 10;
      }
    } else {
      // the same draws as the free walk above, so a follower keeps its own volatility
      this.followStep(rng.next() < 0.2 ? (rng.next() < 0.5 ? -1 : 1) : 0, bestBid, bestAsk);
    }
    const r = rng.next();
    if (r < 0.45) this.place(rng.next() < 0.5, bestBid, bestAsk);
    else if (r < 0.7) this.cancel(rng.next() < 0.5 ? this.bids : this.asks);
    else if (r < 0.85) this.trade(bestBid, bestAsk, nowMs);
    else this.deepChange(rng.next() < 0.5 ? this.bids : this.asks);
    this.keepDepth(this.bids);
    this.keepDepth(this.asks);
    if (this.dense) {
      this.quoteNearFair(this.bids, this.asks);
      this.quoteNearFair(this.asks, this.bids);
    }
  }

  /**
   * A market in a follow pair keeps NEAR_LEVELS levels within NEAR_TICKS of its fair price on each
   * side. The free model leaves its deep book where it was seeded, so once the fair has wandered,
   * a sweep of a thin top can print thousands of ticks away; that noise would drown the followed
   * returns the option exists to show. Only here, so a free market's seeded sequence is unchanged.
   */
  private quoteNearFair(side: BookSide, other: BookSide): void {
    const dir = side.dir;
    // the fair may sit past the other side's best (the book lags it): quote from that best then
    const otherBest = other.length > 0 ? other.bestTicks() : this.fair;
    const anchor = (otherBest - this.fair) * dir < 0 ? otherBest : this.fair;
    if (side.length >= NEAR_LEVELS && (anchor - side.ticksFromTop(NEAR_LEVELS - 1)) * dir <= NEAR_TICKS) return;
    for (let i = 1; i <= NEAR_LEVELS; i++) {
      const ticks = anchor - dir * i;
      if (ticks > 0 && side.lotsAt(ticks) === 0) this.change(side, ticks, this.randomLots());
    }
  }

  /** The fair price in ticks that the book is built around (a leader's, for its followers). */
  get fairTicks(): number {
    return this.fair;
  }

  /**
   * Makes this market's fair price follow `leader`'s: each step it moves by rho × the leader's
   * moves since the last step + sqrt(1 − rho²) × its own ±1-tick walk. Both walks have the same
   * variance per step (in each one's own ticks), so the fair prices' returns correlate with rho
   * while each symbol keeps its own volatility. Read lazily from the leader, so the order the
   * engine steps symbols in costs at most one frame of lag.
   */
  follow(leader: Market, rho: number): void {
    if (!(rho >= -1 && rho <= 1)) throw new Error(`sim: follow rho must be from -1 to 1, got ${rho}`);
    this.leader = leader;
    this.rho = rho;
    this.ownWeight = Math.sqrt(1 - rho * rho);
    this.leaderSeen = leader.fairTicks;
    this.fairTarget = this.fair;
    this.dense = true;
    leader.dense = true;
  }

  private followStep(ownMove: number, bestBid: number, bestAsk: number): void {
    const leaderFair = this.leader!.fairTicks;
    const leaderMove = leaderFair - this.leaderSeen;
    this.leaderSeen = leaderFair;
    if (leaderMove === 0 && ownMove === 0) return;
    // a continuous target, so fractional moves (0.9 of a tick) add up instead of rounding away
    this.fairTarget += this.rho * leaderMove + this.ownWeight * ownMove;
    let fair = Math.round(this.fairTarget);
    // the free walk's rule: the fair never runs more than 10 ticks past the book
    if (fair < bestBid - 10) fair = bestBid - 10;
    if (fair > bestAsk + 10) fair = bestAsk + 10;
    if (fair !== Math.round(this.fairTarget)) this.fairTarget = fair;
    this.fair = fair;
  }

  private change(side: BookSide, ticks: number, lots: number): void {
    side.set(ticks, lots);
    (side === this.bids ? this.pendingBids : this.pendingAsks).set(ticks, lots);
  }

  private place(isBid: boolean, bestBid: number, bestAsk: number): void {
    const away = this.rng.geometric(0.3);
    if (isBid) {
      const ticks = Math.min(this.fair - 1, bestAsk - 1) - away;
      if (ticks > 0) this.change(this.bids, ticks, this.addLots(this.bids.lotsAt(ticks)));
    } else {
      const ticks = Math.max(this.fair + 1, bestBid + 1) + away;
      this.change(this.asks, ticks, this.addLots(this.asks.lotsAt(ticks)));
    }
  }

  /** Adds an order's size to a level, capped so sizes stay well inside 32 bits (truth stores Int32). */
  private addLots(have: number): number {
    const sum = have + this.randomLots();
    const cap = this.inst.maxLots * 50;
    return sum > cap ? cap : sum;
  }

  private cancel(side: BookSide): void {
    if (side.length === 0) return;
    const depth = Math.min(this.rng.geometric(0.15), side.length - 1);
    const ticks = side.ticksFromTop(depth);
    const lots = side.lotsFromTop(depth);
    this.change(side, ticks, this.rng.next() < 0.5 || lots < 2 ? 0 : 1 + Math.floor((lots - 1) * this.rng.next()));
  }

  private deepChange(side: BookSide): void {
    if (side.length === 0) return;
    const depth = this.rng.int(0, side.length - 1);
    this.change(side, side.ticksFromTop(depth), this.randomLots());
  }

  /** A taker order sweeping up to 5 levels of the opposite side; one trade per level touched. */
  private trade(bestBid: number, bestAsk: number, nowMs: number): void {
    const mid2 = bestBid + bestAsk;
    const lean = Math.max(-0.3, Math.min(0.3, (2 * this.fair - mid2) * 0.05));
    const takerBuys = this.rng.next() < 0.5 + lean;
    const book = takerBuys ? this.asks : this.bids;
    let remaining = this.rng.logUniform(this.inst.minLots, Math.max(this.inst.minLots, this.inst.maxLots >> 1));
    for (let n = 0; n < 5 && remaining > 0 && book.length > 0; n++) {
      const ticks = book.bestTicks();
      const have = book.lotsFromTop(0);
      const fill = have < remaining ? have : remaining;
      remaining -= fill;
      this.change(book, ticks, have - fill);
      this.newTrades.push({ id: this.nextTradeId++, ticks, lots: fill, buyerMaker: !takerBuys, timeMs: nowMs });
      this.lastTradeTicks = ticks;
    }
  }

  /** Refills the deep end to `levels` and trims it past the slack; both are real, sent changes. */
  private keepDepth(side: BookSide): void {
    const levels = this.opts.levels;
    while (side.length < levels) {
      const worst = side.length > 0 ? side.ticks[0] : side === this.bids ? this.fair - 1 : this.fair + 1;
      const ticks = side.length > 0 ? worst - side.dir * this.rng.int(1, 3) : worst;
      if (ticks <= 0) break;
      this.change(side, ticks, this.randomLots());
    }
    while (side.length > levels + TRIM_SLACK) this.change(side, side.ticks[0], 0);
  }

  /** True when updates are waiting to go out in a frame. */
  hasPending(): boolean {
    return this.pendingFirst !== 0;
  }

  /** Closes the pending diff into a frame (undefined when nothing changed). */
  takeFrame(): DiffFrame | undefined {
    if (this.pendingFirst === 0) return undefined;
    const frame: DiffFrame = {
      U: this.pendingFirst,
      u: this.updateId,
      pu: this.lastFrameU,
      bidTicks: [],
      bidLots: [],
      askTicks: [],
      askLots: [],
    };
    drain(this.pendingBids, 1, frame.bidTicks, frame.bidLots);
    drain(this.pendingAsks, -1, frame.askTicks, frame.askLots);
    this.lastFrameU = this.updateId;
    this.pendingFirst = 0;
    return frame;
  }

  /** The current book, best first, `limit` levels a side. */
  state(limit: number): BookState {
    return { lastUpdateId: this.updateId, bids: this.bids.copyTop(limit), asks: this.asks.copyTop(limit) };
  }
}

/** Moves changed levels into best-first arrays (bids descending, asks ascending). */
function drain(pending: Map<number, number>, dir: 1 | -1, ticksOut: number[], lotsOut: number[]): void {
  const keys = [...pending.keys()].sort((a, b) => (b - a) * dir);
  for (const k of keys) {
    ticksOut.push(k);
    lotsOut.push(pending.get(k)!);
  }
  pending.clear();
}
