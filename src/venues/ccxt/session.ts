// CcxtSession: live capture of one `ccxt:<id>` venue through ccxt pro, with the handlers surface
// of VenueSession (checkSymbols / open / stop / stats), so the Feed, storage and ledger code stay
// the same. Raw first, as everywhere: each websocket message ccxt receives, each frame it sends,
// each REST body it fetches and each open/close is handed to `handlers.raw` as a RawFrame; so are
// the session's own decisions (`conn` marks on connId 0: the plan, every watch call), which is
// what lets replay.ts rebuild the same ccxt state from the capture alone.
//
// ccxt neither reconnects nor notices a silent socket (research/ccxt.md §3.5): a stream ccxt
// rejects or whose connection closed is watched again after a backoff, and a socket without a
// message for ws.noDataTimeoutS is closed (then watched again the same way).
import type { Exchange } from 'ccxt';
import type { Config } from '../../core/config.js';
import { MarketfeedError } from '../../core/errors.js';
import type { RawFrame } from '../../core/frames.js';
import type { Logger } from '../../core/log.js';
import { nowUs } from '../../core/time.js';
import { nextConnId } from '../../transport/leg.js';
import { ProxyRoute } from '../../transport/proxy.js';
import type { SessionHandlers, SymbolStats } from '../feed-core.js';
import { CcxtEngine, type CcxtClient, type WatchKind } from './engine.js';
import { bodyResponse, createExchange, loadCcxt } from './load.js';
import { marks } from './marks.js';
import { planCcxt, type CcxtPlan } from './plan.js';

export interface CcxtSessionOptions {
  config: Config;
  /** Unified symbols (default: config.symbols). */
  symbols?: string[];
  handlers: SessionHandlers;
  log: Logger;
}

interface Socket {
  client: CcxtClient;
  connId: number;
  recvSeq: number;
  framesIn: number;
  bytesIn: number;
  lastFrameMs: number;
  open: boolean;
}

interface Watch { failures: number; dataAtLoss: number; timer: NodeJS.Timeout | undefined; gaveUp: boolean }

/** Watching a stream that failed this many times in a row without a message in between ends. */
const MAX_FAILURES_WITHOUT_DATA = 5;
const WATCHDOG_MS = 1000;
const CLOSE_WAIT_MS = 3000;

export class CcxtSession {
  readonly venue: string;
  /** ccxt parses messages itself; nothing here rejects frames. */
  readonly rejects = 0;
  private readonly opts: CcxtSessionOptions;
  private readonly cfg: Config;
  private plan: CcxtPlan | undefined;
  private ex: Exchange | undefined;
  private engine: CcxtEngine | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly urlStats = new Map<string, { framesIn: number; bytesIn: number; reconnects: number; opens: number }>();
  private readonly watches = new Map<string, Watch>();
  private lastStamp = 0;
  /** recvSeq of the session's own frames (connId 0: marks, REST bodies). */
  private seq0 = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The proxies of the venue's sockets and REST: kept out of the capture (credentials). */
  private readonly proxy: ProxyRoute;

  constructor(opts: CcxtSessionOptions) {
    this.opts = opts;
    this.cfg = { ...opts.config, symbols: opts.symbols ?? opts.config.symbols };
    this.venue = this.cfg.venue;
    this.proxy = new ProxyRoute(this.cfg.proxy ?? '');
  }

