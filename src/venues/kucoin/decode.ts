// KuCoin frames → normalized events, for both markets (pure: no I/O, no clock; localTs comes from
// the frame). The topic before `:` names the stream, the text after it the symbol:
//   /market/level2                  → sink.depth, one DepthUpdate per change sequence (below)
//   /contractMarket/level2          → sink.depth, one change per message, sequence +1
//   /market/match, /contractMarket/execution → trade (taker side)
//   /market/ticker                  → quote (updateId = the book's sequence) + ticker (last)
//   /contractMarket/tickerV2        → quote (updateId = the book's sequence); v1 ticker → quote + ticker
//   /spotMarket|contractMarket/level2Depth5|50 → quote (a whole top N; no sequence to check)
//   /contract/instrument            → derivative (mark.index.price, funding.rate)
//   {"type":"welcome"|"ack"|"pong"|"error"} → control
// A frame that fails its guard is rejected whole: nothing of it is emitted.
//
// Spot changes carry their own sequence (§5.2): the first message after a snapshot applies only
// its changes past the snapshot's sequence. The book rule sees ids, not levels, so the decoder
// hands over one update per distinct change sequence, each covering (previous sequence, its own]
// from sequenceStart; a trailing empty update closes the range at sequenceEnd. The rule then drops
// the updates the snapshot already holds and applies the rest, and contiguity stays checked from
// message to message. Price "0" changes are sequence-only: they advance the ids, touch no level.
import type { Derivative, Quote, Ticker, Trade } from '../../core/events.js';
import { isDecimalText, isZeroAmount, LevelBatch, parseDecimal } from '../../book/levels.js';
import type { DepthUpdate } from '../../book/types.js';
import type { DecodeContext, DecodeSink, Decoder, FrameMeta } from '../types.js';
import { nsTextToUs, numberLexeme, parseLossless } from './lossless.js';
import {
  isKucoinFundingRate, isKucoinFuturesDepthN, isKucoinFuturesExecution, isKucoinFuturesLevel2, isKucoinMarkIndex, isKucoinMessage,
  isKucoinSpotDepthN, isKucoinSpotLevel2, isKucoinSpotMatch, isKucoinSpotTicker, isKucoinTickerV2, isObj,
  type KucoinChange, type KucoinSpotLevel2,
} from './wire.js';


interface SortedChange {
  seq: number;
  side: 1 | -1;
  change: KucoinChange;
}

export class KucoinDecoder implements Decoder {
  private readonly ctx: DecodeContext;
  private readonly batch = new LevelBatch(16);
  /** The update handed to sink.depth: reused (the sink consumes it before the next one). */
  private readonly update: DepthUpdate;
  /** Scratch for messages with several changes (rare: every 2021 message held one). */
  private readonly sorted: SortedChange[] = [];

  constructor(ctx: DecodeContext) {
    this.ctx = ctx;
    this.update = { ts: 0, localTs: 0, firstId: 0, lastId: 0, prevId: -1, levels: this.batch };
  }

