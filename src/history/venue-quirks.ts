// How each exchange's history REST differs, as ccxt calls it (keyed by ccxt id; venue-client.ts is
// the only user; the trade-count column of kline rows stays in its KLINE_TRADES_INDEX). A venue not
// listed here gets DEFAULT_QUIRKS: ccxt's own paging with `until`, Binance-shaped kline rows,
// oldest-first trade pages of up to 1000.
//
// - kraken: OHLC keeps only the 720 most recent bars of a timeframe (older ranges can't be
//   fetched at all — sync.ts refuses them up front rather than gap-filling real history with
//   synthetic bars); it ignores `until`. Trades take `since` in ns, exclusive, and ccxt would send
//   whole seconds: we pass the ns just before our ms. Trade times carry sub-ms digits ccxt's ms
//   timestamp drops.
// - okx: candle and history-trade pages are the NEWEST `limit` rows of the asked range (rows
//   newest first). ccxt asks candles for [since, since + limit bars), exact as long as the venue
//   serves `limit` rows: history-candles serves at most 100, so pages are 100; `until` would widen
//   the range and return its newest end, so it is not passed. Trades page backwards from the end
//   of the window through /market/history-trades: the first page `type=2&after=<ms>`, then
//   `type=1&after=<oldest tradeId>` (ccxt's default route, /market/trades, has no time parameters).
// - bitfinex: start/end/limit/sort=1 pages forward; candle rows are [MTS, OPEN, CLOSE, HIGH, LOW, VOLUME].
export interface HistoryQuirks {
  /** Most candles one request returns, when lower than ccxt's features table says. */
  ohlcvLimit?: number;
  /** Only this many most recent bars of any timeframe exist on the venue. */
  ohlcvRecentBars?: number;
  /** ccxt params for one page of candles opening in [sinceMs, untilMs]. */
  ohlcvParams(sinceMs: number, untilMs: number): Record<string, unknown>;
  /** Positions in a raw kline row of open, high, low, close and volume (for their exact text). */
  klineOhlcv: readonly [number, number, number, number, number];
  /** Most trades one request returns. */
  tradesLimit: number;
  /** `forward`: a page is the oldest `limit` trades from `since`; `backward`: the newest up to `until`. */
  tradesPaging: 'forward' | 'backward';
  /**
   * ccxt params for one page of trades in [sinceMs, untilMs]. Venues with `tradesIdCursor` get,
   * after a window's first page, the id the walk continues past: the newest so far forward (the
   * page starts after it; ccxt then gets no `since`), the oldest so far backward (it ends below).
   */
  tradesParams(sinceMs: number, untilMs: number, cursorId?: string): Record<string, unknown>;
  /** Pages can continue past a trade id (exact however many trades share a millisecond). */
  tradesIdCursor?: boolean;
  /** Trade time in µs from ccxt's raw `info`, where it is finer than ccxt's ms. */
  tradeTimeUs?(info: unknown): number | undefined;
  /** Raw trade keys, besides venue-client.ts's usual ones, that may hold the exact price / amount text. */
  priceKeys?: readonly string[];
  amountKeys?: readonly string[];
  /** The taker side from ccxt's raw `info`, where ccxt reports another side (Coinbase: the maker's). */
  takerSide?(info: unknown): 'buy' | 'sell' | 'unknown' | undefined;
  /** The trade id from ccxt's raw `info`, where ccxt finds none (KuCoin spot rows carry only `sequence`). */
  tradeId?(info: unknown): string | undefined;
}

const withUntil = (_sinceMs: number, untilMs: number): Record<string, unknown> => ({ until: untilMs });

export const DEFAULT_QUIRKS: HistoryQuirks = {
  ohlcvParams: withUntil,
  klineOhlcv: [1, 2, 3, 4, 5],
  tradesLimit: 1000,
  tradesPaging: 'forward',
  tradesParams: withUntil,
};

// - binance (aggTrades): after a full page, `fromId` = the newest aggregate id + 1 (ids are
//   consecutive), so a millisecond holding more than a page is not stepped over.
const BINANCE: HistoryQuirks = {
  ...DEFAULT_QUIRKS,
  tradesIdCursor: true,
  tradesParams: (_sinceMs, untilMs, cursorId) => (cursorId === undefined ? { until: untilMs } : { fromId: String(BigInt(cursorId) + 1n) }),
};

const KRAKEN: HistoryQuirks = {
  ...DEFAULT_QUIRKS,
  ohlcvLimit: 720,
  ohlcvRecentBars: 720,
  ohlcvParams: () => ({}),
  // [time, open, high, low, close, vwap, volume, count]
  klineOhlcv: [1, 2, 3, 4, 6],
  tradesParams: (sinceMs) => ({ since: String(BigInt(Math.floor(sinceMs)) * 1_000_000n - 1n) }),
  // [price, volume, time (s with the fraction), side, type, misc, trade_id]
  tradeTimeUs: (info) => {
    const t = Array.isArray(info) ? Number(info[2]) : NaN;
    return Number.isFinite(t) ? Math.round(t * 1e6) : undefined;
  },
  priceKeys: ['0'],
  amountKeys: ['1'],
};

