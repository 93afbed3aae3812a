// One side of the simulated book. Levels are kept worst → best in two parallel number arrays, so
// the busy end (the top of book) is the array's tail: inserting or removing near the top moves a
// handful of elements, never the whole 1000-level side.

export class BookSide {
  /** Ticks, worst first (bids ascending, asks descending); best is the last element. */
  readonly ticks: number[] = [];
  readonly lots: number[] = [];

  /** dir 1 = bids (higher is better), -1 = asks (lower is better). */
  constructor(readonly dir: 1 | -1) {}

  get length(): number {
    return this.ticks.length;
  }

  /** Best price, or NaN when the side is empty. */
  bestTicks(): number {
    return this.ticks.length === 0 ? NaN : this.ticks[this.ticks.length - 1];
  }

  /** Index of `ticks`, or -(insertion point) - 1 when absent. */
  find(ticks: number): number {
    const key = ticks * this.dir;
    let lo = 0;
    let hi = this.ticks.length - 1;
    // Most traffic is at the top: check the tail first.
    if (hi >= 0 && this.ticks[hi] * this.dir < key) return -(hi + 1) - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = this.ticks[mid] * this.dir;
      if (k < key) lo = mid + 1;
      else if (k > key) hi = mid - 1;
      else return mid;
    }
    return -lo - 1;
  }

  lotsAt(ticks: number): number {
    const i = this.find(ticks);
    return i >= 0 ? this.lots[i] : 0;
  }

  /** Sets the absolute size at a price; 0 removes the level. */
  set(ticks: number, lots: number): void {
    const i = this.find(ticks);
    if (i >= 0) {
      if (lots === 0) {
        this.ticks.splice(i, 1);
        this.lots.splice(i, 1);
      } else {
        this.lots[i] = lots;
      }
    } else if (lots !== 0) {
      const at = -i - 1;
      if (at === this.ticks.length) {
        this.ticks.push(ticks);
        this.lots.push(lots);
      } else {
        this.ticks.splice(at, 0, ticks);
        this.lots.splice(at, 0, lots);
      }
    }
  }

  /** Level `depth` from the top (0 = best). */
  ticksFromTop(depth: number): number {
    return this.ticks[this.ticks.length - 1 - depth];
  }

  lotsFromTop(depth: number): number {
    return this.lots[this.lots.length - 1 - depth];
  }

  /** Copies the top `n` levels best first into flat arrays (for snapshots). */
  copyTop(n: number): { ticks: number[]; lots: number[] } {
    const count = Math.min(n, this.ticks.length);
    const ticks = new Array<number>(count);
    const lots = new Array<number>(count);
    for (let d = 0; d < count; d++) {
      ticks[d] = this.ticks[this.ticks.length - 1 - d];
      lots[d] = this.lots[this.lots.length - 1 - d];
    }
    return { ticks, lots };
  }
}
