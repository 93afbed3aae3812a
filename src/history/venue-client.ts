// One venue's REST history through ccxt (imported lazily: ≈0.4 s and ≈118 MB, only for the
// commands that need it — research/ccxt.md). This file is the only place that knows ccxt:
// - it builds the exchange, optionally with every REST URL moved onto `restUrl` (the simulator,
//   a proxy); ccxt's own rate limiter is on unless `rateLimit: false`;
// - it turns ccxt's errors into catalogue errors (MF_ERR_UNKNOWN_SYMBOL, MF_ERR_RATE_LIMITED with
//   the venue's Retry-After, MF_ERR_HTTP for 5xx / network errors, MF_ERR_USAGE for other 4xx),
//   classified by ccxt's error classes, and retries the transient ones (retry.ts);
// - markets are loaded once per venue (and URL) and cached, so symbol lookups cost no request;
// - it keeps the venue's exact decimal text where ccxt's numbers can be matched back to the raw
//   row (numbers otherwise, written as their shortest round-trip text);
// - how each exchange pages, caps and lays out its history (what ccxt passes through unchanged)
//   is in venue-quirks.ts, by ccxt id.
import type { Exchange, MarketInterface as Market, OHLCV, Trade as CcxtTrade } from 'ccxt';
import { MarketfeedError, isMarketfeedError } from '../core/errors.js';
import type { Trade } from '../core/events.js';
import { nowUs } from '../core/time.js';
import { retryAfterMs } from '../transport/backoff.js';
import type { ProxyRoute } from '../transport/proxy.js';
import type { Bar } from './bar.js';
import { numberText } from './decimal.js';
import { DEFAULT_RETRY, withRetry, type RetryHooks, type RetryOptions } from './retry.js';
import { quirksOf, type HistoryQuirks } from './venue-quirks.js';

/** Our venue ids whose ccxt id or market types differ; any other id is passed to ccxt as is. */
const CCXT_VENUES: Readonly<Record<string, { id: string; options?: Record<string, unknown>; config?: Record<string, unknown> }>> = {
  binance: { id: 'binance', options: { fetchMarkets: { types: ['spot'] } } },
  'binance-futures': { id: 'binanceusdm', options: { fetchMarkets: { types: ['linear'] } } },
  // one ccxt class for both markets (its loadMarkets lists spot, USDT-M and coin-M)
  bingx: { id: 'bingx' },
  'bingx-swap': { id: 'bingx' },
  okx: { id: 'okx', options: { fetchMarkets: { types: ['spot', 'swap', 'future'] } } },
  // OKCoin serves OKX's v5 API on its own host (ccxt has no okcoin class any more)
  okcoin: { id: 'okx', config: { hostname: 'www.okcoin.com' }, options: { fetchMarkets: { types: ['spot'] } } },
  // one ccxt class for both Bybit markets; each lists only its own category (instruments-info)
  bybit: { id: 'bybit', options: { fetchMarkets: { types: ['spot'] } } },
  'bybit-linear': { id: 'bybit', options: { fetchMarkets: { types: ['linear'] } } },
  // one ccxt class for both MEXC markets (its loadMarkets asks the spot and the contract listing);
  // defaultType picks the clock route: spot /api/v3/time, contract /api/v1/contract/ping
  mexc: { id: 'mexc' },
  'mexc-futures': { id: 'mexc', options: { defaultType: 'swap' } },
  // ccxt's kucoin class lists spot and contracts: spot only here, and no allTickers request for fees
  kucoin: { id: 'kucoin', options: { fetchMarkets: { types: ['spot'], fetchTickersFees: false } } },
  'kucoin-futures': { id: 'kucoinfutures' },
};
/** Position of the trade count in a raw kline row, for venues whose rows carry one. */
const KLINE_TRADES_INDEX: Readonly<Record<string, number>> = { binance: 8, binanceusdm: 8, binancecoinm: 8, kraken: 7 };
/** Raw trade keys that may hold the exact price / amount text (checked against ccxt's number). */
const PRICE_KEYS = ['p', 'price', 'px'];
const AMOUNT_KEYS = ['q', 'qty', 'amount', 'size', 'sz', 'v', 'volume'];

export interface VenueClientOptions {
  /** Our venue id (`binance`, `binance-futures`) or any ccxt exchange id. */
  venue: string;
  /** Base URL replacing the origin of every REST URL (e.g. http://127.0.0.1:PORT). */
  restUrl?: string;
  /** ccxt's rate limiter (default true). */
  rateLimit?: boolean;
  /** The proxies requests go through (transport/proxy.ts), when any is configured. */
  proxy?: ProxyRoute;
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  hooks?: RetryHooks;
}

