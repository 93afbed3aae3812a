// OKX v5 public websocket on `/ws/v5/public` (PROTOCOLS.md §6): op subscribe/unsubscribe with event
// acks; `books` / `books-l2-tbt` (400 levels) and `books50-l2-tbt` (snapshot with prevSeqId -1, then
// updates chained by prevSeqId = the channel's last seqId, a no-change update now and then with
// seqId = prevSeqId, levels leaving the depth deleted), `books5`, `bbo-tbt`, `trades`, `tickers`,
// `funding-rate` and `open-interest` (swaps); text ping → pong. Truth key: seqId (= model id u).
// Faults of one connection (conn-faults.ts): a gap skips one book update on that socket alone (its
// next update's prevSeqId names the one it missed), a corruption sends it there with a top-25 level
// one lot off (the checksum no longer matches; with `checksum: 0`, prevSeqId off by one instead, so
// the seqId chain breaks), a stall holds the socket's frames.
import type { FaultKind } from '../faults.js';
import { dueBookFault, takeCorruption, takeGap } from '../fault-state.js';
import type { DiffFrame, SimTrade } from '../market.js';
import type { SymbolState } from '../symbol-state.js';
import type { RestReply, VenueConn, VenueCtx, VenueProtocol } from '../venue/context.js';
import { SideView } from '../venue/depth-view.js';
import { okxHistory } from './history.js';
import { okxPeriodic, okxRest } from './rest.js';
import {
  malformedOkx, okxBookChecksum, okxBookMessage, okxError, okxEvent, okxLevels, okxTopMessage, okxTradesMessage,
} from './wire.js';

const BOOK_DEPTH: Record<string, number> = { books: 400, 'books-l2-tbt': 400, 'books50-l2-tbt': 50 };
const TOP_DEPTH: Record<string, number> = { books5: 5, 'bbo-tbt': 1 };
const OTHER = new Set(['trades', 'tickers', 'funding-rate', 'open-interest']);
const SWAP_ONLY = new Set(['funding-rate', 'open-interest']);
const TOP_CHANNELS = ['bbo-tbt', 'books5'];
const PERIODIC = ['tickers', 'funding-rate', 'open-interest'];

interface BookChan {
  channel: string;
  bids: SideView;
  asks: SideView;
  conns: Set<VenueConn>;
  /** seqId of the last message (sent or dropped by a gap fault): the next one's prevSeqId. */
  lastSeq: number;
  sent: number;
}

interface OSym {
  state: SymbolState;
  books: Map<string, BookChan>;
  /** channel → subscribers, for books5 / bbo-tbt / trades / tickers / funding-rate / open-interest. */
  others: Map<string, Set<VenueConn>>;
  lastTop: string;
}

const connIdOf = (c: VenueConn): string => (0xa4d3ae00 + c.id).toString(16).slice(-8);

export class OkxProtocol implements VenueProtocol {
  readonly wsPath = '/ws/v5/public';
  readonly faults: ReadonlySet<FaultKind>;
  readonly connBookFaults = true;
  private readonly syms = new Map<string, OSym>();
  private readonly bt: number[] = [];
  private readonly bl: number[] = [];
  private readonly at: number[] = [];
  private readonly al: number[] = [];

  constructor(private readonly ctx: VenueCtx) {
    const kinds: FaultKind[] = ['disconnect', 'gap', 'malformed', 'stall', 'slowsnapshot', 'stalesnapshot', 'maxsession', 'ratelimit', 'shutdown'];
    if (!ctx.opts.okxChecksumZero) kinds.push('corrupt');
    this.faults = new Set(kinds);
    for (const [sym, state] of ctx.symbols) {
      this.syms.set(sym, { state, books: new Map(), others: new Map(), lastTop: '' });
      state.truth.record(state.market.updateId, state.market.bids, state.market.asks);
      ctx.lastKey.set(sym, state.market.updateId);
    }
  }

  nextKey(): undefined {
    return undefined;
  }

  onOpen(c: VenueConn): void {
    c.state = undefined;
  }

  onClose(c: VenueConn): void {
    for (const o of this.syms.values()) {
      for (const [ch, b] of o.books) {
        b.conns.delete(c);
        if (b.conns.size === 0) o.books.delete(ch);
      }
      for (const set of o.others.values()) set.delete(c);
    }
  }

  private checksum(s: SymbolState): number {
    return this.ctx.opts.okxChecksumZero ? 0 : okxBookChecksum(s.fmt, s.market.bids, s.market.asks);
  }

