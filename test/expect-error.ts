// Asserts that fn throws a MarketfeedError with this code whose message holds every part.
import { expect } from 'vitest';
import { isMarketfeedError, type ErrorCode } from '../src/core/errors.js';

export function expectMarketfeedError(fn: () => unknown, code: ErrorCode, ...parts: string[]): void {
  try {
    fn();
  } catch (e) {
    expect(isMarketfeedError(e, code), String(e)).toBe(true);
    for (const p of parts) expect((e as Error).message).toContain(p);
    return;
  }
  throw new Error(`expected ${code}`);
}
