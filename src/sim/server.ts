// One port for both protocols, like the venue's hosts: HTTP requests go to the REST handler,
// websocket upgrades to the hub. Also the server-side ping loop and the REST-side faults
// (429s, slow and stale snapshots).
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { handleRest, type RestContext } from './rest.js';
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
  if (path.startsWith('/ws/')) return { combined: false, streams: path.slice(4).split('/').filter((s) => s !== '') };
  if (path === '/stream' || path === '/stream/') {
    const list = query.get('streams');
    return { combined: true, streams: list ? list.split('/').filter((s) => s !== '') : [] };
  }
  return undefined;
}

export class SimServer {
  readonly http: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private nextConnId = 1;
  private pingTimer: NodeJS.Timeout | undefined;
  private readonly pendingDelays = new Set<NodeJS.Timeout>();
  private weightWindowStart = 0;
  private weightUsed = 0;
  restRequests = 0;

  constructor(private readonly core: SimCore) {
    const ctx: RestContext = {
      venue: core.opts.venue,
      symbols: core.symbols,
      nowMs: () => Date.now(),
      takeStaleSnapshot: () => {
        const stale = core.faults.staleNext;
        core.faults.staleNext = false;
        return stale;
      },
    };
    this.http = http.createServer((req, res) => this.onRequest(ctx, req, res));
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
  }

  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        const addr = this.http.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  }

  startPings(): void {
    const { serverPingIntervalMs, pongTimeoutMs } = this.core.opts;
    this.pingTimer = setInterval(() => {
      const now = Date.now();
      for (const c of this.core.hub.connections.values()) {
        if (now - c.lastPongMs > pongTimeoutMs) c.ws.terminate();
        else if (c.ws.readyState === 1) c.ws.ping(String(now));
      }
    }, serverPingIntervalMs);
  }

  async close(): Promise<void> {
    clearInterval(this.pingTimer);
    for (const t of this.pendingDelays) clearTimeout(t);
    for (const c of this.core.hub.connections.values()) c.ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private onRequest(ctx: RestContext, req: http.IncomingMessage, res: http.ServerResponse): void {
    this.restRequests++;
    const url = new URL(req.url ?? '/', 'http://sim');
    const now = Date.now();
    if (now - this.weightWindowStart >= 60_000) {
      this.weightWindowStart = now - (now % 60_000);
      this.weightUsed = 0;
    }
    const faults = this.core.faults;
    if (faults.rateLimitLeft > 0) {
      faults.rateLimitLeft--;
      res.writeHead(429, {
        'Content-Type': 'application/json;charset=UTF-8',
        'Retry-After': '1',
        'X-MBX-USED-WEIGHT-1M': String(this.weightUsed),
      });
      res.end('{"code":-1003,"msg":"Too many requests"}');
      return;
    }
    const reply = req.method === 'GET' || req.method === 'HEAD'
      ? handleRest(ctx, url.pathname, url.searchParams)
      : { status: 404, weight: 1, body: `{"code":-1,"msg":"Unknown path ${url.pathname}"}` };
    this.weightUsed += reply.weight;
    const send = (): void => {
      res.writeHead(reply.status, {
        'Content-Type': 'application/json;charset=UTF-8',
        'X-MBX-USED-WEIGHT-1M': String(this.weightUsed),
      });
      res.end(reply.body);
    };
    if (reply.isDepth && faults.slowNextMs > 0) {
      const t = setTimeout(() => {
        this.pendingDelays.delete(t);
        send();
      }, faults.slowNextMs);
      this.pendingDelays.add(t);
      faults.slowNextMs = 0;
    } else {
      send();
    }
  }

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://sim');
    const parsed = parseWsPath(url.pathname, url.searchParams);
    const reject = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n`);
    };
    if (!parsed) return reject(404, 'Not Found');
    const hub = this.core.hub;
    if (parsed.streams.some((s) => !hub.isStream(s))) return reject(400, 'Bad Request');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, parsed, req.url ?? '/'));
  }

  private onConnection(ws: WebSocket, path: StreamPath, url: string): void {
    const hub = this.core.hub;
    const conn = new SimConnection(this.nextConnId++, ws, path.combined, Date.now(), url);
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
