// CcxtEngine: what turns one ccxt exchange instance's state into our events, the same way live
// and in replay. ccxt merges and coalesces (a watcher sees the latest state, not every message),
// so events are not taken from watch results: after every websocket message ccxt has handled
// (and every REST answer it has applied), the engine looks at the caches that message touched
// — trades, tickers, bid/asks, order books — and emits what is new. Which caches a message
// touched is learnt from the client's resolve/reject calls, keyed by the message hashes our own
// watch calls registered (an AsyncLocalStorage context names the kind and symbol of each call).
//
// Replay feeds the recorded messages to the same handlers in the same order, so it emits the
// same events, byte for byte.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Exchange } from 'ccxt';
import type { BookState, ConnectionState, MarketEvent, Status } from '../../core/events.js';
import { bookEvent, microseconds, quoteEvent, tickerEvent, topLevels, tradeEvent, type Origin } from './normalize.js';

export type WatchKind = 'trades' | 'ticker' | 'quote' | 'book';
/** Where quotes come from: ccxt's watchBidsAsks, the ticker's bid/ask, or the book's top. */
export type QuoteSource = 'bidsasks' | 'ticker' | 'book';

export interface WatchContext { kind: WatchKind; symbol: string }

/** A ccxt websocket client, as far as we touch it (ccxt types its internals `any`). */
export interface CcxtClient {
  url: string;
  futures: Record<string, unknown>;
  rejections: Record<string, unknown>;
  future(hash: string): Promise<unknown>;
  resolve(result: unknown, hash?: string): unknown;
  reject(error: unknown, hash?: string): unknown;
  onMessage(ev: { data: unknown }): void;
  onOpen(): void;
  onClose(ev: { code?: number; reason?: string }): void;
  onError(err: unknown): void;
  send(message: unknown): Promise<unknown>;
  connect(backoffDelay?: number): Promise<unknown>;
  close(): unknown;
  connected: Promise<unknown>;
  startedConnecting: boolean;
  keepAlive: number;
}

export interface EngineOptions {
  /** `ccxt:binance`. */
  venue: string;
  symbols: readonly string[];
  depth: number;
  books: 'verified' | 'unverified' | 'off';
  /** What ccxt checks (verified) or why nothing is (unverified): the ledger's book rows say it. */
  check: string;
  quoteSource: QuoteSource;
  emit(ev: MarketEvent): void;
  /** Called once per new client, after the engine's own hooks (live: raw capture; replay: no sockets). */
  onClient(client: CcxtClient): void;
  /** ccxt rejected a watched stream (a book gap, an error answer, a closed connection). */
  lost?(kind: WatchKind, symbol: string, why: string): void;
}

interface SymbolState {
  origin: Origin;
  tradeCache: unknown;
  lastTrade: unknown;
  /** Recent trade ids (venues resend some on resubscribe): a ring and its set. */
  recentIds: Set<string>;
  idRing: string[];
  idPos: number;
  duplicateTrades: number;
  tickerKey: string;
  quoteKey: string;
  book: { state: BookState | 'NONE'; stale: unknown; top: string; rows: number; gaps: number; resyncs: number; syncs: number };
}

const RECENT_IDS = 4096;
const als = new AsyncLocalStorage<WatchContext>();

export class CcxtEngine {
  /** Receive time of the message being handled (or the last one), epoch µs. */
  localTs = 0;
  /** Per client: the watch contexts of each message hash, and the streams and symbols it carries. */
  private readonly clients = new WeakMap<object, { hashes: Map<string, WatchContext[]>; pairs: WatchContext[]; symbols: string[] }>();
  private readonly states = new Map<string, SymbolState>();
  private readonly dataCounts = new Map<string, number>();
  private touched = new Map<string, WatchContext>();
  private rejected = new Map<string, string>();
  private inMessage = false;

