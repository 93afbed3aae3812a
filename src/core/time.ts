// Epoch-microsecond clock. Times in events are numbers of µs since the epoch (2^53 µs is
// year 2255, so a double holds them exactly).
//
// The recorder's clock policy (RecorderClock, behind nowUs()): local time follows the wall
// clock, but it never goes backwards, so rows stay in order within every file, across parts and
// across days, and a day that was left is never reopened.
// - Between looks at the wall clock, local time advances with the monotonic clock
//   (performance.now), which no NTP step, operator or VM resume moves. The wall clock is looked
//   at again at most every RECHECK_MS of monotonic time: nowUs() is called per frame, and the
//   common call is one performance.now() plus a compare and a multiply-add.
// - The wall clock ahead of local time (NTP stepped it forward, the machine resumed from
//   suspend, during which the monotonic clock stood still): local time steps forward to it at
//   once. Rows keep their order; the gap is the truth of when they were received.
// - The wall clock behind local time (stepped back): local time is slewed, not stepped: it runs
//   at SLEW_RATE (half speed) until the wall clock has caught up, which takes twice the step.
//   Why half speed and not a hold at the last value: anything measured as a span of local time
//   (a time-rotation period, a trading-window edge, a venue's rate-limit pause, a candle close)
//   keeps moving and is at most twice as long, where a hold would stall it for the whole step,
//   an hour for a one-hour step; and rows received during the catch-up keep distinct, ordered
//   times with their spacing halved rather than all sharing one instant. The price is that
//   timestamps are ahead of the wall clock for twice as long as a hold would leave them (by at
//   most the size of the step, shrinking steadily).
// - Differences within TOLERANCE_US (Date.now()'s millisecond grain) are neither followed nor
//   reported; steps of at least reportUs (1 s by default) are reported once each to onStep
//   listeners (the capture sink logs them), smaller ones (NTP noise) are followed or absorbed
//   silently.
// Timers never read this clock for their deadlines: waits are setTimeout/setInterval, and spans
// that a watchdog measures use the monotonic clock (monoUs), so no step makes one fire early,
// late or in a storm.
import { performance } from 'node:perf_hooks';

/** Where a RecorderClock reads time; tests and library users pass their own. */
export interface ClockSource {
  /** Wall time in epoch ms (Date.now): may step either way. */
  wallMs(): number;
  /** Monotonic ms from any origin (performance.now): never steps, never goes back. */
  monoMs(): number;
}

export const SYSTEM_CLOCK: ClockSource = { wallMs: () => Date.now(), monoMs: () => performance.now() };

/** A step of the wall clock the policy saw (reportUs or more). */
export interface ClockStep {
  /**
   * forward: the wall clock jumped ahead, and local time with it (as far as it was behind);
   * back: the wall clock jumped back, and local time runs slow until the wall clock catches up.
   */
  direction: 'forward' | 'back';
  /** How far the wall clock moved against local time, µs (> 0). */
  sizeUs: number;
  /** Local time when it was seen, µs. */
  atUs: number;
  /** Monotonic ms until local time meets the wall clock again (0 when it already has). */
  catchUpMs: number;
}

export interface RecorderClockOptions {
  source?: ClockSource;
  /** Monotonic ms between looks at the wall clock (default RECHECK_MS). */
  recheckMs?: number;
  /** Smallest step reported to onStep listeners, µs (default 1 s). */
  reportUs?: number;
}

/** Monotonic ms between looks at the wall clock. */
export const RECHECK_MS = 100;
/** Speed of local time while the wall clock is behind it (a step back being absorbed). */
export const SLEW_RATE = 0.5;
/** Wall clock differences this small are its millisecond grain, not a step. */
export const TOLERANCE_US = 2000;
const REPORT_US = 1_000_000;

export class RecorderClock {
  private readonly source: ClockSource;
  private readonly recheckMs: number;
  private readonly reportUs: number;
  private readonly listeners = new Set<(step: ClockStep) => void>();
  // local time = anchorUs + (mono - anchorMonoMs) * usPerMs, never below lastUs
  private anchorUs: number;
  private anchorMonoMs: number;
  private usPerMs = 1000;
  private nextCheckMs: number;
  private lastUs: number;
  /** How far local time was ahead of the wall clock at the last look (0: in step). */
  private aheadUs = 0;
  private lastCheckMs: number;
  private readonly counts = { forward: 0, back: 0, forwardUs: 0, backUs: 0 };

  constructor(opts: RecorderClockOptions = {}) {
    this.source = opts.source ?? SYSTEM_CLOCK;
    this.recheckMs = opts.recheckMs ?? RECHECK_MS;
    this.reportUs = opts.reportUs ?? REPORT_US;
    const m = this.source.monoMs();
    // the system clock's own origin keeps sub-millisecond precision (Date.now() has none)
    this.anchorUs = this.source === SYSTEM_CLOCK
      ? Math.round((performance.timeOrigin + m) * 1000)
      : Math.round(this.source.wallMs() * 1000);
    this.anchorMonoMs = m;
    this.lastUs = this.anchorUs;
    this.lastCheckMs = m;
    this.nextCheckMs = m + this.recheckMs;
  }

