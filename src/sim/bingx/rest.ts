// BingX REST as our venue code and ccxt's `bingx` use it without credentials (ccxt 4.5.84
// js/src/bingx.js): the listings loadMarkets reads — spot `/openApi/spot/v1/common/symbols`, USDT-M
// `/openApi/swap/v2/quote/contracts`, coin-M `/openApi/cswap/v1/market/contracts` (always empty
// here) — server time, klines (spot `/openApi/spot/v1/market/kline`: rows of JSON numbers; swap
// `/openApi/swap/v3/quote/klines`: objects of strings; at most 1440 a request, `startTime`..
// `endTime` inclusive, the earliest first) and recent trades (spot `/openApi/spot/v1/market/trades`,
// at most 500; swap `/openApi/swap/v2/quote/trades`, at most 1000; the newest, oldest first). A
// mode lists only its own market. Minutes of the synthetic past in a maintenance halt have no
// trades and so no kline (CandleStore.halted): history sees holes to fill.
import { bucketOpen, isInterval, nextOpen, prevOpen, type Candle } from '../candles.js';
import type { SymbolState } from '../symbol-state.js';
import type { RestReply } from '../venue/context.js';

const ok = (data: string, nowMs: number): RestReply => ({ status: 200, body: `{"code":0,"msg":"","timestamp":${nowMs},"data":${data}}` });
const fail = (code: number, msg: string): RestReply => ({ status: 200, body: JSON.stringify({ code, msg, data: {} }) });

const SPOT_MAX_TRADES = 500;
const SWAP_MAX_TRADES = 1000;
const MAX_KLINES = 1440;

export function bingxRest(symbols: ReadonlyMap<string, SymbolState>, swap: boolean, path: string, q: URLSearchParams, nowMs: number): RestReply {
  switch (path) {
    case '/openApi/spot/v1/server/time':
    case '/openApi/swap/v2/server/time':
      return ok(`{"serverTime":${nowMs}}`, nowMs);
    case '/openApi/spot/v1/common/symbols':
      return ok(`{"symbols":[${swap ? '' : [...symbols.values()].map(spotSymbol).join(',')}]}`, nowMs);
    case '/openApi/swap/v2/quote/contracts':
      return ok(`[${swap ? [...symbols.values()].map(swapContract).join(',') : ''}]`, nowMs);
    case '/openApi/cswap/v1/market/contracts':
      return ok('[]', nowMs);
    case '/openApi/spot/v1/market/kline':
    case '/openApi/swap/v3/quote/klines':
      return klines(symbols, swap, path.startsWith('/openApi/swap'), q, nowMs);
    case '/openApi/spot/v1/market/trades':
    case '/openApi/swap/v2/quote/trades':
      return trades(symbols, swap, path.startsWith('/openApi/swap'), q, nowMs);
    default:
      return { status: 404, body: JSON.stringify({ code: 100404, msg: `Unknown path ${path}`, data: {} }) };
  }
}

function spotSymbol(s: SymbolState): string {
  const { inst, fmt } = s;
  return `{"symbol":"${inst.venueSymbol}","minQty":0,"maxQty":0,"minNotional":5,"maxNotional":20000,"status":1,"tickSize":${fmt.tickSize()},` +
    `"stepSize":${fmt.stepSize()},"apiStateSell":true,"apiStateBuy":true,"timeOnline":${s.candles.listedMs},"offTime":0,"maintainTime":0}`;
}

function swapContract(s: SymbolState): string {
  const { inst } = s;
  return `{"contractId":"${100 + [...inst.venueSymbol].reduce((a, c) => a + c.charCodeAt(0), 0)}","symbol":"${inst.venueSymbol}",` +
    `"quantityPrecision":${inst.qtyDecimals},"pricePrecision":${inst.priceDecimals},"feeRate":0.0005,"makerFeeRate":0.0002,"takerFeeRate":0.0005,` +
    `"tradeMinQuantity":0.0001,"tradeMinUSDT":2,"currency":"USDT","asset":"${inst.base}","status":1,"apiStateOpen":"true","apiStateClose":"true",` +
    `"ensureTrigger":true,"triggerFeeRate":"0.00020000","brokerState":true,"launchTime":${s.candles.listedMs},"maintainTime":0,"offTime":0}`;
}

/** The symbol of a request on this mode's market, or the venue's error. */
function lookup(symbols: ReadonlyMap<string, SymbolState>, swap: boolean, swapPath: boolean, q: URLSearchParams): SymbolState | RestReply {
  const id = q.get('symbol');
  if (!id) return fail(100400, 'symbol is required');
  const s = symbols.get(id);
  if (s === undefined || swap !== swapPath) return fail(100204, `symbol ${id} does not exist`);
  return s;
}

