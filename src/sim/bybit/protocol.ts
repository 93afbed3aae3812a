// Bybit v5 public websocket (PROTOCOLS-MORE.md §1) on `/v5/public/spot` (mode `bybit`) or
// `/v5/public/linear` (`bybit-linear`): op subscribe / unsubscribe / ping with one answer per
// request (spot refuses more than 10 args; every socket's args stay within 21,000 characters);
// `orderbook.{50,200,1000}` (a snapshot, then a delta every frame, empty when nothing in its depth
// changed, so `u` stays +1 per message; levels leaving the depth deleted), `orderbook.1`
// (snapshot-only top of book, re-pushed with the same u after 3 s without change), `publicTrade`,
// `tickers`, `allLiquidation` (linear). One `u` counter per symbol serves every depth and is the
// truth key; `seq` (the cross sequence) follows the model's update id: increasing, not contiguous.
// Faults: gap drops one frame's deltas (u skips); corrupt sends one delta whose u continues but
// whose seq went backwards with one level one lot off (a failed-over engine: only the seq cross
// check catches it); slowsnapshot / stalesnapshot delay / age the next snapshot of a subscription
// (websocket or REST); shutdown closes the socket (1001) as a restart does.
import type { FaultKind } from '../faults.js';
import { dueBookFault, takeCorruption, takeGap } from '../fault-state.js';
import type { DiffFrame, SimTrade } from '../market.js';
import { hash32 } from '../rng.js';
import type { SymbolState } from '../symbol-state.js';
import type { RestReply, VenueConn, VenueCtx, VenueProtocol } from '../venue/context.js';
import { bybitHistory } from './history.js';
import { fieldsJson, liquidationAt, tickerFields } from './periodic.js';
import { instrumentsInfo, lookup, orderbook, serverTime } from './rest.js';
import { newBookTopic, newSym, rememberTradeSeqs, type BookTopic, type BSym } from './topics.js';
import {
  bookMessage, bybitLevels, liquidationMessage, malformedBybit, opAnswer, tickerMessage, tradesMessage, type BybitSimMarket,
} from './wire.js';

const BOOK_DEPTHS = new Set([50, 200, 1000]);
const MAX_DEPTH = 1000;
const SPOT_MAX_ARGS = 10;
const MAX_ARGS_CHARS = 21_000;
/** Depth 1 re-sends an unchanged top after this long, same u. */
const REPUSH_MS = 3000;
/** Old books kept for the stale-snapshot fault: one a second, the last few. */
const OLD_BOOK_EVERY_MS = 1000;
const OLD_BOOKS = 5;

interface ConnState {
  connId: string;
  /** JSON length of the socket's subscribed args, as one array would print them. */
  argsChars: number;
}

/** What one topic adds to the JSON of an args array: its quotes and a comma. */
const argChars = (topic: string): number => topic.length + 3;

const stateOf = (c: VenueConn): ConnState => c.state as ConnState;

export class BybitProtocol implements VenueProtocol {
  readonly wsPath: string;
  readonly faults: ReadonlySet<FaultKind> = new Set<FaultKind>([
    'disconnect', 'gap', 'malformed', 'stall', 'slowsnapshot', 'stalesnapshot', 'maxsession', 'ratelimit', 'shutdown', 'corrupt',
  ]);
  private readonly market: BybitSimMarket;
  private readonly syms = new Map<string, BSym>();
  private readonly seqBase: number;

  constructor(private readonly ctx: VenueCtx) {
    this.market = ctx.opts.venue === 'bybit-linear' ? 'linear' : 'spot';
    this.wsPath = `/v5/public/${this.market}`;
    // magnitudes as recorded (linear ~7.6e11, spot ~1.1e11)
    this.seqBase = this.market === 'linear' ? 760_000_000_000 : 112_000_000_000;
    for (const [sym, state] of ctx.symbols) {
      const u = 50_000_000 + (hash32(sym) % 20_000_000);
      const { market } = state;
      this.syms.set(sym, newSym(state, u, this.seqBase + market.updateId));
      state.truth.record(u, market.bids, market.asks);
      ctx.lastKey.set(sym, u);
    }
  }

  /** u is +1 per frame per symbol: every book topic of the symbol sends one message per frame. */
  nextKey(sym: string): number {
    return ++this.syms.get(sym)!.u;
  }

  onOpen(c: VenueConn): void {
    c.state = { connId: `${hash32(`conn${c.id}`).toString(36)}-${(c.id * 7919).toString(36)}`, argsChars: 0 } satisfies ConnState;
  }

