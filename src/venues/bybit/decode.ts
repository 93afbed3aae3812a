// Bybit v5 frames → normalized events (pure: no I/O, no clock; localTs comes from the frame).
// Frames are routed by `topic`, never by "ack first" (a kline frame was recorded before its ack).
//   orderbook.{50,200,1000}.S  type snapshot → sink.snapshot (lastUpdateId = u, depth from the topic)
//                              type delta    → sink.depth (u chain + seq cross check, book-rule.ts)
//   orderbook.1.S              snapshot-only top of book → quote; a re-push of the same u (3 s idle)
//                              is a keepalive, not a new quote
//   publicTrade.S → trade; tickers.S → ticker (+ derivative on linear: mark, index, funding, OI)
//   allLiquidation.S → liquidation; {"op":…} answers → ack / error / other
// A frame that fails its guard is rejected whole: nothing of it is emitted.
import type { Derivative, Liquidation, Quote, Ticker, Trade } from '../../core/events.js';
import { isDecimalText, isZeroAmount, LevelBatch, parseDecimal } from '../../book/levels.js';
import type { BookSnapshotInput } from '../../book/types.js';
import { jsonObjectFrame, type JsonObject } from '../json-frame.js';
import type { DecodeContext, DecodeSink, Decoder, FrameMeta } from '../types.js';
import { NO_ID, type BybitDepthUpdate } from './book-rule.js';
import { BookScanner } from './depth-scan.js';
import type { BybitMarket } from './market.js';
import { MergedTicker } from './ticker.js';
import {
  isBybitBookData, isBybitLiquidation, isBybitPush, isBybitTicker, isBybitTrade, type BybitPush, type BybitTrade,
} from './wire.js';

const DEPTH_RE = /^\d{1,4}$/;
const BOOK_HEAD = '{"topic":"orderbook.';

/** The last book message of a symbol seen on one socket: the seq a delta is checked against. */
interface SeqMark {
  connId: number;
  seq: number;
}

/** The last RECENT_IDS ids added (a ring with a set over it). */
const RECENT_IDS = 256;
class RecentIds {
  private readonly ring: string[] = [];
  private readonly set = new Set<string>();
  private at = 0;

  /** False when `id` is among the recent ones; else remembers it. */
  add(id: string): boolean {
    if (this.set.has(id)) return false;
    if (this.ring.length < RECENT_IDS) this.ring.push(id);
    else {
      this.set.delete(this.ring[this.at]);
      this.ring[this.at] = id;
      this.at = (this.at + 1) % RECENT_IDS;
    }
    this.set.add(id);
    return true;
  }
}

const sideOf = (s: string): 'buy' | 'sell' | 'unknown' => (s === 'Buy' ? 'buy' : s === 'Sell' ? 'sell' : 'unknown');

export class BybitDecoder implements Decoder {
  private readonly batch = new LevelBatch(64);
  /** The update handed to sink.depth: reused (the sink consumes it before the next decode). */
  private readonly update: BybitDepthUpdate;
  private readonly bookSeq = new Map<string, SeqMark>();
  /** u of the last depth-1 message per symbol (its re-push after 3 s idle repeats it). */
  private readonly topU = new Map<string, number>();
  private readonly tickers = new Map<string, MergedTicker>();
  private readonly scanner = new BookScanner();
  /** The last book symbol the scanner saw: most frames repeat it, so no slice is needed. */
  private lastSym = '';
  /** Recent trade messages per symbol, by their last trade's id: a rotation's second socket repeats them. */
  private readonly recentTrades = new Map<string, RecentIds>();

  constructor(
    private readonly m: BybitMarket,
    private readonly ctx: DecodeContext,
  ) {
    this.update = { ts: 0, localTs: 0, firstId: 0, lastId: 0, prevId: NO_ID, levels: this.batch, checksum: undefined, seq: 0, prevSeq: NO_ID };
  }

