// The market-data dict for trading engines: per update of a symbol, one flat object
// `{symbol, price, spread, vol, texts, funding, oi}` built from the feed's events. Every number
// comes from the venue's own streams — never a placeholder: a field the venue has not (yet) given
// is null, and `missing` says why. Delivered to callbacks synchronously, and to an async iterator
// that conflates per symbol (an engine that falls behind gets the newest state, not a backlog).
//
//   price   last trade price; the best bid/ask mid until the first trade
//   spread  best ask − best bid (quote currency), from quotes or verified book snapshots
//   vol     base-asset volume traded in the trailing `volWindowMs` (default 24 h) by the trades seen
//           this session (`volCoveredMs` says how much of the window the session has seen)
//   funding the current funding rate from the venue's derivative stream (Binance USDⓈ-M markPrice)
//   oi      open interest from the venue's derivative stream, or from its REST poll where the venue
//           serves it only there (Binance USDⓈ-M /fapi/v1/openInterest, every rest.openInterestS)
//   texts   drained from the configured TextSource, else []
import type { MarketEvent } from '../core/events.js';
import { getVenue } from '../venues/index.js';
import type { VenueSpec } from '../venues/types.js';

export interface MarketData {
  symbol: string;
  venue: string;
  /** Exchange time of the event behind this update, µs. */
  ts: number;
  localTs: number;
  /** The event type that caused the update. */
  cause: 'trade' | 'quote' | 'book_snapshot' | 'derivative';
  price: number | null;
  spread: number | null;
  vol: number | null;
  texts: string[];
  funding: number | null;
  oi: number | null;
  /** For every null field: why. */
  missing: Partial<Record<'price' | 'spread' | 'vol' | 'funding' | 'oi', string>>;
  volWindowMs: number;
  volCoveredMs: number;
  /** Next funding time, µs (when the venue gives it). */
  nextFundingTs: number | null;
  markPrice: number | null;
}

/** Text items (news, posts…) for a symbol; `take` hands over and forgets what it returns. */
export interface TextSource {
  take(symbol: string): string[];
}

export interface MarketDataOptions {
  /** Trailing window of `vol`; default 24 h. */
  volWindowMs?: number;
  /** At most one update per symbol per this many ms (0 = every event; default 0). */
  minIntervalMs?: number;
  texts?: TextSource;
  /** Capacity of the async iterator (symbols pending); default 10000. */
  queueCapacity?: number;
}

const VOL_BUCKETS = 1440;

interface SymbolState {
  symbol: string;
  venue: string;
  lastPrice: number | null;
  bid: number | null;
  ask: number | null;
  funding: number | null;
  nextFundingTs: number | null;
  markPrice: number | null;
  oi: number | null;
  derivativeEvents: number;
  /** Trailing volume: one bucket per window/1440, indexed by bucket number. */
  volBuckets: Float64Array;
  volBucketIds: Float64Array;
  firstTradeTs: number;
  lastEmitLocalTs: number;
  last: { ts: number; localTs: number; cause: MarketData['cause'] };
}

export class MarketDataMapper implements AsyncIterable<MarketData> {
  private readonly state = new Map<string, SymbolState>();
  private readonly listeners: ((d: MarketData) => void)[] = [];
  private readonly volWindowUs: number;
  private readonly bucketUs: number;
  private readonly minIntervalUs: number;
  private readonly texts: TextSource | undefined;
  private readonly queueCapacity: number;
  /** Pending updates of the async iterator, newest per symbol (Map keeps first-pending order). */
  private readonly pending = new Map<string, MarketData>();
  private iterating = false;
  private wake: (() => void) | undefined;
  private closed = false;
  updates = 0;
  /** Updates replaced in the iterator queue by a newer one of the same symbol before being read. */
  conflated = 0;
  /** Symbols dropped because queueCapacity symbols were already pending. */
  dropped = 0;

  constructor(opts: MarketDataOptions = {}) {
    this.volWindowUs = (opts.volWindowMs ?? 86_400_000) * 1000;
    this.bucketUs = this.volWindowUs / VOL_BUCKETS;
    this.minIntervalUs = (opts.minIntervalMs ?? 0) * 1000;
    this.texts = opts.texts;
    this.queueCapacity = opts.queueCapacity ?? 10_000;
  }

  /** Feed handler. */
  onEvent(ev: MarketEvent): void {
    let cause: MarketData['cause'];
    switch (ev.type) {
      case 'trade': {
        const s = this.stateOf(ev.venue, ev.symbol);
        s.lastPrice = Number(ev.price);
        this.addVolume(s, ev.ts, Number(ev.amount));
        cause = 'trade';
        break;
      }
      case 'quote': {
        const s = this.stateOf(ev.venue, ev.symbol);
        s.bid = Number(ev.bidPrice);
        s.ask = Number(ev.askPrice);
        cause = 'quote';
        break;
      }
      case 'book_snapshot': {
        if (ev.bids.length === 0 || ev.asks.length === 0) return;
        const s = this.stateOf(ev.venue, ev.symbol);
        s.bid = Number(ev.bids[0][0]);
        s.ask = Number(ev.asks[0][0]);
        cause = 'book_snapshot';
        break;
      }
      case 'derivative': {
        const s = this.stateOf(ev.venue, ev.symbol);
        s.derivativeEvents++;
        if (ev.fundingRate !== undefined) s.funding = Number(ev.fundingRate);
        if (ev.nextFundingTs !== undefined) s.nextFundingTs = ev.nextFundingTs;
        if (ev.markPrice !== undefined) s.markPrice = Number(ev.markPrice);
        if (ev.openInterest !== undefined) s.oi = Number(ev.openInterest);
        cause = 'derivative';
        break;
      }
      default:
        return;
    }
    const s = this.stateOf(ev.venue, ev.symbol);
    s.last.ts = ev.ts;
    s.last.localTs = ev.localTs;
    s.last.cause = cause;
    if (this.minIntervalUs > 0 && ev.localTs - s.lastEmitLocalTs < this.minIntervalUs) return;
    s.lastEmitLocalTs = ev.localTs;
    this.publish(this.build(s, ev.ts, ev.localTs, cause));
  }