  onClose(c: VenueConn): void {
    for (const o of this.syms.values()) {
      for (const [d, b] of o.books) {
        b.conns.delete(c);
        b.pending.delete(c);
        if (b.conns.size + b.pending.size === 0) o.books.delete(d);
      }
      o.top.conns.delete(c);
      o.trades.delete(c);
      o.tickers.delete(c);
      o.liquidations.delete(c);
    }
  }

  onMessage(c: VenueConn, text: string): void {
    const st = stateOf(c);
    let msg: { op?: unknown; args?: unknown; req_id?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return this.ctx.send(c, opAnswer(this.market, '', false, 'error:request not json', st.connId, undefined));
    }
    const reqId = typeof msg?.req_id === 'string' ? msg.req_id : undefined;
    const op = typeof msg?.op === 'string' ? msg.op : '';
    const answer = (success: boolean, retMsg?: string): void => this.ctx.send(c, opAnswer(this.market, op, success, retMsg, st.connId, reqId));
    if (op === 'ping') return answer(true, 'pong');
    if ((op !== 'subscribe' && op !== 'unsubscribe') || !Array.isArray(msg.args) || !msg.args.every((a) => typeof a === 'string')) {
      return answer(false, `error:unknown op or args, op:${op}`);
    }
    const args = msg.args as string[];
    if (this.market === 'spot' && args.length > SPOT_MAX_ARGS) return answer(false, `error:args size >${SPOT_MAX_ARGS}`);
    const bad = args.find((a) => !this.valid(a));
    if (bad !== undefined) return answer(false, `error:handler not found,topic:${bad}`);
    if (op === 'unsubscribe') {
      for (const a of args) this.unsubscribe(c, a);
      return answer(true);
    }
    const again = args.find((a) => c.subs.has(a));
    if (again !== undefined) return answer(false, `error:already subscribed,topic:${again}`);
    let chars = 0;
    for (const a of args) chars += argChars(a);
    if (st.argsChars + chars > MAX_ARGS_CHARS) return answer(false, `error:args length exceeds ${MAX_ARGS_CHARS}`);
    st.argsChars += chars;
    answer(true);
    const nowMs = Date.now();
    for (const a of args) this.subscribe(c, a, nowMs);
  }

  private valid(topic: string): boolean {
    const parts = topic.split('.');
    const o = this.syms.get(parts[parts.length - 1]);
    if (o === undefined) return false;
    if (parts.length === 3) return parts[0] === 'orderbook' && (parts[1] === '1' || BOOK_DEPTHS.has(Number(parts[1])));
    if (parts.length !== 2) return false;
    return parts[0] === 'publicTrade' || parts[0] === 'tickers' || (parts[0] === 'allLiquidation' && this.market === 'linear');
  }

  private subscribe(c: VenueConn, topic: string, nowMs: number): void {
    c.subs.add(topic);
    const parts = topic.split('.');
    const o = this.syms.get(parts[parts.length - 1])!;
    switch (parts[0]) {
      case 'orderbook': {
        const depth = Number(parts[1]);
        if (depth === 1) {
          o.top.conns.add(c);
          this.ctx.send(c, this.topMessage(o, nowMs));
        } else {
          this.subscribeBook(c, o, depth, nowMs);
        }
        return;
      }
      case 'publicTrade':
        o.trades.add(c);
        return;
      case 'tickers': {
        o.tickers.add(c);
        const fields = tickerFields(this.market, o.state, nowMs);
        this.ctx.send(c, tickerMessage(this.market, o.state.inst.venueSymbol, 'snapshot', fieldsJson(fields), o.seq, nowMs));
        if (o.tickerSent.size === 0) for (const [k, v] of fields) o.tickerSent.set(k, v);
        return;
      }
      default:
        o.liquidations.add(c);
    }
  }

  private unsubscribe(c: VenueConn, topic: string): void {
    if (!c.subs.delete(topic)) return;
    stateOf(c).argsChars -= argChars(topic);
    const parts = topic.split('.');
    const o = this.syms.get(parts[parts.length - 1])!;
    if (parts[0] === 'orderbook') {
      const depth = Number(parts[1]);
      if (depth === 1) o.top.conns.delete(c);
      const b = o.books.get(depth);
      if (b !== undefined) {
        b.conns.delete(c);
        b.pending.delete(c);
        if (b.conns.size + b.pending.size === 0) o.books.delete(depth);
      }
    } else (parts[0] === 'publicTrade' ? o.trades : parts[0] === 'tickers' ? o.tickers : o.liquidations).delete(c);
  }