  constructor(readonly ex: Exchange, private readonly opts: EngineOptions) {
    for (const symbol of opts.symbols) {
      this.states.set(symbol, {
        // ccxt names markets by unified symbol; so do our events of it (the venue's ids stay in the raw capture)
        origin: { venue: opts.venue, symbol, venueSymbol: symbol, localTs: 0 },
        tradeCache: undefined, lastTrade: undefined, recentIds: new Set(), idRing: [], idPos: 0, duplicateTrades: 0,
        tickerKey: '', quoteKey: '',
        book: { state: 'NONE', stale: undefined, top: '', rows: 0, gaps: 0, resyncs: 0, syncs: 0 },
      });
    }
    const ownClient = ex.client.bind(ex) as (url: string) => CcxtClient;
    (ex as unknown as { client(url: string): CcxtClient }).client = (url: string) => {
      const c = ownClient(url);
      if (!this.clients.has(c)) {
        this.instrument(c);
        opts.onClient(c);
      }
      return c;
    };
  }

  /** Calls ccxt's watch method of `kind` for `symbol`; failures arrive through the client hooks. */
  watch(kind: WatchKind, symbol: string): void {
    const ex = this.ex;
    const call = (): Promise<unknown> => {
      switch (kind) {
        case 'trades': return ex.watchTrades(symbol);
        case 'ticker': return ex.watchTicker(symbol);
        case 'quote': return ex.watchBidsAsks([symbol]);
        case 'book': return ex.watchOrderBook(symbol);
      }
    };
    try {
      als.run({ kind, symbol }, call).catch(() => undefined);
    } catch {
      // a synchronous throw (bad symbol) rejects nothing we track: the caller checked symbols first
    }
  }

  /** Handles one websocket message through `deliver` (ccxt's own onMessage); returns the symbols it touched. */
  message(localTs: number, deliver: () => void): string[] {
    this.localTs = localTs;
    this.inMessage = true;
    try {
      als.exit(deliver); // the message's work belongs to no watch call, live or replayed
    } finally {
      this.inMessage = false;
    }
    return this.flush();
  }

  /** The streams watched on a client. */
  pairsOf(client: CcxtClient): readonly WatchContext[] {
    return this.clients.get(client)?.pairs ?? [];
  }

  /** The symbols a client carries. */
  symbolsOf(client: CcxtClient): string[] {
    return this.clients.get(client)?.symbols ?? [];
  }

  /** A client's socket opened or closed: connection status for its symbols; a close loses its books. */
  connection(client: CcxtClient, open: boolean, localTs: number, connId: number, reason: string): void {
    this.localTs = localTs;
    for (const symbol of this.symbolsOf(client)) {
      const s = this.states.get(symbol)!;
      this.opts.emit({ ...this.status(s, 'connection', open ? 'CONNECTED' : 'DISCONNECTED', reason), connId });
    }
    if (open) return;
    for (const p of this.pairsOf(client)) {
      if (p.kind === 'book') this.bookLost(this.states.get(p.symbol)!, `connection closed (${reason})`, false);
      this.opts.lost?.(p.kind, p.symbol, `connection closed (${reason})`);
    }
  }

  /** Messages that touched a stream without an error, per `kind symbol` (live: has it recovered?). */
  dataCount(kind: WatchKind, symbol: string): number {
    return this.dataCounts.get(`${kind} ${symbol}`) ?? 0;
  }

  stats(symbol: string): { state: string; rows: number; gaps: number; resyncs: number; syncs: number; duplicateTrades: number } {
    const s = this.states.get(symbol)!;
    const b = s.book;
    return { state: b.state === 'NONE' ? 'n/a' : b.state, rows: b.rows, gaps: b.gaps, resyncs: b.resyncs, syncs: b.syncs, duplicateTrades: s.duplicateTrades };
  }

  /** The book state rows a run ends with (live stop). */
  stopBooks(localTs: number): void {
    this.localTs = localTs;
    for (const s of this.states.values()) if (s.book.state !== 'NONE') this.setBook(s, 'STOPPED', 'recording stopped');
  }