  decode(text: string, meta: FrameMeta, sink: DecodeSink): void {
    if (text.startsWith(BOOK_HEAD) && this.scanner.scan(text, this.batch)) {
      this.scanned(text, meta, sink);
      return;
    }
    const m = jsonObjectFrame(text, sink);
    if (m === undefined) return;
    if (m.topic === undefined) {
      this.op(m, text, sink);
      return;
    }
    if (!isBybitPush(m)) {
      sink.reject('push without {topic, ts, data}', text);
      return;
    }
    const topic = m.topic;
    const first = topic.indexOf('.');
    const last = topic.lastIndexOf('.');
    const family = first < 0 ? topic : topic.slice(0, first);
    const sym = topic.slice(last + 1);
    switch (family) {
      case 'orderbook': {
        const depth = topic.slice(first + 1, last);
        if (!DEPTH_RE.test(depth)) sink.control('other', text); // orderbook.rpi / orderbook.full: not recorded
        else if (this.known(sym, topic, text, sink)) this.book(m, sym, Number(depth), text, meta, sink);
        return;
      }
      case 'publicTrade':
        if (this.known(sym, topic, text, sink)) this.trades(m, sym, text, meta, sink);
        return;
      case 'tickers':
        if (this.known(sym, topic, text, sink)) this.ticker(m, sym, text, meta, sink);
        return;
      case 'allLiquidation':
        if (this.known(sym, topic, text, sink)) this.liquidations(m, sym, text, meta, sink);
        return;
      default:
        sink.control('other', text); // kline.* and other topics we do not record
    }
  }

  /** Answers to ops: subscribe / unsubscribe acks, pongs, and failures ({"success":false,"ret_msg":…}). */
  private op(m: JsonObject, text: string, sink: DecodeSink): void {
    if (typeof m.op !== 'string') {
      sink.reject('frame with neither topic nor op', text);
      return;
    }
    if (m.success === false) sink.control('error', `${m.op}: ${String(m.ret_msg)}`);
    else if (m.op === 'subscribe' || m.op === 'unsubscribe') sink.control('ack', text);
    else sink.control('other', text); // pong, auth …
  }

  /** True for a symbol being recorded; else the frame is rejected. */
  private known(sym: string, topic: string, text: string, sink: DecodeSink): boolean {
    if (this.ctx.symbols.has(sym)) return true;
    sink.reject(`${topic}: unknown symbol ${sym}`, text);
    return false;
  }

  /** A book frame the scanner read whole (levels already in the batch). */
  private scanned(text: string, meta: FrameMeta, sink: DecodeSink): void {
    const r = this.scanner;
    let sym = this.lastSym;
    if (sym.length !== r.symbolEnd - r.symbolStart || !text.startsWith(sym, r.symbolStart)) this.lastSym = sym = text.slice(r.symbolStart, r.symbolEnd);
    if (!this.ctx.symbols.has(sym)) {
      sink.reject(`orderbook.${r.depth}.${sym}: unknown symbol ${sym}`, text);
      return;
    }
    this.bookLevels(sym, r.depth, r.snapshot, r.u, r.seq, r.tsMs * 1000, text, meta, sink);
  }

  /** The JSON path: guard the frame, read its levels into the batch. */
  private book(m: BybitPush, sym: string, depth: number, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const d = m.data;
    if (!isBybitBookData(d) || d.s !== sym) {
      sink.reject(`${m.topic} frame failed its guard`, text);
      return;
    }
    if (m.type !== 'snapshot' && m.type !== 'delta') {
      sink.reject(`${m.topic} frame with type ${JSON.stringify(m.type)}`, text);
      return;
    }
    this.batch.reset();
    if (!this.pushLevels(1, d.b) || !this.pushLevels(-1, d.a)) {
      sink.reject(`${m.topic} ${m.type} with a malformed level`, text);
      return;
    }
    this.bookLevels(sym, depth, m.type === 'snapshot', d.u, d.seq, (m.cts ?? m.ts) * 1000, text, meta, sink);
  }

