// One port for both protocols in every mode, like the venues' hosts: an HTTP request gets the mode's
// REST reply (or its 429 while a ratelimit fault lasts; a depth reply waits out a slowsnapshot
// fault), and a websocket upgrade goes where the mode routes it.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { FaultState } from './fault-state.js';

export interface HttpReply {
  status: number;
  body: string;
  /** A book snapshot (the slowsnapshot fault delays these). */
  isDepth?: boolean;
}

/** A websocket accepted on a route, with the connection id it was given. */
export type Accept = (ws: WebSocket, connId: number) => void;

export abstract class HttpFront<R extends HttpReply> {
  readonly http: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private nextConnId = 1;
  private readonly pendingDelays = new Set<NodeJS.Timeout>();
  restRequests = 0;

  constructor(private readonly faults: FaultState) {
    this.http = http.createServer((req, res) => this.onRequest(req, res));
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
  }

  /** The reply to one request: the venue's 429 if `limited`, else its answer to `method url`. */
  protected abstract reply(method: string, url: URL, limited: boolean): R;
  /** Response headers, taken when the reply is sent (after any delay). */
  protected abstract headers(reply: R): http.OutgoingHttpHeaders;
  /** Where an upgrade to `url` goes: a handler, or the raw HTTP response refusing it. */
  protected abstract route(url: URL, rawUrl: string): Accept | string;
  /** The open websockets (terminated on close). */
  protected abstract sockets(): Iterable<{ ws: WebSocket }>;

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
    for (const c of this.sockets()) c.ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.restRequests++;
    const url = new URL(req.url ?? '/', 'http://sim');
    const faults = this.faults;
    const limited = faults.rateLimitLeft > 0;
    if (limited) faults.rateLimitLeft--;
    const reply = this.reply(req.method ?? 'GET', url, limited);
    const send = (): void => {
      res.writeHead(reply.status, this.headers(reply));
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
    const rawUrl = req.url ?? '/';
    const route = this.route(new URL(rawUrl, 'http://sim'), rawUrl);
    if (typeof route === 'string') {
      socket.end(route);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => route(ws, this.nextConnId++));
  }
}