  /** Plans (MF_ERR_CONFIG when books would be unverified), builds the exchange, loads and checks its markets. */
  async checkSymbols(): Promise<void> {
    if (this.engine !== undefined) return;
    const plan = await planCcxt(this.cfg);
    const ccxt = await loadCcxt();
    const ex = await createExchange(ccxt, plan.setup, true);
    (ex as unknown as { fetchImplementation: unknown }).fetchImplementation = (url: string, init: RequestInit) => this.fetch(url, init);
    this.plan = plan;
    this.ex = ex;
    this.engine = new CcxtEngine(ex, {
      venue: plan.venue, symbols: plan.symbols, depth: plan.depth, books: plan.books, check: plan.check, quoteSource: plan.quoteSource,
      emit: (ev) => this.opts.handlers.event(ev),
      onClient: (c) => this.tap(c),
      lost: (kind, symbol, why) => this.lost(kind, symbol, why),
    });
    this.mark(marks.session(plan), plan.symbols);
    try {
      await ex.loadMarkets();
    } catch (e) {
      throw new MarketfeedError('MF_ERR_UNREACHABLE', `ccxt ${ex.id} could not load its markets (${(e as Error).message}); check --rest-url and the network`, {
        venue: this.venue, cause: e,
      });
    }
    for (const symbol of plan.symbols) {
      if (ex.markets?.[symbol] === undefined) {
        const listed = Object.keys(ex.markets ?? {});
        throw new MarketfeedError('MF_ERR_UNKNOWN_SYMBOL', `${symbol} is not listed by ccxt ${ex.id}`, {
          venue: this.venue, symbol, expected: listed.length <= 8 ? `one of ${listed.join(', ')}` : `a listed unified symbol such as ${listed.slice(0, 3).join(', ')}`,
        });
      }
    }
    if (plan.books === 'unverified') this.opts.log.warn({ venue: this.venue, why: plan.check, label: plan.label }, 'recording UNVERIFIED order books');
  }

  async start(): Promise<void> {
    await this.checkSymbols();
    this.open();
  }

