// BingX public websocket (PROTOCOLS-MORE.md §3) on `/market` (spot, mode `bingx`) or
// `/swap-market` (USDT-M perpetuals, mode `bingx-swap`). Every server frame is a gzip member sent
// as a binary frame; client frames are text: {"id","reqType":"sub"|"unsub","dataType"} answered
// with the market's ack; `<SYM>@incrDepth` (an `action:"all"` book of 1000 levels, then one
// `update` per model frame whose lastUpdateId is the previous +1, levels leaving the 1000 deleted),
// `<SYM>@depthN` (a whole top N each frame; spot asks highest first), `@trade`, `@ticker`, swap
// `@markPrice`; the server's Ping every 5 s (spot a JSON ping) and a socket that leaves one
// unanswered for 15 s is closed. Truth key: lastUpdateId (one per model frame and symbol).
import { gzipSync } from 'node:zlib';
import type { FaultKind } from '../faults.js';
import { dueBookFault, takeGap } from '../fault-state.js';
import type { DiffFrame, SimTrade } from '../market.js';
import type { SymbolState } from '../symbol-state.js';
import type { RestReply, VenueConn, VenueCtx, VenueProtocol } from '../venue/context.js';
import { SideView } from '../venue/depth-view.js';
import { bingxRest } from './rest.js';
import {
  bingxAck, bingxError, bingxLevels, bingxLevelsReversed, bingxPing, bingxPush, incrDepthData, malformedBingx, markPriceData,
  spotTradeData, swapTradesData, tickerData,
} from './wire.js';

/** Levels of an incrDepth book ("1000 levels", §3.2). */
const VIEW_DEPTH = 1000;
const DEPTH_RE = /^depth(5|10|20|50|100)(?:@(?:100|200|500|1000)ms)?$/;
const PING_EVERY_MS = 5000;
const PONG_TIMEOUT_MS = 15_000;
/** "200 topics per connection (error 80403)" — swap WebSocket Rules. */
const MAX_TOPICS = 200;
/** Model frames remembered to find the lastUpdateId of an old book (the stale snapshot fault). */
const KEYS_KEPT = 4096;

interface BSym {
  state: SymbolState;
  /** lastUpdateId of the newest model frame (the truth key), +1 every frame. */
  key: number;
  /** Model update id → lastUpdateId, for the old books of the stale snapshot fault. */
  keyOfU: Map<number, number>;
  incr: { bids: SideView; asks: SideView; conns: Set<VenueConn>; pending: Map<VenueConn, number> } | undefined;
  /** `depthN[@Xms]` dataType suffix → its subscribers. */
  depths: Map<string, Set<VenueConn>>;
  trades: Set<VenueConn>;
  tickers: Set<VenueConn>;
  marks: Set<VenueConn>;
}

interface ConnState {
  pings: number;
  lastPingMs: number;
  /** The answer the newest unanswered ping wants, and since when. */
  awaiting: { pong: string; sinceMs: number } | undefined;
}

const gz = (text: string): Buffer => gzipSync(text);

export class BingxProtocol implements VenueProtocol {
  readonly wsPath: string;
  readonly faults: ReadonlySet<FaultKind> = new Set<FaultKind>([
    'disconnect', 'gap', 'malformed', 'stall', 'slowsnapshot', 'stalesnapshot', 'maxsession', 'ratelimit', 'shutdown',
  ]);
  private readonly swap: boolean;
  private readonly syms = new Map<string, BSym>();
  private readonly bt: number[] = [];
  private readonly bl: number[] = [];
  private readonly at: number[] = [];
  private readonly al: number[] = [];

  constructor(private readonly ctx: VenueCtx) {
    this.swap = ctx.opts.venue === 'bingx-swap';
    this.wsPath = this.swap ? '/swap-market' : '/market';
    for (const [sym, state] of ctx.symbols) {
      // an id in the range of the recorded ones (393592635 in the doc example), per symbol
      const key = 300_000_000 + (state.market.updateId % 100_000_000);
      state.truth.record(key, state.market.bids, state.market.asks);
      ctx.lastKey.set(sym, key);
      this.syms.set(sym, {
        state, key, keyOfU: new Map([[state.market.updateId, key]]), incr: undefined, depths: new Map(),
        trades: new Set(), tickers: new Set(), marks: new Set(),
      });
    }
  }

