// Bitfinex WS v2 frames → sink calls (PROTOCOLS.md §5). Pure: the only state is what frames taught
// it, per connection (meta.connId): the conf flags, channel id → channel/symbol from `subscribed`
// events, and the SEQ_ALL sequence. Channel frames take the span scanner (scan.ts), so prices and
// amounts stay the exact texts the checksum needs; event objects go through JSON.parse (control.ts).
// Raw (R0) book channels keep their orders in the channel's RawBook (raw-book.ts), which turns
// order changes into price-level changes and computes the raw checksum the `cs` frames are
// compared with (sink.checksum's `ours`).
//
// Trailing numbers of a channel frame are told apart by size, whatever the flag order: a value
// ≥ 1e11 is the TIMESTAMP (epoch ms), a smaller one the SEQ_ALL sequence.
//
// Trades: `te` (execution) is used and `tu` ignored. In v2 both carry the trade id and the same
// fields; `te` comes at once and `tu` 1–2 s later, once the trade is written — taking one keeps
// each trade once (the feed's id dedup would drop the other anyway) with the earlier time.
import type { Quote, Ticker, Trade } from '../../core/events.js';
import { toUint32 } from '../../book/checksum.js';
import { isDecimalText, LevelBatch, parseDecimal } from '../../book/levels.js';
import type { DepthUpdate } from '../../book/types.js';
import type { DecodeContext, DecodeSink, Decoder, FrameMeta } from '../types.js';
import { pushBookRow, snapshotSides } from './book-rows.js';
import { decodeEvent, newConnState, type Channel, type ConnState } from './control.js';
import { FrameScan, TOK_NUM } from './scan.js';
import { RawBook, rawRowError } from './raw-book.js';
import { FLAG_BULK, FLAG_SEQ_ALL, resubscribeFrames, type BookPrec } from './subscribe.js';

/** Trailing values at or above this are epoch-ms timestamps (1973-03-03); below, sequence numbers. */
const TS_FLOOR_MS = 1e11;
/** Connections whose state is kept (oldest dropped): a long run reconnects many times. */
const MAX_CONNS = 64;

export interface BitfinexDecodeStats {
  /** SEQ_ALL sequence breaks (each also sent as control('shutdown')). */
  seqGaps: number;
  heartbeats: number;
}

export class BitfinexDecoder implements Decoder {
  readonly stats: BitfinexDecodeStats = { seqGaps: 0, heartbeats: 0 };
  private readonly ctx: DecodeContext;
  private readonly conns = new Map<number, ConnState>();
  private readonly scan = new FrameScan();
  private readonly batch = new LevelBatch(64);
  private readonly update: DepthUpdate;
  private tsMs = -1;
  /** The precision this venue subscribes books with (resubscribes before any channel is known). */
  private readonly prec: BookPrec;

  constructor(ctx: DecodeContext, prec: BookPrec = 'P0') {
    this.ctx = ctx;
    this.prec = prec;
    this.update = { ts: 0, localTs: 0, firstId: -1, lastId: -1, prevId: -1, levels: this.batch };
  }

  decode(text: string, meta: FrameMeta, sink: DecodeSink): void {
    const conn = this.conn(meta.connId);
    if (text.charCodeAt(0) === 123) { // {
      let m: unknown;
      try { m = JSON.parse(text); } catch { sink.reject('not JSON', text); return; }
      if (typeof m !== 'object' || m === null || Array.isArray(m)) sink.reject('not a JSON object', text);
      else decodeEvent(m as Record<string, unknown>, text, conn, this.ctx, sink);
      return;
    }
    const s = this.scan;
    if (!s.scan(text)) {
      sink.reject('not a Bitfinex channel frame [CHAN_ID, …]', text);
      return;
    }
    if (!this.trailing(conn, text, sink)) return;
    if (s.tagStart >= 0 && s.tagIs('hb')) {
      this.stats.heartbeats++;
      return;
    }
    const ch = conn.channels.get(s.chanId);
    if (ch === undefined) {
      sink.reject(`frame for channel ${s.chanId}, which no subscribed event announced`, text);
      return;
    }
    if (ch.symbol === undefined) {
      sink.reject(`frame for ${ch.venueSymbol}, which is not being recorded`, text);
      return;
    }
    switch (ch.kind) {
      case 'book': this.book(ch, conn, text, meta, sink); return;
      case 'trades': this.trades(ch, text, meta, sink); return;
      case 'ticker': this.ticker(ch, text, meta, sink); return;
      case 'raw-book': this.rawBook(ch, conn, text, meta, sink); return;
      default: sink.reject(`frame of an unsupported channel (${ch.venueSymbol})`, text);
    }
  }

