// Kraken spot WebSocket v2 on `/v2` (PROTOCOLS.md §3): subscribe/unsubscribe with acks, `book`
// (snapshot, then updates whose checksum covers the top 10 of the client's book; levels pushed
// beyond the subscribed depth fall out with no delete sent), `trade`, `ticker`, `instrument`,
// heartbeats and ping/pong. Truth key: the book update's timestamp in µs, unique per symbol.
// Faults of one connection (conn-faults.ts): a gap skips one update that moves the top 10 on that
// socket alone, a corruption sends it there with a top-10 level one lot off (its checksum no longer
// matches), a stall holds the socket's frames.
import type { FaultKind } from '../faults.js';
import { dueBookFault, takeCorruption, takeGap } from '../fault-state.js';
import type { DiffFrame, SimTrade } from '../market.js';
import type { SymbolState } from '../symbol-state.js';
import type { RestReply, VenueConn, VenueCtx, VenueProtocol } from '../venue/context.js';
import { SideView } from '../venue/depth-view.js';
import { krakenHistory } from './history.js';
import { krakenRest } from './rest.js';
import {
  HEARTBEAT, bookMessage, instrumentMessage, krakenBookChecksum, levelList, malformedKraken, rfc3339Us, statusMessage,
  tickerMessage, tradeMessage, type KrakenTicker,
} from './wire.js';

const DEPTHS = new Set([10, 25, 100, 500, 1000]);
const CHANNELS = new Set(['book', 'trade', 'ticker', 'instrument']);

interface DepthSubs {
  bids: SideView;
  asks: SideView;
  conns: Set<VenueConn>;
}

interface KSym {
  state: SymbolState;
  views: Map<number, DepthSubs>;
  trades: Set<VenueConn>;
  tickers: Set<VenueConn>;
  lastChecksum: number;
  lastTsUs: number;
}

interface KConn {
  /** symbol → subscribed book depth. */
  book: Map<string, number>;
}

const connState = (c: VenueConn): KConn => c.state as KConn;

export class KrakenProtocol implements VenueProtocol {
  readonly wsPath = '/v2';
  readonly faults: ReadonlySet<FaultKind> = new Set<FaultKind>(['disconnect', 'gap', 'corrupt', 'malformed', 'stall', 'maxsession', 'ratelimit', 'shutdown']);
  readonly connBookFaults = true;
  private readonly syms = new Map<string, KSym>();
  private readonly instrumentSubs = new Set<VenueConn>();
  private readonly bidOut: number[] = [];
  private readonly bidOutLots: number[] = [];
  private readonly askOut: number[] = [];
  private readonly askOutLots: number[] = [];

  constructor(private readonly ctx: VenueCtx) {
    const startUs = Date.now() * 1000;
    for (const [sym, state] of ctx.symbols) {
      const { bids, asks } = state.market;
      this.syms.set(sym, { state, views: new Map(), trades: new Set(), tickers: new Set(), lastChecksum: krakenBookChecksum(state.fmt, bids, asks), lastTsUs: startUs });
      state.truth.record(startUs, bids, asks);
      ctx.lastKey.set(sym, startUs);
    }
  }

  nextKey(sym: string, nowMs: number): number {
    const k = this.syms.get(sym)!;
    const us = nowMs * 1000;
    k.lastTsUs = us > k.lastTsUs ? us : k.lastTsUs + 1;
    return k.lastTsUs;
  }

  onOpen(c: VenueConn): void {
    c.state = { book: new Map() } satisfies KConn;
    this.ctx.send(c, statusMessage('online', c.id));
  }

  onClose(c: VenueConn): void {
    for (const [sym, depth] of connState(c).book) this.dropBook(sym, depth, c);
    for (const k of this.syms.values()) {
      k.trades.delete(c);
      k.tickers.delete(c);
    }
    this.instrumentSubs.delete(c);
  }

