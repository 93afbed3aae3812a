// MEXC's public history REST, as ccxt's mexc class calls it without credentials (PROTOCOLS-MORE.md
// §4.2, §4.3):
// - spot `GET /api/v3/klines?symbol&interval&startTime&endTime&limit`: intervals 1m 5m 15m 30m 60m
//   4h 1d 1W 1M (one hour is `60m`); `limit` default 500, at most 1000; `startTime` inclusive,
//   `endTime` exclusive (ccxt adds 1 ms to its `until` for that); without `startTime` the newest
//   `limit` bars before `endTime`. Rows `[openTime, "open", "high", "low", "close", "volume",
//   closeTime, "quoteVolume"]`, closeTime the next bar's open (as in the doc's example row).
// - spot `GET /api/v3/aggTrades?symbol&startTime&endTime&limit` (ccxt's default trades route) and
//   `GET /api/v3/trades?symbol&limit` (the newest only): `limit` default 500, at most 1000; rows
//   `{"a":null,"f":null,"l":null,"p","q","T","m","M"}` / `{"id":null,"price","qty","quoteQty",
//   "time","isBuyerMaker","isBestMatch"}` — MEXC gives spot trades no id.
// - contract `GET /api/v1/contract/kline/{symbol}?interval=Min1&start&end` (seconds, both
//   inclusive; at most 2,000 bars, the oldest from `start`, or the newest before `end` when only
//   `end` is given): parallel arrays {time, open, close, high, low, vol, amount}, numbers.
// - contract `GET /api/v1/contract/deals/{symbol}?limit` (≤100, default 100): the newest deals,
//   newest first, `{p, v, T, O, M, t}`.
// Bars exist only for intervals with a trade; maintenance halts of the synthetic past leave holes.
import type { SymbolState } from '../symbol-state.js';
import { historyBars, historyTrades, intParam, namedBuckets, pageOf, type Buckets, type HistoryBar } from '../history.js';
import type { RestReply } from '../venue/context.js';

export const SPOT_KLINES_MAX = 1000;
export const SPOT_TRADES_MAX = 1000;
export const CONTRACT_KLINES_MAX = 2000;
export const CONTRACT_DEALS_MAX = 100;

const SPOT_INTERVALS: Readonly<Record<string, Buckets>> = {
  '1m': namedBuckets('1m'), '5m': namedBuckets('5m'), '15m': namedBuckets('15m'), '30m': namedBuckets('30m'),
  '60m': namedBuckets('1h'), '4h': namedBuckets('4h'), '1d': namedBuckets('1d'), '1W': namedBuckets('1w'), '1M': namedBuckets('1M'),
};
const CONTRACT_INTERVALS: Readonly<Record<string, Buckets>> = {
  Min1: namedBuckets('1m'), Min5: namedBuckets('5m'), Min15: namedBuckets('15m'), Min30: namedBuckets('30m'),
  Min60: namedBuckets('1h'), Hour4: namedBuckets('4h'), Hour8: namedBuckets('8h'), Day1: namedBuckets('1d'),
  Week1: namedBuckets('1w'), Month1: namedBuckets('1M'),
};

export const spotError = (status: number, code: number, msg: string): RestReply => ({ status, body: JSON.stringify({ code, msg }) });
const spotOk = (value: unknown): RestReply => ({ status: 200, body: JSON.stringify(value) });
/** Contract errors are HTTP 200 with success:false. */
export const contractError = (code: number, message: string): RestReply => ({ status: 200, body: JSON.stringify({ success: false, code, message }) });

/** The spot reply to a history route, or undefined when `path` is not one. */
export function mexcSpotHistory(symbols: ReadonlyMap<string, SymbolState>, path: string, q: URLSearchParams, nowMs: number): RestReply | undefined {
  switch (path) {
    case '/api/v3/klines':
      return klines(symbols, q, nowMs);
    case '/api/v3/aggTrades':
      return aggTrades(symbols, q);
    case '/api/v3/trades':
      return recentTrades(symbols, q);
  }
  return undefined;
}

