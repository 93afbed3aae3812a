// The WebSocket relay: `ws://host:port/ws?exchange=binance&symbol=BTCUSDT[&channels=…][&depth=N]`,
// more subscriptions on one socket with `{"op":"subscribe"|"unsubscribe",…}`. Each message is one
// normalized event as JSON. On subscribe the client first gets the current verified book (or a
// `status` saying why there is none), then live events.
//
// Fan-out cost is what matters with many clients (bench/relay.bench.mjs). Subscriptions with the
// same stream, channels and depth form a group that receives the same bytes: each event is
// serialised and framed (textFrame) once per book depth, the frames of a short window
// are joined into one buffer per group, and that buffer is written to each client's socket in
// one write. A client whose socket holds more than HIGH_WATER_BYTES unsent falls back
// to its ClientQueue, message by message: books conflated to the newest, then a close with 1013.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { MarketEvent } from '../core/events.js';
import { nowUs } from '../core/time.js';
import { ClientQueue, type QueueSocket } from './client-queue.js';
import type { ServeHub, StreamState } from './hub.js';
import { bookJson, eventJson } from './event-json.js';
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
/**
 * Events are written out a short window after the first of a batch: one write per client per
 * window instead of one per event. A socket write costs about 5 µs here whatever its size, so the
 * window widens with the clients (1 ms per CLIENTS_PER_MS, from BATCH_MS to BATCH_MAX_MS): at 100
 * clients, 5 ms windows cost 20k writes/s instead of 50k at 2 ms (bench/relay.bench.mjs).
 */
export const BATCH_MS = 2;
export const BATCH_MAX_MS = 10;
const CLIENTS_PER_MS = 20;
/** Biggest control message a client may send. */
const MAX_PAYLOAD = 4096;

interface Subscription {
  client: RelayClient;
  group: Group;
}

/** Subscriptions that receive the same bytes, and the frames waiting for this turn's write. */
interface Group {
  stream: StreamState;
  channels: number;
  depth: number;
  subs: Set<Subscription>;
  frames: Buffer[];
  /** frames[i] is a book (conflatable for a client that falls behind). */
  books: boolean[];
}

interface RelayClient {
  ws: WebSocket;
  /** The socket under ws, written with whole frames (ws's own writes are whole frames too). */
  tcp: { write(b: Buffer): boolean };
  queue: ClientQueue<Buffer>;
  subs: Map<StreamState, Subscription>;
  closing: boolean;
}

/**
 * One unmasked, unfragmented text frame (server → client, RFC 6455 §5.2) holding `json`: the
 * header and the UTF-8 payload in one allocation, encoded once and shared by every client.
 * (ws's Sender.frame builds the same bytes as two buffers that would then be copied together.)
 */
export function textFrame(json: string): Buffer {
  const n = Buffer.byteLength(json);
  const header = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + n);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (header === 2) frame[1] = n;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    frame.writeUInt32BE(n >>> 0, 6);
  }
  frame.write(json, header, 'utf8');
  return frame;
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
  /** Fixed batch window in ms (default: BATCH_MS, widening with the clients up to BATCH_MAX_MS). */
  batchMs?: number;
}