  onMessage(c: VenueConn, text: string): void {
    const timeIn = rfc3339Us(Date.now() * 1000);
    let msg: { method?: unknown; params?: Record<string, unknown>; req_id?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return this.ctx.send(c, `{"error":"Malformed request","success":false,"time_in":"${timeIn}","time_out":"${timeIn}"}`);
    }
    const reqId = typeof msg?.req_id === 'number' ? `,"req_id":${msg.req_id}` : '';
    const method = typeof msg?.method === 'string' ? msg.method : '';
    const fail = (error: string, extra = ''): void =>
      this.ctx.send(c, `{"error":${JSON.stringify(error)},"method":"${method}"${extra},"success":false,"time_in":"${timeIn}","time_out":"${rfc3339Us(Date.now() * 1000)}"${reqId}}`);
    if (method === 'ping') {
      return this.ctx.send(c, `{"method":"pong"${reqId},"time_in":"${timeIn}","time_out":"${rfc3339Us(Date.now() * 1000)}"}`);
    }
    if (method !== 'subscribe' && method !== 'unsubscribe') return fail('Method not found');
    const p = msg.params;
    const channel = p && typeof p.channel === 'string' ? p.channel : '';
    if (!CHANNELS.has(channel)) return fail(`Invalid channel ${JSON.stringify(channel)}`);
    const ack = (result: string): void =>
      this.ctx.send(c, `{"method":"${method}","result":${result},"success":true,"time_in":"${timeIn}","time_out":"${rfc3339Us(Date.now() * 1000)}"${reqId}}`);
    const snapshot = p!.snapshot !== false;
    if (channel === 'instrument') {
      if (method === 'subscribe') this.instrumentSubs.add(c);
      else this.instrumentSubs.delete(c);
      ack(`{"channel":"instrument"${method === 'subscribe' ? `,"snapshot":${snapshot}` : ''}}`);
      if (method === 'subscribe' && snapshot) this.ctx.send(c, instrumentMessage([...this.syms.values()].map((k) => k.state.fmt)));
      return;
    }
    const symbols = p!.symbol;
    if (!Array.isArray(symbols) || symbols.length === 0 || symbols.some((s) => typeof s !== 'string')) return fail('Missing or invalid symbol');
    const depth = p!.depth === undefined ? 10 : p!.depth;
    if (channel === 'book' && (typeof depth !== 'number' || !DEPTHS.has(depth))) return fail(`Invalid depth ${JSON.stringify(depth)}`);
    for (const sym of symbols as string[]) {
      const k = this.syms.get(sym);
      if (!k) {
        fail(`Currency pair not supported ${sym}`, `,"symbol":${JSON.stringify(sym)}`);
        continue;
      }
      const extra = `,"symbol":"${sym}"`;
      if (channel === 'book') {
        const have = connState(c).book.get(sym);
        if (method === 'subscribe') {
          if (have !== undefined) {
            fail('Already subscribed', extra);
            continue;
          }
          ack(`{"channel":"book","depth":${depth as number},"snapshot":${snapshot},"symbol":"${sym}"}`);
          this.addBook(c, k, sym, depth as number, snapshot);
        } else {
          if (have === undefined) {
            fail('Subscription Not Found', extra);
            continue;
          }
          this.dropBook(sym, have, c);
          ack(`{"channel":"book","depth":${have},"symbol":"${sym}"}`);
        }
        continue;
      }
      const set = channel === 'trade' ? k.trades : k.tickers;
      if (method === 'subscribe') {
        if (set.has(c)) {
          fail('Already subscribed', extra);
          continue;
        }
        set.add(c);
        c.subs.add(`${channel}|${sym}`);
        ack(`{"channel":"${channel}","snapshot":${snapshot},"symbol":"${sym}"}`);
        if (!snapshot) continue;
        if (channel === 'trade') this.ctx.send(c, tradeMessage('snapshot', k.state.fmt, sym, k.state.recentTrades.slice(-50)));
        else this.ctx.send(c, tickerMessage('snapshot', sym, this.ticker(k.state)));
      } else {
        if (!set.delete(c)) {
          fail('Subscription Not Found', extra);
          continue;
        }
        c.subs.delete(`${channel}|${sym}`);
        ack(`{"channel":"${channel}","symbol":"${sym}"}`);
      }
    }
  }

