// The Binance modes' engine, driven by the TickClock: each frame every symbol advances and its
// diff goes out to subscribers of its depth streams, with its trades and a bookTicker when the top
// changed. Once a second, klines and mark prices are published.
import { bucketOpen, nextOpen } from './candles.js';
import { takeGap } from './fault-state.js';
import type { SimCore } from './sim-core.js';
import { depthStreamNames, parseStream } from './streams.js';
import type { SymbolState } from './symbol-state.js';
import type { Ticked } from './tick-clock.js';
import { aggTrade, bookTicker, depthUpdate, kline, markPriceUpdate, trade } from './wire.js';

interface SymbolOut {
  state: SymbolState;
  depthStreams: string[];
  tradeStream: string;
  aggTradeStream: string;
  bookTickerStream: string;
  /** Last bookTicker sent: bid ticks/lots, ask ticks/lots. */
  lastTop: [number, number, number, number];
}

export class Engine implements Ticked {
  private readonly out: SymbolOut[] = [];
  private slowTicks = 0;
  private readonly klineOpen = new Map<string, number>();

  constructor(private readonly core: SimCore) {
    for (const state of core.symbols.values()) {
      const id = state.inst.streamId;
      this.out.push({
        state,
        depthStreams: depthStreamNames(core.opts.venue, id),
        tradeStream: `${id}@trade`,
        aggTradeStream: `${id}@aggTrade`,
        bookTickerStream: `${id}@bookTicker`,
        lastTop: [0, 0, 0, 0],
      });
    }
  }

  frame(nowMs: number): void {
    for (const o of this.out) this.emitFrame(o, nowMs);
  }

  private emitFrame(o: SymbolOut, nowMs: number): void {
    const { hub, futures, faults } = this.core;
    const { state } = o;
    const frame = state.advance(nowMs);
    const trades = state.takeTrades();
    const wantTrades = hub.hasSubscribers(o.tradeStream);
    const wantAgg = hub.hasSubscribers(o.aggTradeStream);
    for (const t of trades) {
      if (wantTrades) hub.publish(o.tradeStream, trade(futures, state.fmt, t, nowMs));
      const aggId = state.nextAggId++;
      if (wantAgg) hub.publish(o.aggTradeStream, aggTrade(futures, state.fmt, t, aggId, nowMs));
    }
    const sym = state.inst.venueSymbol;
    if (faults.gapNext.has(sym)) {
      takeGap(faults, sym, frame.U, frame.u);
    } else {
      let payload: string | undefined;
      for (const stream of o.depthStreams) {
        if (!hub.hasSubscribers(stream)) continue;
        hub.publish(stream, (payload ??= depthUpdate(futures, state.fmt, frame, nowMs)), { venueSymbol: sym, from: frame.U, to: frame.u });
      }
    }
    const { bids, asks } = state.market;
    const bt = bids.bestTicks();
    const bl = bids.lotsFromTop(0);
    const at = asks.bestTicks();
    const al = asks.lotsFromTop(0);
    const last = o.lastTop;
    if (bt !== last[0] || bl !== last[1] || at !== last[2] || al !== last[3]) {
      last[0] = bt;
      last[1] = bl;
      last[2] = at;
      last[3] = al;
      if (hub.hasSubscribers(o.bookTickerStream)) {
        hub.publish(o.bookTickerStream, bookTicker(futures, state.fmt, frame.u, bt, bl, at, al, nowMs));
      }
    }
  }

  /** Klines (every 2 s, 1 s for `kline_1s`) and mark prices (every 3 s, or 1 s for `@1s`). */
  second(nowMs: number): void {
    this.slowTicks++;
    const { hub, futures, opts } = this.core;
    const ids = new Map<string, SymbolState>();
    for (const s of this.core.symbols.values()) ids.set(s.inst.streamId, s);
    for (const stream of [...hub.activeStreams()]) {
      const ref = parseStream(stream, opts.venue, new Set(ids.keys()));
      if (!ref) continue;
      const state = ids.get(ref.streamId)!;
      if (ref.kind === 'markPrice') {
        if (this.slowTicks % ((ref.markEveryMs ?? 3000) / 1000) !== 0) continue;
        hub.publish(stream, markPriceUpdate(state.inst.venueSymbol, state.markPrice(nowMs), nowMs));
      } else if (ref.kind === 'kline') {
        const interval = ref.interval!;
        if (interval !== '1s' && this.slowTicks % 2 !== 0) continue;
        const open = bucketOpen(nowMs, interval);
        const prev = this.klineOpen.get(stream);
        if (prev !== undefined && prev !== open) {
          const close = nextOpen(prev, interval);
          const c = state.candles.range(prev, close, nowMs);
          if (c) hub.publish(stream, kline(futures, state.fmt, interval, prev, close - 1, c, true, nowMs));
        }
        this.klineOpen.set(stream, open);
        const close = nextOpen(open, interval);
        const c = state.candles.range(open, close, nowMs);
        if (c) hub.publish(stream, kline(futures, state.fmt, interval, open, close - 1, c, false, nowMs));
      }
    }
  }
}
