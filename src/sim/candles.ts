// Candles for REST klines and the kline stream, from one source so the two always agree:
// before the simulator started, a deterministic synthetic history (a hashed random walk per
// minute, HISTORY_DAYS deep, ending at the start price; computed lazily, only as far back as a
// request reaches); since then, 1-second buckets built from the simulator's own trades, which are
// also kept (the newest TAPE_MAX) for the venues' trade history routes. The venue modes other than
// Binance also see maintenance halts in the synthetic past (`halted`): minutes without trades, so
// without candles, as any venue's history has; the Binance modes' klines keep the unbroken path.
import type { SimTrade } from './market.js';
import { hashUnit } from './rng.js';

const SEC = 1000;
const MIN = 60 * SEC;
const DAY = 24 * 60 * MIN;
/** Deep enough for `marketfeed history` over a year of one-minute bars (the path grows on demand). */
export const HISTORY_DAYS = 400;
const PATH_CHUNK = 7 * 1440;
/** Trades kept for trade history, per symbol (about 40 bytes each). */
const TAPE_MAX = 200_000;
/** One maintenance halt in every block of this many ms (so any 12 hours of history hold two). */
const HALT_BLOCK = 4 * 60 * MIN;
/** A halt starts in the first HALT_WINDOW minutes of its block and lasts 1–3 minutes. */
const HALT_WINDOW = 230;

export const INTERVAL_MS: Readonly<Record<string, number>> = {
  '1s': SEC, '1m': MIN, '3m': 3 * MIN, '5m': 5 * MIN, '15m': 15 * MIN, '30m': 30 * MIN,
  '1h': 60 * MIN, '2h': 120 * MIN, '4h': 240 * MIN, '6h': 360 * MIN, '8h': 480 * MIN, '12h': 720 * MIN,
  '1d': DAY, '3d': 3 * DAY, '1w': 7 * DAY, '1M': 31 * DAY,
};

export function isInterval(text: string): boolean {
  return Object.hasOwn(INTERVAL_MS, text);
}