  private addBook(c: VenueConn, k: KSym, sym: string, depth: number, snapshot: boolean): void {
    let v = k.views.get(depth);
    const { bids, asks } = k.state.market;
    if (!v) {
      v = { bids: new SideView(depth, false), asks: new SideView(depth, false), conns: new Set() };
      v.bids.reset(bids);
      v.asks.reset(asks);
      k.views.set(depth, v);
    }
    v.conns.add(c);
    connState(c).book.set(sym, depth);
    c.subs.add(`book|${sym}`);
    if (!snapshot) return;
    const fmt = k.state.fmt;
    this.ctx.send(c, bookMessage('snapshot', sym, levelList(fmt, v.bids.ticks, v.bids.lots), levelList(fmt, v.asks.ticks, v.asks.lots),
      krakenBookChecksum(fmt, bids, asks), this.ctx.lastKey.get(sym)!));
  }

  private dropBook(sym: string, depth: number, c: VenueConn): void {
    const k = this.syms.get(sym)!;
    const v = k.views.get(depth);
    connState(c).book.delete(sym);
    c.subs.delete(`book|${sym}`);
    if (!v) return;
    v.conns.delete(c);
    if (v.conns.size === 0) k.views.delete(depth);
  }

  onFrame(state: SymbolState, _f: DiffFrame, trades: SimTrade[], key: number, _nowMs: number): void {
    const sym = state.inst.venueSymbol;
    const k = this.syms.get(sym)!;
    const { fmt, market } = state;
    if (trades.length > 0) {
      if (k.trades.size > 0) {
        const text = tradeMessage('update', fmt, sym, trades);
        for (const c of k.trades) this.ctx.send(c, text);
      }
      if (k.tickers.size > 0) {
        const text = tickerMessage('update', sym, this.ticker(state));
        for (const c of k.tickers) this.ctx.send(c, text);
      }
    }
    const checksum = krakenBookChecksum(fmt, market.bids, market.asks);
    const topChanged = checksum !== k.lastChecksum;
    k.lastChecksum = checksum;
    if (k.views.size === 0) return;
    const faults = this.ctx.faults;
    // A gap is taken on an update that moves the top 10, so the client's checksum can see it.
    const due = dueBookFault(faults, sym, topChanged);
    const drop = due === 'gap';
    const corrupt = due === 'corrupt';
    let corruptTicks = NaN;
    let corruptBid = false;
    for (const v of k.views.values()) {
      const bt = this.bidOut;
      const bl = this.bidOutLots;
      const at = this.askOut;
      const al = this.askOutLots;
      bt.length = bl.length = at.length = al.length = 0;
      v.bids.diff(market.bids, bt, bl);
      v.asks.diff(market.asks, at, al);
      if (drop || bt.length + at.length === 0) continue;
      if (corrupt && Number.isNaN(corruptTicks)) {
        // Every view holds the same top 10, so a top-10 level sent here is sent by all of them.
        const target = top10Level(market, bt, bl, at, al);
        if (target !== undefined) [corruptTicks, corruptBid] = [target.ticks, target.bid];
      }
      const text = bookMessage('update', sym,
        levelList(fmt, bt, bl, corruptBid ? corruptTicks : NaN),
        levelList(fmt, at, al, corruptBid ? NaN : corruptTicks), checksum, key);
      const conn = faults.conn;
      if (conn.idle) {
        for (const c of v.conns) this.ctx.send(c, text);
        continue;
      }
      // one connection's own fault, on an update the venue sends whole to everyone else
      let bad: string | null | undefined;
      const corruptible = (): boolean => {
        if (bad === undefined) {
          const t = due === undefined ? top10Level(market, bt, bl, at, al) : undefined;
          bad = t === undefined ? null : bookMessage('update', sym, levelList(fmt, bt, bl, t.bid ? t.ticks : NaN), levelList(fmt, at, al, t.bid ? NaN : t.ticks), checksum, key);
        }
        return bad !== null;
      };
      for (const c of v.conns) {
        const own = conn.takeBookIf(c.id, sym, key, topChanged && due === undefined, corruptible);
        if (own !== 'gap') this.ctx.send(c, own === 'corrupt' ? bad! : text);
      }
    }
    if (drop) {
      takeGap(faults, sym, key, key);
    } else if (!Number.isNaN(corruptTicks)) {
      const lots = (corruptBid ? market.bids : market.asks).lotsAt(corruptTicks);
      takeCorruption(faults, {
        venueSymbol: sym, key, side: corruptBid ? 'bid' : 'ask', price: fmt.price(corruptTicks), trueQty: fmt.qty(lots), sentQty: fmt.qty(lots + 1),
      });
    }
  }

