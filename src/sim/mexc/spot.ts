// MEXC spot v3 websocket on `/ws` (PROTOCOLS-MORE.md §4.1): JSON text requests and replies
// ({"method":"SUBSCRIPTION"|"UNSUBSCRIPTION","params":[…]}, {"method":"PING"} → PONG), binary
// protobuf market data: aggregated depth (fromVersion..toVersion of the model's ids), aggregated
// deals (with the 2026-06 tradeId), aggregated book ticker (version = the book's), and partial
// depth (5/10/20 levels). At most 30 topics per connection; a connection with no subscription for
// 30 s is closed. Truth key: the model id u (= toVersion).
import type { FaultKind } from '../faults.js';
import { dueBookFault, takeGap } from '../fault-state.js';
import type { DiffFrame, SimTrade } from '../market.js';
import type { SymbolState } from '../symbol-state.js';
import type { RestReply, VenueConn, VenueCtx, VenueProtocol } from '../venue/context.js';
import { pbAggreBookTicker, pbAggreDeals, pbAggreDepths, pbLimitDepths, pbWrapper, type PbDeal } from './pb.js';
import { mexcRest } from './rest.js';
import { contractTicker } from './ticker.js';
import { SPOT_PONG, spotAck, spotRefusal } from './wire.js';

const MAX_TOPICS = 30;
const IDLE_CLOSE_MS = 30_000;
const AGGRE_RE = /^spot@public\.aggre\.(depth|deals|bookTicker)\.v3\.api\.pb@(100ms|10ms)@([A-Z0-9]+)$/;
const LIMIT_RE = /^spot@public\.limit\.depth\.v3\.api\.pb@([A-Z0-9]+)@(5|10|20)$/;

type Stream = 'depth' | 'deals' | 'bookTicker' | 'limit';

interface SSym {
  state: SymbolState;
  /** topic → subscribers, per stream kind. */
  streams: Record<Stream, Map<string, Set<VenueConn>>>;
  lastTop: string;
}

export class MexcSpotProtocol implements VenueProtocol {
  readonly wsPath = '/ws';
  readonly faults: ReadonlySet<FaultKind> = new Set<FaultKind>(['disconnect', 'gap', 'malformed', 'stall', 'slowsnapshot', 'stalesnapshot', 'maxsession', 'ratelimit', 'shutdown']);
  private readonly syms = new Map<string, SSym>();