  /** One book message whose levels are in the batch (both paths end here). `ts` in µs. */
  private bookLevels(sym: string, depth: number, snapshot: boolean, u: number, seq: number, ts: number, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const b = this.batch;
    if (depth === 1) {
      this.top(sym, u, ts, text, meta, sink);
      return;
    }
    if (snapshot) {
      // A snapshot (the first message, a re-sent one, or u=1 after a restart) replaces the book
      // and starts the seq chain of this socket.
      const bids: [string, string][] = [];
      const asks: [string, string][] = [];
      for (let i = 0; i < b.length; i++) (b.sideAt(i) === 1 ? bids : asks).push([b.priceTextAt(i), b.amountTextAt(i)]);
      const mark = this.bookSeq.get(sym);
      if (mark === undefined) this.bookSeq.set(sym, { connId: meta.connId, seq });
      else {
        mark.connId = meta.connId;
        mark.seq = seq;
      }
      const s: BookSnapshotInput = { lastUpdateId: u, ts, bids, asks, depth };
      sink.snapshot(sym, s);
      return;
    }
    const up = this.update;
    up.ts = ts;
    up.localTs = meta.localTs;
    up.firstId = u;
    up.lastId = u;
    up.seq = seq;
    // Deltas of another socket (the old one of a rotation, whose book frames the session ignores
    // once the new socket's snapshot came) are not checked against this one's seq.
    const mark = this.bookSeq.get(sym);
    if (mark !== undefined && mark.connId === meta.connId) {
      up.prevSeq = mark.seq;
      if (seq > mark.seq) mark.seq = seq;
    } else {
      up.prevSeq = NO_ID;
    }
    sink.depth(sym, up);
  }

  /** Appends [price, size] levels to the batch; false when one is not two decimal texts. */
  private pushLevels(side: 1 | -1, levels: unknown[]): boolean {
    const b = this.batch;
    for (let i = 0; i < levels.length; i++) {
      const l = levels[i];
      if (!Array.isArray(l)) return false;
      const px: unknown = l[0];
      const sz: unknown = l[1];
      if (typeof px !== 'string' || typeof sz !== 'string') return false;
      const price = parseDecimal(px);
      if (price !== price || !isDecimalText(sz)) return false; // NaN
      b.push(side, price, px, sz, isZeroAmount(sz));
    }
    return true;
  }

  /**
   * orderbook.1: every message is the whole top of book (the batch holds at most one level a
   * side). The same u again (the 3 s keepalive re-push, or the second socket of a rotation) or an
   * older one is not a new quote; u=1 (a restart) always is.
   */
  private top(sym: string, u: number, ts: number, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const b = this.batch;
    let bid = -1;
    let ask = -1;
    for (let i = 0; i < b.length; i++) {
      if (b.sideAt(i) === 1) bid = bid < 0 ? i : -2;
      else ask = ask < 0 ? i : -2;
    }
    if (bid === -2 || ask === -2) {
      sink.reject('orderbook.1 frame with more than one level a side', text);
      return;
    }
    const prev = this.topU.get(sym);
    if (prev !== undefined && (u === prev || (u < prev && u !== 1))) return;
    this.topU.set(sym, u);
    if (bid < 0 || ask < 0) return; // one side empty: no best bid/ask to report
    const q: Quote = {
      type: 'quote', venue: meta.venue, symbol: this.ctx.symbols.get(sym) as string, venueSymbol: sym, ts, localTs: meta.localTs,
      bidPrice: b.priceTextAt(bid), bidAmount: b.amountTextAt(bid), askPrice: b.priceTextAt(ask), askAmount: b.amountTextAt(ask),
    };
    sink.event(q);
  }

  private trades(m: BybitPush, sym: string, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const data = m.data;
    if (!Array.isArray(data) || data.length === 0) {
      sink.reject('publicTrade frame without trades', text);
      return;
    }
    for (let i = 0; i < data.length; i++) {
      const t = data[i];
      if (!isBybitTrade(t) || t.s !== sym || !isDecimalText(t.p) || !isDecimalText(t.v)) {
        sink.reject('trade failed its guard', text);
        return;
      }
    }
    // Trade ids are unique, so a message whose last id was seen lately is a repeat (the two sockets
    // of a make-before-break rotation carry the same messages, in any interleaving). Order is not
    // relied on: a block trade's seq need not follow the previous message's.
    let recent = this.recentTrades.get(sym);
    if (recent === undefined) this.recentTrades.set(sym, (recent = new RecentIds()));
    if (!recent.add((data[data.length - 1] as BybitTrade).i)) return;
    const symbol = this.ctx.symbols.get(sym) as string;
    for (let i = 0; i < data.length; i++) {
      const t = data[i] as BybitTrade; // guarded above
      const ev: Trade = {
        type: 'trade', venue: meta.venue, symbol, venueSymbol: sym, ts: t.T * 1000, localTs: meta.localTs,
        id: t.i, price: t.p, amount: t.v, side: sideOf(t.S),
      };
      sink.event(ev);
    }
  }