  private subscribeBook(c: VenueConn, o: BSym, depth: number, nowMs: number): void {
    let b = o.books.get(depth);
    if (b === undefined) o.books.set(depth, (b = newBookTopic(depth, o.state)));
    const faults = this.ctx.faults;
    if (faults.slowNextMs > 0) {
      b.pending.set(c, nowMs + faults.slowNextMs);
      faults.slowNextMs = 0;
      return;
    }
    const old = faults.staleNext ? o.old[0] : undefined;
    if (old !== undefined && old.u < o.u) {
      // An old book at its own u: the deltas that follow jump from it, which the client must see.
      faults.staleNext = false;
      const { fmt, inst } = o.state;
      this.ctx.send(c, bookMessage(this.market, depth, inst.venueSymbol, 'snapshot', bybitLevels(fmt, old.book.bids.ticks, old.book.bids.lots, depth),
        bybitLevels(fmt, old.book.asks.ticks, old.book.asks.lots, depth), old.u, old.seq, nowMs));
    } else {
      this.ctx.send(c, this.snapshotOf(o, b, nowMs));
    }
    b.conns.add(c);
  }

  /** The topic's view is the book after frame o.u (it moves with every frame): that is the snapshot's u. */
  private snapshotOf(o: BSym, b: BookTopic, nowMs: number): string {
    const { fmt, inst } = o.state;
    return bookMessage(this.market, b.depth, inst.venueSymbol, 'snapshot', bybitLevels(fmt, b.bids.ticks, b.bids.lots), bybitLevels(fmt, b.asks.ticks, b.asks.lots), o.u, o.seq, nowMs);
  }

  private topMessage(o: BSym, nowMs: number): string {
    const { fmt, inst } = o.state;
    const t = o.top;
    o.top.sentMs = nowMs;
    return bookMessage(this.market, 1, inst.venueSymbol, 'snapshot', bybitLevels(fmt, [t.bid], [t.bidLots]), bybitLevels(fmt, [t.ask], [t.askLots]), t.u, o.seq, nowMs);
  }

  onFrame(state: SymbolState, _f: DiffFrame, trades: SimTrade[], key: number, nowMs: number): void {
    const sym = state.inst.venueSymbol;
    const o = this.syms.get(sym)!;
    const { market, fmt } = state;
    const prevSeq = o.seq;
    o.seq = this.seqBase + market.updateId;
    if (trades.length > 0) this.sendTrades(o, trades, nowMs);
    if (nowMs - o.oldAtMs >= OLD_BOOK_EVERY_MS) {
      o.oldAtMs = nowMs;
      o.old.push({ u: key, seq: o.seq, book: market.state(MAX_DEPTH) });
      if (o.old.length > OLD_BOOKS) o.old.shift();
    }
    const t = o.top;
    const bid = market.bids.bestTicks();
    const bidLots = market.bids.lotsFromTop(0);
    const ask = market.asks.bestTicks();
    const askLots = market.asks.lotsFromTop(0);
    if (bid !== t.bid || bidLots !== t.bidLots || ask !== t.ask || askLots !== t.askLots) {
      Object.assign(t, { u: key, bid, bidLots, ask, askLots });
      if (t.conns.size > 0) {
        const text = this.topMessage(o, nowMs);
        for (const c of t.conns) this.ctx.send(c, text);
      }
    }
    if (o.books.size === 0) return;
    const faults = this.ctx.faults;
    const due = dueBookFault(faults, sym);
    const topics = [...o.books.values()].sort((a, b) => a.depth - b.depth);
    for (const b of topics) {
      b.bt.length = b.bl.length = b.at.length = b.al.length = 0;
      b.bids.diff(market.bids, b.bt, b.bl);
      b.asks.diff(market.asks, b.at, b.al);
    }
    // corrupt: a level every topic sends (the smallest depth's changes are in the larger ones' too)
    let corruptTicks = NaN;
    let corruptBid = false;
    if (due === 'corrupt') {
      const b = topics[0];
      const i = b.bl.findIndex((l) => l > 0);
      const j = b.al.findIndex((l) => l > 0);
      if (i >= 0) [corruptTicks, corruptBid] = [b.bt[i], true];
      else if (j >= 0) [corruptTicks, corruptBid] = [b.at[j], false];
    }
    const corrupt = !Number.isNaN(corruptTicks);
    const seq = corrupt ? prevSeq - 1000 : o.seq;
    for (const b of topics) {
      if (due !== 'gap') {
        const text = bookMessage(this.market, b.depth, sym, 'delta', bybitLevels(fmt, b.bt, b.bl, b.bt.length, corruptBid ? corruptTicks : NaN),
          bybitLevels(fmt, b.at, b.al, b.at.length, corrupt && !corruptBid ? corruptTicks : NaN), key, seq, nowMs);
        for (const c of b.conns) this.ctx.send(c, text);
      }
      for (const [c, untilMs] of b.pending) {
        if (nowMs < untilMs) continue;
        b.pending.delete(c);
        this.ctx.send(c, this.snapshotOf(o, b, nowMs));
        b.conns.add(c);
      }
    }
    if (due === 'gap') {
      takeGap(faults, sym, key, key);
    } else if (corrupt) {
      const lots = (corruptBid ? market.bids : market.asks).lotsAt(corruptTicks);
      takeCorruption(faults, { venueSymbol: sym, key, side: corruptBid ? 'bid' : 'ask', price: fmt.price(corruptTicks), trueQty: fmt.qty(lots), sentQty: fmt.qty(lots + 1) });
    }
  }

