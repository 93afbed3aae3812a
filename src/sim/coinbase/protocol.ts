// Coinbase Advanced Trade market-data websocket on `/` (PROTOCOLS-MORE.md §2): one channel per
// subscribe message, `{"type":"subscribe","product_ids":[…],"channel":"level2"|"market_trades"|
// "ticker"}` and `{"type":"subscribe","channel":"heartbeats"}`; each answered with the data
// snapshots first and then the `subscriptions` ack (the order recorded in 2026). `level2` sends
// the whole book as a `snapshot` event, then `update` events of the levels that changed (absolute
// sizes, "0" removes); every message of a connection, whatever its channel, carries the next
// `sequence_num` of that connection. No checksum, no per-product sequence.
//
// Truth key: the l2 message's timestamp in µs (unique and increasing per product; a snapshot
// carries the key of the update it reflects). Faults: gap (one l2 update is lost: the connection's
// counter skips its number), malformed (frames without a readable sequence_num), slowsnapshot (a
// level2 subscription's snapshot comes late, and its updates only after it), disconnect,
// maxsession, stall, ratelimit (REST 429) and shutdown (the socket closes with 1001). Coinbase
// has no REST book that could seed ours and no checksum, so stalesnapshot and corrupt do not apply.
import type { FaultKind } from '../faults.js';
import { dueBookFault, takeGap } from '../fault-state.js';
import type { DiffFrame, SimTrade } from '../market.js';
import type { SymbolState } from '../symbol-state.js';
import type { RestReply, VenueConn, VenueCtx, VenueProtocol } from '../venue/context.js';
import { SideView } from '../venue/depth-view.js';
import { coinbaseHistory } from './history.js';
import { coinbaseRest } from './rest.js';
import { tickerOf } from './ticker.js';
import {
  envelope, errorMessage, heartbeatEvents, l2Events, l2Levels, malformedCoinbase, subscriptionsEvents, tickerEvents,
  timestampNs, timeUs, tradeEvents,
} from './wire.js';

/** level2 is the whole book: a view deep enough never to drop a level. */
const FULL_DEPTH = Number.MAX_SAFE_INTEGER;
/** Channels that need a JWT (SDK WS_AUTH_CHANNELS): refused without one, as Coinbase does. */
const AUTH_CHANNELS = new Set(['user', 'futures_balance_summary']);
const DATA_CHANNELS = ['level2', 'market_trades', 'ticker'] as const;
type DataChannel = (typeof DATA_CHANNELS)[number];
/** Recent trades a market_trades snapshot lists. */
const TRADES_SNAPSHOT = 50;

interface CSym {
  state: SymbolState;
  /** The level2 book as last sent: live while anyone holds level2. */
  bids: SideView;
  asks: SideView;
  subs: Record<DataChannel, Set<VenueConn>>;
  lastTsUs: number;
}

interface CConn {
  /** The next sequence_num of this connection. */
  seq: number;
  heartbeats: boolean;
  beats: number;
  /** level2 snapshots held back by a slowsnapshot fault: nothing of that product goes out before. */
  pending: Map<string, NodeJS.Timeout>;
}

const connState = (c: VenueConn): CConn => c.state as CConn;

export class CoinbaseProtocol implements VenueProtocol {
  readonly wsPath = '/';
  readonly faults: ReadonlySet<FaultKind> = new Set<FaultKind>(['disconnect', 'gap', 'malformed', 'stall', 'slowsnapshot', 'maxsession', 'ratelimit', 'shutdown']);
  private readonly syms = new Map<string, CSym>();
  private readonly startMs = Date.now();
  private readonly bt: number[] = [];
  private readonly bl: number[] = [];
  private readonly at: number[] = [];
  private readonly al: number[] = [];

