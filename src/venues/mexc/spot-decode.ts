// MEXC spot frames → normalized events (pure: no I/O, no clock; localTs comes from the frame).
//   binary (PushDataV3ApiWrapper, spot-wire.ts)
//     publicAggreDepths (313)     → sink.depth: firstId fromVersion, lastId toVersion (book-rule.ts)
//     publicAggreDeals (314)      → trade per deal (tradeType 1 buy / 2 sell: the taker side)
//     publicAggreBookTicker (315) → quote, updateId = version
//     publicLimitDepths (303)     → quote of its best levels (never planned: a top-N book that
//                                   replaced a verified deep book would leave its deeper levels wrong)
//   text (JSON): subscription acks {"id":0,"code":0,"msg":"<topics>"} → ack, refusals → error
// A frame that fails its read or guard is rejected whole: nothing of it is emitted.
import type { Quote, Trade } from '../../core/events.js';
import type { DepthUpdate } from '../../book/types.js';
import { jsonObjectFrame } from '../json-frame.js';
import type { DecodeContext, DecodeSink, Decoder, FrameMeta } from '../types.js';
import { BODY } from './proto.js';
import { SpotFrame, SpotWireReader } from './spot-wire.js';
import { TradeIds } from './trade-id.js';

export class MexcSpotDecoder implements Decoder {
  private readonly ctx: DecodeContext;
  private readonly reader = new SpotWireReader();
  private readonly frame = new SpotFrame();
  private readonly tradeIds = new TradeIds();
  /** The update handed to sink.depth: reused (the sink consumes it before the next decode). */
  private readonly update: DepthUpdate;
  /** The last symbol read: most frames repeat it, so no slice is needed. */
  private lastSymbol = '';

  constructor(ctx: DecodeContext) {
    this.ctx = ctx;
    this.update = { ts: 0, localTs: 0, firstId: -1, lastId: -1, prevId: -1, levels: this.frame.levels };
  }

  decode(text: string, _meta: FrameMeta, sink: DecodeSink): void {
    const m = jsonObjectFrame(text, sink);
    if (m === undefined) return;
    if (m.code === 0 && typeof m.msg === 'string') {
      // A refusal comes with code 0 too: "Not Subscribed successfully! [topic]. Reason: Blocked!"
      if (m.msg.startsWith('spot@')) sink.control('ack', text);
      else if (m.msg === 'PONG') sink.control('other', text);
      else sink.control('error', m.msg);
      return;
    }
    if ('code' in m) sink.control('error', `${String(m.code)} ${String(m.msg)}`);
    else sink.control('other', text);
  }

  decodeBinary(data: Buffer, meta: FrameMeta, sink: DecodeSink): void {
    const f = this.frame;
    if (!this.reader.read(data, f)) {
      sink.reject('not a well-formed PushDataV3ApiWrapper', data.toString('base64'));
      return;
    }
    if (f.body === 0) {
      sink.control('other', f.channel()); // a channel we do not decode (klines, mini tickers)
      return;
    }
    const sym = this.symbol(f);
    if (sym === undefined) {
      sink.reject(`push for unknown symbol on ${f.channel()}`, data.toString('base64'));
      return;
    }
    // exchange time: when the push was sent, else when its event was made, else when it arrived
    const ts = f.sendTime >= 0 ? f.sendTime * 1000 : f.createTime >= 0 ? f.createTime * 1000 : meta.localTs;
    switch (f.body) {
      case BODY.publicAggreDepths: {
        const up = this.update;
        up.ts = ts;
        up.localTs = meta.localTs;
        up.firstId = f.fromVersion;
        up.lastId = f.toVersion;
        sink.depth(sym, up);
        return;
      }
      case BODY.publicAggreDeals:
        this.deals(f, sym, meta, sink);
        return;
      case BODY.publicAggreBookTicker: {
        const q: Quote = {
          type: 'quote', venue: meta.venue, symbol: this.ctx.symbols.get(sym) as string, venueSymbol: sym, ts, localTs: meta.localTs,
          bidPrice: f.tickerText(0), bidAmount: f.tickerText(1), askPrice: f.tickerText(2), askAmount: f.tickerText(3),
        };
        // The book's own version space (as we read §4.1; unconfirmed live, §8): the sync engine
        // compares the book with this quote when it stands at exactly this version.
        if (f.version >= 0) q.updateId = f.version;
        sink.event(q);
        return;
      }
      case BODY.publicLimitDepths:
        this.limitQuote(f, sym, ts, meta, sink);
        return;
    }
  }

