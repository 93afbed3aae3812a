// The recorder's clock policy against a wall clock that jumps: local time never goes back, a
// step forward is followed at once, a step back is absorbed at SLEW_RATE, every step of 1 s or
// more is reported exactly once, and the wall clock is read at most once per RECHECK_MS.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  nowUs, RECHECK_MS, RecorderClock, recorderClock, SLEW_RATE, TOLERANCE_US, useRecorderClock, utcDay, type ClockSource, type ClockStep,
} from './time.js';

const HOUR_MS = 3_600_000;
/** 2026-12-07T23:59:00Z */
const BEFORE_MIDNIGHT_MS = Date.UTC(2026, 11, 7, 23, 59, 0);

/** A wall clock the test moves by hand, and a monotonic clock that only moves with real time. */
class FakeTime implements ClockSource {
  wall: number;
  mono = 1000;
  wallReads = 0;
  constructor(wall: number) {
    this.wall = wall;
  }
  wallMs = (): number => {
    this.wallReads++;
    return this.wall;
  };
  monoMs = (): number => this.mono;
  /** Real time passes: both clocks move. */
  pass(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }
  /** The wall clock is stepped (NTP, an operator, a VM resume). */
  step(ms: number): void {
    this.wall += ms;
  }
}

function clockOn(t: FakeTime): { clock: RecorderClock; steps: ClockStep[] } {
  const clock = new RecorderClock({ source: t });
  const steps: ClockStep[] = [];
  clock.onStep((s) => steps.push(s));
  return { clock, steps };
}

/** Lets `ms` of real time pass in `every`-ms ticks, reading the clock at each; returns the readings. */
function run(t: FakeTime, clock: RecorderClock, ms: number, every = 10): number[] {
  const out: number[] = [];
  for (let done = 0; done < ms; done += every) {
    t.pass(every);
    out.push(clock.nowUs());
  }
  return out;
}

const nonDecreasing = (xs: readonly number[]): boolean => xs.every((x, i) => i === 0 || xs[i - 1] <= x);

