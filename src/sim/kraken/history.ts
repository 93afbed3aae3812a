// Kraken's public history REST, as ccxt's kraken class calls it without credentials:
// - `GET /0/public/OHLC?pair&interval&since`: interval in minutes; only the 720 most recent bars of
//   an interval exist, the still-open one last; `since` (seconds, exclusive) keeps those after it.
//   Rows `[time, "open", "high", "low", "close", "vwap", "volume", count]`, `last` = the newest
//   committed bar's time (the `since` to poll with). Intervals without trades have no row.
// - `GET /0/public/Trades?pair&since&count`: up to `count` (1–1000, default 1000) trades after
//   `since` (exclusive; seconds, or nanoseconds as the `last` it returns), oldest first; without
//   `since` the newest `count`. Rows `["price", "volume", time, "b"|"s", "m"|"l", "", trade_id]`,
//   time in seconds with the fraction, `last` the newest trade's time in ns. The model stamps
//   trades by the ms, so a trade's ns time is its ms plus its place among that ms's trades: the
//   `last` cursor stays exact where several trades share a millisecond.
// - `GET /0/public/Assets?asset`: the assets of the pairs (loadMarkets asks it before AssetPairs).
// Errors are HTTP 200 with `{"error":["EQuery:Unknown asset pair"]}`-style bodies.
import type { SymbolState } from '../symbol-state.js';
import { historyBars, historyTrades, namedBuckets, vwapTicks, type HistoryBar } from '../history.js';
import type { SimTrade } from '../market.js';
import type { RestReply } from '../venue/context.js';
import { alt, code, pairEntry } from './rest.js';

/** Bars an interval keeps (Kraken's documented OHLC window). */
export const OHLC_BARS = 720;
export const MAX_TRADES = 1000;
/** Kraken interval (minutes) → candles.ts interval. 21600 (15 days) is Kraken's too, not simulated. */
const INTERVALS: Readonly<Record<string, string>> = {
  1: '1m', 5: '5m', 15: '15m', 30: '30m', 60: '1h', 240: '4h', 1440: '1d', 10080: '1w',
};
const FIAT = new Set(['USD', 'EUR', 'GBP', 'JPY', 'CAD', 'CHF', 'AUD']);

const ok = (result: unknown): RestReply => ({ status: 200, body: JSON.stringify({ error: [], result }) });
const fail = (message: string): RestReply => ({ status: 200, body: JSON.stringify({ error: [message] }) });

/** The reply to a history route, or undefined when `path` is not one. */
export function krakenHistory(states: readonly SymbolState[], path: string, q: URLSearchParams, nowMs = Date.now()): RestReply | undefined {
  switch (path) {
    case '/0/public/OHLC':
      return ohlc(states, q, nowMs);
    case '/0/public/Trades':
      return trades(states, q);
    case '/0/public/Assets':
      return assets(states, q);
  }
  return undefined;
}

/** The symbol a `pair` parameter names (the AssetPairs key, altname or wsname) and its key. */
function lookup(states: readonly SymbolState[], q: URLSearchParams): { s: SymbolState; key: string } | RestReply {
  const pair = q.get('pair');
  if (!pair) return fail('EGeneral:Invalid arguments:pair');
  for (const s of states) {
    const [key, entry] = pairEntry(s);
    if (pair === key || pair === entry.altname || pair === entry.wsname) return { s, key };
  }
  return fail('EQuery:Unknown asset pair');
}

function ohlc(states: readonly SymbolState[], q: URLSearchParams, nowMs: number): RestReply {
  const found = lookup(states, q);
  if (!('s' in found)) return found;
  const { s, key } = found;
  const minutes = q.get('interval') ?? '1';
  const interval = INTERVALS[minutes];
  if (interval === undefined) return fail('EGeneral:Invalid arguments:interval');
  const sinceText = q.get('since');
  if (sinceText !== null && !/^[0-9]{1,12}$/.test(sinceText)) return fail('EGeneral:Invalid arguments:since');
  const b = namedBuckets(interval);
  const current = b.open(nowMs);
  const len = b.next(current) - current;
  // the window: the current bar and the 719 before it, then only those opening after `since`
  let from = current - (OHLC_BARS - 1) * len;
  if (sinceText !== null) from = Math.max(from, Number(sinceText) * 1000 + 1);
  const bars = historyBars(s, b, { fromMs: from, toMs: nowMs, limit: OHLC_BARS }, nowMs);
  const rows = bars.map((bar) => ohlcRow(s, bar));
  const committed = bars.filter((bar) => bar.closeMs <= nowMs);
  const last = committed.length > 0 ? committed[committed.length - 1].openMs / 1000 : Math.floor((current - len) / 1000);
  return ok({ [key]: rows, last });
}

