// KuCoin Classic, spot (`kucoin`) or futures (`kucoin-futures`) (PROTOCOLS-MORE.md §5): a client
// first POSTs /api/v1/bullet-public for a token and this server's socket endpoint, connects to
// `/endpoint?token=…&connectId=…`, gets a welcome, pings {"type":"ping"} (pong; a socket silent for
// pingInterval + pingTimeout is closed), and subscribes topics naming up to 100 symbols each (ack
// when `response`). Books are seeded over REST and bridged by sequence (book.ts sequences every
// change and records the truth after each, keyed by its sequence):
//   spot    /market/level2           one message per frame, changes [price, size, sequence],
//                                    a sequence-only change (price "0") now and then
//   futures /contractMarket/level2   one message per change, sequence +1
// plus trades (/market/match, /contractMarket/execution), best bid/ask at the book's sequence
// (/market/ticker, /contractMarket/tickerV2) and mark price / funding (/contract/instrument).
// Truth key: the sequence. The engine's own record for each frame is put at a half-step key
// (nextKey) that no message carries, below the sequences that frame assigns.
import type { FaultKind } from '../faults.js';
import { dueBookFault, takeGap } from '../fault-state.js';
import type { DiffFrame, SimTrade } from '../market.js';
import type { SymbolState } from '../symbol-state.js';
import type { RestReply, VenueConn, VenueCtx, VenueProtocol } from '../venue/context.js';
import { SequencedBook, type Change } from './book.js';
import { kucoinHistory } from './history.js';
import { NEEDS_KEY, TOO_MANY, bullet, fail, futuresBook, kucoinReference, numberText, spotBook } from './rest.js';
import {
  ack, fundingRate, futuresExecution, futuresLevel2, malformedKucoin, markIndex, pong, spotLevel2, spotMatch, spotTicker, tickerV2,
  welcome, wsError, type SpotChange, type Top,
} from './wire.js';

const SPOT_TOPICS = ['/market/level2', '/market/match', '/market/ticker'] as const;
const FUTURES_TOPICS = ['/contractMarket/level2', '/contractMarket/execution', '/contractMarket/tickerV2', '/contract/instrument'] as const;
const MAX_SYMBOLS_PER_TOPIC = 100;
const PING_INTERVAL_MS = 18_000;
const PING_TIMEOUT_MS = 10_000;
const FUNDING_EVERY_MS = 60_000;

interface KSym {
  state: SymbolState;
  book: SequencedBook;
  /** topic → subscribed connections. */
  subs: Map<string, Set<VenueConn>>;
  lastFundingMs: number;
}

interface ConnState {
  lastPingMs: number;
}

export class KucoinProtocol implements VenueProtocol {
  readonly wsPath = '/endpoint';
  readonly faults: ReadonlySet<FaultKind> = new Set<FaultKind>(['disconnect', 'gap', 'malformed', 'stall', 'slowsnapshot', 'stalesnapshot', 'maxsession', 'ratelimit', 'shutdown']);
  private readonly syms = new Map<string, KSym>();
  private readonly topics: readonly string[];
  /** The socket endpoint the bullet token hands out (set once the server listens). */
  private endpoint = 'ws://127.0.0.1/endpoint';
  private tokens = 0;
  private readonly changes: Change[] = [];

  constructor(private readonly ctx: VenueCtx, private readonly futures: boolean) {
    this.topics = futures ? FUTURES_TOPICS : SPOT_TOPICS;
    for (const [sym, state] of ctx.symbols) {
      const book = new SequencedBook(state, futures ? 0x6b75 : 0x6b73);
      this.syms.set(sym, { state, book, subs: new Map(this.topics.map((t) => [t, new Set<VenueConn>()])), lastFundingMs: 0 });
      ctx.lastKey.set(sym, book.seq);
    }
  }

  /** The server listens at `wsUrl` (ws://host:port/endpoint): what bullet-public hands out. */
  listening(wsUrl: string): void {
    this.endpoint = wsUrl;
  }

  nextKey(sym: string): number {
    return this.syms.get(sym)!.book.seq + 0.5;
  }

  onOpen(c: VenueConn): void {
    c.state = { lastPingMs: Date.now() } satisfies ConnState;
    this.ctx.send(c, welcome(`sim${c.id}`));
  }

  onClose(c: VenueConn): void {
    for (const k of this.syms.values()) for (const set of k.subs.values()) set.delete(c);
  }