  /** Watches every planned stream of every symbol. */
  open(): void {
    if (this.stopped || this.plan === undefined || this.watchdog !== undefined) return;
    if (this.proxy.configured) this.opts.log.info({ venue: this.venue, proxy: this.proxy.describe() }, 'proxy in use');
    for (const symbol of this.plan.symbols) for (const kind of this.plan.kinds) this.watch(kind, symbol);
    this.watchdog = setInterval(() => this.checkSilence(), WATCHDOG_MS);
    this.watchdog.unref();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.watchdog);
    for (const w of this.watches.values()) clearTimeout(w.timer);
    if (this.engine !== undefined) {
      this.mark(marks.stop(), this.cfg.symbols);
      this.engine.stopBooks(this.lastStamp);
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      // a socket that never confirms its close must not hold the recorder's exit
      await Promise.race([this.ex?.close(), new Promise((r) => (timer = setTimeout(r, CLOSE_WAIT_MS)))]);
    } catch (e) {
      this.opts.log.warn({ venue: this.venue, err: (e as Error).message }, 'ccxt close failed');
    } finally {
      clearTimeout(timer);
    }
  }

  stats(): SymbolStats[] {
    const engine = this.engine;
    return this.cfg.symbols.map((symbol) => {
      const s = engine?.stats(symbol);
      return {
        symbol, state: s?.state ?? 'CONNECTING', applied: s?.rows ?? 0, stale: 0, gaps: s?.gaps ?? 0, resyncs: s?.resyncs ?? 0, snapshots: s?.syncs ?? 0,
        rejects: 0, duplicateTrades: s?.duplicateTrades ?? 0, quoteChecks: 0, quoteMismatches: 0, checksumChecks: 0, checksumMismatches: 0,
      };
    });
  }

  connectionStats(): { framesIn: number; bytesIn: number; reconnects: number }[] {
    return [...this.urlStats.values()].map((u) => ({ framesIn: u.framesIn, bytesIn: u.bytesIn, reconnects: u.reconnects }));
  }

  /** Receive times strictly increase within a session, so a capture split over symbol files merges back in one order. */
  private stamp(): number {
    this.lastStamp = Math.max(nowUs(), this.lastStamp + 1);
    // what ccxt does next (outside a message: a REST snapshot applied, a reset) happens at this frame
    if (this.engine !== undefined) this.engine.localTs = this.lastStamp;
    return this.lastStamp;
  }

  private mark(data: string, symbols: readonly string[]): void {
    this.raw({ venue: this.venue, connId: 0, recvSeq: ++this.seq0, localTs: this.stamp(), dir: 'conn', data }, symbols);
  }

  private raw(f: RawFrame, symbols: readonly string[]): void {
    this.opts.handlers.raw?.(f, symbols);
  }

  /** One watch call, recorded first so replay makes it at the same point. */
  private watch(kind: WatchKind, symbol: string): void {
    if (this.stopped) return;
    this.mark(marks.watch(kind, symbol), [symbol]);
    this.engine!.watch(kind, symbol);
  }

  /** A stream ccxt gave up on: watched again after a backoff (once per loss, however it was reported). */
  private lost(kind: WatchKind, symbol: string, why: string): void {
    if (this.stopped) return;
    const key = `${kind} ${symbol}`;
    const w = this.watches.get(key) ?? { failures: 0, dataAtLoss: -1, timer: undefined, gaveUp: false };
    this.watches.set(key, w);
    if (w.timer !== undefined || w.gaveUp) return;
    const data = this.engine!.dataCount(kind, symbol);
    w.failures = data === w.dataAtLoss ? w.failures + 1 : 1;
    w.dataAtLoss = data;
    if (w.failures > MAX_FAILURES_WITHOUT_DATA) {
      w.gaveUp = true;
      this.opts.log.warn({ venue: this.venue, symbol, kind, why, failures: w.failures - 1 }, 'ccxt stream keeps failing without data: no longer watched');
      return;
    }
    const ws = this.cfg.ws;
    const delayMs = Math.min(ws.reconnectBackoffMaxS * 1000, ws.reconnectBackoffS * 1000 * 2 ** (w.failures - 1));
    this.opts.log.info({ venue: this.venue, symbol, kind, why, retryInMs: delayMs }, 'ccxt stream lost: watching again');
    w.timer = setTimeout(() => {
      w.timer = undefined;
      this.watch(kind, symbol);
    }, delayMs);
  }

  /** A socket silent for ws.noDataTimeoutS is closed; its streams are then watched again. */
  private checkSilence(): void {
    const limitMs = this.cfg.ws.noDataTimeoutS * 1000;
    if (limitMs <= 0) return;
    const now = performance.now(); // monotonic: a wall clock step must not close every socket, nor keep a silent one
    for (const s of this.sockets) {
      // only sockets carrying a book: a trades-only socket of a quiet market is silent by nature
      if (!s.open || now - s.lastFrameMs <= limitMs || !this.engine!.pairsOf(s.client).some((p) => p.kind === 'book')) continue;
      s.lastFrameMs = now; // one close per silence
      this.opts.log.warn({ venue: this.venue, url: s.client.url, silentMs: limitMs }, 'ccxt socket silent: closing it');
      try {
        s.client.close();
      } catch (e) {
        this.opts.log.warn({ venue: this.venue, err: (e as Error).message }, 'ccxt socket close failed');
      }
    }
  }

  /** Hooks one ccxt client so every frame in and out, and its open and close, is captured raw. */
  private tap(c: CcxtClient): void {
    const engine = this.engine!;
    const s: Socket = { client: c, connId: 0, recvSeq: 0, framesIn: 0, bytesIn: 0, lastFrameMs: performance.now(), open: false };
    // ccxt hands its client's `options` to the ws constructor when it connects (after this hook)
    const agent = this.proxy.agentFor(c.url);
    if (agent !== undefined) ((c as unknown as { options: Record<string, unknown> }).options ??= {}).agent = agent;
    this.sockets.add(s);
    const u = this.urlStats.get(c.url) ?? { framesIn: 0, bytesIn: 0, reconnects: 0, opens: 0 };
    this.urlStats.set(c.url, u);
    const connFrame = (data: string): RawFrame => ({ venue: this.venue, connId: s.connId, recvSeq: ++s.recvSeq, localTs: this.stamp(), dir: 'conn', data });
    const onOpen = c.onOpen.bind(c);
    c.onOpen = () => {
      s.connId = nextConnId();
      s.open = true;
      s.lastFrameMs = performance.now();
      if (u.opens++ > 0) u.reconnects++;
      const f = connFrame(`open ${c.url}`);
      f.url = c.url;
      engine.connection(c, true, f.localTs, s.connId, 'open');
      this.raw(f, engine.symbolsOf(c));
      onOpen();
    };
    const onMessage = c.onMessage.bind(c);
    c.onMessage = (ev: { data: unknown }) => {
      const data = ev.data;
      const binary = typeof data !== 'string';
      const text = binary ? Buffer.from(data as Uint8Array).toString('base64') : data;
      const f: RawFrame = { venue: this.venue, connId: s.connId, recvSeq: ++s.recvSeq, localTs: this.stamp(), dir: 'in', data: text, ...(binary ? { binary: true as const } : {}) };
      s.framesIn++;
      s.bytesIn += binary ? (data as Uint8Array).byteLength : text.length;
      u.framesIn++;
      u.bytesIn += binary ? (data as Uint8Array).byteLength : text.length;
      s.lastFrameMs = performance.now();
      const touched = engine.message(f.localTs, () => onMessage(ev));
      this.raw(f, touched.length > 0 ? touched : this.symbolsOr(engine.symbolsOf(c)));
    };
    const send = c.send.bind(c);
    c.send = (message: unknown) => {
      const text = typeof message === 'string' ? message : JSON.stringify(message);
      this.raw({ venue: this.venue, connId: s.connId, recvSeq: ++s.recvSeq, localTs: this.stamp(), dir: 'out', data: text }, this.symbolsOr(engine.symbolsOf(c)));
      // A send on a socket that has just closed fails (synchronously, or through ws's callback as
      // a rejected future). ccxt's throttled subscribe path drops that future without a handler,
      // which Node turns into a crash; the failure is marked handled here (the same future still
      // rejects for a caller that awaits it, and the watch is made again on the new socket).
      let sent: Promise<unknown>;
      try {
        sent = send(message) as Promise<unknown>;
      } catch (e) {
        sent = Promise.reject(e);
      }
      sent?.catch?.((e: unknown) => this.opts.log.debug({ venue: this.venue, connId: s.connId, err: (e as Error)?.message }, 'ccxt send on a closed socket'));
      return sent;
    };
    const onError = c.onError.bind(c);
    c.onError = (err: unknown) => {
      this.raw(connFrame(marks.error(err)), this.symbolsOr(engine.symbolsOf(c)));
      onError(err);
    };
    const onClose = c.onClose.bind(c);
    c.onClose = (ev: { code?: number; reason?: string }) => {
      const f = connFrame(marks.close(ev));
      const symbols = this.symbolsOr(engine.symbolsOf(c));
      this.raw(f, symbols);
      s.open = false;
      this.sockets.delete(s);
      onClose(ev);
      engine.connection(c, false, f.localTs, s.connId, f.data);
    };
  }

  private symbolsOr(symbols: string[]): readonly string[] {
    return symbols.length > 0 ? symbols : this.cfg.symbols;
  }

  /**
   * ccxt's REST requests (markets, book snapshots) go through here: each body is captured raw
   * (dir 'rest') before ccxt sees it; a failure or non-2xx status leaves a mark first.
   */
  private async fetch(url: string, init: RequestInit): Promise<Response> {
    const symbols = this.symbolsOfUrl(url);
    let res: Response;
    try {
      res = await this.proxy.fetch(url, { method: init.method, headers: init.headers, body: init.body, signal: init.signal });
    } catch (e) {
      this.mark(marks.restError(url, e), symbols);
      throw e;
    }
    const body = await res.text();
    if (res.status < 200 || res.status > 299) this.mark(marks.status(res.status, url), symbols);
    this.raw({ venue: this.venue, connId: 0, recvSeq: ++this.seq0, localTs: this.stamp(), dir: 'rest', data: body, url }, symbols);
    return bodyResponse(body, res.status, res.statusText, res.headers);
  }

  /** A REST body concerns the symbols whose venue id its URL names (a book snapshot), else all. */
  private symbolsOfUrl(url: string): readonly string[] {
    let values: string[];
    try {
      const u = new URL(url);
      values = [...u.searchParams.values(), ...u.pathname.split('/')];
    } catch {
      return this.cfg.symbols;
    }
    const markets = this.ex?.markets ?? {};
    const out = this.cfg.symbols.filter((s) => {
      const id = (markets[s] as { id?: unknown } | undefined)?.id;
      return typeof id === 'string' && values.includes(id);
    });
    return out.length > 0 ? out : this.cfg.symbols;
  }
}

