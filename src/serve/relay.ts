// The WebSocket relay: `ws://host:port/ws?exchange=binance&symbol=BTCUSDT[&channels=…][&depth=N]`,
// more subscriptions on one socket with `{"op":"subscribe"|"unsubscribe",…}`. Each message is one
// normalized event as JSON, serialised once per event and shared by every client that wants it
// (a book cut to a client's depth once per distinct depth). On subscribe the client first gets
// the current verified book (or a `status` saying why there is none), then live events. Slow
// clients are handled by their ClientQueue: conflated books, then a close with 1013.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { BookSnapshot, MarketEvent } from '../core/events.js';
import { nowUs } from '../core/time.js';
import { ClientQueue } from './client-queue.js';
import type { ServeHub, StreamState } from './hub.js';
import { parseDepth } from './params.js';

export const CHANNELS = ['trades', 'book', 'quote', 'ticker', 'derivative', 'candle', 'status', 'gap'] as const;
export type Channel = (typeof CHANNELS)[number];
const ALL = (1 << CHANNELS.length) - 1;
const BIT: Record<Channel, number> = Object.fromEntries(CHANNELS.map((c, i) => [c, 1 << i])) as Record<Channel, number>;

/** The channel of each event type (book_change diffs are not relayed: books go out verified, top-N). */
const CHANNEL_OF: Partial<Record<MarketEvent['type'], number>> = {
  trade: BIT.trades, book_snapshot: BIT.book, quote: BIT.quote, ticker: BIT.ticker, derivative: BIT.derivative,
  liquidation: BIT.derivative, candle: BIT.candle, status: BIT.status, gap: BIT.gap,
};

/** Unsent bytes a socket may hold before messages wait in the client's queue. */
const HIGH_WATER_BYTES = 256 * 1024;
const DRAIN_EVERY_MS = 20;
/** Biggest control message a client may send. */
const MAX_PAYLOAD = 4096;

interface Subscription {
  client: RelayClient;
  stream: StreamState;
  channels: number;
  depth: number;
}

interface RelayClient {
  ws: WebSocket;
  queue: ClientQueue;
  subs: Map<StreamState, Subscription>;
  closing: boolean;
}

export interface RelayStats {
  clients: number;
  /** Clients closed for being too slow. */
  dropped: number;
  conflated: number;
  sent: number;
}

export interface RelayOptions {
  hub: ServeHub;
  maxClients: number;
  /** Messages a client may have waiting (ClientQueue maxMessages). */
  clientQueue: number;
  /** Called with receipt → send latency (µs) of each event sent (benchmarks, metrics). */
  onLatency?: (us: number) => void;
}