  /**
   * Frames that make this decoder's venue send a fresh snapshot of one book: unsubscribe by the
   * channel id learnt from `subscribed` (latest connection first) + subscribe.
   */
  resubscribe(venueSymbol: string, depth: number): string[] {
    const ids = [...this.conns.values()].reverse();
    for (const c of ids) {
      for (const [id, ch] of c.channels) {
        if (ch.venueSymbol !== venueSymbol) continue;
        if (ch.kind === 'book') return resubscribeFrames(venueSymbol, depth, id, 'P0');
        if (ch.kind === 'raw-book') return resubscribeFrames(venueSymbol, depth, id, 'R0');
      }
    }
    return resubscribeFrames(venueSymbol, depth, undefined, this.prec);
  }

  private conn(connId: number): ConnState {
    let c = this.conns.get(connId);
    if (c === undefined) {
      c = newConnState();
      this.conns.set(connId, c);
      if (this.conns.size > MAX_CONNS) this.conns.delete(this.conns.keys().next().value as number);
    }
    return c;
  }

  /** Reads the trailing timestamp and sequence (this.tsMs); false when the frame was rejected. */
  private trailing(conn: ConnState, text: string, sink: DecodeSink): boolean {
    const s = this.scan;
    this.tsMs = -1;
    for (let k = 0; k < s.trailing; k++) {
      const v = parseDecimal(text, s.trailStart[k], s.trailEnd[k]);
      if (!Number.isSafeInteger(v) || v < 0) {
        sink.reject(`trailing field ${text.slice(s.trailStart[k], s.trailEnd[k])} is neither a sequence nor a timestamp`, text);
        return false;
      }
      if (v >= TS_FLOOR_MS) {
        this.tsMs = v;
      } else if (conn.flags === -1 || (conn.flags & FLAG_SEQ_ALL) !== 0) {
        if (conn.lastSeq >= 0 && v !== conn.lastSeq + 1) {
          this.stats.seqGaps++;
          sink.control('shutdown', `SEQ_ALL sequence gap: expected ${conn.lastSeq + 1}, got ${v}: frames were lost on this connection`);
        }
        conn.lastSeq = v;
      }
    }
    return true;
  }

  private book(ch: Channel, conn: ConnState, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const s = this.scan;
    const ts = this.tsMs >= 0 ? this.tsMs * 1000 : 0;
    if (s.tagStart >= 0) {
      if (!s.tagIs('cs') || s.valueStart < 0) {
        sink.reject(`book frame with tag ${text.slice(s.tagStart, s.tagEnd)}`, text);
        return;
      }
      const n = this.csValue(text, sink);
      if (n >= 0) sink.checksum(ch.venueSymbol, n, ts);
      return;
    }
    if (!s.hasData) {
      sink.reject('book frame without data', text);
      return;
    }
    const b = this.batch;
    if (s.nested && !(ch.snapshotSeen && conn.flags !== -1 && (conn.flags & FLAG_BULK) !== 0)) {
      const sides = snapshotSides(s, b);
      if (typeof sides === 'string') {
        sink.reject(sides, text);
        return;
      }
      ch.snapshotSeen = true;
      sink.snapshot(ch.venueSymbol, { lastUpdateId: -1, ts, bids: sides.bids, asks: sides.asks });
      return;
    }
    // One update, or (BULK) a batch of them applied as one.
    b.reset(text);
    for (let r = 0; r < s.rows; r++) {
      const err = pushBookRow(s, r, b);
      if (err !== undefined) {
        sink.reject(err, text);
        return;
      }
    }
    const u = this.update;
    u.ts = ts > 0 ? ts : meta.localTs;
    u.localTs = meta.localTs;
    sink.depth(ch.venueSymbol, u);
  }