  decode(text: string, meta: FrameMeta, sink: DecodeSink): void {
    let m: unknown;
    try {
      m = JSON.parse(text);
    } catch {
      sink.reject('not JSON', text);
      return;
    }
    if (!isObj(m)) {
      sink.reject('not a JSON object', text);
      return;
    }
    if (m.type !== 'message') {
      this.control(m, text, sink);
      return;
    }
    if (!isKucoinMessage(m)) {
      sink.reject('message without {topic, data}', text);
      return;
    }
    const colon = m.topic.indexOf(':');
    const stream = colon < 0 ? m.topic : m.topic.slice(0, colon);
    const sym = colon < 0 ? '' : m.topic.slice(colon + 1);
    let d = m.data;
    if (stream === '/contract/instrument' || stream === '/contractMarket/level2Depth5' || stream === '/contractMarket/level2Depth50') {
      // prices and rates as JSON numbers: parsed again keeping each one's text (rare frames)
      const lossless = parseLossless(text);
      d = isKucoinMessage(lossless) ? lossless.data : {};
    }
    switch (stream) {
      case '/market/level2':
        if (!isKucoinSpotLevel2(d)) return sink.reject('level2 failed its guard', text);
        if (this.known(sym, 'level2', text, sink)) this.spotLevel2(sym, d, text, meta, sink);
        return;
      case '/contractMarket/level2':
        if (!isKucoinFuturesLevel2(d)) return sink.reject('level2 failed its guard', text);
        if (this.known(sym, 'level2', text, sink)) this.futuresLevel2(sym, d.sequence, d.change, d.timestamp, text, meta, sink);
        return;
      case '/market/match':
        if (!isKucoinSpotMatch(d)) return sink.reject('match failed its guard', text);
        if (this.known(sym, 'match', text, sink)) this.trade(sym, d.tradeId, d.price, d.size, d.side, d.time, text, meta, sink);
        return;
      case '/contractMarket/execution': {
        if (!isKucoinFuturesExecution(d)) return sink.reject('execution failed its guard', text);
        // ts is ns as a JSON number past 2^53: its digits, not the double (§5.4)
        const ns = numberLexeme(text, 'ts', d.ts);
        if (ns === undefined) return sink.reject('execution ts not found as written', text);
        if (this.known(sym, 'execution', text, sink)) this.trade(sym, d.tradeId, d.price, String(d.size), d.side, ns, text, meta, sink);
        return;
      }
      case '/market/ticker': {
        if (!isKucoinSpotTicker(d)) return sink.reject('ticker failed its guard', text);
        if (!this.known(sym, 'ticker', text, sink)) return;
        const ts = d.time * 1000;
        this.quote(sym, ts, d.bestBid, d.bestBidSize, d.bestAsk, d.bestAskSize, Number(d.sequence), meta, sink);
        this.ticker(sym, ts, d.price, meta, sink);
        return;
      }
      case '/contractMarket/tickerV2':
      case '/contractMarket/ticker': {
        // v2's sequence is the book's (level2 space); v1 counts trades and carries the last price.
        if (!isKucoinTickerV2(d)) return sink.reject('ticker failed its guard', text);
        if (!this.known(sym, 'ticker', text, sink)) return;
        const ts = nsTextToUs(numberLexeme(text, 'ts', d.ts) ?? '');
        if (ts === undefined) return sink.reject('ticker ts not found as written', text);
        const v1 = stream === '/contractMarket/ticker';
        this.quote(sym, ts, d.bestBidPrice, String(d.bestBidSize), d.bestAskPrice, String(d.bestAskSize), v1 ? undefined : d.sequence, meta, sink);
        const last = (d as Record<string, unknown>).price;
        if (v1 && typeof last === 'string' && isDecimalText(last)) this.ticker(sym, ts, last, meta, sink);
        return;
      }
      case '/spotMarket/level2Depth5':
      case '/spotMarket/level2Depth50':
      case '/contractMarket/level2Depth5':
      case '/contractMarket/level2Depth50': {
        const spot = stream.startsWith('/spot');
        if (spot ? !isKucoinSpotDepthN(d) : !isKucoinFuturesDepthN(d)) return sink.reject('depth snapshot failed its guard', text);
        if (!this.known(sym, 'depth', text, sink)) return;
        const top = d as unknown as { asks: [string, string][]; bids: [string, string][]; timestamp: number | string };
        const b = top.bids[0];
        const a = top.asks[0];
        if (b !== undefined && a !== undefined) this.quote(sym, Number(top.timestamp) * 1000, b[0], b[1], a[0], a[1], undefined, meta, sink);
        return;
      }
      case '/contract/instrument':
        this.instrument(sym, m.subject, d, text, meta, sink);
        return;
      default:
        sink.control('other', text); // candles, snapshots: streams we do not record
    }
  }

  private control(m: Record<string, unknown>, text: string, sink: DecodeSink): void {
    switch (m.type) {
      case 'ack':
        sink.control('ack', text);
        return;
      case 'error':
        sink.control('error', `${String(m.code)} ${String(m.data)}`);
        return;
      case 'welcome':
      case 'pong':
        sink.control('other', text);
        return;
      default:
        if (typeof m.type === 'string') sink.control('other', text);
        else sink.reject('frame without a type', text);
    }
  }

  /** True when the symbol is one being recorded; else rejects the frame. */
  private known(sym: string, what: string, text: string, sink: DecodeSink): boolean {
    if (this.ctx.symbols.has(sym)) return true;
    sink.reject(`${what} for unknown symbol ${JSON.stringify(sym)}`, text);
    return false;
  }

  /** §5.2: one update per change sequence, in sequence order, covering sequenceStart..sequenceEnd. */
  private spotLevel2(sym: string, d: KucoinSpotLevel2, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const start = d.sequenceStart;
    const end = d.sequenceEnd;
    if (start > end) return sink.reject(`level2 sequenceStart ${start} > sequenceEnd ${end}`, text);
    const asks = d.changes.asks;
    const bids = d.changes.bids;
    const ts = d.time === undefined ? meta.localTs : d.time * 1000;
    const n = asks.length + bids.length;
    if (n === 1) {
      // The common case (every 2021 message): no sorting, no scratch.
      const side = asks.length === 1 ? -1 : 1;
      const c = side === -1 ? asks[0] : bids[0];
      const seq = Number(c[2]);
      if (seq < start || seq > end) return sink.reject(`level2 change sequence ${seq} outside ${start}..${end}`, text);
      this.batch.reset();
      this.pushChange(side, c);
      this.emit(sym, start, seq, ts, meta, sink);
      if (seq < end) this.emitEmpty(sym, seq + 1, end, ts, meta, sink);
      return;
    }
    const sorted = this.sorted;
    sorted.length = 0;
    for (let i = 0; i < asks.length; i++) sorted.push({ seq: Number(asks[i][2]), side: -1, change: asks[i] });
    for (let i = 0; i < bids.length; i++) sorted.push({ seq: Number(bids[i][2]), side: 1, change: bids[i] });
    for (let i = 0; i < n; i++) {
      const seq = sorted[i].seq;
      if (seq < start || seq > end) return sink.reject(`level2 change sequence ${seq} outside ${start}..${end}`, text);
    }
    // Stable: asks and bids interleave by sequence; equal sequences keep the message's order.
    sorted.sort((x, y) => x.seq - y.seq);
    let from = start;
    let i = 0;
    while (i < n) {
      const seq = sorted[i].seq;
      this.batch.reset();
      for (; i < n && sorted[i].seq === seq; i++) this.pushChange(sorted[i].side, sorted[i].change);
      this.emit(sym, from, seq, ts, meta, sink);
      from = seq + 1;
    }
    if (from <= end) this.emitEmpty(sym, from, end, ts, meta, sink);
    sorted.length = 0;
  }

