// Unified symbol ↔ Coinbase product id: `BTC/USD` ↔ `BTC-USD`. The market-data feed here is
// Coinbase's spot book; its perpetuals and futures live on other endpoints and are refused.
import { MarketfeedError } from '../../core/errors.js';
import { parseSymbol } from '../../core/symbols.js';

export const VENUE = 'coinbase';

export function toVenueSymbol(unified: string): string {
  const s = parseSymbol(unified);
  if (s === undefined) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${JSON.stringify(unified)} is not a unified symbol`, {
      venue: VENUE, expected: 'BASE/QUOTE, e.g. BTC/USD', got: unified,
    });
  }
  if (s.settle !== undefined) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${unified} is a contract; the Coinbase Advanced Trade feed recorded here lists spot products only`, {
      venue: VENUE, symbol: unified, expected: `${s.base}/${s.quote}`, got: unified,
    });
  }
  return `${s.base}-${s.quote}`;
}

/** `BTC-USD` → `BTC/USD`; undefined for ids of another shape (futures such as `BIT-28JUN24-CDE`). */
export function toUnified(productId: string): string | undefined {
  const p = productId.split('-');
  if (p.length !== 2) return undefined;
  const unified = `${p[0]}/${p[1]}`;
  return parseSymbol(unified) === undefined ? undefined : unified;
}
