// The seeded random fault schedule: its text, its plan (repeatable, every kind each round) and a
// simulator running it.
import { afterEach, describe, expect, it } from 'vitest';
import { FAULT_KINDS } from './faults.js';
import { parseRandomFaults, planRandomFaults, type PlannedFault } from './fault-schedule.js';
import { startSim, type SimHandle } from './index.js';
import { ClientPool } from './test-client.js';
import { until } from '../../test/wait.js';

const take = (plan: Iterator<PlannedFault>, n: number): PlannedFault[] => Array.from({ length: n }, () => plan.next().value as PlannedFault);

describe('random fault schedule', () => {
  let sim: SimHandle | undefined;
  const pool = new ClientPool();
  afterEach(async () => {
    await pool.close(sim);
    sim = undefined;
  });

  it('reads random and random=<mean>, leaves kind=interval lists alone, rejects a bad mean', () => {
    expect(parseRandomFaults('random')).toEqual({ meanMs: 3000 });
    expect(parseRandomFaults(' random=500ms ')).toEqual({ meanMs: 500 });
    expect(parseRandomFaults('gap=7s,disconnect=20s')).toBeUndefined();
    expect(() => parseRandomFaults('random=soon')).toThrow(/random=<mean interval>/);
  });

  it('the same seed gives the same plan; another seed another order', () => {
    const a = take(planRandomFaults(FAULT_KINDS, 42, 1000), 30);
    expect(take(planRandomFaults(FAULT_KINDS, 42, 1000), 30)).toEqual(a);
    expect(take(planRandomFaults(FAULT_KINDS, 43, 1000), 30).map((f) => f.kind)).not.toEqual(a.map((f) => f.kind));
  });

  it('each round fires every kind once, 0.25–1.75 mean intervals apart, with bounded strengths', () => {
    const kinds = FAULT_KINDS.filter((k) => k !== 'corrupt');
    const plan = take(planRandomFaults(kinds, 9, 2000), kinds.length * 5);
    for (let r = 0; r < 5; r++) {
      expect(new Set(plan.slice(r * kinds.length, (r + 1) * kinds.length).map((f) => f.kind))).toEqual(new Set(kinds));
    }
    for (const f of plan) {
      expect(f.delayMs).toBeGreaterThanOrEqual(500);
      expect(f.delayMs).toBeLessThanOrEqual(3500);
      if (f.kind === 'stall') expect(f.opts.durationMs).toBeLessThanOrEqual(2000);
      if (f.kind === 'ratelimit') expect([1, 2, 3]).toContain(f.opts.count);
    }
  });

  it('a simulator on --faults random meets every kind its mode models', async () => {
    sim = await startSim({ venue: 'okx', symbols: ['BTC/USDT'], seed: 3, diffIntervalMs: 5, faults: 'random=5ms', faultSeed: 8 });
    const s = sim;
    // with no client connected, the faults that act on a connection or a subscriber's next book
    // update have nothing to hit (and count only what they hit): these count on their own
    const alone = ['stall', 'slowsnapshot', 'stalesnapshot', 'ratelimit', 'shutdown'] as const;
    await until(() => alone.every((k) => s.stats().faultsInjected[k] > 1));
    await expect(startSim({ symbols: ['BTCUSDT'], faults: 'random=never' })).rejects.toThrow(/random=<mean interval>/);
  });

  it('scope line: socket faults hit one connection each, book faults only that socket', async () => {
    sim = await startSim({ symbols: ['BTCUSDT'], seed: 4, diffIntervalMs: 2, faults: 'random=20ms', faultSeed: 5, faultScope: 'line' });
    const s = sim;
    const clients = await Promise.all(Array.from({ length: 10 }, () => pool.connect(`${s.wsUrl}/ws/btcusdt@depth@100ms`)));
    await until(() => s.injected.connFaults.some((f) => f.kind === 'gap') && s.stats().faultsInjected.shutdown > 0, 8000);
    expect(s.injected.gaps).toEqual([]); // never a gap of every socket
    const closed = clients.filter((c) => c.closed !== undefined).length;
    expect(closed).toBeGreaterThan(0);
    expect(closed).toBeLessThan(clients.length);
  });
});
