// The BingX modes seen from a plain ws client: every server frame a gzip member; acks per market;
// the incrDepth `all` + lastUpdateId +1 chain, applied to a book kept here and equal to the ground
// truth at every id; depthN (spot asks highest first), trades, tickers, markPrice; the keepalive;
// the gap, stale / slow snapshot, malformed and shutdown faults; the REST routes ccxt reads.
import { gunzipSync } from 'node:zlib';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../../test/wait.js';
import { startSim, type SimHandle } from '../index.js';

type Lv = [string, string];

/** A client that gunzips every binary frame and keeps text frames apart. */
class Client {
  readonly frames: string[] = [];
  readonly texts: string[] = [];
  readonly bad: Buffer[] = [];
  closed: number | undefined;
  readonly ws: WebSocket;
  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (d: Buffer, binary) => {
      if (!binary) return void this.texts.push(d.toString());
      try {
        this.frames.push(gunzipSync(d).toString('utf8'));
      } catch {
        this.bad.push(d);
      }
    });
    this.ws.on('close', (code) => (this.closed = code));
    this.ws.on('error', () => {});
  }
  opened(): Promise<void> {
    return new Promise((r) => this.ws.once('open', () => r()));
  }
  sub(dataType: string, reqType = 'sub'): void {
    this.ws.send(JSON.stringify({ id: `${reqType}:${dataType}`, reqType, dataType }));
  }
  json(): any[] {
    return this.frames.flatMap((f) => {
      try {
        return [JSON.parse(f)];
      } catch {
        return [];
      }
    });
  }
  of(dataType: string): any[] {
    return this.json().filter((m) => m.dataType === dataType);
  }
}

/** A book keyed by price text, as a client keeps it. */
class Book {
  bids = new Map<string, string>();
  asks = new Map<string, string>();
  load(d: { bids: Lv[]; asks: Lv[] }): void {
    this.bids = new Map(d.bids);
    this.asks = new Map(d.asks);
  }
  apply(d: { bids: Lv[]; asks: Lv[] }): void {
    for (const [p, q] of d.bids) Number(q) === 0 ? this.bids.delete(p) : this.bids.set(p, q);
    for (const [p, q] of d.asks) Number(q) === 0 ? this.asks.delete(p) : this.asks.set(p, q);
  }
  top(side: 'bids' | 'asks', n: number): Lv[] {
    const dir = side === 'bids' ? 1 : -1;
    return [...this[side]].sort((a, b) => (Number(b[0]) - Number(a[0])) * dir).slice(0, n);
  }
}

let sim: SimHandle | undefined;
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await sim?.stop();
  sim = undefined;
});

async function connect(s: SimHandle): Promise<Client> {
  const c = new Client(s.wsUrl);
  clients.push(c);
  await c.opened();
  return c;
}

/** Replays the incrDepth pushes of one symbol; every book after an update equals the truth at its id. */
function checkChain(s: SimHandle, msgs: any[], sym: string): number {
  const book = new Book();
  let last = -1;
  let checked = 0;
  for (const m of msgs) {
    const d = m.data;
    if (d.action === 'all') {
      book.load(d);
      last = d.lastUpdateId;
    } else {
      expect(d.lastUpdateId, 'the +1 chain').toBe(last + 1);
      book.apply(d);
      last = d.lastUpdateId;
    }
    const truth = s.truth.topAt(sym, last);
    if (truth === undefined) continue;
    expect(book.top('bids', 50), `bids at ${last}`).toEqual(truth.bids);
    expect(book.top('asks', 50), `asks at ${last}`).toEqual(truth.asks);
    checked++;
  }
  return checked;
}

