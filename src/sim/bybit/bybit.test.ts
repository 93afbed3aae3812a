// Bybit v5 modes seen from a plain ws client: acks and errors as the recorded frames show them, the
// u chain (+1 per message, empty deltas included) with the book equal to the truth at every u,
// depth 1 with its same-u re-push, the gap (u skips), corrupt (seq goes back) and slow / stale
// snapshot faults, tickers, and the REST routes ccxt and our venue code call.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/fixtures.js';
import { until } from '../../../test/wait.js';
import { startSim, type SimHandle } from '../index.js';
import { ClientPool, type TestClient } from '../test-client.js';
import { liquidationAt } from './periodic.js';

const vectors = JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors', 'bybit-v5.json'), 'utf8')).vectors as any[];

type Lv = [string, string];

/** A book keyed by wire strings, best first on demand. */
class Book {
  bids = new Map<string, string>();
  asks = new Map<string, string>();
  apply(d: { b: string[][]; a: string[][] }, snapshot: boolean): void {
    if (snapshot) {
      this.bids.clear();
      this.asks.clear();
    }
    for (const [p, q] of d.b) Number(q) === 0 ? this.bids.delete(p) : this.bids.set(p, q);
    for (const [p, q] of d.a) Number(q) === 0 ? this.asks.delete(p) : this.asks.set(p, q);
  }
  top(side: 'bids' | 'asks', n: number): Lv[] {
    const dir = side === 'bids' ? 1 : -1;
    return [...this[side]].sort((a, b) => (Number(b[0]) - Number(a[0])) * dir).slice(0, n);
  }
}

let sim: SimHandle | undefined;
const pool = new ClientPool();
afterEach(() => pool.close(sim));
const connect = (s: SimHandle): Promise<TestClient> => pool.connect(s.wsUrl);

interface Run { checked: number; empty: number; uBreaks: number[]; seqBacks: number[]; wrong: number[]; levels: number }

/** Follows one book topic: u chain, seq, and the book against the truth at each u. */
async function follow(s: SimHandle, c: TestClient, topic: string, sym: string, messages: number, stopOnFault = false): Promise<Run> {
  const book = new Book();
  const run: Run = { checked: 0, empty: 0, uBreaks: [], seqBacks: [], wrong: [], levels: 0 };
  let lastU: number | undefined;
  let lastSeq = -1;
  let seen = 0;
  let i = 0;
  while (seen < messages) {
    await until(() => c.texts.length > i);
    for (; i < c.texts.length && seen < messages; i++) {
      const m = JSON.parse(c.texts[i]);
      if (m.topic !== topic) continue;
      seen++;
      const d = m.data;
      const snapshot = m.type === 'snapshot';
      if (!snapshot && lastU !== undefined && d.u !== lastU + 1) run.uBreaks.push(d.u);
      if (!snapshot && d.seq < lastSeq) run.seqBacks.push(d.u);
      if (!snapshot && d.b.length + d.a.length === 0) run.empty++;
      if ((run.uBreaks.length > 0 || run.seqBacks.length > 0) && stopOnFault) return run;
      lastU = d.u;
      lastSeq = Math.max(lastSeq, d.seq);
      book.apply(d, snapshot);
      run.levels = Math.max(run.levels, book.bids.size);
      const truth = s.truth.topAt(sym, d.u);
      expect(truth, `truth at ${d.u}`).toBeDefined();
      const mine = { bids: book.top('bids', 50), asks: book.top('asks', 50) };
      if (JSON.stringify(mine) !== JSON.stringify(truth)) {
        run.wrong.push(d.u);
        if (stopOnFault) return run;
      } else {
        run.checked++;
      }
    }
  }
  return run;
}

