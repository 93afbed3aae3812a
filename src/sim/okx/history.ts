// OKX v5 public history REST, as ccxt's okx class calls it:
// - `GET /api/v5/market/candles` (the latest 1,440 bars only; `limit` ≤ 300, default 100) and
//   `GET /api/v5/market/history-candles` (all of history; `limit` ≤ 100): `instId`, `bar`, and
//   `after` / `before` in ms, both exclusive — bars older than `after`, newer than `before`.
//   Rows come newest first and the newest `limit` of the range is returned: `before` alone gives
//   the latest bars, not the ones just after it. Rows `[ts, o, h, l, c, vol, volCcy, volCcyQuote,
//   confirm]` (spot: vol in base, volCcy in quote; swaps: vol in contracts, volCcy in base);
//   `confirm` "0" for the bar still open. Intervals without trades have no row.
// - `GET /api/v5/market/trades` (the newest `limit` ≤ 500, default 100) and
//   `GET /api/v5/market/history-trades` (`limit` ≤ 100; `type` 1 = `after`/`before` are tradeIds,
//   the default; 2 = `after` is a ts in ms and `before` is refused, as OKX documents), newest first.
// Bars ≥ 6h without the `utc` suffix are aligned to Hong Kong time (UTC+8), as on OKX.
// Errors: HTTP 400 with `{"code":"51000","msg":"Parameter bar error","data":[]}` and kin.
import { formatUnits, trimZeros } from '../instruments.js';
import type { SimTrade } from '../market.js';
import type { SymbolState } from '../symbol-state.js';
import { fixedBuckets, historyBars, historyTrades, intParam, monthBuckets, namedBuckets, pageOf, type Buckets, type HistoryBar } from '../history.js';
import type { RestReply } from '../venue/context.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const HK = -8 * HOUR; // a Hong Kong day starts at 16:00 UTC
/** Bars `/market/candles` keeps. */
export const RECENT_BARS = 1440;
export const CANDLES_MAX = 300;
export const HISTORY_CANDLES_MAX = 100;
export const TRADES_MAX = 500;
export const HISTORY_TRADES_MAX = 100;

const BARS: Readonly<Record<string, Buckets>> = {
  '1m': namedBuckets('1m'), '3m': namedBuckets('3m'), '5m': namedBuckets('5m'), '15m': namedBuckets('15m'),
  '30m': namedBuckets('30m'), '1H': namedBuckets('1h'), '2H': namedBuckets('2h'), '4H': namedBuckets('4h'),
  '6Hutc': namedBuckets('6h'), '12Hutc': namedBuckets('12h'), '1Dutc': namedBuckets('1d'), '1Wutc': namedBuckets('1w'),
  '1Mutc': namedBuckets('1M'),
  '6H': fixedBuckets(6 * HOUR, HK), '12H': fixedBuckets(12 * HOUR, HK), '1D': fixedBuckets(DAY, HK),
  // Monday 00:00 in Hong Kong: the epoch was a Thursday, Monday is 4 days on, minus 8 hours
  '1W': fixedBuckets(7 * DAY, 4 * DAY + HK), '1M': monthBuckets(8),
};

const ok = (data: unknown[]): RestReply => ({ status: 200, body: JSON.stringify({ code: '0', msg: '', data }) });
const fail = (code: string, msg: string): RestReply => ({ status: 400, body: JSON.stringify({ code, msg, data: [] }) });

/** The reply to a history route, or undefined when `path` is not one. */
export function okxHistory(symbols: ReadonlyMap<string, SymbolState>, path: string, q: URLSearchParams, nowMs = Date.now()): RestReply | undefined {
  switch (path) {
    case '/api/v5/market/candles':
      return candles(symbols, q, nowMs, false);
    case '/api/v5/market/history-candles':
      return candles(symbols, q, nowMs, true);
    case '/api/v5/market/trades':
      return trades(symbols, q, false);
    case '/api/v5/market/history-trades':
      return trades(symbols, q, true);
  }
  return undefined;
}

function lookup(symbols: ReadonlyMap<string, SymbolState>, q: URLSearchParams): SymbolState | RestReply {
  const id = q.get('instId');
  if (!id) return fail('50014', 'Parameter instId can not be empty.');
  return symbols.get(id) ?? fail('51001', "Instrument ID or Spread ID doesn't exist.");
}

