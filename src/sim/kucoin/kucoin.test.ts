// KuCoin modes seen from a plain ws client: the bullet token and its endpoint, welcome / ping /
// subscribe acks, the spot level2 stream bridged to the REST snapshot per change (straddling
// snapshots included) and the futures +1 chain, each book equal to the truth at every sequence;
// tickers at the book's sequence; gap and stale-snapshot faults; trades and instrument pushes; REST.
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../../test/wait.js';
import { startSim, type SimHandle } from '../index.js';
import { ClientPool, type TestClient } from '../test-client.js';

let sim: SimHandle | undefined;
const pool = new ClientPool();
afterEach(() => pool.close(sim));

type Lv = [string, string];

/** A book keyed by wire strings. */
class WireBook {
  bids = new Map<string, string>();
  asks = new Map<string, string>();
  constructor(bids: unknown[][], asks: unknown[][]) {
    for (const [p, q] of bids) this.bids.set(String(p), String(q));
    for (const [p, q] of asks) this.asks.set(String(p), String(q));
  }
  set(bid: boolean, p: string, q: string): void {
    const side = bid ? this.bids : this.asks;
    if (Number(q) === 0) side.delete(p);
    else side.set(p, q);
  }
  top(n: number): { bids: Lv[]; asks: Lv[] } {
    const sort = (m: Map<string, string>, dir: number) => [...m].sort((a, b) => (Number(b[0]) - Number(a[0])) * dir).slice(0, n);
    return { bids: sort(this.bids, 1), asks: sort(this.asks, -1) };
  }
}

async function post(s: SimHandle, path: string): Promise<any> {
  return (await fetch(s.restUrl + path, { method: 'POST' })).json();
}
async function get(s: SimHandle, path: string): Promise<{ status: number; body: any; text: string }> {
  const r = await fetch(s.restUrl + path);
  const text = await r.text();
  return { status: r.status, body: JSON.parse(text), text };
}

/** bullet-public, connect to the endpoint it names, wait for the welcome. */
async function connect(s: SimHandle): Promise<TestClient> {
  const b = await post(s, '/api/v1/bullet-public');
  const server = b.data.instanceServers[0];
  const c = await pool.connect(`${server.endpoint}?token=${b.data.token}&connectId=t1`);
  await until(() => c.msgs().find((m) => m.type === 'welcome'));
  return c;
}

function subscribe(c: TestClient, id: string, topic: string): Promise<unknown> {
  c.send({ id, type: 'subscribe', topic, privateChannel: false, response: true });
  return until(() => c.msgs().find((m) => m.type === 'ack' && m.id === id));
}

interface SpotRun { checked: number; breaks: number[]; straddled: boolean; sequenceOnly: number; tickers: number; end: number }

/**
 * Follows /market/level2 from a REST snapshot: drops what the snapshot holds, applies changes past
 * it one sequence at a time, and compares the book with the truth at every sequence; tickers must
 * show the book's best bid/ask at their sequence.
 */
async function followSpot(s: SimHandle, c: TestClient, sym: string, snap: any, changes: number, stopOnBreak = false): Promise<SpotRun> {
  const S = Number(snap.sequence);
  const book = new WireBook(snap.bids, snap.asks);
  const run: SpotRun = { checked: 0, breaks: [], straddled: false, sequenceOnly: 0, tickers: 0, end: S };
  const bboAt = new Map<number, string>();
  let synced = false;
  let i = 0;
  while (run.checked < changes) {
    await until(() => c.texts.length > i);
    for (; i < c.texts.length && run.checked < changes; i++) {
      const m = JSON.parse(c.texts[i]);
      if (m.topic === `/market/ticker:${sym}` && synced) {
        const t = m.data;
        const at = bboAt.get(Number(t.sequence));
        if (at !== undefined) {
          expect(`${t.bestBid}x${t.bestBidSize}/${t.bestAsk}x${t.bestAskSize}`).toBe(at);
          run.tickers++;
        }
      }
      if (m.topic !== `/market/level2:${sym}`) continue;
      const d = m.data;
      if (!synced) {
        if (d.sequenceEnd <= S) continue;
        expect(d.sequenceStart).toBeLessThanOrEqual(S + 1);
        run.straddled = d.sequenceStart <= S;
        synced = true;
      } else if (d.sequenceStart !== run.end + 1) {
        run.breaks.push(d.sequenceStart);
        if (stopOnBreak) return run;
      }
      const all = [...d.changes.asks.map((x: string[]) => [false, ...x]), ...d.changes.bids.map((x: string[]) => [true, ...x])]
        .sort((a, b) => Number(a[3]) - Number(b[3]));
      for (const [bid, p, q, seqText] of all) {
        const seq = Number(seqText);
        expect(seq).toBeGreaterThanOrEqual(d.sequenceStart);
        expect(seq).toBeLessThanOrEqual(d.sequenceEnd);
        if (seq <= S) continue;
        if (p === '0') run.sequenceOnly++;
        else book.set(bid, p, q);
        const top = book.top(50);
        expect(top, `truth at ${seq}`).toEqual(s.truth.topAt(sym, seq));
        bboAt.set(seq, `${top.bids[0][0]}x${top.bids[0][1]}/${top.asks[0][0]}x${top.asks[0][1]}`);
        run.checked++;
      }
      run.end = d.sequenceEnd;
    }
  }
  return run;
}

