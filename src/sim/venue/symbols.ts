// Symbol ids of the Kraken, OKX and Bitfinex modes: what `startSim({symbols})` accepts (unified
// `BTC/USD`, `BTC/USDT:USDT`, or the venue's own id) and the id each venue speaks on its wire:
// Kraken v2 `BTC/USD`, OKX `BTC-USDT` / `BTC-USDT-SWAP`, Bitfinex `tBTCUSD` (USDT is `UST` there).
import { parseSymbol } from '../../core/symbols.js';
import { makeInstrument, splitSymbol, type Instrument } from '../instruments.js';

export type ProtoVenue = 'kraken' | 'okx' | 'bitfinex' | 'bingx' | 'bingx-swap' | 'mexc' | 'mexc-futures' | 'bybit' | 'bybit-linear' | 'coinbase' | 'kucoin' | 'kucoin-futures';

export function isProtoVenue(v: string): v is ProtoVenue {
  return v === 'kraken' || v === 'okx' || v === 'bitfinex' || v === 'bingx' || v === 'bingx-swap' || v === 'mexc' || v === 'mexc-futures' || v === 'bybit' || v === 'bybit-linear' || v === 'coinbase' || v === 'kucoin' || v === 'kucoin-futures';
}

const BFX_ASSET: Record<string, string> = { USDT: 'UST' };
const BFX_ASSET_BACK: Record<string, string> = { UST: 'USDT' };

/** A venue id or unified text → unified text (`BTC/USDT:USDT`); undefined when unreadable. */
export function toUnified(text: string, venue: ProtoVenue): string | undefined {
  // Coinbase product ids: `BTC-USD`
  if (venue === 'coinbase' && /^[A-Z0-9]+-[A-Z0-9]+$/.test(text)) return text.replace('-', '/');
  if (venue === 'bingx' || venue === 'bingx-swap') {
    // BingX writes both markets `BTC-USDT`; the bingx-swap mode serves USDT-M perpetuals only.
    const p = parseSymbol(/^[A-Z0-9]+-[A-Z0-9]+$/.test(text) ? text.replace('-', '/') : text);
    if (p) return venue === 'bingx-swap' ? `${p.base}/${p.quote}:${p.quote}` : p.settle === undefined ? `${p.base}/${p.quote}` : text;
  }
  if (venue === 'mexc-futures') {
    // MEXC contracts are `BTC_USDT`; the mexc-futures mode serves USDT perpetuals only.
    const p = parseSymbol(/^[A-Z0-9]+_[A-Z0-9]+$/.test(text) ? text.replace('_', '/') : text);
    if (p) return `${p.base}/${p.quote}:${p.quote}`;
  }
  if (venue === 'kucoin' && /^[A-Z0-9]+-[A-Z0-9]+$/.test(text)) return text.replace('-', '/');
  if (venue === 'kucoin-futures') {
    // KuCoin perpetuals are `XBTUSDTM` (bitcoin is XBT); the mode serves USDT/USDC-margined ones.
    const m = /^([A-Z0-9]+?)(USDT|USDC)M$/.exec(text);
    const p = m === null ? parseSymbol(text) ?? splitSymbol(text) : { base: m[1] === 'XBT' ? 'BTC' : m[1], quote: m[2] };
    if (p) return `${p.base}/${p.quote}:${p.quote}`;
  }
  if (venue === 'bybit-linear') {
    // Bybit writes both markets `BTCUSDT`; the bybit-linear mode serves USDT perpetuals only.
    const p = parseSymbol(text) ?? splitSymbol(text);
    if (p) return `${p.base}/${p.quote}:${p.quote}`;
  }
  if (parseSymbol(text)) {
    // Kraken's v1 / REST name for bitcoin.
    return venue === 'kraken' ? text.replace(/^XBT\//, 'BTC/') : text;
  }
  if (venue === 'okx') {
    const m = /^([A-Z0-9]+)-([A-Z0-9]+)(-SWAP)?$/.exec(text);
    if (m) return m[3] ? `${m[1]}/${m[2]}:${m[2]}` : `${m[1]}/${m[2]}`;
  }
  if (venue === 'bitfinex') {
    const m = /^t?([A-Z0-9]+):([A-Z0-9]+)$/.exec(text) ?? /^t([A-Z0-9]{3})([A-Z0-9]{3})$/.exec(text);
    if (m) return `${BFX_ASSET_BACK[m[1]] ?? m[1]}/${BFX_ASSET_BACK[m[2]] ?? m[2]}`;
  }
  const parts = splitSymbol(text);
  return parts ? `${parts.base}/${parts.quote}` : undefined;
}

/** Bitfinex pair without the `t` (`BTCUSD`, `TESTBTC:TESTUSD`), as in conf lists and `pair` fields. */
export function bitfinexPair(base: string, quote: string): string {
  const b = BFX_ASSET[base] ?? base;
  const q = BFX_ASSET[quote] ?? quote;
  return b.length === 3 && q.length === 3 ? b + q : `${b}:${q}`;
}

export function venueSymbolOf(inst: Instrument, venue: ProtoVenue): string {
  switch (venue) {
    case 'kraken':
      return `${inst.base}/${inst.quote}`;
    case 'okx':
      return inst.swap ? `${inst.base}-${inst.quote}-SWAP` : `${inst.base}-${inst.quote}`;
    case 'bitfinex':
      return 't' + bitfinexPair(inst.base, inst.quote);
    case 'bingx':
    case 'bingx-swap':
    case 'coinbase':
      return `${inst.base}-${inst.quote}`;
    case 'mexc':
      return inst.base + inst.quote;
    case 'mexc-futures':
      return `${inst.base}_${inst.quote}`;
    case 'bybit':
    case 'bybit-linear':
      return inst.base + inst.quote;
    case 'kucoin':
      return `${inst.base}-${inst.quote}`;
    case 'kucoin-futures':
      return `${inst.base === 'BTC' ? 'XBT' : inst.base}${inst.quote}M`;
  }
}

/** The instrument for one requested symbol, with the venue's id as `venueSymbol`. */
export function makeVenueInstrument(text: string, venue: ProtoVenue): Instrument {
  const unified = toUnified(text, venue);
  if (!unified) throw new Error(`sim: cannot read symbol ${JSON.stringify(text)} for ${venue} (want e.g. BTC/USD)`);
  const inst = makeInstrument(unified, venue);
  if (inst.swap && venue !== 'okx' && venue !== 'bingx-swap' && venue !== 'mexc-futures' && venue !== 'bybit-linear' && venue !== 'kucoin-futures') throw new Error(`sim: ${venue} mode serves spot pairs only, not ${text}`);
  inst.venueSymbol = venueSymbolOf(inst, venue);
  return inst;
}