export interface ClientStats {
  requests: number;
  retries: number;
}

export interface ClockSync {
  /** Venue time minus local time, ms (positive: the venue is ahead). */
  offsetMs: number;
  roundTripMs: number;
}

type CcxtModule = typeof import('ccxt');
let ccxtModule: Promise<CcxtModule> | undefined;
const loadCcxt = (): Promise<CcxtModule> => (ccxtModule ??= import('ccxt'));

/** Loaded exchanges, one per venue and URL: markets are fetched once and reused. */
const exchanges = new Map<string, Promise<Exchange>>();

/** Forgets cached exchanges and their markets (tests; a long-running process after a listing change). */
export function clearVenueCache(): void {
  exchanges.clear();
}

export class VenueClient {
  readonly stats: ClientStats = { requests: 0, retries: 0 };
  readonly retry: RetryOptions;
  private readonly quirks: HistoryQuirks;

  private constructor(
    readonly venue: string,
    readonly ccxtId: string,
    private readonly ccxt: CcxtModule,
    private readonly exchange: Exchange,
    retry: RetryOptions,
    private readonly hooks: RetryHooks,
  ) {
    this.retry = retry;
    this.quirks = quirksOf(ccxtId);
  }

  /** Builds (or reuses) the venue's exchange and loads its markets; MF_ERR_UNKNOWN_VENUE for an unknown id. */
  static async open(opts: VenueClientOptions): Promise<VenueClient> {
    const ccxt = await loadCcxt();
    const alias = CCXT_VENUES[opts.venue];
    const id = alias?.id ?? opts.venue;
    if (!Object.hasOwn(ccxt.exchanges, id)) {
      throw new MarketfeedError('MF_ERR_UNKNOWN_VENUE', `no REST history for venue ${JSON.stringify(opts.venue)}`, {
        expected: `one of ${Object.keys(CCXT_VENUES).join(', ')} or a ccxt exchange id`,
        got: opts.venue,
      });
    }
    const retry = { ...DEFAULT_RETRY, ...opts.retry };
    const hooks = opts.hooks ?? {};
    // by our venue id: two venues of one ccxt class (bybit / bybit-linear) are configured apart
    const proxy = opts.proxy?.configured === true ? opts.proxy : undefined;
    const key = `${opts.venue}|${opts.restUrl ?? ''}|${opts.rateLimit !== false}|${opts.timeoutMs ?? ''}|${proxy?.describe() ?? ''}`;
    let pending = exchanges.get(key);
    if (pending === undefined) {
      pending = (async () => {
        const Ctor = (ccxt as unknown as Record<string, new (config: object) => Exchange>)[id];
        const ex = new Ctor({
          enableRateLimit: opts.rateLimit !== false,
          ...(opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs } : {}),
          ...(alias?.options ? { options: alias.options } : {}),
          ...alias?.config,
        });
        if (opts.restUrl) rebaseApiUrls(ex.urls.api as Record<string, unknown>, opts.restUrl);
        // ccxt's own proxy settings know no NO_PROXY: ours decide per URL (without a proxy, ccxt's fetch stays)
        if (proxy !== undefined) (ex as unknown as { fetchImplementation: unknown }).fetchImplementation = (url: string, init: RequestInit) => proxy.fetch(url, init);
        keepRawOhlcv(ex);
        return ex;
      })();
      exchanges.set(key, pending);
    }
    const ex = await pending;
    const client = new VenueClient(opts.venue, id, ccxt, ex, retry, hooks);
    try {
      await client.call(() => ex.loadMarkets());
    } catch (e) {
      exchanges.delete(key); // a failed load must not be cached
      throw e;
    }
    return client;
  }

  /** The venue's market for a unified symbol (or its native id); MF_ERR_UNKNOWN_SYMBOL otherwise. */
  market(symbol: string): Market {
    const ex = this.exchange;
    const m = (ex.markets?.[symbol] ?? ex.markets_by_id?.[symbol]?.[0]) as Market | undefined;
    if (m === undefined) {
      const listed = Object.keys(ex.markets ?? {});
      throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `the venue does not list ${symbol}`, {
        venue: this.venue, symbol,
        expected: listed.length <= 8 ? `one of ${listed.join(', ')}` : `a listed unified symbol such as ${listed.slice(0, 3).join(', ')}`,
      });
    }
    return m;
  }

  /** True when the venue serves candles of this timeframe. */
  hasTimeframe(timeframe: string): boolean {
    const tfs = this.exchange.timeframes as Record<string, unknown> | undefined;
    return tfs === undefined || Object.hasOwn(tfs, timeframe);
  }

  /** The largest page the venue serves for candles (ccxt's features table, else 500). */
  ohlcvPageLimit(market: Market): number {
    const features = this.exchange.features as Record<string, any> | undefined;
    const kind = market.spot ? features?.spot : market.linear ? features?.swap?.linear : features?.swap?.inverse;
    const limit = kind?.fetchOHLCV?.limit;
    const venueMax = typeof limit === 'number' && limit > 0 ? limit : 500;
    return Math.min(venueMax, this.quirks.ohlcvLimit ?? Infinity);
  }

  /** How many of the most recent bars of a timeframe the venue keeps; undefined when it keeps all (Kraken: 720). */
  get ohlcvRecentBars(): number | undefined {
    return this.quirks.ohlcvRecentBars;
  }

  /** The largest page the venue serves for trades (what fetch.ts's page size is capped at). */
  tradesPageLimit(): number {
    return this.quirks.tradesLimit;
  }

  /** `forward`: a trades page is the oldest from `since`; `backward`: the newest up to `until`. */
  get tradesPaging(): 'forward' | 'backward' {
    return this.quirks.tradesPaging;
  }

  /** Trade pages can continue past a trade id (exact however many trades share a millisecond). */
  get tradesIdCursor(): boolean {
    return this.quirks.tradesIdCursor === true;
  }

  /** Measures the offset to the venue's clock (one request); undefined when the venue has no time endpoint. */
  async clockSync(): Promise<ClockSync | undefined> {
    if (!this.exchange.has.fetchTime) return undefined;
    const t0 = Date.now();
    const server = await this.call(() => this.exchange.fetchTime());
    const t1 = Date.now();
    if (typeof server !== 'number') return undefined;
    return { offsetMs: server - (t0 + t1) / 2, roundTripMs: t1 - t0 };
  }

  /** One page of candles opening in [sinceMs, untilMs], oldest first. */
  async ohlcvPage(market: Market, timeframe: string, sinceMs: number, limit: number, untilMs: number): Promise<Bar[]> {
    const params = this.quirks.ohlcvParams(sinceMs, untilMs);
    const rows = await this.call(() => this.exchange.fetchOHLCV(market.symbol, timeframe, sinceMs, limit, params));
    const tradesAt = KLINE_TRADES_INDEX[this.ccxtId];
    return rows.map((row) => toBar(row, this.quirks.klineOhlcv, tradesAt));
  }

  /**
   * One page of trades between sinceMs and untilMs (both inclusive), oldest first: the oldest
   * `limit` of them, or with `tradesPaging` 'backward' the newest (the venue may add trades
   * outside the range; fetch.ts clips). With `tradesIdCursor`, `cursorId` continues the walk past
   * that trade: above it forward, below it backward.
   */
  async tradesPage(market: Market, sinceMs: number, limit: number, untilMs: number, cursorId?: string): Promise<Trade[]> {
    const params = this.quirks.tradesParams(sinceMs, untilMs, cursorId);
    // whole ms: ccxt compares it with its own (truncated) ms timestamps; a forward cursor replaces the time
    const since = cursorId !== undefined && this.quirks.tradesPaging === 'forward' ? undefined : Math.floor(sinceMs);
    const rows = await this.call(() => this.exchange.fetchTrades(market.symbol, since, limit, params));
    const localTs = nowUs();
    // ids made from content (ccxt's for MEXC, ours for id-less rows) repeat for identical fills in
    // one millisecond: the second and later copies in a page are numbered, so none is dropped
    const seen = new Map<string, number>();
    return rows.map((t) => {
      const tr = toTrade(t, this.venue, market, localTs, this.quirks);
      const n = (seen.get(tr.id) ?? 0) + 1;
      seen.set(tr.id, n);
      if (n > 1) tr.id = `${tr.id}:${n}`;
      return tr;
    });
  }

  /** Runs one ccxt call with retries; every failure leaves as a MarketfeedError. */
  private call<T>(fn: () => Promise<T>): Promise<T> {
    const onRetry = this.hooks.onRetry;
    return withRetry(async () => {
      this.stats.requests++;
      try {
        return await fn();
      } catch (e) {
        throw this.classify(e);
      }
    }, this.retry, {
      sleep: this.hooks.sleep,
      onRetry: (ev) => {
        this.stats.retries++;
        onRetry?.(ev);
      },
    });
  }

  private classify(e: unknown): MarketfeedError {
    if (isMarketfeedError(e)) return e;
    const c = this.ccxt;
    const detail = e instanceof Error ? e.message : String(e);
    const ctx = { venue: this.venue, cause: e };
    if (e instanceof c.BadSymbol) return new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', detail, ctx);
    if (e instanceof c.RateLimitExceeded || e instanceof c.DDoSProtection) {
      const headers = (this.exchange.last_response_headers ?? {}) as Record<string, string | undefined>;
      return new MarketfeedError('MF_ERR_RATE_LIMITED', detail, { ...ctx, status: 429, retryAfterMs: retryAfterMs(429, headers['Retry-After']) });
    }
    // OperationFailed is ccxt's transient class: 5xx, network errors, and venue codes such as Binance -1001.
    if (e instanceof c.OperationFailed) return new MarketfeedError('MF_ERR_HTTP', detail, ctx);
    if (e instanceof c.BaseError) return new MarketfeedError('MF_ERR_USAGE', detail, ctx);
    throw e; // not ccxt's: a bug, keep its stack
  }
}

