// Everything the simulator keeps for one symbol: the market model, the ground truth after each
// frame, candles, recent trades (REST /trades) and a few old books (the stale-snapshot fault).
import { CandleStore } from './candles.js';
import { Formatter, formatUnits, type Instrument, type SimVenue } from './instruments.js';
import { Market, type BookState, type DiffFrame, type SimTrade } from './market.js';
import { Rng, hash32 } from './rng.js';
import { TruthRing } from './truth.js';
import type { MarkPrice } from './wire.js';

export interface SymbolStateOptions {
  seed: number;
  levels: number;
  truthHistory: number;
  truthDepth: number;
  startMs: number;
}

const RECENT_TRADES = 1000;
const OLD_BOOKS = 5;
const OLD_BOOK_EVERY_MS = 1000;
const FUNDING_EVERY_MS = 8 * 3600_000;

export class SymbolState {
  readonly fmt: Formatter;
  readonly market: Market;
  readonly truth: TruthRing;
  readonly candles: CandleStore;
  readonly recentTrades: SimTrade[] = [];
  /** Old books, oldest first; the initial book is always the first until pushed out. */
  readonly oldBooks: BookState[] = [];
  nextAggId: number;
  private lastOldBookMs: number;
  private readonly rng: Rng;
  /** Levels a REST snapshot may return (the whole side). */
  readonly maxDepth: number;
  /** Open interest level and phase of this symbol, from the seed (futures openInterest). */
  private readonly oiBase: number;
  private readonly oiPhase: number;

  constructor(
    readonly inst: Instrument,
    readonly venue: SimVenue,
    opts: SymbolStateOptions,
  ) {
    const seed = (opts.seed ^ hash32(inst.venueSymbol)) >>> 0;
    this.fmt = new Formatter(inst, venue === 'okx' || venue === 'coinbase' ? 'trim' : venue === 'bitfinex' ? 'js' : 'fixed');
    this.market = new Market(inst, { seed, levels: opts.levels, skipIds: venue === 'binance-futures' || venue === 'okx' });
    this.truth = new TruthRing(opts.truthHistory, opts.truthDepth, this.fmt);
    this.candles = new CandleStore(opts.seed, inst.venueSymbol, inst.startTicks, inst.maxLots, opts.startMs);
    this.rng = new Rng(seed ^ 0x9e3779b9);
    this.nextAggId = 10_000_000 + this.rng.int(0, 9_999_999);
    this.maxDepth = opts.levels + 64;
    this.oldBooks.push(this.market.state(this.maxDepth));
    this.lastOldBookMs = opts.startMs;
    // hashed, not drawn from rng: the model's own draws stay as they were
    const h = hash32('openInterest', seed);
    this.oiBase = 5_000 + (h % 20_000);
    this.oiPhase = ((h >>> 16) / 65_536) * 2 * Math.PI;
  }

  /**
   * Runs a few model updates and closes them into one diff frame; records truth for its u.
   * The trades those updates made are left in `market.newTrades` for the caller to publish,
   * then `takeTrades` files them. `truthKey` replaces u as the truth key (Kraken and Bitfinex key
   * truth by the update's exchange timestamp).
   */
  advance(nowMs: number, truthKey?: number): DiffFrame {
    const updates = 1 + Math.min(7, this.rng.geometric(0.5));
    for (let i = 0; i < updates; i++) this.market.step(nowMs);
    const frame = this.market.takeFrame()!;
    this.truth.record(truthKey ?? frame.u, this.market.bids, this.market.asks);
    if (nowMs - this.lastOldBookMs >= OLD_BOOK_EVERY_MS) {
      this.lastOldBookMs = nowMs;
      this.oldBooks.push(this.market.state(this.maxDepth));
      if (this.oldBooks.length > OLD_BOOKS) this.oldBooks.shift();
    }
    return frame;
  }

  /** Files the trades of the last updates into candles and the recent list; returns them. */
  takeTrades(): SimTrade[] {
    const trades = this.market.newTrades.splice(0);
    for (const t of trades) {
      this.candles.addTrade(t);
      this.recentTrades.push(t);
    }
    if (this.recentTrades.length > RECENT_TRADES) this.recentTrades.splice(0, this.recentTrades.length - RECENT_TRADES);
    return trades;
  }

  /**
   * The current book for a REST snapshot. Half the time a couple more updates land first, so the
   * snapshot's id falls inside the next frame's [U; u] — the "straddling first event" that the
   * venue's sync rules exist for (PROTOCOLS.md §8).
   */
  snapshot(limit: number, nowMs: number): BookState {
    if (this.rng.next() < 0.5) {
      const n = this.rng.int(1, 2);
      for (let i = 0; i < n; i++) this.market.step(nowMs);
    }
    return this.market.state(limit);
  }

  /**
   * Open interest in base units at `nowMs` (futures GET openInterest): a pure function of the seed,
   * the symbol and the time, wandering a few percent over minutes, in the venue's qty decimals.
   */
  openInterest(nowMs: number): string {
    const drift = 0.04 * Math.sin(nowMs / 900_000 + this.oiPhase) + 0.004 * Math.sin(nowMs / 41_000 + 2 * this.oiPhase);
    const d = this.inst.qtyDecimals;
    return formatUnits(Math.round(this.oiBase * (1 + drift) * 10 ** d), d);
  }

  /** Mark, index and funding, derived from the mid (futures premiumIndex / markPrice stream). */
  markPrice(nowMs: number): MarkPrice {
    const midTwice = this.market.bids.bestTicks() + this.market.asks.bestTicks();
    const scale = this.inst.tickUnits * 10 ** (8 - this.inst.priceDecimals);
    const markUnits = Math.round((midTwice * scale) / 2);
    const wobble = Math.sin(nowMs / 7_000);
    const indexUnits = Math.round(markUnits * (1 - 0.0002 * wobble));
    const rateUnits = 10_000 + Math.round(40 * Math.sin(nowMs / 600_000));
    return {
      mark: formatUnits(markUnits, 8),
      index: formatUnits(indexUnits, 8),
      settle: formatUnits(Math.round(indexUnits * (1 + 0.00005 * wobble)), 8),
      fundingRate: formatUnits(rateUnits, 8),
      nextFundingMs: (Math.floor(nowMs / FUNDING_EVERY_MS) + 1) * FUNDING_EVERY_MS,
    };
  }
}
