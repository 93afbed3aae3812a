// Live candles: OHLCV bars built from trades by *exchange* time (the trade's `ts`, never the wall
// clock), for any timeframe from 1s to 1d, emitted as `candle` events when a bar closes. A bar
// closes when a trade of a later bar arrives, or — when the market goes quiet — when a timer sees
// the estimated exchange time pass the bar's end (local clock + the last known exchange−local
// offset, plus a small delay for trades still in flight). A bar in which nothing traded is emitted
// as a synthetic bar (O=H=L=C = the last close, volume 0, `synthetic: true`), so a consumer sees
// one bar per period without holes. While a connection of the symbol is down we are blind, not in
// a quiet market: bars that overlap the outage are dropped (left as holes for REST history to fill,
// counted in `blindBars`), and no flat bar is made until a trade shows the price again.
// The bar arithmetic is aggregate.ts's CandleAggregator (one per symbol and timeframe); this file
// adds the clock, the outages and the events. The same path runs over recorded trades files.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Candle, MarketEvent } from '../core/events.js';
import { MarketfeedError } from '../core/errors.js';
import { nowUs } from '../core/time.js';
import { CandleAggregator } from './aggregate.js';
import type { Bar } from './bar.js';
import { barOpen, timeframeMs } from './timeframe.js';

/** One timeframe of one symbol: the aggregator and the open time of its bar in progress. */
interface Series {
  readonly timeframe: string;
  readonly lenUs: number;
  readonly agg: CandleAggregator;
  /** Open time of the bar in progress, µs; -1 before the first trade. */
  openTs: number;
}

interface SymbolSeries {
  venue: string;
  symbol: string;
  venueSymbol: string;
  bars: Series[];
  /** A connection of the symbol is down (its last connection status was not CONNECTED). */
  blind: boolean;
  /** Exchange time from which we have seen every trade again after an outage (µs). */
  seeingSince: number;
  /** False after an outage until a trade shows the price again: no flat bars are made meanwhile. */
  priceKnown: boolean;
}

export interface LiveCandlesOptions {
  /** Timeframes to build, e.g. ['1s', '1m', '1h']. */
  timeframes: readonly string[];
  /** Called with every candle, in bar order per symbol and timeframe. */
  emit(candle: Candle): void;
  /** Emit bars in which nothing traded as synthetic flat bars (default true). */
  fillEmpty?: boolean;
  /** A silence longer than this many bars is not filled (a recording hole, not a quiet market); default 10000. */
  maxFillBars?: number;
  /** The timer closes a bar this long after its end in exchange time (trades still in flight); default 250. */
  closeDelayMs?: number;
  /** Timer cadence; default 250. */
  tickMs?: number;
  /** Local clock in epoch µs (default nowUs); tests pass a fake one. */
  now?: () => number;
}

export interface LiveCandleStats {
  trades: number;
  /** Trades stamped inside a bar that was already closed (dropped, counted). */
  lateTrades: number;
  bars: number;
  syntheticBars: number;
  /** Silences longer than maxFillBars that were left as holes. */
  unfilledGaps: number;
  /** Bars not emitted because they overlap a connection outage. */
  blindBars: number;
}