  private instrument(c: CcxtClient): void {
    const hashes = new Map<string, WatchContext[]>();
    const state = { hashes, pairs: [] as WatchContext[], symbols: [] as string[] };
    this.clients.set(c, state);
    const future = c.future.bind(c);
    c.future = (hash: string) => {
      const ctx = als.getStore();
      if (ctx !== undefined) {
        const list = hashes.get(hash) ?? [];
        const same = (x: WatchContext): boolean => x.kind === ctx.kind && x.symbol === ctx.symbol;
        if (!list.some(same)) list.push(ctx);
        hashes.set(hash, list);
        if (!state.pairs.some(same)) state.pairs.push(ctx);
        if (!state.symbols.includes(ctx.symbol)) state.symbols.push(ctx.symbol);
      }
      return future(hash);
    };
    const resolve = c.resolve.bind(c);
    c.resolve = (result: unknown, hash?: string) => {
      const r = resolve(result, hash);
      if (hash !== undefined) this.touch(hashes, hash, undefined);
      return r;
    };
    const reject = c.reject.bind(c);
    c.reject = (error: unknown, hash?: string) => {
      const r = reject(error, hash); // without a hash ccxt calls reject(error, hash) per pending future
      if (hash !== undefined) {
        // we learn of it here: a rejection parked for the next watch call would only fail our resubscribe
        delete c.rejections[hash];
        this.touch(hashes, hash, error);
      }
      return r;
    };
  }

