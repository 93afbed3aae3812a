// Kraken WS v1 messages (wire.ts; PROTOCOLS.md §4) → book snapshots/updates, trades, quotes,
// tickers, control. v1 is what the 2021 captures hold; the live plan uses v2. Prices and volumes
// are fixed-precision strings already, so they are stored verbatim (that is what the checksum
// wants). Pairs are translated to their v2 names (XBT → BTC, XDG → DOGE) before routing, so a v1
// capture and a v2 recording of the same pair land on the same venue symbol.
import type { Quote, Ticker, Trade } from '../../core/events.js';
import { LevelBatch, isZeroAmount, parseDecimal } from '../../book/levels.js';
import { toUint32 } from '../../book/checksum.js';
import type { DepthUpdate } from '../../book/types.js';
import type { DecodeContext, DecodeSink, FrameMeta } from '../types.js';
import { fromV1Pair } from './symbols.js';
import { isV1Level, isV1Spread, isV1Ticker, isV1Trade, v1TimeToUs, type KrakenV1Level } from './wire.js';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

export class KrakenV1Decoder {
  private readonly ctx: DecodeContext;
  private readonly batch = new LevelBatch(64);
  private readonly update: DepthUpdate = { ts: 0, localTs: 0, firstId: -1, lastId: -1, prevId: -1, levels: this.batch };
  /** Last pair name seen and its venue symbol: most frames repeat a few pairs. */
  private lastPair = '';
  private lastVenueSymbol: string | undefined = undefined;

  constructor(ctx: DecodeContext) {
    this.ctx = ctx;
  }

  /** `{"event":…}` objects: subscription status, system status, heartbeats, pongs. */
  event(m: Obj, text: string, sink: DecodeSink): void {
    switch (m.event) {
      case 'heartbeat':
      case 'pong':
        return;
      case 'subscriptionStatus':
        if (m.status === 'error') sink.control('error', text);
        else if (m.status === 'subscribed' || m.status === 'unsubscribed') sink.control('ack', text);
        else sink.control('other', text);
        return;
      case 'error':
        sink.control('error', text);
        return;
      default:
        sink.control('other', text); // systemStatus and anything newer
    }
  }

  /** `[chanId, payload…, channelName, pair]` data arrays. */
  array(m: unknown[], text: string, meta: FrameMeta, sink: DecodeSink): void {
    const n = m.length;
    const name = m[n - 2];
    const pair = m[n - 1];
    if (n < 4 || typeof m[0] !== 'number' || typeof name !== 'string' || typeof pair !== 'string') {
      sink.reject('v1 array is not [channelID, payload…, channelName, pair]', text);
      return;
    }
    const venueSymbol = this.venueSymbol(pair);
    if (venueSymbol === undefined) {
      sink.reject(`${name} for unknown symbol ${pair}`, text);
      return;
    }
    if (name.startsWith('book-')) this.book(m, venueSymbol, text, meta, sink);
    else if (name === 'trade') this.trades(m[1], venueSymbol, text, meta, sink);
    else if (name === 'ticker') this.ticker(m[1], venueSymbol, text, meta, sink);
    else if (name === 'spread') this.spread(m[1], venueSymbol, text, meta, sink);
    else sink.control('other', text); // ohlc-*, …: kept raw, not decoded
  }

  /** The recorded venue symbol of a v1 pair (`XBT/CHF` → `BTC/CHF`; the raw name is tried too). */
  private venueSymbol(pair: string): string | undefined {
    if (pair === this.lastPair) return this.lastVenueSymbol;
    const v2 = fromV1Pair(pair);
    const s = this.ctx.symbols.has(v2) ? v2 : this.ctx.symbols.has(pair) ? pair : undefined;
    this.lastPair = pair;
    this.lastVenueSymbol = s;
    return s;
  }

  private book(m: unknown[], venueSymbol: string, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const maps = m.length - 3;
    const first = m[1];
    if (maps === 1 && isObj(first) && ('as' in first || 'bs' in first)) {
      // `book-1000`: the subscription's depth, which the book is kept to
      this.snapshot(first, venueSymbol, Number.parseInt(String(m[m.length - 2]).slice(5), 10), text, sink);
      return;
    }
    // Update: one map with "a" or "b", or both maps; "c" (the checksum) sits in the last one.
    const batch = this.batch;
    batch.reset();
    let ts = 0;
    let checksum: number | undefined;
    for (let k = 1; k <= maps; k++) {
      const x = m[k];
      if (!isObj(x) || (x.a === undefined && x.b === undefined)) {
        sink.reject('v1 book update map without "a" or "b"', text);
        return;
      }
      for (const [key, side] of [['b', 1], ['a', -1]] as const) {
        if (x[key] === undefined) continue;
        const t = pushV1(batch, side, x[key]);
        if (t < 0) {
          sink.reject('v1 book entry is not [price, volume, time(, "r")]', text);
          return;
        }
        if (t > ts) ts = t;
      }
      if (x.c !== undefined) {
        checksum = typeof x.c === 'string' && /^\d{1,10}$/.test(x.c) ? toUint32(x.c) : NaN;
        if (checksum !== checksum || k !== maps) {
          sink.reject('v1 book checksum "c" is not a quoted integer in the last map', text);
          return;
        }
      }
    }
    const u = this.update;
    u.ts = ts;
    u.localTs = meta.localTs;
    u.checksum = checksum;
    sink.depth(venueSymbol, u);
  }