describe('RecorderClock', () => {
  it('follows the wall clock while it does not jump', () => {
    const t = new FakeTime(BEFORE_MIDNIGHT_MS);
    const { clock, steps } = clockOn(t);
    expect(clock.nowUs()).toBe(BEFORE_MIDNIGHT_MS * 1000);
    t.pass(12.345);
    expect(clock.nowUs()).toBe(BEFORE_MIDNIGHT_MS * 1000 + 12_345);
    run(t, clock, 5000);
    expect(Math.abs(clock.nowUs() - t.wall * 1000)).toBeLessThanOrEqual(TOLERANCE_US);
    expect(steps).toEqual([]);
  });

  it('steps forward with the wall clock (+1 h), reporting it once with its size', () => {
    const t = new FakeTime(BEFORE_MIDNIGHT_MS - HOUR_MS);
    const { clock, steps } = clockOn(t);
    const before = run(t, clock, 500);
    t.step(HOUR_MS);
    const after = run(t, clock, 2000);
    expect(nonDecreasing([...before, ...after])).toBe(true);
    expect(steps).toHaveLength(1);
    expect(steps[0].direction).toBe('forward');
    expect(Math.abs(steps[0].sizeUs - HOUR_MS * 1000)).toBeLessThanOrEqual(TOLERANCE_US);
    // followed within one look at the wall clock
    expect(Math.abs(clock.nowUs() - t.wall * 1000)).toBeLessThanOrEqual(TOLERANCE_US);
    expect(clock.stats.forward).toBe(1);
  });

  it('absorbs a step back (-1 h): never goes back, runs at half speed, catches up after twice the step', () => {
    const t = new FakeTime(BEFORE_MIDNIGHT_MS);
    const { clock, steps } = clockOn(t);
    run(t, clock, 500);
    const atStep = clock.nowUs();
    t.step(-HOUR_MS);
    const slow = run(t, clock, 60_000, 50);
    expect(nonDecreasing([atStep, ...slow])).toBe(true);
    expect(steps).toHaveLength(1);
    expect(steps[0].direction).toBe('back');
    expect(Math.abs(steps[0].sizeUs - HOUR_MS * 1000)).toBeLessThanOrEqual(TOLERANCE_US + RECHECK_MS * 1000);
    expect(steps[0].catchUpMs).toBeCloseTo((HOUR_MS * 1000 - (steps[0].atUs - atStep)) / 1000 / (1 - SLEW_RATE), -3);
    // a minute of real time moved local time by half a minute (give or take one look)
    const moved = slow[slow.length - 1] - atStep;
    expect(moved).toBeGreaterThan(30_000_000 * 0.99);
    expect(moved).toBeLessThan(30_000_000 + RECHECK_MS * 1000);
    // still ahead of the wall clock: time has not gone back
    expect(slow[slow.length - 1]).toBeGreaterThan(t.wall * 1000);
    // two hours later it has met the wall clock and runs at full speed again, no further report
    run(t, clock, 2 * HOUR_MS, 1000);
    expect(Math.abs(clock.nowUs() - t.wall * 1000)).toBeLessThanOrEqual(TOLERANCE_US);
    const a = clock.nowUs();
    t.pass(1000);
    expect(clock.nowUs() - a).toBe(1_000_000);
    expect(steps).toHaveLength(1);
  });

  it('a step back across UTC midnight never returns to the day that was left', () => {
    const t = new FakeTime(BEFORE_MIDNIGHT_MS);
    const { clock } = clockOn(t);
    const days: string[] = [];
    const sample = (ms: number, every: number) => {
      for (const us of run(t, clock, ms, every)) if (days[days.length - 1] !== utcDay(us)) days.push(utcDay(us));
    };
    sample(61_000, 100); // into 2026-12-08 00:00:01
    t.step(-HOUR_MS); // wall: 2026-12-07 23:00:01
    sample(3 * HOUR_MS, 1000);
    expect(days).toEqual(['20261207', '20261208']);
  });

  it('a step forward across UTC midnight changes the day once', () => {
    const t = new FakeTime(BEFORE_MIDNIGHT_MS - 30 * 60_000); // 23:29
    const { clock, steps } = clockOn(t);
    const readings = run(t, clock, 1000);
    t.step(HOUR_MS); // 00:29 next day
    readings.push(...run(t, clock, 1000));
    t.step(-HOUR_MS); // and back again: absorbed, the day stays
    readings.push(...run(t, clock, 10_000));
    expect(nonDecreasing(readings)).toBe(true);
    const days = readings.map(utcDay).filter((d, i, all) => i === 0 || all[i - 1] !== d);
    expect(days).toEqual(['20261207', '20261208']);
    expect(steps.map((s) => s.direction)).toEqual(['forward', 'back']);
  });

  it('many small back-and-forth jitters: never back, never reported, never far from the wall clock', () => {
    const t = new FakeTime(BEFORE_MIDNIGHT_MS);
    const { clock, steps } = clockOn(t);
    let trueMs = t.wall;
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
    const readings: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const ms = rand() * 20;
      t.pass(ms);
      trueMs += ms;
      if (i % 7 === 0) t.wall = trueMs + (rand() - 0.5) * 100; // ±50 ms around the truth
      const us = clock.nowUs();
      readings.push(us);
      expect(us).toBeGreaterThanOrEqual(trueMs * 1000 - 50_000 - TOLERANCE_US - RECHECK_MS * 1000);
      expect(us).toBeLessThanOrEqual(trueMs * 1000 + 50_000 + TOLERANCE_US);
    }
    expect(nonDecreasing(readings)).toBe(true);
    expect(steps).toEqual([]);
    expect(clock.stats.forward + clock.stats.back).toBeGreaterThan(0); // seen and handled, just not reported
    // the jitter stops: local time settles on the wall clock
    t.wall = trueMs;
    run(t, clock, 1000);
    expect(Math.abs(clock.nowUs() - t.wall * 1000)).toBeLessThanOrEqual(TOLERANCE_US);
  });

  it('any sequence of steps: never back, and in step again once the wall clock is left alone', () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: -2 * HOUR_MS, max: 2 * HOUR_MS })), { maxLength: 40 }),
      (ops) => {
        const t = new FakeTime(BEFORE_MIDNIGHT_MS);
        const clock = new RecorderClock({ source: t });
        let last = clock.nowUs();
        for (const [passMs, stepMs] of ops) {
          t.pass(passMs);
          if (stepMs % 3 === 0) t.step(stepMs);
          const now = clock.nowUs();
          if (now < last) return false;
          last = now;
        }
        // the worst it can be ahead is the sum of the steps back; at half speed it takes twice that
        run(t, clock, RECHECK_MS); // the last step is seen
        const aheadMs = Math.max(0, clock.nowUs() / 1000 - t.wall);
        run(t, clock, 2 * aheadMs + 2 * RECHECK_MS, 1000);
        return Math.abs(clock.nowUs() - t.wall * 1000) <= TOLERANCE_US;
      },
    ), { numRuns: 200 });
  });

  it('reads the wall clock at most once per RECHECK_MS (the per-frame call stays cheap)', () => {
    const t = new FakeTime(BEFORE_MIDNIGHT_MS);
    const clock = new RecorderClock({ source: t });
    const reads = t.wallReads;
    for (let i = 0; i < 100_000; i++) {
      t.pass(0.01); // 100 000 frames in one second
      clock.nowUs();
    }
    expect(t.wallReads - reads).toBeLessThanOrEqual(1000 / RECHECK_MS);
  });

  it('a listener that throws does not break the clock', () => {
    const t = new FakeTime(BEFORE_MIDNIGHT_MS);
    const clock = new RecorderClock({ source: t });
    clock.onStep(() => {
      throw new Error('listener failed');
    });
    const heard: ClockStep[] = [];
    const stop = clock.onStep((s) => heard.push(s));
    t.step(10_000);
    t.pass(RECHECK_MS);
    expect(clock.nowUs()).toBe(t.wall * 1000);
    expect(heard).toHaveLength(1);
    stop();
    t.step(10_000);
    t.pass(RECHECK_MS);
    clock.nowUs();
    expect(heard).toHaveLength(1);
  });
});

describe('nowUs', () => {
  let restore: RecorderClock | undefined;
  afterEach(() => {
    if (restore !== undefined) useRecorderClock(restore);
    restore = undefined;
  });

  it('reads the system clock by default, close to Date.now()', () => {
    expect(Math.abs(nowUs() / 1000 - Date.now())).toBeLessThan(50);
  });

  it('reads the clock a test or a library user installs', () => {
    const t = new FakeTime(BEFORE_MIDNIGHT_MS);
    const mine = new RecorderClock({ source: t });
    restore = useRecorderClock(mine);
    expect(recorderClock()).toBe(mine);
    expect(nowUs()).toBe(BEFORE_MIDNIGHT_MS * 1000);
  });
});