  onMessage(c: VenueConn, text: string): void {
    let m: { id?: unknown; type?: unknown; topic?: unknown; response?: unknown };
    try {
      m = JSON.parse(text) as typeof m;
    } catch {
      return this.ctx.send(c, wsError('', 400, 'malformed message'));
    }
    const id = typeof m?.id === 'string' || typeof m?.id === 'number' ? String(m.id) : '';
    if (m?.type === 'ping') {
      (c.state as ConnState).lastPingMs = Date.now();
      return this.ctx.send(c, pong(id, Date.now()));
    }
    if ((m?.type !== 'subscribe' && m?.type !== 'unsubscribe') || typeof m.topic !== 'string') {
      return this.ctx.send(c, wsError(id, 400, `unknown message type ${JSON.stringify(m?.type)}`));
    }
    const colon = m.topic.indexOf(':');
    const topic = colon < 0 ? m.topic : m.topic.slice(0, colon);
    const symbols = colon < 0 ? [] : m.topic.slice(colon + 1).split(',');
    if (!this.topics.includes(topic) || symbols.length === 0 || symbols.some((s) => !this.syms.has(s))) {
      return this.ctx.send(c, wsError(id, 404, `topic ${m.topic} is not found`));
    }
    if (symbols.length > MAX_SYMBOLS_PER_TOPIC) return this.ctx.send(c, wsError(id, 509, `exceed max subscription count limitation of ${MAX_SYMBOLS_PER_TOPIC} per time`));
    for (const s of symbols) {
      const k = this.syms.get(s)!;
      if (m.type === 'subscribe') {
        k.subs.get(topic)!.add(c);
        c.subs.add(`${topic}:${s}`);
      } else {
        k.subs.get(topic)!.delete(c);
        c.subs.delete(`${topic}:${s}`);
      }
    }
    if (m.response === true) this.ctx.send(c, ack(id));
    if (m.type === 'subscribe' && topic === '/contract/instrument') {
      const now = Date.now();
      for (const s of symbols) this.ctx.send(c, this.funding(this.syms.get(s)!, now));
    }
  }

  onFrame(state: SymbolState, f: DiffFrame, trades: SimTrade[], _key: number, nowMs: number): void {
    const sym = state.inst.venueSymbol;
    const k = this.syms.get(sym)!;
    const { book } = k;
    const out = this.changes;
    out.length = 0;
    if (!this.futures) out.push(...book.pending.splice(0));
    book.fromFrame(f, out);
    if (!this.futures && out.length > 0 && book.wantsSequenceOnly()) book.sequenceOnly(out);
    book.keepOld(nowMs);
    if (out.length > 0) this.publishBook(k, out, nowMs);
    this.publishTrades(k, trades);
    const tickers = k.subs.get(this.futures ? '/contractMarket/tickerV2' : '/market/ticker')!;
    if (tickers.size > 0 && (out.length > 0 || trades.length > 0)) {
      const text = this.ticker(k, nowMs);
      for (const c of tickers) this.ctx.send(c, text);
    }
  }

  /** The frame's changes: one spot message, or one futures message each; a gap fault drops one. */
  private publishBook(k: KSym, out: Change[], nowMs: number): void {
    const { book, state } = k;
    const sym = state.inst.venueSymbol;
    const subs = k.subs.get(this.futures ? '/contractMarket/level2' : '/market/level2')!;
    const start = book.sent + 1;
    book.sent = book.seq;
    if (subs.size === 0) return;
    const drop = dueBookFault(this.ctx.faults, sym) === 'gap';
    if (!this.futures) {
      if (drop) return takeGap(this.ctx.faults, sym, start, book.seq);
      const asks: SpotChange[] = [];
      const bids: SpotChange[] = [];
      for (const ch of out) {
        // a removed level is sent with size "0", as the venue writes it
        const entry: SpotChange = Number.isNaN(ch.ticks) ? ['0', '0', ch.seq] : [state.fmt.price(ch.ticks), ch.lots === 0 ? '0' : state.fmt.qty(ch.lots), ch.seq];
        (ch.bid ? bids : asks).push(entry);
      }
      const text = spotLevel2(sym, start, book.seq, asks, bids, nowMs);
      for (const c of subs) this.ctx.send(c, text);
      return;
    }
    for (let i = 0; i < out.length; i++) {
      const ch = out[i];
      if (drop && i === 0) {
        takeGap(this.ctx.faults, sym, ch.seq, ch.seq);
        continue;
      }
      const text = futuresLevel2(sym, ch.seq, state.fmt.price(ch.ticks), ch.bid ? 'buy' : 'sell', state.fmt.qty(ch.lots), nowMs);
      for (const c of subs) this.ctx.send(c, text);
    }
  }

  private publishTrades(k: KSym, trades: SimTrade[]): void {
    const subs = k.subs.get(this.futures ? '/contractMarket/execution' : '/market/match')!;
    if (subs.size === 0) return;
    const { fmt, inst } = k.state;
    for (const t of trades) {
      const text = this.futures
        ? futuresExecution(inst.venueSymbol, t, fmt.price(t.ticks), fmt.qty(t.lots), t.id)
        : spotMatch(inst.venueSymbol, t, fmt.price(t.ticks), fmt.qty(t.lots));
      for (const c of subs) this.ctx.send(c, text);
    }
  }

