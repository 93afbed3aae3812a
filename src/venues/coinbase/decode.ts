// Coinbase Advanced Trade frames → normalized events (pure: no I/O, no clock; localTs comes from
// the frame). Every envelope's sequence_num is checked first, whatever its channel (sequence.ts):
//   l2_data        `snapshot` → sink.snapshot (lastUpdateId = its book id), `update` → sink.depth
//                  with the product's chain (book-rule.ts); `offer` is the ask side
//   market_trades  → trade, sorted by trade_id (a snapshot lists the recent trades newest first)
//   ticker         → quote (best bid/ask with sizes) + ticker (last, 24 h high/low/volume)
//   heartbeats     keep the socket open; counted in sequence_num like everything else
//   subscriptions  → ack;  {"type":"error"} → error
// A frame that fails its guard is rejected whole: nothing of it is emitted. An l2_data frame that
// cannot be read is a lost message for the books: their chains break as after a hole. Events of
// products not recorded here are skipped (a replay of one symbol may hold its socket's others).
import type { Quote, Ticker, Trade } from '../../core/events.js';
import { isZeroAmount, LevelBatch, parseDecimal } from '../../book/levels.js';
import type { DepthUpdate } from '../../book/types.js';
import { jsonObjectFrame } from '../json-frame.js';
import type { DecodeContext, DecodeSink, Decoder, FrameMeta } from '../types.js';
import { L2Scanner } from './scan.js';
import { ConnectionSequences, NO_CHAIN, bookId, type ConnSequence } from './sequence.js';
import {
  isEnvelope, isL2Event, isL2Update, isPlainDecimal, isTicker, isTickerEvent, isTrade, isTradesEvent, rfc3339ToUs,
  type CoinbaseEnvelope, type CoinbaseL2Event, type CoinbaseL2Update, type CoinbaseTicker, type CoinbaseTrade,
} from './wire.js';

/**
 * `market_trades.side` is the maker's side, as on Coinbase's older Exchange `match` feed: trades
 * printed at the best ask come labelled SELL (nautilus-coinbase's recorded `http_ticker.json`:
 * trade at ask 68923.67 → "SELL"), and nautilus_trader and bbgo (PR #2509) both take the opposite
 * as the aggressor. Coinbase's Advanced Trade docs do not say (PROTOCOLS-MORE.md §8 question 2), so
 * this mapping is the one unverified part of a trade row; the raw capture keeps the venue's word.
 */
export const TAKER_SIDE: Readonly<Record<string, 'buy' | 'sell'>> = { BUY: 'sell', SELL: 'buy' };

/** Decimal text, undefined for an absent or empty field, null for anything else. */
function decimalOrNone(x: string | undefined): string | undefined | null {
  if (x === undefined || x === '') return undefined;
  return isPlainDecimal(x) ? x : null;
}

/** Numeric trade ids (digits only, checked by the guard) by value: length, then digits. */
function byTradeId(a: CoinbaseTrade, b: CoinbaseTrade): number {
  const x = a.trade_id;
  const y = b.trade_id;
  return x.length !== y.length ? x.length - y.length : x < y ? -1 : x > y ? 1 : 0;
}

/** Digits only, the way every Coinbase trade id is written: ids that order by value. */
export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

export class CoinbaseDecoder implements Decoder {
  private readonly ctx: DecodeContext;
  private readonly seqs = new ConnectionSequences();
  private readonly batch = new LevelBatch(64);
  /** The update handed to sink.depth: reused (the sink consumes it before the next call). */
  private readonly update: DepthUpdate;
  /** An empty update with no chain: how a broken run reaches each book of the connection. */
  private readonly breakUpdate: DepthUpdate = { ts: 0, localTs: 0, firstId: 0, lastId: 0, prevId: NO_CHAIN, levels: new LevelBatch(1) };
  private readonly scanner = new L2Scanner();
  private readonly trades: CoinbaseTrade[] = [];
  private lastProduct = '';

  constructor(ctx: DecodeContext) {
    this.ctx = ctx;
    this.update = { ts: 0, localTs: 0, firstId: 0, lastId: 0, prevId: NO_CHAIN, levels: this.batch };
  }