  private sendTrades(o: BSym, trades: SimTrade[], nowMs: number): void {
    rememberTradeSeqs(o, trades);
    if (o.trades.size === 0) return;
    const text = tradesMessage(this.market, o.state.fmt, o.state.inst.venueSymbol, trades, o.seq, nowMs);
    for (const c of o.trades) this.ctx.send(c, text);
  }

  onSecond(nowMs: number): void {
    for (const o of this.syms.values()) {
      const sym = o.state.inst.venueSymbol;
      if (o.top.conns.size > 0 && nowMs - o.top.sentMs >= REPUSH_MS) {
        const text = this.topMessage(o, nowMs);
        for (const c of o.top.conns) this.ctx.send(c, text);
      }
      if (o.tickers.size > 0) this.sendTicker(o, nowMs);
      if (o.liquidations.size > 0) {
        const l = liquidationAt(o.state, nowMs);
        if (l !== undefined) {
          const text = liquidationMessage(sym, l.side, l.price, l.size, nowMs);
          for (const c of o.liquidations) this.ctx.send(c, text);
        }
      }
    }
  }

  /** Spot: a snapshot every time. Linear: a delta of the fields that changed (none: nothing sent). */
  private sendTicker(o: BSym, nowMs: number): void {
    const fields = tickerFields(this.market, o.state, nowMs);
    let changed = fields;
    if (this.market === 'linear') {
      changed = fields.filter(([k, v]) => o.tickerSent.get(k) !== v);
      if (changed.length === 0) return;
      for (const [k, v] of changed) o.tickerSent.set(k, v);
    }
    const text = tickerMessage(this.market, o.state.inst.venueSymbol, this.market === 'spot' ? 'snapshot' : 'delta', fieldsJson(changed), o.seq, nowMs);
    for (const c of o.tickers) this.ctx.send(c, text);
  }

  rest(path: string, q: URLSearchParams): RestReply {
    const nowMs = Date.now();
    if (path === '/v5/market/time') return serverTime(nowMs);
    if (path === '/v5/market/instruments-info') return instrumentsInfo(this.market, this.ctx.symbols, q);
    if (path === '/v5/market/orderbook') {
      const s = lookup(this.market, this.ctx.symbols, q);
      if (!('market' in s)) return s;
      const o = this.syms.get(s.inst.venueSymbol)!;
      const old = this.ctx.faults.staleNext ? o.old[0] : undefined;
      if (old !== undefined) this.ctx.faults.staleNext = false;
      return old !== undefined
        ? orderbook(this.market, s, q, old.book, old.u, old.seq, nowMs)
        : orderbook(this.market, s, q, s.market.state(MAX_DEPTH), o.u, o.seq, nowMs);
    }
    const history = bybitHistory(this.market, this.ctx.symbols, path, q, (id) => this.syms.get(q.get('symbol') ?? '')?.tradeSeq.get(id), nowMs);
    return history ?? { status: 404, body: `{"retCode":10000,"retMsg":"Unknown path ${path}","result":{},"retExtInfo":{},"time":${nowMs}}` };
  }

  /** "Going over returns HTTP 403 \"access too frequent\"" (rate-limit page): stop for ≥ 10 minutes. */
  rateLimited(): RestReply {
    return { status: 403, body: 'access too frequent' };
  }

  /** No notice is documented: a restart closes the socket. */
  shutdown(c: VenueConn): void {
    c.ws.close(1001, 'service restart');
  }

  malformed(c: VenueConn, n: number): string {
    const first = c.subs.values().next();
    const sym = first.done ? [...this.syms.keys()][0] : first.value.slice(first.value.lastIndexOf('.') + 1);
    return malformedBybit(n, sym);
  }
}
