// The HTTP + WebSocket servers of `record --serve` and `serve --data-dir`, on node:http + ws:
//   serve port   GET /  /assets/*   the dashboard        GET /metrics   Prometheus
//                GET /snapshot /streams /trades /candles /timeline /health   REST (rest.ts)
//                WS  /ws                                  the relay (relay.ts)
//   metrics port WS  /metrics                             the metrics WebSocket (metrics-ws.ts)
// GET only, no request bodies, no CORS headers (a page of another origin cannot read us), every
// request and socket behind --serve-token when one is set. Parameters only ever name a stream
// being recorded (ServeHub.resolve); no client text reaches a file path.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { MarketfeedError } from '../core/errors.js';
import type { MarketEvent } from '../core/events.js';
import { HealthMonitor } from '../pipeline/health.js';
import { TokenCheck } from './auth.js';
import type { ServeHub } from './hub.js';
import { Prometheus, PROMETHEUS_CONTENT_TYPE, type RecorderStats } from './prometheus.js';
import { Relay } from './relay.js';
import { RestRoutes, type Reply } from './rest.js';

/** What the metrics WebSocket (metrics-ws.ts) offers the server. */
export interface UpgradeTarget {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
}

export interface ServeOptions {
  hub: ServeHub;
  host: string;
  port: number;
  metricsPort: number;
  token: string;
  maxClients: number;
  clientQueue: number;
  /** The recorder in this process, for /metrics counters equal to its ledger. */
  recorder?: RecorderStats;
  /** Makes the metrics WebSocket once the hub exists; none = the metrics port is not opened. */
  metricsWs?: () => UpgradeTarget;
}

export interface ServeAddresses {
  http: string;
  relay: string;
  metrics: string | undefined;
}

/** Longest request line + headers accepted (GET only: nothing else needs room). */
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_URL_CHARS = 2048;

const DASHBOARD_DIR = fileURLToPath(new URL('./dashboard/', import.meta.url));
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json',
};

interface Asset {
  body: Buffer;
  type: string;
}

/** The dashboard's files, read once: a request names a key of this map, never a path. */
function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  let names: string[] = [];
  try {
    names = readdirSync(DASHBOARD_DIR);
  } catch {
    // not built (a test running the sources): the dashboard answers 404 with why
  }
  for (const name of names) {
    const ext = name.slice(name.lastIndexOf('.'));
    const type = CONTENT_TYPES[ext];
    if (type !== undefined) assets.set(name, { body: readFileSync(DASHBOARD_DIR + name), type });
  }
  try {
    // the package exports only `.` and its package.json: find the standalone build beside the latter
    const pkg = createRequire(import.meta.url).resolve('lightweight-charts/package.json');
    const path = join(dirname(pkg), 'dist', 'lightweight-charts.standalone.production.js');
    assets.set('lightweight-charts.js', { body: readFileSync(path), type: CONTENT_TYPES['.js'] });
  } catch {
    // the candles chart says it could not load; the rest of the page works
  }
  return assets;
}

export class ServeServer {
  readonly health = new HealthMonitor();
  readonly prometheus: Prometheus;
  readonly relay: Relay;
  private readonly rest: RestRoutes;
  private readonly auth: TokenCheck;
  private readonly http: Server;
  private metricsHttp: Server | undefined;
  private metricsWs: UpgradeTarget | undefined;
  private readonly assets = loadAssets();
  private readonly unlisten: () => void;

