// Unified symbol ↔ Binance id, per market: spot `BTC/USDT` ↔ `BTCUSDT`; USDⓈ-M `BTC/USDT:USDT`
// (linear perpetual, settled in the quote) ↔ `BTCUSDT`. Stream names use the id lowercased.
import { MarketfeedError } from '../../core/errors.js';
import { parseSymbol } from '../../core/symbols.js';
import type { BinanceMarket } from './market.js';

/**
 * Spot: `BTC/USDT` → `BTCUSDT`; a perpetual (`BTC/USDT:USDT`) is a usage error (it lives on
 * binance-futures). USDⓈ-M: `BTC/USDT:USDT` → `BTCUSDT`; a spot pair or an inverse contract is.
 */
export function toVenueSymbol(m: BinanceMarket, unified: string): string {
  const venue = m.venue;
  const s = parseSymbol(unified);
  if (s === undefined) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${JSON.stringify(unified)} is not a unified symbol`, {
      venue, expected: m.futures ? 'BASE/QUOTE:SETTLE, e.g. BTC/USDT:USDT' : 'BASE/QUOTE, e.g. BTC/USDT', got: unified,
    });
  }
  if (!m.futures) {
    if (s.settle !== undefined) {
      throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${unified} is a perpetual swap; Binance spot lists BASE/QUOTE pairs (use venue binance-futures for ${unified})`, {
        venue, symbol: unified, expected: `${s.base}/${s.quote}`, got: unified,
      });
    }
  } else if (s.settle === undefined) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${unified} is a spot pair; Binance USDⓈ-M futures lists perpetuals as ${unified}:${s.quote} (or use venue binance for spot)`, {
      venue, symbol: unified, expected: `${unified}:${s.quote}`, got: unified,
    });
  } else if (s.settle !== s.quote) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${unified} settles in ${s.settle}: USDⓈ-M perpetuals settle in their quote currency (${s.base}/${s.quote}:${s.quote})`, {
      venue, symbol: unified, expected: `${s.base}/${s.quote}:${s.quote}`, got: unified,
    });
  }
  return s.base + s.quote;
}

/** Lowercase id for stream names (`btcusdt@depth@100ms`). */
export const streamSymbol = (venueSymbol: string): string => venueSymbol.toLowerCase();
