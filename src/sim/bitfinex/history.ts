// Bitfinex v2 public history REST, as ccxt's bitfinex class calls it:
// - `GET /v2/candles/trade:<TF>:<SYMBOL>/hist?start&end&limit&sort`: `start`/`end` in ms, both
//   inclusive; `limit` default 100, at most 10,000; `sort=1` the oldest `limit` first, else the
//   newest `limit`, newest first. `…/last` is the newest bar alone. Rows `[MTS, OPEN, CLOSE, HIGH,
//   LOW, VOLUME]` (close before high), JSON numbers. Intervals without trades have no row.
// - `GET /v2/trades/<SYMBOL>/hist?start&end&limit&sort`: the same paging (`limit` default 125,
//   at most 10,000); rows `[ID, MTS, AMOUNT, PRICE]`, the amount negative for a taker sell.
// - `GET /v2/conf/<label>,<label>,…`: one list per label, in order — the pair and currency
//   configuration loadMarkets reads (pub:info:pair, pub:list:pair:margin, pub:list:currency, …).
// Errors: HTTP 500 with `["error",10020,"limit: invalid"]` and kin.
import type { SimTrade } from '../market.js';
import type { SymbolState } from '../symbol-state.js';
import { fixedBuckets, historyBars, historyTrades, intParam, namedBuckets, pageOf, type Buckets } from '../history.js';
import type { RestReply } from '../venue/context.js';
import { bfxAmount, bfxPrice } from './wire.js';

const HOUR = 3_600_000;
export const MAX_LIMIT = 10_000;
const TIMEFRAMES: Readonly<Record<string, Buckets>> = {
  '1m': namedBuckets('1m'), '5m': namedBuckets('5m'), '15m': namedBuckets('15m'), '30m': namedBuckets('30m'),
  '1h': namedBuckets('1h'), '3h': fixedBuckets(3 * HOUR), '6h': namedBuckets('6h'), '12h': namedBuckets('12h'),
  '1D': namedBuckets('1d'), '1W': namedBuckets('1w'), '14D': fixedBuckets(14 * 24 * HOUR), '1M': namedBuckets('1M'),
};
const CANDLES_RE = /^\/v2\/candles\/trade:([0-9]+[a-zA-Z]):(t[A-Z0-9:]+)\/(hist|last)$/;
const TRADES_RE = /^\/v2\/trades\/(t[A-Z0-9:]+)\/hist$/;

const json = (body: string): RestReply => ({ status: 200, body });
const fail = (msg: string): RestReply => ({ status: 500, body: JSON.stringify(['error', 10020, msg]) });

