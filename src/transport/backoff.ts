// Waiting rules shared by the websocket connection and the REST client: jittered exponential
// backoff, and the venue's own Retry-After when it rate-limits us.

/**
 * Exponential backoff with FULL jitter: a uniform delay in [0, min(maxMs, baseMs * 2^attempt)).
 * Full jitter (not "equal" jitter) spreads many recorders that lost the same venue at the same
 * moment over the whole window, so they do not reconnect in lock-step and trip the venue's
 * per-IP connection limit (Binance: 300 connections per 5 minutes).
 */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  // 2^attempt overflows to Infinity for huge attempts; min() keeps the ceiling at maxMs.
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/** Status codes with which a venue tells us to slow down (Binance: 429 limit broken, 418 IP ban). */
export function isRateLimitStatus(status: number): boolean {
  return status === 429 || status === 418;
}

/**
 * How long a rate-limited response asks us to wait, in ms. Retry-After is seconds (Binance) or an
 * HTTP date (RFC 9110 §10.2.3). When it is missing or unreadable: 60 s after a 418 (an IP ban
 * starts at 2 minutes, so waiting a short time only extends it), 1 s after a 429.
 */
export function retryAfterMs(status: number, header: string | null | undefined, nowMs: number = Date.now()): number {
  if (header !== null && header !== undefined && header.trim() !== '') {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
    const at = Date.parse(header);
    if (Number.isFinite(at)) return Math.max(0, at - nowMs);
  }
  return status === 418 ? 60_000 : 1_000;
}
