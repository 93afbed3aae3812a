// What the simulator lists: one Instrument per symbol, with the tick and lot grid the venue
// would publish in exchangeInfo. Prices live on the model side as integer ticks and sizes as
// integer lots; only the wire formatters turn them into the venue's fixed-decimal text.
import { parseSymbol } from '../core/symbols.js';
import { hash32 } from './rng.js';

export type SimVenue = 'binance' | 'binance-futures' | 'kraken' | 'okx' | 'bitfinex' | 'bingx' | 'bingx-swap' | 'mexc' | 'mexc-futures' | 'bybit' | 'bybit-linear' | 'coinbase' | 'kucoin' | 'kucoin-futures';

export interface Instrument {
  venueSymbol: string;
  /** Lowercase id used in stream names (`btcusdt`). */
  streamId: string;
  base: string;
  quote: string;
  /** Start price in ticks. */
  startTicks: number;
  /** Decimals printed for prices / quantities (spot always prints 8; futures the precision). */
  priceDecimals: number;
  qtyDecimals: number;
  /** One tick / one lot expressed in units of the last printed decimal. */
  tickUnits: number;
  stepUnits: number;
  /** Typical order size range, in lots. */
  minLots: number;
  maxLots: number;
  /** A perpetual swap (`BTC/USDT:USDT`, OKX `BTC-USDT-SWAP`); false for spot. */
  swap: boolean;
  /** Settlement asset of a swap ('' for spot). */
  settle: string;
}

// Longest first, so `FDUSD` wins over `USD`.
const QUOTES = ['FDUSD', 'USDT', 'USDC', 'BUSD', 'TUSD', 'BTC', 'ETH', 'BNB', 'EUR', 'TRY', 'BRL', 'USD'];

/** `BTC/USDT`, `BTC/USDT:USDT` or `BTCUSDT` → base/quote; undefined when it cannot be split. */
export function splitSymbol(text: string): { base: string; quote: string } | undefined {
  const unified = parseSymbol(text);
  if (unified) return { base: unified.base, quote: unified.quote };
  const id = text.toUpperCase();
  if (!/^[A-Z0-9]{2,30}$/.test(id)) return undefined;
  for (const q of QUOTES) {
    if (id.length > q.length && id.endsWith(q)) return { base: id.slice(0, -q.length), quote: q };
  }
  return undefined;
}

interface Grid {
  price: number;
  tickDec: number;
  stepDec: number;
  maxLots: number;
}

function gridFor(base: string, venue: SimVenue, swap: boolean): Grid {
  const futures = venue === 'binance-futures';
  if (venue === 'bybit' || venue === 'bybit-linear') return bybitGrid(base, venue === 'bybit-linear');
  if (venue === 'bingx' || venue === 'bingx-swap') return bingxGrid(base, swap);
  if (venue === 'coinbase') return coinbaseGrid(base);
  if (venue === 'kucoin' || venue === 'kucoin-futures') return kucoinGrid(base, venue === 'kucoin-futures');
  if (venue === 'mexc-futures') return mexcContractGrid(base);
  if (venue === 'kraken' || venue === 'okx' || venue === 'bitfinex') return otherGrid(base, venue, swap);
  if (base === 'BTC') return { price: 60000, tickDec: futures ? 1 : 2, stepDec: futures ? 3 : 5, maxLots: futures ? 5000 : 200_000 };
  if (base === 'ETH') return { price: 3000, tickDec: 2, stepDec: futures ? 3 : 4, maxLots: futures ? 50_000 : 100_000 };
  return hashedGrid(base);
}

/** Anything else: a price between 0.5 and 500 picked from the name, ~4 significant tick digits. */
function hashedGrid(base: string): Grid {
  const h = hash32(base);
  const price = 0.5 * Math.pow(1000, (h % 10_000) / 10_000);
  const mag = Math.floor(Math.log10(price));
  const tickDec = Math.min(8, Math.max(0, 4 - mag));
  const stepDec = Math.min(8, Math.max(0, mag + 2));
  return { price, tickDec, stepDec, maxLots: 100_000 };
}

