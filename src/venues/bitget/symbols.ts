// Unified symbol ↔ Bitget id. One venue id serves two markets, told apart by the venue symbol:
//   spot                 `BTC/USDT`      ↔ `BTCUSDT`        (v2 instType SPOT, v1 instType SP)
//   USDT-margined perp   `BTC/USDT:USDT` ↔ `BTCUSDT_UMCBL`  (v2 instType USDT-FUTURES, v1 instType MC)
// On the wire both markets name the instrument `BTCUSDT` (instId) and differ only in instType;
// the `_UMCBL` suffix is Bitget's own v1 mix contract id, used here so one map can hold both.
import { MarketfeedError } from '../../core/errors.js';
import { parseSymbol, QUOTE_ASSETS } from '../../core/symbols.js';

export const VENUE = 'bitget';
/** Bitget v1 suffix of USDT-margined perpetual contract ids. */
export const PERP_SUFFIX = '_UMCBL';

export type Market = 'spot' | 'perp';

export function toVenueSymbol(unified: string): string {
  const s = parseSymbol(unified);
  if (s === undefined) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${JSON.stringify(unified)} is not a unified symbol`, {
      venue: VENUE, expected: 'BASE/QUOTE (spot) or BASE/USDT:USDT (USDT perpetual)', got: unified,
    });
  }
  if (s.settle === undefined) return s.base + s.quote;
  if (s.quote !== 'USDT' || s.settle !== 'USDT') {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${unified}: only USDT-margined perpetuals (BASE/USDT:USDT) are supported on Bitget`, {
      venue: VENUE, symbol: unified, expected: `${s.base}/USDT:USDT`, got: unified,
    });
  }
  return s.base + s.quote + PERP_SUFFIX;
}

/** `BTCUSDT_UMCBL` → perp, anything else → spot. */
export function marketOf(venueSymbol: string): Market {
  return venueSymbol.endsWith(PERP_SUFFIX) ? 'perp' : 'spot';
}

/** The instId on the wire (`BTCUSDT` for both markets). */
export function instIdOf(venueSymbol: string): string {
  return venueSymbol.endsWith(PERP_SUFFIX) ? venueSymbol.slice(0, -PERP_SUFFIX.length) : venueSymbol;
}

/**
 * The venue symbol a frame's (instType, instId) names: SPOT/SP (any case) → instId; USDT-FUTURES/MC
 * → instId + `_UMCBL`; any other product line → undefined. v1 `MC` also carried coin-margined
 * contracts; those ids do not end in USDT, so they never match a configured `_UMCBL` symbol.
 */
export function venueSymbolOf(instType: string, instId: string): string | undefined {
  switch (instType) {
    case 'SPOT': case 'SP': case 'sp':
      return instId;
    case 'USDT-FUTURES': case 'MC': case 'mc':
      return instId + PERP_SUFFIX;
    default:
      return undefined;
  }
}

/** v2 instType for a venue symbol's market. */
export function instTypeOf(venueSymbol: string): 'SPOT' | 'USDT-FUTURES' {
  return marketOf(venueSymbol) === 'perp' ? 'USDT-FUTURES' : 'SPOT';
}

/**
 * The unified symbol of a venue symbol, split at the longest known quote asset (`BTCUSDT` →
 * `BTC/USDT`, `BTCUSDT_UMCBL` → `BTC/USDT:USDT`); undefined when no quote asset fits. For replaying
 * captures whose symbols are known only from their subscribe frames.
 */
export function unifiedOf(venueSymbol: string): string | undefined {
  const perp = marketOf(venueSymbol) === 'perp';
  const id = instIdOf(venueSymbol);
  const quote = QUOTE_ASSETS.find((q) => id.length > q.length && id.endsWith(q));
  if (quote === undefined || (perp && quote !== 'USDT')) return undefined;
  const base = id.slice(0, -quote.length);
  const out = perp ? `${base}/${quote}:${quote}` : `${base}/${quote}`;
  return parseSymbol(out) === undefined ? undefined : out;
}