describe('kucoin spot mode', () => {
  it('bullet-public names this server\'s endpoint; welcome, ping/pong, acks, errors for unknown topics', async () => {
    sim = await startSim({ venue: 'kucoin', symbols: ['BTC/USDT'], seed: 3, diffIntervalMs: 5 });
    expect(sim.venueSymbols).toEqual(['BTC-USDT']);
    const b = await post(sim, '/api/v1/bullet-public');
    expect(b).toMatchObject({ code: '200000', data: { instanceServers: [{ endpoint: sim.wsUrl, pingInterval: 18000, pingTimeout: 10000 }] } });
    expect(sim.wsUrl).toMatch(/\/endpoint$/);
    expect((await post(sim, '/api/v1/bullet-public')).data.token).not.toBe(b.data.token);
    const c = await connect(sim);
    c.send({ id: 'p1', type: 'ping' });
    expect(await until(() => c.msgs().find((m) => m.type === 'pong'))).toMatchObject({ id: 'p1' });
    await subscribe(c, '7', '/market/match:BTC-USDT');
    c.send({ id: '8', type: 'subscribe', topic: '/market/nope:BTC-USDT', response: true });
    expect(await until(() => c.msgs().find((m) => m.type === 'error'))).toMatchObject({ id: '8', code: 404 });
    const t = await until(() => c.msgs().find((m) => m.subject === 'trade.l3match'));
    expect(t.data).toMatchObject({ symbol: 'BTC-USDT', type: 'match' });
    expect(t.data.time).toMatch(/^\d{19}$/);
    expect(t.data.sequence).toMatch(/^\d{17}$/);
  });

  it('level2: bridged per change to level2_100 snapshots (some straddling), truth at every sequence, tickers agree', async () => {
    sim = await startSim({ venue: 'kucoin', symbols: ['BTC/USDT', 'ETH-USDT'], seed: 5, diffIntervalMs: 5 });
    const c = await connect(sim);
    await subscribe(c, '1', '/market/level2:BTC-USDT,ETH-USDT');
    await subscribe(c, '2', '/market/ticker:BTC-USDT');
    let straddled = 0;
    let sequenceOnly = 0;
    let tickers = 0;
    for (let k = 0; k < 12; k++) {
      const snap = (await get(sim, '/api/v1/market/orderbook/level2_100?symbol=BTC-USDT')).body.data;
      expect(snap.bids).toHaveLength(100);
      const run = await followSpot(sim, c, 'BTC-USDT', snap, 40);
      expect(run.breaks).toEqual([]);
      if (run.straddled) straddled++;
      sequenceOnly += run.sequenceOnly;
      tickers += run.tickers;
    }
    expect(straddled).toBeGreaterThan(0);
    expect(sequenceOnly).toBeGreaterThan(0);
    expect(tickers).toBeGreaterThan(0);
    expect((await get(sim, '/api/v1/market/orderbook/level2_20?symbol=ETH-USDT')).body.data.asks).toHaveLength(20);
    const eth = (await get(sim, '/api/v1/market/orderbook/level2_100?symbol=ETH-USDT')).body.data;
    expect((await followSpot(sim, c, 'ETH-USDT', eth, 30)).breaks).toEqual([]);
  });

  it('gap: the next message starts past the dropped range, which the sim reports', async () => {
    sim = await startSim({ venue: 'kucoin', symbols: ['BTC-USDT'], seed: 9, diffIntervalMs: 5 });
    const c = await connect(sim);
    await subscribe(c, '1', '/market/level2:BTC-USDT');
    const snap = (await get(sim, '/api/v1/market/orderbook/level2_100?symbol=BTC-USDT')).body.data;
    await followSpot(sim, c, 'BTC-USDT', snap, 20);
    sim.inject('gap');
    await until(() => sim!.injected.gaps.length === 1);
    const run = await followSpot(sim, c, 'BTC-USDT', snap, 100_000, true);
    const g = sim.injected.gaps[0];
    expect(run.breaks).toEqual([g.skippedTo + 1]);
    expect(run.end).toBe(g.skippedFrom - 1);
  });

  it('stalesnapshot serves an older sequence once; the full book needs a key; ratelimit answers 429000', async () => {
    sim = await startSim({ venue: 'kucoin', symbols: ['BTC-USDT'], seed: 2, diffIntervalMs: 5 });
    await new Promise((r) => setTimeout(r, 1200));
    const now = Number((await get(sim, '/api/v1/market/orderbook/level2_100?symbol=BTC-USDT')).body.data.sequence);
    sim.inject('stalesnapshot');
    const stale = Number((await get(sim, '/api/v1/market/orderbook/level2_100?symbol=BTC-USDT')).body.data.sequence);
    expect(stale).toBeLessThan(now);
    expect(Number((await get(sim, '/api/v1/market/orderbook/level2_100?symbol=BTC-USDT')).body.data.sequence)).toBeGreaterThanOrEqual(now);
    const full = await get(sim, '/api/v3/market/orderbook/level2?symbol=BTC-USDT');
    expect([full.status, full.body.code]).toEqual([401, '400001']);
    sim.inject('ratelimit');
    const limited = await get(sim, '/api/v2/symbols');
    expect([limited.status, limited.body.code]).toEqual([429, '429000']);
    const symbols = await get(sim, '/api/v2/symbols');
    expect(symbols.body.data[0]).toMatchObject({ symbol: 'BTC-USDT', baseCurrency: 'BTC', quoteCurrency: 'USDT', enableTrading: true, priceIncrement: '0.1' });
  });

  it('malformed frames and the planned shutdown (a close, nothing announced)', async () => {
    sim = await startSim({ venue: 'kucoin', symbols: ['BTC-USDT'], seed: 2, diffIntervalMs: 5 });
    const c = await connect(sim);
    await subscribe(c, '1', '/market/level2:BTC-USDT');
    for (let i = 0; i < 4; i++) sim.inject('malformed');
    await until(() => sim!.injected.malformed === 4 && c.texts.some((t) => t.includes('502 Bad Gateway')));
    expect(c.texts.filter((t) => t.includes('"sequenceStart":"abc"') || t.endsWith('"sequenceStart":')).length).toBe(2);
    sim.inject('shutdown');
    expect(await until(() => c.closed)).toEqual({ code: 1001 });
  });
});

