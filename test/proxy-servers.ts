// Two small proxies on 127.0.0.1 (port 0) for the proxy tests: an HTTP CONNECT proxy and a SOCKS5
// proxy (no auth, CONNECT only). Each counts the tunnels it opened, to which host:port, and keeps
// the first line the client sent through each (the targets here speak plain http/ws), so a test
// can tell a websocket handshake from a REST request.
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface Tunnel {
  /** host:port the client asked for. */
  target: string;
  /** First request line sent through the tunnel ('' until data arrived), e.g. `GET /ws HTTP/1.1`. */
  firstLine: string;
  /** True when the request through the tunnel asked for a websocket upgrade. */
  websocket: boolean;
}

export interface TestProxy {
  url: string;
  port: number;
  tunnels: Tunnel[];
  /** Proxy-Authorization headers received (HTTP proxy only). */
  auth: string[];
  close(): Promise<void>;
}

/** Pipes `client` to host:port once `ready` has answered the client; records what went through. */
function tunnel(list: Tunnel[], sockets: Set<Socket>, client: Socket, host: string, port: number, head: Buffer, ready: () => void, refused: () => void): void {
  const t: Tunnel = { target: `${host}:${port}`, firstLine: '', websocket: false };
  const up = connect(port, host, () => {
    list.push(t);
    ready();
    if (head.length > 0) up.write(head);
    client.pipe(up);
    up.pipe(client);
  });
  sockets.add(up);
  let seen = '';
  client.on('data', (d: Buffer) => {
    if (seen.length > 4096) return;
    seen += d.toString('latin1');
    t.firstLine = seen.split('\r\n')[0];
    t.websocket = /^upgrade:\s*websocket/im.test(seen);
  });
  up.on('error', () => (t.firstLine === '' && list.indexOf(t) < 0 ? refused() : client.destroy()));
  client.on('error', () => up.destroy());
  up.on('close', () => client.destroy());
  client.on('close', () => up.destroy());
}

function listening(server: Server | ReturnType<typeof createHttpServer>, scheme: string, sockets: Set<Socket>, tunnels: Tunnel[], auth: string[]): Promise<TestProxy> {
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: `${scheme}://127.0.0.1:${port}`, port, tunnels, auth,
        close: () => new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          server.close(() => r());
        }),
      });
    });
  });
}

/** An HTTP proxy that answers CONNECT host:port (200, or 502 when the target refuses). */
export function startConnectProxy(): Promise<TestProxy> {
  const tunnels: Tunnel[] = [];
  const auth: string[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((_req, res) => res.writeHead(405).end('CONNECT only\n'));
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    if (req.headers['proxy-authorization'] !== undefined) auth.push(req.headers['proxy-authorization']);
    const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(req.url ?? '');
    if (m === null) return void client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    tunnel(tunnels, sockets, client, m[1], Number(m[2]), head,
      () => client.write('HTTP/1.1 200 Connection Established\r\n\r\n'),
      () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
  });
  return listening(server, 'http', sockets, tunnels, auth);
}

/** A SOCKS5 proxy: no authentication, CONNECT to IPv4, IPv6 or a domain name (RFC 1928). */
export function startSocks5Proxy(): Promise<TestProxy> {
  const tunnels: Tunnel[] = [];
  const sockets = new Set<Socket>();
  const server = createNetServer((client) => {
    let buf = Buffer.alloc(0);
    let greeted = false;
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if (!greeted) {
        if (buf.length < 2 || buf.length < 2 + buf[1]) return;
        buf = buf.subarray(2 + buf[1]);
        greeted = true;
        client.write(Buffer.from([5, 0])); // no authentication required
      }
      if (buf.length < 5) return;
      const atyp = buf[3];
      const addrLen = atyp === 1 ? 4 : atyp === 4 ? 16 : atyp === 3 ? 1 + buf[4] : -1;
      if (addrLen < 0 || buf[1] !== 1) return void client.end(Buffer.from([5, 7, 0, 1, 0, 0, 0, 0, 0, 0]));
      if (buf.length < 4 + addrLen + 2) return;
      const a = buf.subarray(4, 4 + addrLen);
      const host = atyp === 1 ? [...a].join('.') : atyp === 3 ? a.subarray(1).toString('latin1') : (a.toString('hex').match(/.{4}/g) ?? []).join(':');
      const port = buf.readUInt16BE(4 + addrLen);
      const head = buf.subarray(4 + addrLen + 2);
      client.off('data', onData);
      tunnel(tunnels, sockets, client, host, port, head,
        () => client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0])),
        () => client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])));
    };
    client.on('data', onData);
    client.on('error', () => client.destroy());
  });
  return listening(server, 'socks5', sockets, tunnels, []);
}
