// MEXC futures (contract) frames → normalized events (pure: no I/O, no clock). Numbers keep their
// JSON lexemes (futures-wire.ts quoteNumbers).
//   push.depth      → sink.depth: firstId begin (or version), lastId end (or version) — book-rule.ts
//   push.deal       → trade per deal; data is an object (doc) or an array of them (2025 frames)
//   push.depth.full → quote of the best levels (the `quote` kind subscribes limit 5)
//   push.ticker     → ticker (last, 24 h high/low/volume) + derivative (funding rate, fair price
//                     as the mark, index price, open interest `holdVol` in contracts)
//   rs.sub.* / rs.unsub.* → ack; rs.error → error; pong → other
// A frame that fails its guard is rejected whole: nothing of it is emitted.
import type { Derivative, Quote, Ticker, Trade } from '../../core/events.js';
import { isZeroAmount, LevelBatch, parseDecimal } from '../../book/levels.js';
import type { DepthUpdate } from '../../book/types.js';
import type { DecodeContext, DecodeSink, Decoder, FrameMeta } from '../types.js';
import { TradeIds } from './trade-id.js';
import { isDeal, isDepthData, isLevels, isObj, isTicker, isUint, parseFrame, type FuturesLevel, type Obj } from './futures-wire.js';

export class MexcFuturesDecoder implements Decoder {
  private readonly ctx: DecodeContext;
  private readonly batch = new LevelBatch(64);
  private readonly tradeIds = new TradeIds();
  private readonly update: DepthUpdate;

  constructor(ctx: DecodeContext) {
    this.ctx = ctx;
    this.update = { ts: 0, localTs: 0, firstId: -1, lastId: -1, prevId: -1, levels: this.batch };
  }

  decode(text: string, meta: FrameMeta, sink: DecodeSink): void {
    const m = parseFrame(text);
    if (m === undefined) {
      sink.reject('not a JSON object', text);
      return;
    }
    const channel = m.channel;
    if (typeof channel !== 'string') {
      sink.reject('frame without a channel', text);
      return;
    }
    switch (channel) {
      case 'push.depth':
        this.depth(m, text, meta, sink);
        return;
      case 'push.deal':
        this.deals(m, text, meta, sink);
        return;
      case 'push.depth.full':
        this.fullDepth(m, text, meta, sink);
        return;
      case 'push.ticker':
        this.ticker(m, text, meta, sink);
        return;
      case 'rs.error':
        sink.control('error', String(m.data));
        return;
      case 'pong':
        sink.control('other', text);
        return;
    }
    if (channel.startsWith('rs.sub.') || channel.startsWith('rs.unsub.')) {
      if (m.data === 'success') sink.control('ack', text);
      else sink.control('error', `${channel}: ${String(m.data)}`);
      return;
    }
    sink.control('other', text); // a channel we do not record (push.kline, push.index.price …)
  }

  /** The frame's venue symbol when it is one we record, else undefined after a reject. */
  private known(m: Obj, what: string, text: string, sink: DecodeSink): string | undefined {
    const s = m.symbol;
    if (typeof s === 'string' && this.ctx.symbols.has(s)) return s;
    sink.reject(`${what} for unknown symbol ${String(s)}`, text);
    return undefined;
  }

  private depth(m: Obj, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const d = m.data;
    if (!isDepthData(d) || !isUint(m.ts)) {
      sink.reject('push.depth failed its guard', text);
      return;
    }
    const sym = this.known(m, 'push.depth', text, sink);
    if (sym === undefined) return;
    const b = this.batch;
    b.reset();
    if (!this.pushLevels(1, d.bids) || !this.pushLevels(-1, d.asks)) {
      sink.reject('push.depth with a non-numeric price', text);
      return;
    }
    const up = this.update;
    up.ts = Number(m.ts) * 1000;
    up.localTs = meta.localTs;
    // A merged push covers begin..end (end == version); a single one is its version alone.
    up.firstId = d.begin === undefined ? Number(d.version) : Number(d.begin);
    up.lastId = d.end === undefined ? Number(d.version) : Number(d.end);
    sink.depth(sym, up);
  }

  /** [price, contracts, orderCount] levels; contracts 0 deletes (its order count is 0 too). */
  private pushLevels(side: 1 | -1, levels: FuturesLevel[]): boolean {
    const b = this.batch;
    for (let i = 0; i < levels.length; i++) {
      const l = levels[i];
      const price = parseDecimal(l[0]);
      if (price !== price) return false; // NaN
      b.push(side, price, l[0], l[1], isZeroAmount(l[1]));
    }
    return true;
  }