describe('bybit v5 websocket', () => {
  it('spot books: ack, snapshot, +1 u chain (empty deltas too), increasing seq, truth at every u, two depths', async () => {
    sim = await startSim({ venue: 'bybit', symbols: ['BTC/USDT', 'ETHUSDT'], seed: 5, diffIntervalMs: 5 });
    expect(sim.venueSymbols).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(sim.wsUrl).toMatch(/\/v5\/public\/spot$/);
    const c = await connect(sim);
    c.send({ req_id: '1', op: 'subscribe', args: ['orderbook.50.BTCUSDT', 'orderbook.200.ETHUSDT'] });
    const ack = await until(() => c.msgs().find((m) => m.op === 'subscribe'));
    expect(Object.keys(ack)).toEqual(['success', 'ret_msg', 'conn_id', 'req_id', 'op']);
    expect(ack).toMatchObject({ success: true, ret_msg: 'subscribe', req_id: '1' });
    const run = await follow(sim, c, 'orderbook.50.BTCUSDT', 'BTCUSDT', 150);
    expect(run).toMatchObject({ uBreaks: [], seqBacks: [], wrong: [], levels: 50 });
    const eth = await follow(sim, c, 'orderbook.200.ETHUSDT', 'ETHUSDT', 80);
    expect(eth).toMatchObject({ uBreaks: [], seqBacks: [], wrong: [], levels: 200 });
    // spot frames put "ts" before "type", as recorded
    expect(c.texts.find((t) => t.includes('"orderbook.50.BTCUSDT"'))).toMatch(/^\{"topic":"orderbook\.50\.BTCUSDT","ts":\d+,"type":"snapshot","data":\{"s":"BTCUSDT","b":\[\["/);
  });

  it('linear: ack with ret_msg "", pong, "type" before "ts", trades with UUID ids', async () => {
    sim = await startSim({ venue: 'bybit-linear', symbols: ['BTC/USDT:USDT'], seed: 2, diffIntervalMs: 5 });
    expect(sim.wsUrl).toMatch(/\/v5\/public\/linear$/);
    const c = await connect(sim);
    c.send({ op: 'subscribe', args: ['orderbook.1000.BTCUSDT', 'publicTrade.BTCUSDT'] });
    c.send({ op: 'ping' });
    expect(await until(() => c.msgs().find((m) => m.op === 'subscribe'))).toMatchObject({ success: true, ret_msg: '', req_id: '' });
    expect(await until(() => c.msgs().find((m) => m.op === 'ping'))).toMatchObject({ success: true, ret_msg: 'pong' });
    const run = await follow(sim, c, 'orderbook.1000.BTCUSDT', 'BTCUSDT', 60);
    expect(run).toMatchObject({ uBreaks: [], wrong: [] });
    expect(c.texts.find((t) => t.includes('"orderbook.1000.BTCUSDT","type":"delta"'))).toMatch(/"type":"delta","ts":\d+,"data"/);
    const trade = (await until(() => c.msgs().find((m) => m.topic === 'publicTrade.BTCUSDT'))).data[0];
    expect(Object.keys(trade)).toEqual(['T', 's', 'S', 'v', 'p', 'L', 'i', 'BT', 'RPI', 'seq']);
    expect(trade.i).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(trade.p).toMatch(/^\d+\.\d{2}$/);
  });

  it('refuses what Bybit refuses: >10 args on spot, unknown topics, linear-only topics on spot, repeats', async () => {
    sim = await startSim({ venue: 'bybit', symbols: ['BTCUSDT'], seed: 1, diffIntervalMs: 5 });
    const c = await connect(sim);
    c.send({ op: 'subscribe', args: Array.from({ length: 11 }, () => 'publicTrade.BTCUSDT') });
    c.send({ op: 'subscribe', args: ['orderbook.500.BTCUSDT'] });
    c.send({ op: 'subscribe', args: ['allLiquidation.BTCUSDT'] });
    c.send({ op: 'subscribe', args: ['orderbook.50.BTCUSDT'] });
    c.send({ op: 'subscribe', args: ['orderbook.50.BTCUSDT'] });
    const answers = await until(() => { const a = c.msgs().filter((m) => m.op === 'subscribe'); return a.length === 5 && a; });
    expect(answers.map((a: any) => [a.success, a.ret_msg])).toEqual([
      [false, 'error:args size >10'], [false, 'error:handler not found,topic:orderbook.500.BTCUSDT'],
      [false, 'error:handler not found,topic:allLiquidation.BTCUSDT'], [true, 'subscribe'], [false, 'error:already subscribed,topic:orderbook.50.BTCUSDT'],
    ]);
  });

  it('depth 1: snapshot-only tops equal to the truth at their u, and the same u re-pushed after 3 s unchanged', async () => {
    sim = await startSim({ venue: 'bybit', symbols: ['BTCUSDT'], seed: 3, diffIntervalMs: 6000 });
    const c = await connect(sim);
    c.send({ op: 'subscribe', args: ['orderbook.1.BTCUSDT'] });
    const tops = (): any[] => c.msgs().filter((m) => m.topic === 'orderbook.1.BTCUSDT');
    await until(() => tops().length >= 2, 5000);
    const [first, second] = tops();
    expect(first.type).toBe('snapshot');
    expect(second.data.u).toBe(first.data.u);
    expect(second.ts - first.ts).toBeGreaterThanOrEqual(3000);
    const truth = sim.truth.topAt('BTCUSDT', first.data.u)!;
    expect([first.data.b[0], first.data.a[0]]).toEqual([truth.bids[0], truth.asks[0]]);
  }, 10_000);

  it('gap: exactly one skipped u right after the dropped message', async () => {
    sim = await startSim({ venue: 'bybit-linear', symbols: ['BTCUSDT'], seed: 9, diffIntervalMs: 5 });
    const c = await connect(sim);
    c.send({ op: 'subscribe', args: ['orderbook.50.BTCUSDT'] });
    await follow(sim, c, 'orderbook.50.BTCUSDT', 'BTCUSDT', 20);
    sim.inject('gap');
    await until(() => sim!.injected.gaps.length === 1);
    const run = await follow(sim, c, 'orderbook.50.BTCUSDT', 'BTCUSDT', 10_000, true);
    expect(run.uBreaks).toEqual([sim.injected.gaps[0].skippedTo + 1]);
  });

  it('corrupt: the u chain holds, the seq goes back at that u, and that message alone makes the book wrong', async () => {
    sim = await startSim({ venue: 'bybit', symbols: ['BTCUSDT'], seed: 4, diffIntervalMs: 5 });
    const c = await connect(sim);
    c.send({ op: 'subscribe', args: ['orderbook.50.BTCUSDT'] });
    await follow(sim, c, 'orderbook.50.BTCUSDT', 'BTCUSDT', 20);
    sim.inject('corrupt');
    await until(() => sim!.injected.corruptions.length === 1);
    const run = await follow(sim, c, 'orderbook.50.BTCUSDT', 'BTCUSDT', 10_000, true);
    const hit = sim.injected.corruptions[0];
    expect(run.uBreaks).toEqual([]);
    expect(run.seqBacks).toEqual([hit.key]);
    const m = c.msgs().find((x) => x.topic === 'orderbook.50.BTCUSDT' && x.data.u === hit.key);
    expect([...m.data.b, ...m.data.a]).toContainEqual([hit.price, hit.sentQty]);
  });

  it('slowsnapshot holds a subscription\'s snapshot (and its deltas) back; stalesnapshot sends an old one', async () => {
    sim = await startSim({ venue: 'bybit', symbols: ['BTCUSDT'], seed: 6, diffIntervalMs: 5, slowSnapshotMs: 600 });
    await new Promise((r) => setTimeout(r, 1200)); // an old book to serve
    const slow = await connect(sim);
    sim.inject('slowsnapshot');
    const t0 = Date.now();
    slow.send({ op: 'subscribe', args: ['orderbook.50.BTCUSDT'] });
    const snap = await until(() => slow.msgs().find((m) => m.topic === 'orderbook.50.BTCUSDT'), 3000);
    expect(snap.type).toBe('snapshot');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550);
    expect(await follow(sim, slow, 'orderbook.50.BTCUSDT', 'BTCUSDT', 30)).toMatchObject({ uBreaks: [], wrong: [] });
    const stale = await connect(sim);
    sim.inject('stalesnapshot');
    stale.send({ op: 'subscribe', args: ['orderbook.50.BTCUSDT'] });
    const run = await follow(sim, stale, 'orderbook.50.BTCUSDT', 'BTCUSDT', 10_000, true);
    expect(run.uBreaks.length).toBe(1); // the old book's u, then today's deltas: a jump the client must see
    expect(run.wrong).toEqual([]); // the old book itself is the truth at its own u
  });

  it('tickers: spot snapshots of 24 h figures; linear a snapshot with funding and OI, then deltas', async () => {
    sim = await startSim({ venue: 'bybit-linear', symbols: ['BTCUSDT'], seed: 1, diffIntervalMs: 5 });
    const c = await connect(sim);
    c.send({ op: 'subscribe', args: ['tickers.BTCUSDT', 'allLiquidation.BTCUSDT'] });
    const snap = await until(() => c.msgs().find((m) => m.topic === 'tickers.BTCUSDT'));
    expect(snap.type).toBe('snapshot');
    expect(Object.keys(snap.data)).toEqual(expect.arrayContaining(['symbol', 'lastPrice', 'markPrice', 'indexPrice', 'fundingRate', 'nextFundingTime', 'openInterest', 'bid1Price', 'ask1Size']));
    const delta = await until(() => c.msgs().find((m) => m.topic === 'tickers.BTCUSDT' && m.type === 'delta'), 3000);
    expect(Object.keys(delta.data).length).toBeLessThan(Object.keys(snap.data).length);
    expect(delta.data.symbol).toBe('BTCUSDT');
    const spot = await startSim({ venue: 'bybit', symbols: ['BTCUSDT'], seed: 1, diffIntervalMs: 5 });
    try {
      const s = await pool.connect(spot.wsUrl);
      s.send({ op: 'subscribe', args: ['tickers.BTCUSDT'] });
      const t = await until(() => s.msgs().find((m) => m.topic === 'tickers.BTCUSDT'));
      expect(Object.keys(t)).toEqual(['topic', 'ts', 'type', 'cs', 'data']);
      expect(Object.keys(t.data)).toEqual(['symbol', 'lastPrice', 'prevPrice24h', 'highPrice24h', 'lowPrice24h', 'volume24h', 'turnover24h', 'price24hPcnt', 'usdIndexPrice']);
    } finally {
      await spot.stop();
    }
  });

  it('liquidations: about one second in four, at the touch, the position side as Bybit writes it', () => {
    const state = { inst: { venueSymbol: 'BTCUSDT', minLots: 1, maxLots: 5000 }, fmt: { price: (t: number) => String(t), qty: (l: number) => String(l) },
      market: { bids: { bestTicks: () => 100 }, asks: { bestTicks: () => 101 } } } as never;
    const hits = Array.from({ length: 400 }, (_, i) => liquidationAt(state, 1_700_000_000_000 + i * 1000)).filter((l) => l !== undefined);
    expect(hits.length).toBeGreaterThan(60);
    expect(hits.length).toBeLessThan(140);
    for (const l of hits) expect(l).toEqual(l!.side === 'Buy' ? { side: 'Buy', price: '100', size: expect.any(String) } : { side: 'Sell', price: '101', size: expect.any(String) });
  });

  it('shutdown closes the socket as a restart does (1001)', async () => {
    sim = await startSim({ venue: 'bybit', symbols: ['BTCUSDT'], seed: 1, diffIntervalMs: 5 });
    const c = await connect(sim);
    const closed = new Promise<number>((r) => c.ws.once('close', (code) => r(code)));
    sim.inject('shutdown');
    expect(await closed).toBe(1001);
  });
});

describe('bybit v5 REST', () => {
  it('instruments-info as ccxt reads it; orderbook at a truth u; stale and 403 faults; time', async () => {
    sim = await startSim({ venue: 'bybit-linear', symbols: ['BTC/USDT:USDT'], seed: 1, diffIntervalMs: 5 });
    const get = async (path: string): Promise<any> => (await fetch(`${sim!.restUrl}${path}`)).json();
    const linear = await get('/v5/market/instruments-info?category=linear&limit=1000');
    expect(linear).toMatchObject({ retCode: 0, result: { category: 'linear', nextPageCursor: '' } });
    expect(linear.result.list).toEqual([expect.objectContaining({
      symbol: 'BTCUSDT', contractType: 'LinearPerpetual', status: 'Trading', settleCoin: 'USDT', priceScale: '2',
      priceFilter: expect.objectContaining({ tickSize: '0.10' }), lotSizeFilter: expect.objectContaining({ qtyStep: '0.001' }),
    })]);
    expect((await get('/v5/market/instruments-info?category=linear&status=PreLaunch')).result.list).toEqual([]);
    expect((await get('/v5/market/instruments-info?category=spot')).result.list).toEqual([]);
    await until(() => sim!.truth.lastUpdateId('BTCUSDT') > sim!.truth.firstUpdateId('BTCUSDT') + 5);
    const doc = JSON.parse(vectors.find((v) => v.id === 'bybit-doc-rest-payloads').input.orderbook);
    const book = await get('/v5/market/orderbook?category=linear&symbol=BTCUSDT&limit=50');
    expect(Object.keys(book.result).sort()).toEqual(Object.keys(doc.result).sort());
    expect({ bids: book.result.b, asks: book.result.a }).toEqual(sim.truth.topAt('BTCUSDT', book.result.u));
    expect((await get('/v5/market/orderbook?category=linear&symbol=BTCUSDT')).result.b).toHaveLength(25);
    await new Promise((r) => setTimeout(r, 1100));
    sim.inject('stalesnapshot');
    expect((await get('/v5/market/orderbook?category=linear&symbol=BTCUSDT&limit=5')).result.u).toBeLessThan(book.result.u);
    sim.inject('ratelimit');
    const limited = await fetch(`${sim.restUrl}/v5/market/orderbook?category=linear&symbol=BTCUSDT`);
    expect([limited.status, await limited.text()]).toEqual([403, 'access too frequent']);
    expect(await get('/v5/market/orderbook?category=spot&symbol=BTCUSDT')).toMatchObject({ retCode: 10001 });
    const t = await get('/v5/market/time');
    expect(Math.abs(Number(t.result.timeSecond) * 1000 - Date.now())).toBeLessThan(5000);
  });

  it('kline: the doc\'s row shape, newest first, the oldest `limit` from the bar holding start; a maintenance hole', async () => {
    sim = await startSim({ venue: 'bybit', symbols: ['BTC/USDT'], seed: 3, diffIntervalMs: 5 });
    const doc = vectors.find((v) => v.id === 'bybit-doc-rest-payloads');
    const day = Math.floor(Date.now() / 86_400_000) * 86_400_000 - 3 * 86_400_000;
    const get = async (q: string): Promise<string[][]> => ((await (await fetch(`${sim!.restUrl}/v5/market/kline?category=spot&symbol=BTCUSDT&${q}`)).json()) as any).result.list;
    const rows = await get(`interval=1&start=${day + 30_000}&end=${day + 86_400_000}&limit=1000`);
    expect(rows[0]).toHaveLength(doc.input.klineRow.length);
    for (const v of rows[0]) expect(typeof v).toBe('string');
    const opens = rows.map((r) => Number(r[0]));
    expect(opens[opens.length - 1]).toBe(day); // the bar holding a mid-bar start
    expect(opens.every((o, i) => i === 0 || o < opens[i - 1])).toBe(true);
    // 1000 minutes from the start, fewer rows where maintenance halted trading (no bar, a hole)
    expect(opens[0]).toBeLessThan(day + 1000 * 60_000 + 4 * 60 * 60_000);
    const holes = opens.slice(1).filter((o, i) => opens[i] - o > 60_000).length;
    expect(holes).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(1000);
    expect(await get('interval=1')).toHaveLength(200);
    expect(((await (await fetch(`${sim.restUrl}/v5/market/kline?category=spot&symbol=BTCUSDT&interval=7`)).json()) as any).retCode).toBe(10001);
  });

  it('recent-trade: the newest trades, the doc\'s keys, spot capped at 60', async () => {
    sim = await startSim({ venue: 'bybit', symbols: ['BTC/USDT'], seed: 3, diffIntervalMs: 2 });
    const doc = vectors.find((v) => v.id === 'bybit-doc-rest-payloads').input.recentTrade;
    const c = await connect(sim);
    c.send({ op: 'subscribe', args: ['publicTrade.BTCUSDT'] });
    await until(() => c.msgs().filter((m) => m.topic === 'publicTrade.BTCUSDT').length > 30, 8000);
    const r = (await (await fetch(`${sim.restUrl}/v5/market/recent-trade?category=spot&symbol=BTCUSDT&limit=1000`)).json()) as any;
    const list = r.result.list as any[];
    expect(list.length).toBeGreaterThan(0);
    expect(list.length).toBeLessThanOrEqual(60);
    expect(Object.keys(list[0])).toEqual(Object.keys(doc));
    expect(Number(list[0].time)).toBeGreaterThanOrEqual(Number(list[list.length - 1].time));
    // the same id, price, size and seq went out on the websocket
    const ws = c.msgs().filter((m) => m.topic === 'publicTrade.BTCUSDT').flatMap((m) => m.data);
    const byId = new Map(ws.map((t: any) => [t.i, t]));
    const matched = list.filter((row) => byId.has(row.execId));
    expect(matched.length).toBeGreaterThan(0);
    for (const row of matched) {
      const t = byId.get(row.execId);
      expect([t.p, t.v, t.S, String(t.T), String(t.seq)]).toEqual([row.price, row.size, row.side, row.time, row.seq]);
    }
    expect(list[0].execId).toMatch(/^229\d{16}$/);
  });
});
