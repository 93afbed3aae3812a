// Unified symbol ↔ Bybit v5 `symbol` (core/symbols.ts conventions, ccxt style):
//   spot              `BTC/USDT`        ↔ `BTCUSDT`
//   USDT perpetual    `BTC/USDT:USDT`   ↔ `BTCUSDT`   (category linear, settled in USDT)
// The same id names both markets; the socket (and REST category) tells them apart. USDC contracts
// (`BTCPERP`, dated `BTC-26DEC25`) and inverse ones are out of scope.
import { MarketfeedError } from '../../core/errors.js';
import { parseSymbol, QUOTE_ASSETS } from '../../core/symbols.js';
import type { BybitMarket } from './market.js';

export function toVenueSymbol(m: BybitMarket, unified: string): string {
  const venue = m.venue;
  const s = parseSymbol(unified);
  const linear = m.category === 'linear';
  if (s === undefined) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${JSON.stringify(unified)} is not a unified symbol`, {
      venue, expected: linear ? 'BASE/USDT:USDT, e.g. BTC/USDT:USDT' : 'BASE/QUOTE, e.g. BTC/USDT', got: unified,
    });
  }
  if (!linear && s.settle !== undefined) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${unified} is a perpetual swap; Bybit spot lists BASE/QUOTE pairs (use venue bybit-linear for ${unified})`, {
      venue, symbol: unified, expected: `${s.base}/${s.quote}`, got: unified,
    });
  }
  if (linear && (s.settle !== 'USDT' || s.quote !== 'USDT')) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${unified} is not a USDT perpetual; bybit-linear records BASE/USDT:USDT (use venue bybit for spot pairs)`, {
      venue, symbol: unified, expected: `${s.base}/USDT:USDT`, got: unified,
    });
  }
  return s.base + s.quote;
}

/** The unified symbol of a Bybit id (captures, listings); undefined when no quote asset ends it. */
export function toUnified(m: BybitMarket, venueSymbol: string): string | undefined {
  if (m.category === 'linear') {
    if (venueSymbol.length <= 4 || !venueSymbol.endsWith('USDT')) return undefined;
    const perp = `${venueSymbol.slice(0, -4)}/USDT:USDT`;
    return parseSymbol(perp) === undefined ? undefined : perp;
  }
  const quote = QUOTE_ASSETS.find((q) => venueSymbol.length > q.length && venueSymbol.endsWith(q));
  if (quote === undefined) return undefined;
  const pair = `${venueSymbol.slice(0, -quote.length)}/${quote}`;
  return parseSymbol(pair) === undefined ? undefined : pair;
}
