// What a client subscribed at depth D holds of one book side, and the changes that keep it equal to
// the model's top D after each frame. Two venue behaviours: Kraken lets levels pushed out of scope
// fall out silently (its clients truncate, PROTOCOLS.md §3); OKX and Bitfinex send a delete.
import type { BookSide } from '../book-side.js';

export class SideView {
  /** Best first. */
  readonly ticks: number[] = [];
  readonly lots: number[] = [];

  constructor(
    readonly depth: number,
    private readonly sendFallOut: boolean,
  ) {}

  /** Takes the side's current top D as the client's state (at a snapshot). */
  reset(side: BookSide): void {
    const n = Math.min(this.depth, side.length);
    this.ticks.length = n;
    this.lots.length = n;
    for (let i = 0; i < n; i++) {
      this.ticks[i] = side.ticksFromTop(i);
      this.lots[i] = side.lotsFromTop(i);
    }
  }

  /**
   * Appends to (outTicks, outLots) the levels to send (lots 0 = delete), best first, and moves the
   * view to the side's new top D. A merge of two best-first lists: O(D).
   */
  diff(side: BookSide, outTicks: number[], outLots: number[]): void {
    const dir = side.dir;
    const n = Math.min(this.depth, side.length);
    const vt = this.ticks;
    const vl = this.lots;
    let i = 0;
    let j = 0;
    while (i < vt.length || j < n) {
      const nt = j < n ? side.ticksFromTop(j) : NaN;
      if (i < vt.length && j < n && vt[i] === nt) {
        const nl = side.lotsFromTop(j);
        if (vl[i] !== nl) {
          outTicks.push(nt);
          outLots.push(nl);
        }
        i++;
        j++;
      } else if (i < vt.length && (j >= n || vt[i] * dir > nt * dir)) {
        // In the view, no longer in the top D: deleted, or pushed out by better levels.
        if (this.sendFallOut || side.lotsAt(vt[i]) === 0) {
          outTicks.push(vt[i]);
          outLots.push(0);
        }
        i++;
      } else {
        outTicks.push(nt);
        outLots.push(side.lotsFromTop(j));
        j++;
      }
    }
    this.reset(side);
  }
}