  /** The checksum of a `cs` frame, unsigned; -1 when the frame was rejected. */
  private csValue(text: string, sink: DecodeSink): number {
    const s = this.scan;
    const n = parseDecimal(text, s.valueStart, s.valueEnd);
    // A signed int32 on the wire; unsigned tolerated.
    if (!Number.isInteger(n) || n < -0x80000000 || n > 0xffffffff) {
      sink.reject('checksum is not a 32-bit integer', text);
      return -1;
    }
    return toUint32(n);
  }

  /**
   * R0 frames: a snapshot `[CHAN,[[ID,PRICE,AMOUNT],…]]` replaces the channel's orders and goes to
   * the sink as price levels; an update `[CHAN,[ID,PRICE,AMOUNT]]` (BULK: several) goes as the
   * levels it changed; `[CHAN,"cs",N]` is compared with the checksum of our orders. A frame is
   * checked whole before any of it is applied.
   */
  private rawBook(ch: Channel, conn: ConnState, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const s = this.scan;
    const raw = ch.raw ?? (ch.raw = new RawBook());
    const ts = this.tsMs >= 0 ? this.tsMs * 1000 : 0;
    if (s.tagStart >= 0) {
      if (!s.tagIs('cs') || s.valueStart < 0) {
        sink.reject(`raw book frame with tag ${text.slice(s.tagStart, s.tagEnd)}`, text);
        return;
      }
      const n = this.csValue(text, sink);
      if (n >= 0) sink.checksum(ch.venueSymbol, n, ts, raw.checksum());
      return;
    }
    if (!s.hasData) {
      sink.reject('raw book frame without data', text);
      return;
    }
    for (let r = 0; r < s.rows; r++) {
      const err = rawRowError(s, r);
      if (err !== undefined) {
        sink.reject(err, text);
        return;
      }
    }
    if (s.nested && !(ch.snapshotSeen && conn.flags !== -1 && (conn.flags & FLAG_BULK) !== 0)) {
      raw.clear();
      for (let r = 0; r < s.rows; r++) raw.applyRow(s, r, undefined);
      ch.snapshotSeen = true;
      sink.snapshot(ch.venueSymbol, { lastUpdateId: -1, ts, bids: raw.levels(1), asks: raw.levels(-1) });
      return;
    }
    const b = this.batch;
    b.reset();
    for (let r = 0; r < s.rows; r++) raw.applyRow(s, r, b);
    if (b.length === 0) return; // only removals of orders not held
    const u = this.update;
    u.ts = ts > 0 ? ts : meta.localTs;
    u.localTs = meta.localTs;
    sink.depth(ch.venueSymbol, u);
  }

  private trades(ch: Channel, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const s = this.scan;
    if (s.tagStart >= 0) {
      if (s.tagIs('tu')) return;
      if (!s.tagIs('te') || !s.hasData || s.nested) {
        sink.reject(`trades frame with tag ${text.slice(s.tagStart, s.tagEnd)} and no [ID,MTS,AMOUNT,PRICE]`, text);
        return;
      }
      const t = this.trade(ch, 0, meta);
      if (typeof t === 'string') sink.reject(t, text);
      else sink.event(t);
      return;
    }
    if (!s.hasData || !s.nested) {
      sink.reject('trades frame that is neither a snapshot nor te/tu', text);
      return;
    }
    // The snapshot lists recent trades newest first: emitted oldest first, all or none.
    const out: Trade[] = [];
    for (let r = s.rows - 1; r >= 0; r--) {
      const t = this.trade(ch, r, meta);
      if (typeof t === 'string') {
        sink.reject(t, text);
        return;
      }
      out.push(t);
    }
    for (const t of out) sink.event(t);
  }

