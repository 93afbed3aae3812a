// Websocket side of the simulator: connections, their streams, the JSON control messages
// (SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS / SET_PROPERTY / GET_PROPERTY) and fan-out.
// Each payload is built once per frame; the combined-stream wrapper once per stream name.
import type { WebSocket } from 'ws';
import type { SimVenue } from './instruments.js';
import { parseStream } from './streams.js';
import { cutShort, type ConnFaults } from './conn-faults.js';
import { wrap } from './wire.js';

export class SimConnection {
  readonly streams = new Set<string>();
  lastPongMs: number;
  private windowStartMs = 0;
  private windowCount = 0;

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    public combined: boolean,
    readonly openedMs: number,
    readonly url: string,
  ) {
    this.lastPongMs = openedMs;
  }

  /** Counts one incoming message; false once the per-second budget is exceeded. */
  countIncoming(nowMs: number, perSecond: number): boolean {
    if (perSecond <= 0) return true;
    if (nowMs - this.windowStartMs >= 1000) {
      this.windowStartMs = nowMs;
      this.windowCount = 0;
    }
    return ++this.windowCount <= perSecond;
  }
}

/** Drop a consumer this far behind, as the venue does, rather than buffer without bound. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

export class WsHub {
  readonly connections = new Map<number, SimConnection>();
  private readonly subscribers = new Map<string, Set<SimConnection>>();
  framesSent = 0;
  slowConsumersDropped = 0;
  /** Faults of single connections (gap, corrupt, stall on one socket), when the mode models them. */
  connFaults: ConnFaults | undefined;

  constructor(
    private readonly venue: SimVenue,
    private readonly streamIds: ReadonlySet<string>,
  ) {}

  isStream(name: string): boolean {
    return parseStream(name, this.venue, this.streamIds) !== undefined;
  }

  /** Subscribed stream names (any connection), for the periodic publishers. */
  activeStreams(): IterableIterator<string> {
    return this.subscribers.keys();
  }

  hasSubscribers(stream: string): boolean {
    return this.subscribers.has(stream);
  }

  add(conn: SimConnection): void {
    this.connections.set(conn.id, conn);
  }

  remove(conn: SimConnection): void {
    this.connections.delete(conn.id);
    this.connFaults?.forget(conn.id);
    for (const s of conn.streams) this.unsubscribe(conn, s);
  }

  subscribe(conn: SimConnection, stream: string): void {
    conn.streams.add(stream);
    let set = this.subscribers.get(stream);
    if (!set) this.subscribers.set(stream, (set = new Set()));
    set.add(conn);
  }

  unsubscribe(conn: SimConnection, stream: string): void {
    conn.streams.delete(stream);
    const set = this.subscribers.get(stream);
    if (!set) return;
    set.delete(conn);
    if (set.size === 0) this.subscribers.delete(stream);
  }

  /**
   * Sends one payload to every connection on `stream` (wrapped for combined connections). `book`:
   * the payload is this update (U..u) of a symbol's book, which a connection's own gap or corrupt
   * fault may drop or cut short for that connection alone.
   */
  publish(stream: string, payload: string, book?: { venueSymbol: string; from: number; to: number }): void {
    const set = this.subscribers.get(stream);
    if (!set) return;
    let wrapped: string | undefined;
    const faults = book === undefined || this.connFaults?.idle !== false ? undefined : this.connFaults;
    for (const c of set) {
      let text = c.combined ? (wrapped ??= wrap(stream, payload)) : payload;
      const fault = faults?.takeBook(c.id, book!.venueSymbol, book!.from, book!.to);
      if (fault === 'gap') continue;
      if (fault === 'corrupt') text = cutShort(text);
      this.send(c, text);
    }
  }

  send(c: SimConnection, text: string): void {
    if (c.ws.readyState !== 1) return;
    if (this.connFaults?.hold(c.id, text) === true) return;
    if (c.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.slowConsumersDropped++;
      c.ws.terminate();
      return;
    }
    c.ws.send(text);
    this.framesSent++;
  }

  /** Answers one client text message the way the venue does. */
  control(c: SimConnection, text: string): void {
    let msg: { method?: unknown; params?: unknown; id?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      this.send(c, '{"error":{"code":3,"msg":"Invalid JSON: expected value at line 1 column 1"}}');
      return;
    }
    if (msg === null || typeof msg !== 'object') {
      this.send(c, '{"error":{"code":3,"msg":"Invalid JSON: expected an object"}}');
      return;
    }
    const id = msg.id;
    const idText = typeof id === 'number' || typeof id === 'string' ? JSON.stringify(id) : 'null';
    const fail = (code: number, text: string): void => this.send(c, `{"error":{"code":${code},"msg":${JSON.stringify(text)}},"id":${idText}}`);
    if (typeof id !== 'number' && typeof id !== 'string') return fail(2, "Invalid request: request ID must be an unsigned integer");
    const params = msg.params;
    switch (msg.method) {
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE': {
        if (!Array.isArray(params) || params.some((p) => typeof p !== 'string')) return fail(2, 'Invalid request: params must be an array of stream names');
        if (params.some((p) => !this.isStream(p as string))) return fail(2, 'Invalid request: unknown stream');
        for (const p of params as string[]) {
          if (msg.method === 'SUBSCRIBE') this.subscribe(c, p);
          else this.unsubscribe(c, p);
        }
        return this.send(c, `{"result":null,"id":${idText}}`);
      }
      case 'LIST_SUBSCRIPTIONS':
        return this.send(c, `{"result":${JSON.stringify([...c.streams])},"id":${idText}}`);
      case 'SET_PROPERTY':
        if (Array.isArray(params) && params[0] === 'combined' && typeof params[1] === 'boolean') {
          c.combined = params[1];
          return this.send(c, `{"result":null,"id":${idText}}`);
        }
        return fail(0, 'Unknown property');
      case 'GET_PROPERTY':
        if (Array.isArray(params) && params[0] === 'combined') return this.send(c, `{"result":${c.combined},"id":${idText}}`);
        return fail(0, 'Unknown property');
      default:
        return fail(2, 'Invalid request: unknown method');
    }
  }
}
