// Kraken WS v2 messages (wire.ts) → book snapshots/updates, trades, quotes, tickers, control. Pure:
// state is only what earlier frames taught (pair precisions, held book frames; pair-precisions.ts).
// Book numbers are written at the pair's precisions (precision.ts) so stored texts are what the
// checksum needs (PROTOCOLS.md §3). A frame that fails its guard is rejected whole.
import type { Quote, Ticker, Trade } from '../../core/events.js';
import { LevelBatch, isZeroAmount, parseDecimal } from '../../book/levels.js';
import type { DepthUpdate } from '../../book/types.js';
import type { DecodeContext, DecodeSink, FrameMeta } from '../types.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json-lossless.js';
import { PairPrecisions, lexemeBounds, type HeldBook, type Precision } from './pair-precisions.js';
import { padToPrecision } from './precision.js';
import { decimalOf, rfc3339ToUs, uintOf } from './wire.js';

type Lexemes = [string, string][];

export class KrakenV2Decoder {
  private readonly ctx: DecodeContext;
  readonly precisions = new PairPrecisions();
  private readonly batch = new LevelBatch(64);
  /** Book depth per pair, from the subscribe acks (the book is kept to it). */
  private readonly depths = new Map<string, number>();
  /** Reused for every update: the sync engine copies what it buffers. */
  private readonly update: DepthUpdate = { ts: 0, localTs: 0, firstId: -1, lastId: -1, prevId: -1, levels: this.batch };

  constructor(ctx: DecodeContext) {
    this.ctx = ctx;
  }

  decode(m: JsonObject, text: string, meta: FrameMeta, sink: DecodeSink): void {
    if (typeof m.method === 'string') {
      this.methodReply(m.method, m, text, sink);
      return;
    }
    switch (m.channel) {
      case 'book': this.book(m, text, meta, sink); return;
      case 'trade': this.trades(m, text, meta, sink); return;
      case 'ticker': this.tickers(m, text, meta, sink); return;
      case 'instrument': this.instrument(m, text, sink); return;
      case 'heartbeat': return; // once a second per connection while subscribed: nothing to record
      case undefined:
        // {"error":"Malformed request","success":false,…}: an answer to a request it could not read.
        if (typeof m.error === 'string' || m.success === false) sink.control('error', text);
        else sink.reject('v2 message without "channel" or "method"', text);
        return;
      default: sink.control('other', text); // status, ohlc, … : kept raw, not decoded
    }
  }

  /** Subscribe/unsubscribe answers: one per pair. Pongs are the transport's (spec.appPing). */
  private methodReply(method: string, m: JsonObject, text: string, sink: DecodeSink): void {
    if (method === 'pong') return;
    if (m.success === false || m.error !== undefined) sink.control('error', text);
    else if (m.success === true && (method === 'subscribe' || method === 'unsubscribe')) {
      const r = m.result as { channel?: unknown; depth?: unknown; symbol?: unknown } | undefined;
      if (method === 'subscribe' && r?.channel === 'book' && typeof r.symbol === 'string' && typeof r.depth === 'number') this.depths.set(r.symbol, r.depth);
      sink.control('ack', text);
    }
    else sink.control('other', text);
  }

  // --- book ------------------------------------------------------------------------------------

  private book(m: JsonObject, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const snapshot = m.type === 'snapshot';
    if (!snapshot && m.type !== 'update') {
      sink.reject('book message type is neither "snapshot" nor "update"', text);
      return;
    }
    const data = m.data;
    if (!Array.isArray(data) || data.length === 0) {
      sink.reject('book message without a data array', text);
      return;
    }
    // "The book object is always the first and only item"; more are decoded in order all the same.
    for (const item of data) {
      if (!isJsonObject(item) || typeof item.symbol !== 'string') {
        sink.reject('book item without a symbol', text);
        return;
      }
      this.bookItem(item, item.symbol, snapshot, text, meta, sink);
    }
  }

  private bookItem(item: JsonObject, symbol: string, snapshot: boolean, text: string, meta: FrameMeta, sink: DecodeSink): void {
    if (!this.ctx.symbols.has(symbol)) {
      sink.reject(`book for unknown symbol ${symbol}`, text);
      return;
    }
    const prec = this.precisions.get(symbol);
    if (prec !== undefined) {
      this.emitBook(item, symbol, snapshot, prec, text, meta, sink);
      return;
    }
    // No precision yet (pair-precisions.ts, rules 2 and 3).
    const lex = bookLexemes(item);
    if (lex === undefined) {
      sink.reject('book levels are not {"price":number,"qty":number}', text);
      return;
    }
    const checksum = uintOf(item.checksum);
    if (snapshot && checksum !== undefined) {
      const found = this.precisions.fromSnapshotChecksum(symbol, lex.bids, lex.asks, checksum);
      if (found !== undefined) {
        this.emitHeld(this.precisions.release(symbol), sink);
        this.emitBook(item, symbol, snapshot, found, text, meta, sink);
        return;
      }
    }
    const released = this.precisions.hold(symbol, { item, snapshot, meta, text }, lowerBound);
    if (released !== undefined) this.emitHeld(released, sink);
  }

