// BingX frames → normalized events (pure: no I/O, no clock; localTs comes from the frame).
// Every server frame is a gzip member (decodeBinary gunzips it, then decodes the text):
//   `Ping` (swap) / {"ping","time"} (spot)  → sink.reply `Pong` / {"pong","time"}: the server drops
//                                            a socket that stops answering (§3.1)
//   <SYM>@incrDepth  action "all"            → sink.snapshot (lastUpdateId; both sides best first)
//                    action "update"         → sink.depth (firstId = lastId = lastUpdateId, book-rule.ts)
//   <SYM>@depthN[@Xms]                       → every push is the whole top N: a stream snapshot
//   <SYM>@trade → trade (spot: one object with id `t`; swap: an array without ids)
//   <SYM>@ticker → quote (B/b, A/a) + ticker;  <SYM>@markPrice (swap) → derivative
//   acks → ack, code ≠ 0 → error; other channels (klines) → other
// A frame that fails its guard is rejected whole: nothing of it is emitted.
import { gunzipSync } from 'node:zlib';
import type { Derivative, Quote, Ticker, Trade } from '../../core/events.js';
import { isDecimalText, LevelBatch } from '../../book/levels.js';
import type { BookSnapshotInput, DepthUpdate } from '../../book/types.js';
import { jsonObjectFrame } from '../json-frame.js';
import type { DecodeContext, DecodeSink, Decoder, FrameMeta } from '../types.js';
import { NO_ID } from './book-rule.js';
import { bestFirst, levelPairs, pushLevels } from './levels.js';
import {
  isBingxDepth, isBingxIncrDepth, isBingxMarkPrice, isBingxPush, isBingxSpotPing, isBingxSpotTrade, isBingxSwapTrade, isBingxTicker,
  type BingxPush,
} from './wire.js';

const DEPTH_RE = /^depth(\d+)(?:@\d+ms)?$/;
/** Ticker fields read (all decimals): last, 24h open/high/low, base and quote volume, best bid/ask. */
const TICKER_KEYS = ['c', 'o', 'h', 'l', 'v', 'q', 'B', 'b', 'A', 'a'] as const;
type TickerKey = (typeof TICKER_KEYS)[number];

/** The gunzipped text of a frame, or undefined after a reject (not a gzip member, not UTF-8 text). */
export function gunzipFrame(data: Buffer, sink: DecodeSink): string | undefined {
  let text: string;
  try {
    text = gunzipSync(data).toString('utf8');
  } catch (e) {
    sink.reject(`not a gzip member: ${(e as Error).message}`, data.toString('base64'));
    return undefined;
  }
  return text;
}

/**
 * The exact text of a JSON number value under `"key":` in the frame (the first after `from`),
 * when it reads back as `value`; else JavaScript's text of the number. Spot tickers send JSON
 * numbers (§3.3): their lexemes are kept, like every decimal string elsewhere.
 */
function numberText(text: string, from: number, key: string, value: number): string {
  const at = text.indexOf(`"${key}":`, from);
  if (at >= 0) {
    const i = at + key.length + 3;
    let j = i;
    for (; j < text.length; j++) {
      const c = text.charCodeAt(j);
      // digits, '.', '-', '+', 'e', 'E'
      if (!((c >= 48 && c <= 57) || c === 46 || c === 45 || c === 43 || c === 101 || c === 69)) break;
    }
    const lexeme = text.slice(i, j);
    if (isDecimalText(lexeme) && Number(lexeme) === value) return lexeme;
  }
  return String(value);
}

export class BingxDecoder implements Decoder {
  private readonly ctx: DecodeContext;
  private readonly batch = new LevelBatch(64);
  /** The update handed to sink.depth: reused (the sink consumes it before the next decode). */
  private readonly update: DepthUpdate;

  constructor(ctx: DecodeContext) {
    this.ctx = ctx;
    this.update = { ts: 0, localTs: 0, firstId: NO_ID, lastId: NO_ID, prevId: NO_ID, levels: this.batch };
  }

  decodeBinary(data: Buffer, meta: FrameMeta, sink: DecodeSink): void {
    const text = gunzipFrame(data, sink);
    if (text !== undefined) this.decode(text, meta, sink);
  }