function ohlcRow(s: SymbolState, { openMs, candle: c }: HistoryBar): unknown[] {
  const { fmt } = s;
  return [
    openMs / 1000, fmt.price(c.openTicks), fmt.price(c.highTicks), fmt.price(c.lowTicks), fmt.price(c.closeTicks),
    fmt.price(vwapTicks(c)), fmt.qty(c.volLots), c.trades,
  ];
}

/** `since` as nanoseconds: up to 11 integer digits (maybe with a fraction) are seconds, longer is ns. */
function sinceNs(text: string): bigint | undefined {
  const m = /^([0-9]{1,19})(?:\.([0-9]{1,9}))?$/.exec(text);
  if (!m) return undefined;
  if (m[1].length > 11) return m[2] === undefined ? BigInt(m[1]) : undefined;
  return BigInt(m[1]) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

function trades(states: readonly SymbolState[], q: URLSearchParams): RestReply {
  const found = lookup(states, q);
  if (!('s' in found)) return found;
  const { s, key } = found;
  const countText = q.get('count');
  const count = countText === null ? MAX_TRADES : Number(countText);
  if (!/^[0-9]{1,4}$/.test(countText ?? '0') || count < 1 || count > MAX_TRADES) return fail('EGeneral:Invalid arguments:count');
  const sinceText = q.get('since');
  let since: bigint | undefined;
  if (sinceText !== null && sinceText !== '') {
    since = sinceNs(sinceText);
    if (since === undefined) return fail('EGeneral:Invalid arguments:since');
  }
  // stamped from the first ms that matters, so a trade's ns is the same in every answer
  const all = historyTrades(s);
  const fromMs = since !== undefined ? Number(since / 1_000_000n) : all.length > count ? all[all.length - count].timeMs : -Infinity;
  const stamped = tradeNs(historyTrades(s, fromMs));
  // strictly after `since`; without it, the newest `count`
  let i = since === undefined ? Math.max(0, stamped.length - count) : 0;
  while (since !== undefined && i < stamped.length && stamped[i].ns <= since) i++;
  const list = stamped.slice(i, i + count);
  const { fmt } = s;
  const rows = list.map(({ t }) => [fmt.price(t.ticks), fmt.qty(t.lots), t.timeMs / 1000, t.buyerMaker ? 's' : 'b', 'm', '', t.id]);
  const newest = list.length > 0 ? list[list.length - 1].ns : since ?? 0n;
  return ok({ [key]: rows, last: String(newest) });
}

/** Each trade with its ns time: its ms, plus its place among the trades of that ms in `trades`. */
function tradeNs(trades: readonly SimTrade[]): Array<{ t: SimTrade; ns: bigint }> {
  const out: Array<{ t: SimTrade; ns: bigint }> = [];
  let k = 0;
  for (let i = 0; i < trades.length; i++) {
    const t = trades[i];
    k = i > 0 && trades[i - 1].timeMs === t.timeMs ? k + 1 : 0;
    out.push({ t, ns: BigInt(t.timeMs) * 1_000_000n + BigInt(k) });
  }
  return out;
}

function assets(states: readonly SymbolState[], q: URLSearchParams): RestReply {
  const all = new Map<string, Record<string, unknown>>();
  for (const s of states) {
    for (const a of [s.inst.base, s.inst.quote]) {
      const fiat = FIAT.has(a);
      const legacyCrypto = code(a) !== alt(a) && !fiat;
      all.set(code(a), {
        aclass: 'currency', altname: alt(a), decimals: fiat ? 4 : legacyCrypto ? 10 : 8, display_decimals: fiat ? 2 : 5, status: 'enabled',
      });
    }
  }
  const wanted = q.get('asset')?.split(',').filter((a) => a !== '');
  if (wanted === undefined) return ok(Object.fromEntries(all));
  const result: Record<string, unknown> = {};
  for (const w of wanted) {
    const hit = [...all].find(([id, a]) => id === w || a.altname === w || a.altname === alt(w));
    if (hit === undefined) return fail('EQuery:Unknown asset');
    result[hit[0]] = hit[1];
  }
  return ok(result);
}