export class LiveCandles {
  readonly stats: LiveCandleStats = { trades: 0, lateTrades: 0, bars: 0, syntheticBars: 0, unfilledGaps: 0, blindBars: 0 };
  private readonly series = new Map<string, SymbolSeries>();
  /** venue → exchange time − local time of its newest timed event, µs. */
  private readonly offsets = new Map<string, number>();
  private readonly opts: LiveCandlesOptions;
  private readonly fillEmpty: boolean;
  private readonly maxFillBars: number;
  private readonly closeDelayUs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: LiveCandlesOptions) {
    for (const tf of opts.timeframes) timeframeMs(tf); // bad timeframes fail here, not on the first trade
    this.opts = opts;
    this.fillEmpty = opts.fillEmpty ?? true;
    this.maxFillBars = opts.maxFillBars ?? 10_000;
    this.closeDelayUs = (opts.closeDelayMs ?? 250) * 1000;
    this.now = opts.now ?? nowUs;
  }

  /**
   * Feed handler: trades build bars; trades, derivative and book events keep the exchange-time
   * offset current; connection status marks outages.
   */
  onEvent(ev: MarketEvent): void {
    if (ev.type === 'trade') this.addTrade(ev.venue, ev.symbol, ev.venueSymbol, ev.price, ev.amount, ev.ts, ev.localTs);
    else if (ev.type === 'derivative' || ev.type === 'book_snapshot') this.offsets.set(ev.venue, ev.ts - ev.localTs);
    else if (ev.type === 'status' && ev.scope === 'connection') this.onConnection(ev.venue, ev.symbol, ev.state, ev.localTs);
  }

  /** Connection state of a symbol's socket: anything but CONNECTED after the first bar is an outage. */
  onConnection(venue: string, symbol: string, state: string, localTs: number): void {
    const s = this.series.get(venue + '\u0000' + symbol);
    if (s === undefined) return; // no bar yet: nothing to protect
    if (state === 'CONNECTED') {
      if (s.blind) {
        s.blind = false;
        s.seeingSince = localTs + (this.offsets.get(venue) ?? 0);
      }
    } else if (state === 'RECONNECTING' || state === 'FAILED') {
      s.blind = true;
      s.priceKnown = false;
      s.seeingSince = Infinity;
    }
  }

  addTrade(venue: string, symbol: string, venueSymbol: string, price: string, qty: string, ts: number, localTs: number): void {
    this.stats.trades++;
    if (localTs > 0) this.offsets.set(venue, ts - localTs);
    const s = this.seriesOf(venue, symbol, venueSymbol);
    if (s.blind || !s.priceKnown) {
      // the first trade after an outage: every trade is seen from here on, and it sets the price
      s.seeingSince = ts;
      s.blind = false;
      s.priceKnown = true;
    }
    let late = false;
    for (const b of s.bars) {
      const open = barOpen(ts, b.lenUs);
      if (b.openTs >= 0 && open < b.openTs) {
        // its bar of this timeframe is closed already; a longer timeframe's may still take it
        late = true;
        continue;
      }
      if (b.openTs >= 0 && (open - b.openTs) / b.lenUs - 1 > this.maxFillBars) this.holeUntil(s, b, localTs);
      b.openTs = open;
      this.emitBars(s, b, b.agg.add(price, qty, ts), localTs);
    }
    if (late) this.stats.lateTrades++;
  }

  /** Closes every bar whose end (plus the close delay) the estimated exchange time has passed. */
  tick(localNow = this.now()): void {
    for (const s of this.series.values()) {
      const offset = this.offsets.get(s.venue);
      if (offset === undefined || s.blind) continue;
      const exchangeNow = localNow + offset - this.closeDelayUs;
      for (const b of s.bars) {
        if (b.openTs < 0 || exchangeNow < b.openTs + b.lenUs) continue;
        const open = barOpen(exchangeNow, b.lenUs);
        if ((open - b.openTs) / b.lenUs - 1 > this.maxFillBars) {
          this.holeUntil(s, b, localNow);
          continue;
        }
        b.openTs = open;
        this.emitBars(s, b, b.agg.flush(exchangeNow), localNow);
      }
    }
  }

  /** Starts the timer that closes bars on silence (unref'd: it never keeps the process alive). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.opts.tickMs ?? 250);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Emits every bar in progress that has trades, with `closed: false` (the end of a file or a session). */
  flushOpen(localTs = this.now()): void {
    for (const s of this.series.values()) {
      for (const b of s.bars) {
        const bar = b.agg.current();
        if (bar !== undefined) this.opts.emit(this.candle(s, b, bar, localTs, false));
      }
    }
  }

  /** A silence too long to fill: the bar in progress is emitted and the next trade starts afresh. */
  private holeUntil(s: SymbolSeries, b: Series, localTs: number): void {
    this.emitBars(s, b, b.agg.end(), localTs);
    b.openTs = -1;
    this.stats.unfilledGaps++;
  }

  /** Emits closed bars, except those overlapping an outage and flat bars at a price an outage made stale. */
  private emitBars(s: SymbolSeries, b: Series, bars: readonly Bar[], localTs: number): void {
    for (const bar of bars) {
      if (bar.ts < s.seeingSince || (bar.synthetic && !s.priceKnown)) {
        this.stats.blindBars++;
        continue;
      }
      this.stats.bars++;
      if (bar.synthetic) this.stats.syntheticBars++;
      this.opts.emit(this.candle(s, b, bar, localTs, true));
    }
  }

  private candle(s: SymbolSeries, b: Series, bar: Bar, localTs: number, closed: boolean): Candle {
    return {
      type: 'candle', venue: s.venue, symbol: s.symbol, venueSymbol: s.venueSymbol,
      // the event's exchange time: the last µs of the bar
      ts: bar.ts + b.lenUs - 1, localTs, timeframe: b.timeframe, openTs: bar.ts,
      open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume,
      trades: bar.trades, synthetic: bar.synthetic, closed,
    };
  }

  private seriesOf(venue: string, symbol: string, venueSymbol: string): SymbolSeries {
    const key = venue + '\u0000' + symbol;
    let s = this.series.get(key);
    if (s === undefined) {
      s = {
        venue, symbol, venueSymbol,
        bars: this.opts.timeframes.map((tf) => {
          const ms = timeframeMs(tf);
          return { timeframe: tf, lenUs: ms * 1000, agg: new CandleAggregator(ms, { emitEmpty: this.fillEmpty }), openTs: -1 };
        }),
        blind: false, seeingSince: -Infinity, priceKnown: true,
      };
      this.series.set(key, s);
    }
    return s;
  }
}

