// REST for one venue: a weight budget, the venue's Retry-After honoured for every request of the
// client, bounded retries, and errors a user can act on. The caller builds paths (venues/<x>/
// rest.ts) and parses bodies; this file only fetches. The budget can be resized once the venue's
// limit is known (its listing advertises it), and a venue that counts used weight in a response
// header (Binance X-MBX-USED-WEIGHT-1M) has every answer correct our count (weight-budget.ts).
//
// Outcomes, classified by status code (never by message text):
//   2xx, and 4xx other than 429/418 → returned; a 4xx body carries the venue's own error code
//                                     (Binance -1121 "Invalid symbol"), which the caller reads.
//   429 / 418                       → every request of this client pauses for Retry-After, then
//                                     this one retries (counts as a retry); MF_ERR_RATE_LIMITED
//                                     when retries run out.
//   5xx, network error, timeout     → retry after retryBaseMs * 2^n; then MF_ERR_HTTP, or
//                                     MF_ERR_UNREACHABLE when the host refused or does not resolve.
//   caller's signal aborted         → rejects at once with the signal's reason, no retry.
import type { RawFrame } from '../core/frames.js';
import { MarketfeedError } from '../core/errors.js';
import { nowUs } from '../core/time.js';
import { isRateLimitStatus, retryAfterMs } from './backoff.js';
import type { TransportLog } from './log.js';
import { requestThrough, type ProxyRoute } from './proxy.js';
import { VENUE_WINDOW_SHARE, WeightBudget } from './weight-budget.js';

export interface RestClientOptions {
  venue: string;
  /** e.g. https://api.binance.com (no trailing slash needed). */
  baseUrl: string;
  timeoutMs: number;
  weightPerMinute: number;
  /**
   * The response header in which the venue counts the weight used in its current window by our IP
   * (Binance `x-mbx-used-weight-1m`: windows of a minute, starting on the minute).
   */
  usedWeightHeader?: { name: string; windowMs: number };
  /** The venue's limit per minute, when known: with usedWeightHeader, the ceiling of its window. */
  venueLimit?: number;
  /** Retries after the first attempt (default 3). */
  maxRetries?: number;
  /** First 5xx/network retry waits this long, doubling each time (default 500). */
  retryBaseMs?: number;
  /** The session's proxies (proxy.ts): a request whose URL has one goes through it, else by fetch. */
  proxy?: ProxyRoute;
  /** Each body returned to the caller, as RawFrame dir 'rest', connId 0. */
  onFrame?(f: RawFrame): void;
  log?: TransportLog;
  /** µs clock (default nowUs). */
  now?: () => number;
}

export interface RestResponse {
  status: number;
  body: string;
  /** When the body had fully arrived, epoch µs. */
  localTs: number;
  url: string;
  headers: Headers;
}