  constructor(private readonly ctx: VenueCtx) {
    for (const [sym, state] of ctx.symbols) {
      this.syms.set(sym, { state, streams: { depth: new Map(), deals: new Map(), bookTicker: new Map(), limit: new Map() }, lastTop: '' });
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
    for (const o of this.syms.values()) for (const m of Object.values(o.streams)) for (const set of m.values()) set.delete(c);
  }

  onMessage(c: VenueConn, text: string): void {
    let msg: { method?: unknown; params?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return this.ctx.send(c, spotRefusal(text.slice(0, 100)));
    }
    if (msg?.method === 'PING') return this.ctx.send(c, SPOT_PONG);
    const sub = msg?.method === 'SUBSCRIPTION';
    if ((!sub && msg?.method !== 'UNSUBSCRIPTION') || !Array.isArray(msg.params)) return this.ctx.send(c, spotRefusal(text.slice(0, 100)));
    const done: string[] = [];
    for (const p of msg.params as unknown[]) {
      const topic = typeof p === 'string' ? p : '';
      const target = this.target(topic);
      if (target === undefined || (sub && !c.subs.has(topic) && c.subs.size >= MAX_TOPICS)) {
        this.ctx.send(c, spotRefusal(topic));
        continue;
      }
      const [o, stream] = target;
      const m = o.streams[stream];
      if (sub) {
        c.subs.add(topic);
        let set = m.get(topic);
        if (set === undefined) m.set(topic, (set = new Set()));
        set.add(c);
      } else {
        c.subs.delete(topic);
        m.get(topic)?.delete(c);
      }
      done.push(topic);
    }
    if (done.length > 0) this.ctx.send(c, spotAck(done));
  }

  /** The symbol and stream a topic names, when it is one we serve. */
  private target(topic: string): [SSym, Stream] | undefined {
    const a = AGGRE_RE.exec(topic);
    if (a !== null) {
      const o = this.syms.get(a[3]);
      return o === undefined ? undefined : [o, a[1] as Stream];
    }
    const l = LIMIT_RE.exec(topic);
    const o = l === null ? undefined : this.syms.get(l[1]);
    return o === undefined ? undefined : [o, 'limit'];
  }

  onFrame(state: SymbolState, f: DiffFrame, trades: SimTrade[], key: number, nowMs: number): void {
    const sym = state.inst.venueSymbol;
    const o = this.syms.get(sym)!;
    const { fmt, market } = state;
    const header = (channel: string) => ({ channel, symbol: sym, sendTimeMs: nowMs, createTimeMs: nowMs });
    if (trades.length > 0) {
      const deals: PbDeal[] = trades.map((t) => ({
        price: fmt.price(t.ticks), quantity: fmt.qty(t.lots), tradeType: t.buyerMaker ? 2 : 1, timeMs: t.timeMs, tradeId: String(t.id),
      }));
      for (const [topic, conns] of o.streams.deals) this.sendAll(conns, () => pbAggreDeals(header(topic), eventTypeOf(topic), deals));
    }
    const top = `${market.bids.bestTicks()}|${market.bids.lotsFromTop(0)}|${market.asks.bestTicks()}|${market.asks.lotsFromTop(0)}`;
    if (top !== o.lastTop) {
      o.lastTop = top;
      for (const [topic, conns] of o.streams.bookTicker) {
        this.sendAll(conns, () => pbAggreBookTicker(header(topic), fmt.price(market.bids.bestTicks()), fmt.qty(market.bids.lotsFromTop(0)),
          fmt.price(market.asks.bestTicks()), fmt.qty(market.asks.lotsFromTop(0)), key));
      }
    }
    for (const [topic, conns] of o.streams.limit) {
      const n = Number(topic.slice(topic.lastIndexOf('@') + 1));
      const b = market.bids.copyTop(n);
      const a = market.asks.copyTop(n);
      this.sendAll(conns, () => pbLimitDepths(header(topic), 'spot@public.limit.depth.v3.api.pb',
        b.ticks.map((t) => fmt.price(t)), b.lots.map((l) => fmt.qty(l)), a.ticks.map((t) => fmt.price(t)), a.lots.map((l) => fmt.qty(l)), key));
    }
    let subscribed = false;
    for (const conns of o.streams.depth.values()) subscribed ||= conns.size > 0;
    if (!subscribed) return;
    if (dueBookFault(this.ctx.faults, sym) === 'gap') {
      // the push of these versions never leaves: the next one's fromVersion skips them
      takeGap(this.ctx.faults, sym, f.U, f.u);
      return;
    }
    const px = (ticks: number[]): string[] => ticks.map((t) => fmt.price(t));
    const qty = (lots: number[]): string[] => lots.map((l) => fmt.qty(l));
    for (const [topic, conns] of o.streams.depth) {
      this.sendAll(conns, () => pbAggreDepths(header(topic), eventTypeOf(topic), px(f.bidTicks), qty(f.bidLots), px(f.askTicks), qty(f.askLots), f.U, f.u));
    }
  }

  /** Encodes a push only when somebody subscribed to it, once for all of them. */
  private sendAll(conns: Set<VenueConn>, encode: () => Uint8Array): void {
    if (conns.size === 0) return;
    const bytes = encode();
    for (const c of conns) this.ctx.sendBinary(c, bytes);
  }

  onSecond(nowMs: number): void {
    // "closed after 30 s with no valid subscription"
    for (const c of this.ctx.conns.values()) {
      if (c.subs.size === 0 && nowMs - c.openedMs > IDLE_CLOSE_MS && c.ws.readyState === 1) c.ws.close(1000, 'no valid subscription');
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
    return { status: 429, body: '{"code":429,"msg":"Too Many Requests"}' };
  }

  /** MEXC announces nothing: the socket just goes away (1001), as in a server restart. */
  shutdown(c: VenueConn): void {
    c.ws.close(1001, 'going away');
  }

  /**
   * The n-th malformed frame: a damaged protobuf push sent as binary (truncated, a varint where a
   * string belongs, a version that is not digits, random bytes), and a text that is not JSON.
   */
  malformed(c: VenueConn, n: number): string {
    const sym = [...this.syms.keys()][0];
    const channel = `spot@public.aggre.depth.v3.api.pb@100ms@${sym}`;
    const good = pbAggreDepths({ channel, symbol: sym, sendTimeMs: 1, createTimeMs: 1 }, 'spot@public.aggre.depth.v3.api.pb@100ms', ['1'], ['1'], [], [], 5, 9);
    let bad: Uint8Array;
    switch (n % 4) {
      case 0:
        bad = good.subarray(0, good.length - 7);
        break;
      case 1:
        bad = Uint8Array.from(good);
        bad[0] = 0x08; // channel as a varint
        break;
      case 2:
        bad = pbWrapper({ channel, symbol: sym, sendTimeMs: 1, createTimeMs: 1 }, 313, (w) => {
          w.uint32(0x22).string('12x4').uint32(0x2a).string('12x9');
        });
        break;
      default:
        bad = Uint8Array.from({ length: 40 }, (_, i) => (i * 73 + n * 31) & 0xff);
    }
    this.ctx.sendBinary(c, bad);
    return '\u0000<html>502 Bad Gateway</html>\uFFFD';
  }
}

/** `spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT` → `spot@public.aggre.depth.v3.api.pb@100ms` (the doc's eventType). */
function eventTypeOf(topic: string): string {
  return topic.slice(0, topic.lastIndexOf('@'));
}
