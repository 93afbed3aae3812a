// Symbol ids of the Kraken, OKX and Bitfinex modes: what `startSim({symbols})` accepts (unified
// `BTC/USD`, `BTC/USDT:USDT`, or the venue's own id) and the id each venue speaks on its wire:
// Kraken v2 `BTC/USD`, OKX `BTC-USDT` / `BTC-USDT-SWAP`, Bitfinex `tBTCUSD` (USDT is `UST` there).
import { parseSymbol } from '../../core/symbols.js';
import { makeInstrument, splitSymbol, type Instrument } from '../instruments.js';

export type ProtoVenue = 'kraken' | 'okx' | 'bitfinex';

export function isProtoVenue(v: string): v is ProtoVenue {
  return v === 'kraken' || v === 'okx' || v === 'bitfinex';
}

const BFX_ASSET: Record<string, string> = { USDT: 'UST' };
const BFX_ASSET_BACK: Record<string, string> = { UST: 'USDT' };

/** A venue id or unified text → unified text (`BTC/USDT:USDT`); undefined when unreadable. */
export function toUnified(text: string, venue: ProtoVenue): string | undefined {
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
  }
}

/** The instrument for one requested symbol, with the venue's id as `venueSymbol`. */
export function makeVenueInstrument(text: string, venue: ProtoVenue): Instrument {
  const unified = toUnified(text, venue);
  if (!unified) throw new Error(`sim: cannot read symbol ${JSON.stringify(text)} for ${venue} (want e.g. BTC/USD)`);
  const inst = makeInstrument(unified, venue);
  if (inst.swap && venue !== 'okx') throw new Error(`sim: ${venue} mode serves spot pairs only, not ${text}`);
  inst.venueSymbol = venueSymbolOf(inst, venue);
  return inst;
}