const intParam = (q: URLSearchParams, name: string): number | undefined => {
  const v = q.get(name);
  return v === null || v === '' ? undefined : /^\d+$/.test(v) ? Number(v) : NaN;
};

function klines(symbols: ReadonlyMap<string, SymbolState>, swap: boolean, swapPath: boolean, q: URLSearchParams, nowMs: number): RestReply {
  const s = lookup(symbols, swap, swapPath, q);
  if (!(s instanceof Object && 'market' in s)) return s as RestReply;
  const interval = q.get('interval') ?? '';
  if (!isInterval(interval) || interval === '1s') return fail(100400, `interval ${interval} is not supported`);
  const startTime = intParam(q, 'startTime');
  const endTime = intParam(q, 'endTime');
  const asked = intParam(q, 'limit');
  if (Number.isNaN(startTime) || Number.isNaN(endTime) || Number.isNaN(asked)) return fail(100400, 'startTime, endTime and limit are integers');
  if (asked !== undefined && (asked < 1 || asked > MAX_KLINES)) return fail(100400, `limit must be 1..${MAX_KLINES}`);
  const limit = asked ?? 500;
  const end = Math.min(endTime ?? nowMs, nowMs);
  const rows: string[] = [];
  const row = (open: number): void => {
    const close = nextOpen(open, interval);
    const c = s.candles.range(open, close, nowMs, true);
    if (c !== undefined) rows.push(swapPath ? swapKline(s, open, c) : spotKline(s, open, close - 1, c));
  };
  if (startTime !== undefined) {
    let t = bucketOpen(Math.max(startTime, s.candles.listedMs), interval);
    if (t < startTime) t = nextOpen(t, interval);
    for (; t <= end && rows.length < limit; t = nextOpen(t, interval)) row(t);
  } else {
    // the newest `limit` bars up to end
    const first = bucketOpen(s.candles.listedMs, interval);
    const opens: number[] = [];
    for (let t = bucketOpen(end, interval); t >= first && opens.length < limit; t = prevOpen(t, interval)) opens.push(t);
    for (let i = opens.length - 1; i >= 0; i--) row(opens[i]);
  }
  return ok(`[${rows.join(',')}]`, nowMs);
}

/** [openTime, open, high, low, close, volume, closeTime, quoteVolume] as JSON numbers. */
function spotKline(s: SymbolState, open: number, closeTime: number, c: Candle): string {
  const f = s.fmt;
  return `[${open},${f.price(c.openTicks)},${f.price(c.highTicks)},${f.price(c.lowTicks)},${f.price(c.closeTicks)},${f.qty(c.volLots)},${closeTime},` +
    `${f.notionalSum(c.quoteVol, s.inst.priceDecimals)}]`;
}

function swapKline(s: SymbolState, open: number, c: Candle): string {
  const f = s.fmt;
  return `{"open":"${f.price(c.openTicks)}","close":"${f.price(c.closeTicks)}","high":"${f.price(c.highTicks)}","low":"${f.price(c.lowTicks)}",` +
    `"volume":"${f.qty(c.volLots)}","time":${open}}`;
}

function trades(symbols: ReadonlyMap<string, SymbolState>, swap: boolean, swapPath: boolean, q: URLSearchParams, nowMs: number): RestReply {
  const s = lookup(symbols, swap, swapPath, q);
  if (!(s instanceof Object && 'market' in s)) return s as RestReply;
  const max = swapPath ? SWAP_MAX_TRADES : SPOT_MAX_TRADES;
  const asked = intParam(q, 'limit');
  if (Number.isNaN(asked) || (asked !== undefined && (asked < 1 || asked > max))) return fail(100400, `limit must be 1..${max}`);
  const all = s.candles.trades();
  const list = all.slice(Math.max(0, all.length - (asked ?? 100)));
  const f = s.fmt;
  const rows = list.map((t) => swapPath
    ? `{"time":${t.timeMs},"isBuyerMaker":${t.buyerMaker},"price":"${f.price(t.ticks)}","qty":"${f.qty(t.lots)}","quoteQty":"${f.notional(t.ticks, t.lots, s.inst.priceDecimals)}"}`
    : `{"id":${t.id},"price":${f.price(t.ticks)},"qty":${f.qty(t.lots)},"time":${t.timeMs},"buyerMaker":${t.buyerMaker}}`);
  return ok(`[${rows.join(',')}]`, nowMs);
}
