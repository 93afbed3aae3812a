import { describe, expect, it } from 'vitest';
import { backoffDelayMs, retryAfterMs } from './backoff.js';

describe('backoffDelayMs (full jitter)', () => {
  it.each([
    // attempt, base, max, random, expected
    [0, 100, 10_000, 0, 0],
    [0, 100, 10_000, 0.5, 50],
    [0, 100, 10_000, 0.999, 99],
    [1, 100, 10_000, 0.5, 100],
    [3, 100, 10_000, 0.5, 400],
    [3, 100, 10_000, 0.999, 799],
    [10, 100, 10_000, 0.5, 5_000], // capped: min(10 000, 102 400)
    [10_000, 100, 10_000, 0.999, 9_990], // 2^10000 is Infinity; the cap still holds
  ])('attempt %i base %i max %i random %f → %i', (attempt, base, max, random, expected) => {
    expect(backoffDelayMs(attempt, base, max, () => random)).toBe(expected);
  });

  it('stays within [0, min(max, base·2^attempt)) for random draws', () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const ceiling = Math.min(5_000, 50 * 2 ** attempt);
      for (let i = 0; i < 50; i++) {
        const d = backoffDelayMs(attempt, 50, 5_000);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
      }
    }
  });
});

describe('retryAfterMs', () => {
  it.each([
    [429, '3', 3_000],
    [418, '120', 120_000],
    [429, '0.25', 250],
    [429, null, 1_000],
    [418, null, 60_000],
    [418, '', 60_000],
    [429, 'soon', 1_000],
  ])('%i with Retry-After %s → %i ms', (status, header, expected) => {
    expect(retryAfterMs(status, header)).toBe(expected);
  });

  it('reads an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(429, 'Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5_000);
  });
});
