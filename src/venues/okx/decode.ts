// OKX / OKCoin v5 frames → normalized events (pure: no I/O, no clock; localTs comes from the frame).
//   books, books-l2-tbt, books50-l2-tbt  action "snapshot" → sink.snapshot (lastUpdateId = seqId),
//                                         action "update"   → sink.depth (ids and checksum, book-rule.ts)
//   books5, bbo-tbt                       every message is the full top 5 / top 1: each one is a
//                                         stream snapshot (no diffs, no checksum)
//   trades → trade; tickers → quote (best bid/ask) + ticker; funding-rate, open-interest → derivative
//   {"event":…}: subscribe/unsubscribe → ack, error → error, notice (service upgrade) → shutdown
// A frame that fails its guard is rejected whole: nothing of it is emitted.
import type { Derivative, Quote, Ticker, Trade } from '../../core/events.js';
import { toUint32 } from '../../book/checksum.js';
import { isDecimalText, isZeroAmount, LevelBatch, parseDecimal } from '../../book/levels.js';
import type { BookSnapshotInput, DepthUpdate } from '../../book/types.js';
import type { DecodeContext, DecodeSink, Decoder, FrameMeta } from '../types.js';
import { NO_ID } from './book-rule.js';
import { instTypeOf } from './symbols.js';
import { jsonObjectFrame } from '../json-frame.js';
import {
  isOkxBookData, isOkxFundingRate, isOkxOpenInterest, isOkxPush, isOkxTicker, isOkxTrade,
  type OkxBookData, type OkxPush, type OkxTicker, type OkxTrade,
} from './wire.js';

/** Channels whose messages are a snapshot then diffs (400 / 400 tick-by-tick / 50 tick-by-tick levels). */
const DIFF_BOOKS = new Set(['books', 'books-l2-tbt', 'books50-l2-tbt']);
/** Channels whose every message is the whole (top-5 / top-1) book. */
const FULL_BOOKS = new Set(['books5', 'bbo-tbt']);

/** Decimal text, or undefined for an absent or empty ("") field, or null when it is not a number. */
function decimalOrNone(x: string | undefined): string | undefined | null {
  if (x === undefined || x === '') return undefined;
  return isDecimalText(x) ? x : null;
}

/**
 * How many trade ids one `trades` push stands for (wire.ts OkxTrade.count): a whole number text
 * of 1 or more, else 1. FeedCore measures a jump in ids from the push's first id by it.
 */
function tradeCount(count: unknown): number {
  return typeof count === 'string' && /^[1-9]\d{0,8}$/.test(count) ? Number(count) : 1;
}

/** [px, sz, …] levels → [px, sz] pairs; undefined when a level is not two decimal texts. */
function pairs(levels: unknown[]): [string, string][] | undefined {
  const out: [string, string][] = [];
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i];
    if (!Array.isArray(l) || typeof l[0] !== 'string' || typeof l[1] !== 'string') return undefined;
    if (!isDecimalText(l[0]) || !isDecimalText(l[1])) return undefined;
    out.push([l[0], l[1]]);
  }
  return out;
}

export class OkxDecoder implements Decoder {
  private readonly ctx: DecodeContext;
  private readonly batch = new LevelBatch(64);
  /** The update handed to sink.depth: reused (the sink consumes it before the next decode). */
  private readonly update: DepthUpdate;

  constructor(ctx: DecodeContext) {
    this.ctx = ctx;
    this.update = { ts: 0, localTs: 0, firstId: NO_ID, lastId: NO_ID, prevId: NO_ID, levels: this.batch, checksum: undefined };
  }

  decode(text: string, meta: FrameMeta, sink: DecodeSink): void {
    if (text === 'pong') {
      sink.control('other', text);
      return;
    }
    const m = jsonObjectFrame(text, sink);
    if (m === undefined) return;
    if (typeof m.event === 'string') {
      this.event(m, text, sink);
      return;
    }
    if (!isOkxPush(m)) {
      sink.reject('push without {arg:{channel}, data:[…]}', text);
      return;
    }
    const channel = m.arg.channel;
    if (DIFF_BOOKS.has(channel) || FULL_BOOKS.has(channel)) this.book(m, FULL_BOOKS.has(channel), text, meta, sink);
    else if (channel === 'trades') this.trades(m, text, meta, sink);
    else if (channel === 'tickers') this.tickers(m, text, meta, sink);
    else if (channel === 'funding-rate') this.fundingRate(m, text, meta, sink);
    else if (channel === 'open-interest') this.openInterest(m, text, meta, sink);
    else sink.control('other', text); // a channel we do not record (e.g. candle1m in the OKCoin capture)
  }

