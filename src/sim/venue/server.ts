// HTTP + websocket on one port for the Kraken / OKX / Bitfinex modes: REST goes to the protocol
// module (behind the 429 and slow-snapshot faults), upgrades on the venue's path become VenueConns.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { VenueConn, type VenueCtx, type VenueProtocol } from './context.js';

/** Drop a consumer this far behind rather than buffer without bound. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

export class VenueServer {
  readonly http: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private nextConnId = 1;
  private readonly pendingDelays = new Set<NodeJS.Timeout>();
  restRequests = 0;

  constructor(
    private readonly ctx: VenueCtx,
    private readonly proto: VenueProtocol,
  ) {
    this.http = http.createServer((req, res) => this.onRequest(req, res));
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

  async close(): Promise<void> {
    for (const t of this.pendingDelays) clearTimeout(t);
    for (const c of this.ctx.conns.values()) c.ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.restRequests++;
    const url = new URL(req.url ?? '/', 'http://sim');
    const faults = this.ctx.faults;
    const reply = faults.rateLimitLeft > 0
      ? (faults.rateLimitLeft--, this.proto.rateLimited())
      : req.method === 'GET' || req.method === 'HEAD'
        ? this.proto.rest(url.pathname, url.searchParams)
        : { status: 404, body: '{"error":"not found"}' };
    const send = (): void => {
      const headers: http.OutgoingHttpHeaders = { 'Content-Type': 'application/json; charset=utf-8' };
      if (reply.status === 429) headers['Retry-After'] = '1';
      res.writeHead(reply.status, headers);
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
    if (url.pathname !== this.proto.wsPath) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
  }

  private onConnection(ws: WebSocket): void {
    const c = new VenueConn(this.nextConnId++, ws, Date.now());
    this.ctx.conns.set(c.id, c);
    let closed = false;
    const gone = (): void => {
      if (closed) return;
      closed = true;
      this.ctx.conns.delete(c.id);
      this.proto.onClose(c);
    };
    ws.on('message', (data, isBinary) => this.proto.onMessage(c, isBinary ? '' : data.toString()));
    ws.on('close', gone);
    ws.on('error', gone);
    this.proto.onOpen(c);
  }
}

/** Sends one text frame, counting it; terminates a consumer that stopped reading. */
export function sendTo(ctx: VenueCtx, c: VenueConn, text: string): void {
  if (c.ws.readyState !== 1) return;
  if (c.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
    c.ws.terminate();
    return;
  }
  c.ws.send(text);
  ctx.framesSent++;
}
