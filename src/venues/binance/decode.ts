// Binance frames → normalized events, for either market (pure: no I/O, no clock; localTs comes
// from the frame). Depth frames take the single-pass scanner (depth-scan.ts); everything else, and
// any depth frame the scanner does not fully recognize, goes through JSON.parse + the wire.ts
// guards. A frame that fails its guard is rejected whole: nothing of it is emitted.
import type { Derivative, Quote, Trade } from '../../core/events.js';
import { pushLevels } from '../../book/levels.js';
import type { DecodeContext, DecodeSink, Decoder, FrameMeta } from '../types.js';
import { DepthScanner } from './depth-scan.js';
import type { BinanceMarket } from './market.js';
import {
  isBinanceAggTrade, isBinanceBookTicker, isBinanceDepthUpdate, isBinanceFuturesBookTicker, isBinanceFuturesDepthUpdate,
  isBinanceMarkPriceUpdate, isBinanceOpenInterest, isBinanceTrade,
  type BinanceAggTrade, type BinanceBookTicker, type BinanceDepthUpdate, type BinanceFuturesDepthUpdate, type BinanceMarkPriceUpdate,
  type BinanceTrade,
} from './wire.js';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

export class BinanceDecoder implements Decoder {
  private readonly ctx: DecodeContext;
  /** USDⓈ-M rather than spot (market.ts says what that changes). */
  private readonly futures: boolean;
  private readonly depth: DepthScanner;
  /** The market's depthUpdate guard (USDⓈ-M's also checks T and pu). */
  private readonly isDepthUpdate: (x: unknown) => x is BinanceDepthUpdate;
  /** Last venue symbol seen by the scanner: most frames repeat it, so no slice is needed. */
  private lastSymbol = '';
  /** The REST path of open interest bodies (USDⓈ-M), undefined when the market has none. */
  private readonly openInterestPath: string | undefined;

  constructor(m: BinanceMarket, ctx: DecodeContext) {
    this.ctx = ctx;
    this.futures = m.futures;
    this.openInterestPath = m.openInterestWeight === undefined ? undefined : `${m.restPrefix}/openInterest`;
    this.depth = new DepthScanner(m);
    this.isDepthUpdate = m.futures ? isBinanceFuturesDepthUpdate : isBinanceDepthUpdate;
  }

  decode(text: string, meta: FrameMeta, sink: DecodeSink): void {
    const d = this.depth;
    if (d.scan(text)) {
      const sym = this.scannedSymbol(text);
      if (sym === undefined) {
        sink.reject(`depth update for unknown symbol ${text.slice(d.symbolStart, d.symbolEnd)}`, text);
        return;
      }
      d.update.localTs = meta.localTs;
      sink.depth(sym, d.update);
      return;
    }
    let m: unknown;
    try {
      m = JSON.parse(text);
    } catch {
      sink.reject('not JSON', text);
      return;
    }
    this.decodeParsed(m, text, meta, sink);
  }

  /** The JSON.parse path (also used by tests to run the guards on fixtures). */
  decodeParsed(m: unknown, text: string, meta: FrameMeta, sink: DecodeSink): void {
    if (!isObj(m)) {
      sink.reject('not a JSON object', text);
      return;
    }
    let p: Obj = m;
    if ('stream' in m) {
      if (typeof m.stream !== 'string' || !isObj(m.data)) {
        sink.reject('combined-stream wrapper without {stream, data}', text);
        return;
      }
      p = m.data;
    }
    if ('id' in p && ('result' in p || 'error' in p)) {
      if ('error' in p) sink.control('error', JSON.stringify(p.error));
      else sink.control(p.result === null ? 'ack' : 'other', text);
      return;
    }
    if ('code' in p && 'msg' in p) {
      sink.control('error', `${String(p.code)} ${String(p.msg)}`);
      return;
    }
    const futures = this.futures;
    switch (p.e) {
      case 'depthUpdate':
        if (this.isDepthUpdate(p)) this.depthUpdate(p, text, meta, sink);
        else sink.reject('depthUpdate failed its guard', text);
        return;
      case 'trade':
        // USDⓈ-M has no raw trade stream: there it is an unknown event.
        if (futures) break;
        if (isBinanceTrade(p)) this.trade(p, String(p.t), text, meta, sink);
        else sink.reject('trade failed its guard', text);
        return;
      case 'aggTrade':
        if (isBinanceAggTrade(p)) this.trade(p, String(p.a), text, meta, sink);
        else sink.reject('aggTrade failed its guard', text);
        return;
      case 'markPriceUpdate':
        if (!futures) break;
        if (isBinanceMarkPriceUpdate(p)) this.markPrice(p, text, meta, sink);
        else sink.reject('markPriceUpdate failed its guard', text);
        return;
      case 'serverShutdown':
        sink.control('shutdown', text);
        return;
      case 'bookTicker':
      case undefined:
        if (!futures) {
          // Spot bookTicker carries no `e` and no exchange time: ts is the receive time.
          if (isBinanceBookTicker(p)) this.bookTicker(p, meta.localTs, text, meta, sink);
          else sink.reject('message without a known shape', text);
        } else if (p.e === undefined) sink.reject('message without a known shape', text);
        else if (isBinanceFuturesBookTicker(p)) this.bookTicker(p, p.T * 1000, text, meta, sink);
        else sink.reject('bookTicker failed its guard', text);
        return;
    }
    sink.control('other', text);
  }

