// Bitget frames → normalized events (pure: no I/O, no clock; localTs comes from the frame). Reads
// the v2 public stream and the v1 spot/mix streams of the 2022 captures (same envelope, wire.ts).
// Books: `action:"snapshot"` replaces the book (sink.snapshot), `action:"update"` is a diff
// (sink.depth), each with the venue's checksum of the resulting top 25. A frame that fails its
// guard is rejected whole: nothing of it is emitted.
import type { Derivative, Quote, Ticker, Trade } from '../../core/events.js';
import { LevelBatch, isZeroAmount, parseDecimal } from '../../book/levels.js';
import { toUint32 } from '../../book/checksum.js';
import type { BookSnapshotInput, DepthUpdate } from '../../book/types.js';
import type { DecodeContext, DecodeSink, Decoder, FrameMeta } from '../types.js';
import { marketOf, venueSymbolOf } from './symbols.js';
import { jsonObjectFrame } from '../json-frame.js';
import {
  decimalField, isBitgetBookData, isBitgetPush, isBitgetTradeV1, isBitgetTradeV2, isLevel, isObj, msOf,
  type BitgetBookData, type BitgetPush, type Obj,
} from './wire.js';

/** The venue's checksum as sent (int32 number or integer text) → unsigned; undefined if absent. */
function checksumOf(x: unknown): number | undefined | null {
  if (x === undefined) return undefined;
  if (typeof x !== 'number' && !(typeof x === 'string' && /^-?\d{1,10}$/.test(x))) return null;
  const n = toUint32(x);
  return Number.isNaN(n) ? null : n;
}

export class BitgetDecoder implements Decoder {
  private readonly ctx: DecodeContext;
  private readonly batch = new LevelBatch(64);
  private readonly update: DepthUpdate = { ts: 0, localTs: 0, firstId: -1, lastId: -1, prevId: -1, levels: this.batch };

  constructor(ctx: DecodeContext) {
    this.ctx = ctx;
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
    if (!isBitgetPush(m)) {
      sink.reject('message without a known shape', text);
      return;
    }
    const channel = m.arg.channel;
    if (channel.startsWith('books')) this.books(m, text, meta, sink);
    else if (channel === 'trade') this.trades(m, text, meta, sink);
    else if (channel === 'ticker') this.ticker(m, text, meta, sink);
    else if (!channel.startsWith('candle')) sink.control('other', text); // candles: not normalized here
  }

  private event(m: Obj, text: string, sink: DecodeSink): void {
    if (m.event === 'error') {
      sink.control('error', `${String(m.code)} ${String(m.msg)}`);
    } else if (m.event === 'subscribe' || m.event === 'unsubscribe') {
      sink.control('ack', text);
    } else {
      sink.control('other', text);
    }
  }

  /** The configured venue symbol a push is for, or undefined after rejecting it. */
  private symbolOf(m: BitgetPush, what: string, text: string, sink: DecodeSink): string | undefined {
    const v = venueSymbolOf(m.arg.instType, m.arg.instId);
    if (v === undefined || !this.ctx.symbols.has(v)) {
      sink.reject(`${what} for unknown symbol ${m.arg.instType}:${m.arg.instId}`, text);
      return undefined;
    }
    return v;
  }

  private books(m: BitgetPush, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const d = m.data[0];
    if (m.data.length !== 1 || !isBitgetBookData(d)) {
      sink.reject('books frame without one {asks, bids} item', text);
      return;
    }
    const checksum = checksumOf(d.checksum);
    const ms = d.ts === undefined ? 0 : msOf(d.ts);
    const seq = d.seq === undefined ? -1 : typeof d.seq === 'number' && Number.isSafeInteger(d.seq) ? d.seq : undefined;
    if (checksum === null || ms === undefined || seq === undefined) {
      sink.reject('books frame with a malformed checksum, ts or seq', text);
      return;
    }
    const vs = this.symbolOf(m, 'books', text, sink);
    if (vs === undefined) return;
    if (m.action === 'snapshot') this.snapshot(vs, d, seq, ms, checksum, text, sink);
    else if (m.action === 'update') this.diff(vs, d, seq, ms, checksum, text, meta, sink);
    else sink.reject(`books action ${JSON.stringify(m.action)}`, text);
  }

  private snapshot(vs: string, d: BitgetBookData, seq: number, ms: number, checksum: number | undefined, text: string, sink: DecodeSink): void {
    const bids = levelsOf(d.bids);
    const asks = levelsOf(d.asks);
    if (bids === undefined || asks === undefined) {
      sink.reject('books snapshot with a malformed level', text);
      return;
    }
    const s: BookSnapshotInput = { lastUpdateId: seq, ts: ms * 1000, bids, asks };
    if (checksum !== undefined) s.checksum = checksum;
    sink.snapshot(vs, s);
  }

  private diff(vs: string, d: BitgetBookData, seq: number, ms: number, checksum: number | undefined, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const b = this.batch;
    b.reset();
    if (!pushAll(b, 1, d.bids) || !pushAll(b, -1, d.asks)) {
      sink.reject('books update with a malformed level', text);
      return;
    }
    const u = this.update;
    u.ts = ms * 1000;
    u.localTs = meta.localTs;
    u.firstId = seq;
    u.lastId = seq;
    u.prevId = -1;
    u.checksum = checksum; // undefined when the frame has none: nothing to compare
    sink.depth(vs, u);
  }

