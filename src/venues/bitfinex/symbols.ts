// Unified symbol ↔ Bitfinex trading-pair id (PROTOCOLS.md §5, docs ws-general "Supported Pairs"):
// `BTC/USD` ↔ `tBTCUSD`. A pair with an asset of other than three letters joins its assets with a
// colon, `TESTBTC/TESTUSD` ↔ `tTESTBTC:TESTUSD` (as in the 2021 capture). Our venue symbol is the
// `t`-prefixed id the websocket uses; the REST pair listing omits the `t` (rest.ts adds it).
// Bitfinex names Tether `UST`: `BTC/USDT` and `BTC/UST` both map to `tBTCUST`.
import { MarketfeedError } from '../../core/errors.js';
import { parseSymbol } from '../../core/symbols.js';

const VENUE = 'bitfinex';

/** Unified asset code → Bitfinex's own code, where they differ. */
const ASSET_ALIASES: Readonly<Record<string, string>> = { USDT: 'UST' };

const venueAsset = (a: string): string => ASSET_ALIASES[a] ?? a;

/** The pair id without the `t` (`BTCUSD`, `TESTBTC:TESTUSD`), as the REST listing spells it. */
export function pairId(base: string, quote: string): string {
  return base.length === 3 && quote.length === 3 ? base + quote : `${base}:${quote}`;
}

/** `BTC/USD` → `tBTCUSD`. Perpetuals (`BTC/USD:USD`) are not served here: a usage error. */
export function toVenueSymbol(unified: string): string {
  const s = parseSymbol(unified);
  if (s === undefined) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${JSON.stringify(unified)} is not a unified symbol`, {
      venue: VENUE, expected: 'BASE/QUOTE, e.g. BTC/USD', got: unified,
    });
  }
  if (s.settle !== undefined) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${unified} is a perpetual; venue bitfinex records spot pairs (BASE/QUOTE)`, {
      venue: VENUE, symbol: unified, expected: `${s.base}/${s.quote}`, got: unified,
    });
  }
  return `t${pairId(venueAsset(s.base), venueAsset(s.quote))}`;
}

/**
 * `tBTCUSD` → `BTC/USD`, `tTESTBTC:TESTUSD` → `TESTBTC/TESTUSD` (Bitfinex's asset codes kept,
 * so `tBTCUST` → `BTC/UST`); undefined for ids that are not trading pairs (`fUSD`, `tBTCF0:USTF0`
 * parses, but derivatives are never planned).
 */
export function fromVenueSymbol(venueSymbol: string): string | undefined {
  if (venueSymbol.length < 7 || venueSymbol[0] !== 't') return undefined;
  const id = venueSymbol.slice(1);
  const colon = id.indexOf(':');
  if (colon < 0 && id.length !== 6) return undefined;
  const [base, quote] = colon >= 0 ? [id.slice(0, colon), id.slice(colon + 1)] : [id.slice(0, 3), id.slice(3)];
  const unified = `${base}/${quote}`;
  return parseSymbol(unified) === undefined ? undefined : unified;
}