  private send(c: VenueConn, text: string): void {
    this.ctx.sendBinary(c, gz(text));
  }

  private sendAll(conns: Iterable<VenueConn>, text: string): void {
    let bytes: Buffer | undefined;
    for (const c of conns) this.ctx.sendBinary(c, (bytes ??= gz(text)));
  }

  nextKey(sym: string): number {
    const o = this.syms.get(sym)!;
    return ++o.key;
  }

  onOpen(c: VenueConn): void {
    const s: ConnState = { pings: 0, lastPingMs: Date.now(), awaiting: undefined };
    c.state = s;
  }

  onClose(c: VenueConn): void {
    for (const o of this.syms.values()) {
      if (o.incr) {
        o.incr.conns.delete(c);
        o.incr.pending.delete(c);
      }
      for (const set of o.depths.values()) set.delete(c);
      o.trades.delete(c);
      o.tickers.delete(c);
      o.marks.delete(c);
    }
  }

  onMessage(c: VenueConn, text: string): void {
    const cs = c.state as ConnState;
    if (text === 'Pong' || text.startsWith('{"pong"')) {
      if (cs.awaiting !== undefined && isPong(text, cs.awaiting.pong)) cs.awaiting = undefined;
      return;
    }
    let msg: { id?: unknown; reqType?: unknown; dataType?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return this.send(c, bingxError('', 100400, 'ILLEGAL_ARGUMENT'));
    }
    const id = typeof msg?.id === 'string' ? msg.id : String(msg?.id ?? '');
    const reqType = msg?.reqType ?? 'sub'; // the spot doc subscribes without reqType
    const dataType = typeof msg?.dataType === 'string' ? msg.dataType : '';
    if ((reqType !== 'sub' && reqType !== 'unsub') || dataType === '') return this.send(c, bingxError(id, 100400, 'ILLEGAL_ARGUMENT'));
    const at = dataType.indexOf('@');
    const o = at > 0 ? this.syms.get(dataType.slice(0, at)) : undefined;
    const channel = dataType.slice(at + 1);
    const known = channel === 'incrDepth' || channel === 'trade' || channel === 'ticker' || DEPTH_RE.test(channel) || (channel === 'markPrice' && this.swap);
    if (o === undefined || !known) return this.send(c, bingxError(id, 80015, `dataType ${dataType} not supported`));
    if (reqType === 'unsub') {
      c.subs.delete(dataType);
      this.unsubscribe(c, o, channel);
      return this.send(c, bingxAck(this.swap, id, Date.now()));
    }
    if (c.subs.has(dataType)) return this.send(c, bingxAck(this.swap, id, Date.now()));
    if (c.subs.size >= MAX_TOPICS) return this.send(c, bingxError(id, 80403, `subscribed topics exceed ${MAX_TOPICS}`));
    c.subs.add(dataType);
    this.send(c, bingxAck(this.swap, id, Date.now()));
    if (channel === 'incrDepth') this.subscribeBook(c, o);
    else if (channel === 'trade') o.trades.add(c);
    else if (channel === 'ticker') {
      o.tickers.add(c);
      this.send(c, this.ticker(o, Date.now()));
    } else if (channel === 'markPrice') o.marks.add(c);
    else {
      let set = o.depths.get(channel);
      if (!set) o.depths.set(channel, (set = new Set()));
      set.add(c);
    }
  }

  private unsubscribe(c: VenueConn, o: BSym, channel: string): void {
    if (channel === 'incrDepth') {
      o.incr?.conns.delete(c);
      o.incr?.pending.delete(c);
    } else if (channel === 'trade') o.trades.delete(c);
    else if (channel === 'ticker') o.tickers.delete(c);
    else if (channel === 'markPrice') o.marks.delete(c);
    else o.depths.get(channel)?.delete(c);
  }