  private emitHeld(held: readonly HeldBook[], sink: DecodeSink): void {
    for (const h of held) {
      const symbol = h.item.symbol as string;
      const prec = this.precisions.get(symbol);
      if (prec !== undefined) this.emitBook(h.item, symbol, h.snapshot, prec, h.text, h.meta, sink);
    }
  }

  private emitBook(item: JsonObject, symbol: string, snapshot: boolean, prec: Precision, text: string, meta: FrameMeta, sink: DecodeSink): void {
    let checksum: number | undefined;
    if (item.checksum !== undefined) {
      checksum = uintOf(item.checksum);
      if (checksum === undefined || checksum > 0xffffffff) {
        sink.reject('book checksum is not an unsigned 32-bit integer', text);
        return;
      }
    }
    let ts = snapshot ? 0 : meta.localTs;
    if (item.timestamp !== undefined) {
      ts = typeof item.timestamp === 'string' ? rfc3339ToUs(item.timestamp) : -1;
      if (ts < 0) {
        sink.reject('book timestamp is not RFC 3339', text);
        return;
      }
    }
    if (snapshot) {
      const bids = paddedRows(item.bids, prec);
      const asks = paddedRows(item.asks, prec);
      if (bids === undefined || asks === undefined) {
        sink.reject('book snapshot levels are not {"price":number,"qty":number}', text);
        return;
      }
      const depth = this.depths.get(symbol);
      sink.snapshot(symbol, { lastUpdateId: -1, ts, bids, asks, ...(checksum === undefined ? {} : { checksum }), ...(depth === undefined ? {} : { depth }) });
      return;
    }
    const batch = this.batch;
    batch.reset();
    if (!pushPadded(batch, 1, item.bids, prec) || !pushPadded(batch, -1, item.asks, prec)) {
      sink.reject('book update levels are not {"price":number,"qty":number}', text);
      return;
    }
    const u = this.update;
    u.ts = ts;
    u.localTs = meta.localTs;
    u.checksum = checksum;
    sink.depth(symbol, u);
  }

  // --- instrument ------------------------------------------------------------------------------

  /** Pair precisions (the authoritative source); releases book frames held for them. */
  private instrument(m: JsonObject, text: string, sink: DecodeSink): void {
    const data = m.data;
    if (!isJsonObject(data) || !Array.isArray(data.pairs)) {
      sink.reject('instrument message without data.pairs', text);
      return;
    }
    let ours = 0;
    for (const p of data.pairs) {
      if (!isJsonObject(p) || typeof p.symbol !== 'string' || !this.ctx.symbols.has(p.symbol)) continue;
      const price = uintOf(p.price_precision);
      const qty = uintOf(p.qty_precision);
      if (price === undefined || qty === undefined || price > 18 || qty > 18) {
        sink.reject(`instrument pair ${p.symbol} without integer price_precision/qty_precision`, text);
        continue;
      }
      ours++;
      this.emitHeld(this.precisions.fromInstrument(p.symbol, price, qty), sink);
    }
    sink.control('other', `instrument ${String(m.type)}: ${data.pairs.length} pairs, precisions of ${ours} recorded pairs`);
  }

  // --- trades and tickers ----------------------------------------------------------------------

  private trades(m: JsonObject, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const items = this.items(m, 'trade', text, sink);
    if (items === undefined) return;
    const out: Trade[] = [];
    for (const t of items) {
      const symbol = this.ctx.symbols.get(t.symbol as string);
      const price = decimalOf(t.price);
      const amount = decimalOf(t.qty);
      const id = uintOf(t.trade_id);
      const ts = typeof t.timestamp === 'string' ? rfc3339ToUs(t.timestamp) : -1;
      if (symbol === undefined) return sink.reject(`trade for unknown symbol ${String(t.symbol)}`, text);
      if (price === undefined || amount === undefined || id === undefined || ts < 0 || (t.side !== 'buy' && t.side !== 'sell')) {
        return sink.reject('trade failed its guard (price, qty, trade_id, side, timestamp)', text);
      }
      out.push({
        type: 'trade', venue: meta.venue, symbol, venueSymbol: t.symbol as string, ts, localTs: meta.localTs,
        // side: "the taker order direction".
        id: String(id), price, amount, side: t.side,
      });
    }
    for (const ev of out) sink.event(ev);
  }