describe('bingx (spot) mode', () => {
  it('acks, an incrDepth chain equal to the truth at every id, depthN, trades and tickers', async () => {
    sim = await startSim({ venue: 'bingx', symbols: ['BTC/USDT'], seed: 5, diffIntervalMs: 10 });
    expect(sim.wsUrl).toMatch(/\/market$/);
    expect(sim.venueSymbols).toEqual(['BTC-USDT']);
    const c = await connect(sim);
    for (const t of ['incrDepth', 'trade', 'ticker', 'depth20']) c.sub(`BTC-USDT@${t}`);
    await until(() => c.of('BTC-USDT@incrDepth').length > 60 && c.of('BTC-USDT@trade').length > 0);
    const acks = c.json().filter((m) => m.msg === 'SUCCESS');
    expect(acks.map((a) => [a.code, a.id])).toEqual(['incrDepth', 'trade', 'ticker', 'depth20'].map((t) => [0, `sub:BTC-USDT@${t}`]));
    const incr = c.of('BTC-USDT@incrDepth');
    expect(incr[0].data.action).toBe('all');
    expect(incr[0].data.bids.length).toBe(1000);
    expect(checkChain(sim, incr, 'BTC-USDT')).toBeGreaterThan(60);
    // depth20: a whole top 20 with its id, asks highest first
    const [d] = c.of('BTC-USDT@depth20');
    const truth = sim.truth.topAt('BTC-USDT', d.data.lastUpdateId)!;
    expect(d.data.bids).toEqual(truth.bids.slice(0, 20));
    expect([...d.data.asks].reverse()).toEqual(truth.asks.slice(0, 20));
    expect(d.timestamp).toBeGreaterThan(0);
    const [t] = c.of('BTC-USDT@trade');
    expect(t.data).toMatchObject({ e: 'trade', s: 'BTC-USDT' });
    expect(t.data.t).toMatch(/^\d+$/);
    expect(t.data.p).toMatch(/^\d+\.\d{2}$/);
    expect(t.data.q).toMatch(/^\d+\.\d{6}$/);
    const tk = c.frames.find((f) => f.includes('"dataType":"BTC-USDT@ticker"'))!;
    expect(tk).toMatch(/"A":\d+\.\d{2},"a":\d+\.\d{6},"B":\d+\.\d{2},"b":\d+\.\d{6}/); // JSON numbers, as spot sends them
  });

  it('unknown topics are errors; unsub stops a stream; a resubscribe brings a fresh all', async () => {
    sim = await startSim({ venue: 'bingx', symbols: ['BTC/USDT'], seed: 5, diffIntervalMs: 10 });
    const c = await connect(sim);
    c.sub('ETH-USDT@trade');
    c.sub('BTC-USDT@markPrice');
    c.ws.send('hello');
    await until(() => c.json().length === 3);
    expect(c.json().map((m) => m.code)).toEqual([80015, 80015, 100400]);
    c.sub('BTC-USDT@incrDepth');
    await until(() => c.of('BTC-USDT@incrDepth').length > 5);
    c.sub('BTC-USDT@incrDepth', 'unsub');
    c.sub('BTC-USDT@incrDepth');
    await until(() => c.of('BTC-USDT@incrDepth').filter((m) => m.data.action === 'all').length === 2 && c.of('BTC-USDT@incrDepth').at(-1).data.action === 'update');
    const msgs = c.of('BTC-USDT@incrDepth');
    const second = msgs.findLastIndex((m) => m.data.action === 'all');
    checkChain(sim, msgs.slice(second), 'BTC-USDT');
  });

  it('gap: one update is not sent (the chain jumps by two), recorded with its id', async () => {
    sim = await startSim({ venue: 'bingx', symbols: ['BTC/USDT'], seed: 5, diffIntervalMs: 10 });
    const c = await connect(sim);
    c.sub('BTC-USDT@incrDepth');
    await until(() => c.of('BTC-USDT@incrDepth').length > 3);
    sim.inject('gap', { venueSymbol: 'BTC-USDT' });
    await until(() => sim!.injected.gaps.length === 1 && c.of('BTC-USDT@incrDepth').length > 10);
    const ids = c.of('BTC-USDT@incrDepth').map((m) => m.data.lastUpdateId);
    const [g] = sim.injected.gaps;
    expect(ids).not.toContain(g.skippedFrom);
    expect(ids).toContain(g.skippedFrom - 1);
    expect(ids).toContain(g.skippedFrom + 1);
  });

  it('stalesnapshot: the next all is an older book under its own (older) id; slowsnapshot: it comes late', async () => {
    sim = await startSim({ venue: 'bingx', symbols: ['BTC/USDT'], seed: 5, diffIntervalMs: 10 });
    const c = await connect(sim);
    await new Promise((r) => setTimeout(r, 1300)); // an old book is kept once a second
    sim.inject('stalesnapshot');
    c.sub('BTC-USDT@incrDepth');
    await until(() => c.of('BTC-USDT@incrDepth').length > 3);
    const [all, next] = c.of('BTC-USDT@incrDepth');
    expect(next.data.lastUpdateId).toBeGreaterThan(all.data.lastUpdateId + 1);
    const truth = sim.truth.topAt('BTC-USDT', all.data.lastUpdateId)!;
    expect(all.data.bids.slice(0, 50)).toEqual(truth.bids);
    const c2 = await connect(sim);
    sim.inject('slowsnapshot', { delayMs: 300 });
    const asked = Date.now();
    c2.sub('BTC-USDT@incrDepth');
    await until(() => c2.of('BTC-USDT@incrDepth').length > 3);
    expect(c2.json()[0].msg).toBe('SUCCESS');
    expect(Date.now() - asked).toBeGreaterThanOrEqual(290);
    expect(checkChain(sim, c2.of('BTC-USDT@incrDepth'), 'BTC-USDT')).toBeGreaterThan(2);
  });

  it('malformed: a binary frame that is bad gzip or bad JSON (never text); shutdown closes 1001', async () => {
    sim = await startSim({ venue: 'bingx', symbols: ['BTC/USDT'], seed: 5, diffIntervalMs: 10 });
    const c = await connect(sim);
    c.sub('BTC-USDT@trade');
    await until(() => c.json().length === 1);
    for (let i = 0; i < 4; i++) sim.inject('malformed');
    const odd = (): number => c.frames.filter((f) => f.includes('lastUpdateId":') || f.includes('[{"p":"1"}]')).length;
    await until(() => c.bad.length === 1 && odd() === 3);
    expect(c.texts.length).toBe(0);
    sim.inject('shutdown');
    await until(() => c.closed !== undefined);
    expect(c.closed).toBe(1001);
  });

  it('REST: the spot listing, an empty swap and coin-M listing, klines with halts left out, recent trades', async () => {
    sim = await startSim({ venue: 'bingx', symbols: ['BTC/USDT'], seed: 5, diffIntervalMs: 10 });
    const get = async (path: string): Promise<any> => (await fetch(sim!.restUrl + path)).json();
    expect((await get('/openApi/spot/v1/common/symbols')).data.symbols.map((s: any) => [s.symbol, s.status, s.tickSize, s.stepSize])).toEqual([['BTC-USDT', 1, 0.01, 0.000001]]);
    expect((await get('/openApi/swap/v2/quote/contracts')).data).toEqual([]);
    expect((await get('/openApi/cswap/v1/market/contracts')).data).toEqual([]);
    expect((await get('/openApi/swap/v2/server/time')).data.serverTime).toBeGreaterThan(0);
    const from = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 2 * 86_400_000;
    const k = await get(`/openApi/spot/v1/market/kline?symbol=BTC-USDT&interval=1m&startTime=${from - 1}&endTime=${from + 1440 * 60_000 - 1}&limit=1440`);
    const opens = k.data.map((r: number[]) => r[0]);
    expect(opens[0]).toBe(from);
    expect(opens.length).toBeLessThan(1440); // halted minutes have no bar
    expect(opens.length).toBeGreaterThan(1400);
    expect(k.data[0]).toHaveLength(8);
    expect((await get('/openApi/spot/v1/market/kline?symbol=BTC-USDT&interval=1m&limit=1441')).code).toBe(100400);
    expect((await get('/openApi/swap/v3/quote/klines?symbol=BTC-USDT&interval=1m')).code).toBe(100204);
    await new Promise((r) => setTimeout(r, 300));
    const t = await get('/openApi/spot/v1/market/trades?symbol=BTC-USDT&limit=5');
    expect(t.data.length).toBeGreaterThan(0);
    expect(Object.keys(t.data[0])).toEqual(['id', 'price', 'qty', 'time', 'buyerMaker']);
    expect((await fetch(sim.restUrl + '/openApi/spot/v1/nothing')).status).toBe(404);
  });
});