  /**
   * The `all` book: at once (the view equals the book after the newest key), or after the slow
   * snapshot fault's delay, or — stale snapshot fault — an older book under its own older id.
   */
  private subscribeBook(c: VenueConn, o: BSym): void {
    const { market } = o.state;
    if (o.incr === undefined) {
      o.incr = { bids: new SideView(VIEW_DEPTH, true), asks: new SideView(VIEW_DEPTH, true), conns: new Set(), pending: new Map() };
      o.incr.bids.reset(market.bids);
      o.incr.asks.reset(market.asks);
    }
    const faults = this.ctx.faults;
    if (faults.slowNextMs > 0) {
      o.incr.pending.set(c, Date.now() + faults.slowNextMs);
      faults.slowNextMs = 0;
      return;
    }
    o.incr.conns.add(c);
    if (faults.staleNext) {
      faults.staleNext = false;
      const old = o.state.oldBooks.find((b) => o.keyOfU.has(b.lastUpdateId));
      if (old !== undefined) {
        const { fmt } = o.state;
        const n = Math.min(VIEW_DEPTH, old.asks.ticks.length);
        this.send(c, bingxPush(this.swap, `${o.state.inst.venueSymbol}@incrDepth`, incrDepthData('all', o.keyOfU.get(old.lastUpdateId)!, Date.now(),
          bingxLevels(fmt, old.bids.ticks, old.bids.lots, VIEW_DEPTH), bingxLevelsReversed(fmt, old.asks.ticks, old.asks.lots, n)), Date.now()));
        return;
      }
    }
    this.send(c, this.allMessage(o, Date.now()));
  }

  /** The view as an `action:"all"` push; asks highest first, as the doc example lists them. */
  private allMessage(o: BSym, nowMs: number): string {
    const v = o.incr!;
    const { fmt, inst } = o.state;
    return bingxPush(this.swap, `${inst.venueSymbol}@incrDepth`, incrDepthData('all', o.key, nowMs,
      bingxLevels(fmt, v.bids.ticks, v.bids.lots), bingxLevelsReversed(fmt, v.asks.ticks, v.asks.lots, v.asks.ticks.length)), nowMs);
  }

  onFrame(state: SymbolState, f: DiffFrame, trades: SimTrade[], key: number, nowMs: number): void {
    const sym = state.inst.venueSymbol;
    const o = this.syms.get(sym)!;
    const { fmt, market } = state;
    o.keyOfU.set(f.u, key);
    if (o.keyOfU.size > KEYS_KEPT) o.keyOfU.delete(o.keyOfU.keys().next().value as number);
    if (trades.length > 0 && o.trades.size > 0) {
      if (this.swap) this.sendAll(o.trades, bingxPush(true, `${sym}@trade`, swapTradesData(fmt, sym, trades), nowMs));
      else for (const t of trades) this.sendAll(o.trades, bingxPush(false, `${sym}@trade`, spotTradeData(fmt, sym, t, nowMs), nowMs));
    }
    for (const [channel, conns] of o.depths) {
      if (conns.size === 0) continue;
      const n = Number(DEPTH_RE.exec(channel)![1]);
      const bids = market.bids.copyTop(n);
      const asks = market.asks.copyTop(n);
      const data = this.swap
        ? `{"bids":${bingxLevels(fmt, bids.ticks, bids.lots)},"asks":${bingxLevels(fmt, asks.ticks, asks.lots)}}`
        : `{"asks":${bingxLevelsReversed(fmt, asks.ticks, asks.lots, n)},"bids":${bingxLevels(fmt, bids.ticks, bids.lots)},"lastUpdateId":${key}}`;
      this.sendAll(conns, bingxPush(this.swap, `${sym}@${channel}`, data, nowMs));
    }
    const v = o.incr;
    if (v === undefined) return;
    const { bt, bl, at, al } = this;
    bt.length = bl.length = at.length = al.length = 0;
    v.bids.diff(market.bids, bt, bl);
    v.asks.diff(market.asks, at, al);
    if (v.conns.size > 0) {
      // Every frame moves lastUpdateId by one, changed levels or not: a dropped one is a hole.
      if (dueBookFault(this.ctx.faults, sym) === 'gap') takeGap(this.ctx.faults, sym, key, key);
      else {
        at.reverse();
        al.reverse();
        this.sendAll(v.conns, bingxPush(this.swap, `${sym}@incrDepth`, incrDepthData('update', key, nowMs, bingxLevels(fmt, bt, bl), bingxLevels(fmt, at, al)), nowMs));
      }
    }
    for (const [c, due] of v.pending) {
      if (nowMs < due) continue;
      v.pending.delete(c);
      if (c.ws.readyState !== 1) continue;
      v.conns.add(c);
      this.send(c, this.allMessage(o, nowMs));
    }
    if (v.conns.size === 0 && v.pending.size === 0) o.incr = undefined;
  }

