// KuCoin public history REST, as ccxt's kucoin / kucoinfutures classes call it (PROTOCOLS-MORE.md
// §5.4; ccxt js/src/kucoin.js fetchSpotOHLCV, fetchContractOHLCV, fetchTrades):
// - spot `GET /api/v1/market/candles?symbol&type=1min…1month&startAt&endAt`, times in SECONDS:
//   bars opening in [startAt, endAt), at most 1500 (the newest of the range), newest first, rows
//   `[time(s), open, CLOSE, HIGH, low, volume, turnover]` (close before high), all strings;
// - futures `GET /api/v1/kline/query?symbol&granularity=<minutes>&from&to`, times in ms: at most
//   500 bars (the oldest of the range when `from` is given), oldest first, rows
//   `[time(ms), open, high, low, close, volume]` as JSON numbers, volume in contracts;
// - spot `GET /api/v1/market/histories?symbol` and futures `GET /api/v1/trade/history?symbol`: the
//   last 100 trades, oldest first. Spot rows carry no trade id, only `sequence`, and `time` is a
//   JSON number in ns (both as on the venue); futures rows have `tradeId`, ns `ts`, contract sizes.
// Intervals without trades have no bar (sim/history.ts: the synthetic past's maintenance halts are
// such holes). Errors: HTTP 400 with `{"code":"400100","msg":…}`.
import { trimZeros } from '../instruments.js';
import { historyBars, historyTrades, intParam, namedBuckets, type Buckets, type HistoryBar } from '../history.js';
import type { SymbolState } from '../symbol-state.js';
import type { RestReply } from '../venue/context.js';
import { fail, ok } from './rest.js';

export const SPOT_CANDLES_MAX = 1500;
export const FUTURES_KLINES_MAX = 500;
export const TRADES_LAST = 100;

const SPOT_TYPES: Readonly<Record<string, Buckets>> = {
  '1min': namedBuckets('1m'), '3min': namedBuckets('3m'), '5min': namedBuckets('5m'), '15min': namedBuckets('15m'),
  '30min': namedBuckets('30m'), '1hour': namedBuckets('1h'), '2hour': namedBuckets('2h'), '4hour': namedBuckets('4h'),
  '6hour': namedBuckets('6h'), '8hour': namedBuckets('8h'), '12hour': namedBuckets('12h'), '1day': namedBuckets('1d'),
  '1week': namedBuckets('1w'), '1month': namedBuckets('1M'),
};
const GRANULARITY: Readonly<Record<string, Buckets>> = {
  1: namedBuckets('1m'), 5: namedBuckets('5m'), 15: namedBuckets('15m'), 30: namedBuckets('30m'), 60: namedBuckets('1h'),
  120: namedBuckets('2h'), 240: namedBuckets('4h'), 480: namedBuckets('8h'), 720: namedBuckets('12h'), 1440: namedBuckets('1d'),
  10080: namedBuckets('1w'),
};

/** The reply to a history route, or undefined when `path` is not one of this market's. */
export function kucoinHistory(symbols: ReadonlyMap<string, SymbolState>, futures: boolean, path: string, q: URLSearchParams, nowMs = Date.now()): RestReply | undefined {
  if (!futures && path === '/api/v1/market/candles') return spotCandles(symbols, q, nowMs);
  if (!futures && path === '/api/v1/market/histories') return trades(symbols, q, false);
  if (futures && path === '/api/v1/kline/query') return futuresKlines(symbols, q, nowMs);
  if (futures && path === '/api/v1/trade/history') return trades(symbols, q, true);
  return undefined;
}

function lookup(symbols: ReadonlyMap<string, SymbolState>, q: URLSearchParams): SymbolState | RestReply {
  const id = q.get('symbol');
  if (!id) return fail(400, '400100', 'symbol is required');
  return symbols.get(id) ?? fail(400, '400100', 'This pair is not provided at present');
}

const quoteVolume = (s: SymbolState, bar: HistoryBar): string =>
  trimZeros(s.fmt.notionalSum(bar.candle.quoteVol, s.inst.priceDecimals + s.inst.qtyDecimals));

function spotCandles(symbols: ReadonlyMap<string, SymbolState>, q: URLSearchParams, nowMs: number): RestReply {
  const s = lookup(symbols, q);
  if (!('market' in s)) return s;
  const b = SPOT_TYPES[q.get('type') ?? ''];
  if (b === undefined) return fail(400, '400100', 'Unsupported type');
  const startAt = intParam(q, 'startAt');
  const endAt = intParam(q, 'endAt');
  if (Number.isNaN(startAt) || Number.isNaN(endAt)) return fail(400, '400100', 'startAt and endAt are seconds');
  const fromMs = startAt === undefined || startAt === 0 ? undefined : startAt * 1000;
  const toMs = endAt === undefined || endAt === 0 ? undefined : endAt * 1000 - 1;
  const bars = historyBars(s, b, { fromMs, toMs, limit: SPOT_CANDLES_MAX, newest: true }, nowMs);
  const { fmt } = s;
  const rows = bars.reverse().map((bar) => {
    const c = bar.candle;
    return [String(bar.openMs / 1000), fmt.price(c.openTicks), fmt.price(c.closeTicks), fmt.price(c.highTicks), fmt.price(c.lowTicks), fmt.qty(c.volLots), quoteVolume(s, bar)];
  });
  return ok(JSON.stringify(rows));
}

function futuresKlines(symbols: ReadonlyMap<string, SymbolState>, q: URLSearchParams, nowMs: number): RestReply {
  const s = lookup(symbols, q);
  if (!('market' in s)) return s;
  const b = GRANULARITY[q.get('granularity') ?? ''];
  if (b === undefined) return fail(400, '400100', 'Unsupported granularity');
  const from = intParam(q, 'from');
  const to = intParam(q, 'to');
  if (Number.isNaN(from) || Number.isNaN(to)) return fail(400, '400100', 'from and to are milliseconds');
  const bars = historyBars(s, b, { fromMs: from, toMs: to === undefined ? undefined : to - 1, limit: FUTURES_KLINES_MAX, newest: from === undefined }, nowMs);
  const { fmt } = s;
  const rows = bars.map((bar) => {
    const c = bar.candle;
    return `[${bar.openMs},${fmt.price(c.openTicks)},${fmt.price(c.highTicks)},${fmt.price(c.lowTicks)},${fmt.price(c.closeTicks)},${fmt.qty(c.volLots)}]`;
  });
  return ok(`[${rows.join(',')}]`);
}

function trades(symbols: ReadonlyMap<string, SymbolState>, q: URLSearchParams, futures: boolean): RestReply {
  const s = lookup(symbols, q);
  if (!('market' in s)) return s;
  const all = historyTrades(s);
  const page = all.slice(Math.max(0, all.length - TRADES_LAST));
  const rows = page.map((t) => {
    const side = t.buyerMaker ? 'sell' : 'buy';
    const price = s.fmt.price(t.ticks);
    const size = s.fmt.qty(t.lots);
    return futures
      ? `{"sequence":${t.id},"contractId":1,"tradeId":"${t.id}","makerOrderId":"m${t.id}","takerOrderId":"t${t.id}","ts":${t.timeMs}000000,"size":${size},"price":"${price}","side":"${side}"}`
      : `{"sequence":"${23_898_084_682_000_000n + BigInt(t.id)}","price":"${price}","size":"${size}","side":"${side}","time":${t.timeMs}000000}`;
  });
  return ok(`[${rows.join(',')}]`);
}