  /** One gunzipped frame (or a text frame, which BingX does not send: decoded the same way). */
  decode(text: string, meta: FrameMeta, sink: DecodeSink): void {
    if (text === 'Ping') {
      sink.reply?.('Pong');
      sink.control('other', text);
      return;
    }
    const m = jsonObjectFrame(text, sink);
    if (m === undefined) return;
    if (isBingxPush(m)) {
      this.push(m, text, meta, sink);
      return;
    }
    if (isBingxSpotPing(m)) {
      sink.reply?.(JSON.stringify({ pong: m.ping, time: m.time }));
      sink.control('other', text);
      return;
    }
    if (typeof m.code === 'number' && m.code !== 0) {
      sink.control('error', `${m.code} ${String(m.msg ?? '')}`);
      return;
    }
    if (m.code === 0 && (typeof m.id === 'string' || typeof m.id === 'number')) {
      sink.control('ack', text);
      return;
    }
    sink.reject('neither a push {code, dataType, data} nor an ack, error or ping', text);
  }

  private push(m: BingxPush, text: string, meta: FrameMeta, sink: DecodeSink): void {
    if (m.code !== 0) {
      sink.control('error', text);
      return;
    }
    const at = m.dataType.indexOf('@');
    const sym = at < 0 ? undefined : m.dataType.slice(0, at);
    if (sym === undefined || !this.ctx.symbols.has(sym)) {
      sink.reject(`push for unknown symbol or dataType ${JSON.stringify(m.dataType)}`, text);
      return;
    }
    const channel = m.dataType.slice(at + 1);
    const frameMs = m.ts ?? m.timestamp;
    if (channel === 'incrDepth') this.incrDepth(sym, m.data, frameMs, text, meta, sink);
    else if (channel === 'trade') this.trades(sym, m.data, text, meta, sink);
    else if (channel === 'ticker') this.ticker(sym, m.data, text, meta, sink);
    else if (channel === 'markPrice') this.markPrice(sym, m.data, text, meta, sink);
    else {
      const depth = DEPTH_RE.exec(channel);
      if (depth !== null) this.depth(sym, Number(depth[1]), m.data, frameMs, text, sink);
      else sink.control('other', m.dataType); // a channel we do not record (klines, lastPrice …)
    }
  }

  private incrDepth(sym: string, data: unknown, frameMs: number | undefined, text: string, meta: FrameMeta, sink: DecodeSink): void {
    if (!isBingxIncrDepth(data)) {
      sink.reject('incrDepth frame failed its guard', text);
      return;
    }
    const ms = data.time ?? frameMs;
    if (data.action === 'all') {
      const bids = levelPairs(data.bids);
      const asks = levelPairs(data.asks);
      if (bids === undefined || asks === undefined) {
        sink.reject('incrDepth "all" with a malformed level', text);
        return;
      }
      const s: BookSnapshotInput = { lastUpdateId: data.lastUpdateId, ts: ms === undefined ? 0 : ms * 1000, bids: bestFirst(bids, 1), asks: bestFirst(asks, -1) };
      sink.snapshot(sym, s);
      return;
    }
    if (data.action !== 'update') {
      sink.reject(`incrDepth frame with action ${JSON.stringify(data.action)}`, text);
      return;
    }
    const b = this.batch;
    b.reset();
    if (!pushLevels(b, 1, data.bids) || !pushLevels(b, -1, data.asks)) {
      sink.reject('incrDepth update with a malformed level', text);
      return;
    }
    const u = this.update;
    u.ts = ms === undefined ? meta.localTs : ms * 1000;
    u.localTs = meta.localTs;
    u.firstId = data.lastUpdateId;
    u.lastId = data.lastUpdateId;
    sink.depth(sym, u);
  }

  /** `@depthN`: the whole top N, sorted by us (spot asks arrive highest first). */
  private depth(sym: string, n: number, data: unknown, frameMs: number | undefined, text: string, sink: DecodeSink): void {
    const bids = isBingxDepth(data) ? levelPairs(data.bids) : undefined;
    const asks = isBingxDepth(data) ? levelPairs(data.asks) : undefined;
    if (bids === undefined || asks === undefined) {
      sink.reject(`depth${n} frame failed its guard`, text);
      return;
    }
    const id = (data as { lastUpdateId?: number }).lastUpdateId ?? NO_ID;
    sink.snapshot(sym, { lastUpdateId: id, ts: frameMs === undefined ? 0 : frameMs * 1000, bids: bestFirst(bids, 1), asks: bestFirst(asks, -1), depth: n });
  }

