// The HTTP + websocket port of the Kraken / OKX / Bitfinex modes: REST goes to the protocol module,
// upgrades on the venue's path become VenueConns whose messages the module answers.
import type http from 'node:http';
import type { WebSocket } from 'ws';
import { HttpFront, type Accept } from '../http-front.js';
import { VenueConn, type RestReply, type VenueCtx, type VenueProtocol } from './context.js';

/** Drop a consumer this far behind rather than buffer without bound. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

export class VenueServer extends HttpFront<RestReply> {
  constructor(
    private readonly ctx: VenueCtx,
    private readonly proto: VenueProtocol,
  ) {
    super(ctx.faults);
  }

  protected reply(method: string, url: URL, limited: boolean): RestReply {
    if (limited) return this.proto.rateLimited();
    if (method === 'GET' || method === 'HEAD') return this.proto.rest(url.pathname, url.searchParams);
    if (method === 'POST' && this.proto.restPost !== undefined) return this.proto.restPost(url.pathname, url.searchParams);
    return { status: 404, body: '{"error":"not found"}' };
  }

  protected headers(reply: RestReply): http.OutgoingHttpHeaders {
    const headers: http.OutgoingHttpHeaders = { 'Content-Type': 'application/json; charset=utf-8' };
    if (reply.status === 429) headers['Retry-After'] = '1';
    return headers;
  }

  protected route(url: URL, rawUrl: string): Accept | string {
    if (url.pathname !== this.proto.wsPath) return 'HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n';
    return (ws, id) => this.onConnection(ws, id, rawUrl);
  }

  protected sockets(): Iterable<VenueConn> {
    return this.ctx.conns.values();
  }

  private onConnection(ws: WebSocket, id: number, rawUrl: string): void {
    const c = new VenueConn(id, ws, Date.now(), rawUrl);
    this.ctx.conns.set(c.id, c);
    let closed = false;
    const gone = (): void => {
      if (closed) return;
      closed = true;
      this.ctx.conns.delete(c.id);
      this.ctx.faults.conn.forget(c.id);
      this.proto.onClose(c);
    };
    ws.on('message', (data, isBinary) => this.proto.onMessage(c, isBinary ? '' : data.toString()));
    ws.on('close', gone);
    ws.on('error', gone);
    this.proto.onOpen(c);
  }
}

/**
 * Sends one text or binary frame, counting it; terminates a consumer that stopped reading. A
 * connection stalled alone (conn-faults.ts) has it held back, sent when the stall ends.
 */
export function sendTo(ctx: VenueCtx, c: VenueConn, text: string | Uint8Array): void {
  if (c.ws.readyState !== 1) return;
  if (ctx.faults.conn.hold(c.id, text)) return;
  if (c.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
    c.ws.terminate();
    return;
  }
  c.ws.send(text);
  ctx.framesSent++;
}
