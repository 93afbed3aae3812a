// Unified symbol ↔ Kraken pair names. WS v2 names pairs the way we do (`BTC/USD`, `DOGE/USD`), so
// the venue symbol is the unified one. WS v1 and REST's `wsname` use Kraken's legacy asset codes
// (`XBT/USD`, `XDG/USD`): those are translated here (XBT ↔ BTC, XDG ↔ DOGE) so that v1 captures
// and the AssetPairs listing route to the same venue symbols as v2.
import { MarketfeedError } from '../../core/errors.js';
import { parseSymbol } from '../../core/symbols.js';

const VENUE = 'kraken';

/** Legacy (v1 / REST wsname) asset code → the v2 / unified code. */
const V1_TO_V2: Readonly<Record<string, string>> = { XBT: 'BTC', XDG: 'DOGE' };
const V2_TO_V1: Readonly<Record<string, string>> = { BTC: 'XBT', DOGE: 'XDG' };

/** `BTC/USD` → `BTC/USD`; perpetuals live on Kraken Futures, not here. */
export function toVenueSymbol(unified: string): string {
  const s = parseSymbol(unified);
  if (s === undefined) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${JSON.stringify(unified)} is not a unified symbol`, {
      venue: VENUE, expected: 'BASE/QUOTE, e.g. BTC/USD', got: unified,
    });
  }
  if (s.settle !== undefined) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${unified} is a perpetual swap; Kraken spot lists BASE/QUOTE pairs`, {
      venue: VENUE, symbol: unified, expected: `${s.base}/${s.quote}`, got: unified,
    });
  }
  return `${s.base}/${s.quote}`;
}

/** A v1 / REST wsname pair (`XBT/USD`) as its v2 name (`BTC/USD`); other names pass unchanged. */
export function fromV1Pair(pair: string): string {
  const slash = pair.indexOf('/');
  if (slash < 0) return pair;
  const base = pair.slice(0, slash);
  const quote = pair.slice(slash + 1);
  const b = V1_TO_V2[base];
  const q = V1_TO_V2[quote];
  if (b === undefined && q === undefined) return pair;
  return `${b ?? base}/${q ?? quote}`;
}

/** A v2 pair (`BTC/USD`) as REST's altname (`XBTUSD`), for `GET /0/public/Depth?pair=`. */
export function toRestPair(venueSymbol: string): string {
  const slash = venueSymbol.indexOf('/');
  if (slash < 0) return venueSymbol;
  const base = venueSymbol.slice(0, slash);
  const quote = venueSymbol.slice(slash + 1);
  return (V2_TO_V1[base] ?? base) + (V2_TO_V1[quote] ?? quote);
}