export class Relay {
  readonly stats: RelayStats = { clients: 0, dropped: 0, conflated: 0, sent: 0 };
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD, perMessageDeflate: false });
  private readonly clients = new Set<RelayClient>();
  private readonly groupsOf = new Map<StreamState, Map<string, Group>>();
  private readonly dirty = new Set<Group>();
  private flushScheduled = false;
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
    const tcp = (ws as unknown as { _socket: { write(b: Buffer): boolean } })._socket;
    const sock: QueueSocket<Buffer> = {
      get bufferedAmount() {
        return ws.bufferedAmount;
      },
      send: (frame) => {
        if (ws.readyState === ws.OPEN) tcp.write(frame);
      },
    };
    const client: RelayClient = { ws, tcp, queue: new ClientQueue(sock, this.opts.clientQueue, HIGH_WATER_BYTES), subs: new Map(), closing: false };
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
      this.reply(client, { op: 'unsubscribed', exchange: sub.group.stream.ref.venue, symbol: sub.group.stream.ref.venueSymbol });
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
    let groups = this.groupsOf.get(stream);
    if (groups === undefined) this.groupsOf.set(stream, (groups = new Map()));
    const gk = `${ch}/${depth}`;
    let group = groups.get(gk);
    if (group === undefined) groups.set(gk, (group = { stream, channels: ch, depth, subs: new Set(), frames: [], books: [] }));
    const sub: Subscription = { client, group };
    client.subs.set(stream, sub);
    group.subs.add(sub);
    if (ack) {
      this.reply(client, { op: 'subscribed', exchange: stream.ref.venue, symbol: stream.ref.venueSymbol, channels: channelNames(ch), depth });
    }
    if ((ch & BIT.book) !== 0 && stream.ref.depth > 0) {
      const book = stream.book;
      if (book !== undefined) this.send(client, textFrame(bookJson(book, depth)), key(stream));
      else {
        const t = nowUs();
        this.send(client, textFrame(JSON.stringify({
          type: 'status', scope: 'book', state: stream.bookState, venue: stream.ref.venue, symbol: stream.ref.symbol, venueSymbol: stream.ref.venueSymbol,
          ts: t, localTs: t, reason: `no verified book yet: the book is ${stream.bookState}${stream.bookReason ? ` (${stream.bookReason})` : ''}`,
        })));
      }
    }
    return undefined;
  }

  private drop(sub: Subscription): void {
    const g = sub.group;
    sub.client.subs.delete(g.stream);
    g.subs.delete(sub);
    if (g.subs.size === 0) {
      this.groupsOf.get(g.stream)?.delete(`${g.channels}/${g.depth}`);
      this.dirty.delete(g);
    }
  }

  private forget(client: RelayClient): void {
    if (!this.clients.delete(client)) return;
    for (const sub of [...client.subs.values()]) this.drop(sub);
    client.queue.clear();
    this.backlogged.delete(client);
    this.stats.clients = this.clients.size;
  }

  private onEvent(ev: MarketEvent): void {
    const bit = CHANNEL_OF[ev.type];
    if (bit === undefined) return;
    const stream = this.opts.hub.state(ev.venue, ev.venueSymbol);
    if (stream === undefined) return;
    const groups = this.groupsOf.get(stream);
    if (groups === undefined || groups.size === 0) return;
    const isBook = ev.type === 'book_snapshot';
    let whole: Buffer | undefined;
    let cuts: Map<number, Buffer> | undefined;
    for (const g of groups.values()) {
      if ((g.channels & bit) === 0) continue;
      let frame: Buffer | undefined;
      if (isBook && g.depth < ev.depth) {
        cuts ??= new Map();
        frame = cuts.get(g.depth);
        if (frame === undefined) cuts.set(g.depth, (frame = textFrame(bookJson(ev, g.depth))));
      } else {
        frame = whole ??= textFrame(eventJson(ev));
      }
      g.frames.push(frame);
      g.books.push(isBook);
      this.dirty.add(g);
    }
    if (!this.flushScheduled && this.dirty.size > 0) {
      this.flushScheduled = true;
      setTimeout(this.flush, this.opts.batchMs ?? Math.min(BATCH_MAX_MS, Math.max(BATCH_MS, Math.ceil(this.clients.size / CLIENTS_PER_MS))));
    }
  }

  /** A window after the first event of a batch: one write per client per group. */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    for (const g of this.dirty) {
      const n = g.frames.length;
      const batch = n === 1 ? g.frames[0] : Buffer.concat(g.frames);
      const bookKey = key(g.stream);
      for (const sub of g.subs) {
        const c = sub.client;
        if (c.closing) continue;
        if (c.queue.waiting === 0 && c.ws.bufferedAmount < HIGH_WATER_BYTES) {
          if (c.ws.readyState === c.ws.OPEN) c.tcp.write(batch);
          this.stats.sent += n;
          continue;
        }
        // behind: message by message through its queue, books conflated
        for (let i = 0; i < n && !c.closing; i++) this.send(c, g.frames[i], g.books[i] ? bookKey : undefined);
      }
      g.frames = [];
      g.books = [];
    }
    this.dirty.clear();
  };

  private send(client: RelayClient, message: Buffer, bookKey?: string): void {
    if (client.closing) return;
    const r = client.queue.offer(message, bookKey);
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
    this.send(client, textFrame(JSON.stringify(msg)));
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
