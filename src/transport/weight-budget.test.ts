import { afterEach, describe, expect, it, vi } from 'vitest';
import { WeightBudget } from './weight-budget.js';

describe('WeightBudget', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('spends the full bucket at once, then refills continuously, serving waiters in order', async () => {
    vi.useFakeTimers({ now: 0 });
    const budget = new WeightBudget(600, () => Date.now()); // 600/min = 1 per 100 ms
    await budget.take(600);
    expect(budget.available()).toBe(0);
    const served: string[] = [];
    const heavy = budget.take(5).then(() => served.push('heavy'));
    const light = budget.take(1).then(() => served.push('light'));
    await vi.advanceTimersByTimeAsync(400);
    expect(served).toEqual([]); // 4 tokens: the heavy one is first and still waits; light must not overtake
    await vi.advanceTimersByTimeAsync(100);
    await heavy;
    expect(served).toEqual(['heavy']);
    await vi.advanceTimersByTimeAsync(100);
    await light;
    expect(served).toEqual(['heavy', 'light']);
  });

  it('lets a request heavier than the whole budget through on a full bucket', async () => {
    const budget = new WeightBudget(10, () => Date.now());
    await budget.take(50);
    expect(budget.available()).toBeLessThan(1);
  });

  it('rejects an aborted waiter at once and serves the next', async () => {
    vi.useFakeTimers({ now: 0 });
    const budget = new WeightBudget(60, () => Date.now()); // 1 per second
    await budget.take(60);
    const ac = new AbortController();
    const aborted = budget.take(30, ac.signal);
    const next = budget.take(1);
    ac.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    await vi.advanceTimersByTimeAsync(1000);
    await expect(next).resolves.toBeUndefined();
  });
});