  private trades(sym: string, data: unknown, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const symbol = this.ctx.symbols.get(sym)!;
    if (isBingxSpotTrade(data)) {
      if (!isDecimalText(data.p) || !isDecimalText(data.q)) {
        sink.reject('trade with a non-numeric price or quantity', text);
        return;
      }
      const ev: Trade = {
        type: 'trade', venue: meta.venue, symbol, venueSymbol: sym, ts: data.T * 1000, localTs: meta.localTs,
        id: data.t, price: data.p, amount: data.q, side: data.m ? 'sell' : 'buy',
      };
      sink.event(ev);
      return;
    }
    if (!Array.isArray(data) || data.length === 0) {
      sink.reject('trade frame failed its guard', text);
      return;
    }
    for (const t of data) {
      if (!isBingxSwapTrade(t) || !isDecimalText(t.p) || !isDecimalText(t.q)) {
        sink.reject('swap trade failed its guard', text);
        return;
      }
    }
    // Swap trades carry no id: `<T>:<price>:<qty>:<side>` (not numeric, so never taken for a
    // sequence), with `:2`, `:3` … on a repeat of the same fields within one push.
    let prev = '';
    let repeat = 1;
    for (const t of data as { T: number; m: boolean; p: string; q: string }[]) {
      const side = t.m ? 'sell' : 'buy';
      const base = `${t.T}:${t.p}:${t.q}:${side}`;
      repeat = base === prev ? repeat + 1 : 1;
      prev = base;
      const ev: Trade = {
        type: 'trade', venue: meta.venue, symbol, venueSymbol: sym, ts: t.T * 1000, localTs: meta.localTs,
        id: repeat === 1 ? base : `${base}:${repeat}`, price: t.p, amount: t.q, side,
      };
      sink.event(ev);
    }
  }

  private ticker(sym: string, data: unknown, text: string, meta: FrameMeta, sink: DecodeSink): void {
    if (!isBingxTicker(data)) {
      sink.reject('ticker frame failed its guard', text);
      return;
    }
    const from = text.indexOf('"data":');
    const f: Partial<Record<TickerKey, string>> = {};
    for (const k of TICKER_KEYS) {
      const v = data[k];
      if (v === undefined) continue;
      const s = typeof v === 'number' ? numberText(text, from, k, v) : v;
      if (typeof s !== 'string' || !isDecimalText(s)) {
        sink.reject(`ticker field ${k} is not a decimal`, text);
        return;
      }
      f[k] = s;
    }
    const base = { venue: meta.venue, symbol: this.ctx.symbols.get(sym)!, venueSymbol: sym, ts: data.E * 1000, localTs: meta.localTs };
    if (f.B !== undefined && f.b !== undefined && f.A !== undefined && f.a !== undefined) {
      const q: Quote = { type: 'quote', ...base, bidPrice: f.B, bidAmount: f.b, askPrice: f.A, askAmount: f.a };
      sink.event(q);
    }
    const ev: Ticker = { type: 'ticker', ...base };
    if (f.c !== undefined) ev.last = f.c;
    if (f.o !== undefined) ev.open24h = f.o;
    if (f.h !== undefined) ev.high24h = f.h;
    if (f.l !== undefined) ev.low24h = f.l;
    if (f.v !== undefined) ev.volume24h = f.v;
    if (f.q !== undefined) ev.quoteVolume24h = f.q;
    sink.event(ev);
  }

  private markPrice(sym: string, data: unknown, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const p = isBingxMarkPrice(data) ? (typeof data.p === 'number' ? numberText(text, text.indexOf('"data":'), 'p', data.p) : data.p) : undefined;
    if (p === undefined || !isDecimalText(p)) {
      sink.reject('markPrice frame failed its guard', text);
      return;
    }
    const ev: Derivative = {
      type: 'derivative', venue: meta.venue, symbol: this.ctx.symbols.get(sym)!, venueSymbol: sym,
      ts: (data as { E: number }).E * 1000, localTs: meta.localTs, markPrice: p,
    };
    sink.event(ev);
  }
}

export function createDecoder(ctx: DecodeContext): Decoder {
  return new BingxDecoder(ctx);
}