  constructor(private readonly ctx: VenueCtx) {
    const startUs = this.startMs * 1000;
    for (const [sym, state] of ctx.symbols) {
      this.syms.set(sym, {
        state, bids: new SideView(FULL_DEPTH, true), asks: new SideView(FULL_DEPTH, true),
        subs: { level2: new Set(), market_trades: new Set(), ticker: new Set() }, lastTsUs: startUs,
      });
      state.truth.record(startUs, state.market.bids, state.market.asks);
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
    c.state = { seq: 0, heartbeats: false, beats: 0, pending: new Map() } satisfies CConn;
  }

  onClose(c: VenueConn): void {
    const cs = connState(c);
    for (const t of cs.pending.values()) clearTimeout(t);
    cs.pending.clear();
    for (const k of this.syms.values()) for (const ch of DATA_CHANNELS) k.subs[ch].delete(c);
  }

  /** One numbered message to one connection. */
  private emit(c: VenueConn, channel: string, timestamp: string, events: string): void {
    this.ctx.send(c, envelope(channel, timestamp, connState(c).seq++, events));
  }

  onMessage(c: VenueConn, text: string): void {
    let msg: { type?: unknown; channel?: unknown; product_ids?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return this.ctx.send(c, errorMessage('Failed to parse message'));
    }
    const type = msg?.type;
    const channel = typeof msg?.channel === 'string' ? msg.channel : '';
    if (type !== 'subscribe' && type !== 'unsubscribe') return this.ctx.send(c, errorMessage(`Invalid message type ${String(type)}`));
    if (AUTH_CHANNELS.has(channel)) return this.ctx.send(c, errorMessage('authentication failure'));
    const nowMs = Date.now();
    if (channel === 'heartbeats') {
      connState(c).heartbeats = type === 'subscribe';
      return this.ack(c, nowMs);
    }
    if (!(DATA_CHANNELS as readonly string[]).includes(channel)) return this.ctx.send(c, errorMessage('Failed to subscribe', `unknown channel ${channel}`));
    const ids = msg.product_ids;
    if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string' || !this.syms.has(id))) {
      return this.ctx.send(c, errorMessage('Failed to subscribe', `invalid product_ids ${JSON.stringify(ids)}`));
    }
    for (const id of ids as string[]) {
      const k = this.syms.get(id)!;
      if (type === 'unsubscribe') this.unsubscribe(c, k, channel as DataChannel, id);
      else this.subscribe(c, k, channel as DataChannel, id, nowMs);
    }
    this.ack(c, nowMs);
  }

  private subscribe(c: VenueConn, k: CSym, channel: DataChannel, id: string, nowMs: number): void {
    c.subs.add(`${channel}|${id}`);
    const { fmt } = k.state;
    if (channel === 'market_trades') {
      k.subs.market_trades.add(c);
      this.emit(c, 'market_trades', timestampNs(nowMs * 1000), tradeEvents('snapshot', fmt, id, k.state.recentTrades.slice(-TRADES_SNAPSHOT)));
      return;
    }
    if (channel === 'ticker') {
      k.subs.ticker.add(c);
      this.emit(c, 'ticker', timestampNs(nowMs * 1000), tickerEvents('snapshot', id, tickerOf(k.state)));
      return;
    }
    if (k.subs.level2.size === 0) {
      // nothing followed the book while nobody held it: the view restarts from the model
      k.bids.reset(k.state.market.bids);
      k.asks.reset(k.state.market.asks);
    }
    k.subs.level2.add(c);
    const cs = connState(c);
    clearTimeout(cs.pending.get(id));
    cs.pending.delete(id);
    const faults = this.ctx.faults;
    if (faults.slowNextMs > 0) {
      const delay = faults.slowNextMs;
      faults.slowNextMs = 0;
      cs.pending.set(id, setTimeout(() => {
        cs.pending.delete(id);
        if (k.subs.level2.has(c)) this.sendSnapshot(c, k, id);
      }, delay));
      return;
    }
    this.sendSnapshot(c, k, id);
  }