function spotLookup(symbols: ReadonlyMap<string, SymbolState>, q: URLSearchParams): SymbolState | RestReply {
  const id = q.get('symbol');
  if (!id) return spotError(400, 700002, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
  const s = symbols.get(id);
  return s !== undefined && !s.inst.swap ? s : spotError(400, -1121, 'Invalid symbol.');
}

/** `limit` (1..max, default def) and the integer params named; a reply when one is malformed. */
function params(q: URLSearchParams, names: string[], def: number, max: number): { limit: number; v: Record<string, number | undefined> } | RestReply {
  const v: Record<string, number | undefined> = {};
  for (const n of [...names, 'limit']) {
    v[n] = intParam(q, n);
    if (Number.isNaN(v[n])) return spotError(400, -1100, `Illegal characters found in parameter '${n}'.`);
  }
  return { limit: Math.max(1, Math.min(v.limit ?? def, max)), v };
}

function klines(symbols: ReadonlyMap<string, SymbolState>, q: URLSearchParams, nowMs: number): RestReply {
  const s = spotLookup(symbols, q);
  if (!('market' in s)) return s;
  const b = SPOT_INTERVALS[q.get('interval') ?? ''];
  if (b === undefined) return spotError(400, -1121, 'Invalid interval.');
  const p = params(q, ['startTime', 'endTime'], 500, SPOT_KLINES_MAX);
  if (!('limit' in p)) return p;
  const { startTime, endTime } = p.v;
  const bars = historyBars(s, b, {
    fromMs: startTime, toMs: endTime === undefined ? undefined : endTime - 1, limit: p.limit, newest: startTime === undefined,
  }, nowMs);
  return spotOk(bars.map((bar) => spotKline(s, bar)));
}

function spotKline(s: SymbolState, { openMs, closeMs, candle: c }: HistoryBar): unknown[] {
  const { fmt, inst } = s;
  return [
    openMs, fmt.price(c.openTicks), fmt.price(c.highTicks), fmt.price(c.lowTicks), fmt.price(c.closeTicks), fmt.qty(c.volLots),
    closeMs, fmt.notionalSum(c.quoteVol, inst.priceDecimals),
  ];
}

function aggTrades(symbols: ReadonlyMap<string, SymbolState>, q: URLSearchParams): RestReply {
  const s = spotLookup(symbols, q);
  if (!('market' in s)) return s;
  const p = params(q, ['startTime', 'endTime'], 500, SPOT_TRADES_MAX);
  if (!('limit' in p)) return p;
  const { startTime, endTime } = p.v;
  const timed = startTime !== undefined || endTime !== undefined;
  const list = historyTrades(s, startTime, endTime === undefined ? undefined : endTime + 1);
  return spotOk(pageOf(list, p.limit, !timed).map((t) => ({
    a: null, f: null, l: null, p: s.fmt.price(t.ticks), q: s.fmt.qty(t.lots), T: t.timeMs, m: t.buyerMaker, M: true,
  })));
}

function recentTrades(symbols: ReadonlyMap<string, SymbolState>, q: URLSearchParams): RestReply {
  const s = spotLookup(symbols, q);
  if (!('market' in s)) return s;
  const p = params(q, [], 500, SPOT_TRADES_MAX);
  if (!('limit' in p)) return p;
  const { fmt, inst } = s;
  return spotOk(pageOf(historyTrades(s), p.limit, true).map((t) => ({
    id: null, price: fmt.price(t.ticks), qty: fmt.qty(t.lots), quoteQty: fmt.notional(t.ticks, t.lots, inst.priceDecimals),
    time: t.timeMs, isBuyerMaker: t.buyerMaker, isBestMatch: true,
  })));
}

/** The contract reply to a history route (`/api/v1/contract/kline/SYM`, `/deals/SYM`), or undefined. */
export function mexcContractHistory(symbols: ReadonlyMap<string, SymbolState>, path: string, q: URLSearchParams, nowMs: number): RestReply | undefined {
  const m = /^\/api\/v1\/contract\/(kline|deals)\/([^/]+)$/.exec(path);
  if (m === null) return undefined;
  const s = symbols.get(decodeURIComponent(m[2]));
  if (s === undefined || !s.inst.swap) return contractError(1001, 'Contract does not exist!');
  return m[1] === 'kline' ? contractKlines(s, q, nowMs) : contractDeals(s, q);
}

function contractKlines(s: SymbolState, q: URLSearchParams, nowMs: number): RestReply {
  const b = CONTRACT_INTERVALS[q.get('interval') ?? 'Min1'];
  if (b === undefined) return contractError(600, 'Parameter error');
  const start = intParam(q, 'start');
  const end = intParam(q, 'end');
  if (Number.isNaN(start) || Number.isNaN(end)) return contractError(600, 'Parameter error');
  const bars = historyBars(s, b, {
    fromMs: start === undefined ? undefined : start * 1000, toMs: end === undefined ? undefined : end * 1000,
    limit: CONTRACT_KLINES_MAX, newest: start === undefined,
  }, nowMs);
  const { fmt } = s;
  const col = (f: (bar: HistoryBar) => string): string => `[${bars.map(f).join(',')}]`;
  // numbers as the venue prints them: bare JSON numbers with the contract's decimals
  const data = `{"time":${col((x) => String(x.openMs / 1000))},"open":${col((x) => fmt.price(x.candle.openTicks))},`
    + `"close":${col((x) => fmt.price(x.candle.closeTicks))},"high":${col((x) => fmt.price(x.candle.highTicks))},`
    + `"low":${col((x) => fmt.price(x.candle.lowTicks))},"vol":${col((x) => fmt.qty(x.candle.volLots))},`
    + `"amount":${col((x) => fmt.notionalSum(x.candle.quoteVol, s.inst.priceDecimals))}}`;
  return { status: 200, body: `{"success":true,"code":0,"data":${data}}` };
}

function contractDeals(s: SymbolState, q: URLSearchParams): RestReply {
  const limit = intParam(q, 'limit');
  if (Number.isNaN(limit)) return contractError(600, 'Parameter error');
  const page = pageOf(historyTrades(s), Math.max(1, Math.min(limit ?? CONTRACT_DEALS_MAX, CONTRACT_DEALS_MAX)), true);
  const rows: string[] = [];
  for (let i = page.length - 1; i >= 0; i--) {
    const t = page[i];
    rows.push(`{"p":${s.fmt.price(t.ticks)},"v":${s.fmt.qty(t.lots)},"T":${t.buyerMaker ? 2 : 1},"O":3,"M":2,"t":${t.timeMs}}`);
  }
  return { status: 200, body: `{"success":true,"code":0,"data":[${rows.join(',')}]}` };
}