  /** A change into the batch, unless its price is "0" (a sequence-only change, §5.2). */
  private pushChange(side: 1 | -1, c: KucoinChange): void {
    const price = parseDecimal(c[0]);
    if (price === 0) return;
    this.batch.push(side, price, c[0], c[1], isZeroAmount(c[1]));
  }

  private emitEmpty(sym: string, firstId: number, lastId: number, ts: number, meta: FrameMeta, sink: DecodeSink): void {
    this.batch.reset();
    this.emit(sym, firstId, lastId, ts, meta, sink);
  }

  private emit(sym: string, firstId: number, lastId: number, ts: number, meta: FrameMeta, sink: DecodeSink): void {
    const up = this.update;
    up.ts = ts;
    up.localTs = meta.localTs;
    up.firstId = firstId;
    up.lastId = lastId;
    sink.depth(sym, up);
  }

  /** §5.3: `change` is "price,side,size" (size in contracts, 0 deletes). */
  private futuresLevel2(sym: string, sequence: number, change: string, tsMs: number, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const c1 = change.indexOf(',');
    const c2 = c1 < 0 ? -1 : change.indexOf(',', c1 + 1);
    if (c2 < 0 || change.indexOf(',', c2 + 1) >= 0) return sink.reject(`level2 change ${JSON.stringify(change)} is not "price,side,size"`, text);
    const priceText = change.slice(0, c1);
    const side = change.slice(c1 + 1, c2);
    const size = change.slice(c2 + 1);
    const price = parseDecimal(priceText);
    if (!(price > 0) || !isDecimalText(size) || (side !== 'buy' && side !== 'sell')) {
      return sink.reject(`level2 change ${JSON.stringify(change)} is not "price,side,size"`, text);
    }
    this.batch.reset();
    this.batch.push(side === 'buy' ? 1 : -1, price, priceText, size, isZeroAmount(size));
    this.emit(sym, sequence, sequence, tsMs * 1000, meta, sink);
  }

  private trade(sym: string, id: string, price: string, amount: string, side: 'buy' | 'sell', ns: string, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const ts = nsTextToUs(ns);
    if (ts === undefined) return sink.reject(`trade time ${ns} is not epoch nanoseconds`, text);
    const ev: Trade = {
      type: 'trade', venue: meta.venue, symbol: this.ctx.symbols.get(sym) as string, venueSymbol: sym, ts, localTs: meta.localTs,
      id, price, amount, side,
    };
    sink.event(ev);
  }

  private quote(sym: string, ts: number, bidPrice: string, bidAmount: string, askPrice: string, askAmount: string, updateId: number | undefined, meta: FrameMeta, sink: DecodeSink): void {
    const q: Quote = {
      type: 'quote', venue: meta.venue, symbol: this.ctx.symbols.get(sym) as string, venueSymbol: sym, ts, localTs: meta.localTs,
      bidPrice, bidAmount, askPrice, askAmount,
    };
    if (updateId !== undefined) q.updateId = updateId;
    sink.event(q);
  }

  private ticker(sym: string, ts: number, last: string, meta: FrameMeta, sink: DecodeSink): void {
    const t: Ticker = { type: 'ticker', venue: meta.venue, symbol: this.ctx.symbols.get(sym) as string, venueSymbol: sym, ts, localTs: meta.localTs, last };
    sink.event(t);
  }

  /** `/contract/instrument`: mark and index price, or the funding rate (no next funding time on this topic). */
  private instrument(sym: string, subject: string | undefined, d: Record<string, unknown>, text: string, meta: FrameMeta, sink: DecodeSink): void {
    if (subject !== 'mark.index.price' && subject !== 'funding.rate') {
      sink.control('other', text); // premium.index and other subjects we do not record
      return;
    }
    if (subject === 'mark.index.price' ? !isKucoinMarkIndex(d) : !isKucoinFundingRate(d)) return sink.reject(`${subject} failed its guard`, text);
    if (!this.known(sym, subject, text, sink)) return;
    const ev: Derivative = {
      type: 'derivative', venue: meta.venue, symbol: this.ctx.symbols.get(sym) as string, venueSymbol: sym,
      ts: Number(d.timestamp) * 1000, localTs: meta.localTs,
    };
    if (subject === 'mark.index.price') {
      ev.markPrice = d.markPrice as string;
      ev.indexPrice = d.indexPrice as string;
    } else {
      ev.fundingRate = d.fundingRate as string;
    }
    sink.event(ev);
  }
}

export function createDecoder(ctx: DecodeContext): Decoder {
  return new KucoinDecoder(ctx);
}