export class Relay {
  readonly stats: RelayStats = { clients: 0, dropped: 0, conflated: 0, sent: 0 };
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD, perMessageDeflate: false });
  private readonly clients = new Set<RelayClient>();
  private readonly subsOf = new Map<StreamState, Set<Subscription>>();
  private readonly backlogged = new Set<RelayClient>();
  private readonly unlisten: () => void;
  private readonly drainer: NodeJS.Timeout;

  constructor(private readonly opts: RelayOptions) {
    this.unlisten = opts.hub.listen((ev) => this.onEvent(ev));
    this.drainer = setInterval(() => this.drainAll(), DRAIN_EVERY_MS);
    this.drainer.unref();
  }

  /** An upgrade request on /ws whose token was already checked. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, query: URLSearchParams): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, query));
  }

  async close(): Promise<void> {
    this.unlisten();
    clearInterval(this.drainer);
    for (const c of this.clients) c.ws.close(1001, 'server stopping');
    await new Promise<void>((r) => this.wss.close(() => r()));
    for (const c of this.clients) c.ws.terminate();
  }

  private onConnection(ws: WebSocket, query: URLSearchParams): void {
    if (this.clients.size >= this.opts.maxClients) {
      ws.close(1013, `too many clients (max ${this.opts.maxClients}); try again later`);
      return;
    }
    const client: RelayClient = { ws, queue: new ClientQueue(ws, this.opts.clientQueue, HIGH_WATER_BYTES), subs: new Map(), closing: false };
    this.clients.add(client);
    this.stats.clients = this.clients.size;
    ws.on('message', (data, isBinary) => this.onMessage(client, isBinary ? '' : data.toString()));
    ws.on('close', () => this.forget(client));
    ws.on('error', () => this.forget(client));
    const exchange = query.get('exchange') ?? query.get('venue');
    const symbol = query.get('symbol');
    if (exchange === null && symbol === null) return; // subscriptions come as messages
    const err = this.subscribe(client, exchange ?? '', symbol ?? '', query.get('channels') ?? undefined, query.get('depth') ?? undefined, false);
    if (err !== undefined) ws.close(1008, err.slice(0, 120));
  }

  private onMessage(client: RelayClient, text: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(text) as Record<string, unknown>;
      if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) throw new Error('not an object');
    } catch {
      this.reply(client, { op: 'error', error: 'expected a JSON object such as {"op":"subscribe","exchange":"binance","symbol":"BTCUSDT"}' });
      return;
    }
    const exchange = String(msg.exchange ?? msg.venue ?? '');
    const symbol = String(msg.symbol ?? '');
    const channels = Array.isArray(msg.channels) ? msg.channels.map(String).join(',') : msg.channels === undefined ? undefined : String(msg.channels);
    const depth = msg.depth === undefined ? undefined : String(msg.depth);
    if (msg.op === 'subscribe') {
      const err = this.subscribe(client, exchange, symbol, channels, depth, true);
      if (err !== undefined) this.reply(client, { op: 'error', request: 'subscribe', exchange, symbol, error: err });
    } else if (msg.op === 'unsubscribe') {
      const r = this.opts.hub.resolve(exchange, symbol);
      const st = r.ok ? this.opts.hub.state(r.stream.venue, r.stream.venueSymbol) : undefined;
      const sub = st === undefined ? undefined : client.subs.get(st);
      if (sub === undefined) {
        this.reply(client, { op: 'error', request: 'unsubscribe', exchange, symbol, error: r.ok ? `not subscribed to ${symbol}` : r.error });
        return;
      }
      this.drop(sub);
      this.reply(client, { op: 'unsubscribed', exchange: sub.stream.ref.venue, symbol: sub.stream.ref.venueSymbol });
    } else {
      this.reply(client, { op: 'error', error: `unknown op ${JSON.stringify(String(msg.op ?? '')).slice(0, 40)}: use subscribe or unsubscribe` });
    }
  }

  /** Subscribes a client; the error line when the request is bad. */
  private subscribe(client: RelayClient, exchange: string, symbol: string, channelsText: string | undefined, depthText: string | undefined, ack: boolean): string | undefined {
    const r = this.opts.hub.resolve(exchange, symbol);
    if (!r.ok) return r.error;
    const ch = parseChannels(channelsText);
    if (typeof ch === 'string') return ch;
    const depth = parseDepth(depthText, r.stream.depth);
    if (typeof depth === 'string') return depth;
    const stream = this.opts.hub.state(r.stream.venue, r.stream.venueSymbol)!;
    const old = client.subs.get(stream);
    if (old !== undefined) this.drop(old);
    const sub: Subscription = { client, stream, channels: ch, depth };
    client.subs.set(stream, sub);
    let set = this.subsOf.get(stream);
    if (set === undefined) this.subsOf.set(stream, (set = new Set()));
    set.add(sub);
    if (ack) {
      this.reply(client, { op: 'subscribed', exchange: stream.ref.venue, symbol: stream.ref.venueSymbol, channels: channelNames(ch), depth });
    }
    if ((ch & BIT.book) !== 0 && stream.ref.depth > 0) {
      const book = stream.book;
      if (book !== undefined) this.send(client, JSON.stringify(cut(book, depth)), key(stream));
      else {
        const t = nowUs();
        this.send(client, JSON.stringify({
          type: 'status', scope: 'book', state: stream.bookState, venue: stream.ref.venue, symbol: stream.ref.symbol, venueSymbol: stream.ref.venueSymbol,
          ts: t, localTs: t, reason: `no verified book yet: the book is ${stream.bookState}${stream.bookReason ? ` (${stream.bookReason})` : ''}`,
        }));
      }
    }
    return undefined;
  }

  private drop(sub: Subscription): void {
    sub.client.subs.delete(sub.stream);
    this.subsOf.get(sub.stream)?.delete(sub);
  }

  private forget(client: RelayClient): void {
    if (!this.clients.delete(client)) return;
    for (const sub of client.subs.values()) this.subsOf.get(sub.stream)?.delete(sub);
    client.subs.clear();
    client.queue.clear();
    this.backlogged.delete(client);
    this.stats.clients = this.clients.size;
  }

  private onEvent(ev: MarketEvent): void {
    const bit = CHANNEL_OF[ev.type];
    if (bit === undefined) return;
    const stream = this.opts.hub.state(ev.venue, ev.venueSymbol);
    if (stream === undefined) return;
    const subs = this.subsOf.get(stream);
    if (subs === undefined || subs.size === 0) return;
    let text: string | undefined;
    let cuts: Map<number, string> | undefined;
    const isBook = ev.type === 'book_snapshot';
    const bookKey = isBook ? key(stream) : undefined;
    let sent = 0;
    for (const sub of subs) {
      if ((sub.channels & bit) === 0) continue;
      let out: string;
      if (isBook && sub.depth < ev.depth) {
        cuts ??= new Map();
        out = cuts.get(sub.depth) ?? '';
        if (out === '') cuts.set(sub.depth, (out = JSON.stringify(cut(ev, sub.depth))));
      } else {
        out = text ??= JSON.stringify(ev);
      }
      this.send(sub.client, out, bookKey);
      sent++;
    }
    if (sent > 0 && this.opts.onLatency !== undefined && ev.localTs > 0) this.opts.onLatency(nowUs() - ev.localTs);
  }

  private send(client: RelayClient, text: string, bookKey?: string): void {
    if (client.closing) return;
    const r = client.queue.offer(text, bookKey);
    if (r === 'sent') {
      this.stats.sent++;
      return;
    }
    if (r === 'conflated') {
      this.stats.conflated++;
      return;
    }
    if (r === 'queued') {
      this.backlogged.add(client);
      return;
    }
    // overflow: it cannot keep up even with its books conflated
    client.closing = true;
    this.stats.dropped++;
    client.queue.clear();
    this.backlogged.delete(client);
    client.ws.close(1013, `client too slow: ${this.opts.clientQueue} messages waiting; reconnect and read faster`);
    // a client that reads nothing never completes the closing handshake: cut it after a grace period
    setTimeout(() => client.ws.terminate(), 2000).unref();
  }

  private reply(client: RelayClient, msg: Record<string, unknown>): void {
    this.send(client, JSON.stringify(msg));
  }

  private drainAll(): void {
    for (const c of this.backlogged) {
      const before = c.queue.sent;
      if (c.queue.drain()) this.backlogged.delete(c);
      this.stats.sent += c.queue.sent - before;
    }
  }
}

function key(s: StreamState): string {
  return `${s.ref.venue} ${s.ref.venueSymbol}`;
}

/** A book cut to `depth` levels per side (the rows are shared, read-only). */
function cut(b: BookSnapshot, depth: number): BookSnapshot {
  if (depth >= b.depth) return b;
  return { ...b, depth, bids: b.bids.slice(0, depth), asks: b.asks.slice(0, depth) };
}

/** `trades,book` → channel bits; all when absent; the error line on an unknown name. */
export function parseChannels(text: string | undefined): number | string {
  if (text === undefined || text.trim() === '') return ALL;
  let bits = 0;
  for (const raw of text.split(',')) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    const bit = BIT[name as Channel];
    if (bit === undefined) return `unknown channel ${JSON.stringify(name.slice(0, 32))} (channels: ${CHANNELS.join(', ')})`;
    bits |= bit;
  }
  return bits === 0 ? ALL : bits;
}

function channelNames(bits: number): Channel[] {
  return CHANNELS.filter((c) => (bits & BIT[c]) !== 0);
}