  private touch(hashes: Map<string, WatchContext[]>, hash: string, error: unknown): void {
    const ctxs = hashes.get(hash);
    if (ctxs === undefined) return;
    for (const ctx of ctxs) {
      const key = `${ctx.kind} ${ctx.symbol}`;
      this.touched.set(key, ctx);
      if (error !== undefined) this.rejected.set(key, error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error));
    }
    // outside a message (a REST snapshot applied, a connection reset): act now
    if (!this.inMessage) this.flush();
  }

  private flush(): string[] {
    if (this.touched.size === 0) return [];
    const touched = this.touched, rejected = this.rejected;
    this.touched = new Map();
    this.rejected = new Map();
    const symbols: string[] = [];
    for (const [key, ctx] of touched) {
      const s = this.states.get(ctx.symbol);
      if (s === undefined) continue;
      if (!symbols.includes(ctx.symbol)) symbols.push(ctx.symbol);
      s.origin.localTs = this.localTs;
      const why = rejected.get(key);
      if (why === undefined) this.dataCounts.set(key, (this.dataCounts.get(key) ?? 0) + 1);
      switch (ctx.kind) {
        case 'trades': this.trades(s); break;
        case 'ticker': this.ticker(s); break;
        case 'quote': this.bidAsk(s); break;
        case 'book': if (why !== undefined) this.bookLost(s, why, true); else this.book(s); break;
      }
      if (why !== undefined) this.opts.lost?.(ctx.kind, ctx.symbol, why);
    }
    return symbols;
  }

  private trades(s: SymbolState): void {
    const arr = (this.ex.trades as Record<string, unknown[] | undefined> | undefined)?.[s.origin.symbol];
    if (!Array.isArray(arr) || arr.length === 0) return;
    let start = 0;
    if (arr === s.tradeCache) {
      // the cache appends (and drops its oldest): what follows the last trade we saw is new
      for (let i = arr.length - 1; i >= 0; i--) {
        if (arr[i] === s.lastTrade) {
          start = i + 1;
          break;
        }
      }
    }
    s.tradeCache = arr;
    s.lastTrade = arr[arr.length - 1];
    for (let i = start; i < arr.length; i++) {
      const ev = tradeEvent(arr[i] as object, s.origin);
      if (ev === undefined) continue;
      if (ev.id !== '') {
        if (s.recentIds.has(ev.id)) {
          s.duplicateTrades++;
          continue;
        }
        if (s.idRing.length === RECENT_IDS) s.recentIds.delete(s.idRing[s.idPos]);
        s.idRing[s.idPos] = ev.id;
        s.idPos = (s.idPos + 1) % RECENT_IDS;
        s.recentIds.add(ev.id);
      }
      this.opts.emit(ev);
    }
  }

  private ticker(s: SymbolState): void {
    const t = (this.ex.tickers as unknown as Record<string, Record<string, unknown> | undefined> | undefined)?.[s.origin.symbol];
    if (t === undefined) return;
    const key = `${t.timestamp}|${t.last}|${t.baseVolume}|${t.bid}|${t.bidVolume}|${t.ask}|${t.askVolume}`;
    if (key === s.tickerKey) return;
    s.tickerKey = key;
    this.opts.emit(tickerEvent(t, s.origin));
    if (this.opts.quoteSource === 'ticker') this.quote(s, t);
  }

  private bidAsk(s: SymbolState): void {
    const q = (this.ex as unknown as { bidsasks?: Record<string, Record<string, unknown> | undefined> }).bidsasks?.[s.origin.symbol];
    if (q !== undefined) this.quote(s, q);
  }

  private quote(s: SymbolState, q: Record<string, unknown>): void {
    const ev = quoteEvent(q, s.origin);
    if (ev === undefined) return;
    const key = `${ev.ts}|${ev.bidPrice}|${ev.bidAmount}|${ev.askPrice}|${ev.askAmount}`;
    if (key === s.quoteKey) return;
    s.quoteKey = key;
    this.opts.emit(ev);
  }

  private book(s: SymbolState): void {
    if (s.book.state === 'STOPPED') return; // as native books: after stop, frames still decode but no book moves
    const ob = (this.ex.orderbooks as unknown as Record<string, Record<string, unknown> | undefined> | undefined)?.[s.origin.symbol];
    const verified = this.opts.books === 'verified';
    // a verified family always builds a new book object after a break (books.ts): the old one is never read again
    if (ob === undefined || (verified && ob === s.book.stale)) return;
    const nonce = ob.nonce;
    const bidsSide = ob.bids as unknown[], asksSide = ob.asks as unknown[];
    const ready = verified ? typeof nonce === 'number' && Number.isSafeInteger(nonce) : bidsSide.length + asksSide.length > 0;
    if (!ready) {
      if (s.book.state !== 'SNAPSHOT') this.setBook(s, 'SNAPSHOT', 'waiting for ccxt to load the book');
      return;
    }
    const updateId = typeof nonce === 'number' && Number.isSafeInteger(nonce) ? nonce : -1;
    if (s.book.state !== 'SYNCED') {
      s.book.syncs++;
      s.book.top = '';
      this.setBook(s, 'SYNCED', verified
        ? `verified by ccxt ${this.ex.id} (${this.opts.check}) at update id ${updateId}`
        : `UNVERIFIED (--allow-unverified-books): ${this.opts.check}`);
    }
    const bids = topLevels(bidsSide, this.opts.depth), asks = topLevels(asksSide, this.opts.depth);
    const top = JSON.stringify([bids, asks]);
    if (top === s.book.top) return;
    s.book.top = top;
    s.book.rows++;
    this.opts.emit(bookEvent(bids, asks, this.opts.depth, updateId, microseconds(ob.timestamp, this.localTs), s.origin));
    if (this.opts.quoteSource === 'book' && bids.length > 0 && asks.length > 0) {
      const bid = bidsSide[0] as number[], ask = asksSide[0] as number[];
      this.quote(s, { timestamp: ob.timestamp, bid: bid[0], bidVolume: bid[1], ask: ask[0], askVolume: ask[1] });
    }
  }

  /** ccxt dropped the book (a sequence break it detected, or its connection): a gap, then a resync. */
  private bookLost(s: SymbolState, why: string, gap: boolean): void {
    if ((s.book.state === 'NONE' && !gap) || s.book.state === 'STOPPED') return;
    s.book.stale = (this.ex.orderbooks as Record<string, unknown> | undefined)?.[s.origin.symbol];
    s.book.top = '';
    if (gap && s.book.state === 'SYNCED') {
      s.book.gaps++;
      this.opts.emit({
        type: 'gap', venue: s.origin.venue, symbol: s.origin.symbol, venueSymbol: s.origin.venueSymbol, ts: this.localTs, localTs: this.localTs,
        scope: 'book', expected: this.opts.books === 'verified' ? this.opts.check : 'an order book ccxt keeps', got: why,
        action: 'resync', reason: `ccxt ${this.ex.id} dropped the book`,
      });
    }
    if (s.book.state !== 'RESYNCING') {
      s.book.resyncs++;
      this.setBook(s, 'RESYNCING', why);
    }
  }

  private setBook(s: SymbolState, state: BookState, reason: string): void {
    s.book.state = state;
    this.opts.emit(this.status(s, 'book', state, reason));
  }

  private status(s: SymbolState, scope: 'book' | 'connection', state: BookState | ConnectionState, reason: string): Status {
    return {
      type: 'status', venue: s.origin.venue, symbol: s.origin.symbol, venueSymbol: s.origin.venueSymbol, ts: this.localTs, localTs: this.localTs,
      scope, state, reason,
    };
  }
}
