// The once-a-second pushes of the Bybit modes, derived from the market model: `tickers` (spot: a
// snapshot each time, 24 h figures only; linear: a snapshot on subscribe, then deltas holding only
// the fields that changed, with mark/index/funding/open interest) and `allLiquidation` (linear: now
// and then a position liquidated at the touch, placed by a hash of the symbol and the second).
import type { SymbolState } from '../symbol-state.js';
import { hash32 } from '../rng.js';
import { trimZeros } from '../instruments.js';
import type { BybitSimMarket } from './wire.js';

/** The ticker's fields as the market sends them, in its key order (values are JSON-safe texts). */
export function tickerFields(market: BybitSimMarket, s: SymbolState, nowMs: number): [string, string][] {
  const { fmt, market: book, inst } = s;
  let vol = 0;
  let quote = 0n;
  let high = book.lastTradeTicks;
  let low = book.lastTradeTicks;
  for (const t of s.recentTrades) {
    vol += t.lots;
    quote += BigInt(t.ticks) * BigInt(t.lots);
    if (t.ticks > high) high = t.ticks;
    if (t.ticks < low) low = t.ticks;
  }
  const last = book.lastTradeTicks;
  const prev = s.recentTrades.length > 0 ? s.recentTrades[0].ticks : last;
  const pcnt = prev > 0 ? ((last - prev) / prev).toFixed(6) : '0';
  const turnover = fmt.notionalSum(quote, inst.priceDecimals + inst.qtyDecimals);
  const common: [string, string][] = [
    ['lastPrice', fmt.price(last)], ['prevPrice24h', fmt.price(prev)], ['highPrice24h', fmt.price(high)], ['lowPrice24h', fmt.price(low)],
    ['volume24h', fmt.qty(vol)], ['turnover24h', turnover], ['price24hPcnt', pcnt],
  ];
  const m = s.markPrice(nowMs);
  const price = (eightDecimals: string): string => Number(eightDecimals).toFixed(inst.priceDecimals);
  if (market === 'spot') return [...common, ['usdIndexPrice', trimZeros(m.index)]];
  const oi = s.openInterest(nowMs);
  return [
    ...common, ['markPrice', price(m.mark)], ['indexPrice', price(m.index)], ['openInterest', oi],
    ['openInterestValue', (Number(oi) * Number(m.mark)).toFixed(2)], ['fundingRate', trimZeros(m.fundingRate)],
    ['nextFundingTime', String(m.nextFundingMs)], ['fundingIntervalHour', '8'], ['fundingCap', '0.005'],
    ['bid1Price', fmt.price(book.bids.bestTicks())], ['bid1Size', fmt.qty(book.bids.lotsFromTop(0))],
    ['ask1Price', fmt.price(book.asks.bestTicks())], ['ask1Size', fmt.qty(book.asks.lotsFromTop(0))],
  ];
}

/** `"k":"v",…` of the given fields. */
export const fieldsJson = (fields: readonly [string, string][]): string => fields.map(([k, v]) => `"${k}":"${v}"`).join(',');

/** A liquidation this second, or undefined: about one second in four per symbol. */
export function liquidationAt(s: SymbolState, nowMs: number): { side: 'Buy' | 'Sell'; price: string; size: string } | undefined {
  const second = Math.floor(nowMs / 1000);
  const h = hash32(`liq${second}`, hash32(s.inst.venueSymbol));
  if (h % 4 !== 0) return undefined;
  const { fmt, market: book, inst } = s;
  // a long liquidated ("Buy") is sold into the bid, a short bought from the ask
  const long = (h >>> 8) % 2 === 0;
  const lots = inst.minLots + ((h >>> 12) % Math.max(1, inst.maxLots));
  return long
    ? { side: 'Buy', price: fmt.price(book.bids.bestTicks()), size: fmt.qty(lots) }
    : { side: 'Sell', price: fmt.price(book.asks.bestTicks()), size: fmt.qty(lots) };
}