describe('bingx-swap mode', () => {
  it('swap acks, an incrDepth chain equal to the truth, trades without ids, markPrice, depthN@Xms', async () => {
    sim = await startSim({ venue: 'bingx-swap', symbols: ['BTC/USDT:USDT'], seed: 9, diffIntervalMs: 10 });
    expect(sim.wsUrl).toMatch(/\/swap-market$/);
    const c = await connect(sim);
    for (const t of ['incrDepth', 'trade', 'markPrice', 'depth5@200ms']) c.sub(`BTC-USDT@${t}`);
    await until(() => c.of('BTC-USDT@incrDepth').length > 40 && c.of('BTC-USDT@trade').length > 0 && c.of('BTC-USDT@markPrice').length > 0, 4000);
    expect(c.json()[0]).toEqual({ id: 'sub:BTC-USDT@incrDepth', code: 0, msg: '', dataType: '', data: null });
    expect(checkChain(sim, c.of('BTC-USDT@incrDepth'), 'BTC/USDT:USDT')).toBeGreaterThan(40);
    const [t] = c.of('BTC-USDT@trade');
    expect(Array.isArray(t.data)).toBe(true);
    expect(Object.keys(t.data[0])).toEqual(['q', 'p', 'T', 'm', 's']);
    expect(t.data[0].q).toMatch(/^\d+\.\d{4}$/);
    expect(c.of('BTC-USDT@markPrice')[0].data).toMatchObject({ e: 'markPriceUpdate', s: 'BTC-USDT' });
    const [d] = c.of('BTC-USDT@depth5@200ms');
    expect(d.data.lastUpdateId).toBeUndefined();
    expect(Number(d.data.asks[0][0])).toBeLessThan(Number(d.data.asks[4][0])); // swap asks lowest first
    const k = (await (await fetch(`${sim.restUrl}/openApi/swap/v3/quote/klines?symbol=BTC-USDT&interval=1h&limit=2`)).json()) as any;
    expect(Object.keys(k.data[0])).toEqual(['open', 'close', 'high', 'low', 'volume', 'time']);
  });

  it('pings with the text Ping (gzipped) and keeps a socket that answers Pong', async () => {
    sim = await startSim({ venue: 'bingx-swap', symbols: ['BTC/USDT:USDT'], seed: 9, diffIntervalMs: 50 });
    const c = await connect(sim);
    c.ws.on('message', (d: Buffer, binary) => {
      if (binary && gunzipSync(d).toString() === 'Ping') c.ws.send('Pong');
    });
    await until(() => c.frames.includes('Ping'), 7000);
    expect(c.closed).toBeUndefined();
  }, 10_000);
});
