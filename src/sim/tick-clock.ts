// The simulator's clock, for every mode: each diff interval the engine moves every symbol one
// frame, and once a second it sends its periodic messages. During a stall fault nothing moves (the
// market pauses with the feed, so the stream resumes without a gap). Intervals below a timer tick
// are caught up in bursts, so ~1 ms (or less) still yields the right number of frames per second.
import { performance } from 'node:perf_hooks';
import type { FaultState } from './fault-state.js';

/** At most this many frames per symbol in one timer tick (a stalled event loop must not snowball). */
const MAX_BURST = 2000;

/** What the clock drives: one mode's engine. */
export interface Ticked {
  /** One model frame of every symbol. */
  frame(nowMs: number): void;
  /** Once a second, unless stalled. */
  second(nowMs: number): void;
}

export class TickClock {
  private frameTimer: NodeJS.Timeout | undefined;
  private slowTimer: NodeJS.Timeout | undefined;
  private originMs = 0;
  private framesDone = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly faults: FaultState,
    private readonly engine: Ticked,
  ) {}

  start(): void {
    this.originMs = performance.now();
    const period = Math.max(1, Math.min(Math.round(this.intervalMs), 1000));
    this.frameTimer = setInterval(() => this.tick(), period);
    this.slowTimer = setInterval(() => {
      const nowMs = Date.now();
      if (nowMs >= this.faults.stalledUntilMs) this.engine.second(nowMs);
    }, 1000);
  }

  stop(): void {
    clearInterval(this.frameTimer);
    clearInterval(this.slowTimer);
  }

  private tick(): void {
    const due = Math.floor((performance.now() - this.originMs) / this.intervalMs);
    const nowMs = Date.now();
    if (nowMs < this.faults.stalledUntilMs) {
      this.framesDone = due;
      return;
    }
    const n = Math.min(due - this.framesDone, MAX_BURST);
    this.framesDone = due;
    for (let i = 0; i < n; i++) this.engine.frame(nowMs);
  }
}