  onMessage(c: VenueConn, text: string): void {
    const connId = connIdOf(c);
    if (text === 'ping') return this.ctx.send(c, 'pong');
    let msg: { op?: unknown; args?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return this.ctx.send(c, okxError('60012', `Invalid request: ${text.slice(0, 100)}`, connId));
    }
    const op = msg?.op;
    if ((op !== 'subscribe' && op !== 'unsubscribe') || !Array.isArray(msg.args)) {
      return this.ctx.send(c, okxError('60012', `Invalid request: ${text.slice(0, 100)}`, connId));
    }
    for (const a of msg.args as { channel?: unknown; instId?: unknown }[]) {
      const channel = typeof a?.channel === 'string' ? a.channel : '';
      const instId = typeof a?.instId === 'string' ? a.instId : '';
      const o = this.syms.get(instId);
      const known = BOOK_DEPTH[channel] !== undefined || TOP_DEPTH[channel] !== undefined || OTHER.has(channel);
      if (!o || !known || (SWAP_ONLY.has(channel) && !o.state.inst.swap)) {
        this.ctx.send(c, okxError('60018', `Wrong URL or channel:${channel},instId:${instId} doesn't exist. Please use the correct URL, channel and parameters referring to API document.`, connId));
        continue;
      }
      const key = `${channel}|${instId}`;
      if (op === 'unsubscribe') {
        c.subs.delete(key);
        const b = o.books.get(channel);
        if (b) {
          b.conns.delete(c);
          if (b.conns.size === 0) o.books.delete(channel);
        }
        o.others.get(channel)?.delete(c);
        this.ctx.send(c, okxEvent('unsubscribe', channel, instId, connId));
        continue;
      }
      c.subs.add(key);
      this.ctx.send(c, okxEvent('subscribe', channel, instId, connId));
      const depth = BOOK_DEPTH[channel];
      if (depth !== undefined) {
        this.subscribeBook(c, o, channel, depth);
        continue;
      }
      let set = o.others.get(channel);
      if (!set) o.others.set(channel, (set = new Set()));
      set.add(c);
      if (TOP_DEPTH[channel] !== undefined) this.ctx.send(c, this.topMessage(o, channel, Date.now()));
      else if (channel !== 'trades') this.ctx.send(c, okxPeriodic(channel, o.state, Date.now()));
    }
  }

  private subscribeBook(c: VenueConn, o: OSym, channel: string, depth: number): void {
    const { market, fmt, inst } = o.state;
    let b = o.books.get(channel);
    if (!b) {
      b = { channel, bids: new SideView(depth, true), asks: new SideView(depth, true), conns: new Set(), lastSeq: this.ctx.lastKey.get(inst.venueSymbol)!, sent: 0 };
      b.bids.reset(market.bids);
      b.asks.reset(market.asks);
      o.books.set(channel, b);
    }
    b.conns.add(c);
    // The view equals the book after lastSeq (nothing it shows changed since), so that is the snapshot's seqId.
    this.ctx.send(c, okxBookMessage(channel, inst.venueSymbol, 'snapshot', okxLevels(fmt, b.bids.ticks, b.bids.lots), okxLevels(fmt, b.asks.ticks, b.asks.lots),
      Date.now(), this.checksum(o.state), -1, b.lastSeq));
  }

  private topMessage(o: OSym, channel: string, nowMs: number): string {
    const { market, fmt, inst } = o.state;
    const n = TOP_DEPTH[channel];
    const bids = market.bids.copyTop(n);
    const asks = market.asks.copyTop(n);
    return okxTopMessage(channel, inst.venueSymbol, okxLevels(fmt, bids.ticks, bids.lots), okxLevels(fmt, asks.ticks, asks.lots), nowMs, this.ctx.lastKey.get(inst.venueSymbol)!);
  }

