// Unified symbol ↔ MEXC id (PROTOCOLS-MORE.md §4):
//   spot (`mexc`)                 `BTC/USDT`      ↔ `BTCUSDT`
//   USDT perpetual (`mexc-futures`) `BTC/USDT:USDT` ↔ `BTC_USDT`  (linear: settles in the quote)
//   coin-margined perpetual       `BTC/USD:BTC`   ↔ `BTC_USD`   (inverse: settles in the base)
import { MarketfeedError } from '../../core/errors.js';
import { parseSymbol, QUOTE_ASSETS } from '../../core/symbols.js';

export const SPOT_VENUE = 'mexc';
export const FUTURES_VENUE = 'mexc-futures';

export function spotVenueSymbol(unified: string): string {
  const s = parseSymbol(unified);
  if (s === undefined) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${JSON.stringify(unified)} is not a unified symbol`, {
      venue: SPOT_VENUE, expected: 'BASE/QUOTE, e.g. BTC/USDT', got: unified,
    });
  }
  if (s.settle !== undefined) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${unified} is a perpetual swap; MEXC spot lists BASE/QUOTE pairs (use venue mexc-futures for ${unified})`, {
      venue: SPOT_VENUE, symbol: unified, expected: `${s.base}/${s.quote}`, got: unified,
    });
  }
  return s.base + s.quote;
}

export function futuresVenueSymbol(unified: string): string {
  const s = parseSymbol(unified);
  if (s === undefined) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${JSON.stringify(unified)} is not a unified symbol`, {
      venue: FUTURES_VENUE, expected: 'BASE/QUOTE:SETTLE, e.g. BTC/USDT:USDT', got: unified,
    });
  }
  if (s.settle === undefined) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${unified} is a spot pair; MEXC futures lists perpetuals as ${unified}:${s.quote} (or use venue mexc for spot)`, {
      venue: FUTURES_VENUE, symbol: unified, expected: `${unified}:${s.quote}`, got: unified,
    });
  }
  if (s.settle !== s.quote && s.settle !== s.base) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${unified} settles in ${s.settle}: MEXC perpetuals settle in their quote (linear) or base (inverse) currency`, {
      venue: FUTURES_VENUE, symbol: unified, expected: `${s.base}/${s.quote}:${s.quote}`, got: unified,
    });
  }
  return `${s.base}_${s.quote}`;
}

/** `BTC_USDT` → `BTC/USDT:USDT`, `BTC_USD` → `BTC/USD:BTC` (coin-margined); undefined for other shapes. */
export function futuresUnified(venueSymbol: string): string | undefined {
  const m = /^([A-Z0-9]{1,20})_([A-Z0-9]{1,20})$/.exec(venueSymbol);
  if (m === null) return undefined;
  return `${m[1]}/${m[2]}:${m[2] === 'USD' ? m[1] : m[2]}`;
}

/** `BTCUSDT` → `BTC/USDT`, split at the longest known quote asset; undefined when none fits. */
export function spotUnified(venueSymbol: string): string | undefined {
  for (const q of QUOTE_ASSETS) {
    if (venueSymbol.length > q.length && venueSymbol.endsWith(q)) {
      const unified = `${venueSymbol.slice(0, -q.length)}/${q}`;
      return parseSymbol(unified) === undefined ? undefined : unified;
    }
  }
  return undefined;
}
