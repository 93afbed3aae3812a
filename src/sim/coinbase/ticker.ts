// The `ticker` channel's fields from the model: the last trade price, the best bid and ask with
// their sizes, and "24 h" statistics over the trades the simulator kept (it has no longer memory).
import { trimZeros } from '../instruments.js';
import type { SymbolState } from '../symbol-state.js';
import type { CoinbaseTickerFields } from './wire.js';

export function tickerOf(s: SymbolState): CoinbaseTickerFields {
  const { fmt, market } = s;
  const recent = s.recentTrades;
  const last = market.lastTradeTicks;
  let vol = 0;
  let lo = last;
  let hi = last;
  for (const t of recent) {
    vol += t.lots;
    if (t.ticks < lo) lo = t.ticks;
    if (t.ticks > hi) hi = t.ticks;
  }
  const first = recent.length > 0 ? recent[0].ticks : last;
  return {
    price: fmt.price(last), volume24h: fmt.qty(vol), low24h: fmt.price(lo), high24h: fmt.price(hi),
    pctChange24h: trimZeros(((100 * (last - first)) / first).toFixed(14)),
    bestBid: fmt.price(market.bids.bestTicks()), bestBidQty: fmt.qty(market.bids.lotsFromTop(0)),
    bestAsk: fmt.price(market.asks.bestTicks()), bestAskQty: fmt.qty(market.asks.lotsFromTop(0)),
  };
}