  constructor(private readonly opts: ServeOptions) {
    this.auth = new TokenCheck(opts.token);
    this.relay = new Relay({ hub: opts.hub, maxClients: opts.maxClients, clientQueue: opts.clientQueue });
    this.prometheus = new Prometheus(opts.hub, () => this.relay.stats, opts.recorder);
    this.rest = new RestRoutes(opts.hub, this.health);
    this.unlisten = opts.hub.listen((ev: MarketEvent) => {
      this.health.observe(ev);
      this.prometheus.observe(ev);
    });
    this.http = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => void this.onRequest(req, res));
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head, 'relay'));
    this.http.on('clientError', (_e, socket) => socket.destroy());
  }

  /** A frame the recorder rejected (counts against health). */
  onReject(): void {
    this.health.handlers.reject();
  }

  /** Listens on both ports; MF_ERR_CONFIG when a port is taken or the address cannot be bound. */
  async listen(): Promise<ServeAddresses> {
    const { host } = this.opts;
    const port = await listenOn(this.http, host, this.opts.port, 'servePort');
    let metrics: string | undefined;
    if (this.opts.metricsWs !== undefined) {
      this.metricsWs = this.opts.metricsWs();
      const m = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
        const q = new URL(req.url ?? '/', 'http://x').searchParams;
        const denied = this.auth.check(req, q);
        send(res, denied ? { status: 401, body: { error: denied } } : { status: 426, body: { error: 'this port serves the metrics WebSocket: connect to ws://…/metrics?exchange=…&symbols=…&interval=1m&window=1d&metric=correlation' } });
      });
      m.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head, 'metrics'));
      m.on('clientError', (_e, socket) => socket.destroy());
      this.metricsHttp = m;
      const mport = await listenOn(m, host, this.opts.metricsPort, 'metricsPort').catch(async (e: unknown) => {
        await new Promise<void>((r) => this.http.close(() => r()));
        throw e;
      });
      metrics = `ws://${hostForUrl(host)}:${mport}/metrics`;
    }
    return { http: `http://${hostForUrl(host)}:${port}/`, relay: `ws://${hostForUrl(host)}:${port}/ws`, metrics };
  }

  async close(): Promise<void> {
    this.unlisten();
    await this.relay.close();
    await this.metricsWs?.close();
    const closing = [this.http, this.metricsHttp].filter((s): s is Server => s !== undefined).map((s) => new Promise<void>((r) => {
      s.close(() => r());
      s.closeAllConnections();
    }));
    await Promise.all(closing);
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, port: 'relay' | 'metrics'): void {
    socket.on('error', () => socket.destroy());
    const url = parseUrl(req.url);
    if (url === undefined) return refuse(socket, 400, 'bad request URL');
    const denied = this.auth.check(req, url.searchParams);
    if (denied !== undefined) return refuse(socket, 401, denied);
    if (port === 'relay' && url.pathname === '/ws') return this.relay.handleUpgrade(req, socket, head, url.searchParams);
    if (port === 'metrics' && url.pathname === '/metrics' && this.metricsWs !== undefined) return this.metricsWs.handleUpgrade(req, socket, head);
    refuse(socket, 404, `no WebSocket at ${url.pathname.slice(0, 64)} (${port === 'relay' ? '/ws' : '/metrics'})`);
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseUrl(req.url);
    if (url === undefined) return send(res, { status: 400, body: { error: 'bad request URL' } });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, { status: 405, body: { error: `${req.method} is not served: this server is read-only (GET)` } });
    }
    const denied = this.auth.check(req, url.searchParams);
    if (denied !== undefined) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return send(res, { status: 401, body: { error: denied } });
    }
    const path = url.pathname;
    try {
      if (path === '/metrics') {
        const text = await this.prometheus.text();
        res.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Cache-Control': 'no-store' });
        res.end(text);
        return;
      }
      if (path === '/' || path === '/index.html') return this.asset(res, 'index.html');
      if (path.startsWith('/assets/')) return this.asset(res, path.slice('/assets/'.length));
      const reply = await this.rest.handle(path, url.searchParams);
      send(res, reply ?? { status: 404, body: { error: `no route ${path.slice(0, 64)}: try /, /snapshot, /streams, /trades, /candles, /timeline, /health, /metrics or ws /ws` } });
    } catch (e) {
      this.opts.hub.log.error({ path, err: (e as Error).message }, 'serve: request failed');
      send(res, { status: 500, body: { error: `internal error: ${(e as Error).message}` } });
    }
  }

  private asset(res: ServerResponse, name: string): void {
    const a = this.assets.get(name);
    if (a === undefined) {
      const why = this.assets.size === 0 ? 'the dashboard is not built (npm run build)' : `no asset ${name.slice(0, 64)}`;
      return send(res, { status: 404, body: { error: why } });
    }
    res.writeHead(200, { 'Content-Type': a.type, 'Content-Length': a.body.length, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
    res.end(a.body);
  }
}

function parseUrl(raw: string | undefined): URL | undefined {
  if (raw === undefined || raw.length > MAX_URL_CHARS) return undefined;
  try {
    return new URL(raw, 'http://localhost');
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, r: Reply): void {
  const body = JSON.stringify(r.body);
  res.writeHead(r.status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

/** Answers an upgrade request with a plain HTTP error and one JSON line. */
function refuse(socket: Duplex, status: number, error: string): void {
  const body = JSON.stringify({ error });
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found' }[status] ?? 'Error';
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function listenOn(server: Server, host: string, port: number, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') {
        reject(new MarketfeedError('MF_ERR_CONFIG', `cannot serve on ${host}:${port}: ${host} is not an address of this machine`, {
          path: 'serveHost', expected: 'an address of this machine (127.0.0.1, ::1, 0.0.0.0 for all)', got: host,
        }));
        return;
      }
      const why = e.code === 'EADDRINUSE' ? `port ${port} is in use` : e.code === 'EACCES' ? `port ${port} needs privileges` : `${e.code ?? e.message}`;
      reject(new MarketfeedError('MF_ERR_CONFIG', `cannot serve on ${host}:${port}: ${why}`, { path: key, expected: 'a free port (0 = any)', got: String(port) }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
