import { describe, expect, it } from 'vitest';
import { periodEndUs, rotateAfterFlush, rotateBeforeRow, type RotationPolicy } from './rotation.js';

const HOUR_US = 3_600_000_000;
const T = Date.UTC(2024, 0, 1, 10, 30) * 1000; // 10:30 UTC

describe('rotation policy', () => {
  it.each([
    ['rows at the limit', { maxRows: 3, maxBytes: 0, rotateEveryUs: 0 }, { rows: 3, bytes: 0, periodEndUs: Infinity }, T, true],
    ['rows under the limit', { maxRows: 3, maxBytes: 0, rotateEveryUs: 0 }, { rows: 2, bytes: 0, periodEndUs: Infinity }, T, false],
    ['a row of the next period', { maxRows: 0, maxBytes: 0, rotateEveryUs: HOUR_US }, { rows: 1, bytes: 0, periodEndUs: T + HOUR_US / 2 }, T + HOUR_US / 2, true],
    ['a row of the same period', { maxRows: 0, maxBytes: 0, rotateEveryUs: HOUR_US }, { rows: 1, bytes: 0, periodEndUs: T + HOUR_US / 2 }, T + HOUR_US / 2 - 1, false],
    ['an empty part is never finished', { maxRows: 1, maxBytes: 0, rotateEveryUs: HOUR_US }, { rows: 0, bytes: 0, periodEndUs: T }, T + HOUR_US, false],
    ['everything off', { maxRows: 0, maxBytes: 0, rotateEveryUs: 0 }, { rows: 1e9, bytes: 1e12, periodEndUs: Infinity }, T * 2, false],
  ] as [string, RotationPolicy, { rows: number; bytes: number; periodEndUs: number }, number, boolean][])('before a row: %s', (_name, policy, part, ts, want) => {
    expect(rotateBeforeRow(policy, part, ts)).toBe(want);
  });

  it('finishes a part after the flush that takes it to maxBytes', () => {
    const policy = { maxRows: 0, maxBytes: 1000, rotateEveryUs: 0 };
    expect(rotateAfterFlush(policy, { rows: 10, bytes: 999, periodEndUs: Infinity })).toBe(false);
    expect(rotateAfterFlush(policy, { rows: 10, bytes: 1000, periodEndUs: Infinity })).toBe(true);
    expect(rotateAfterFlush({ ...policy, maxBytes: 0 }, { rows: 10, bytes: 1e9, periodEndUs: Infinity })).toBe(false);
  });

  it('aligns periods to the clock (1h → on the hour, UTC)', () => {
    expect(periodEndUs({ maxRows: 0, maxBytes: 0, rotateEveryUs: HOUR_US }, T)).toBe(Date.UTC(2024, 0, 1, 11) * 1000);
    expect(periodEndUs({ maxRows: 0, maxBytes: 0, rotateEveryUs: HOUR_US }, Date.UTC(2024, 0, 1, 11) * 1000)).toBe(Date.UTC(2024, 0, 1, 12) * 1000);
    expect(periodEndUs({ maxRows: 0, maxBytes: 0, rotateEveryUs: 0 }, T)).toBe(Infinity);
  });
});