/** The reply to a history or conf route, or undefined when `path` is not one. */
export function bitfinexHistory(symbols: ReadonlyMap<string, SymbolState>, path: string, q: URLSearchParams, nowMs = Date.now()): RestReply | undefined {
  let p: string;
  try {
    p = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (p.startsWith('/v2/conf/')) return conf(symbols, p.slice('/v2/conf/'.length));
  const c = CANDLES_RE.exec(p);
  if (c) return candles(symbols, c[1], c[2], c[3] === 'last', q, nowMs);
  const t = TRADES_RE.exec(p);
  if (t) return trades(symbols, t[1], q);
  return undefined;
}

interface Paging {
  start?: number;
  end?: number;
  limit: number;
  oldestFirst: boolean;
}

function paging(q: URLSearchParams, defaultLimit: number): Paging | RestReply {
  const start = intParam(q, 'start');
  const end = intParam(q, 'end');
  const limit = intParam(q, 'limit');
  const sort = q.get('sort');
  if (Number.isNaN(start)) return fail('start: invalid');
  if (Number.isNaN(end)) return fail('end: invalid');
  if (Number.isNaN(limit) || limit === 0) return fail('limit: invalid');
  if (sort !== null && sort !== '1' && sort !== '-1') return fail('sort: invalid');
  return { start, end, limit: Math.min(limit ?? defaultLimit, MAX_LIMIT), oldestFirst: sort === '1' };
}

function candles(symbols: ReadonlyMap<string, SymbolState>, tf: string, sym: string, last: boolean, q: URLSearchParams, nowMs: number): RestReply {
  const b = TIMEFRAMES[tf];
  if (b === undefined) return fail('time frame: invalid');
  const s = symbols.get(sym);
  if (!s) return fail('symbol: invalid');
  const pg = last ? { limit: 1, oldestFirst: false } : paging(q, 100);
  if (!('limit' in pg)) return pg;
  const bars = historyBars(s, b, { fromMs: pg.start, toMs: pg.end, limit: pg.limit, newest: !pg.oldestFirst }, nowMs);
  if (!pg.oldestFirst) bars.reverse();
  const { fmt } = s;
  const rows = bars.map(({ openMs, candle: c }) =>
    `[${openMs},${bfxPrice(fmt, c.openTicks)},${bfxPrice(fmt, c.closeTicks)},${bfxPrice(fmt, c.highTicks)},${bfxPrice(fmt, c.lowTicks)},${bfxAmount(fmt, c.volLots, false)}]`);
  if (last) return json(rows[0] ?? '[]');
  return json(`[${rows.join(',')}]`);
}

function trades(symbols: ReadonlyMap<string, SymbolState>, sym: string, q: URLSearchParams): RestReply {
  const s = symbols.get(sym);
  if (!s) return fail('symbol: invalid');
  const pg = paging(q, 125);
  if (!('limit' in pg)) return pg;
  const inRange: readonly SimTrade[] = historyTrades(s, pg.start, pg.end === undefined ? undefined : pg.end + 1);
  const page = [...pageOf(inRange, pg.limit, !pg.oldestFirst)];
  if (!pg.oldestFirst) page.reverse();
  const { fmt } = s;
  return json(`[${page.map((t) => `[${t.id},${t.timeMs},${bfxAmount(fmt, t.lots, t.buyerMaker)},${bfxPrice(fmt, t.ticks)}]`).join(',')}]`);
}

/** `BTCUSD` → [BTC, USD]; `TESTBTC:TESTUSD` → [TESTBTC, TESTUSD] (pairs without the `t`). */
function currenciesOf(pair: string): [string, string] {
  const i = pair.indexOf(':');
  return i >= 0 ? [pair.slice(0, i), pair.slice(i + 1)] : [pair.slice(0, 3), pair.slice(3)];
}

/** The configuration lists the simulator's pairs imply; labels it knows to be empty give []. */
function confList(symbols: ReadonlyMap<string, SymbolState>, label: string): unknown[] | undefined {
  const pairs = [...symbols.keys()].map((s) => s.slice(1));
  const currencies = [...new Set(pairs.flatMap(currenciesOf))];
  switch (label) {
    case 'pub:list:pair:exchange':
    case 'pub:list:pair:margin':
      return pairs;
    case 'pub:info:pair':
      // [pair, [_, _, _, MIN_ORDER_SIZE, MAX_ORDER_SIZE, _, _, _, INITIAL_MARGIN, MIN_MARGIN]]
      return [...symbols.entries()].map(([sym, s]) => [sym.slice(1), [null, null, null, s.fmt.stepSize(), s.fmt.qty(s.inst.maxLots * 1000), null, null, null, 0.2, 0.1]]);
    case 'pub:list:currency':
    case 'pub:list:currency:margin':
      return currencies;
    case 'pub:map:currency:sym':
      return currencies.filter((c) => c === 'UST').map((c) => [c, 'USDt']);
    case 'pub:map:currency:label':
      return currencies.map((c) => [c, c]);
    case 'pub:map:currency:tx:fee':
      return currencies.map((c) => [c, [0, 0]]);
    case 'pub:info:pair:futures':
    case 'pub:list:pair:futures':
    case 'pub:list:pair:securities':
    case 'pub:map:currency:unit':
    case 'pub:map:currency:undl':
    case 'pub:map:currency:pool':
    case 'pub:map:currency:explorer':
    case 'pub:map:tx:method':
    case 'pub:info:tx:status':
      return [];
  }
  return undefined;
}

function conf(symbols: ReadonlyMap<string, SymbolState>, labels: string): RestReply {
  const out: unknown[] = [];
  for (const label of labels.split(',')) {
    const list = confList(symbols, label);
    if (list === undefined) return fail(`config: invalid (${label})`);
    out.push(list);
  }
  return json(JSON.stringify(out));
}
