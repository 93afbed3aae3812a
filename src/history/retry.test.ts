import { describe, expect, it } from 'vitest';
import { MarketfeedError } from '../core/errors.js';
import { DEFAULT_RETRY, retryDelayMs, withRetry } from './retry.js';

function recorder(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

describe('withRetry', () => {
  it('backs off 0.5 s → 1 s → 2 s on transient errors, then gives up with the last error', async () => {
    const { sleep, delays } = recorder();
    let calls = 0;
    const fail = (): Promise<never> => {
      calls++;
      return Promise.reject(new MarketfeedError('MF_ERR_HTTP', `503 #${calls}`, { status: 503 }));
    };
    await expect(withRetry(fail, DEFAULT_RETRY, { sleep })).rejects.toThrow('503 #4');
    expect(calls).toBe(4);
    expect(delays).toEqual([500, 1000, 2000]);
  });

  it('honours a longer Retry-After, and succeeds once the venue recovers', async () => {
    const { sleep, delays } = recorder();
    let calls = 0;
    const value = await withRetry(async () => {
      if (++calls < 3) throw new MarketfeedError('MF_ERR_RATE_LIMITED', '429', { retryAfterMs: calls === 1 ? 5000 : 10 });
      return 'ok';
    }, DEFAULT_RETRY, { sleep });
    expect(value).toBe('ok');
    expect(delays).toEqual([5000, 1000]);
  });

  it('does not retry usage errors or foreign errors', async () => {
    const { sleep, delays } = recorder();
    let calls = 0;
    await expect(withRetry(async () => {
      calls++;
      throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', 'nope');
    }, DEFAULT_RETRY, { sleep })).rejects.toThrow('MF_ERR_UNKNOWN_SYMBOL');
    await expect(withRetry(async () => {
      calls++;
      throw new TypeError('bug');
    }, DEFAULT_RETRY, { sleep })).rejects.toThrow(TypeError);
    expect(calls).toBe(2);
    expect(delays).toEqual([]);
  });

  it('delays are configurable and capped', () => {
    const opts = { retries: 5, baseMs: 100, factor: 3, maxMs: 1000 };
    expect([1, 2, 3, 4].map((r) => retryDelayMs(r, opts))).toEqual([100, 300, 900, 1000]);
  });
});
