// The MEXC modes seen from a plain ws client. Spot binary pushes are read with a schema-free
// protobuf walk (field number → values), so these tests share nothing with the venue decoder:
// the version chain, the book against truth at every toVersion, the gap fault, deals, book ticker,
// the control replies and limits; futures merged pushes, pings and tickers; REST and history routes.
import protobuf from 'protobufjs/minimal.js';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../../test/wait.js';
import { startSim, type SimHandle } from '../index.js';

/** Length-delimited fields as raw bytes, varints as numbers, by field number. */
type Fields = Map<number, (Uint8Array | number)[]>;

function fields(buf: Uint8Array): Fields {
  const r = protobuf.Reader.create(buf);
  const out: Fields = new Map();
  while (r.pos < r.len) {
    const tag = r.uint32();
    const v = (tag & 7) === 2 ? r.bytes() : Number(r.uint64().toString());
    const list = out.get(tag >>> 3) ?? [];
    list.push(v);
    out.set(tag >>> 3, list);
  }
  return out;
}
const text = (v: Uint8Array | number | undefined): string => Buffer.from(v as Uint8Array).toString('utf8');
const strs = (f: Fields, n: number): string[] => (f.get(n) ?? []).map(text);

interface Push { channel: string; body: number; msg: Fields }
function push(buf: Buffer): Push {
  const w = fields(buf);
  const body = [313, 314, 315, 303].find((n) => w.has(n))!;
  return { channel: strs(w, 1)[0], body, msg: fields(w.get(body)![0] as Uint8Array) };
}

/** A book of wire strings; quantities absolute, zero deletes. */
class Book {
  bids = new Map<string, string>();
  asks = new Map<string, string>();
  load(bids: string[][], asks: string[][]): void {
    this.bids = new Map(bids.map(([p, q]) => [p, q]));
    this.asks = new Map(asks.map(([p, q]) => [p, q]));
  }
  set(side: 'bids' | 'asks', p: string, q: string): void {
    if (Number(q) === 0) this[side].delete(p);
    else this[side].set(p, q);
  }
  top(side: 'bids' | 'asks', n: number): string[][] {
    const dir = side === 'bids' ? -1 : 1;
    return [...this[side]].sort((a, b) => (Number(a[0]) - Number(b[0])) * dir).slice(0, n);
  }
}

class Client {
  readonly texts: string[] = [];
  readonly binary: Buffer[] = [];
  readonly ws: WebSocket;
  closed: number | undefined;
  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (d: Buffer, isBinary) => (isBinary ? this.binary.push(d) : this.texts.push(d.toString())));
    this.ws.on('close', (code) => (this.closed = code));
    this.ws.on('error', () => {});
  }
  send(o: unknown): void {
    this.ws.send(typeof o === 'string' ? o : JSON.stringify(o));
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
  await new Promise((r) => c.ws.once('open', r));
  return c;
}
const get = async (s: SimHandle, path: string): Promise<{ status: number; body: any; text: string }> => {
  const res = await fetch(s.restUrl + path);
  const t = await res.text();
  return { status: res.status, body: JSON.parse(t), text: t };
};

const DEPTH = 'spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT';

/** Contract levels as the wire prints them (`[60000.0,12,3]`): JSON.parse would make 60000.0 into 60000. */
function levelsOf(text: string, side: 'bids' | 'asks'): string[][] {
  const list = new RegExp(`"${side}":(\\[\\]|\\[\\[.*?\\]\\])`).exec(text)![1];
  return [...list.matchAll(/\[([\d.]+),(\d+),\d+\]/g)].map((m) => [m[1], m[2]]);
}

