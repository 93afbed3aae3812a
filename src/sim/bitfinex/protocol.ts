// Bitfinex v2 public websocket on `/ws/2` (PROTOCOLS.md §5): info on open, `conf` flags (TIMESTAMP,
// SEQ_ALL, OB_CHECKSUM, BULK), subscribe/unsubscribe by chanId, P0 `book` (len 1/25/100/250; levels
// leaving the length are deleted) and raw R0 `book` (len 25/100/250 price levels of orders, see
// raw-book.ts; a connection may hold both for one symbol), each with a `cs` frame after each update
// batch, `trades` (snapshot, te, tu), `ticker`, `[chan,"hb"]` on quiet channels, ping/pong, info
// 20051/20060/20061 as faults.
// Truth key: the batch's TIMESTAMP-flag mts × 1000 (ms unique and increasing per symbol). Truth is
// price levels: for an R0 subscriber `truth.topAt` is the same as for P0 — its orders summed per price.
// Faults of one connection (conn-faults.ts): a gap skips one update batch (and its `cs`) that moves
// the checksummed top 25 on that socket alone, a corruption sends the batch there with one top-25
// level (R0: one of the 25 orders) one lot off, so the `cs` after it no longer matches; a stall
// holds the socket's frames. SEQ_ALL numbers what a socket is sent, so it shows neither.
import type { FaultKind } from '../faults.js';
import { dueBookFault, takeCorruption, takeGap } from '../fault-state.js';
import type { DiffFrame, SimTrade } from '../market.js';
import type { SymbolState } from '../symbol-state.js';
import type { RestReply, VenueConn, VenueCtx, VenueProtocol } from '../venue/context.js';
import { SideView } from '../venue/depth-view.js';
import { bitfinexHistory } from './history.js';
import { RAW_LENS, RawBook, type RawTarget } from './raw-book.js';
import { bitfinexRest, tickerBody } from './rest.js';
import {
  FLAG_BULK, FLAG_OB_CHECKSUM, FLAG_SEQ_ALL, FLAG_TIMESTAMP, INFO, INFO_MAINT_END, INFO_MAINT_START, INFO_RESTART,
  bfxAmount, bfxPrice, bitfinexBookChecksum, entry, malformedBitfinex, rawEntry,
} from './wire.js';

const LENS = new Set([1, 25, 100, 250]);

interface Chan {
  /** `raw`: a `book` channel at prec R0. */
  kind: 'book' | 'raw' | 'trades' | 'ticker';
  sym: string;
  lastMs: number;
}

interface BConn {
  flags: number;
  seq: number;
  chans: Map<number, Chan>;
  /** `${kind}|${sym}` → chanId. */
  byKey: Map<string, number>;
}

interface View {
  bids: SideView;
  asks: SideView;
  conns: Set<VenueConn>;
}

interface BSym {
  state: SymbolState;
  views: Map<number, View>;
  trades: Set<VenueConn>;
  tickers: Set<VenueConn>;
  lastMs: number;
  lastChecksum: number;
  raw: RawBook;
}

const st = (c: VenueConn): BConn => c.state as BConn;

export class BitfinexProtocol implements VenueProtocol {
  readonly wsPath = '/ws/2';
  readonly faults: ReadonlySet<FaultKind> = new Set<FaultKind>(['disconnect', 'gap', 'corrupt', 'malformed', 'stall', 'slowsnapshot', 'maxsession', 'ratelimit', 'shutdown']);
  readonly connBookFaults = true;
  private readonly syms = new Map<string, BSym>();
  private nextChanId = 17_082;
  private maintenance = false;
  private readonly entries: string[] = [];
  private readonly t: number[] = [];
  private readonly l: number[] = [];

  constructor(private readonly ctx: VenueCtx) {
    const nowMs = Date.now();
    for (const [sym, state] of ctx.symbols) {
      const { fmt, market } = state;
      this.syms.set(sym, { state, views: new Map(), trades: new Set(), tickers: new Set(), lastMs: nowMs, lastChecksum: bitfinexBookChecksum(fmt, market.bids, market.asks), raw: new RawBook(state) });
      state.truth.record(nowMs * 1000, market.bids, market.asks);
      ctx.lastKey.set(sym, nowMs * 1000);
    }
  }