  private deals(f: SpotFrame, sym: string, meta: FrameMeta, sink: DecodeSink): void {
    const symbol = this.ctx.symbols.get(sym) as string;
    this.tradeIds.reset();
    for (let i = 0; i < f.deals; i++) {
      const type = f.dealType[i];
      const side = type === 1 ? 'buy' : type === 2 ? 'sell' : 'unknown';
      const price = f.dealText(i, 0);
      const amount = f.dealText(i, 1);
      const ev: Trade = {
        type: 'trade', venue: meta.venue, symbol, venueSymbol: sym, ts: f.dealTime[i] * 1000, localTs: meta.localTs,
        // tradeId exists since the 2026-06 protos; older pushes get trade-id.ts's stand-in
        id: f.dealSpans[6 * i + 4] >= 0 && f.dealSpans[6 * i + 5] > f.dealSpans[6 * i + 4] ? f.dealText(i, 2)
          : this.tradeIds.next(String(f.dealTime[i]), price, amount, side),
        price, amount, side,
      };
      sink.event(ev);
    }
  }

  /** The best bid and ask of a partial book (levels come best first, but nothing relies on it). */
  private limitQuote(f: SpotFrame, sym: string, ts: number, meta: FrameMeta, sink: DecodeSink): void {
    const lv = f.levels;
    let bid = -1;
    let ask = -1;
    for (let i = 0; i < lv.length; i++) {
      if (lv.isDeleteAt(i)) continue;
      if (lv.sideAt(i) === 1) {
        if (bid < 0 || lv.priceAt(i) > lv.priceAt(bid)) bid = i;
      } else if (ask < 0 || lv.priceAt(i) < lv.priceAt(ask)) ask = i;
    }
    if (bid < 0 || ask < 0) {
      sink.control('other', f.channel()); // a one-sided partial book says nothing a quote can hold
      return;
    }
    const q: Quote = {
      type: 'quote', venue: meta.venue, symbol: this.ctx.symbols.get(sym) as string, venueSymbol: sym, ts, localTs: meta.localTs,
      bidPrice: lv.priceTextAt(bid), bidAmount: lv.amountTextAt(bid), askPrice: lv.priceTextAt(ask), askAmount: lv.amountTextAt(ask),
    };
    sink.event(q);
  }

  /** The push's venue symbol (field 3, else the topic's symbol part) when it is one we record. */
  private symbol(f: SpotFrame): string | undefined {
    let s = f.symbolStart;
    let e = f.symbolEnd;
    if (s < 0) {
      // aggre topics end in …@<interval>@SYM; limit depth is …pb@SYM@<levels>
      const t = f.text;
      e = f.channelEnd;
      s = t.lastIndexOf('@', e - 1) + 1;
      if (f.body === BODY.publicLimitDepths) {
        e = s - 1;
        s = t.lastIndexOf('@', e - 1) + 1;
      }
      if (s <= f.channelStart || e <= s) return undefined;
    }
    if (e <= s) return undefined;
    const last = this.lastSymbol;
    if (e - s === last.length && f.text.startsWith(last, s)) return last;
    const sym = f.text.slice(s, e);
    if (!this.ctx.symbols.has(sym)) return undefined;
    this.lastSymbol = sym;
    return sym;
  }
}

export function createSpotDecoder(ctx: DecodeContext): Decoder {
  return new MexcSpotDecoder(ctx);
}