  private deals(m: Obj, text: string, meta: FrameMeta, sink: DecodeSink): void {
    // The doc shows one deal as an object; frames since 2025 carry an array of them.
    const list = Array.isArray(m.data) ? m.data : [m.data];
    if (!isUint(m.ts) || !list.every(isDeal)) {
      sink.reject('push.deal failed its guard', text);
      return;
    }
    const sym = this.known(m, 'push.deal', text, sink);
    if (sym === undefined) return;
    const symbol = this.ctx.symbols.get(sym) as string;
    const ids = this.tradeIds;
    ids.reset();
    for (const t of list) {
      const side = t.T === '1' ? 'buy' : t.T === '2' ? 'sell' : 'unknown';
      const ev: Trade = {
        type: 'trade', venue: meta.venue, symbol, venueSymbol: sym, ts: Number(t.t) * 1000, localTs: meta.localTs,
        // futures deals carry no trade id (trade-id.ts)
        id: ids.next(t.t, t.p, t.v, side), price: t.p, amount: t.v, side,
      };
      sink.event(ev);
    }
  }

  private fullDepth(m: Obj, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const d = m.data;
    if (!isObj(d) || !isLevels(d.bids) || !isLevels(d.asks) || !isUint(m.ts)) {
      sink.reject('push.depth.full failed its guard', text);
      return;
    }
    const sym = this.known(m, 'push.depth.full', text, sink);
    if (sym === undefined) return;
    const bid = best(d.bids, 1);
    const ask = best(d.asks, -1);
    if (bid === undefined || ask === undefined) {
      sink.control('other', text); // one side empty: no quote to give
      return;
    }
    const q: Quote = {
      type: 'quote', venue: meta.venue, symbol: this.ctx.symbols.get(sym) as string, venueSymbol: sym, ts: Number(m.ts) * 1000,
      localTs: meta.localTs, bidPrice: bid[0], bidAmount: bid[1], askPrice: ask[0], askAmount: ask[1],
    };
    sink.event(q);
  }

  private ticker(m: Obj, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const t = m.data;
    if (!isTicker(t) || !isUint(m.ts)) {
      sink.reject('push.ticker failed its guard', text);
      return;
    }
    const sym = this.known(m, 'push.ticker', text, sink);
    if (sym === undefined) return;
    const base = {
      venue: meta.venue, symbol: this.ctx.symbols.get(sym) as string, venueSymbol: sym,
      ts: Number(t.timestamp ?? m.ts) * 1000, localTs: meta.localTs,
    };
    const tk: Ticker = { type: 'ticker', ...base };
    if (t.lastPrice !== undefined) tk.last = t.lastPrice;
    if (t.high24Price !== undefined) tk.high24h = t.high24Price;
    if (t.lower24Price !== undefined) tk.low24h = t.lower24Price;
    // volume24 counts contracts (the unit of trade and book sizes); amount24 is the quote turnover
    if (t.volume24 !== undefined) tk.volume24h = t.volume24;
    if (t.amount24 !== undefined) tk.quoteVolume24h = t.amount24;
    sink.event(tk);
    const dv: Derivative = { type: 'derivative', ...base };
    if (t.fairPrice !== undefined) dv.markPrice = t.fairPrice;
    if (t.indexPrice !== undefined) dv.indexPrice = t.indexPrice;
    if (t.fundingRate !== undefined) dv.fundingRate = t.fundingRate;
    if (t.holdVol !== undefined) dv.openInterest = t.holdVol;
    sink.event(dv);
  }
}

/** The best level of a side that is not a delete: highest bid, lowest ask. */
function best(levels: FuturesLevel[], dir: 1 | -1): FuturesLevel | undefined {
  let out: FuturesLevel | undefined;
  let at = NaN;
  for (const l of levels) {
    if (isZeroAmount(l[1])) continue;
    const p = parseDecimal(l[0]);
    if (p !== p) continue;
    if (out === undefined || p * dir > at * dir) {
      out = l;
      at = p;
    }
  }
  return out;
}

export function createFuturesDecoder(ctx: DecodeContext): Decoder {
  return new MexcFuturesDecoder(ctx);
}
