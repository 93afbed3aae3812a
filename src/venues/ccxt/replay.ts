// Replay of a ccxt capture: the recorded frames, in recorded order, back into a ccxt exchange of
// the same pinned version, built from the capture's own `ccxt session` mark. No socket and no
// request leaves: clients are ccxt's own, told never to dial (connect waits for the recorded
// `open`, send does nothing), and ccxt's REST requests wait for the recorded bodies. Watch calls
// are made where the recording made them (`ccxt watch` marks), so ccxt's request ids, stream
// numbering and subscriptions come out the same, and the CcxtEngine emits the same events.
import type { Exchange } from 'ccxt';
import type { MarketEvent } from '../../core/events.js';
import type { RawFrame } from '../../core/frames.js';
import { silentLogger, type Logger } from '../../core/log.js';
import { CcxtEngine, type CcxtClient } from './engine.js';
import { bodyResponse, createExchange, loadCcxt, type CcxtModule } from './load.js';
import { parseMark } from './marks.js';
import type { CcxtPlan } from './plan.js';

interface PendingRequest {
  url: string;
  resolve(res: Response): void;
  reject(e: Error): void;
}

interface Run {
  ex: Exchange;
  engine: CcxtEngine;
  /** loadMarkets as the recording ran it (its REST bodies arrive as frames). */
  markets: Promise<unknown>;
  byConn: Map<number, CcxtClient>;
  pending: PendingRequest[];
  /** HTTP status of the next REST body (a `ccxt status` mark), else 200. */
  nextStatus: number | undefined;
}

/** How long a REST body waits for ccxt to ask for it (ccxt spawns requests on timers). */
const REQUEST_WAIT_TICKS = 500;

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
/** Lets what ccxt started run to its end (promise chains, its setTimeout-0 spawns) before the next frame. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) {
    await tick();
    await new Promise<void>((r) => setImmediate(r));
  }
};

export class CcxtReplayer {
  /** The first run's plan (its symbols and depth), once its mark has been read. */
  plan: CcxtPlan | undefined;
  /** Frames that could not be placed (a REST body nobody asked for, a message on an unknown socket). */
  unplaced = 0;
  private ccxt: CcxtModule | undefined;
  private run: Run | undefined;
  private readonly log: Logger;

  constructor(private readonly emit: (ev: MarketEvent) => void, log?: Logger) {
    this.log = log ?? silentLogger;
  }

  /** Feeds one recorded frame (in recorded order). */
  async frame(f: RawFrame): Promise<void> {
    if (f.dir === 'conn') return this.conn(f);
    const run = this.run;
    if (run === undefined) return;
    run.engine.localTs = f.localTs; // as live: every frame moves the engine's clock
    if (f.dir === 'rest') return this.rest(run, f);
    if (f.dir !== 'in') return; // our own subscribes: the replayed watch calls "send" them again
    const client = run.byConn.get(f.connId);
    if (client === undefined) {
      this.unplaced++;
      return;
    }
    const data = f.binary ? Buffer.from(f.data, 'base64') : f.data;
    run.engine.message(f.localTs, () => client.onMessage({ data }));
  }

  private async conn(f: RawFrame): Promise<void> {
    const mark = parseMark(f.data);
    if (mark === undefined) return;
    if (mark.kind === 'session') return this.start(mark.plan, f.localTs);
    const run = this.run;
    if (run === undefined) return;
    run.engine.localTs = f.localTs;
    switch (mark.kind) {
      case 'watch':
        await run.markets.catch(() => undefined); // the recording watched only after its markets loaded
        run.engine.watch(mark.watch, mark.symbol);
        await settle();
        return;
      case 'status':
        run.nextStatus = mark.status;
        return;
      case 'rest-error': {
        const req = await this.request(run, mark.url);
        req?.reject(new TypeError(mark.message));
        await settle();
        return;
      }
      case 'stop':
        run.engine.stopBooks(f.localTs);
        return;
      case 'open': {
        await settle();
        const client = (run.ex.clients as Record<string, CcxtClient | undefined>)[mark.url];
        if (client === undefined) {
          this.unplaced++;
          this.log.warn({ url: mark.url }, 'ccxt replay: a socket opened that no watch call asked for');
          return;
        }
        run.byConn.set(f.connId, client);
        run.engine.connection(client, true, f.localTs, f.connId, 'open');
        client.onOpen();
        await settle();
        return;
      }
      case 'error':
        run.byConn.get(f.connId)?.onError(new this.ccxt!.NetworkError(mark.message));
        return;
      case 'close': {
        const client = run.byConn.get(f.connId);
        if (client === undefined) return;
        run.byConn.delete(f.connId);
        client.onClose({ code: mark.code, reason: mark.reason });
        run.engine.connection(client, false, f.localTs, f.connId, f.data);
        await settle();
        return;
      }
    }
  }

  /** A new recording run: a fresh exchange, as a fresh process had. */
  private async start(plan: CcxtPlan, localTs: number): Promise<void> {
    this.plan ??= plan;
    this.ccxt ??= await loadCcxt();
    const ex = await createExchange(this.ccxt, plan.setup, false);
    const pending: PendingRequest[] = [];
    (ex as unknown as { fetchImplementation: unknown }).fetchImplementation = (url: string) =>
      new Promise<Response>((resolve, reject) => pending.push({ url, resolve, reject }));
    const engine = new CcxtEngine(ex, {
      venue: plan.venue, symbols: plan.symbols, depth: plan.depth, books: plan.books, check: plan.check, quoteSource: plan.quoteSource,
      emit: this.emit,
      onClient: (c) => {
        // ccxt's own client, minus the socket: it "connects" when the recording's socket opened
        c.keepAlive = 0;
        c.connect = () => {
          c.startedConnecting = true;
          return c.connected;
        };
        c.send = () => Promise.resolve(null);
        c.close = () => undefined;
      },
    });
    engine.localTs = localTs;
    const markets = ex.loadMarkets();
    markets.catch(() => undefined);
    this.run = { ex, engine, markets, byConn: new Map(), pending, nextStatus: undefined };
    await settle();
  }

  private async rest(run: Run, f: RawFrame): Promise<void> {
    const url = f.url ?? '';
    const req = await this.request(run, url);
    const status = run.nextStatus ?? 200;
    run.nextStatus = undefined;
    if (req === undefined) return;
    run.engine.localTs = f.localTs;
    req.resolve(bodyResponse(f.data, status));
    await settle();
  }

  /** The request ccxt made for `url`, waiting (a few event-loop turns) for ccxt to make it. */
  private async request(run: Run, url: string): Promise<PendingRequest | undefined> {
    // a venue may stamp its requests (`timestamp=`): after a while the same path is taken as the same request
    const path = (u: string): string => u.replace(/[?#].*$/, '');
    for (let i = 0; i < REQUEST_WAIT_TICKS; i++) {
      let at = run.pending.findIndex((p) => p.url === url);
      if (at < 0 && i >= REQUEST_WAIT_TICKS / 2) at = run.pending.findIndex((p) => path(p.url) === path(url));
      if (at >= 0) return run.pending.splice(at, 1)[0];
      await tick();
    }
    this.unplaced++;
    this.log.warn({ url }, 'ccxt replay: a recorded REST body that no ccxt request asked for');
    return undefined;
  }
}
