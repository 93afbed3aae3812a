// Unified symbol ↔ OKX instId (core/symbols.ts conventions, ccxt style):
//   spot                `BTC/USDT`             ↔ `BTC-USDT`
//   perpetual swap      `BTC/USDT:USDT`        ↔ `BTC-USDT-SWAP`   (linear: settles in the quote)
//                       `BTC/USD:BTC`          ↔ `BTC-USD-SWAP`    (inverse: settles in the base)
//   dated future        `BTC/USD:BTC-220527`   ↔ `BTC-USD-220527`  (expiry YYMMDD after the settle)
// core/symbols.ts parseSymbol knows no expiry suffix, so it is split off here first.
import { MarketfeedError } from '../../core/errors.js';
import { parseSymbol } from '../../core/symbols.js';
import type { OkxInstType, OkxMarket } from './market.js';

const EXPIRY_RE = /^(.+)-(\d{6})$/;

/** The instrument type an instId names: `…-SWAP`, `…-YYMMDD`, else spot. */
export function instTypeOf(instId: string): OkxInstType {
  if (instId.endsWith('-SWAP')) return 'SWAP';
  return EXPIRY_RE.test(instId) ? 'FUTURES' : 'SPOT';
}

export function toVenueSymbol(m: OkxMarket, unified: string): string {
  const venue = m.venue;
  const dated = EXPIRY_RE.exec(unified);
  const s = parseSymbol(dated === null ? unified : dated[1]);
  if (s === undefined || (dated !== null && s.settle === undefined)) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${JSON.stringify(unified)} is not a unified symbol`, {
      venue, expected: 'BASE/QUOTE, BASE/QUOTE:SETTLE (swap) or BASE/QUOTE:SETTLE-YYMMDD (future), e.g. BTC/USDT:USDT', got: unified,
    });
  }
  if (s.settle === undefined) return `${s.base}-${s.quote}`;
  const type: OkxInstType = dated === null ? 'SWAP' : 'FUTURES';
  if (!m.instTypes.includes(type)) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${unified} is a ${type === 'SWAP' ? 'perpetual swap' : 'dated future'}; ${m.name} lists spot pairs only`, {
      venue, symbol: unified, expected: `${s.base}/${s.quote}`, got: unified,
    });
  }
  if (s.settle !== s.quote && s.settle !== s.base) {
    throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${unified} settles in ${s.settle}: OKX contracts settle in their quote (linear) or base (inverse) currency`, {
      venue, symbol: unified, expected: `${s.base}/${s.quote}:${s.quote} or ${s.base}/${s.quote}:${s.base}`, got: unified,
    });
  }
  return `${s.base}-${s.quote}-${dated === null ? 'SWAP' : dated[2]}`;
}

/**
 * The unified symbol of an instId (captures, listings); undefined for shapes we do not record
 * (options). USD-quoted contracts are OKX's coin-margined (inverse) ones; the rest are linear.
 */
export function toUnified(instId: string): string | undefined {
  const p = instId.split('-');
  if (p.length === 2) return parseSymbol(`${p[0]}/${p[1]}`) === undefined ? undefined : `${p[0]}/${p[1]}`;
  if (p.length !== 3 || (p[2] !== 'SWAP' && !/^\d{6}$/.test(p[2]))) return undefined;
  const settle = p[1] === 'USD' ? p[0] : p[1];
  const perp = `${p[0]}/${p[1]}:${settle}`;
  if (parseSymbol(perp) === undefined) return undefined;
  return p[2] === 'SWAP' ? perp : `${perp}-${p[2]}`;
}