export interface RestStats {
  /** Requests sent (each retry counts). */
  requests: number;
  /** 5xx, network errors and timeouts. */
  failures: number;
  /** 429/418 responses. */
  rateLimited: number;
  weightUsed: number;
  /** The venue's last count of its current window (usedWeightHeader); -1 before any. */
  venueWeightUsed: number;
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export class RestClient {
  readonly stats: RestStats = { requests: 0, failures: 0, rateLimited: 0, weightUsed: 0, venueWeightUsed: -1 };
  private readonly opts: RestClientOptions;
  private readonly now: () => number;
  private readonly baseUrl: string;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly budget: WeightBudget;
  /** Shared by all requests: no request leaves before this time (ms, on `now`'s clock). */
  private pausedUntilMs = 0;
  private recvSeq = 0;
  /** Weight of our requests sent and not yet answered (the venue may not have counted them). */
  private unansweredWeight = 0;
  private readonly usedWeightHeader: string | undefined;

  constructor(opts: RestClientOptions) {
    this.opts = opts;
    this.now = opts.now ?? nowUs;
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.maxRetries = opts.maxRetries ?? 3;
    this.retryBaseMs = opts.retryBaseMs ?? 500;
    this.budget = new WeightBudget(opts.weightPerMinute, () => this.now() / 1000);
    this.usedWeightHeader = opts.usedWeightHeader?.name.toLowerCase();
    this.setVenueLimit(opts.venueLimit);
  }

  /** The budget, weight per minute. */
  get weightPerMinute(): number {
    return this.budget.weightPerMinute;
  }

  /** Requests waiting for budget. */
  get waiting(): number {
    return this.budget.waiting;
  }

  /** A new budget and venue limit (the venue's listing advertised its limit). */
  limitTo(weightPerMinute: number, venueLimit: number | undefined): void {
    this.budget.resize(weightPerMinute);
    this.setVenueLimit(venueLimit);
  }

  /**
   * Waits out any Retry-After pause, then takes `weight` from the budget: for a caller that
   * decides what to send only once it may (then get(…, { admitted: true })).
   */
  async admit(weight: number, signal?: AbortSignal): Promise<void> {
    await this.waitWhilePaused(signal);
    await this.budget.take(weight, signal);
  }

  private setVenueLimit(venueLimit: number | undefined): void {
    const h = this.opts.usedWeightHeader;
    if (h === undefined || venueLimit === undefined) {
      this.budget.setVenueWindow(undefined);
      return;
    }
    this.budget.setVenueWindow({ windowMs: h.windowMs, ceiling: Math.floor(venueLimit * (h.windowMs / 60_000) * VENUE_WINDOW_SHARE) });
  }

  /** `admitted`: the caller already took the first attempt's weight (admit); retries take their own. */
  async get(path: string, opts: { weight?: number; signal?: AbortSignal; method?: 'GET' | 'POST'; admitted?: boolean } = {}): Promise<RestResponse> {
    const url = this.baseUrl + (path.startsWith('/') ? path : '/' + path);
    const weight = opts.weight ?? 1;
    const signal = opts.signal;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 || opts.admitted !== true) await this.admit(weight, signal);
      else await this.waitWhilePaused(signal);
      this.stats.requests++;
      this.stats.weightUsed += weight;

      let res: Response;
      let body: string;
      this.unansweredWeight += weight;
      try {
        const timeout = AbortSignal.timeout(this.opts.timeoutMs);
        const init = { method: opts.method ?? 'GET', signal: signal ? AbortSignal.any([signal, timeout]) : timeout };
        const agent = this.opts.proxy?.agentFor(url);
        res = agent === undefined ? await fetch(url, init) : await requestThrough(agent, url, init);
        body = await res.text();
      } catch (err) {
        this.unansweredWeight -= weight;
        if (signal?.aborted) throw signal.reason;
        this.stats.failures++;
        const failure = this.networkError(url, err);
        if (attempt >= this.maxRetries) throw failure;
        this.opts.log?.debug({ venue: this.opts.venue, url, attempt, err: failure.message }, 'REST request failed; retrying');
        await sleep(this.retryBaseMs * 2 ** attempt, signal);
        continue;
      }
      this.unansweredWeight -= weight;
      const localTs = this.now();
      const status = res.status;
      if (this.usedWeightHeader !== undefined) this.venueCount(res.headers.get(this.usedWeightHeader));

      if (isRateLimitStatus(status)) {
        this.stats.rateLimited++;
        const waitMs = retryAfterMs(status, res.headers.get('retry-after'));
        this.pausedUntilMs = Math.max(this.pausedUntilMs, localTs / 1000 + waitMs);
        this.opts.log?.warn({ venue: this.opts.venue, url, status, waitMs }, 'rate limited: pausing all requests');
        if (attempt >= this.maxRetries) {
          throw new MarketfeedError('MF_ERR_RATE_LIMITED', `${url} answered ${status}`, { venue: this.opts.venue, status, got: String(status), retryAfterMs: waitMs });
        }
        continue;
      }
      if (status >= 500) {
        this.stats.failures++;
        if (attempt >= this.maxRetries) {
          throw new MarketfeedError('MF_ERR_HTTP', `${url} answered ${status} after ${attempt + 1} attempts`, { venue: this.opts.venue, status, got: String(status) });
        }
        this.opts.log?.debug({ venue: this.opts.venue, url, status, attempt }, 'REST server error; retrying');
        await sleep(this.retryBaseMs * 2 ** attempt, signal);
        continue;
      }

      if (this.opts.onFrame !== undefined) {
        const frame: RawFrame = { venue: this.opts.venue, connId: 0, recvSeq: ++this.recvSeq, localTs, dir: 'rest', data: body, url };
        try {
          this.opts.onFrame(frame);
        } catch (err) {
          this.opts.log?.error({ venue: this.opts.venue, url, err }, 'onFrame threw');
        }
      }
      return { status, body, localTs, url, headers: res.headers };
    }
  }

  /** The venue's own count of its window, from the used-weight header: our bucket follows it. */
  private venueCount(header: string | null): void {
    if (header === null) return;
    const used = Number(header);
    if (!Number.isSafeInteger(used) || used < 0) return;
    this.stats.venueWeightUsed = used;
    this.budget.venueUsed(used, this.unansweredWeight);
  }

  private async waitWhilePaused(signal: AbortSignal | undefined): Promise<void> {
    // Loop: another response may extend the pause while we sleep.
    for (;;) {
      const waitMs = this.pausedUntilMs - this.now() / 1000;
      if (waitMs <= 0) return;
      await sleep(waitMs, signal);
    }
  }

  private networkError(url: string, err: unknown): MarketfeedError {
    const code = errnoCode(err);
    const ctx = { venue: this.opts.venue, got: code, cause: err };
    const via = this.opts.proxy?.describeFor(url);
    const where = via === undefined ? url : `${url} via proxy ${via}`;
    if (code !== undefined && UNREACHABLE_CODES.has(code)) return new MarketfeedError('MF_ERR_UNREACHABLE', `${where}: ${code}`, ctx);
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    return new MarketfeedError('MF_ERR_HTTP', timedOut ? `${where}: no response within ${this.opts.timeoutMs} ms` : `${where}: ${code ?? (via === undefined ? 'network error' : (err as Error).message)}`, ctx);
  }
}

/**
 * The errno code behind a fetch failure. undici wraps it: TypeError('fetch failed') with
 * `cause.code`, or an AggregateError cause when several addresses were tried.
 */
function errnoCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const inner = (e as { errors?: unknown[] }).errors;
    if (Array.isArray(inner) && inner.length > 0) {
      const c = errnoCode(inner[0]);
      if (c !== undefined) return c;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** setTimeout as a promise that rejects with the signal's reason the moment it aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
