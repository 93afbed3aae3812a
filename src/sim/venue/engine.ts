// The clock of the Kraken / OKX / Bitfinex modes: every diff interval each symbol's model moves one
// frame (truth recorded under the venue's key) and the protocol module sends what it shows; once a
// second the module sends its periodic messages. Intervals below a timer tick are caught up in
// bursts, as in the Binance engine.
import { performance } from 'node:perf_hooks';
import type { VenueCtx, VenueProtocol } from './context.js';

/** At most this many frames per symbol in one timer tick (a stalled event loop must not snowball). */
const MAX_BURST = 2000;

export class VenueEngine {
  private frameTimer: NodeJS.Timeout | undefined;
  private slowTimer: NodeJS.Timeout | undefined;
  private originMs = 0;
  private framesDone = 0;

  constructor(
    private readonly ctx: VenueCtx,
    private readonly proto: VenueProtocol,
  ) {}

  start(): void {
    this.originMs = performance.now();
    const period = Math.max(1, Math.min(Math.round(this.ctx.opts.diffIntervalMs), 1000));
    this.frameTimer = setInterval(() => this.tick(), period);
    this.slowTimer = setInterval(() => {
      const nowMs = Date.now();
      if (nowMs >= this.ctx.faults.stalledUntilMs) this.proto.onSecond(nowMs);
    }, 1000);
  }

  stop(): void {
    clearInterval(this.frameTimer);
    clearInterval(this.slowTimer);
  }

  private tick(): void {
    const due = Math.floor((performance.now() - this.originMs) / this.ctx.opts.diffIntervalMs);
    const nowMs = Date.now();
    if (nowMs < this.ctx.faults.stalledUntilMs) {
      // The market pauses with the feed, so the stream resumes without a gap.
      this.framesDone = due;
      return;
    }
    const n = Math.min(due - this.framesDone, MAX_BURST);
    this.framesDone = due;
    for (let i = 0; i < n; i++) {
      for (const [sym, state] of this.ctx.symbols) {
        const pre = this.proto.nextKey(sym, nowMs);
        const frame = state.advance(nowMs, pre);
        const key = pre ?? frame.u;
        this.ctx.lastKey.set(sym, key);
        const trades = state.takeTrades();
        this.proto.onFrame(state, frame, trades, key, nowMs);
      }
    }
  }
}