/** Open time of the bucket holding tMs. Weeks open on Monday 00:00 UTC; months on the 1st. */
export function bucketOpen(tMs: number, interval: string): number {
  if (interval === '1M') {
    const d = new Date(tMs);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  const len = INTERVAL_MS[interval];
  // 1970-01-01 was a Thursday; Monday is 4 days later.
  const offset = interval === '1w' ? 4 * DAY : 0;
  return Math.floor((tMs - offset) / len) * len + offset;
}

/** Open time of the next bucket. */
export function nextOpen(openMs: number, interval: string): number {
  if (interval === '1M') {
    const d = new Date(openMs);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  return openMs + INTERVAL_MS[interval];
}

/** Open time of the previous bucket. */
export function prevOpen(openMs: number, interval: string): number {
  if (interval === '1M') {
    const d = new Date(openMs);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1);
  }
  return openMs - INTERVAL_MS[interval];
}

export interface Candle {
  openTicks: number;
  highTicks: number;
  lowTicks: number;
  closeTicks: number;
  volLots: number;
  /** Sum of ticks × lots over trades. */
  quoteVol: bigint;
  trades: number;
  takerBuyLots: number;
  takerBuyQuote: bigint;
  firstTradeId: number;
  lastTradeId: number;
}

export class CandleStore {
  /** First second of live data (the minute the simulator started in). */
  readonly liveStartMs: number;
  readonly listedMs: number;
  private readonly sec: Candle[] = [];
  /** Every trade since the start (the newest TAPE_MAX), oldest first. */
  private readonly tape: SimTrade[] = [];
  /** Synthetic close of minute i counted back from liveStart (index 0 = liveStart itself). */
  private path = new Float64Array(0);
  /** Entries of `path` computed so far. */
  private pathLen = 0;

  constructor(
    private readonly seed: number,
    private readonly key: string,
    private readonly startTicks: number,
    private readonly maxLots: number,
    startMs: number,
  ) {
    this.liveStartMs = Math.floor(startMs / MIN) * MIN;
    this.listedMs = this.liveStartMs - HISTORY_DAYS * DAY;
  }

  addTrade(t: SimTrade): void {
    this.tape.push(t);
    if (this.tape.length > TAPE_MAX + (TAPE_MAX >> 3)) this.tape.splice(0, this.tape.length - TAPE_MAX);
    const c = this.secondAt(t.timeMs);
    if (c.trades === 0) {
      c.openTicks = c.highTicks = c.lowTicks = t.ticks;
      c.firstTradeId = t.id;
    }
    if (t.ticks > c.highTicks) c.highTicks = t.ticks;
    if (t.ticks < c.lowTicks) c.lowTicks = t.ticks;
    c.closeTicks = t.ticks;
    c.lastTradeId = t.id;
    c.trades++;
    c.volLots += t.lots;
    const q = BigInt(t.ticks) * BigInt(t.lots);
    c.quoteVol += q;
    if (!t.buyerMaker) {
      c.takerBuyLots += t.lots;
      c.takerBuyQuote += q;
    }
  }

  /** The 1-second bucket at tMs, creating flat buckets (at the last close) up to it. */
  private secondAt(tMs: number): Candle {
    const i = Math.max(0, Math.floor((tMs - this.liveStartMs) / SEC));
    while (this.sec.length <= i) {
      const prev = this.sec.length > 0 ? this.sec[this.sec.length - 1].closeTicks : this.startTicks;
      this.sec.push(flat(prev));
    }
    return this.sec[i];
  }

  /**
   * Synthetic close `back` minutes before liveStart: a hashed random walk backwards from the
   * start price, extended (a week at a time) only as far as requests reach.
   */
  private syntheticClose(back: number): number {
    if (back >= this.pathLen) {
      const want = Math.min(HISTORY_DAYS * 1440 + 1, Math.max(back + 1, this.pathLen + PATH_CHUNK));
      if (want > this.path.length) {
        const grown = new Float64Array(Math.min(HISTORY_DAYS * 1440 + 1, Math.max(want, this.path.length * 2)));
        grown.set(this.path.subarray(0, this.pathLen));
        this.path = grown;
      }
      const p = this.path;
      if (this.pathLen === 0) p[this.pathLen++] = this.startTicks;
      for (let i = this.pathLen; i < want; i++) {
        const step = (hashUnit(this.seed, this.key, i) - 0.5) * 0.002;
        p[i] = Math.max(1, p[i - 1] * (1 + step));
      }
      this.pathLen = want;
    }
    return this.path[back];
  }

  private syntheticMinute(openMs: number, into: Candle): void {
    const back = Math.round((this.liveStartMs - openMs) / MIN);
    const o = Math.round(this.syntheticClose(back));
    const c = Math.round(this.syntheticClose(back - 1));
    const u1 = hashUnit(this.seed ^ 0x5bd1e995, this.key, back);
    const u2 = hashUnit(this.seed ^ 0x27d4eb2f, this.key, back);
    const wick = Math.round(Math.abs(o - c) * u1 + o * 0.0003 * u2);
    const vol = 1 + Math.floor(this.maxLots * 20 * u1 * u2);
    const buy = Math.floor(vol * u2);
    const n = 1 + Math.floor(200 * u1);
    merge(into, {
      openTicks: o, closeTicks: c, highTicks: Math.max(o, c) + wick, lowTicks: Math.max(1, Math.min(o, c) - wick),
      volLots: vol, quoteVol: BigInt(vol) * BigInt(c), trades: n, takerBuyLots: buy, takerBuyQuote: BigInt(buy) * BigInt(c),
      firstTradeId: -1, lastTradeId: -1,
    });
  }

  /**
   * True when the minute opening at `minuteOpenMs` falls in a maintenance halt: one per
   * HALT_BLOCK of the synthetic past, 1–3 minutes long, at a hashed time. Venue-wide (the seed,
   * not the symbol, places it), and never in the live part.
   */
  halted(minuteOpenMs: number): boolean {
    if (minuteOpenMs + MIN > this.liveStartMs) return false;
    const [start, end] = haltOfBlock(this.seed, Math.floor(minuteOpenMs / HALT_BLOCK));
    return minuteOpenMs >= start && minuteOpenMs < end;
  }

  /** The retained trades with timeMs in [fromMs, toMs), oldest first (the tape itself, not a copy, when whole). */
  trades(fromMs = -Infinity, toMs = Infinity): readonly SimTrade[] {
    const t = this.tape;
    const lo = lowerBound(t, fromMs);
    const hi = lowerBound(t, toMs);
    return lo === 0 && hi === t.length ? t : t.slice(lo, hi);
  }

  /**
   * The candle over [openMs, endMs), or undefined when no part of it is listed or has begun.
   * With `skipHalts` the halted minutes of the synthetic past are left out (undefined if all are).
   */
  range(openMs: number, endMs: number, nowMs: number, skipHalts = false): Candle | undefined {
    if (endMs <= this.listedMs || openMs > nowMs) return undefined;
    if (endMs - openMs < MIN && openMs < this.liveStartMs) {
      // Sub-minute bars in the synthetic past: flat at the minute's open, no trades.
      if (skipHalts && this.halted(Math.floor(openMs / MIN) * MIN)) return undefined;
      const back = Math.ceil((this.liveStartMs - openMs) / MIN);
      return flat(Math.round(this.syntheticClose(back)));
    }
    const out = flat(NaN);
    for (let t = Math.max(openMs, this.listedMs); t < endMs && t < this.liveStartMs; t += MIN) {
      if (!(skipHalts && this.halted(t))) this.syntheticMinute(t, out);
    }
    if (endMs > this.liveStartMs) {
      this.secondAt(nowMs);
      const from = Math.max(0, Math.floor((openMs - this.liveStartMs) / SEC));
      const to = Math.min(this.sec.length, Math.ceil((endMs - this.liveStartMs) / SEC));
      for (let i = from; i < to; i++) merge(out, this.sec[i]);
    }
    return Number.isNaN(out.openTicks) ? undefined : out;
  }
}

/**
 * The maintenance halts of a venue mode started with `seed` that overlap [fromMs, toMs), as
 * [start, end) ms, oldest first (CandleStore.halted leaves out the ones reaching its live part).
 */
export function maintenanceHalts(seed: number, fromMs: number, toMs: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let b = Math.floor(fromMs / HALT_BLOCK); b * HALT_BLOCK < toMs; b++) {
    const [start, end] = haltOfBlock(seed, b);
    if (end > fromMs && start < toMs) out.push([start, end]);
  }
  return out;
}