  decode(text: string, meta: FrameMeta, sink: DecodeSink): void {
    // l2 frames of one event (updates, and the snapshot of the whole book) are read in one pass;
    // anything else takes JSON.parse and the wire.ts guards.
    if (this.scanner.scan(text, this.batch)) {
      const sc = this.scanner;
      // one product a socket: its id is nearly always the last one seen (no slice then)
      const last = this.lastProduct;
      const product = sc.productEnd - sc.productStart === last.length && text.startsWith(last, sc.productStart)
        ? last : (this.lastProduct = text.slice(sc.productStart, sc.productEnd));
      const st = this.seqs.of(meta.connId);
      const ts = rfc3339ToUs(text.slice(sc.tsStart, sc.tsEnd));
      this.sequence(st, sc.seq, ts, meta, sink);
      if (!this.ctx.symbols.has(product)) {
        sink.control('other', text); // another product of the socket: not ours to apply
        return;
      }
      if (ts < 0) {
        this.unreadableL2(st, sc.seq, ts, 'l2_data timestamp is not RFC 3339', text, meta, sink);
        return;
      }
      if (sc.snapshot) this.emitSnapshot(st, product, sc.seq, ts, meta, sink);
      else this.emitUpdate(st, product, sc.seq, ts, meta, sink);
      return;
    }
    const m = jsonObjectFrame(text, sink);
    if (m === undefined) return;
    if (!isEnvelope(m)) {
      if (m.type === 'error') sink.control('error', typeof m.message === 'string' ? m.message : text);
      else sink.reject('frame is not {channel, timestamp, sequence_num, events:[…]}', text);
      return;
    }
    const st = this.seqs.of(meta.connId);
    const ts = rfc3339ToUs(m.timestamp);
    this.sequence(st, m.sequence_num, ts, meta, sink);
    switch (m.channel) {
      case 'l2_data':
        this.l2(m, st, ts, text, meta, sink);
        return;
      case 'market_trades':
        this.marketTrades(m, text, meta, sink);
        return;
      case 'ticker':
        this.tickers(m, ts, text, meta, sink);
        return;
      case 'subscriptions':
        sink.control('ack', text);
        return;
      default:
        sink.control('other', text); // heartbeats, and channels we do not record
    }
  }

  /** Message `seq` arrived on the connection: a broken run breaks every book chain on it. */
  private sequence(st: ConnSequence, seq: number, ts: number, meta: FrameMeta, sink: DecodeSink): void {
    const due = ConnectionSequences.arrive(st, seq);
    if (due >= 0) this.breakChains(st, due, seq, ts, meta, sink);
  }

  /**
   * Every book anchored on the connection gets an empty update with no chain (its gap, at the
   * message that showed the break: `firstId` the sequence_num that was due, `lastId` the one that
   * came), and the anchors are dropped until each product's next snapshot.
   */
  private breakChains(st: ConnSequence, due: number, seq: number, ts: number, meta: FrameMeta, sink: DecodeSink): void {
    if (st.anchors.size === 0) return;
    const u = this.breakUpdate;
    u.ts = ts >= 0 ? ts : meta.localTs;
    u.localTs = meta.localTs;
    u.firstId = bookId(meta.connId, due);
    u.lastId = bookId(meta.connId, seq);
    const products = [...st.anchors.keys()];
    st.anchors.clear();
    for (const p of products) sink.depth(p, u);
  }

  /** An l2_data frame that cannot be read: rejected, and lost to the books like a hole. */
  private unreadableL2(st: ConnSequence, seq: number, ts: number, reason: string, text: string, meta: FrameMeta, sink: DecodeSink): void {
    sink.reject(reason, text);
    this.breakChains(st, seq, seq, ts, meta, sink);
  }