  private ticker(o: BSym, nowMs: number): string {
    const { inst, fmt, market } = o.state;
    let vol = 0;
    let quote = 0n;
    for (const t of o.state.recentTrades) {
      vol += t.lots;
      quote += BigInt(t.ticks) * BigInt(t.lots);
    }
    const last = market.lastTradeTicks;
    const first = o.state.recentTrades.length > 0 ? o.state.recentTrades[0].ticks : last;
    return bingxPush(this.swap, `${inst.venueSymbol}@ticker`, tickerData(this.swap, inst.venueSymbol, {
      last: fmt.price(last), open: fmt.price(first), high: fmt.price(Math.max(first, last)), low: fmt.price(Math.min(first, last)),
      volume: fmt.qty(vol), quoteVolume: fmt.notionalSum(quote, 2),
      bid: fmt.price(market.bids.bestTicks()), bidQty: fmt.qty(market.bids.lotsFromTop(0)),
      ask: fmt.price(market.asks.bestTicks()), askQty: fmt.qty(market.asks.lotsFromTop(0)),
    }, nowMs - 86_400_000, nowMs), nowMs);
  }

  onSecond(nowMs: number): void {
    for (const o of this.syms.values()) {
      if (o.tickers.size > 0) this.sendAll(o.tickers, this.ticker(o, nowMs));
      if (o.marks.size > 0) {
        const sym = o.state.inst.venueSymbol;
        this.sendAll(o.marks, bingxPush(true, `${sym}@markPrice`, markPriceData(sym, o.state.markPrice(nowMs).mark, nowMs), nowMs));
      }
    }
    for (const c of this.ctx.conns.values()) {
      const cs = c.state as ConnState;
      if (cs.awaiting !== undefined && nowMs - cs.awaiting.sinceMs >= PONG_TIMEOUT_MS) {
        c.ws.close(1000, 'no pong');
        continue;
      }
      if (nowMs - cs.lastPingMs < PING_EVERY_MS) continue;
      const ping = bingxPing(this.swap, cs.pings++, nowMs);
      cs.lastPingMs = nowMs;
      cs.awaiting ??= { pong: ping.pong, sinceMs: nowMs };
      cs.awaiting.pong = ping.pong;
      this.send(c, ping.text);
    }
  }

  rest(path: string, q: URLSearchParams): RestReply {
    return bingxRest(this.ctx.symbols, this.swap, path, q, Date.now());
  }

  rateLimited(): RestReply {
    return { status: 429, body: `{"code":100410,"msg":"FREQUENCY_LIMIT","timestamp":${Date.now()}}` };
  }

  /** BingX announces nothing: the socket closes as a server restarts, and the client reconnects. */
  shutdown(c: VenueConn): void {
    c.ws.close(1001, 'server restart');
  }

  /**
   * The n-th malformed frame. The venue's frames are binary, so the bad one is a binary frame
   * too: a gzip member cut short, or good gzip around bad JSON, wrong types or missing fields.
   */
  malformed(c: VenueConn, n: number): Uint8Array {
    const first = c.subs.values().next();
    const sym = first.done ? [...this.syms.keys()][0] : first.value.split('@')[0];
    const good = gz(malformedBingx(n, sym));
    return n % 4 === 0 ? good.subarray(0, good.length >> 1) : good;
  }
}

/** The client's answer to the newest ping: `Pong`, or the spot {"pong","time"} echo. */
function isPong(text: string, want: string): boolean {
  if (text === want) return true;
  if (!text.startsWith('{"pong"')) return false;
  try {
    const a = JSON.parse(text) as { pong?: unknown; time?: unknown };
    const b = JSON.parse(want) as { pong?: unknown; time?: unknown };
    return a.pong === b.pong && a.time === b.time;
  } catch {
    return false;
  }
}
