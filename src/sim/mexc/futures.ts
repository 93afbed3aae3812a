// MEXC futures (contract) websocket on `/edge` (PROTOCOLS-MORE.md §4.2), JSON text:
// {"method":"sub.depth"|"sub.deal"|"sub.ticker"|"sub.depth.full","param":{"symbol":…}} answered by
// {"channel":"rs.sub.depth","data":"success"}; push.depth (merged: begin..end of the model's ids,
// version == end), push.deal (an array of deals), push.depth.full (top 5/10/20), push.ticker once
// a second; {"method":"ping"} → {"channel":"pong"}, and a connection that has not pinged for a
// minute is closed. Truth key: the model id u (= end / version).
import type { FaultKind } from '../faults.js';
import { dueBookFault, takeGap } from '../fault-state.js';
import type { DiffFrame, SimTrade } from '../market.js';
import type { SymbolState } from '../symbol-state.js';
import type { RestReply, VenueConn, VenueCtx, VenueProtocol } from '../venue/context.js';
import { mexcRest } from './rest.js';
import { contractTicker } from './ticker.js';
import {
  contractAck, contractError, contractLevels, contractPong, malformedContract, pushDeals, pushDepth, pushDepthFull, pushTicker,
} from './wire.js';

const PING_TIMEOUT_MS = 60_000;
const FULL_LIMITS = new Set([5, 10, 20]);

interface FSym {
  state: SymbolState;
  depth: Set<VenueConn>;
  deals: Set<VenueConn>;
  tickers: Set<VenueConn>;
  /** depth.full subscribers with their level count. */
  full: Map<VenueConn, number>;
}

interface FConn {
  lastPingMs: number;
}

export class MexcFuturesProtocol implements VenueProtocol {
  readonly wsPath = '/edge';
  readonly faults: ReadonlySet<FaultKind> = new Set<FaultKind>(['disconnect', 'gap', 'malformed', 'stall', 'slowsnapshot', 'stalesnapshot', 'maxsession', 'ratelimit', 'shutdown']);
  private readonly syms = new Map<string, FSym>();

  constructor(private readonly ctx: VenueCtx) {
    for (const [sym, state] of ctx.symbols) {
      this.syms.set(sym, { state, depth: new Set(), deals: new Set(), tickers: new Set(), full: new Map() });
      state.truth.record(state.market.updateId, state.market.bids, state.market.asks);
      ctx.lastKey.set(sym, state.market.updateId);
    }
  }

  nextKey(): undefined {
    return undefined;
  }

  onOpen(c: VenueConn): void {
    c.state = { lastPingMs: c.openedMs } satisfies FConn;
  }

  onClose(c: VenueConn): void {
    for (const o of this.syms.values()) {
      o.depth.delete(c);
      o.deals.delete(c);
      o.tickers.delete(c);
      o.full.delete(c);
    }
  }

  onMessage(c: VenueConn, text: string): void {
    const now = Date.now();
    let msg: { method?: unknown; param?: { symbol?: unknown; limit?: unknown } };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return this.ctx.send(c, contractError('Invalid request', now));
    }
    const method = typeof msg?.method === 'string' ? msg.method : '';
    if (method === 'ping') {
      (c.state as FConn).lastPingMs = now;
      return this.ctx.send(c, contractPong(now));
    }
    const m = /^(sub|unsub|usub)\.(depth|deal|ticker|depth\.full)$/.exec(method);
    if (m === null) return this.ctx.send(c, contractError(`Unknown method ${method}`.slice(0, 80), now));
    const o = this.syms.get(typeof msg.param?.symbol === 'string' ? msg.param.symbol : '');
    if (o === undefined) return this.ctx.send(c, contractError("Contract doesn't exist!", now));
    const on = m[1] === 'sub';
    const key = `${m[2]}|${o.state.inst.venueSymbol}`;
    if (m[2] === 'depth.full') {
      const limit = msg.param?.limit === undefined ? 20 : Number(msg.param.limit);
      if (on && !FULL_LIMITS.has(limit)) return this.ctx.send(c, contractError('Invalid limit', now));
      if (on) o.full.set(c, limit);
      else o.full.delete(c);
    } else {
      const set = m[2] === 'depth' ? o.depth : m[2] === 'deal' ? o.deals : o.tickers;
      if (on) set.add(c);
      else set.delete(c);
    }
    if (on) c.subs.add(key);
    else c.subs.delete(key);
    this.ctx.send(c, contractAck(`${on ? 'sub' : 'unsub'}.${m[2]}`, now));
  }

  onFrame(state: SymbolState, f: DiffFrame, trades: SimTrade[], key: number, nowMs: number): void {
    const sym = state.inst.venueSymbol;
    const o = this.syms.get(sym)!;
    const { fmt, market } = state;
    if (trades.length > 0 && o.deals.size > 0) {
      const text = pushDeals(fmt, sym, trades, nowMs);
      for (const c of o.deals) this.ctx.send(c, text);
    }
    for (const [c, n] of o.full) {
      const b = market.bids.copyTop(n);
      const a = market.asks.copyTop(n);
      this.ctx.send(c, pushDepthFull(sym, contractLevels(fmt, b.ticks, b.lots), contractLevels(fmt, a.ticks, a.lots), key, nowMs));
    }
    if (o.depth.size === 0) return;
    if (dueBookFault(this.ctx.faults, sym) === 'gap') {
      takeGap(this.ctx.faults, sym, f.U, f.u);
      return;
    }
    const text = pushDepth(sym, contractLevels(fmt, f.bidTicks, f.bidLots), contractLevels(fmt, f.askTicks, f.askLots), f.U, f.u, nowMs);
    for (const c of o.depth) this.ctx.send(c, text);
  }

  onSecond(nowMs: number): void {
    for (const o of this.syms.values()) {
      if (o.tickers.size === 0) continue;
      const text = pushTicker(contractTicker(o.state, nowMs));
      for (const c of o.tickers) this.ctx.send(c, text);
    }
    // "If no ping is received within 1 minute, the connection will be disconnected."
    for (const c of this.ctx.conns.values()) {
      if (nowMs - (c.state as FConn).lastPingMs > PING_TIMEOUT_MS && c.ws.readyState === 1) c.ws.close(1000, 'no ping for 1 minute');
    }
  }

  rest(path: string, q: URLSearchParams): RestReply {
    const faults = this.ctx.faults;
    return mexcRest({
      symbols: this.ctx.symbols,
      takeStale: () => {
        const stale = faults.staleNext;
        faults.staleNext = false;
        return stale;
      },
      ticker: contractTicker,
    }, path, q);
  }

  rateLimited(): RestReply {
    return { status: 429, body: '{"success":false,"code":510,"message":"Excessive frequency of requests"}' };
  }

  /** MEXC announces nothing: the socket just goes away (1001), as in a server restart. */
  shutdown(c: VenueConn): void {
    c.ws.close(1001, 'going away');
  }

  malformed(c: VenueConn, n: number): string {
    const first = c.subs.values().next();
    return malformedContract(n, first.done ? [...this.syms.keys()][0] : first.value.split('|')[1]);
  }
}