  private event(m: Record<string, unknown>, text: string, sink: DecodeSink): void {
    switch (m.event) {
      case 'subscribe':
      case 'unsubscribe':
        sink.control('ack', text);
        return;
      case 'error':
        sink.control('error', `${String(m.code)} ${String(m.msg)}`);
        return;
      case 'notice':
        // A service-upgrade notice (code 64008 as we read the doc, not seen in a capture): the
        // venue closes this socket soon, so the session reconnects at once.
        sink.control('shutdown', text);
        return;
      default:
        sink.control('other', text); // e.g. channel-conn-count
    }
  }

  /** A known venue symbol, or undefined after rejecting the frame. */
  private known(instId: string | undefined, what: string, text: string, sink: DecodeSink): string | undefined {
    if (instId !== undefined && this.ctx.symbols.has(instId)) return instId;
    sink.reject(`${what} for unknown symbol ${String(instId)}`, text);
    return undefined;
  }

  private book(m: OkxPush, full: boolean, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const channel = m.arg.channel;
    if (m.data.length !== 1 || !isOkxBookData(m.data[0])) {
      sink.reject(`${channel} frame failed its guard`, text);
      return;
    }
    const d: OkxBookData = m.data[0];
    const sym = this.known(m.arg.instId ?? d.instId, channel, text, sink);
    if (sym === undefined) return;
    const ts = Number(d.ts) * 1000;
    // OKX's deprecated checksum is 0 (since 2026-06-23): no checksum, not a mismatch.
    const checksum = d.checksum === undefined || d.checksum === 0 ? undefined : toUint32(d.checksum);
    if (full || m.action === 'snapshot') {
      const bids = pairs(d.bids);
      const asks = pairs(d.asks);
      if (bids === undefined || asks === undefined) {
        sink.reject(`${channel} snapshot with a malformed level`, text);
        return;
      }
      const s: BookSnapshotInput = { lastUpdateId: d.seqId ?? NO_ID, ts, bids, asks };
      if (checksum !== undefined) s.checksum = checksum;
      sink.snapshot(sym, s);
      return;
    }
    if (m.action !== 'update') {
      sink.reject(`${channel} frame with action ${JSON.stringify(m.action)}`, text);
      return;
    }
    if (d.seqId !== undefined && d.prevSeqId === undefined) {
      sink.reject(`${channel} update with seqId but no prevSeqId`, text);
      return;
    }
    const b = this.batch;
    b.reset();
    if (!this.pushLevels(1, d.bids) || !this.pushLevels(-1, d.asks)) {
      sink.reject(`${channel} update with a malformed level`, text);
      return;
    }
    const up = this.update;
    up.ts = ts;
    up.localTs = meta.localTs;
    if (d.seqId === undefined) {
      up.firstId = NO_ID;
      up.lastId = NO_ID;
      up.prevId = NO_ID;
    } else {
      up.prevId = d.prevSeqId as number;
      up.lastId = d.seqId;
      up.firstId = up.prevId + 1;
    }
    up.checksum = checksum;
    sink.depth(sym, up);
  }

  /** Appends [px, sz, …] levels to the batch; false when one is not two decimal texts. */
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

  private trades(m: OkxPush, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const data = m.data;
    for (let i = 0; i < data.length; i++) {
      const t = data[i];
      if (!isOkxTrade(t) || !isDecimalText(t.px) || !isDecimalText(t.sz)) {
        sink.reject('trade failed its guard', text);
        return;
      }
      if (!this.ctx.symbols.has(t.instId)) {
        sink.reject(`trade for unknown symbol ${t.instId}`, text);
        return;
      }
    }
    for (let i = 0; i < data.length; i++) {
      const t = data[i] as OkxTrade; // guarded above
      const ev: Trade = {
        type: 'trade', venue: meta.venue, symbol: this.ctx.symbols.get(t.instId) as string, venueSymbol: t.instId,
        ts: Number(t.ts) * 1000, localTs: meta.localTs, id: t.tradeId, price: t.px, amount: t.sz,
        side: t.side === 'buy' ? 'buy' : t.side === 'sell' ? 'sell' : 'unknown',
      };
      sink.event(ev, tradeCount(t.count));
    }
  }

