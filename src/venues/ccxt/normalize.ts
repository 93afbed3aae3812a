// ccxt's unified structures (trade, ticker, bid/ask, order book side) → our events. Pure: the
// engine decides when; these decide what. Times: ccxt's milliseconds → epoch µs, falling back to
// the frame's receive time when the venue sent none.
import type { Level, MarketEvent, Quote, Side, Ticker, Trade } from '../../core/events.js';
import { decimalText, KEYS, numberText } from './text.js';

/** Where an event comes from: venue id, unified symbol, venue symbol, receive time. */
export interface Origin {
  venue: string;
  symbol: string;
  venueSymbol: string;
  localTs: number;
}

/** ccxt ms → µs (integer, non-negative); `fallback` when absent. */
export function microseconds(ms: unknown, fallback: number): number {
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? Math.round(ms * 1000) : fallback;
}

interface CcxtTradeLike { id?: unknown; price?: unknown; amount?: unknown; side?: unknown; timestamp?: unknown; info?: unknown }

/** A ccxt trade as our Trade; undefined when it has no usable price or amount. */
export function tradeEvent(t: CcxtTradeLike, o: Origin): Trade | undefined {
  const price = decimalText(t.price, t.info, KEYS.price);
  const amount = decimalText(t.amount, t.info, KEYS.amount);
  if (price === undefined || amount === undefined) return undefined;
  const side: Side = t.side === 'buy' || t.side === 'sell' ? t.side : 'unknown';
  return {
    type: 'trade', venue: o.venue, symbol: o.symbol, venueSymbol: o.venueSymbol,
    ts: microseconds(t.timestamp, o.localTs), localTs: o.localTs,
    id: t.id === undefined || t.id === null ? '' : String(t.id), price, amount, side,
  };
}

interface CcxtTickerLike {
  timestamp?: unknown; last?: unknown; open?: unknown; high?: unknown; low?: unknown;
  baseVolume?: unknown; quoteVolume?: unknown; info?: unknown;
  bid?: unknown; bidVolume?: unknown; ask?: unknown; askVolume?: unknown;
}

/** A ccxt ticker as our Ticker (fields the venue did not send are left out). */
export function tickerEvent(t: CcxtTickerLike, o: Origin): Ticker {
  const ev: Ticker = {
    type: 'ticker', venue: o.venue, symbol: o.symbol, venueSymbol: o.venueSymbol,
    ts: microseconds(t.timestamp, o.localTs), localTs: o.localTs,
  };
  const put = (key: 'last' | 'open24h' | 'high24h' | 'low24h' | 'volume24h' | 'quoteVolume24h', n: unknown, keys: readonly string[]): void => {
    const text = decimalText(n, t.info, keys);
    if (text !== undefined) ev[key] = text;
  };
  put('last', t.last, KEYS.last);
  put('open24h', t.open, KEYS.open);
  put('high24h', t.high, KEYS.high);
  put('low24h', t.low, KEYS.low);
  put('volume24h', t.baseVolume, KEYS.baseVolume);
  put('quoteVolume24h', t.quoteVolume, KEYS.quoteVolume);
  return ev;
}

/** Best bid/ask with sizes (a ccxt bidask or ticker); undefined unless all four are numbers. */
export function quoteEvent(q: CcxtTickerLike, o: Origin): Quote | undefined {
  const bidPrice = decimalText(q.bid, q.info, KEYS.bid);
  const bidAmount = decimalText(q.bidVolume, q.info, KEYS.bidSize);
  const askPrice = decimalText(q.ask, q.info, KEYS.ask);
  const askAmount = decimalText(q.askVolume, q.info, KEYS.askSize);
  if (bidPrice === undefined || bidAmount === undefined || askPrice === undefined || askAmount === undefined) return undefined;
  const ev: Quote = {
    type: 'quote', venue: o.venue, symbol: o.symbol, venueSymbol: o.venueSymbol,
    ts: microseconds(q.timestamp, o.localTs), localTs: o.localTs, bidPrice, bidAmount, askPrice, askAmount,
  };
  const u = q.info !== null && typeof q.info === 'object' ? (q.info as Record<string, unknown>).u : undefined;
  if (typeof u === 'number' && Number.isSafeInteger(u)) ev.updateId = u;
  return ev;
}

/** The best `depth` levels of a ccxt book side ([price, amount, …] numbers, best first) as text. */
export function topLevels(side: unknown, depth: number): Level[] {
  const out: Level[] = [];
  if (!Array.isArray(side)) return out;
  const n = Math.min(depth, side.length);
  for (let i = 0; i < n; i++) {
    const level = side[i] as unknown[];
    const price = level[0], amount = level[1];
    if (typeof price !== 'number' || typeof amount !== 'number' || !Number.isFinite(price) || !Number.isFinite(amount)) break;
    out.push([numberText(price), numberText(amount)]);
  }
  return out;
}

/** A book_snapshot row of a ccxt book. `updateId` -1: the book carries no sequence id. */
export function bookEvent(bids: Level[], asks: Level[], depth: number, updateId: number, ts: number, o: Origin): MarketEvent {
  return {
    type: 'book_snapshot', venue: o.venue, symbol: o.symbol, venueSymbol: o.venueSymbol, ts, localTs: o.localTs,
    depth, updateId, bids, asks,
  };
}