  /** Local time in epoch µs: never less than the last value returned. Hot path. */
  nowUs(): number {
    const m = this.source.monoMs();
    if (m >= this.nextCheckMs) this.recheck(m);
    const t = this.anchorUs + Math.floor((m - this.anchorMonoMs) * this.usPerMs);
    return t > this.lastUs ? (this.lastUs = t) : this.lastUs;
  }

  /** Hears every step of reportUs or more; returns the way to stop hearing. */
  onStep(listener: (step: ClockStep) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Steps seen so far (every size above the tolerance, reported or not) and their total sizes. */
  get stats(): { forward: number; back: number; forwardUs: number; backUs: number; aheadUs: number } {
    return { ...this.counts, aheadUs: this.aheadUs };
  }

  private recheck(m: number): void {
    const cur = Math.max(this.lastUs, this.anchorUs + Math.floor((m - this.anchorMonoMs) * this.usPerMs));
    const diff = Math.round(this.source.wallMs() * 1000) - cur;
    // how far ahead we would still be had the wall clock not moved since the last look
    const expectedAhead = Math.max(0, this.aheadUs - (m - this.lastCheckMs) * 1000 * (1 - SLEW_RATE));
    this.lastCheckMs = m;
    if (diff > TOLERANCE_US) {
      this.anchor(m, cur + diff, 1000, m + this.recheckMs);
      this.aheadUs = 0;
      this.counted('forward', diff + expectedAhead, cur, 0);
    } else if (diff < -TOLERANCE_US) {
      const ahead = -diff;
      const catchUpMs = ahead / 1000 / (1 - SLEW_RATE);
      // the next look falls when the catch-up is due, so slewing ends on time, not a look late
      this.anchor(m, cur, 1000 * SLEW_RATE, m + Math.min(this.recheckMs, catchUpMs));
      const stepUs = ahead - expectedAhead;
      this.aheadUs = ahead;
      if (stepUs > TOLERANCE_US) this.counted('back', stepUs, cur, catchUpMs);
      else if (stepUs < -TOLERANCE_US) this.counted('forward', -stepUs, cur, catchUpMs); // it caught up part of the way at once
    } else {
      this.anchor(m, cur, 1000, m + this.recheckMs);
      this.aheadUs = 0;
    }
  }

  private anchor(m: number, us: number, usPerMs: number, nextCheckMs: number): void {
    this.anchorMonoMs = m;
    this.anchorUs = us;
    this.usPerMs = usPerMs;
    this.nextCheckMs = nextCheckMs;
  }

  private counted(direction: 'forward' | 'back', sizeUs: number, atUs: number, catchUpMs: number): void {
    this.counts[direction]++;
    this.counts[direction === 'forward' ? 'forwardUs' : 'backUs'] += sizeUs;
    if (sizeUs < this.reportUs) return;
    const step: ClockStep = { direction, sizeUs, atUs, catchUpMs };
    for (const l of this.listeners) {
      try {
        l(step);
      } catch {
        // a listener's failure must not break the clock every frame reads
      }
    }
  }
}

let clock = new RecorderClock();

/** Current local time in epoch microseconds, by the recorder's clock policy (see the top of this file). */
export function nowUs(): number {
  return clock.nowUs();
}

/** The clock behind nowUs(). */
export function recorderClock(): RecorderClock {
  return clock;
}

/**
 * Makes `c` the clock behind nowUs() and returns the one it replaced: tests inject a wall clock
 * that jumps, a library user a time source of its own. Do it before anything is stamped: times
 * from two clocks are not ordered against each other.
 */
export function useRecorderClock(c: RecorderClock): RecorderClock {
  const old = clock;
  clock = c;
  return old;
}

/**
 * Monotonic µs from an arbitrary origin: what a watchdog measures spans with (silence, ping
 * timeouts, session age). It never follows a wall clock step, so no step makes a deadline fire
 * early, in a storm, or hours late.
 */
export function monoUs(): number {
  return Math.floor(performance.now() * 1000);
}

export const msToUs = (ms: number): number => ms * 1000;

/** UTC day of an epoch-µs time as YYYYMMDD. */
export function utcDay(tsUs: number): string {
  const d = new Date(Math.floor(tsUs / 1000));
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  return `${y}${m < 10 ? '0' : ''}${m}${day < 10 ? '0' : ''}${day}`;
}

/** Start of the UTC day after the one holding tsUs, in epoch µs. */
export function nextUtcDayUs(tsUs: number): number {
  const dayMs = 86_400_000;
  return (Math.floor(tsUs / 1000 / dayMs) + 1) * dayMs * 1000;
}

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "30s", "2h", "500ms", "1.5m" or a bare number of seconds into milliseconds; NaN if invalid. */
export function parseDurationMs(text: string): number {
  const m = DURATION_RE.exec(text.trim());
  if (!m) return NaN;
  return Number(m[1]) * UNIT_MS[m[2] ?? 's'];
}