/** `limit`: default `def`, larger asks served `max` (OKX caps rather than refuses). */
function limitOf(q: URLSearchParams, def: number, max: number): number | RestReply {
  const v = intParam(q, 'limit');
  if (Number.isNaN(v) || v === 0) return fail('51000', 'Parameter limit error');
  return Math.min(v ?? def, max);
}

function candles(symbols: ReadonlyMap<string, SymbolState>, q: URLSearchParams, nowMs: number, history: boolean): RestReply {
  const s = lookup(symbols, q);
  if (!('market' in s)) return s;
  const b = BARS[q.get('bar') ?? '1m'];
  if (b === undefined) return fail('51000', 'Parameter bar error');
  const after = intParam(q, 'after');
  const before = intParam(q, 'before');
  if (Number.isNaN(after)) return fail('51000', 'Parameter after error');
  if (Number.isNaN(before)) return fail('51000', 'Parameter before error');
  const limit = limitOf(q, 100, history ? HISTORY_CANDLES_MAX : CANDLES_MAX);
  if (typeof limit !== 'number') return limit;
  let fromMs = before === undefined ? undefined : before + 1;
  if (!history) {
    // only the latest 1,440 bars: the open one and the 1,439 before it
    let oldest = b.open(nowMs);
    for (let i = 1; i < RECENT_BARS; i++) oldest = b.open(oldest - 1);
    fromMs = Math.max(fromMs ?? oldest, oldest);
  }
  const toMs = after === undefined ? undefined : after - 1;
  const bars = historyBars(s, b, { fromMs, toMs, limit, newest: true }, nowMs);
  return ok(bars.reverse().map((bar) => candleRow(s, bar, nowMs)));
}

function candleRow(s: SymbolState, { openMs, closeMs, candle: c }: HistoryBar, nowMs: number): string[] {
  const { fmt, inst } = s;
  const quote = trimZeros(fmt.notionalSum(c.quoteVol, inst.priceDecimals + inst.qtyDecimals));
  // swaps count contracts of 0.01 base (instrument ctVal): base × 100
  const vol = inst.swap ? trimZeros(formatUnits(BigInt(c.volLots) * BigInt(inst.stepUnits) * 100n, inst.qtyDecimals)) : fmt.qty(c.volLots);
  const volCcy = inst.swap ? fmt.qty(c.volLots) : quote;
  return [
    String(openMs), fmt.price(c.openTicks), fmt.price(c.highTicks), fmt.price(c.lowTicks), fmt.price(c.closeTicks),
    vol, volCcy, quote, closeMs > nowMs ? '0' : '1',
  ];
}

function trades(symbols: ReadonlyMap<string, SymbolState>, q: URLSearchParams, history: boolean): RestReply {
  const s = lookup(symbols, q);
  if (!('market' in s)) return s;
  const limit = limitOf(q, 100, history ? HISTORY_TRADES_MAX : TRADES_MAX);
  if (typeof limit !== 'number') return limit;
  let list: readonly SimTrade[] = historyTrades(s);
  if (history) {
    const type = q.get('type') ?? '1';
    if (type !== '1' && type !== '2') return fail('51000', 'Parameter type error');
    const after = intParam(q, 'after');
    const before = intParam(q, 'before');
    if (Number.isNaN(after)) return fail('51000', 'Parameter after error');
    if (Number.isNaN(before) || (type === '2' && before !== undefined)) return fail('51000', 'Parameter before error');
    if (type === '2') {
      if (after !== undefined) list = historyTrades(s, -Infinity, after);
    } else if (after !== undefined || before !== undefined) {
      list = list.filter((t) => (after === undefined || t.id < after) && (before === undefined || t.id > before));
    }
  }
  const page = pageOf(list, limit, true);
  const rows: unknown[] = [];
  for (let i = page.length - 1; i >= 0; i--) {
    const t = page[i];
    rows.push({
      instId: s.inst.venueSymbol, side: t.buyerMaker ? 'sell' : 'buy', sz: s.fmt.qty(t.lots), px: s.fmt.price(t.ticks),
      source: '0', tradeId: String(t.id), ts: String(t.timeMs),
    });
  }
  return ok(rows);
}
