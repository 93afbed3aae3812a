// The Kraken / OKX / Bitfinex modes' engine, driven by the TickClock: each frame every symbol's
// model moves one step (truth recorded under the venue's key) and the protocol module sends what
// it shows; once a second the module sends its periodic messages.
import type { Ticked } from '../tick-clock.js';
import type { VenueCtx, VenueProtocol } from './context.js';

export class VenueEngine implements Ticked {
  constructor(
    private readonly ctx: VenueCtx,
    private readonly proto: VenueProtocol,
  ) {}

  frame(nowMs: number): void {
    for (const [sym, state] of this.ctx.symbols) {
      const pre = this.proto.nextKey(sym, nowMs);
      const frame = state.advance(nowMs, pre);
      const key = pre ?? frame.u;
      this.ctx.lastKey.set(sym, key);
      const trades = state.takeTrades();
      this.proto.onFrame(state, frame, trades, key, nowMs);
    }
  }

  second(nowMs: number): void {
    this.proto.onSecond(nowMs);
  }
}
