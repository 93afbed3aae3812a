// Binance serves two markets from this one folder: spot (PROTOCOLS.md §1: web-socket-streams.md,
// rest-api.md) and USDⓈ-M futures (PROTOCOLS.md §2: derivatives docs, 2026 URL split). Their
// wire formats are siblings, so every file here serves both; what differs is stated once, below.
import type { BookRule } from '../../book/types.js';
import type { Kind } from '../types.js';
import { futuresBookRule, spotBookRule } from './book-rule.js';

/** One websocket path of a market: which kinds it carries, under which stream name suffix. */
export interface BinanceSocket {
  /** Appended to the ws base URL before `/stream?streams=…`. */
  readonly path: string;
  /** Stream name after `<symbol>@`, per kind, in the order they are named in the URL. */
  readonly streams: Readonly<Partial<Record<Kind, string>>>;
}

export interface BinanceMarket {
  /** The venue id the market is recorded under. */
  readonly venue: 'binance' | 'binance-futures';
  /**
   * USDⓈ-M frames carry more than spot's: depth adds T (transaction time, our ts) and pu (the
   * previous event's u, which book-rule.ts chains on); bookTicker adds e/E/T; the REST depth body
   * adds E/T; and markPriceUpdate exists. Spot alone has the raw `trade` stream.
   */
  readonly futures: boolean;
  /** REST root of every request. */
  readonly restPrefix: '/api/v3' | '/fapi/v1';
  readonly exchangeInfoWeight: number;
  /**
   * REQUEST_WEIGHT per minute per IP as documented, for when exchangeInfo's rateLimits lack it
   * (they advertise the limit in force, which wins: rest.ts parseRequestWeightLimit).
   */
  readonly requestWeightPerMinute: number;
  /** `GET depth` limits the venue accepts (a request is rounded up to one); undefined: any 1..max. */
  readonly depthLimits: readonly number[] | undefined;
  readonly maxDepthLimit: number;
  /** `GET depth` weight: that of the first row whose limit bound is >= the limit. */
  readonly depthWeights: readonly (readonly [upToLimit: number, weight: number])[];
  /**
   * `GET <restPrefix>/openInterest` weight; undefined when the market has none (spot). USDⓈ-M
   * streams no open interest (markPrice carries mark, index and funding only): it is polled.
   */
  readonly openInterestWeight: number | undefined;
  /**
   * The REST route that serves trades by the id our trade stream numbers them with, for backfill
   * (venues/trade-backfill.ts): `GET <restPrefix>/<path>?symbol&fromId&limit`, trades with id >=
   * fromId oldest first, at most `maxLimit`; `rows`: which row shape it answers.
   */
  readonly tradesById: { readonly path: 'historicalTrades' | 'aggTrades'; readonly weight: number; readonly maxLimit: number; readonly rows: 'trade' | 'aggTrade' };
  /** Which sockets to open, each one combined-stream URL per ≤1024 streams (subscribe.ts). */
  readonly sockets: readonly BinanceSocket[];
  readonly bookRule: BookRule;
}

export const SPOT: BinanceMarket = {
  venue: 'binance',
  futures: false,
  restPrefix: '/api/v3',
  exchangeInfoWeight: 20,
  // PROTOCOLS.md §1.6 (enums.md): REQUEST_WEIGHT 6000 per minute
  requestWeightPerMinute: 6000,
  // `GET /api/v3/depth` limit 1..5000, weight 1–100 → 5, 101–500 → 25, 501–1000 → 50, 1001–5000 → 250.
  depthLimits: undefined,
  maxDepthLimit: 5000,
  depthWeights: [[100, 5], [500, 25], [1000, 50], [Infinity, 250]],
  openInterestWeight: undefined,
  // The raw trade stream's `t` is the id of `GET /api/v3/historicalTrades` ("Old trade lookup":
  // fromId, limit default 500 max 1000, weight 25; aggTrades' fromId is the aggregate id instead).
  tradesById: { path: 'historicalTrades', weight: 25, maxLimit: 1000, rows: 'trade' },
  // One combined-stream socket: the URL names the streams, so nothing is sent after open.
  sockets: [{ path: '', streams: { book: 'depth@100ms', trades: 'trade', quote: 'bookTicker' } }],
  bookRule: spotBookRule,
};

export const USDM: BinanceMarket = {
  venue: 'binance-futures',
  futures: true,
  restPrefix: '/fapi/v1',
  exchangeInfoWeight: 1,
  // derivatives docs "General Info / Limits": REQUEST_WEIGHT 2400 per minute
  requestWeightPerMinute: 2400,
  // `GET /fapi/v1/depth` limits 5, 10, 20, 50, 100, 500, 1000; weight 2 / 5 / 10 / 20 for ≤50 / 100 / 500 / 1000.
  depthLimits: [5, 10, 20, 50, 100, 500, 1000],
  maxDepthLimit: 1000,
  depthWeights: [[50, 2], [100, 5], [500, 10], [Infinity, 20]],
  // `GET /fapi/v1/openInterest?symbol=…` weight 1 → {"openInterest":"10659.509","symbol":"BTCUSDT","time":ms}.
  openInterestWeight: 1,
  // USDⓈ-M streams aggTrade, whose `a` is the fromId of `GET /fapi/v1/aggTrades` (limit default 500
  // max 1000, weight 20; its historicalTrades needs an API key).
  tradesById: { path: 'aggTrades', weight: 20, maxLimit: 1000, rows: 'aggTrade' },
  // Since the 2026-03-06 "Important WebSocket Change Notice": high-frequency public data (depth,
  // bookTicker) on `<ws>/public`, the rest on `<ws>/market`. USDⓈ-M has no raw trade stream;
  // markPrice@1s brings mark, index, funding rate and next funding time every second.
  sockets: [
    { path: '/public', streams: { book: 'depth@100ms', quote: 'bookTicker' } },
    { path: '/market', streams: { trades: 'aggTrade', derivative: 'markPrice@1s' } },
  ],
  bookRule: futuresBookRule,
};