  private ticker(s: SymbolState): KrakenTicker {
    const { fmt, market } = s;
    const recent = s.recentTrades;
    let vol = 0;
    let notional = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (const t of recent) {
      vol += t.lots;
      notional += t.ticks * t.lots;
      if (t.ticks < lo) lo = t.ticks;
      if (t.ticks > hi) hi = t.ticks;
    }
    const last = market.lastTradeTicks;
    const first = recent.length > 0 ? recent[0].ticks : last;
    if (recent.length === 0) lo = hi = last;
    const tickSize = Number(fmt.tickSize());
    const change = (last - first) * tickSize;
    const dec = fmt.inst.priceDecimals;
    return {
      bid: fmt.price(market.bids.bestTicks()), bidQty: fmt.qty(market.bids.lotsFromTop(0)),
      ask: fmt.price(market.asks.bestTicks()), askQty: fmt.qty(market.asks.lotsFromTop(0)),
      last: fmt.price(last), volume: fmt.qty(vol), vwap: fmt.price(vol > 0 ? Math.round(notional / vol) : last),
      low: fmt.price(lo), high: fmt.price(hi), change: change.toFixed(dec), changePct: ((100 * (last - first)) / first).toFixed(2),
    };
  }

  onSecond(): void {
    for (const c of this.ctx.conns.values()) {
      if (c.subs.size > 0 || this.instrumentSubs.has(c)) this.ctx.send(c, HEARTBEAT);
    }
  }

  rest(path: string, q: URLSearchParams): RestReply {
    const states = [...this.syms.values()].map((k) => k.state);
    return krakenHistory(states, path, q) ?? krakenRest(states, path, q);
  }

  rateLimited(): RestReply {
    return { status: 429, body: '{"error":["EAPI:Rate limit exceeded"]}' };
  }

  /** Kraken announces maintenance on the status channel, then the socket goes away. */
  shutdown(c: VenueConn): void {
    this.ctx.send(c, statusMessage('maintenance', c.id));
    c.ws.close(1001, 'maintenance');
  }

  malformed(c: VenueConn, n: number): string {
    const first = connState(c).book.keys().next();
    return malformedKraken(n, first.done ? [...this.syms.keys()][0] : first.value);
  }
}

/** A level this update sends that a client's top 10 (the checksum's) holds after it, to alter; bids first. */
function top10Level(
  market: SymbolState['market'], bt: readonly number[], bl: readonly number[], at: readonly number[], al: readonly number[],
): { ticks: number; bid: boolean } | undefined {
  const i = bl.findIndex((l, n) => l > 0 && bt[n] >= market.bids.ticksFromTop(9));
  if (i >= 0) return { ticks: bt[i], bid: true };
  const j = al.findIndex((l, n) => l > 0 && at[n] <= market.asks.ticksFromTop(9));
  return j >= 0 ? { ticks: at[j], bid: false } : undefined;
}