  /** Best bid/ask of the sequenced book at its current sequence. */
  private ticker(k: KSym, nowMs: number): string {
    const { book, state } = k;
    const { fmt, inst, market } = state;
    const top: Top = {
      bid: fmt.price(book.bids.bestTicks()), bidSize: fmt.qty(book.bids.lotsFromTop(0)),
      ask: fmt.price(book.asks.bestTicks()), askSize: fmt.qty(book.asks.lotsFromTop(0)),
    };
    if (this.futures) return tickerV2(inst.venueSymbol, book.seq, top, nowMs);
    const last = state.recentTrades.at(-1);
    return spotTicker(inst.venueSymbol, book.seq, top, fmt.price(market.lastTradeTicks), fmt.qty(last?.lots ?? 0), nowMs);
  }

  private funding(k: KSym, nowMs: number): string {
    k.lastFundingMs = nowMs;
    return fundingRate(k.state.inst.venueSymbol, numberText(k.state.markPrice(nowMs).fundingRate), nowMs);
  }

  onSecond(nowMs: number): void {
    for (const c of this.ctx.conns.values()) {
      // §5.1: no ping within pingInterval + pingTimeout means the connection is dead.
      const st = c.state as ConnState | undefined;
      if (st !== undefined && nowMs - st.lastPingMs > PING_INTERVAL_MS + PING_TIMEOUT_MS) c.ws.close(1000, 'ping timeout');
    }
    if (!this.futures) return;
    for (const k of this.syms.values()) {
      const subs = k.subs.get('/contract/instrument')!;
      if (subs.size === 0) continue;
      const m = k.state.markPrice(nowMs);
      const mark = markIndex(k.state.inst.venueSymbol, numberText(m.mark), numberText(m.index), nowMs);
      for (const c of subs) this.ctx.send(c, mark);
      if (nowMs - k.lastFundingMs >= FUNDING_EVERY_MS) {
        const text = this.funding(k, nowMs);
        for (const c of subs) this.ctx.send(c, text);
      }
    }
  }

  rest(path: string, q: URLSearchParams): RestReply {
    const nowMs = Date.now();
    const reference = kucoinReference(this.ctx.symbols, this.futures, path, nowMs) ?? kucoinHistory(this.ctx.symbols, this.futures, path, q, nowMs);
    if (reference !== undefined) return reference;
    if (!this.futures && path === '/api/v3/market/orderbook/level2') return NEEDS_KEY;
    const spotDepth = path === '/api/v1/market/orderbook/level2_20' ? 20 : path === '/api/v1/market/orderbook/level2_100' ? 100 : 0;
    if ((!this.futures && spotDepth > 0) || (this.futures && path === '/api/v1/level2/snapshot')) {
      const k = this.syms.get(q.get('symbol') ?? '');
      if (k === undefined) return fail(400, '400100', 'This pair is not provided at present');
      const faults = this.ctx.faults;
      if (faults.staleNext && k.book.old.length > 0) {
        faults.staleNext = false;
        const old = k.book.old[0];
        return this.futures ? futuresBook(k.state, old.book, nowMs) : spotBook(k.state, { ...old.book, bids: cut(old.book.bids, spotDepth), asks: cut(old.book.asks, spotDepth) }, nowMs);
      }
      if (this.futures) return futuresBook(k.state, k.book.top(Number.MAX_SAFE_INTEGER), nowMs);
      // Half the time the model moves first (SymbolState.snapshot): the snapshot then straddles
      // the next message, whose changes up to its sequence are already in it.
      k.state.snapshot(spotDepth, nowMs);
      k.book.catchUp(k.book.pending);
      return spotBook(k.state, k.book.top(spotDepth), nowMs);
    }
    return fail(404, '400100', `Unknown path ${path}`);
  }

  restPost(path: string): RestReply {
    if (path !== '/api/v1/bullet-public') return fail(404, '400100', `Unknown path ${path}`);
    return bullet(this.endpoint, `sim-${this.futures ? 'futures' : 'spot'}-token-${++this.tokens}`);
  }

  rateLimited(): RestReply {
    return TOO_MANY;
  }

  /** KuCoin announces no shutdown on the classic socket: it closes it ("going away"). */
  shutdown(c: VenueConn): void {
    c.ws.close(1001, 'server restart');
  }

  malformed(c: VenueConn, n: number): string {
    const first = c.subs.values().next();
    const sym = first.done ? [...this.syms.keys()][0] : first.value.slice(first.value.indexOf(':') + 1);
    return malformedKucoin(n, sym, this.futures);
  }
}

const cut = (side: { ticks: number[]; lots: number[] }, n: number) => ({ ticks: side.ticks.slice(0, n), lots: side.lots.slice(0, n) });