describe('mexc spot mode', () => {
  it('acks subscriptions as JSON, refuses unknown topics and a 31st, answers PING', async () => {
    sim = await startSim({ venue: 'mexc', symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'XRP/USDT', 'ADA/USDT'], seed: 1, diffIntervalMs: 20, levels: 100 });
    expect(sim.wsUrl).toMatch(/\/ws$/);
    const c = await connect(sim);
    c.send({ method: 'SUBSCRIPTION', params: [DEPTH, 'spot@public.aggre.deals.v3.api.pb@10ms@BTCUSDT', 'spot@public.bogus@BTCUSDT', 'spot@public.aggre.depth.v3.api.pb@100ms@DOGEUSDT'] });
    c.send({ method: 'PING' });
    await until(() => c.texts.length >= 4);
    expect(c.texts.map((t) => JSON.parse(t).msg)).toEqual([
      'Not Subscribed successfully! [spot@public.bogus@BTCUSDT].  Reason： Blocked! ',
      'Not Subscribed successfully! [spot@public.aggre.depth.v3.api.pb@100ms@DOGEUSDT].  Reason： Blocked! ',
      `${DEPTH},spot@public.aggre.deals.v3.api.pb@10ms@BTCUSDT`,
      'PONG',
    ]);
    await until(() => c.binary.length > 0);
    // 9 topics a symbol (3 aggregated streams × 2 intervals, 3 partial depths): 30 new ones on top of the 2
    const topics = ['ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'ADAUSDT'].flatMap((sym) => [
      ...['depth', 'deals', 'bookTicker'].flatMap((k) => ['100ms', '10ms'].map((i) => `spot@public.aggre.${k}.v3.api.pb@${i}@${sym}`)),
      ...[5, 10, 20].map((n) => `spot@public.limit.depth.v3.api.pb@${sym}@${n}`),
    ]).slice(0, 30);
    c.texts.length = 0;
    c.send({ method: 'SUBSCRIPTION', params: topics });
    await until(() => c.texts.length >= 3);
    const replies = c.texts.map((t) => JSON.parse(t).msg as string);
    expect(replies.slice(0, 2)).toEqual(topics.slice(28).map((t) => `Not Subscribed successfully! [${t}].  Reason： Blocked! `));
    expect(replies[2].split(',')).toEqual(topics.slice(0, 28));
  });

  it('chains fromVersion = previous toVersion + 1; REST snapshot + pushes equal the truth at every toVersion; a gap skips versions', async () => {
    sim = await startSim({ venue: 'mexc', symbols: ['BTCUSDT'], seed: 2, diffIntervalMs: 10, levels: 200 });
    const c = await connect(sim);
    c.send({ method: 'SUBSCRIPTION', params: [DEPTH] });
    await until(() => c.binary.length >= 3);
    const snap = (await get(sim, '/api/v3/depth?symbol=BTCUSDT&limit=5000')).body;
    expect(snap.bids.length).toBeGreaterThan(100);
    await until(() => c.binary.length >= 60);
    sim.inject('gap', { venueSymbol: 'BTCUSDT' });
    await until(() => sim!.injected.gaps.length === 1 && c.binary.length >= 90);
    const book = new Book();
    book.load(snap.bids, snap.asks);
    let last = -1;
    let checked = 0;
    const breaks: number[][] = [];
    for (const b of c.binary) {
      const p = push(b);
      expect(p.channel).toBe(DEPTH);
      expect(p.body).toBe(313);
      expect(strs(p.msg, 3)[0]).toBe('spot@public.aggre.depth.v3.api.pb@100ms');
      const from = Number(strs(p.msg, 4)[0]);
      const to = Number(strs(p.msg, 5)[0]);
      if (last >= 0 && from !== last + 1) breaks.push([last + 1, from - 1]);
      last = to;
      if (to <= snap.lastUpdateId) continue;
      if (breaks.length > 0) continue; // past the gap the book is unknown
      if (checked === 0) expect(from, 'the first push after the snapshot holds lastUpdateId+1').toBeLessThanOrEqual(snap.lastUpdateId + 1);
      for (const [n, side] of [[1, 'asks'], [2, 'bids']] as const) {
        for (const l of p.msg.get(n) ?? []) {
          const lv = fields(l as Uint8Array);
          book.set(side, strs(lv, 1)[0], strs(lv, 2)[0]);
        }
      }
      const truth = sim.truth.topAt('BTCUSDT', to)!;
      expect(book.top('bids', 50)).toEqual(truth.bids);
      expect(book.top('asks', 50)).toEqual(truth.asks);
      checked++;
    }
    expect(checked).toBeGreaterThan(30);
    const g = sim.injected.gaps[0];
    expect(breaks).toEqual([[g.skippedFrom, g.skippedTo]]);
  });

  it('deals carry tradeType (taker side), time and an increasing tradeId; the book ticker names the book version', async () => {
    sim = await startSim({ venue: 'mexc', symbols: ['BTC/USDT'], seed: 3, diffIntervalMs: 10 });
    const c = await connect(sim);
    c.send({ method: 'SUBSCRIPTION', params: ['spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT', 'spot@public.aggre.bookTicker.v3.api.pb@100ms@BTCUSDT'] });
    await until(() => c.binary.map(push).filter((p) => p.body === 314).length >= 5 && c.binary.map(push).filter((p) => p.body === 315).length >= 5, 8000);
    let lastId = -1;
    for (const p of c.binary.map(push)) {
      if (p.body === 314) {
        for (const d of p.msg.get(1)!) {
          const f = fields(d as Uint8Array);
          expect([1, 2]).toContain(f.get(3)![0]);
          expect(f.get(4)![0]).toBeGreaterThan(1.7e12);
          const id = Number(strs(f, 5)[0]);
          expect(id).toBeGreaterThan(lastId);
          lastId = id;
          expect(strs(f, 2)[0]).toMatch(/^\d+\.\d{8}$/);
        }
      } else {
        expect(p.body).toBe(315);
        const t = sim.truth.topAt('BTCUSDT', Number(strs(p.msg, 5)[0]))!;
        expect([strs(p.msg, 1)[0], strs(p.msg, 2)[0], strs(p.msg, 3)[0], strs(p.msg, 4)[0]]).toEqual([...t.bids[0], ...t.asks[0]]);
      }
    }
  });

  it('sends malformed binary pushes and a text that is not JSON on the malformed fault', async () => {
    sim = await startSim({ venue: 'mexc', symbols: ['BTC/USDT'], seed: 4, diffIntervalMs: 50 });
    const c = await connect(sim);
    c.send({ method: 'SUBSCRIPTION', params: [DEPTH] });
    await until(() => c.texts.length === 1);
    for (let i = 0; i < 4; i++) sim.inject('malformed');
    await until(() => c.texts.length === 5);
    expect(c.texts.slice(1).every((t) => t.includes('502 Bad Gateway'))).toBe(true);
    expect(sim.injected.malformed).toBe(4);
    expect(() => sim!.inject('corrupt')).toThrow(/not supported by the mexc mode/);
  });
});

