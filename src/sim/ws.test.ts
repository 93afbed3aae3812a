// The websocket protocol surface: paths, control messages, payload shapes, pings, limits.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSim, type SimHandle } from './index.js';
import { until } from '../../test/wait.js';

let sim: SimHandle;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await sim?.stop();
});

interface Conn { ws: WebSocket; msgs: any[]; closed?: number }
async function connect(path: string): Promise<Conn> {
  const ws = new WebSocket(sim.wsUrl + path);
  sockets.push(ws);
  const c: Conn = { ws, msgs: [] };
  ws.on('message', (d) => c.msgs.push(JSON.parse(d.toString())));
  ws.on('close', (code) => (c.closed = code));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return c;
}
const reply = (c: Conn, id: number): Promise<any> => until(() => c.msgs.find((m) => m.id === id));

describe('control messages', () => {
  it('SUBSCRIBE, LIST_SUBSCRIPTIONS, UNSUBSCRIBE, errors, SET_PROPERTY', async () => {
    sim = await startSim({ symbols: ['BTCUSDT', 'ETHUSDT'], seed: 1, diffIntervalMs: 10 });
    const c = await connect('/ws');
    c.ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['btcusdt@trade', 'ethusdt@depth@100ms'], id: 1 }));
    expect(await reply(c, 1)).toEqual({ result: null, id: 1 });
    c.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 2 }));
    expect((await reply(c, 2)).result.sort()).toEqual(['btcusdt@trade', 'ethusdt@depth@100ms']);
    c.ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['btcusdt@nonsense'], id: 3 }));
    expect(await reply(c, 3)).toEqual({ error: { code: 2, msg: 'Invalid request: unknown stream' }, id: 3 });
    c.ws.send(JSON.stringify({ method: 'UNSUBSCRIBE', params: ['ethusdt@depth@100ms'], id: 4 }));
    await reply(c, 4);
    await new Promise((r) => setTimeout(r, 1100)); // stay within the 5 messages/s budget
    c.ws.send(JSON.stringify({ method: 'SET_PROPERTY', params: ['combined', true], id: 5 }));
    await reply(c, 5);
    c.ws.send(JSON.stringify({ method: 'GET_PROPERTY', params: ['combined'], id: 6 }));
    expect(await reply(c, 6)).toEqual({ result: true, id: 6 });
    const n = c.msgs.length;
    const wrapped = await until(() => c.msgs.slice(n).find((m) => m.stream));
    expect(wrapped.stream).toBe('btcusdt@trade');
    c.ws.send('not json');
    await until(() => c.msgs.find((m) => m.error?.code === 3));
  });

  it('too many incoming messages per second → disconnect', async () => {
    sim = await startSim({ symbols: ['BTCUSDT'], seed: 1 });
    const c = await connect('/ws');
    for (let i = 0; i < 8; i++) c.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: i }));
    await until(() => c.closed !== undefined);
    expect(c.closed).toBe(1008);
  });

  it('unknown path → 404, unknown stream in URL → 400', async () => {
    sim = await startSim({ symbols: ['BTCUSDT'], seed: 1 });
    const status = (path: string): Promise<number> => new Promise((resolve) => {
      const ws = new WebSocket(sim.wsUrl + path);
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
    expect(await status('/nope')).toBe(404);
    expect(await status('/ws/xrpusdt@trade')).toBe(400);
  });

  it('server pings with a payload; pong timeout terminates', async () => {
    sim = await startSim({ symbols: ['BTCUSDT'], seed: 1, serverPingIntervalMs: 50, pongTimeoutMs: 200, maxIncomingPerSec: 0 });
    const c = await connect('/ws/btcusdt@trade');
    const payload = await new Promise<string>((resolve) => c.ws.once('ping', (d) => resolve(d.toString())));
    expect(Number(payload)).toBeGreaterThan(0);
    // ws answers pings automatically, so the connection lives on …
    await new Promise((r) => setTimeout(r, 300));
    expect(c.closed).toBeUndefined();
    // … and a client that stops answering is dropped.
    const mute = new WebSocket(sim.wsUrl + '/ws/btcusdt@trade', { autoPong: false });
    sockets.push(mute);
    const code = await new Promise<number>((resolve) => mute.on('close', (c2) => resolve(c2)));
    expect(code).toBe(1006);
  });
});

describe('payload shapes', () => {
  it('spot trade / aggTrade / kline', async () => {
    sim = await startSim({ symbols: ['BTCUSDT'], seed: 1, diffIntervalMs: 5 });
    const c = await connect('/stream?streams=btcusdt@trade/btcusdt@aggTrade/btcusdt@kline_1s');
    const t = await until(() => c.msgs.find((m) => m.stream === 'btcusdt@trade'));
    expect(Object.keys(t.data)).toEqual(['e', 'E', 's', 't', 'p', 'q', 'T', 'm', 'M']);
    expect(t.data.p).toMatch(/^\d+\.\d{8}$/);
    const a = await until(() => c.msgs.find((m) => m.stream === 'btcusdt@aggTrade'));
    expect(Object.keys(a.data)).toEqual(['e', 'E', 's', 'a', 'p', 'q', 'f', 'l', 'T', 'm', 'M']);
    const k = await until(() => c.msgs.find((m) => m.stream === 'btcusdt@kline_1s'), 3000);
    expect(Object.keys(k.data.k)).toEqual(['t', 'T', 's', 'i', 'f', 'L', 'o', 'c', 'h', 'l', 'v', 'n', 'x', 'q', 'V', 'Q', 'B']);
    expect(k.data.k.T).toBe(k.data.k.t + 999);
  });

  it('futures trade / bookTicker / markPrice@1s', async () => {
    sim = await startSim({ venue: 'binance-futures', symbols: ['BTCUSDT'], seed: 1, diffIntervalMs: 5 });
    const c = await connect('/market/stream?streams=btcusdt@trade/btcusdt@bookTicker/btcusdt@markPrice@1s');
    const t = await until(() => c.msgs.find((m) => m.stream === 'btcusdt@trade'));
    expect(Object.keys(t.data)).toEqual(['e', 'E', 'T', 's', 't', 'p', 'q', 'X', 'm']);
    const b = await until(() => c.msgs.find((m) => m.stream === 'btcusdt@bookTicker'));
    expect(Object.keys(b.data)).toEqual(['e', 'u', 's', 'b', 'B', 'a', 'A', 'T', 'E']);
    const m = await until(() => c.msgs.find((x) => x.stream === 'btcusdt@markPrice@1s'), 3000);
    expect(Object.keys(m.data)).toEqual(['e', 'E', 's', 'p', 'i', 'P', 'r', 'T']);
    expect(m.data.e).toBe('markPriceUpdate');
  });
});