  /** The snapshot carries no checksum (v1 sends it on updates only). ts: newest entry time. */
  private snapshot(x: Obj, venueSymbol: string, depth: number, text: string, sink: DecodeSink): void {
    const bids: [string, string][] = [];
    const asks: [string, string][] = [];
    let ts = 0;
    for (const [key, out] of [['bs', bids], ['as', asks]] as const) {
      const levels = x[key] ?? [];
      if (!Array.isArray(levels)) {
        sink.reject(`v1 book snapshot "${key}" is not an array`, text);
        return;
      }
      for (const l of levels) {
        if (!isV1Level(l)) {
          sink.reject('v1 book entry is not [price, volume, time(, "r")]', text);
          return;
        }
        const t = v1TimeToUs(l[2]);
        if (t < 0) {
          sink.reject('v1 book entry time is not seconds.micros', text);
          return;
        }
        if (t > ts) ts = t;
        out.push([l[0], l[1]]);
      }
    }
    sink.snapshot(venueSymbol, { lastUpdateId: -1, ts, bids, asks, ...(depth > 0 ? { depth } : {}) });
  }

  private trades(payload: unknown, venueSymbol: string, text: string, meta: FrameMeta, sink: DecodeSink): void {
    if (!Array.isArray(payload) || !payload.every(isV1Trade)) {
      sink.reject('v1 trade is not [price, volume, time, side, orderType, misc]', text);
      return;
    }
    const symbol = this.ctx.symbols.get(venueSymbol)!;
    for (const t of payload) {
      const ev: Trade = {
        type: 'trade', venue: meta.venue, symbol, venueSymbol, ts: v1TimeToUs(t[2]), localTs: meta.localTs,
        // v1 trades carry no id: the trade time (µs resolution) is the nearest identifier.
        id: t[2], price: t[0], amount: t[1],
        // "Triggering order side (buy/sell)": the taker.
        side: t[3] === 'b' ? 'buy' : 'sell',
      };
      sink.event(ev);
    }
  }

  /** Ticker: best bid/ask (a/b: price, whole-lot volume, lot volume) and the rolling 24 h values. */
  private ticker(payload: unknown, venueSymbol: string, text: string, meta: FrameMeta, sink: DecodeSink): void {
    if (!isV1Ticker(payload)) {
      sink.reject('v1 ticker without a, b, c, v, l, h, o', text);
      return;
    }
    const symbol = this.ctx.symbols.get(venueSymbol)!;
    // v1 tickers carry no time: ts is the receive time.
    const base = { venue: meta.venue, symbol, venueSymbol, ts: meta.localTs, localTs: meta.localTs };
    const q: Quote = { type: 'quote', ...base, bidPrice: payload.b[0], bidAmount: payload.b[2], askPrice: payload.a[0], askAmount: payload.a[2] };
    const t: Ticker = {
      type: 'ticker', ...base,
      last: payload.c[0], open24h: payload.o[1], high24h: payload.h[1], low24h: payload.l[1], volume24h: payload.v[1],
    };
    sink.event(q);
    sink.event(t);
  }

  private spread(payload: unknown, venueSymbol: string, text: string, meta: FrameMeta, sink: DecodeSink): void {
    if (!isV1Spread(payload)) {
      sink.reject('v1 spread is not [bid, ask, time, bidVolume, askVolume]', text);
      return;
    }
    const symbol = this.ctx.symbols.get(venueSymbol)!;
    sink.event({
      type: 'quote', venue: meta.venue, symbol, venueSymbol, ts: v1TimeToUs(payload[2]), localTs: meta.localTs,
      bidPrice: payload[0], bidAmount: payload[3], askPrice: payload[1], askAmount: payload[4],
    });
  }
}

/** Appends v1 entries to the batch in wire order; returns the newest entry time (µs), -1 if malformed. */
function pushV1(batch: LevelBatch, side: 1 | -1, entries: unknown): number {
  if (!Array.isArray(entries)) return -1;
  let ts = 0;
  for (const e of entries) {
    if (!isV1Level(e)) return -1;
    const l: KrakenV1Level = e;
    const price = parseDecimal(l[0]);
    const t = v1TimeToUs(l[2]);
    if (price !== price || t < 0) return -1;
    if (t > ts) ts = t;
    // Volume "0.00000000" deletes; "r" (republish) entries are applied like any other.
    batch.push(side, price, l[0], l[1], isZeroAmount(l[1]));
  }
  return ts;
}
