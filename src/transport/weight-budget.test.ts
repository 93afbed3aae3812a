import { afterEach, describe, expect, it, vi } from 'vitest';
import { chooseRestBudget, DEFAULT_WEIGHT_PER_MINUTE, REST_BUDGET_SHARE, WeightBudget } from './weight-budget.js';

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

describe('WeightBudget: resize and the venue window', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resize keeps what was spent spent', () => {
    vi.useFakeTimers({ now: 0 });
    const budget = new WeightBudget(1200, () => Date.now());
    void budget.take(20);
    budget.resize(4800);
    expect(budget.weightPerMinute).toBe(4800);
    expect(budget.available()).toBe(4780);
    budget.resize(10);
    expect(budget.available()).toBe(-10); // a longer wait, never weight handed back
  });

  it('never fills the venue window past its ceiling, whatever the bucket holds, until the window ends', async () => {
    vi.useFakeTimers({ now: 60_000 * 1000 + 30_000 }); // half way through a minute
    const budget = new WeightBudget(6000, () => Date.now());
    budget.setVenueWindow({ windowMs: 60_000, ceiling: 1000 });
    budget.venueUsed(900, 0); // another process on our IP spent 900 of this window
    await budget.take(100); // 1000: at the ceiling, allowed
    let served = false;
    const next = budget.take(1).then(() => (served = true));
    expect(budget.available()).toBe(5900); // the bucket alone would let it go
    await vi.advanceTimersByTimeAsync(30_000); // the window ends; its end is trusted 1 s later
    expect(served).toBe(false);
    await vi.advanceTimersByTimeAsync(1000);
    await next;
    expect(served).toBe(true);
  });

  it('counts what it sends into the window; a venue count below ours hands nothing back', async () => {
    vi.useFakeTimers({ now: 120_000 });
    const budget = new WeightBudget(6000, () => Date.now());
    budget.setVenueWindow({ windowMs: 60_000, ceiling: 300 });
    await budget.take(200);
    budget.venueUsed(150, 0); // fewer than we sent: ours stands
    await budget.take(100);
    let served = false;
    void budget.take(1).then(() => (served = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(served).toBe(false);
    await vi.advanceTimersByTimeAsync(61_000);
    expect(served).toBe(true);
  });

  it('adds our unanswered weight to the venue count', async () => {
    vi.useFakeTimers({ now: 60_000 });
    const budget = new WeightBudget(6000, () => Date.now());
    budget.setVenueWindow({ windowMs: 60_000, ceiling: 500 });
    budget.venueUsed(480, 30); // 30 of ours unanswered: 510 > 500
    let served = false;
    void budget.take(1).then(() => (served = true));
    await vi.advanceTimersByTimeAsync(60_999);
    expect(served).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(served).toBe(true);
  });
});

describe('chooseRestBudget', () => {
  it.each([
    [{ override: 0, advertised: 6000, published: 6000 }, { weightPerMinute: 4800, venueLimit: 6000, source: 'listing' }],
    [{ override: 0, advertised: 2400, published: 6000 }, { weightPerMinute: 1920, venueLimit: 2400, source: 'listing' }],
    [{ override: 0, published: 6000 }, { weightPerMinute: 4800, venueLimit: 6000, source: 'published' }],
    [{ override: 1200, advertised: 6000 }, { weightPerMinute: 1200, venueLimit: 6000, source: 'override' }],
    [{ override: 0 }, { weightPerMinute: DEFAULT_WEIGHT_PER_MINUTE, venueLimit: undefined, source: 'default' }],
  ])('%j → %j', (input, want) => {
    expect(chooseRestBudget(input)).toEqual(want);
    expect(REST_BUDGET_SHARE).toBe(0.8);
  });
});