/**
 * Kraken (BTC/USD price_precision 1), OKX (BTC-USDT tickSz 0.1; swaps sized in 0.01 contracts) and
 * Bitfinex (5 significant digits, so BTC at 60000 ticks in whole dollars).
 */
function otherGrid(base: string, venue: 'kraken' | 'okx' | 'bitfinex', swap: boolean): Grid {
  const g: Grid = base === 'BTC' ? { price: 60000, tickDec: 1, stepDec: 5, maxLots: 200_000 }
    : base === 'ETH' ? { price: 3000, tickDec: 2, stepDec: 4, maxLots: 100_000 } : hashedGrid(base);
  if (venue === 'bitfinex') g.tickDec = Math.max(0, 4 - Math.floor(Math.log10(g.price)));
  if (venue === 'okx' && swap) {
    g.stepDec = 2;
    g.maxLots = 50_000;
  }
  return g;
}

/** BingX as recorded in 2026 (bingx.json): spot BTC-USDT prices 0.01, sizes 0.000001; swap 0.1 and 0.0001. */
function bingxGrid(base: string, swap: boolean): Grid {
  if (base === 'BTC') return swap ? { price: 60000, tickDec: 1, stepDec: 4, maxLots: 50_000 } : { price: 60000, tickDec: 2, stepDec: 6, maxLots: 500_000 };
  if (base === 'ETH') return swap ? { price: 3000, tickDec: 2, stepDec: 2, maxLots: 5_000 } : { price: 3000, tickDec: 2, stepDec: 4, maxLots: 100_000 };
  return hashedGrid(base);
}

/** MEXC contracts: BTC_USDT priceUnit 0.1, sizes in whole contracts (volUnit 1). */
function mexcContractGrid(base: string): Grid {
  const g = base === 'BTC' ? { price: 60000, tickDec: 1, stepDec: 0, maxLots: 50_000 } : base === 'ETH' ? { price: 3000, tickDec: 2, stepDec: 0, maxLots: 50_000 } : hashedGrid(base);
  g.stepDec = 0;
  return g;
}

/** Bybit as recorded in 2026 (bybit-v5.json): spot BTCUSDT prices 0.1, sizes 0.000001; linear 0.1 (two decimals printed) and 0.001. */
function bybitGrid(base: string, linear: boolean): Grid {
  if (base === 'BTC') return linear ? { price: 60000, tickDec: 1, stepDec: 3, maxLots: 5_000 } : { price: 60000, tickDec: 1, stepDec: 6, maxLots: 500_000 };
  if (base === 'ETH') return linear ? { price: 3000, tickDec: 2, stepDec: 2, maxLots: 5_000 } : { price: 3000, tickDec: 2, stepDec: 5, maxLots: 200_000 };
  return hashedGrid(base);
}

/** Coinbase (BTC-USD, ETH-USD): prices in cents, sizes in 1e-8 (quote_increment 0.01, base_increment 0.00000001). */
function coinbaseGrid(base: string): Grid {
  if (base === 'BTC') return { price: 60000, tickDec: 2, stepDec: 8, maxLots: 10_000_000 };
  if (base === 'ETH') return { price: 3000, tickDec: 2, stepDec: 8, maxLots: 20_000_000 };
  return hashedGrid(base);
}

/**
 * KuCoin as recorded in 2026 (kucoin.json): spot BTC-USDT prices 0.1, sizes 0.00000001; futures
 * XBTUSDTM prices 0.1 and sizes in whole contracts (lotSize 1).
 */
function kucoinGrid(base: string, futures: boolean): Grid {
  const g = base === 'BTC' ? { price: 60000, tickDec: 1, stepDec: 8, maxLots: 50_000_000 }
    : base === 'ETH' ? { price: 3000, tickDec: 2, stepDec: 7, maxLots: 50_000_000 } : hashedGrid(base);
  if (futures) {
    g.stepDec = 0;
    g.maxLots = 5_000;
  }
  return g;
}