const OKX: HistoryQuirks = {
  ...DEFAULT_QUIRKS,
  ohlcvLimit: 100,
  ohlcvParams: () => ({}),
  tradesLimit: 100,
  tradesPaging: 'backward',
  tradesIdCursor: true,
  tradesParams: (_sinceMs, untilMs, cursorId) => (cursorId === undefined
    ? { method: 'publicGetMarketHistoryTrades', type: '2', after: String(Math.floor(untilMs) + 1) }
    : { method: 'publicGetMarketHistoryTrades', type: '1', after: cursorId }),
};

const BITFINEX: HistoryQuirks = {
  ...DEFAULT_QUIRKS,
  klineOhlcv: [1, 3, 4, 2, 5],
  tradesLimit: 10_000,
};

// - coinbase (Advanced Trade): candles take start/end in s and refuse a range of more than 350 bars,
//   so `until` is not passed: ccxt then asks [since, since + 300 bars). Trades
//   (/market/products/{id}/ticker) are the newest `limit` ≤ 1000 of [start, end) in whole seconds:
//   paged backward, `until` rounded up to the next second (fetch.ts clips). Their `side` is the
//   maker's (as on the live market_trades channel, venues/coinbase/decode.ts), which ccxt passes on:
//   the taker is the other side. Trade times carry µs.
const COINBASE_TIME_RE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/;
const COINBASE: HistoryQuirks = {
  ...DEFAULT_QUIRKS,
  ohlcvParams: () => ({}),
  tradesPaging: 'backward',
  tradesParams: (_sinceMs, untilMs) => ({ until: (Math.floor(untilMs / 1000) + 1) * 1000 }),
  tradeTimeUs: (info) => {
    const t = (info as { time?: unknown } | undefined)?.time;
    const m = typeof t === 'string' ? COINBASE_TIME_RE.exec(t) : null;
    return m === null ? undefined : Date.parse(`${m[1]}Z`) * 1000 + Number(((m[2] ?? '') + '000000').slice(0, 6));
  },
  takerSide: (info) => {
    const side = (info as { side?: unknown } | undefined)?.side;
    return side === 'BUY' ? 'sell' : side === 'SELL' ? 'buy' : undefined;
  },
};

// - kucoin (spot): candles are [time(s), open, CLOSE, HIGH, low, volume, turnover]; ccxt asks
//   [since, since + limit bars) with startAt/endAt in seconds, at most 1500, so `until` is not
//   passed. /market/histories is the last 100 trades, whatever the range (no paging): rows carry no
//   trade id, only `sequence` (17 digits, text), and `time` is a JSON number in ns, which ccxt turns
//   into a ms that can be one early (PROTOCOLS-MORE.md §5.4): the µs come from the ns, rounded.
// - kucoinfutures: klines [time(ms), open, high, low, close, volume] from/to in ms (≤ 500 rows);
//   /trade/history is the last 100 trades with a tradeId and ns `ts`.
const nsToUs = (ns: unknown): number | undefined => (typeof ns === 'number' && ns > 0 ? Math.round(ns / 1000) : undefined);
const KUCOIN: HistoryQuirks = {
  ...DEFAULT_QUIRKS,
  ohlcvParams: () => ({}),
  klineOhlcv: [1, 3, 4, 2, 5],
  tradeTimeUs: (info) => nsToUs((info as { time?: unknown } | undefined)?.time),
  tradeId: (info) => {
    const seq = (info as { sequence?: unknown } | undefined)?.sequence;
    return typeof seq === 'string' && seq !== '' ? seq : undefined;
  },
};
const KUCOIN_FUTURES: HistoryQuirks = {
  ...DEFAULT_QUIRKS,
  ohlcvParams: () => ({}),
  tradeTimeUs: (info) => nsToUs((info as { ts?: unknown } | undefined)?.ts),
};

// - bybit: /v5/market/recent-trade has no time parameters and serves at most 60 spot trades
//   (1000 linear): recent trades only, without `until`.
const BYBIT: HistoryQuirks = {
  ...DEFAULT_QUIRKS,
  tradesLimit: 60,
  tradesParams: () => ({}),
};

const BY_CCXT_ID: Readonly<Record<string, HistoryQuirks>> = {
  bybit: BYBIT,
  kucoin: KUCOIN,
  kucoinfutures: KUCOIN_FUTURES,
  coinbase: COINBASE,
  binance: BINANCE,
  binanceusdm: BINANCE,
  binancecoinm: BINANCE,
  kraken: KRAKEN,
  okx: OKX,
  bitfinex: BITFINEX,
};

export function quirksOf(ccxtId: string): HistoryQuirks {
  return BY_CCXT_ID[ccxtId] ?? DEFAULT_QUIRKS;
}
