// A venue's request-weight limit as a token bucket (Binance: REQUEST_WEIGHT 6000 per minute).
// The bucket refills continuously rather than at minute boundaries, so we never burst a whole
// minute's budget into the first second of the next window. Waiters are served strictly in
// order: a heavy snapshot request (weight 250) is not starved by a stream of light ones.
//
// A bucket alone can spend twice its size within one of the venue's fixed windows (full at the
// window's start, refilled during it), and it cannot see other processes behind the same IP. So
// when the venue reports its own count of the current window (Binance X-MBX-USED-WEIGHT-1M, per
// IP, windows starting on the minute), that count, plus what we sent since, is a second gate:
// a window is never filled past its ceiling, whatever the bucket holds.

/** Our share of the venue's limit: the rest is headroom for other processes on the IP and for our count being off. */
export const REST_BUDGET_SHARE = 0.8;
/** With the venue's count of its current window known, that window fills to this share of the limit at most. */
export const VENUE_WINDOW_SHARE = 0.9;
/** The budget of a venue that publishes no limit (Binance's documented limit before 2023, the old default). */
export const DEFAULT_WEIGHT_PER_MINUTE = 1200;
/**
 * Our clock and the venue's differ a little: its window is taken to end this long after ours
 * says, so a burst at our window start cannot land in the end of the venue's previous window.
 */
const WINDOW_SKEW_MS = 1000;

export interface RestBudgetChoice {
  /** The budget: weight per minute, the bucket's size and refill rate. */
  weightPerMinute: number;
  /** The venue's limit per minute it came from; undefined when no limit is known (default, or override alone). */
  venueLimit: number | undefined;
  /** override: rest.weightPerMinute; listing: what the venue advertised (exchangeInfo); published: its documented constant. */
  source: 'override' | 'listing' | 'published' | 'default';
}

/**
 * The budget for a venue: an explicit override wins (0 = none); else REST_BUDGET_SHARE of the
 * limit the venue advertises, or of the one it publishes; else DEFAULT_WEIGHT_PER_MINUTE.
 */
export function chooseRestBudget(o: { override: number; advertised?: number; published?: number }): RestBudgetChoice {
  const venueLimit = o.advertised ?? o.published;
  if (o.override > 0) return { weightPerMinute: o.override, venueLimit, source: 'override' };
  if (venueLimit === undefined) return { weightPerMinute: DEFAULT_WEIGHT_PER_MINUTE, venueLimit, source: 'default' };
  return {
    weightPerMinute: Math.max(1, Math.floor(venueLimit * REST_BUDGET_SHARE)),
    venueLimit,
    source: o.advertised === undefined ? 'published' : 'listing',
  };
}

/** The venue's own count: its window length and how much of one window we let fill. */
export interface VenueWindow {
  windowMs: number;
  ceiling: number;
}

interface Waiter {
  weight: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class WeightBudget {
  private capacity: number;
  private perMs: number;
  private tokens: number;
  private lastRefillMs: number;
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined = undefined;
  private window: VenueWindow | undefined = undefined;
  /** The venue's count of its current window plus what we sent since; valid until windowEndMs (+ skew). */
  private windowUsed = 0;
  private windowEndMs = -Infinity;

  constructor(weightPerMinute: number, private readonly nowMs: () => number) {
    this.capacity = weightPerMinute;
    this.perMs = weightPerMinute / 60_000;
    this.tokens = weightPerMinute;
    this.lastRefillMs = nowMs();
  }

  /** Weight per minute (the bucket's size). */
  get weightPerMinute(): number {
    return this.capacity;
  }

  /** Requests waiting for weight. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * A new budget (the venue's limit became known): what was spent stays spent, so a resize right
   * after a request does not hand its weight back.
   */
  resize(weightPerMinute: number): void {
    this.refill();
    const spent = this.capacity - this.tokens;
    this.capacity = weightPerMinute;
    this.perMs = weightPerMinute / 60_000;
    this.tokens = weightPerMinute - spent; // below 0 when it shrank under what was spent: a longer wait
    if (this.queue.length > 0) this.schedule();
  }

  /** Gates every take on the venue's count of its window (undefined: bucket only). */
  setVenueWindow(w: VenueWindow | undefined): void {
    this.window = w;
    if (w === undefined) this.windowEndMs = -Infinity;
  }

  /**
   * The venue says `used` weight is spent in its current window (by everyone on our IP, answered
   * requests only); `unanswered` is ours still in flight, which it may not have counted yet.
   */
  venueUsed(used: number, unanswered: number): void {
    const w = this.window;
    if (w === undefined || !Number.isFinite(used) || used < 0) return;
    const now = this.nowMs();
    const end = (Math.floor(now / w.windowMs) + 1) * w.windowMs;
    // (a late answer from the previous window would only make us wait: counted as this one's)
    this.windowUsed = end === this.windowEndMs ? Math.max(this.windowUsed, used + unanswered) : used + unanswered;
    this.windowEndMs = end;
  }

  /** Resolves once `weight` is available (and taken). Rejects with the signal's reason on abort. */
  take(weight: number, signal?: AbortSignal): Promise<void> {
    // A request heavier than the whole budget would wait forever: let it through on a full bucket.
    const w = Math.min(weight, this.capacity);
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.refill();
    if (this.queue.length === 0 && this.waitMs(w) === 0) {
      this.spend(w);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { weight: w, resolve, reject, signal, onAbort: () => this.abandon(waiter) };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
      this.schedule();
    });
  }

  /** Current budget (after refill), for stats and tests. */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** How long until `w` may go (0 = now): the bucket's refill, and the end of a full venue window. */
  private waitMs(w: number): number {
    let ms = this.tokens >= w ? 0 : Math.ceil((w - this.tokens) / this.perMs);
    const win = this.window;
    if (win !== undefined) {
      const open = this.windowEndMs + WINDOW_SKEW_MS - this.nowMs();
      // (a request heavier than the whole ceiling still goes, alone, into an empty window)
      if (open > 0 && this.windowUsed + w > win.ceiling && this.windowUsed > 0) ms = Math.max(ms, open);
    }
    return ms;
  }

  private spend(w: number): void {
    this.tokens -= w;
    const win = this.window;
    if (win === undefined) return;
    const now = this.nowMs();
    if (now >= this.windowEndMs + WINDOW_SKEW_MS) {
      // a new window: until the venue says otherwise, it holds only what we send
      this.windowEndMs = (Math.floor(now / win.windowMs) + 1) * win.windowMs;
      this.windowUsed = 0;
    }
    this.windowUsed += w;
  }

  private refill(): void {
    const t = this.nowMs();
    this.tokens = Math.min(this.capacity, this.tokens + (t - this.lastRefillMs) * this.perMs);
    this.lastRefillMs = t;
  }

  private abandon(waiter: Waiter): void {
    const i = this.queue.indexOf(waiter);
    if (i < 0) return;
    this.queue.splice(i, 1);
    waiter.reject(waiter.signal?.reason);
    if (i === 0) this.schedule();
  }

  /** Serves every waiter that fits now, then sleeps exactly until the next one fits. */
  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.refill();
    while (this.queue.length > 0 && this.waitMs(this.queue[0].weight) === 0) {
      const waiter = this.queue.shift()!;
      this.spend(waiter.weight);
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
    }
    if (this.queue.length === 0) return;
    this.timer = setTimeout(() => this.schedule(), Math.max(1, this.waitMs(this.queue[0].weight)));
  }
}