  private ticker(m: BybitPush, sym: string, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const t = m.data;
    if (!isBybitTicker(t) || t.symbol !== sym || (m.type !== 'snapshot' && m.type !== 'delta')) {
      sink.reject('tickers frame failed its guard', text);
      return;
    }
    let state = this.tickers.get(sym);
    if (state === undefined) this.tickers.set(sym, (state = new MergedTicker()));
    if (!state.merge(t, m.type === 'snapshot')) {
      sink.reject('ticker with a non-numeric field', text);
      return;
    }
    const v = state.values;
    const base = { venue: meta.venue, symbol: this.ctx.symbols.get(sym) as string, venueSymbol: sym, ts: m.ts * 1000, localTs: meta.localTs };
    if (state.carriedTicker) {
      const ev: Ticker = { type: 'ticker', ...base };
      if (v.lastPrice !== undefined) ev.last = v.lastPrice;
      if (v.prevPrice24h !== undefined) ev.open24h = v.prevPrice24h;
      if (v.highPrice24h !== undefined) ev.high24h = v.highPrice24h;
      if (v.lowPrice24h !== undefined) ev.low24h = v.lowPrice24h;
      // Base volume and quote turnover on spot and USDT contracts alike (§1.6).
      if (v.volume24h !== undefined) ev.volume24h = v.volume24h;
      if (v.turnover24h !== undefined) ev.quoteVolume24h = v.turnover24h;
      sink.event(ev);
    }
    if (state.carriedDerivative && this.m.category === 'linear') {
      const ev: Derivative = { type: 'derivative', ...base };
      if (v.markPrice !== undefined) ev.markPrice = v.markPrice;
      if (v.indexPrice !== undefined) ev.indexPrice = v.indexPrice;
      if (v.fundingRate !== undefined) ev.fundingRate = v.fundingRate;
      if (v.nextFundingTime !== undefined) ev.nextFundingTs = Number(v.nextFundingTime) * 1000;
      // openInterest counts both sides in base units (singleOpenInterest, one side, is not read).
      if (v.openInterest !== undefined) ev.openInterest = v.openInterest;
      sink.event(ev);
    }
  }

  private liquidations(m: BybitPush, sym: string, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const data = m.data;
    if (!Array.isArray(data)) {
      sink.reject('allLiquidation frame without a list', text);
      return;
    }
    for (let i = 0; i < data.length; i++) {
      const l = data[i];
      if (!isBybitLiquidation(l) || l.s !== sym || !isDecimalText(l.p) || !isDecimalText(l.v)) {
        sink.reject('liquidation failed its guard', text);
        return;
      }
    }
    const symbol = this.ctx.symbols.get(sym) as string;
    for (let i = 0; i < data.length; i++) {
      const l = data[i] as { T: number; S: string; v: string; p: string };
      // S is the liquidated position's side ("Buy": a long was liquidated); our side is the side of
      // the order that closed it, as on every other venue's liquidation (a long is closed by a sell).
      const ev: Liquidation = {
        type: 'liquidation', venue: meta.venue, symbol, venueSymbol: sym, ts: l.T * 1000, localTs: meta.localTs,
        price: l.p, amount: l.v, side: l.S === 'Buy' ? 'sell' : l.S === 'Sell' ? 'buy' : 'unknown',
      };
      sink.event(ev);
    }
  }
}

export function createDecoder(m: BybitMarket, ctx: DecodeContext): Decoder {
  return new BybitDecoder(m, ctx);
}