export interface TradesFileOptions {
  venue: string;
  symbol: string;
  venueSymbol?: string;
  timeframes: readonly string[];
  fillEmpty?: boolean;
  maxFillBars?: number;
}

export interface TradesFileCandles {
  /** Closed bars in order, then the last bar of each timeframe with `closed: false`. */
  candles: Candle[];
  rows: number;
  /** A file ended in a damaged gzip member (a crash mid-write): rows up to it were used. */
  truncated: boolean;
}

/**
 * Candles from recorded trades files (`trades_<SYMBOL_FS>_<YYYYMMDD>.csv.gz`, header
 * `timestamp,price,qty,side,id,local_timestamp`), read in the order given, streamed.
 */
export async function candlesFromTradesFiles(paths: readonly string[], opts: TradesFileOptions): Promise<TradesFileCandles> {
  const candles: Candle[] = [];
  const live = new LiveCandles({ timeframes: opts.timeframes, emit: (c) => candles.push(c), fillEmpty: opts.fillEmpty, maxFillBars: opts.maxFillBars, now: () => 0 });
  const venueSymbol = opts.venueSymbol ?? opts.symbol.replace(/[/:-]/g, '');
  let rows = 0;
  let truncated = false;
  for (const path of paths) {
    const r = await forEachLine(path, (line, n) => {
      if (n === 0) {
        if (!line.startsWith('timestamp,price,qty')) {
          throw new MarketfeedError('MF_ERR_USAGE', `${path} is not a trades file`, { expected: 'header timestamp,price,qty,…', got: line.slice(0, 80) });
        }
        return;
      }
      const c1 = line.indexOf(','), c2 = line.indexOf(',', c1 + 1), c3 = line.indexOf(',', c2 + 1);
      if (c1 < 0 || c2 < 0) return;
      const ts = Number(line.slice(0, c1));
      const localTs = Number(line.slice(line.lastIndexOf(',') + 1));
      live.addTrade(opts.venue, opts.symbol, venueSymbol, line.slice(c1 + 1, c2), line.slice(c2 + 1, c3 < 0 ? line.length : c3), ts, Number.isFinite(localTs) ? localTs : 0);
      rows++;
    });
    truncated ||= r.truncated;
  }
  live.flushOpen(0);
  return { candles, rows, truncated };
}

/** Calls `onLine` for every complete line of a (multi-member) .gz file; a damaged tail ends it. */
function forEachLine(path: string, onLine: (line: string, n: number) => void): Promise<{ truncated: boolean }> {
  return new Promise((resolve, reject) => {
    let rest = '';
    let n = 0;
    let failed = false;
    const gunzip = createGunzip();
    const file = createReadStream(path);
    file.on('error', reject);
    gunzip.setEncoding('utf8');
    gunzip.on('data', (chunk: string) => {
      if (failed) return;
      let start = 0;
      const text = rest + chunk;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        try {
          onLine(text.slice(start, nl), n++);
        } catch (e) {
          failed = true;
          file.destroy();
          gunzip.destroy();
          reject(e);
          return;
        }
        start = nl + 1;
      }
      rest = text.slice(start);
    });
    gunzip.on('end', () => resolve({ truncated: rest.length > 0 }));
    gunzip.on('error', () => {
      if (!failed) resolve({ truncated: true });
    });
    file.pipe(gunzip);
  });
}