  /** The current dict of a symbol without waiting for an update (undefined before its first event). */
  current(symbol: string, venue?: string): MarketData | undefined {
    for (const s of this.state.values()) {
      if (s.symbol === symbol && (venue === undefined || s.venue === venue)) return this.build(s, s.last.ts, s.last.localTs, s.last.cause, false);
    }
    return undefined;
  }

  subscribe(listener: (d: MarketData) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Ends the async iteration once the pending updates are read. */
  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<MarketData> {
    this.iterating = true;
    try {
      while (true) {
        for (const [key, d] of this.pending) {
          this.pending.delete(key);
          yield d;
        }
        if (this.closed) return;
        if (this.pending.size === 0) await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      this.iterating = false;
    }
  }

  private publish(d: MarketData): void {
    this.updates++;
    for (const l of this.listeners) l(d);
    if (!this.iterating) return;
    const key = `${d.venue} ${d.symbol}`;
    if (this.pending.has(key)) {
      this.conflated++;
      this.pending.delete(key); // re-insert: its place is now the newest
    } else if (this.pending.size >= this.queueCapacity) {
      this.dropped++;
      return;
    }
    this.pending.set(key, d);
    const w = this.wake;
    if (w) {
      this.wake = undefined;
      w();
    }
  }

  private build(s: SymbolState, ts: number, localTs: number, cause: MarketData['cause'], withTexts = true): MarketData {
    const missing: MarketData['missing'] = {};
    const mid = s.bid !== null && s.ask !== null ? (s.bid + s.ask) / 2 : null;
    const price = s.lastPrice ?? mid;
    if (price === null) missing.price = 'no trade and no best bid/ask yet';
    const spread = s.bid !== null && s.ask !== null ? s.ask - s.bid : null;
    if (spread === null) missing.spread = 'no best bid/ask yet (quote or verified book)';
    let vol: number | null = null;
    let covered = 0;
    if (s.firstTradeTs >= 0) {
      const until = ts;
      vol = this.windowVolume(s, until);
      covered = Math.min(this.volWindowUs, Math.max(0, until - s.firstTradeTs)) / 1000;
    } else missing.vol = 'no trade yet';
    const spec = specOf(s.venue);
    const derivative = spec?.kinds.derivative ?? true; // unknown venues: assume they may
    if (s.funding === null) {
      missing.funding = !derivative ? `${s.venue} has no derivative stream (spot venue): no funding rate`
        : s.derivativeEvents === 0 ? `no derivative update from ${s.venue} yet` : `${s.venue}'s derivative updates carry no funding rate`;
    }
    if (s.oi === null) {
      missing.oi = !derivative ? `${s.venue} has no derivative stream (spot venue): no open interest`
        : spec?.openInterest !== undefined ? `no open interest from ${s.venue}'s REST poll yet (rest.openInterestS; 0 = off)`
        : s.derivativeEvents === 0 ? `no derivative update from ${s.venue} yet`
          : `${s.venue} streams no open interest: none of its ${s.derivativeEvents} derivative updates carried one`;
    }
    return {
      symbol: s.symbol, venue: s.venue, ts, localTs, cause, price, spread, vol,
      texts: withTexts && this.texts ? this.texts.take(s.symbol) : [],
      funding: s.funding, oi: s.oi, missing, volWindowMs: this.volWindowUs / 1000, volCoveredMs: covered,
      nextFundingTs: s.nextFundingTs, markPrice: s.markPrice,
    };
  }

  private addVolume(s: SymbolState, ts: number, qty: number): void {
    if (!(qty >= 0)) return;
    if (s.firstTradeTs < 0) s.firstTradeTs = ts;
    const id = Math.floor(ts / this.bucketUs);
    const i = id % VOL_BUCKETS;
    if (s.volBucketIds[i] !== id) {
      s.volBucketIds[i] = id;
      s.volBuckets[i] = 0;
    }
    s.volBuckets[i] += qty;
  }

  private windowVolume(s: SymbolState, untilTs: number): number {
    const newest = Math.floor(untilTs / this.bucketUs);
    let sum = 0;
    for (let i = 0; i < VOL_BUCKETS; i++) {
      const id = s.volBucketIds[i];
      if (id > newest - VOL_BUCKETS && id <= newest) sum += s.volBuckets[i];
    }
    return sum;
  }

  private stateOf(venue: string, symbol: string): SymbolState {
    const key = `${venue} ${symbol}`;
    let s = this.state.get(key);
    if (s === undefined) {
      s = {
        symbol, venue, lastPrice: null, bid: null, ask: null, funding: null, nextFundingTs: null, markPrice: null, oi: null,
        derivativeEvents: 0, volBuckets: new Float64Array(VOL_BUCKETS), volBucketIds: new Float64Array(VOL_BUCKETS).fill(-1),
        firstTradeTs: -1, lastEmitLocalTs: -Infinity, last: { ts: 0, localTs: 0, cause: 'trade' },
      };
      this.state.set(key, s);
    }
    return s;
  }
}

/** The venue's spec (what it streams, what is polled), undefined for a venue not registered. */
function specOf(venue: string): VenueSpec | undefined {
  try {
    return getVenue(venue);
  } catch {
    return undefined;
  }
}
