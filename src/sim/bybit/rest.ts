// Bybit v5 public REST, as our venue code and ccxt's `bybit` call it (docs v5/market/*):
//   GET /v5/market/time                                   {timeSecond, timeNano}
//   GET /v5/market/instruments-info?category=…            the listing (Trading only; PreLaunch: none)
//   GET /v5/market/orderbook?category&symbol&limit        {s, b, a, ts, u, seq, cts}: u is the
//                                                          websocket topics' u (one counter here)
// plus the history routes (history.ts). Every body is {"retCode":0,"retMsg":"OK","result":{…},
// "retExtInfo":{},"time":ms}; a bad parameter is HTTP 200 with retCode 10001, as Bybit answers.
import type { BookState } from '../market.js';
import type { SymbolState } from '../symbol-state.js';
import type { RestReply } from '../venue/context.js';
import { bybitLevels, type BybitSimMarket } from './wire.js';

export const ok = (result: unknown, nowMs = Date.now()): RestReply => ({
  status: 200, body: JSON.stringify({ retCode: 0, retMsg: 'OK', result, retExtInfo: {}, time: nowMs }),
});
export const fail = (retCode: number, retMsg: string): RestReply => ({
  status: 200, body: JSON.stringify({ retCode, retMsg, result: {}, retExtInfo: {}, time: Date.now() }),
});

/** The symbol of a request in this mode's category, or the venue's answer when there is none. */
export function lookup(market: BybitSimMarket, symbols: ReadonlyMap<string, SymbolState>, q: URLSearchParams, categoryDefault?: string): SymbolState | RestReply {
  const category = q.get('category') ?? categoryDefault;
  if (category === undefined || category === '') return fail(10001, 'params error: category is required');
  if (!['spot', 'linear', 'inverse', 'option'].includes(category)) return fail(10001, `params error: invalid category ${category}`);
  const id = q.get('symbol');
  if (!id) return fail(10001, 'params error: symbol is required');
  const s = symbols.get(id);
  return s !== undefined && category === market ? s : fail(10001, 'params error: Symbol Is Invalid');
}

/** `limit` within [1, max] (default `def`); larger asks are served the cap, as the doc's range reads. */
export function limitOf(q: URLSearchParams, def: number, max: number): number | RestReply {
  const v = q.get('limit');
  if (v === null || v === '') return def;
  if (!/^\d{1,9}$/.test(v) || Number(v) < 1) return fail(10001, 'params error: limit');
  return Math.min(Number(v), max);
}

function instrument(market: BybitSimMarket, s: SymbolState): Record<string, unknown> {
  const { inst, fmt } = s;
  const tick = fmt.tickSize();
  const step = fmt.stepSize();
  if (market === 'spot') {
    return {
      symbol: inst.venueSymbol, baseCoin: inst.base, quoteCoin: inst.quote, innovation: '0', status: 'Trading', marginTrading: 'both', stTag: '0',
      lotSizeFilter: { basePrecision: step, quotePrecision: '0.00000001', minOrderQty: step, maxOrderQty: '100', minOrderAmt: '1', maxOrderAmt: '2000000' },
      priceFilter: { tickSize: tick },
    };
  }
  return {
    symbol: inst.venueSymbol, contractType: 'LinearPerpetual', status: 'Trading', baseCoin: inst.base, quoteCoin: inst.quote,
    launchTime: String(s.candles.listedMs), deliveryTime: '0', deliveryFeeRate: '', priceScale: String(inst.priceDecimals),
    leverageFilter: { minLeverage: '1', maxLeverage: '100.00', leverageStep: '0.01' },
    priceFilter: { minPrice: tick, maxPrice: '1999999.80', tickSize: tick },
    lotSizeFilter: { maxOrderQty: '1190.000', minOrderQty: step, qtyStep: step, postOnlyMaxOrderQty: '1190.000', maxMktOrderQty: '500.000', minNotionalValue: '5' },
    unifiedMarginTrade: true, fundingInterval: 480, settleCoin: inst.settle || inst.quote, copyTrading: 'both',
    upperFundingRate: '0.005', lowerFundingRate: '-0.005', isPreListing: false, preListingInfo: null,
  };
}

export function instrumentsInfo(market: BybitSimMarket, symbols: ReadonlyMap<string, SymbolState>, q: URLSearchParams): RestReply {
  const category = q.get('category');
  if (!category) return fail(10001, 'params error: category is required');
  const id = q.get('symbol');
  const status = q.get('status') ?? 'Trading';
  // This mode lists one category, all of it Trading: other categories and PreLaunch are empty.
  const list = category === market && status === 'Trading'
    ? [...symbols.values()].filter((s) => !id || s.inst.venueSymbol === id).map((s) => instrument(market, s))
    : [];
  return ok(market === 'linear' ? { category, list, nextPageCursor: '' } : { category, list });
}

/** The order book: `book` is the current one (or an old one for the stale-snapshot fault), at `u`/`seq`. */
export function orderbook(market: BybitSimMarket, s: SymbolState, q: URLSearchParams, book: BookState, u: number, seq: number, nowMs: number): RestReply {
  const limit = limitOf(q, market === 'spot' ? 1 : 25, 1000);
  if (typeof limit !== 'number') return limit;
  const side = (b: BookState['bids']): string => bybitLevels(s.fmt, b.ticks, b.lots, limit);
  const result = `{"s":"${s.inst.venueSymbol}","b":${side(book.bids)},"a":${side(book.asks)},"ts":${nowMs},"u":${u},"seq":${seq},"cts":${nowMs - 1}}`;
  return { status: 200, body: `{"retCode":0,"retMsg":"OK","result":${result},"retExtInfo":{},"time":${nowMs}}`, isDepth: true };
}

export function serverTime(nowMs: number): RestReply {
  return ok({ timeSecond: String(Math.floor(nowMs / 1000)), timeNano: `${nowMs}000000` }, nowMs);
}
