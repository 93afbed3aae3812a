// Faults of one connection (conn-faults.ts) in the OKX, Kraken and Bitfinex modes, seen by two plain
// clients on the same book: `a` at the venue's path, `b` at the same path with `?line=b` (the one
// faulted). The faulted one misses an update, gets it altered (one level one lot off under the
// venue's true checksum) or gets its frames late but in order; the clean one gets everything as is.
import { afterEach, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from './index.js';
import { ClientPool, type TestClient } from './test-client.js';
import { FLAG_BULK, FLAG_OB_CHECKSUM, FLAG_TIMESTAMP } from './bitfinex/wire.js';
import { until } from '../../test/wait.js';

let sim: SimHandle;
const pool = new ClientPool();
afterEach(() => pool.close(sim));

/** One book update as a client got it: its truth key, its text, its levels, its checksum. */
interface Update {
  key: number;
  text: string;
  levels: string[];
  checksum: number;
}

interface VenueCase {
  venue: 'okx' | 'kraken' | 'bitfinex';
  symbol: string;
  subscribe(c: TestClient): void;
  /** The book updates a client got, in order. */
  updates(c: TestClient): Update[];
}

/** RFC3339 with µs → epoch µs (Kraken's truth key). */
const usOf = (ts: string): number => Date.parse(ts.slice(0, 23) + 'Z') * 1000 + Number(ts.slice(23, 26));

const CASES: VenueCase[] = [
  {
    venue: 'okx',
    symbol: 'BTC/USDT',
    subscribe: (c) => c.send({ op: 'subscribe', args: [{ channel: 'books', instId: 'BTC-USDT' }] }),
    updates: (c) => c.texts.flatMap((text) => {
      const m = JSON.parse(text);
      if (m.action !== 'update') return [];
      const d = m.data[0];
      return [{ key: d.seqId, text, levels: [...d.bids, ...d.asks].map((l: string[]) => l.join(' ')), checksum: d.checksum }];
    }),
  },
  {
    venue: 'kraken',
    symbol: 'BTC/USD',
    subscribe: (c) => c.send({ method: 'subscribe', params: { channel: 'book', symbol: ['BTC/USD'], depth: 10 } }),
    updates: (c) => c.texts.flatMap((text) => {
      const m = JSON.parse(text);
      if (m.channel !== 'book' || m.type !== 'update') return [];
      const d = m.data[0];
      return [{ key: usOf(d.timestamp), text, levels: [...d.bids, ...d.asks].map((l: { price: number; qty: number }) => `${l.price} ${l.qty}`), checksum: d.checksum }];
    }),
  },
  {
    venue: 'bitfinex',
    symbol: 'BTC/USD',
    subscribe: (c) => {
      c.send({ event: 'conf', flags: FLAG_TIMESTAMP + FLAG_OB_CHECKSUM + FLAG_BULK });
      c.send({ event: 'subscribe', channel: 'book', symbol: 'tBTCUSD', prec: 'P0', freq: 'F0', len: '25' });
    },
    // a batch `[chan,[[p,n,a],…],mts]`, then its `[chan,"cs",value,mts]` (chanIds differ per client: left out)
    updates: (c) => {
      const out: Update[] = [];
      let snapshot = true;
      for (const t of c.texts) {
        const m = JSON.parse(t);
        if (!Array.isArray(m)) continue;
        if (m[1] === 'cs' && out.length > 0 && out.at(-1)!.key === m[3] * 1000) out.at(-1)!.checksum = m[2];
        if (!Array.isArray(m[1])) continue;
        if (snapshot) {
          snapshot = false;
          continue;
        }
        out.push({ key: m[2] * 1000, text: JSON.stringify(m.slice(1)), levels: m[1].map((e: number[]) => e.join(' ')), checksum: NaN });
      }
      return out;
    },
  },
];

/** Two clients on the venue's book; `b` (the one faulted) opened with `?line=b`. */
async function twoLines(v: VenueCase): Promise<{ a: TestClient; b: TestClient }> {
  sim = await startSim({ venue: v.venue, symbols: [v.symbol], seed: 3, diffIntervalMs: 5, okxIdleEvery: 0 });
  const a = await pool.connect(sim.wsUrl);
  const b = await pool.connect(`${sim.wsUrl}?line=b`);
  v.subscribe(a);
  v.subscribe(b);
  await until(() => v.updates(a).length > 5 && v.updates(b).length > 5);
  return { a, b };
}

/** Keys both clients saw the whole of (from the later first update to the earlier last one). */
function common(v: VenueCase, a: TestClient, b: TestClient): { a: Update[]; b: Update[] } {
  const ua = v.updates(a);
  const ub = v.updates(b);
  const from = Math.max(ua[0].key, ub[0].key);
  const to = Math.min(ua.at(-1)!.key, ub.at(-1)!.key);
  const within = (u: Update): boolean => u.key >= from && u.key <= to;
  return { a: ua.filter(within), b: ub.filter(within) };
}

describe.each(CASES)('faults of one connection: $venue', (v) => {
  it('gap: only the chosen connection misses the update; the other keeps it, and both go on', async () => {
    const { a, b } = await twoLines(v);
    sim.inject('gap', { connUrl: 'line=b' });
    await until(() => sim.injected.connFaults.length === 1);
    const g = sim.injected.connFaults[0];
    expect(g.kind).toBe('gap');
    await until(() => v.updates(a).filter((u) => u.key > g.from!).length > 3 && v.updates(b).filter((u) => u.key > g.from!).length > 3);
    const c = common(v, a, b);
    expect(c.a.map((u) => u.key)).toContain(g.from);
    expect(c.b.map((u) => u.key)).not.toContain(g.from);
    // every other update the same on both
    expect(c.b.map((u) => u.text)).toEqual(c.a.filter((u) => u.key !== g.from).map((u) => u.text));
    expect(sim.injected.gaps).toEqual([]); // no venue-wide gap
  });

  it('corrupt: the chosen connection gets one level one lot off under the true checksum, the other gets it as is', async () => {
    const { a, b } = await twoLines(v);
    sim.inject('corrupt', { connUrl: 'line=b' });
    await until(() => sim.injected.connFaults.length === 1);
    const g = sim.injected.connFaults[0];
    expect(g.kind).toBe('corrupt');
    await until(() => v.updates(a).some((u) => u.key > g.from!) && v.updates(b).some((u) => u.key > g.from!));
    const c = common(v, a, b);
    expect(c.b.map((u) => u.key)).toEqual(c.a.map((u) => u.key));
    const differ = c.b.flatMap((u, i) => (u.text === c.a[i].text ? [] : [[c.a[i], u] as const]));
    expect(differ.length).toBe(1);
    const [good, bad] = differ[0];
    expect(bad.key).toBe(g.from);
    expect(bad.checksum).toBe(good.checksum); // the venue's checksum of the true book: the altered level fails it
    expect(bad.levels.length).toBe(good.levels.length);
    const changed = bad.levels.filter((l, i) => l !== good.levels[i]);
    expect(changed.length).toBe(1);
    expect(sim.injected.corruptions).toEqual([]); // no venue-wide corruption
  });

  it('stall: the chosen connection gets nothing for a while, then everything, in order', async () => {
    const { a, b } = await twoLines(v);
    sim.inject('stall', { connUrl: 'line=b', durationMs: 300 });
    const before = v.updates(a).at(-1)!.key;
    await until(() => sim.injected.connFaults.length === 1);
    expect(sim.injected.connFaults[0]).toMatchObject({ kind: 'stall' });
    expect(sim.injected.connFaults[0].held).toBeGreaterThan(10);
    await until(() => v.updates(b).filter((u) => u.key > before).length > 20);
    const c = common(v, a, b);
    // nothing lost, nothing out of order, nothing altered
    expect(c.b.map((u) => u.text)).toEqual(c.a.map((u) => u.text));
    expect(c.a.filter((u) => u.key > before).length).toBeGreaterThan(20);
  });
});

describe('faults of one connection: Bitfinex raw (R0) books', () => {
  it('corrupt: the chosen connection gets one of the checksummed orders one lot off', async () => {
    sim = await startSim({ venue: 'bitfinex', symbols: ['BTC/USD'], seed: 5, diffIntervalMs: 5 });
    const rawUpdates = (c: TestClient): string[] => c.msgs().filter((m) => Array.isArray(m) && Array.isArray(m[1])).slice(1).map((m) => JSON.stringify(m.slice(1)));
    const open = async (url: string): Promise<TestClient> => {
      const c = await pool.connect(url);
      c.send({ event: 'conf', flags: FLAG_TIMESTAMP + FLAG_OB_CHECKSUM + FLAG_BULK });
      c.send({ event: 'subscribe', channel: 'book', symbol: 'tBTCUSD', prec: 'R0', len: '25' });
      return c;
    };
    const a = await open(sim.wsUrl);
    const b = await open(`${sim.wsUrl}?line=b`);
    await until(() => rawUpdates(a).length > 5 && rawUpdates(b).length > 5);
    sim.inject('corrupt', { connUrl: 'line=b' });
    await until(() => sim.injected.connFaults.length === 1);
    const mts = sim.injected.connFaults[0].from! / 1000;
    await until(() => rawUpdates(b).some((t) => JSON.parse(t).at(-1) > mts) && rawUpdates(a).some((t) => JSON.parse(t).at(-1) > mts));
    const at = (c: TestClient): number[][] => JSON.parse(rawUpdates(c).find((t) => JSON.parse(t).at(-1) === mts)!)[0];
    const good = at(a);
    const bad = at(b);
    const changed = bad.flatMap((e, i) => (JSON.stringify(e) === JSON.stringify(good[i]) ? [] : [[good[i], e]]));
    expect(changed.length).toBe(1);
    const [[g, x]] = changed;
    expect(x[0]).toBe(g[0]); // the same order, its amount one lot larger
    expect(Math.abs(x[2])).toBeGreaterThan(Math.abs(g[2]));
  });
});

describe('faults of one connection: OKX with `checksum: 0`', () => {
  it('corrupt: no checksum to fail, so the chosen connection gets the update with its prevSeqId off by one', async () => {
    sim = await startSim({ venue: 'okx', symbols: ['BTC/USDT'], seed: 3, diffIntervalMs: 5, okxIdleEvery: 0, okxChecksumZero: true });
    const data = (c: TestClient): any[] => c.msgs().filter((m) => m.action === 'update').map((m) => m.data[0]);
    const a = await pool.connect(sim.wsUrl);
    const b = await pool.connect(`${sim.wsUrl}?line=b`);
    for (const c of [a, b]) c.send({ op: 'subscribe', args: [{ channel: 'books', instId: 'BTC-USDT' }] });
    await until(() => data(a).length > 5 && data(b).length > 5);
    sim.inject('corrupt', { connUrl: 'line=b' });
    await until(() => sim.injected.connFaults.length === 1);
    const seq = sim.injected.connFaults[0].from!;
    await until(() => data(b).some((d) => d.seqId > seq) && data(a).some((d) => d.seqId > seq));
    const good = data(a).find((d) => d.seqId === seq);
    const bad = data(b).find((d) => d.seqId === seq);
    expect(bad).toEqual({ ...good, prevSeqId: good.prevSeqId - 1 });
    // the other connection's chain is unbroken, the chosen one's broken at that update alone
    const breaks = (c: TestClient): number[] => data(c).flatMap((d, i, all) => (i > 0 && d.prevSeqId !== all[i - 1].seqId ? [d.seqId] : []));
    expect(breaks(a)).toEqual([]);
    expect(breaks(b)).toEqual([seq]);
  });
});
