// A tiny, independent reference client (Map-based, written from the venue docs, PROTOCOLS.md
// §1.4 and §2) syncs a book from the simulator's REST snapshot and diff stream; after every
// applied frame its top 50 must equal the simulator's ground truth for that frame's u.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSim, type SimHandle } from './index.js';

interface Depth { U: number; u: number; pu?: number; b: [string, string][]; a: [string, string][]; s: string }

class Client {
  readonly msgs: any[] = [];
  readonly ws: WebSocket;
  private waiters: (() => void)[] = [];
  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (d) => {
      this.msgs.push(JSON.parse(d.toString()));
      for (const w of this.waiters.splice(0)) w();
    });
  }
  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }
  async until<T>(pick: () => T | undefined, timeoutMs = 5000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = pick();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error('timed out waiting for frames');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
}

class RefBook {
  bids = new Map<string, string>();
  asks = new Map<string, string>();
  id = 0;
  load(snap: { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] }): void {
    this.bids = new Map(snap.bids);
    this.asks = new Map(snap.asks);
    this.id = snap.lastUpdateId;
  }
  apply(ev: Depth): void {
    for (const [p, q] of ev.b) Number(q) === 0 ? this.bids.delete(p) : this.bids.set(p, q);
    for (const [p, q] of ev.a) Number(q) === 0 ? this.asks.delete(p) : this.asks.set(p, q);
    this.id = ev.u;
  }
  top(n: number): { bids: [string, string][]; asks: [string, string][] } {
    return {
      bids: [...this.bids.entries()].sort((x, y) => Number(y[0]) - Number(x[0])).slice(0, n),
      asks: [...this.asks.entries()].sort((x, y) => Number(x[0]) - Number(y[0])).slice(0, n),
    };
  }
}

/** Syncs per the doc rules; returns how many frames were checked against truth. */
async function syncAndCompare(sim: SimHandle, c: Client, futures: boolean, stream: (m: any) => Depth | undefined, frames: number): Promise<number> {
  const depth = (): Depth[] => c.msgs.map(stream).filter((d): d is Depth => d !== undefined);
  const first = await c.until(() => depth()[0]);
  const path = futures ? '/fapi/v1/depth?symbol=BTCUSDT&limit=1000' : '/api/v3/depth?symbol=BTCUSDT&limit=5000';
  let snap: any;
  for (;;) {
    snap = await (await fetch(sim.restUrl + path)).json();
    if (snap.lastUpdateId >= first.U) break; // step 4: older than the first buffered event → refetch
  }
  const L = snap.lastUpdateId;
  const book = new RefBook();
  book.load(snap);
  let checked = 0;
  let prev: Depth | undefined;
  let i = 0;
  while (checked < frames) {
    const all = await c.until(() => (depth().length > i ? depth() : undefined));
    for (; i < all.length && checked < frames; i++) {
      const ev = all[i];
      if (prev === undefined) {
        if (futures ? ev.u < L : ev.u <= L) continue; // drop
        if (futures) expect(ev.U <= L && ev.u >= L).toBe(true);
        else expect(ev.U <= L + 1 && ev.u >= L + 1).toBe(true);
      } else if (futures) {
        expect(ev.pu).toBe(prev.u);
      } else {
        expect(ev.U).toBe(prev.u + 1);
      }
      book.apply(ev);
      prev = ev;
      const truth = sim.truth.topAt('BTCUSDT', ev.u);
      expect(truth).toBeDefined();
      expect(book.top(50)).toEqual(truth);
      checked++;
    }
  }
  return checked;
}

let sim: SimHandle | undefined;
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await sim?.stop();
});

describe('snapshot + diff sync against ground truth', () => {
  it('spot, combined stream URL', async () => {
    sim = await startSim({ symbols: ['BTCUSDT'], seed: 3, diffIntervalMs: 5 });
    const c = new Client(`${sim.wsUrl}/stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker`);
    clients.push(c);
    await c.opened();
    const n = await syncAndCompare(sim, c, false, (m) => (m.stream === 'btcusdt@depth@100ms' ? m.data : undefined), 200);
    expect(n).toBe(200);
    // bookTicker shares the depth id space: at its u the truth's best level is the ticker.
    const tickers = c.msgs.filter((m) => m.stream === 'btcusdt@bookTicker').map((m) => m.data);
    expect(tickers.length).toBeGreaterThan(10);
    for (const t of tickers.slice(-20)) {
      expect(Object.keys(t)).toEqual(['u', 's', 'b', 'B', 'a', 'A']);
      const top = sim.truth.topAt('BTCUSDT', t.u);
      if (top) expect([top.bids[0], top.asks[0]]).toEqual([[t.b, t.B], [t.a, t.A]]);
    }
  });

  it('spot, raw /ws + SUBSCRIBE', async () => {
    sim = await startSim({ symbols: ['BTCUSDT'], seed: 4, diffIntervalMs: 5 });
    const c = new Client(`${sim.wsUrl}/ws`);
    clients.push(c);
    await c.opened();
    c.ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['btcusdt@depth'], id: 7 }));
    await c.until(() => c.msgs.find((m) => m.id === 7));
    expect(c.msgs[0]).toEqual({ result: null, id: 7 });
    expect(await syncAndCompare(sim, c, false, (m) => (m.e === 'depthUpdate' ? m : undefined), 100)).toBe(100);
  });

  it('futures, /public combined stream, pu chain', async () => {
    sim = await startSim({ venue: 'binance-futures', symbols: ['BTC/USDT:USDT'], seed: 5, diffIntervalMs: 5 });
    const c = new Client(`${sim.wsUrl}/public/stream?streams=btcusdt@depth@100ms`);
    clients.push(c);
    await c.opened();
    const n = await syncAndCompare(sim, c, true, (m) => m.data, 200);
    expect(n).toBe(200);
    const d = c.msgs[0].data;
    expect(Object.keys(d)).toEqual(['e', 'E', 'T', 's', 'U', 'u', 'pu', 'b', 'a']);
  });
});

describe('snapshot timing', () => {
  it('some snapshots fall strictly inside a later frame (the straddling first event)', async () => {
    sim = await startSim({ symbols: ['BTCUSDT'], seed: 6, diffIntervalMs: 20 });
    const c = new Client(`${sim.wsUrl}/ws/btcusdt@depth@100ms`);
    clients.push(c);
    await c.opened();
    const ids: number[] = [];
    for (let k = 0; k < 12; k++) {
      ids.push(((await (await fetch(`${sim.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=5`)).json()) as any).lastUpdateId);
      await new Promise((r) => setTimeout(r, 25));
    }
    const last = ids[ids.length - 1];
    await c.until(() => c.msgs.find((m) => m.u > last));
    const straddled = ids.filter((L) => c.msgs.some((m) => m.U <= L && L < m.u));
    const onBoundary = ids.filter((L) => c.msgs.some((m) => m.u === L));
    expect(straddled.length).toBeGreaterThan(0);
    expect(straddled.length + onBoundary.length).toBe(ids.length);
  });
});
