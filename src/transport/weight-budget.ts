// A venue's request-weight limit as a token bucket (Binance: REQUEST_WEIGHT 6000 per minute).
// The bucket refills continuously rather than at minute boundaries, so we never burst a whole
// minute's budget into the first second of the next window. Waiters are served strictly in
// order: a heavy snapshot request (weight 250) is not starved by a stream of light ones.

interface Waiter {
  weight: number;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class WeightBudget {
  private tokens: number;
  private lastRefillMs: number;
  private readonly perMs: number;
  private readonly queue: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined = undefined;

  constructor(
    private readonly capacity: number,
    private readonly nowMs: () => number,
  ) {
    this.tokens = capacity;
    this.lastRefillMs = nowMs();
    this.perMs = capacity / 60_000;
  }

  /** Resolves once `weight` is available (and taken). Rejects with the signal's reason on abort. */
  take(weight: number, signal?: AbortSignal): Promise<void> {
    // A request heavier than the whole budget would wait forever: let it through on a full bucket.
    const w = Math.min(weight, this.capacity);
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.refill();
    if (this.queue.length === 0 && this.tokens >= w) {
      this.tokens -= w;
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
    while (this.queue.length > 0 && this.tokens >= this.queue[0].weight) {
      const waiter = this.queue.shift()!;
      this.tokens -= waiter.weight;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve();
    }
    if (this.queue.length === 0) return;
    const waitMs = Math.ceil((this.queue[0].weight - this.tokens) / this.perMs);
    this.timer = setTimeout(() => this.schedule(), Math.max(1, waitMs));
  }
}
