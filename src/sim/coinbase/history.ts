// Coinbase Advanced Trade public history REST, as ccxt's `coinbase` class calls it
// (fetchOHLCV → v3PublicGetBrokerageMarketProductsProductIdCandles, fetchTrades → …Ticker):
// - `GET /api/v3/brokerage/market/products/{id}/candles?start=<s>&end=<s>&granularity=ONE_MINUTE
//   [&limit=N]`: bars opening in [start, end) — at most 350 of them: a wider range is refused
//   (HTTP 400 INVALID_ARGUMENT, "number of candles requested should be less than 350"), and so
//   is a `limit` above 350. Rows `{start (unix s), low, high, open, close, volume}` come newest
//   first, the newest `limit` of the range; an interval without a trade has no row.
// - `GET /api/v3/brokerage/market/products/{id}/ticker?limit=N[&start=<s>&end=<s>]` (`limit`
//   required, at most 1000): the newest `limit` trades in [start, end), newest first, as
//   `{trade_id, product_id, price, size, time, side, bid, ask, exchange}` (side: the maker's), with
//   the best bid and ask beside them.
import type { SimTrade } from '../market.js';
import type { SymbolState } from '../symbol-state.js';
import { historyBars, historyTrades, intParam, namedBuckets, pageOf, type Buckets, type HistoryBar } from '../history.js';
import type { RestReply } from '../venue/context.js';
import { fail } from './rest.js';
import { makerSide, timeUs } from './wire.js';

/** "If the number of candles requested is greater than 350, the request is rejected." */
export const CANDLES_MAX = 350;
export const TRADES_MAX = 1000;

const GRANULARITY: Readonly<Record<string, { buckets: Buckets; seconds: number }>> = {
  ONE_MINUTE: { buckets: namedBuckets('1m'), seconds: 60 },
  FIVE_MINUTE: { buckets: namedBuckets('5m'), seconds: 300 },
  FIFTEEN_MINUTE: { buckets: namedBuckets('15m'), seconds: 900 },
  THIRTY_MINUTE: { buckets: namedBuckets('30m'), seconds: 1800 },
  ONE_HOUR: { buckets: namedBuckets('1h'), seconds: 3600 },
  TWO_HOUR: { buckets: namedBuckets('2h'), seconds: 7200 },
  SIX_HOUR: { buckets: namedBuckets('6h'), seconds: 21_600 },
  ONE_DAY: { buckets: namedBuckets('1d'), seconds: 86_400 },
};

const CANDLES_RE = /^\/api\/v3\/brokerage\/market\/products\/([^/]+)\/candles$/;
const TICKER_RE = /^\/api\/v3\/brokerage\/market\/products\/([^/]+)\/ticker$/;

const ok = (body: unknown): RestReply => ({ status: 200, body: JSON.stringify(body) });
const invalid = (message: string): RestReply => fail(400, 'INVALID_ARGUMENT', message);

/** The reply to a history route, or undefined when `path` is not one. */
export function coinbaseHistory(symbols: ReadonlyMap<string, SymbolState>, path: string, q: URLSearchParams, nowMs = Date.now()): RestReply | undefined {
  let m = CANDLES_RE.exec(path);
  if (m !== null) return candles(symbols.get(decodeURIComponent(m[1])), q, nowMs);
  m = TICKER_RE.exec(path);
  if (m !== null) return trades(symbols.get(decodeURIComponent(m[1])), q);
  return undefined;
}

function candles(s: SymbolState | undefined, q: URLSearchParams, nowMs: number): RestReply {
  if (s === undefined) return fail(404, 'NOT_FOUND', 'ProductID is invalid');
  const g = GRANULARITY[q.get('granularity') ?? ''];
  if (g === undefined) return invalid(`granularity ${JSON.stringify(q.get('granularity'))} is invalid`);
  const start = intParam(q, 'start');
  const end = intParam(q, 'end');
  if (start === undefined || end === undefined || Number.isNaN(start) || Number.isNaN(end) || end < start) {
    return invalid('start and end argument is invalid');
  }
  if (Math.ceil((end - start) / g.seconds) > CANDLES_MAX) {
    return invalid(`start and end argument is invalid - number of candles requested should be less than ${CANDLES_MAX}`);
  }
  const limit = intParam(q, 'limit') ?? CANDLES_MAX;
  if (Number.isNaN(limit) || limit < 1 || limit > CANDLES_MAX) return invalid(`limit must be between 1 and ${CANDLES_MAX}`);
  const bars = historyBars(s, g.buckets, { fromMs: start * 1000, toMs: end * 1000 - 1, limit, newest: true }, nowMs);
  return ok({ candles: bars.reverse().map((b) => candleRow(s, b)) });
}

function candleRow(s: SymbolState, { openMs, candle: c }: HistoryBar): Record<string, string> {
  const { fmt } = s;
  return {
    start: String(openMs / 1000), low: fmt.price(c.lowTicks), high: fmt.price(c.highTicks), open: fmt.price(c.openTicks),
    close: fmt.price(c.closeTicks), volume: fmt.qty(c.volLots),
  };
}

function trades(s: SymbolState | undefined, q: URLSearchParams): RestReply {
  if (s === undefined) return fail(404, 'NOT_FOUND', 'ProductID is invalid');
  const limit = intParam(q, 'limit');
  if (limit === undefined || Number.isNaN(limit) || limit < 1) return invalid('limit is required');
  const start = intParam(q, 'start');
  const end = intParam(q, 'end');
  if (Number.isNaN(start) || Number.isNaN(end)) return invalid('start and end argument is invalid');
  const list = pageOf(historyTrades(s, start === undefined ? undefined : start * 1000, end === undefined ? undefined : end * 1000), Math.min(limit, TRADES_MAX), true);
  const { fmt, market, inst } = s;
  const rows: Record<string, string>[] = [];
  for (let i = list.length - 1; i >= 0; i--) rows.push(tradeRow(fmt, inst.venueSymbol, list[i]));
  return ok({ trades: rows, best_bid: fmt.price(market.bids.bestTicks()), best_ask: fmt.price(market.asks.bestTicks()) });
}

function tradeRow(fmt: SymbolState['fmt'], productId: string, t: SimTrade): Record<string, string> {
  return {
    trade_id: String(t.id), product_id: productId, price: fmt.price(t.ticks), size: fmt.qty(t.lots), time: timeUs(t.timeMs * 1000),
    side: makerSide(t), bid: '', ask: '', exchange: 'coinbase',
  };
}