  onFrame(state: SymbolState, f: DiffFrame, trades: SimTrade[], key: number, nowMs: number): void {
    const sym = state.inst.venueSymbol;
    const o = this.syms.get(sym)!;
    const { fmt, market } = state;
    const tradeSubs = o.others.get('trades');
    if (trades.length > 0 && tradeSubs && tradeSubs.size > 0) {
      const text = okxTradesMessage(fmt, sym, trades);
      for (const c of tradeSubs) this.ctx.send(c, text);
    }
    for (const ch of TOP_CHANNELS) {
      const subs = o.others.get(ch);
      if (!subs || subs.size === 0) continue;
      const text = this.topMessage(o, ch, nowMs);
      for (const c of subs) this.ctx.send(c, text);
    }
    if (o.books.size === 0) return;
    const faults = this.ctx.faults;
    const due = dueBookFault(faults, sym);
    const drop = due === 'gap';
    const corrupt = due === 'corrupt';
    let dropped = false;
    let corruptTicks = NaN;
    let corruptBid = false;
    const checksum = this.checksum(state);
    for (const b of o.books.values()) {
      const { bt, bl, at, al } = this;
      bt.length = bl.length = at.length = al.length = 0;
      b.bids.diff(market.bids, bt, bl);
      b.asks.diff(market.asks, at, al);
      if (bt.length + at.length === 0) continue;
      const prev = b.lastSeq;
      b.lastSeq = key;
      if (drop) {
        dropped = true;
        continue;
      }
      if (corrupt && Number.isNaN(corruptTicks)) {
        // Every book channel holds the same top 25, so a top-25 level sent here is sent by all.
        const target = top25Level(market, bt, bl, at, al);
        if (target !== undefined) [corruptTicks, corruptBid] = [target.ticks, target.bid];
      }
      const text = okxBookMessage(b.channel, sym, 'update', okxLevels(fmt, bt, bl, bt.length, corruptBid ? corruptTicks : NaN),
        okxLevels(fmt, at, al, at.length, corruptBid ? NaN : corruptTicks), nowMs, checksum, prev, key);
      if (faults.conn.idle) {
        for (const c of b.conns) this.ctx.send(c, text);
      } else {
        this.sendFaulted(b, text, () => {
          // one connection's own corruption, of an update the venue sends whole to everyone else
          if (due !== undefined) return undefined;
          if (this.ctx.opts.okxChecksumZero) return okxBookMessage(b.channel, sym, 'update', okxLevels(fmt, bt, bl), okxLevels(fmt, at, al), nowMs, checksum, prev - 1, key);
          const t = top25Level(market, bt, bl, at, al);
          return t === undefined ? undefined
            : okxBookMessage(b.channel, sym, 'update', okxLevels(fmt, bt, bl, bt.length, t.bid ? t.ticks : NaN), okxLevels(fmt, at, al, at.length, t.bid ? NaN : t.ticks), nowMs, checksum, prev, key);
        }, sym, key, due === undefined);
      }
      const every = this.ctx.opts.okxIdleEvery;
      if (every > 0 && ++b.sent % every === 0) {
        // The idle case of §6: nothing changed, seqId = prevSeqId.
        const idle = okxBookMessage(b.channel, sym, 'update', '[]', '[]', nowMs, checksum, key, key);
        for (const c of b.conns) this.ctx.send(c, idle);
      }
    }
    if (dropped) {
      takeGap(faults, sym, f.U, f.u);
    } else if (!Number.isNaN(corruptTicks)) {
      const lots = (corruptBid ? market.bids : market.asks).lotsAt(corruptTicks);
      takeCorruption(faults, {
        venueSymbol: sym, key, side: corruptBid ? 'bid' : 'ask', price: fmt.price(corruptTicks), trueQty: fmt.qty(lots), sentQty: fmt.qty(lots + 1),
      });
    }
  }

  /** One update to each subscriber, each connection's own gap or corruption (conn-faults.ts) applied. */
  private sendFaulted(b: BookChan, text: string, corrupted: () => string | undefined, sym: string, key: number, visible: boolean): void {
    let bad: string | null | undefined;
    const corruptible = (): boolean => {
      if (bad === undefined) bad = corrupted() ?? null;
      return bad !== null;
    };
    for (const c of b.conns) {
      const own = this.ctx.faults.conn.takeBookIf(c.id, sym, key, visible, corruptible);
      if (own !== 'gap') this.ctx.send(c, own === 'corrupt' ? bad! : text);
    }
  }

  onSecond(nowMs: number): void {
    for (const o of this.syms.values()) {
      for (const ch of PERIODIC) {
        const subs = o.others.get(ch);
        if (!subs || subs.size === 0) continue;
        const text = okxPeriodic(ch, o.state, nowMs);
        for (const c of subs) this.ctx.send(c, text);
      }
    }
  }

  rest(path: string, q: URLSearchParams): RestReply {
    const stale = this.ctx.faults.staleNext && path === '/api/v5/market/books';
    if (stale) this.ctx.faults.staleNext = false;
    return okxHistory(this.ctx.symbols, path, q) ?? okxRest(this.ctx.symbols, path, q, stale);
  }

  rateLimited(): RestReply {
    return { status: 429, body: '{"msg":"Too Many Requests","code":"50011"}' };
  }

  /** OKX warns of a service upgrade (notice 64008), then the connection closes. */
  shutdown(c: VenueConn): void {
    this.ctx.send(c, `{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade. Please reconnect.","connId":"${connIdOf(c)}"}`);
    c.ws.close(1001, 'service upgrade');
  }

  malformed(c: VenueConn, n: number): string {
    const first = c.subs.values().next();
    return malformedOkx(n, first.done ? [...this.syms.keys()][0] : first.value.split('|')[1]);
  }
}

/** A level this update sends that a client's top 25 (the checksum's) holds after it, to alter; bids first. */
function top25Level(
  market: SymbolState['market'], bt: readonly number[], bl: readonly number[], at: readonly number[], al: readonly number[],
): { ticks: number; bid: boolean } | undefined {
  const i = bl.findIndex((l, n) => l > 0 && market.bids.length >= 25 && bt[n] >= market.bids.ticksFromTop(24));
  if (i >= 0) return { ticks: bt[i], bid: true };
  const j = al.findIndex((l, n) => l > 0 && market.asks.length >= 25 && at[n] <= market.asks.ticksFromTop(24));
  return j >= 0 ? { ticks: at[j], bid: false } : undefined;
}