  /** Row r as a trade `[ID, MTS, AMOUNT, PRICE]` (AMOUNT < 0: the taker sold); an error text if bad. */
  private trade(ch: Channel, r: number, meta: FrameMeta): Trade | string {
    const s = this.scan;
    if (s.rowLength(r) < 4) return 'trade with fewer than 4 fields';
    const t0 = s.tok(r, 0);
    for (let j = 0; j < 4; j++) if (s.tokKind[t0 + j] !== TOK_NUM) return 'trade field is not a number';
    const id = s.tokText(t0);
    const mts = Number(s.tokText(t0 + 1));
    let amount = s.tokText(t0 + 2);
    const price = s.tokText(t0 + 3);
    if (!/^\d+$/.test(id) || !Number.isSafeInteger(mts) || mts < 0) return `trade id ${id} / time ${s.tokText(t0 + 1)} is not an integer`;
    const sell = amount.charCodeAt(0) === 45;
    if (sell) amount = amount.slice(1);
    if (!isDecimalText(amount) || !isDecimalText(price) || !(Number(amount) > 0) || !(Number(price) > 0)) {
      return `trade amount ${s.tokText(t0 + 2)} / price ${price} is not a positive decimal`;
    }
    return {
      type: 'trade', venue: meta.venue, symbol: ch.symbol as string, venueSymbol: ch.venueSymbol, ts: mts * 1000,
      localTs: meta.localTs, id, price, amount, side: sell ? 'sell' : 'buy',
    };
  }

  /**
   * `[BID, BID_SIZE, ASK, ASK_SIZE, DAILY_CHANGE, DAILY_CHANGE_RELATIVE, LAST_PRICE, VOLUME, HIGH,
   * LOW]` → a quote (best bid/ask) and a ticker (last, 24 h volume/high/low). Exchange time is the
   * TIMESTAMP flag's, else the receive time.
   */
  private ticker(ch: Channel, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const s = this.scan;
    if (s.tagStart >= 0 || !s.hasData || s.nested || s.rowLength(0) < 10) {
      sink.reject('ticker frame is not [CHAN, [10+ fields]]', text);
      return;
    }
    const f = (j: number): string | undefined => {
      const t = s.tok(0, j);
      if (s.tokKind[t] !== TOK_NUM) return undefined;
      const v = s.tokText(t);
      return isDecimalText(v) ? v : undefined;
    };
    const bid = f(0); const bidSize = f(1); const ask = f(2); const askSize = f(3);
    const last = f(6); const volume = f(7); const high = f(8); const low = f(9);
    const ts = this.tsMs >= 0 ? this.tsMs * 1000 : meta.localTs;
    const base = { venue: meta.venue, symbol: ch.symbol as string, venueSymbol: ch.venueSymbol, ts, localTs: meta.localTs };
    if (bid !== undefined && bidSize !== undefined && ask !== undefined && askSize !== undefined) {
      const q: Quote = { type: 'quote', ...base, bidPrice: bid, bidAmount: bidSize, askPrice: ask, askAmount: askSize };
      sink.event(q);
    }
    const t: Ticker = { type: 'ticker', ...base };
    if (last !== undefined) t.last = last;
    if (volume !== undefined) t.volume24h = volume;
    if (high !== undefined) t.high24h = high;
    if (low !== undefined) t.low24h = low;
    sink.event(t);
  }
}

export function createDecoder(ctx: DecodeContext, prec: BookPrec = 'P0'): BitfinexDecoder {
  return new BitfinexDecoder(ctx, prec);
}