  /** The book as the view holds it: the model after the frame keyed lastKey, which it carries. */
  private sendSnapshot(c: VenueConn, k: CSym, id: string): void {
    const key = this.ctx.lastKey.get(id)!;
    const levels = l2Levels(k.state.fmt, '1970-01-01T00:00:00Z', k.bids.ticks, k.bids.lots, k.asks.ticks, k.asks.lots);
    this.emit(c, 'l2_data', timestampNs(key), l2Events('snapshot', id, levels));
  }

  private unsubscribe(c: VenueConn, k: CSym, channel: DataChannel, id: string): void {
    c.subs.delete(`${channel}|${id}`);
    k.subs[channel].delete(c);
    if (channel !== 'level2') return;
    const cs = connState(c);
    clearTimeout(cs.pending.get(id));
    cs.pending.delete(id);
  }

  /** The `subscriptions` ack: everything the connection holds now. */
  private ack(c: VenueConn, nowMs: number): void {
    const set = new Map<string, string[]>();
    for (const ch of DATA_CHANNELS) {
      const ids = [...this.syms].filter(([, k]) => k.subs[ch].has(c)).map(([id]) => id);
      if (ids.length > 0) set.set(ch, ids);
    }
    if (connState(c).heartbeats) set.set('heartbeats', ['heartbeats']);
    this.emit(c, 'subscriptions', timestampNs(nowMs * 1000), subscriptionsEvents(set));
  }

  onFrame(state: SymbolState, _f: DiffFrame, trades: SimTrade[], key: number, nowMs: number): void {
    const id = state.inst.venueSymbol;
    const k = this.syms.get(id)!;
    const { fmt, market } = state;
    if (trades.length > 0) {
      const ts = timestampNs(nowMs * 1000);
      if (k.subs.market_trades.size > 0) {
        const events = tradeEvents('update', fmt, id, trades);
        for (const c of k.subs.market_trades) this.emit(c, 'market_trades', ts, events);
      }
      if (k.subs.ticker.size > 0) {
        const events = tickerEvents('update', id, tickerOf(state));
        for (const c of k.subs.ticker) this.emit(c, 'ticker', ts, events);
      }
    }
    if (k.subs.level2.size === 0) return;
    const { bt, bl, at, al } = this;
    bt.length = bl.length = at.length = al.length = 0;
    k.bids.diff(market.bids, bt, bl);
    k.asks.diff(market.asks, at, al);
    if (bt.length + at.length === 0) return;
    const drop = dueBookFault(this.ctx.faults, id) === 'gap';
    const events = l2Events('update', id, l2Levels(fmt, timeUs(key), bt, bl, at, al));
    const ts = timestampNs(key);
    let dropped = false;
    for (const c of k.subs.level2) {
      const cs = connState(c);
      if (cs.pending.has(id)) continue;
      if (drop) {
        // lost on the way: the number is used up, the message never arrives
        cs.seq++;
        dropped = true;
        continue;
      }
      this.emit(c, 'l2_data', ts, events);
    }
    if (dropped) takeGap(this.ctx.faults, id, key, key);
  }

  onSecond(nowMs: number): void {
    for (const c of this.ctx.conns.values()) {
      const cs = connState(c);
      if (!cs.heartbeats) continue;
      this.emit(c, 'heartbeats', timestampNs(nowMs * 1000), heartbeatEvents(nowMs, nowMs - this.startMs, cs.beats++));
    }
  }

  rest(path: string, q: URLSearchParams): RestReply {
    return coinbaseHistory(this.ctx.symbols, path, q) ?? coinbaseRest(this.ctx.symbols, path, q);
  }

  rateLimited(): RestReply {
    return { status: 429, body: '{"error":"RATE_LIMIT_EXCEEDED","error_details":"Too many requests","message":"Too many requests"}' };
  }

  /** Coinbase announces nothing: the socket just closes (going away). */
  shutdown(c: VenueConn): void {
    c.ws.close(1001, 'going away');
  }

  malformed(c: VenueConn, n: number): string {
    const first = c.subs.values().next();
    return malformedCoinbase(n, first.done ? [...this.syms.keys()][0] : first.value.split('|')[1]);
  }
}