  /**
   * Trades of `action:"update"` frames. The `snapshot` a subscription starts with lists trades from
   * before it (and, after a reconnect, trades already recorded): skipped. v1 rows have no trade id:
   * the id is `<ts>:<price>:<size>:<side>` (not numeric, so never taken for a sequence).
   */
  private trades(m: BitgetPush, text: string, meta: FrameMeta, sink: DecodeSink): void {
    if (m.action === 'snapshot') return;
    const vs = this.symbolOf(m, 'trade', text, sink);
    if (vs === undefined) return;
    const symbol = this.ctx.symbols.get(vs)!;
    for (const t of m.data) {
      if (!isBitgetTradeV2(t) && !isBitgetTradeV1(t)) {
        sink.reject('trade failed its guard', text);
        return;
      }
    }
    for (const t of m.data) {
      let ev: Trade;
      if (isBitgetTradeV2(t)) {
        ev = {
          type: 'trade', venue: meta.venue, symbol, venueSymbol: vs, ts: msOf(t.ts)! * 1000, localTs: meta.localTs,
          id: t.tradeId, price: t.price, amount: t.size, side: t.side as 'buy' | 'sell',
        };
      } else {
        const r = t as [string, string, string, string];
        ev = {
          type: 'trade', venue: meta.venue, symbol, venueSymbol: vs, ts: msOf(r[0])! * 1000, localTs: meta.localTs,
          id: `${r[0]}:${r[1]}:${r[2]}:${r[3]}`, price: r[1], amount: r[2], side: r[3] as 'buy' | 'sell',
        };
      }
      sink.event(ev);
    }
  }

  /** A ticker push → ticker event; plus a quote when it has best bid/ask sizes (v2) and, for perps, a derivative event. */
  private ticker(m: BitgetPush, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const t = m.data[0];
    if (m.data.length !== 1 || !isObj(t)) {
      sink.reject('ticker frame without one item', text);
      return;
    }
    const vs = this.symbolOf(m, 'ticker', text, sink);
    if (vs === undefined) return;
    const symbol = this.ctx.symbols.get(vs)!;
    const ms = msOf(t.ts) ?? msOf(t.systemTime) ?? msOf(m.ts);
    const ts = ms === undefined ? meta.localTs : ms * 1000;
    const base = { venue: meta.venue, symbol, venueSymbol: vs, ts, localTs: meta.localTs };
    const tk: Ticker = { type: 'ticker', ...base };
    setIf(tk, 'last', decimalField(t, 'lastPr') ?? decimalField(t, 'last'));
    setIf(tk, 'open24h', decimalField(t, 'open24h'));
    setIf(tk, 'high24h', decimalField(t, 'high24h'));
    setIf(tk, 'low24h', decimalField(t, 'low24h'));
    setIf(tk, 'volume24h', decimalField(t, 'baseVolume'));
    setIf(tk, 'quoteVolume24h', decimalField(t, 'quoteVolume'));
    if (tk.last === undefined && tk.high24h === undefined && tk.volume24h === undefined) {
      sink.reject('ticker without last, high24h or baseVolume', text);
      return;
    }
    sink.event(tk);
    const bidPrice = decimalField(t, 'bidPr');
    const askPrice = decimalField(t, 'askPr');
    const bidAmount = decimalField(t, 'bidSz');
    const askAmount = decimalField(t, 'askSz');
    if (bidPrice !== undefined && askPrice !== undefined && bidAmount !== undefined && askAmount !== undefined) {
      const q: Quote = { type: 'quote', ...base, bidPrice, bidAmount, askPrice, askAmount };
      sink.event(q);
    }
    if (marketOf(vs) !== 'perp') return;
    const dv: Derivative = { type: 'derivative', ...base };
    setIf(dv, 'markPrice', decimalField(t, 'markPrice'));
    setIf(dv, 'indexPrice', decimalField(t, 'indexPrice'));
    setIf(dv, 'fundingRate', decimalField(t, 'fundingRate') ?? decimalField(t, 'capitalRate'));
    setIf(dv, 'openInterest', decimalField(t, 'holdingAmount') ?? decimalField(t, 'holding'));
    const next = msOf(t.nextFundingTime) ?? msOf(t.nextSettleTime);
    if (next !== undefined && next > 0) dv.nextFundingTs = next * 1000;
    if (dv.markPrice !== undefined || dv.indexPrice !== undefined || dv.fundingRate !== undefined) sink.event(dv);
  }
}

function setIf<T extends object, K extends keyof T>(o: T, key: K, v: T[K] | undefined): void {
  if (v !== undefined) o[key] = v;
}

/** `[[px, sz, …]…]` → `[px, sz][]`, or undefined when a level is malformed. */
function levelsOf(xs: unknown[]): [string, string][] | undefined {
  const out: [string, string][] = new Array<[string, string]>(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const l = xs[i];
    if (!isLevel(l)) return undefined;
    out[i] = l.length === 2 ? l : [l[0], l[1]];
  }
  return out;
}

function pushAll(b: LevelBatch, side: 1 | -1, xs: unknown[]): boolean {
  for (let i = 0; i < xs.length; i++) {
    const l = xs[i];
    if (!isLevel(l)) return false;
    const price = parseDecimal(l[0]);
    if (price !== price) return false;
    b.push(side, price, l[0], l[1], isZeroAmount(l[1]));
  }
  return true;
}

export function createDecoder(ctx: DecodeContext): Decoder {
  return new BitgetDecoder(ctx);
}
