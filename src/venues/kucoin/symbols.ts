// Unified symbol ↔ KuCoin id (core/symbols.ts conventions, ccxt style):
//   spot                        `BTC/USDT`       ↔ `BTC-USDT`
//   USDT/USDC-margined perp     `BTC/USDT:USDT`  ↔ `XBTUSDTM`   (linear: settles in the quote)
//   coin-margined perp          `BTC/USD:BTC`    ↔ `XBTUSDM`    (inverse: settles in the base)
// Futures ids name bitcoin XBT and end in M; dated futures (`XBTMZ25`) are out of scope.
import { MarketfeedError } from '../../core/errors.js';
import { parseSymbol } from '../../core/symbols.js';
import type { KucoinMarket } from './market.js';

const FUTURES_ID_RE = /^([A-Z0-9]+?)(USDT|USDC|USD)M$/;
const SPOT_ID_RE = /^([A-Z0-9]+)-([A-Z0-9]+)$/;

const toFuturesAsset = (asset: string): string => (asset === 'BTC' ? 'XBT' : asset);
const fromFuturesAsset = (asset: string): string => (asset === 'XBT' ? 'BTC' : asset);

export function toVenueSymbol(m: KucoinMarket, unified: string): string {
  const venue = m.venue;
  const s = parseSymbol(unified);
  if (s === undefined) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${JSON.stringify(unified)} is not a unified symbol`, {
      venue, expected: m.futures ? 'BASE/QUOTE:SETTLE, e.g. BTC/USDT:USDT' : 'BASE/QUOTE, e.g. BTC/USDT', got: unified,
    });
  }
  if (!m.futures) {
    if (s.settle !== undefined) {
      throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${unified} is a perpetual swap; KuCoin spot lists BASE/QUOTE pairs (use venue kucoin-futures for ${unified})`, {
        venue, symbol: unified, expected: `${s.base}/${s.quote}`, got: unified,
      });
    }
    return `${s.base}-${s.quote}`;
  }
  if (s.settle === undefined) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${unified} is a spot pair; KuCoin Futures lists perpetuals as ${unified}:${s.quote} (or use venue kucoin for spot)`, {
      venue, symbol: unified, expected: `${unified}:${s.quote}`, got: unified,
    });
  }
  const linear = s.settle === s.quote && (s.quote === 'USDT' || s.quote === 'USDC');
  const inverse = s.quote === 'USD' && s.settle === s.base;
  if (!linear && !inverse) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${unified}: KuCoin perpetuals are USDT/USDC-margined (${s.base}/USDT:USDT) or coin-margined (${s.base}/USD:${s.base})`, {
      venue, symbol: unified, expected: `${s.base}/USDT:USDT or ${s.base}/USD:${s.base}`, got: unified,
    });
  }
  return `${toFuturesAsset(s.base)}${s.quote}M`;
}

/** The unified symbol of a spot id (`BTC-USDT`); undefined for anything else. */
export function spotUnified(venueSymbol: string): string | undefined {
  const m = SPOT_ID_RE.exec(venueSymbol);
  if (m === null) return undefined;
  const unified = `${m[1]}/${m[2]}`;
  return parseSymbol(unified) === undefined ? undefined : unified;
}

/** The unified symbol of a perpetual id (`XBTUSDTM`, `XBTUSDM`); undefined for anything else. */
export function futuresUnified(venueSymbol: string): string | undefined {
  const m = FUTURES_ID_RE.exec(venueSymbol);
  if (m === null) return undefined;
  const base = fromFuturesAsset(m[1]);
  const quote = m[2];
  const unified = `${base}/${quote}:${quote === 'USD' ? base : quote}`;
  return parseSymbol(unified) === undefined ? undefined : unified;
}