describe('mexc-futures mode', () => {
  it('merged push.depth chains begin = previous end + 1 (version = end); REST depth + pushes equal the truth', async () => {
    sim = await startSim({ venue: 'mexc-futures', symbols: ['BTC/USDT:USDT'], seed: 5, diffIntervalMs: 10, levels: 200 });
    expect(sim.venueSymbols).toEqual(['BTC_USDT']);
    const c = await connect(sim);
    c.send({ method: 'sub.depth', param: { symbol: 'BTC_USDT', compress: true } });
    c.send({ method: 'sub.depth', param: { symbol: 'ETH_USDT' } });
    c.send({ method: 'ping' });
    await until(() => c.texts.length >= 5);
    const rest = await get(sim, '/api/v1/contract/depth/BTC_USDT');
    const snap = rest.body;
    expect(snap.success).toBe(true);
    await until(() => c.texts.length >= 60);
    const msgs = c.texts.map((t) => JSON.parse(t));
    expect(msgs.slice(0, 3).map((m) => m.channel)).toEqual(['rs.sub.depth', 'rs.error', 'pong']);
    const book = new Book();
    book.load(levelsOf(rest.text, 'bids'), levelsOf(rest.text, 'asks'));
    let last = -1;
    let checked = 0;
    for (const t of c.texts.filter((x) => x.startsWith('{"channel":"push.depth"'))) {
      const m = JSON.parse(t);
      const d = m.data;
      const begin = d.begin ?? d.version;
      const end = d.end ?? d.version;
      expect(end).toBe(d.version);
      if (last >= 0) expect(begin).toBe(last + 1);
      last = end;
      if (end <= snap.data.version) continue;
      for (const side of ['bids', 'asks'] as const) for (const [p, q] of levelsOf(t, side)) book.set(side, p, q);
      const truth = sim.truth.topAt('BTC_USDT', end)!;
      expect(book.top('bids', 50)).toEqual(truth.bids);
      expect(book.top('asks', 50)).toEqual(truth.asks);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('deals as an array, the top-N book, a ticker a second', async () => {
    sim = await startSim({ venue: 'mexc-futures', symbols: ['BTC_USDT'], seed: 6, diffIntervalMs: 10 });
    const c = await connect(sim);
    for (const method of ['sub.deal', 'sub.ticker']) c.send({ method, param: { symbol: 'BTC_USDT' } });
    c.send({ method: 'sub.depth.full', param: { symbol: 'BTC_USDT', limit: 5 } });
    await until(() => ['push.deal', 'push.ticker', 'push.depth.full'].every((ch) => c.texts.some((t) => t.includes(`"channel":"${ch}"`))), 5000);
    const deal = JSON.parse(c.texts.find((t) => t.includes('"push.deal"'))!);
    expect(Array.isArray(deal.data)).toBe(true);
    expect(Object.keys(deal.data[0])).toEqual(['p', 'v', 'T', 'O', 'M', 't']);
    expect(Number.isInteger(deal.data[0].v)).toBe(true);
    const fullText = c.texts.find((t) => t.includes('"push.depth.full"'))!;
    const full = JSON.parse(fullText);
    expect(full.data.bids).toHaveLength(5);
    expect(sim.truth.topAt('BTC_USDT', full.data.version)!.bids.slice(0, 5)).toEqual(levelsOf(fullText, 'bids'));
    const ticker = JSON.parse(c.texts.find((t) => t.includes('"push.ticker"'))!).data;
    expect(ticker).toMatchObject({ symbol: 'BTC_USDT', contractId: 1 });
    for (const k of ['fairPrice', 'indexPrice', 'fundingRate', 'holdVol', 'lastPrice']) expect(typeof ticker[k], k).toBe('number');
  });
});

describe('mexc REST and history routes', () => {
  it('lists spot symbols in exchangeInfo and contracts in contract/detail, each mode only its own', async () => {
    sim = await startSim({ venue: 'mexc', symbols: ['BTC/USDT', 'ETH/USDT'], seed: 7 });
    const info = (await get(sim, '/api/v3/exchangeInfo')).body;
    expect(info.symbols.map((s: { symbol: string; status: string }) => `${s.symbol}:${s.status}`)).toEqual(['BTCUSDT:1', 'ETHUSDT:1']);
    expect((await get(sim, '/api/v1/contract/detail')).body).toEqual({ success: true, code: 0, data: [] });
    expect((await get(sim, '/api/v3/depth?symbol=DOGEUSDT')).status).toBe(400);
    const depth = (await get(sim, '/api/v3/depth?symbol=BTCUSDT')).body;
    expect(depth.bids).toHaveLength(100); // the default limit
    expect(depth.bids[0][0]).toMatch(/^\d+\.\d{2}$/);
    expect(depth.bids[0][1]).toMatch(/^\d+\.\d{8}$/);
  });

  it('spot klines: interval names (60m, 1W), limit ≤ 1000, startTime inclusive, endTime exclusive, rows of 8', async () => {
    sim = await startSim({ venue: 'mexc', symbols: ['BTC/USDT'], seed: 7 });
    const start = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 3 * 86_400_000;
    const page = (await get(sim, `/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${start}&endTime=${start + 3000 * 60_000}&limit=5000`)).body as unknown[][];
    expect(page).toHaveLength(1000);
    expect(page[0][0]).toBe(start);
    expect(page[0]).toHaveLength(8);
    expect(page[0][6]).toBe(start + 60_000);
    const end = (await get(sim, `/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${start}&endTime=${start + 10 * 60_000}`)).body as unknown[][];
    expect(end.every((r) => (r[0] as number) < start + 10 * 60_000)).toBe(true);
    expect((await get(sim, `/api/v3/klines?symbol=BTCUSDT&interval=60m&startTime=${start}&limit=3`)).body.map((r: number[]) => r[0])).toEqual([start, start + 3_600_000, start + 7_200_000]);
    expect((await get(sim, '/api/v3/klines?symbol=BTCUSDT&interval=1h')).status).toBe(400);
  });

  it('spot aggTrades and trades carry no id; contract kline is parallel arrays in seconds; deals newest first', async () => {
    sim = await startSim({ venue: 'mexc-futures', symbols: ['BTC/USDT:USDT'], seed: 8, diffIntervalMs: 5 });
    await new Promise((r) => setTimeout(r, 400));
    const deals = (await get(sim, '/api/v1/contract/deals/BTC_USDT?limit=500')).body.data as { t: number }[];
    expect(deals.length).toBeGreaterThan(0);
    expect(deals.length).toBeLessThanOrEqual(100);
    for (let i = 1; i < deals.length; i++) expect(deals[i - 1].t).toBeGreaterThanOrEqual(deals[i].t);
    const start = Math.floor(Date.now() / 60_000) * 60_000 - 120 * 60_000;
    const k = (await get(sim, `/api/v1/contract/kline/BTC_USDT?interval=Min1&start=${start / 1000}&end=${(start + 59 * 60_000) / 1000}`));
    expect(Object.keys(k.body.data)).toEqual(['time', 'open', 'close', 'high', 'low', 'vol', 'amount']);
    expect(k.body.data.time[0]).toBe(start / 1000);
    expect(k.body.data.time.at(-1)).toBeLessThanOrEqual((start + 59 * 60_000) / 1000);
    expect((await get(sim, '/api/v1/contract/kline/XRP_USDT')).body).toMatchObject({ success: false, code: 1001 });
    expect((await get(sim, '/api/v3/exchangeInfo')).body.symbols).toEqual([]);
    const spot = await startSim({ venue: 'mexc', symbols: ['BTC/USDT'], seed: 8, diffIntervalMs: 5 });
    try {
      await new Promise((r) => setTimeout(r, 400));
      const now = Date.now();
      const agg = (await get(spot, `/api/v3/aggTrades?symbol=BTCUSDT&startTime=${now - 60_000}&endTime=${now}&limit=5`)).body;
      expect(agg).toHaveLength(5);
      expect(agg[0]).toMatchObject({ a: null, f: null, l: null, M: true });
      const recent = (await get(spot, '/api/v3/trades?symbol=BTCUSDT&limit=3')).body;
      expect(recent).toHaveLength(3);
      expect(recent[0].id).toBeNull();
    } finally {
      await spot.stop();
    }
  });
});