  /** A ticker carries both the best bid/offer (→ quote) and the 24 h statistics (→ ticker). */
  private tickers(m: JsonObject, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const items = this.items(m, 'ticker', text, sink);
    if (items === undefined) return;
    const out: (Quote | Ticker)[] = [];
    for (const t of items) {
      const venueSymbol = t.symbol as string;
      const symbol = this.ctx.symbols.get(venueSymbol);
      if (symbol === undefined) return sink.reject(`ticker for unknown symbol ${venueSymbol}`, text);
      let ts = meta.localTs;
      if (t.timestamp !== undefined) {
        ts = typeof t.timestamp === 'string' ? rfc3339ToUs(t.timestamp) : -1;
        if (ts < 0) return sink.reject('ticker timestamp is not RFC 3339', text);
      }
      const bidPrice = decimalOf(t.bid);
      const bidAmount = decimalOf(t.bid_qty);
      const askPrice = decimalOf(t.ask);
      const askAmount = decimalOf(t.ask_qty);
      if (bidPrice === undefined || bidAmount === undefined || askPrice === undefined || askAmount === undefined) {
        return sink.reject('ticker without bid, bid_qty, ask, ask_qty numbers', text);
      }
      const base = { venue: meta.venue, symbol, venueSymbol, ts, localTs: meta.localTs };
      out.push({ type: 'quote', ...base, bidPrice, bidAmount, askPrice, askAmount });
      const tick: Ticker = { type: 'ticker', ...base };
      const last = decimalOf(t.last);
      const high = decimalOf(t.high);
      const low = decimalOf(t.low);
      const volume = decimalOf(t.volume);
      if (last !== undefined) tick.last = last;
      if (high !== undefined) tick.high24h = high;
      if (low !== undefined) tick.low24h = low;
      if (volume !== undefined) tick.volume24h = volume;
      out.push(tick);
    }
    for (const ev of out) sink.event(ev);
  }

  /** The data items of a trade/ticker message, each an object with a string symbol; else rejects. */
  private items(m: JsonObject, what: string, text: string, sink: DecodeSink): JsonObject[] | undefined {
    const data = m.data;
    if (!Array.isArray(data)) {
      sink.reject(`${what} message without a data array`, text);
      return undefined;
    }
    for (const x of data) {
      if (!isJsonObject(x) || typeof x.symbol !== 'string') {
        sink.reject(`${what} item without a symbol`, text);
        return undefined;
      }
    }
    return data as JsonObject[];
  }
}

/** Both sides' wire lexemes, unpadded (to hold a frame or recover its precision); undefined if malformed. */
function bookLexemes(item: JsonObject): { bids: Lexemes; asks: Lexemes } | undefined {
  const bids = lexemeRows(item.bids);
  const asks = lexemeRows(item.asks);
  return bids === undefined || asks === undefined ? undefined : { bids, asks };
}

function lexemeRows(x: JsonValue | undefined): Lexemes | undefined {
  if (!Array.isArray(x)) return undefined;
  const out: Lexemes = [];
  for (const l of x) {
    if (!isJsonObject(l)) return undefined;
    const p = decimalOf(l.price);
    const q = decimalOf(l.qty);
    if (p === undefined || q === undefined) return undefined;
    out.push([p, q]);
  }
  return out;
}

function lowerBound(item: JsonObject): [number, number] {
  const lex = bookLexemes(item);
  return lex === undefined ? [0, 0] : lexemeBounds(lex.bids, lex.asks);
}

/** A side's levels at the pair's precisions, as [price, qty] texts; undefined if malformed. */
function paddedRows(x: JsonValue | undefined, prec: Precision): [string, string][] | undefined {
  if (!Array.isArray(x)) return undefined;
  const out: [string, string][] = [];
  for (const l of x) {
    if (!isJsonObject(l)) return undefined;
    const p = padToPrecision(decimalOf(l.price) ?? '', prec.price);
    const q = padToPrecision(decimalOf(l.qty) ?? '', prec.qty);
    if (p === undefined || q === undefined) return undefined;
    out.push([p, q]);
  }
  return out;
}

/** Appends a side's levels to the batch at the pair's precisions; false if malformed. */
function pushPadded(batch: LevelBatch, side: 1 | -1, x: JsonValue | undefined, prec: Precision): boolean {
  if (!Array.isArray(x)) return false;
  for (const l of x) {
    if (!isJsonObject(l)) return false;
    const p = padToPrecision(decimalOf(l.price) ?? '', prec.price);
    const q = padToPrecision(decimalOf(l.qty) ?? '', prec.qty);
    if (p === undefined || q === undefined) return false;
    const price = parseDecimal(p);
    if (price !== price) return false;
    batch.push(side, price, p, q, isZeroAmount(q));
  }
  return true;
}