  private depthUpdate(p: BinanceDepthUpdate, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const sym = this.ctx.symbols.has(p.s) ? p.s : undefined;
    if (sym === undefined) {
      sink.reject(`depth update for unknown symbol ${p.s}`, text);
      return;
    }
    const d = this.depth;
    d.batch.reset();
    // The guard has checked every level text, so pushLevels cannot fail here.
    pushLevels(d.batch, 1, p.b);
    pushLevels(d.batch, -1, p.a);
    const up = d.update;
    up.localTs = meta.localTs;
    up.firstId = p.U;
    up.lastId = p.u;
    if (this.futures) {
      // The guard has checked T and pu. T (transaction time): when the book changed.
      const f = p as BinanceFuturesDepthUpdate;
      up.ts = f.T * 1000;
      up.prevId = f.pu;
    } else {
      up.ts = p.E * 1000;
      up.prevId = -1;
    }
    sink.depth(sym, up);
  }

  private trade(p: BinanceTrade | BinanceAggTrade, id: string, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const symbol = this.ctx.symbols.get(p.s);
    if (symbol === undefined) {
      sink.reject(`${this.futures ? 'aggTrade' : 'trade'} for unknown symbol ${p.s}`, text);
      return;
    }
    const ev: Trade = {
      type: 'trade', venue: meta.venue, symbol, venueSymbol: p.s, ts: p.T * 1000, localTs: meta.localTs,
      id, price: p.p, amount: p.q,
      // m: "is the buyer the market maker" — true means the taker sold.
      side: p.m ? 'sell' : 'buy',
    };
    sink.event(ev);
  }

  private bookTicker(p: BinanceBookTicker, ts: number, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const symbol = this.ctx.symbols.get(p.s);
    if (symbol === undefined) {
      sink.reject(`bookTicker for unknown symbol ${p.s}`, text);
      return;
    }
    const ev: Quote = {
      type: 'quote', venue: meta.venue, symbol, venueSymbol: p.s, ts, localTs: meta.localTs,
      bidPrice: p.b, bidAmount: p.B, askPrice: p.a, askAmount: p.A, updateId: p.u,
    };
    sink.event(ev);
  }

  private markPrice(p: BinanceMarkPriceUpdate, text: string, meta: FrameMeta, sink: DecodeSink): void {
    const symbol = this.ctx.symbols.get(p.s);
    if (symbol === undefined) {
      sink.reject(`markPriceUpdate for unknown symbol ${p.s}`, text);
      return;
    }
    const ev: Derivative = {
      type: 'derivative', venue: meta.venue, symbol, venueSymbol: p.s, ts: p.E * 1000, localTs: meta.localTs,
      markPrice: p.p, indexPrice: p.i,
    };
    if (p.r !== '') ev.fundingRate = p.r;
    if (p.T > 0) ev.nextFundingTs = p.T * 1000;
    sink.event(ev);
  }

  /**
   * A REST body: USDⓈ-M `GET /fapi/v1/openInterest` → one derivative event with openInterest, ts
   * the venue's `time`. Any other URL (a depth snapshot) is not this method's: false. A body that
   * fails its guard, or is the venue's `{code, msg}` error, is rejected.
   */
  decodeRest(url: string, body: string, meta: FrameMeta, sink: DecodeSink): boolean {
    const path = this.openInterestPath;
    if (path === undefined) return false;
    const q = url.indexOf('?');
    if (!url.endsWith(path, q < 0 ? url.length : q)) return false;
    let x: unknown;
    try {
      x = JSON.parse(body);
    } catch {
      sink.reject('open interest body is not JSON', body);
      return true;
    }
    if (!isBinanceOpenInterest(x)) {
      const venueError = isObj(x) && 'code' in x && 'msg' in x ? `: the venue answered ${String(x.code)} ${String(x.msg)}` : '';
      sink.reject(`open interest body failed its guard${venueError}`, body);
      return true;
    }
    const symbol = this.ctx.symbols.get(x.symbol);
    if (symbol === undefined) {
      sink.reject(`open interest for unknown symbol ${x.symbol}`, body);
      return true;
    }
    const ev: Derivative = {
      type: 'derivative', venue: meta.venue, symbol, venueSymbol: x.symbol, ts: x.time * 1000, localTs: meta.localTs,
      openInterest: x.openInterest,
    };
    sink.event(ev);
    return true;
  }

  /** The scanned `s` as a known venue symbol (no allocation when it repeats), else undefined. */
  private scannedSymbol(text: string): string | undefined {
    const d = this.depth;
    const len = d.symbolEnd - d.symbolStart;
    const last = this.lastSymbol;
    if (len === last.length && len > 0 && text.startsWith(last, d.symbolStart)) return last;
    const s = text.slice(d.symbolStart, d.symbolEnd);
    if (!this.ctx.symbols.has(s)) return undefined;
    this.lastSymbol = s;
    return s;
  }
}

export function createDecoder(m: BinanceMarket, ctx: DecodeContext): Decoder {
  return new BinanceDecoder(m, ctx);
}
