// The HTTP + websocket port of the Binance modes: REST goes to the REST handler (with the
// used-weight header and the venue's 429), stream paths and control messages to the hub. Also the
// server-side ping loop and the per-connection incoming-message budget.
import type http from 'node:http';
import type { WebSocket } from 'ws';
import { HttpFront, type Accept } from './http-front.js';
import { handleRest, requestWeightLimit, weightLimitReply, type RestContext, type RestReply } from './rest.js';
import type { SimCore } from './sim-core.js';
import { SimConnection } from './ws-hub.js';

/** `/public/...` and `/market/...` are Binance futures' 2026 URL split; both serve everything here. */
const PREFIX_RE = /^\/(?:public|market)(?=\/)/;

interface StreamPath {
  combined: boolean;
  streams: string[];
}

/** `/ws`, `/ws/<a>/<b>`, `/stream?streams=a/b` (optionally under /public or /market). */
export function parseWsPath(pathname: string, query: URLSearchParams): StreamPath | undefined {
  const path = pathname.replace(PREFIX_RE, '');
  if (path === '/ws' || path === '/ws/') return { combined: false, streams: [] };
  // a bare number is no stream: clients such as ccxt number their sockets (`/ws/0`, `/ws/1`)
  if (path.startsWith('/ws/')) return { combined: false, streams: path.slice(4).split('/').filter((s) => s !== '' && !/^\d+$/.test(s)) };
  if (path === '/stream' || path === '/stream/') {
    const list = query.get('streams');
    return { combined: true, streams: list ? list.split('/').filter((s) => s !== '') : [] };
  }
  return undefined;
}

export class SimServer extends HttpFront<RestReply> {
  private readonly rest: RestContext;
  private pingTimer: NodeJS.Timeout | undefined;
  private weightWindowStart = 0;
  private weightUsed = 0;
  /** REQUEST_WEIGHT per minute, as exchangeInfo advertises it. */
  private readonly weightLimit: number;
  /** Requests answered 429 because they would have passed weightLimit (not the ratelimit fault's). */
  weightLimited = 0;

  constructor(private readonly core: SimCore) {
    super(core.faults);
    this.weightLimit = requestWeightLimit(core.opts.venue);
    this.rest = {
      venue: core.opts.venue,
      symbols: core.symbols,
      nowMs: () => Date.now(),
      takeStaleSnapshot: () => {
        const stale = core.faults.staleNext;
        core.faults.staleNext = false;
        return stale;
      },
    };
  }

  /** Listens, then starts the server-side pings. */
  override async listen(host: string, port: number): Promise<number> {
    const bound = await super.listen(host, port);
    const { serverPingIntervalMs, pongTimeoutMs } = this.core.opts;
    this.pingTimer = setInterval(() => {
      const now = Date.now();
      for (const c of this.core.hub.connections.values()) {
        if (now - c.lastPongMs > pongTimeoutMs) c.ws.terminate();
        else if (c.ws.readyState === 1) c.ws.ping(String(now));
      }
    }, serverPingIntervalMs);
    return bound;
  }

  override close(): Promise<void> {
    clearInterval(this.pingTimer);
    return super.close();
  }

  protected reply(method: string, url: URL, limited: boolean): RestReply {
    const now = Date.now();
    if (now - this.weightWindowStart >= 60_000) {
      this.weightWindowStart = now - (now % 60_000);
      this.weightUsed = 0;
    }
    if (limited) return { status: 429, weight: 0, body: '{"code":-1003,"msg":"Too many requests"}' };
    const reply = method === 'GET' || method === 'HEAD'
      ? handleRest(this.rest, url.pathname, url.searchParams)
      : { status: 404, weight: 1, body: `{"code":-1,"msg":"Unknown path ${url.pathname}"}` };
    if (this.weightUsed + reply.weight > this.weightLimit) {
      this.weightLimited++;
      return weightLimitReply(this.weightLimit, Math.ceil((this.weightWindowStart + 60_000 - now) / 1000));
    }
    this.weightUsed += reply.weight;
    return reply;
  }

  protected headers(reply: RestReply): http.OutgoingHttpHeaders {
    const headers: http.OutgoingHttpHeaders = { 'Content-Type': 'application/json;charset=UTF-8' };
    if (reply.status === 429) headers['Retry-After'] = String(reply.retryAfterS ?? 1);
    headers['X-MBX-USED-WEIGHT-1M'] = String(this.weightUsed);
    return headers;
  }

  protected route(url: URL, rawUrl: string): Accept | string {
    const reject = (status: number, text: string): string =>
      `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n`;
    const parsed = parseWsPath(url.pathname, url.searchParams);
    if (!parsed) return reject(404, 'Not Found');
    if (parsed.streams.some((s) => !this.core.hub.isStream(s))) return reject(400, 'Bad Request');
    return (ws, id) => this.onConnection(ws, id, parsed, rawUrl);
  }

  protected sockets(): Iterable<SimConnection> {
    return this.core.hub.connections.values();
  }

  private onConnection(ws: WebSocket, id: number, path: StreamPath, url: string): void {
    const hub = this.core.hub;
    const conn = new SimConnection(id, ws, path.combined, Date.now(), url);
    hub.add(conn);
    for (const s of path.streams) hub.subscribe(conn, s);
    const limit = this.core.opts.maxIncomingPerSec;
    const budget = (): boolean => {
      if (conn.countIncoming(Date.now(), limit)) return true;
      ws.close(1008, 'Too many requests');
      return false;
    };
    ws.on('message', (data, isBinary) => {
      if (!budget()) return;
      hub.control(conn, isBinary ? '' : data.toString());
    });
    ws.on('ping', () => budget());
    ws.on('pong', () => {
      conn.lastPongMs = Date.now();
      budget();
    });
    ws.on('close', () => hub.remove(conn));
    ws.on('error', () => hub.remove(conn));
  }
}