/** Moves every http(s) URL under ccxt's `urls.api` onto `base` (its origin, plus any path prefix). */
function rebaseApiUrls(api: Record<string, unknown>, base: string): void {
  const prefix = base.replace(/\/+$/, '');
  for (const [key, value] of Object.entries(api)) {
    if (typeof value === 'string') api[key] = value.replace(/^https?:\/\/[^/]+/, prefix);
    else if (value !== null && typeof value === 'object') rebaseApiUrls(value as Record<string, unknown>, base);
  }
}

/** Makes ccxt keep each raw kline row as a 7th element, so exact text and trade counts survive. */
function keepRawOhlcv(ex: Exchange): void {
  const parse = ex.parseOHLCV.bind(ex);
  ex.parseOHLCV = (raw: unknown, market?: Market): OHLCV => {
    const row = parse(raw, market) as unknown[];
    row.push(raw);
    return row as OHLCV;
  };
}

/** The raw value's text when it is a decimal string equal to ccxt's number; else the number's text. */
function exactText(n: number, raw: unknown): string {
  if (typeof raw === 'string' && raw !== '' && Number(raw) === n) return raw;
  return numberText(n);
}

/** `at`: where the raw row keeps open, high, low, close and volume (their exact text). */
function toBar(row: OHLCV, at: HistoryQuirks['klineOhlcv'], tradesAt: number | undefined): Bar {
  const raw = (row as unknown[])[6];
  const r = Array.isArray(raw) ? raw : [];
  const num = (i: number): number => Number(row[i] ?? 0);
  const trades = tradesAt !== undefined && Number.isSafeInteger(Number(r[tradesAt])) ? Number(r[tradesAt]) : -1;
  return {
    ts: num(0) * 1000,
    open: exactText(num(1), r[at[0]]), high: exactText(num(2), r[at[1]]), low: exactText(num(3), r[at[2]]),
    close: exactText(num(4), r[at[3]]), volume: exactText(num(5), r[at[4]]), trades, synthetic: false,
  };
}

