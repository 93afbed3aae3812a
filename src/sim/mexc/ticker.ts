// A contract's ticker from the model (push.ticker and REST /contract/ticker): the fair price is the
// mark, holdVol the open interest in contracts, 24 h figures from the retained trades.
import type { SymbolState } from '../symbol-state.js';
import type { ContractTicker } from './wire.js';

export function contractTicker(s: SymbolState, nowMs: number): ContractTicker {
  const { fmt, market, inst } = s;
  const m = s.markPrice(nowMs);
  let vol = 0;
  let hi = market.lastTradeTicks;
  let lo = market.lastTradeTicks;
  let amount = 0n;
  for (const t of s.recentTrades) {
    vol += t.lots;
    if (t.ticks > hi) hi = t.ticks;
    if (t.ticks < lo) lo = t.ticks;
    amount += BigInt(t.ticks) * BigInt(t.lots);
  }
  return {
    symbol: inst.venueSymbol, lastPrice: fmt.price(market.lastTradeTicks), bid1: fmt.price(market.bids.bestTicks()),
    ask1: fmt.price(market.asks.bestTicks()), fairPrice: m.mark, indexPrice: m.index, fundingRate: m.fundingRate,
    holdVol: s.openInterest(nowMs), high24Price: fmt.price(hi), lower24Price: fmt.price(lo), volume24: fmt.qty(vol),
    amount24: fmt.notionalSum(amount, inst.priceDecimals), riseFallRate: '0.0012', timestampMs: nowMs,
  };
}