  private l2(m: CoinbaseEnvelope, st: ConnSequence, ts: number, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const seq = m.sequence_num;
    const why = ts < 0 ? 'l2_data timestamp is not RFC 3339' : this.l2Problem(m.events);
    if (why !== undefined) {
      this.unreadableL2(st, seq, ts, why, text, meta, sink);
      return;
    }
    const events = m.events as CoinbaseL2Event[]; // guarded above
    let ours = 0;
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (!this.ctx.symbols.has(e.product_id)) continue;
      ours++;
      const updates = e.updates as CoinbaseL2Update[];
      const b = this.batch;
      b.reset();
      for (let j = 0; j < updates.length; j++) {
        const l = updates[j];
        b.push(l.side === 'bid' ? 1 : -1, parseDecimal(l.price_level), l.price_level, l.new_quantity, isZeroAmount(l.new_quantity));
      }
      if (e.type === 'snapshot') this.emitSnapshot(st, e.product_id, seq, ts, meta, sink);
      else this.emitUpdate(st, e.product_id, seq, ts, meta, sink);
    }
    if (ours === 0) sink.control('other', text);
  }

  /** Why an l2_data frame's events cannot be applied, or undefined when every one can. */
  private l2Problem(events: unknown[]): string | undefined {
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (!isL2Event(e) || (e.type !== 'snapshot' && e.type !== 'update')) return 'l2_data event failed its guard';
      const updates = e.updates;
      for (let j = 0; j < updates.length; j++) {
        const l = updates[j];
        if (!isL2Update(l) || (l.side !== 'bid' && l.side !== 'offer')) return 'l2_data level failed its guard';
        if (!isPlainDecimal(l.price_level) || !isPlainDecimal(l.new_quantity)) return 'l2_data level with a non-decimal price or quantity';
      }
    }
    return undefined;
  }

  /** The whole book in `this.batch`: it replaces the product's book and anchors its chain here. */
  private emitSnapshot(st: ConnSequence, product: string, seq: number, ts: number, meta: FrameMeta, sink: DecodeSink): void {
    const b = this.batch;
    const bids: [string, string][] = [];
    const asks: [string, string][] = [];
    for (let i = 0; i < b.length; i++) (b.sideAt(i) === 1 ? bids : asks).push([b.priceTextAt(i), b.amountTextAt(i)]);
    st.anchors.set(product, seq);
    sink.snapshot(product, { lastUpdateId: bookId(meta.connId, seq), ts, bids, asks });
  }

  /** The update in `this.batch` for `product`, chained to its anchor when the run is unbroken. */
  private emitUpdate(st: ConnSequence, product: string, seq: number, ts: number, meta: FrameMeta, sink: DecodeSink): void {
    const up = this.update;
    const anchor = st.anchors.get(product);
    up.ts = ts;
    up.localTs = meta.localTs;
    up.lastId = bookId(meta.connId, seq);
    if (anchor === undefined) {
      up.prevId = NO_CHAIN;
      up.firstId = up.lastId;
    } else {
      up.prevId = bookId(meta.connId, anchor);
      up.firstId = up.prevId + 1;
      st.anchors.set(product, seq);
    }
    sink.depth(product, up);
  }

  private marketTrades(m: CoinbaseEnvelope, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const all = this.trades;
    all.length = 0;
    const events = m.events;
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (!isTradesEvent(e)) {
        sink.reject('market_trades event failed its guard', text);
        return;
      }
      for (let j = 0; j < e.trades.length; j++) {
        const t = e.trades[j];
        if (!isTrade(t) || !isPlainDecimal(t.price) || !isPlainDecimal(t.size) || rfc3339ToUs(t.time) < 0 || !isDigits(t.trade_id)) {
          sink.reject('trade failed its guard', text);
          return;
        }
        if (!this.ctx.symbols.has(t.product_id)) {
          sink.reject(`trade for unknown product ${t.product_id}`, text);
          return;
        }
        all.push(t);
      }
    }
    // a snapshot lists trades newest first, an update too when it holds several
    if (all.length > 1) all.sort(byTradeId);
    for (let i = 0; i < all.length; i++) {
      const t = all[i];
      const ev: Trade = {
        type: 'trade', venue: meta.venue, symbol: this.ctx.symbols.get(t.product_id) as string, venueSymbol: t.product_id,
        ts: rfc3339ToUs(t.time), localTs: meta.localTs, id: t.trade_id, price: t.price, amount: t.size,
        side: TAKER_SIDE[t.side] ?? 'unknown',
      };
      sink.event(ev);
    }
    all.length = 0;
  }

  private tickers(m: CoinbaseEnvelope, ts: number, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const events = m.events;
    const out: { t: CoinbaseTicker; f: TickerFields }[] = [];
    if (ts < 0) {
      sink.reject('ticker timestamp is not RFC 3339', text);
      return;
    }
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (!isTickerEvent(e)) {
        sink.reject('ticker event failed its guard', text);
        return;
      }
      for (let j = 0; j < e.tickers.length; j++) {
        const t = e.tickers[j];
        const f = isTicker(t) ? tickerFields(t) : undefined;
        if (f === undefined) {
          sink.reject('ticker failed its guard', text);
          return;
        }
        if (!this.ctx.symbols.has((t as CoinbaseTicker).product_id)) {
          sink.reject(`ticker for unknown product ${(t as CoinbaseTicker).product_id}`, text);
          return;
        }
        out.push({ t: t as CoinbaseTicker, f });
      }
    }
    for (const { t, f } of out) {
      const base = { venue: meta.venue, symbol: this.ctx.symbols.get(t.product_id) as string, venueSymbol: t.product_id, ts, localTs: meta.localTs };
      if (f.best_bid !== undefined && f.best_bid_quantity !== undefined && f.best_ask !== undefined && f.best_ask_quantity !== undefined) {
        const q: Quote = { type: 'quote', ...base, bidPrice: f.best_bid, bidAmount: f.best_bid_quantity, askPrice: f.best_ask, askAmount: f.best_ask_quantity };
        sink.event(q);
      }
      const ev: Ticker = { type: 'ticker', ...base };
      if (f.price !== undefined) ev.last = f.price;
      if (f.high_24_h !== undefined) ev.high24h = f.high_24_h;
      if (f.low_24_h !== undefined) ev.low24h = f.low_24_h;
      if (f.volume_24_h !== undefined) ev.volume24h = f.volume_24_h;
      sink.event(ev);
    }
  }
}

const TICKER_KEYS = ['price', 'volume_24_h', 'low_24_h', 'high_24_h', 'best_bid', 'best_ask', 'best_bid_quantity', 'best_ask_quantity'] as const;
type TickerFields = { [K in (typeof TICKER_KEYS)[number]]?: string };

/** The ticker's decimal fields ("" → absent); undefined when one holds something else. */
function tickerFields(t: CoinbaseTicker): TickerFields | undefined {
  const out: TickerFields = {};
  for (const k of TICKER_KEYS) {
    const v = decimalOrNone(t[k]);
    if (v === null) return undefined;
    if (v !== undefined) out[k] = v;
  }
  return out;
}

export function createDecoder(ctx: DecodeContext): Decoder {
  return new CoinbaseDecoder(ctx);
}