function pick(n: number, info: Record<string, unknown>, keys: string[]): string {
  for (const k of keys) {
    const v = info[k];
    if (typeof v === 'string' && v !== '' && Number(v) === n) return v;
  }
  return numberText(n);
}

function toTrade(t: CcxtTrade, venue: string, market: Market, localTs: number, quirks: HistoryQuirks): Trade {
  const info = (t.info ?? {}) as Record<string, unknown>;
  const priceKeys = quirks.priceKeys ? [...quirks.priceKeys, ...PRICE_KEYS] : PRICE_KEYS;
  const amountKeys = quirks.amountKeys ? [...quirks.amountKeys, ...AMOUNT_KEYS] : AMOUNT_KEYS;
  const ts = quirks.tradeTimeUs?.(t.info) ?? Number(t.timestamp) * 1000;
  const price = pick(Number(t.price), info, priceKeys);
  const amount = pick(Number(t.amount), info, amountKeys);
  const side = quirks.takerSide?.(t.info) ?? (t.side === 'buy' || t.side === 'sell' ? t.side : 'unknown');
  // trades without an id (BingX swap REST) get one from their content, so paging can tell them apart
  const id = String(t.id ?? quirks.tradeId?.(t.info) ?? '') || `${ts}-${price}-${amount}-${side}`;
  return { type: 'trade', venue, symbol: market.symbol, venueSymbol: String(market.id), ts, localTs, id, price, amount, side };
}
