// Retries for REST history calls: exponential backoff on transient failures (defaults 0.5 s →
// 1 s → 2 s, i.e. 3 retries after the first try), the venue's Retry-After honoured when it rate-
// limits us, and no retry for usage errors (a bad symbol or parameter will not get better).
// What is transient is decided by the error's catalogue entry (recovery 'retry': MF_ERR_HTTP
// for 5xx / network errors, MF_ERR_RATE_LIMITED for 429/418), never by its message.
import { isMarketfeedError, type MarketfeedError } from '../core/errors.js';

export interface RetryOptions {
  /** Retries after the first try (default 3). */
  retries: number;
  /** First delay (default 500 ms); each retry doubles it (factor). */
  baseMs: number;
  factor: number;
  /** Cap of one backoff delay (default 30 s; a longer Retry-After is still honoured). */
  maxMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 3, baseMs: 500, factor: 2, maxMs: 30_000 };

export interface RetryEvent {
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  error: MarketfeedError;
}

export interface RetryHooks {
  /** Waits `ms`; tests pass one that records the delays. Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (e: RetryEvent) => void;
}

const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Delay before retry number `retry` (1-based): base × factor^(retry−1), capped, or Retry-After if longer. */
export function retryDelayMs(retry: number, opts: RetryOptions, retryAfterMs?: number): number {
  const backoff = Math.min(opts.maxMs, opts.baseMs * opts.factor ** (retry - 1));
  return retryAfterMs !== undefined && retryAfterMs > backoff ? retryAfterMs : backoff;
}

/** Runs `call` until it succeeds, fails with a non-retryable error, or the retries are spent. */
export async function withRetry<T>(call: () => Promise<T>, opts: RetryOptions = DEFAULT_RETRY, hooks: RetryHooks = {}): Promise<T> {
  const sleep = hooks.sleep ?? sleepMs;
  for (let retry = 1; ; retry++) {
    try {
      return await call();
    } catch (e) {
      if (!isMarketfeedError(e) || e.recovery !== 'retry' || retry > opts.retries) throw e;
      const delayMs = retryDelayMs(retry, opts, e.retryAfterMs);
      hooks.onRetry?.({ retry, delayMs, error: e });
      await sleep(delayMs);
    }
  }
}