export function makeInstrument(symbol: string, venue: SimVenue): Instrument {
  const parts = splitSymbol(symbol);
  if (!parts) throw new Error(`sim: cannot read symbol ${JSON.stringify(symbol)} (want BTCUSDT or BTC/USDT)`);
  const settle = parseSymbol(symbol)?.settle ?? '';
  const swap = settle !== '';
  const venueSymbol = parts.base + parts.quote;
  const g = gridFor(parts.base, venue, swap);
  // Binance spot prints 8 decimals; Kraken v2 prints qty_precision 8 whatever the lot grid.
  const priceDecimals = venue === 'binance' ? 8 : venue === 'binance-futures' || venue === 'bybit-linear' ? Math.max(2, g.tickDec) : g.tickDec;
  const qtyDecimals = venue === 'binance' || venue === 'kraken' || venue === 'bitfinex' || venue === 'mexc' ? 8 : g.stepDec;
  return {
    venueSymbol,
    streamId: venueSymbol.toLowerCase(),
    base: parts.base,
    quote: parts.quote,
    startTicks: Math.round(g.price * 10 ** g.tickDec),
    priceDecimals,
    qtyDecimals,
    tickUnits: 10 ** (priceDecimals - g.tickDec),
    stepUnits: 10 ** (qtyDecimals - g.stepDec),
    minLots: 1,
    maxLots: g.maxLots,
    swap,
    settle,
  };
}

/** Fixed-decimal text of a non-negative integer count of 10^-decimals units ("6000001000000", 8 → "60000.01000000"). */
export function formatUnits(units: number | bigint, decimals: number): string {
  const s = units.toString();
  if (decimals === 0) return s;
  const padded = s.length > decimals ? s : '0'.repeat(decimals + 1 - s.length) + s;
  return padded.slice(0, padded.length - decimals) + '.' + padded.slice(padded.length - decimals);
}

/** "60000.10" → "60000.1", "60000.00" → "60000"; integers stay as they are. */
export function trimZeros(s: string): string {
  if (s.indexOf('.') < 0) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  return s.slice(0, end);
}

export type NumberStyle = 'fixed' | 'trim' | 'js';

/** Formats prices and sizes of one instrument, caching price text (the same few hundred ticks recur). */
export class Formatter {
  private readonly priceCache = new Map<number, string>();

  /**
   * `fixed`: the instrument's decimals ("60000.0", "0.10000000"); `trim`: trailing zeros dropped, as
   * OKX prints "60000" and "0.5"; `js`: JavaScript number text, as Bitfinex prints 1.5e-7.
   */
  constructor(readonly inst: Instrument, readonly style: NumberStyle = 'fixed') {}

  price(ticks: number): string {
    let s = this.priceCache.get(ticks);
    if (s === undefined) {
      if (this.priceCache.size > 50_000) this.priceCache.clear();
      s = formatUnits(ticks * this.inst.tickUnits, this.inst.priceDecimals);
      if (this.style !== 'fixed') s = this.style === 'trim' ? trimZeros(s) : String(Number(s));
      this.priceCache.set(ticks, s);
    }
    return s;
  }

  qty(lots: number): string {
    const s = formatUnits(lots * this.inst.stepUnits, this.inst.qtyDecimals);
    return this.style === 'fixed' ? s : this.style === 'trim' ? trimZeros(s) : String(Number(s));
  }

  /** Exact price × qty, printed with `decimals` (truncating only zeros when the grids allow it). */
  notional(ticks: number, lots: number, decimals: number): string {
    return this.notionalSum(BigInt(ticks) * BigInt(lots), decimals);
  }

  /** A sum of ticks × lots products (kline quote volumes) as exact text. */
  notionalSum(ticksTimesLots: bigint, decimals: number): string {
    const units = ticksTimesLots * BigInt(this.inst.tickUnits) * BigInt(this.inst.stepUnits);
    const full = formatUnits(units, this.inst.priceDecimals + this.inst.qtyDecimals);
    const drop = this.inst.priceDecimals + this.inst.qtyDecimals - decimals;
    return drop > 0 ? full.slice(0, full.length - drop).replace(/\.$/, '') : full;
  }

  tickSize(): string {
    return formatUnits(this.inst.tickUnits, this.inst.priceDecimals);
  }

  stepSize(): string {
    return formatUnits(this.inst.stepUnits, this.inst.qtyDecimals);
  }
}
