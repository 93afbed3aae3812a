// Connection against real local servers (ws WebSocketServer, raw TCP, node:http) on 127.0.0.1.
// Small real delays instead of fake timers: real sockets and fake timers mix badly.
import { afterEach, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import type { RawFrame } from '../core/frames.js';
import { Connection, type ConnectionOptions, type ConnectionStatus, type ConnectionWarning } from './connection.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function wsServer(opts: { autoPong?: boolean } = {}): Promise<{ wss: WebSocketServer; url: string; received: string[] }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: opts.autoPong ?? true });
  await once(wss, 'listening');
  const received: string[] = [];
  wss.on('connection', (ws) => ws.on('message', (d) => received.push(d.toString())));
  cleanups.push(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  });
  const { port } = wss.address() as { port: number };
  return { wss, url: `ws://127.0.0.1:${port}/stream`, received };
}

async function listen(server: HttpServer | TcpServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

/** A Connection whose frames and statuses are collected; stopped after the test. */
function connect(url: string, over: Partial<ConnectionOptions> = {}) {
  const frames: RawFrame[] = [];
  const statuses: ConnectionStatus[] = [];
  const warnings: ConnectionWarning[] = [];
  const conn = new Connection({
    venue: 'testvenue',
    url,
    subscribe: () => ['{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":1}', '{"method":"SUBSCRIBE","params":["btcusdt@depth"],"id":2}'],
    openTimeoutMs: 1000,
    pingIntervalMs: 0,
    pingTimeoutMs: 0,
    noDataWarnMs: 0,
    noDataTimeoutMs: 0,
    maxSessionMs: 0,
    backoffBaseMs: 10,
    backoffMaxMs: 50,
    onFrame: (f) => frames.push(f),
    onStatus: (s) => statuses.push(s),
    onWarn: (w) => warnings.push(w),
    ...over,
  });
  cleanups.push(() => conn.stop());
  conn.start();
  return { conn, frames, statuses, warnings };
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const states = (s: ConnectionStatus[]) => s.map((x) => x.state);
const ins = (frames: RawFrame[]) => frames.filter((f) => f.dir === 'in');

describe('Connection', () => {
  it('sends the subscribe frames, records them as out, then frames in with increasing recvSeq', async () => {
    const { wss, url, received } = await wsServer();
    wss.on('connection', (ws) => ws.on('message', () => received.length === 2 && ['a', 'bb', 'ccc'].forEach((m) => ws.send(m))));
    const { conn, frames, statuses } = connect(url);
    await waitFor(() => ins(frames).length === 3, '3 frames');

    expect(states(statuses)).toEqual(['CONNECTING', 'CONNECTED']);
    expect(statuses.every((s) => s.connId === conn.connId)).toBe(true);
    expect(received).toEqual(['{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":1}', '{"method":"SUBSCRIBE","params":["btcusdt@depth"],"id":2}']);
    expect(frames.map((f) => [f.dir, f.recvSeq, f.data])).toEqual([
      ['conn', 1, `open ${url}`],
      ['out', 2, received[0]],
      ['out', 3, received[1]],
      ['in', 4, 'a'],
      ['in', 5, 'bb'],
      ['in', 6, 'ccc'],
    ]);
    for (const f of frames) expect(f).toMatchObject({ venue: 'testvenue', connId: conn.connId });
    // only the socket's marks carry the URL: the open mark binds the connId to it for the frames after
    for (const f of frames) expect(f.url).toBe(f.dir === 'conn' ? url : undefined);
    expect(frames[5].localTs).toBeGreaterThanOrEqual(frames[3].localTs);
    expect(conn.stats).toMatchObject({ framesIn: 3, bytesIn: 6, lastFrameLocalTs: frames[5].localTs });
    expect(conn.state).toBe('CONNECTED');

    expect(conn.send('{"method":"LIST_SUBSCRIPTIONS","id":3}')).toBe(true);
    expect(frames.at(-1)).toMatchObject({ dir: 'out', recvSeq: 7, data: '{"method":"LIST_SUBSCRIPTIONS","id":3}' });
    await waitFor(() => received.length === 3, 'sent frame to arrive');
  });

  it('decodes multi-byte UTF-8 text and counts bytes, not characters', async () => {
    const { wss, url } = await wsServer();
    wss.on('connection', (ws) => ws.send('{"s":"€"}'));
    const { conn, frames } = connect(url, { subscribe: () => [] });
    await waitFor(() => ins(frames).length === 1, 'frame');
    expect(ins(frames)[0].data).toBe('{"s":"€"}');
    expect(conn.stats.bytesIn).toBe(Buffer.byteLength('{"s":"€"}'));
  });

  it('reconnects after the server drops it, with a new connId, and subscribes again', async () => {
    const { wss, url, received } = await wsServer();
    let n = 0;
    wss.on('connection', (ws) => {
      ws.send(`hello ${++n}`);
      if (n === 1) setTimeout(() => ws.terminate(), 20);
    });
    const { conn, frames, statuses } = connect(url);
    await waitFor(() => ins(frames).length === 2, 'frames from both sockets');

    expect(states(statuses)).toEqual(['CONNECTING', 'CONNECTED', 'RECONNECTING', 'CONNECTED']);
    const [first, second] = [statuses[1].connId, statuses[3].connId];
    expect(second).toBeGreaterThan(first);
    expect(statuses[2].error?.code).toBe('MF_ERR_DISCONNECTED');
    expect(conn.connId).toBe(second);
    expect(conn.stats.reconnects).toBe(1);
    await waitFor(() => received.length === 4, 'subscribe frames on both sockets');
    const secondOut = frames.filter((f) => f.connId === second && f.dir === 'out');
    expect(secondOut.map((f) => f.recvSeq)).toEqual([2, 3]);
    expect(frames.find((f) => f.connId === first && f.dir === 'conn' && f.data.startsWith('close'))?.data).toMatch(/^close 1006/);
  });

  it('gives up the handshake after openTimeoutMs and reconnects (server accepts TCP, never upgrades)', async () => {
    const sockets: Socket[] = [];
    const tcp = createTcpServer((s) => sockets.push(s));
    const port = await listen(tcp);
    cleanups.push(() => {
      sockets.forEach((s) => s.destroy());
      tcp.close();
    });
    const { statuses } = connect(`ws://127.0.0.1:${port}/`, { openTimeoutMs: 60, maxReconnects: 2 });
    await waitFor(() => statuses.at(-1)?.state === 'FAILED', 'FAILED');
    expect(states(statuses)).toEqual(['CONNECTING', 'RECONNECTING', 'FAILED']);
    expect(statuses[1].error?.code).toBe('MF_ERR_OPEN_TIMEOUT');
    expect(statuses[2].error?.code).toBe('MF_ERR_OPEN_TIMEOUT');
    expect(sockets.length).toBe(2);
  });

  it('reconnects when the venue does not answer our ping', async () => {
    const { wss, url } = await wsServer({ autoPong: false });
    const pings: number[] = [];
    wss.on('connection', (ws) => ws.on('ping', () => pings.push(Date.now())));
    const { statuses } = connect(url, { pingIntervalMs: 20, pingTimeoutMs: 60 });
    await waitFor(() => statuses.some((s) => s.state === 'RECONNECTING'), 'RECONNECTING');
    const dropped = statuses.find((s) => s.state === 'RECONNECTING')!;
    expect(dropped.error?.code).toBe('MF_ERR_PING_TIMEOUT');
    expect(pings.length).toBeGreaterThanOrEqual(1);
    await waitFor(() => statuses.filter((s) => s.state === 'CONNECTED').length === 2, 'reconnected');
  });

  it('keeps a connection whose pongs arrive', async () => {
    const { wss, url } = await wsServer();
    let pings = 0;
    wss.on('connection', (ws) => ws.on('ping', () => pings++));
    const { statuses } = connect(url, { pingIntervalMs: 10, pingTimeoutMs: 40 });
    await waitFor(() => pings >= 8, '8 pings answered');
    expect(states(statuses)).toEqual(['CONNECTING', 'CONNECTED']);
  });

  it('warns, then reconnects, when no data arrives', async () => {
    const { url } = await wsServer();
    const { statuses, warnings } = connect(url, { noDataWarnMs: 40, noDataTimeoutMs: 120 });
    await waitFor(() => statuses.some((s) => s.state === 'RECONNECTING'), 'RECONNECTING');
    expect(warnings.length).toBe(1);
    expect(warnings[0].error.code).toBe('MF_ERR_NO_DATA');
    const dropped = statuses.find((s) => s.state === 'RECONNECTING')!;
    expect(dropped.error?.code).toBe('MF_ERR_NO_DATA');
    expect(dropped.connId).toBe(warnings[0].connId);
    await waitFor(() => statuses.filter((s) => s.state === 'CONNECTED').length === 2, 'reconnected');
  });

  it('rotates make-before-break at maxSessionMs: no sequence number is missed', async () => {
    const { wss, url } = await wsServer();
    // The "venue" broadcasts one sequence to every open socket, like a stream shared by connections.
    let seq = 0;
    const ticker = setInterval(() => {
      seq++;
      for (const c of wss.clients) c.send(String(seq));
    }, 3);
    cleanups.push(() => clearInterval(ticker));
    const { conn, frames, statuses } = connect(url, { subscribe: () => [], maxSessionMs: 120 });
    await waitFor(() => conn.stats.rotations >= 2, '2 rotations');
    await waitFor(() => ins(frames).some((f) => f.connId === conn.connId && Number(f.data) > seq - 3), 'more data after rotation');
    clearInterval(ticker);

    expect(states(statuses).filter((s) => s !== 'CONNECTED')).toEqual(['CONNECTING']);
    expect(statuses.filter((s) => s.reason === 'rotated').length).toBe(2);
    // Every number from the first to the last received arrived on some socket.
    const got = new Set(ins(frames).map((f) => Number(f.data)));
    const nums = [...got].sort((a, b) => a - b);
    for (let n = nums[0]; n <= nums[nums.length - 1]; n++) expect(got.has(n), `seq ${n}`).toBe(true);
    // The old sockets were closed by us (1000), after their successors were open.
    const connIds = [...new Set(frames.map((f) => f.connId))];
    expect(connIds.length).toBe(3);
    for (const id of connIds.slice(0, 2)) {
      await waitFor(() => frames.some((f) => f.connId === id && f.data === 'close 1000 rotated'), `close mark of ${id}`);
    }
    const openOfSecond = frames.findIndex((f) => f.connId === connIds[1] && f.dir === 'conn');
    const closeOfFirst = frames.findIndex((f) => f.connId === connIds[0] && f.data.startsWith('close'));
    expect(openOfSecond).toBeLessThan(closeOfFirst);
  });

  it('keeps the current socket when the rotation candidate is refused', async () => {
    const { wss } = await wsServer();
    wss.on('connection', (ws) => ws.send('x'));
    const http = createHttpServer();
    let upgrades = 0;
    http.on('upgrade', (req, socket, head) => {
      if (++upgrades === 2) return socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n');
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    });
    const port = await listen(http);
    cleanups.push(() => {
      http.closeAllConnections();
      http.close();
    });
    const { conn, frames, statuses } = connect(`ws://127.0.0.1:${port}/`);
    await waitFor(() => ins(frames).length === 1, 'first frame');
    const first = conn.connId;
    conn.rotate('test');
    await waitFor(() => upgrades === 2, 'rotation attempt');
    await new Promise((r) => setTimeout(r, 30));
    expect(conn.connId).toBe(first);
    expect(conn.state).toBe('CONNECTED');
    expect(conn.stats.rotations).toBe(0);
    conn.rotate('again');
    await waitFor(() => conn.stats.rotations === 1, 'second rotation');
    expect(conn.connId).toBeGreaterThan(first + 1); // the refused socket used an id too
    expect(states(statuses)).toEqual(['CONNECTING', 'CONNECTED', 'CONNECTED']);
  });

  it('does not count server pings as data', async () => {
    const { wss, url } = await wsServer();
    const pinger = setInterval(() => wss.clients.forEach((c) => c.ping()), 10);
    cleanups.push(() => clearInterval(pinger));
    const { statuses } = connect(url, { noDataTimeoutMs: 100 });
    await waitFor(() => statuses.some((s) => s.state === 'RECONNECTING'), 'RECONNECTING');
    expect(statuses.find((s) => s.state === 'RECONNECTING')?.error?.code).toBe('MF_ERR_NO_DATA');
  });

  it('waits Retry-After when the upgrade is answered 429', async () => {
    const { wss, url: wsUrl } = await wsServer();
    wss.on('connection', (ws) => ws.send('ok'));
    const http = createHttpServer();
    const attempts: number[] = [];
    http.on('upgrade', (req, socket, head) => {
      attempts.push(Date.now());
      if (attempts.length === 1) {
        socket.end('HTTP/1.1 429 Too Many Requests\r\nRetry-After: 0.3\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    });
    const port = await listen(http);
    cleanups.push(() => {
      http.closeAllConnections();
      http.close();
    });
    expect(wsUrl).toBeDefined();
    const { frames, statuses } = connect(`ws://127.0.0.1:${port}/`, { backoffBaseMs: 5, backoffMaxMs: 10 });
    await waitFor(() => ins(frames).length === 1, 'data after the pause');
    expect(states(statuses)).toEqual(['CONNECTING', 'RECONNECTING', 'CONNECTED']);
    expect(statuses[1].error).toMatchObject({ code: 'MF_ERR_RATE_LIMITED', status: 429, retryAfterMs: 300 });
    expect(attempts[1] - attempts[0]).toBeGreaterThanOrEqual(290);
  });

  it('treats other upgrade refusals as open failures and retries with backoff', async () => {
    const http = createHttpServer();
    let attempts = 0;
    http.on('upgrade', (_req, socket) => {
      attempts++;
      socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n');
    });
    const port = await listen(http);
    cleanups.push(() => {
      http.closeAllConnections();
      http.close();
    });
    const { statuses } = connect(`ws://127.0.0.1:${port}/`, { maxReconnects: 3 });
    await waitFor(() => statuses.at(-1)?.state === 'FAILED', 'FAILED');
    expect(attempts).toBe(3);
    expect(statuses.at(-1)?.error).toMatchObject({ code: 'MF_ERR_HTTP', status: 503 });
  });

  it('goes FAILED after maxReconnects consecutive refused attempts', async () => {
    const tcp = createTcpServer();
    const port = await listen(tcp);
    await new Promise<void>((r) => tcp.close(() => r())); // nothing listens there now
    const { conn, statuses } = connect(`ws://127.0.0.1:${port}/`, { maxReconnects: 3 });
    await waitFor(() => conn.state === 'FAILED', 'FAILED');
    expect(states(statuses)).toEqual(['CONNECTING', 'RECONNECTING', 'RECONNECTING', 'FAILED']);
    expect(statuses.at(-1)?.error?.code).toBe('MF_ERR_UNREACHABLE');
    expect(new Set(statuses.map((s) => s.connId)).size).toBe(3);
    await conn.stop();
    expect(conn.state).toBe('DISCONNECTED');
  });

  it('reconnect(reason) opens a new socket at once, without backoff', async () => {
    const { wss, url } = await wsServer();
    wss.on('connection', (ws) => ws.send('x'));
    const { conn, frames, statuses } = connect(url, { backoffBaseMs: 60_000, backoffMaxMs: 60_000 });
    await waitFor(() => ins(frames).length === 1, 'first frame');
    const first = conn.connId;
    conn.reconnect('serverShutdown');
    await waitFor(() => ins(frames).length === 2, 'frame on the new socket');
    expect(states(statuses)).toEqual(['CONNECTING', 'CONNECTED', 'RECONNECTING', 'CONNECTED']);
    expect(statuses[2].reason).toBe('serverShutdown');
    expect(conn.connId).toBeGreaterThan(first);
    await waitFor(() => frames.some((f) => f.connId === first && f.data === 'close 1000 serverShutdown'), 'old closed');
  });

  it('stop() closes with 1000, reconnects no more and leaves no timers behind', async () => {
    // Track every timer created while the connection lives (ours and ws's); after stop() none may
    // still be pending. (Node marks a fired or cleared Timeout `_destroyed`.)
    const created: NodeJS.Timeout[] = [];
    const realSetTimeout = globalThis.setTimeout;
    const realSetInterval = globalThis.setInterval;
    const track = <F extends (...a: never[]) => NodeJS.Timeout>(f: F) =>
      ((...a: Parameters<F>) => {
        const t = f(...a);
        created.push(t);
        return t;
      }) as unknown as F;
    const { wss, url } = await wsServer();
    const closes: number[] = [];
    wss.on('connection', (ws: ServerSocket) => ws.on('close', (code) => closes.push(code)));
    globalThis.setTimeout = track(realSetTimeout as never) as typeof setTimeout;
    globalThis.setInterval = track(realSetInterval as never) as typeof setInterval;
    let conn: Connection, statuses: ConnectionStatus[];
    try {
      ({ conn, statuses } = connect(url, { pingIntervalMs: 10, pingTimeoutMs: 50, noDataWarnMs: 1000, noDataTimeoutMs: 2000, maxSessionMs: 60_000 }));
      await waitFor(() => conn.state === 'CONNECTED', 'CONNECTED');
      await new Promise((r) => realSetTimeout(r, 30)); // a few watchdog ticks and pings
      await conn.stop();
    } finally {
      globalThis.setTimeout = realSetTimeout;
      globalThis.setInterval = realSetInterval;
    }
    expect(conn.state).toBe('DISCONNECTED');
    expect(states(statuses)).toEqual(['CONNECTING', 'CONNECTED', 'DISCONNECTED']);
    await waitFor(() => closes.length === 1, 'server saw the close');
    expect(closes).toEqual([1000]);
    expect(created.length).toBeGreaterThan(0);
    const pending = created.filter((t) => !(t as unknown as { _destroyed: boolean })._destroyed);
    expect(pending).toEqual([]);
  });

  it('stop() during backoff cancels the pending reconnect', async () => {
    const tcp = createTcpServer();
    const port = await listen(tcp);
    await new Promise<void>((r) => tcp.close(() => r()));
    const { conn, statuses } = connect(`ws://127.0.0.1:${port}/`, { backoffBaseMs: 60_000, backoffMaxMs: 60_000, random: () => 0.99 });
    await waitFor(() => conn.state === 'RECONNECTING', 'RECONNECTING');
    await conn.stop();
    expect(states(statuses)).toEqual(['CONNECTING', 'RECONNECTING', 'DISCONNECTED']);
  });

  it('send() without an open socket returns false and records nothing', () => {
    const frames: RawFrame[] = [];
    const conn = new Connection({
      venue: 'v', url: 'ws://127.0.0.1:1/', subscribe: () => [], openTimeoutMs: 100, pingIntervalMs: 0, pingTimeoutMs: 0,
      noDataWarnMs: 0, noDataTimeoutMs: 0, maxSessionMs: 0, backoffBaseMs: 1, backoffMaxMs: 1,
      onFrame: (f) => frames.push(f), onStatus: () => {},
    });
    expect(conn.send('x')).toBe(false);
    expect(frames).toEqual([]);
    expect(conn.state).toBe('DISCONNECTED');
  });

  it('records a binary frame as base64 with binary: true, counted as data', async () => {
    const { wss, url } = await wsServer();
    const bytes = Buffer.from([0x1f, 0x8b, 0x00, 0x80, 0xff]);
    wss.on('connection', (ws) => ws.send(bytes, { binary: true }));
    const { conn, frames } = connect(url);
    await waitFor(() => frames.some((f) => f.dir === 'in'), 'a binary frame');
    const f = frames.find((x) => x.dir === 'in')!;
    expect(f.binary).toBe(true);
    expect(Buffer.from(f.data, 'base64')).toEqual(bytes);
    expect(conn.stats).toMatchObject({ framesIn: 1, bytesIn: 5, binaryIn: 1 });
  });

  it('records app pings and send(…, keepalive) frames as keepalive out frames, subscribes not', async () => {
    const { url } = await wsServer();
    const { conn, frames } = connect(url, { appPing: { text: 'ping', intervalMs: 30 } });
    await waitFor(() => frames.some((f) => f.dir === 'out' && f.data === 'ping'), 'an app ping');
    expect(conn.send('Pong', true)).toBe(true);
    const outs = frames.filter((f) => f.dir === 'out');
    expect(outs.filter((f) => f.data.includes('SUBSCRIBE')).every((f) => f.keepalive === undefined)).toBe(true);
    expect(outs.filter((f) => f.data === 'ping' || f.data === 'Pong').every((f) => f.keepalive === true)).toBe(true);
    expect(outs.some((f) => f.data === 'Pong')).toBe(true);
  });

  it('subscribeAfter: the subscribe frames wait for the greeting', async () => {
    const { wss, url, received } = await wsServer();
    wss.on('connection', (ws) => setTimeout(() => ws.send('{"type":"welcome"}'), 100));
    const { frames } = connect(url, { subscribeAfter: (t) => t.includes('welcome') });
    await waitFor(() => frames.some((f) => f.dir === 'conn'), 'open');
    await new Promise((r) => setTimeout(r, 40));
    expect(received).toEqual([]);
    await waitFor(() => received.length === 2, 'the subscribes after the welcome');
    const order = frames.map((f) => f.dir + (f.dir === 'in' ? ':' + f.data : ''));
    expect(order.indexOf('in:{"type":"welcome"}')).toBeLessThan(order.indexOf('out'));
  });

  it('resolveUrl: asks for a URL before every socket, opens it, and retries with backoff when it fails', async () => {
    const { wss, url } = await wsServer();
    let asked = 0;
    const resolveUrl = async (): Promise<{ url: string }> => {
      asked++;
      if (asked === 2) throw new Error('token service down');
      return { url: `${url}?token=t${asked}` };
    };
    const { conn, frames, statuses } = connect('ws://127.0.0.1:1/unused', { resolveUrl });
    await waitFor(() => frames.some((f) => f.dir === 'conn' && f.data.startsWith('open ')), 'first open');
    expect(frames[0].data).toBe(`open ${url}?token=t1`);
    for (const ws of wss.clients) ws.terminate();
    await waitFor(() => frames.filter((f) => f.dir === 'conn' && f.data.startsWith('open ')).length === 2, 'second open');
    const opens = frames.filter((f) => f.dir === 'conn' && f.data.startsWith('open '));
    expect(opens[1].data).toBe(`open ${url}?token=t3`);
    expect(opens[1].url).toBe(`${url}?token=t3`);
    expect(asked).toBe(3);
    expect(statuses.map((s) => `${s.state} ${s.reason}`)).toContainEqual(expect.stringMatching(/^RECONNECTING .*no socket url: token service down/));
    expect(conn.state).toBe('CONNECTED');
  });

  it('resolveUrl: a stop while the URL is pending opens nothing', async () => {
    let release: (v: { url: string }) => void = () => {};
    const { wss, url } = await wsServer();
    const { conn, frames } = connect('ws://127.0.0.1:1/unused', { resolveUrl: () => new Promise((r) => (release = r)) });
    await conn.stop();
    release({ url });
    await new Promise((r) => setTimeout(r, 50));
    expect(frames).toEqual([]);
    expect(wss.clients.size).toBe(0);
  });

  it('survives callbacks that throw', async () => {
    const { wss, url } = await wsServer();
    wss.on('connection', (ws) => ws.send('x'));
    let calls = 0;
    const { conn } = connect(url, {
      onFrame: () => {
        calls++;
        throw new Error('consumer bug');
      },
      onStatus: () => {
        throw new Error('consumer bug');
      },
    });
    await waitFor(() => conn.stats.framesIn === 1, 'frame');
    expect(calls).toBe(4); // open mark, 2 subscribes, 1 frame
    expect(conn.state).toBe('CONNECTED');
  });
});
