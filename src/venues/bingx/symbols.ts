// Unified symbol ↔ BingX symbol. Both markets write the instrument `BTC-USDT` (upper case, one
// dash); the venue id tells the market apart:
//   bingx        spot                 `BTC/USDT`      ↔ `BTC-USDT`
//   bingx-swap   USDT-M perpetual     `BTC/USDT:USDT` ↔ `BTC-USDT`   (linear: settles in USDT)
import { MarketfeedError } from '../../core/errors.js';
import { parseSymbol } from '../../core/symbols.js';
import type { BingxMarket } from './market.js';

export function toVenueSymbol(m: BingxMarket, unified: string): string {
  const s = parseSymbol(unified);
  const want = m.swap ? 'BASE/USDT:USDT, e.g. BTC/USDT:USDT' : 'BASE/QUOTE, e.g. BTC/USDT';
  if (s === undefined) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${JSON.stringify(unified)} is not a unified symbol`, { venue: m.venue, expected: want, got: unified });
  }
  if (!m.swap && s.settle !== undefined) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${unified} is a perpetual swap: record it with --venue bingx-swap`, {
      venue: m.venue, symbol: unified, expected: `${s.base}/${s.quote}`, got: unified,
    });
  }
  if (m.swap && (s.settle !== s.quote || s.quote !== 'USDT')) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${unified}: bingx-swap records USDT-M perpetuals (BASE/USDT:USDT)`, {
      venue: m.venue, symbol: unified, expected: `${s.base}/USDT:USDT`, got: unified,
    });
  }
  return `${s.base}-${s.quote}`;
}

/** `BTC-USDT` → `BTC/USDT` (spot) or `BTC/USDT:USDT` (swap); undefined for any other shape. */
export function toUnified(m: BingxMarket, venueSymbol: string): string | undefined {
  const p = venueSymbol.split('-');
  if (p.length !== 2) return undefined;
  const unified = m.swap ? `${p[0]}/${p[1]}:${p[1]}` : `${p[0]}/${p[1]}`;
  return parseSymbol(unified) === undefined ? undefined : unified;
}