  private tickers(m: OkxPush, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const t = m.data[0];
    if (m.data.length !== 1 || !isOkxTicker(t)) {
      sink.reject('tickers frame failed its guard', text);
      return;
    }
    const sym = this.known(t.instId, 'ticker', text, sink);
    if (sym === undefined) return;
    const f = tickerFields(t);
    if (f === undefined) {
      sink.reject('ticker with a non-numeric field', text);
      return;
    }
    const base = { venue: meta.venue, symbol: this.ctx.symbols.get(sym) as string, venueSymbol: sym, ts: Number(t.ts) * 1000, localTs: meta.localTs };
    if (f.bidPx !== undefined && f.bidSz !== undefined && f.askPx !== undefined && f.askSz !== undefined) {
      const q: Quote = { type: 'quote', ...base, bidPrice: f.bidPx, bidAmount: f.bidSz, askPrice: f.askPx, askAmount: f.askSz };
      sink.event(q);
    }
    const ev: Ticker = { type: 'ticker', ...base };
    if (f.last !== undefined) ev.last = f.last;
    if (f.open24h !== undefined) ev.open24h = f.open24h;
    if (f.high24h !== undefined) ev.high24h = f.high24h;
    if (f.low24h !== undefined) ev.low24h = f.low24h;
    // Spot: vol24h is base volume and volCcy24h quote volume. Contracts: vol24h counts contracts
    // (the unit of their trade and book sizes) and volCcy24h is base currency, not quote.
    if (f.vol24h !== undefined) ev.volume24h = f.vol24h;
    if (f.volCcy24h !== undefined && instTypeOf(sym) === 'SPOT') ev.quoteVolume24h = f.volCcy24h;
    sink.event(ev);
  }

  private fundingRate(m: OkxPush, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const f = m.data[0];
    if (m.data.length !== 1 || !isOkxFundingRate(f) || !isDecimalText(f.fundingRate)) {
      sink.reject('funding-rate frame failed its guard', text);
      return;
    }
    const sym = this.known(f.instId, 'funding-rate', text, sink);
    if (sym === undefined) return;
    // fundingTime is the settlement the current fundingRate applies to: our "next funding".
    // Older pushes carry no ts: the receive time stands in.
    const ev: Derivative = {
      type: 'derivative', venue: meta.venue, symbol: this.ctx.symbols.get(sym) as string, venueSymbol: sym,
      ts: f.ts === undefined ? meta.localTs : Number(f.ts) * 1000, localTs: meta.localTs,
      fundingRate: f.fundingRate, nextFundingTs: Number(f.fundingTime) * 1000,
    };
    sink.event(ev);
  }

  private openInterest(m: OkxPush, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const o = m.data[0];
    if (m.data.length !== 1 || !isOkxOpenInterest(o) || !isDecimalText(o.oi)) {
      sink.reject('open-interest frame failed its guard', text);
      return;
    }
    const sym = this.known(o.instId, 'open-interest', text, sink);
    if (sym === undefined) return;
    // `oi` is in contracts, the unit of the instrument's trade and book sizes.
    const ev: Derivative = {
      type: 'derivative', venue: meta.venue, symbol: this.ctx.symbols.get(sym) as string, venueSymbol: sym,
      ts: Number(o.ts) * 1000, localTs: meta.localTs, openInterest: o.oi,
    };
    sink.event(ev);
  }
}

type TickerFields = { [K in 'last' | 'bidPx' | 'bidSz' | 'askPx' | 'askSz' | 'open24h' | 'high24h' | 'low24h' | 'vol24h' | 'volCcy24h']?: string };
const TICKER_KEYS = ['last', 'bidPx', 'bidSz', 'askPx', 'askSz', 'open24h', 'high24h', 'low24h', 'vol24h', 'volCcy24h'] as const;

/** The ticker's decimal fields ("" → absent); undefined when one holds something else. */
function tickerFields(t: OkxTicker): TickerFields | undefined {
  const out: TickerFields = {};
  for (const k of TICKER_KEYS) {
    const v = decimalOrNone(t[k]);
    if (v === null) return undefined;
    if (v !== undefined) out[k] = v;
  }
  return out;
}

export function createDecoder(ctx: DecodeContext): Decoder {
  return new OkxDecoder(ctx);
}