describe('kucoin-futures mode', () => {
  it('level2: +1 per message from the REST snapshot, truth at every sequence; tickerV2 at the book\'s sequence; executions; instrument', async () => {
    sim = await startSim({ venue: 'kucoin-futures', symbols: ['BTC/USDT:USDT'], seed: 4, diffIntervalMs: 5 });
    expect(sim.venueSymbols).toEqual(['XBTUSDTM']);
    const c = await connect(sim);
    await subscribe(c, '1', '/contractMarket/level2:XBTUSDTM');
    await subscribe(c, '2', '/contractMarket/tickerV2:XBTUSDTM');
    await subscribe(c, '3', '/contractMarket/execution:XBTUSDTM');
    await subscribe(c, '4', '/contract/instrument:XBTUSDTM');
    const r = await get(sim, '/api/v1/level2/snapshot?symbol=XBTUSDTM');
    expect(r.text).toMatch(/"sequence":\d{13},"symbol":"XBTUSDTM","bids":\[\[\d+\.\d,\d+\]/);
    expect(r.text).toMatch(/"ts":\d{19}\}/);
    const S = r.body.data.sequence as number;
    // levels are JSON numbers: read their lexemes ("60000.0" would come back from JSON.parse as 60000)
    const lex = (side: 'bids' | 'asks'): unknown[][] =>
      new RegExp(`"${side}":\\[\\[(.*?)\\]\\]`).exec(r.text)![1].split('],[').map((l) => l.split(','));
    const book = new WireBook(lex('bids'), lex('asks'));
    let last = S;
    let checked = 0;
    let tickers = 0;
    let i = 0;
    while (checked < 200) {
      await until(() => c.texts.length > i);
      for (; i < c.texts.length && checked < 200; i++) {
        const m = JSON.parse(c.texts[i]);
        if (m.subject === 'tickerV2' && m.data.sequence === last && last > S) {
          const top = book.top(1);
          expect([m.data.bestBidPrice, String(m.data.bestBidSize), m.data.bestAskPrice, String(m.data.bestAskSize)]).toEqual([...top.bids[0], ...top.asks[0]]);
          tickers++;
        }
        if (m.subject !== 'level2') continue;
        const seq = m.data.sequence as number;
        expect(m.sn).toBe(seq);
        if (seq <= S) continue;
        expect(seq).toBe(last + 1);
        const [p, side, q] = (m.data.change as string).split(',');
        book.set(side === 'buy', p, q);
        expect(book.top(50), `truth at ${seq}`).toEqual(sim.truth.topAt('XBTUSDTM', seq));
        last = seq;
        checked++;
      }
    }
    expect(tickers).toBeGreaterThan(0);
    const exec = await until(() => c.texts.find((t) => t.includes('"subject":"match"')));
    expect(exec).toMatch(/"size":\d+,"price":"\d+\.\d","takerOrderId":"[0-9a-f]+","makerOrderId":"[0-9a-f]+","tradeId":"\d+","ts":\d{19}\}/);
    expect(c.texts.find((t) => t.includes('"funding.rate"'))).toMatch(/"fundingRate":0\.000\d+,"timestamp":\d{13}/);
    await until(() => c.texts.find((t) => t.includes('"mark.index.price"')), 3000);
  });

  it('gap: one message is missing from the +1 chain; stale snapshots are older', async () => {
    sim = await startSim({ venue: 'kucoin-futures', symbols: ['XBTUSDTM'], seed: 8, diffIntervalMs: 5 });
    const c = await connect(sim);
    await subscribe(c, '1', '/contractMarket/level2:XBTUSDTM');
    await until(() => c.texts.filter((t) => t.includes('"level2"')).length > 20);
    sim.inject('gap');
    await until(() => sim!.injected.gaps.length === 1);
    const g = sim.injected.gaps[0];
    expect(g.skippedFrom).toBe(g.skippedTo);
    await until(() => c.texts.some((t) => t.includes(`"sequence":${g.skippedTo + 1},`)));
    const seqs = c.msgs().filter((m) => m.subject === 'level2').map((m) => m.data.sequence as number);
    const missing = seqs.slice(1).filter((s, k) => s !== seqs[k] + 1).map((s) => s - 1);
    expect(missing).toEqual([g.skippedFrom]);
    await new Promise((r) => setTimeout(r, 1100));
    sim.inject('stalesnapshot');
    const stale = (await get(sim, '/api/v1/level2/snapshot?symbol=XBTUSDTM')).body.data.sequence;
    expect(stale).toBeLessThan((await get(sim, '/api/v1/level2/snapshot?symbol=XBTUSDTM')).body.data.sequence);
  });

  it('lists contracts the way ccxt reads them', async () => {
    sim = await startSim({ venue: 'kucoin-futures', symbols: ['BTC/USDT:USDT', 'ETH/USDT:USDT'], seed: 1, diffIntervalMs: 20 });
    const r = await get(sim, '/api/v1/contracts/active');
    expect(r.body.data.map((x: any) => [x.symbol, x.baseCurrency, x.settleCurrency, x.status, x.lotSize, x.tickSize])).toEqual([
      ['XBTUSDTM', 'XBT', 'USDT', 'Open', 1, 0.1], ['ETHUSDTM', 'ETH', 'USDT', 'Open', 1, 0.01],
    ]);
    expect(r.body.data[0].nextFundingRateTime).toBeGreaterThan(0);
    expect((await get(sim, '/api/v1/timestamp')).body.data).toBeGreaterThan(1.7e12);
  });
});