function haltOfBlock(seed: number, block: number): [number, number] {
  const start = block * HALT_BLOCK + Math.floor(hashUnit(seed ^ 0x68a1f3c5, 'halt', block) * HALT_WINDOW) * MIN;
  return [start, start + (1 + Math.floor(hashUnit(seed ^ 0x1f3d5b79, 'halt', block) * 3)) * MIN];
}

/** First index whose trade is at or after tMs (trades sorted by time). */
function lowerBound(trades: readonly SimTrade[], tMs: number): number {
  let lo = 0;
  let hi = trades.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (trades[mid].timeMs < tMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function flat(ticks: number): Candle {
  return {
    openTicks: ticks, highTicks: ticks, lowTicks: ticks, closeTicks: ticks, volLots: 0, quoteVol: 0n, trades: 0,
    takerBuyLots: 0, takerBuyQuote: 0n, firstTradeId: -1, lastTradeId: -1,
  };
}

/** Appends a later candle (or a flat second) onto an aggregate. */
function merge(into: Candle, c: Candle): void {
  if (Number.isNaN(into.openTicks)) {
    into.openTicks = c.openTicks;
    into.highTicks = c.highTicks;
    into.lowTicks = c.lowTicks;
  } else {
    if (c.highTicks > into.highTicks) into.highTicks = c.highTicks;
    if (c.lowTicks < into.lowTicks) into.lowTicks = c.lowTicks;
  }
  into.closeTicks = c.closeTicks;
  into.volLots += c.volLots;
  into.quoteVol += c.quoteVol;
  into.trades += c.trades;
  into.takerBuyLots += c.takerBuyLots;
  into.takerBuyQuote += c.takerBuyQuote;
  if (c.firstTradeId >= 0 && into.firstTradeId < 0) into.firstTradeId = c.firstTradeId;
  if (c.lastTradeId >= 0) into.lastTradeId = c.lastTradeId;
}