  nextKey(sym: string, nowMs: number): number {
    const b = this.syms.get(sym)!;
    b.lastMs = nowMs > b.lastMs ? nowMs : b.lastMs + 1;
    return b.lastMs * 1000;
  }

  onOpen(c: VenueConn): void {
    c.state = { flags: 0, seq: 0, chans: new Map(), byKey: new Map() } satisfies BConn;
    this.ctx.send(c, INFO);
  }

  onClose(c: VenueConn): void {
    for (const chan of st(c).chans.values()) this.detach(c, chan);
  }

  /** Sends `[chanId,<body>(,seq)(,mts)]`. */
  private push(c: VenueConn, chanId: number, body: string, mts: number): void {
    const s = st(c);
    let text = `[${chanId},${body}`;
    if (s.flags & FLAG_SEQ_ALL) text += `,${++s.seq}`;
    if (s.flags & FLAG_TIMESTAMP) text += `,${mts}`;
    const chan = s.chans.get(chanId);
    if (chan) chan.lastMs = Date.now();
    this.ctx.send(c, text + ']');
  }

  onMessage(c: VenueConn, text: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return this.ctx.send(c, '{"event":"error","msg":"invalid request","code":10000}');
    }
    const s = st(c);
    switch (msg?.event) {
      case 'ping':
        return this.ctx.send(c, `{"event":"pong","ts":${Date.now()},"cid":${typeof msg.cid === 'number' ? msg.cid : 0}}`);
      case 'conf':
        if (typeof msg.flags !== 'number') return this.ctx.send(c, '{"event":"conf","status":"FAILED","flags":null}');
        s.flags = msg.flags;
        return this.ctx.send(c, `{"event":"conf","status":"OK","flags":${msg.flags}}`);
      case 'unsubscribe': {
        const chanId = msg.chanId;
        const chan = typeof chanId === 'number' ? s.chans.get(chanId) : undefined;
        if (!chan) return this.ctx.send(c, `{"event":"error","msg":"unsubscribe: invalid","code":10400,"chanId":${JSON.stringify(chanId ?? null)}}`);
        this.detach(c, chan);
        s.chans.delete(chanId as number);
        return this.ctx.send(c, `{"event":"unsubscribed","status":"OK","chanId":${chanId as number}}`);
      }
      case 'subscribe':
        return this.subscribe(c, msg);
      default:
        return this.ctx.send(c, '{"event":"error","msg":"event: invalid","code":10000}');
    }
  }

  private subscribe(c: VenueConn, msg: Record<string, unknown>): void {
    const s = st(c);
    const channel = msg.channel;
    const sym = typeof msg.symbol === 'string' ? msg.symbol : '';
    const fail = (m: string, code = 10300): void =>
      this.ctx.send(c, `{"event":"error","msg":${JSON.stringify(m)},"code":${code},"channel":${JSON.stringify(channel ?? null)},"symbol":${JSON.stringify(sym)}}`);
    if (channel !== 'book' && channel !== 'trades' && channel !== 'ticker') return fail('channel: invalid');
    const b = this.syms.get(sym);
    if (!b) return fail('symbol: invalid');
    const prec = channel === 'book' ? (msg.prec ?? 'P0') : undefined;
    if (channel === 'book' && prec !== 'P0' && prec !== 'R0') return fail(`prec: ${String(prec)} is not simulated (P0 and R0 only)`);
    const kind = prec === 'R0' ? 'raw' : channel;
    const key = `${kind}|${sym}`;
    if (s.byKey.has(key)) return fail('subscribe: dup', 10301);
    const pair = sym.slice(1);
    const nowMs = Date.now();
    if (channel !== 'book') {
      const chanId = this.nextChanId++;
      s.chans.set(chanId, { kind: channel, sym, lastMs: nowMs });
      s.byKey.set(key, chanId);
      c.subs.add(key);
      this.ctx.send(c, `{"event":"subscribed","channel":"${channel}","chanId":${chanId},"symbol":"${sym}","pair":"${pair}"}`);
      if (channel === 'trades') {
        b.trades.add(c);
        const recent = b.state.recentTrades.slice(-30).reverse();
        this.push(c, chanId, `[${recent.map((t) => this.tradeBody(b.state, t)).join(',')}]`, b.lastMs);
      } else {
        b.tickers.add(c);
        this.push(c, chanId, tickerBody(b.state), b.lastMs);
      }
      return;
    }
    const len = msg.len === undefined ? 25 : Number(msg.len);
    if (!(prec === 'R0' ? RAW_LENS : LENS).has(len)) return fail('len: invalid');
    const freq = typeof msg.freq === 'string' ? msg.freq : 'F0';
    const chanId = this.nextChanId++;
    s.chans.set(chanId, { kind, sym, lastMs: nowMs });
    s.byKey.set(key, chanId);
    c.subs.add(key);
    this.ctx.send(c, `{"event":"subscribed","channel":"book","chanId":${chanId},"symbol":"${sym}","prec":"${prec}","freq":"${freq}","len":"${len}","pair":"${pair}"}`);
    if (kind === 'raw') {
      const parts: string[] = [];
      b.raw.add(c, len, parts);
      this.push(c, chanId, `[${parts.join(',')}]`, b.lastMs);
      if (s.flags & FLAG_OB_CHECKSUM) this.push(c, chanId, `"cs",${b.raw.checksum}`, b.lastMs);
      return;
    }
    const { market, fmt } = b.state;
    let v = b.views.get(len);
    if (!v) {
      v = { bids: new SideView(len, true), asks: new SideView(len, true), conns: new Set() };
      v.bids.reset(market.bids);
      v.asks.reset(market.asks);
      b.views.set(len, v);
    }
    v.conns.add(c);
    const parts: string[] = [];
    for (let i = 0; i < v.bids.ticks.length; i++) parts.push(entry(fmt, v.bids.ticks[i], v.bids.lots[i], false));
    for (let i = 0; i < v.asks.ticks.length; i++) parts.push(entry(fmt, v.asks.ticks[i], v.asks.lots[i], true));
    this.push(c, chanId, `[${parts.join(',')}]`, b.lastMs);
    if (s.flags & FLAG_OB_CHECKSUM) this.push(c, chanId, `"cs",${b.lastChecksum}`, b.lastMs);
  }

  private detach(c: VenueConn, chan: Chan): void {
    const b = this.syms.get(chan.sym)!;
    const s = st(c);
    s.byKey.delete(`${chan.kind}|${chan.sym}`);
    c.subs.delete(`${chan.kind}|${chan.sym}`);
    if (chan.kind === 'trades') b.trades.delete(c);
    else if (chan.kind === 'ticker') b.tickers.delete(c);
    else if (chan.kind === 'raw') b.raw.remove(c);
    else {
      for (const [len, v] of b.views) {
        if (v.conns.delete(c) && v.conns.size === 0) b.views.delete(len);
      }
    }
  }

  private tradeBody(s: SymbolState, t: SimTrade): string {
    return `[${t.id},${t.timeMs},${bfxAmount(s.fmt, t.lots, t.buyerMaker)},${bfxPrice(s.fmt, t.ticks)}]`;
  }

  onFrame(state: SymbolState, f: DiffFrame, trades: SimTrade[], key: number, _nowMs: number): void {
    const sym = state.inst.venueSymbol;
    const b = this.syms.get(sym)!;
    const mts = key / 1000;
    const { fmt, market } = state;
    for (const t of trades) {
      if (b.trades.size === 0) break;
      const body = this.tradeBody(state, t);
      for (const c of b.trades) {
        const id = st(c).byKey.get(`trades|${sym}`)!;
        this.push(c, id, `"te",${body}`, mts);
        this.push(c, id, `"tu",${body}`, mts);
      }
    }
    const checksum = bitfinexBookChecksum(fmt, market.bids, market.asks);
    const topChanged = checksum !== b.lastChecksum;
    b.lastChecksum = checksum;
    const raw = b.raw;
    // With raw books open, a fault must move the R0 checksum (its 25 orders lie in P0's top 25 levels).
    const visible = raw.active ? raw.advance(f) : topChanged;
    if (b.views.size === 0 && !raw.active) return;
    const faults = this.ctx.faults;
    const due = dueBookFault(faults, sym, visible);
    const drop = due === 'gap';
    const corrupt = due === 'corrupt';
    let corruptTicks = NaN;
    let corruptBid = false;
    let corruptId = NaN;
    if (corrupt && raw.active) {
      // One order, so one level: every raw view sends the order and every P0 view the level.
      const target = raw.corruptTarget();
      if (target) ({ ticks: corruptTicks, bid: corruptBid, id: corruptId } = target);
    }
    for (const [len, v] of b.views) {
      const { entries, t, l } = this;
      entries.length = 0;
      t.length = l.length = 0;
      v.bids.diff(market.bids, t, l);
      const nb = t.length;
      v.asks.diff(market.asks, t, l);
      if (drop || t.length === 0) continue;
      if (corrupt && !raw.active && Number.isNaN(corruptTicks) && len >= 25) {
        // Views of 25+ levels hold the same top 25, so a top-25 level sent here is sent by all of them.
        for (let i = 0; i < t.length && Number.isNaN(corruptTicks); i++) {
          const bid = i < nb;
          const side = bid ? market.bids : market.asks;
          if (l[i] > 0 && side.length >= 25 && (bid ? t[i] >= side.ticksFromTop(24) : t[i] <= side.ticksFromTop(24))) {
            corruptTicks = t[i];
            corruptBid = bid;
          }
        }
      }
      for (let i = 0; i < t.length; i++) {
        const bid = i < nb;
        const lots = t[i] === corruptTicks && bid === corruptBid && l[i] > 0 ? l[i] + 1 : l[i];
        entries.push(entry(fmt, t[i], lots, !bid));
      }
      const bulk = `[${entries.join(',')}]`;
      const conn = faults.conn;
      // one connection's own corruption, of a batch the venue sends whole to everyone else
      let bad: string[] | null | undefined;
      const corruptible = (): boolean => {
        if (bad === undefined) {
          bad = null;
          for (let i = 0; i < t.length && due === undefined && len >= 25 && bad === null; i++) {
            const bid = i < nb;
            const side = bid ? market.bids : market.asks;
            if (l[i] > 0 && side.length >= 25 && (bid ? t[i] >= side.ticksFromTop(24) : t[i] <= side.ticksFromTop(24))) {
              bad = entries.slice();
              bad[i] = entry(fmt, t[i], l[i] + 1, !bid);
            }
          }
        }
        return bad !== null;
      };
      for (const c of v.conns) {
        const own = conn.idle ? undefined : conn.takeBookIf(c.id, sym, key, topChanged && due === undefined, corruptible);
        if (own !== 'gap') this.sendBatch(c, `book|${sym}`, own === 'corrupt' ? bad! : entries, own === 'corrupt' ? undefined : bulk, checksum, mts);
      }
    }
    if (raw.active) this.sendRaw(b, drop, corruptId, mts, key, visible && due === undefined);
    if (drop) {
      takeGap(faults, sym, key, key);
    } else if (!Number.isNaN(corruptTicks)) {
      const lots = (corruptBid ? market.bids : market.asks).lotsAt(corruptTicks);
      takeCorruption(faults, {
        venueSymbol: sym, key, side: corruptBid ? 'bid' : 'ask', price: bfxPrice(fmt, corruptTicks),
        trueQty: bfxAmount(fmt, lots, false), sentQty: bfxAmount(fmt, lots + 1, false),
      });
    }
  }

  /**
   * One update batch to one subscriber of channel `chanKey` (`[chan,entry]` each, or one BULK array:
   * `bulk` if given, built once for every subscriber), then its `cs`.
   */
  private sendBatch(c: VenueConn, chanKey: string, entries: readonly string[], bulk: string | undefined, checksum: number, mts: number): void {
    const s = st(c);
    const id = s.byKey.get(chanKey)!;
    if (s.flags & FLAG_BULK) this.push(c, id, bulk ?? `[${entries.join(',')}]`, mts);
    else for (const e of entries) this.push(c, id, e, mts);
    if (s.flags & FLAG_OB_CHECKSUM) this.push(c, id, `"cs",${checksum}`, mts);
  }

  /**
   * Each raw view's update batch, then `cs`; `visible`: the batch moves the checksummed orders (and
   * the venue faults it for no one), so one connection's own gap or corruption may take it.
   */
  private sendRaw(b: BSym, drop: boolean, corruptId: number, mts: number, key: number, visible: boolean): void {
    const entries = this.entries;
    const { fmt, inst } = b.state;
    const sym = inst.venueSymbol;
    const conn = this.ctx.faults.conn;
    let target: RawTarget | null | undefined;
    for (const v of b.raw.views.values()) {
      entries.length = 0;
      b.raw.diff(v, entries, corruptId);
      if (drop || entries.length === 0) continue;
      const bulk = `[${entries.join(',')}]`;
      // one connection's own corruption: the target order's entry one lot larger
      let bad: string[] | null | undefined;
      const corruptible = (): boolean => {
        if (bad === undefined) {
          if (target === undefined) target = b.raw.corruptTarget() ?? null;
          const t = target;
          const i = t === null ? -1 : entries.findIndex((e) => e.startsWith(`[${t.id},`) && !e.startsWith(`[${t.id},0,`));
          bad = i < 0 ? null : entries.slice();
          if (bad !== null) {
            const amount = Number(entries[i].slice(entries[i].lastIndexOf(',') + 1, -1));
            const lots = Math.round(Math.abs(amount) / Number(fmt.stepSize()));
            bad[i] = rawEntry(fmt, t!.id, t!.ticks, lots + 1, amount < 0);
          }
        }
        return bad !== null;
      };
      for (const c of v.conns) {
        const own = conn.idle ? undefined : conn.takeBookIf(c.id, sym, key, visible, corruptible);
        if (own !== 'gap') this.sendBatch(c, `raw|${sym}`, own === 'corrupt' ? bad! : entries, own === 'corrupt' ? undefined : bulk, b.raw.checksum, mts);
      }
    }
  }

  onSecond(nowMs: number): void {
    if (this.maintenance) {
      // The stall is over (the engine skips this call while stalled): maintenance ended.
      this.maintenance = false;
      for (const c of this.ctx.conns.values()) this.ctx.send(c, INFO_MAINT_END);
    }
    // Quiet channels first, so a channel pushed below still counts as quiet this second.
    const quietMs = this.ctx.opts.heartbeatMs;
    for (const c of this.ctx.conns.values()) {
      for (const [id, chan] of st(c).chans) {
        if (nowMs - chan.lastMs >= quietMs) this.push(c, id, '"hb"', nowMs);
      }
    }
    for (const b of this.syms.values()) {
      if (b.tickers.size === 0) continue;
      const body = tickerBody(b.state);
      for (const c of b.tickers) this.push(c, st(c).byKey.get(`ticker|${b.state.inst.venueSymbol}`)!, body, nowMs);
    }
  }

  /** A stall is announced as maintenance (20060); 20061 follows when it ends. */
  onStall(): void {
    this.maintenance = true;
    for (const c of this.ctx.conns.values()) this.ctx.send(c, INFO_MAINT_START);
  }

  rest(path: string, q: URLSearchParams): RestReply {
    return bitfinexHistory(this.ctx.symbols, path, q) ?? bitfinexRest(this.ctx.symbols, path, q);
  }

  rateLimited(): RestReply {
    return { status: 429, body: '["error",11010,"ratelimit: error"]' };
  }

  /** 20051: the server is restarting; the socket closes. */
  shutdown(c: VenueConn): void {
    this.ctx.send(c, INFO_RESTART);
    c.ws.close(1001, 'restart');
  }

  malformed(c: VenueConn, n: number): string {
    const first = st(c).chans.keys().next();
    return malformedBitfinex(n, first.done ? 0 : first.value);
  }
}
