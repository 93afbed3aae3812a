// Raw (R0) books through the real decoder: orders → price levels (snapshot, new order, new amount,
// removal, a move of price or side), exact level sums, the `cs` frame compared with the decoder's
// own raw checksum (`ours`, equal to book-rule.ts rawChecksum over the same orders), BULK batches,
// malformed entries refused whole, the resubscribe that resets the orders, and a long random run
// where the price book the updates build equals the orders summed.
import { describe, expect, it } from 'vitest';
import { OrderBook } from '../../book/order-book.js';
import type { BookSnapshotInput, DepthUpdate } from '../../book/types.js';
import type { DecodeSink } from '../types.js';
import { rawChecksum, type RawOrder } from './book-rule.js';
import { BitfinexDecoder } from './decode.js';
import { bitfinex, bitfinexRaw } from './index.js';

type Level = [side: number, price: string, amount: string, del: boolean];
type Out =
  | { k: 'depth'; v: string; ts: number; levels: Level[] }
  | { k: 'snapshot'; v: string; s: BookSnapshotInput }
  | { k: 'checksum'; v: string; value: number; ts: number; ours: number | undefined }
  | { k: 'reject'; reason: string }
  | { k: 'other'; what: string };

const levelsOf = (u: DepthUpdate): Level[] =>
  Array.from({ length: u.levels.length }, (_, i) => [u.levels.sideAt(i), u.levels.priceTextAt(i), u.levels.amountTextAt(i), u.levels.isDeleteAt(i)]);

class Harness {
  readonly d = bitfinexRaw.createDecoder({ venue: 'bitfinex-raw', symbols: new Map([['tBTCUSD', 'BTC/USD']]) }) as BitfinexDecoder;
  out: Out[] = [];
  /** Everything the depth updates did, applied to a price book (as the engine does). */
  readonly book = new OrderBook(1000);
  private readonly sink: DecodeSink = {
    event: (ev) => this.out.push({ k: 'other', what: ev.type }),
    depth: (v, u) => {
      this.book.apply(u.levels);
      this.out.push({ k: 'depth', v, ts: u.ts, levels: levelsOf(u) });
    },
    snapshot: (v, s) => {
      this.book.loadSnapshot(s.bids, s.asks);
      this.out.push({ k: 'snapshot', v, s });
    },
    checksum: (v, value, ts, ours) => this.out.push({ k: 'checksum', v, value, ts, ours }),
    reject: (reason) => this.out.push({ k: 'reject', reason }),
    control: () => {},
  };

  run(frames: string[]): Out[] {
    this.out = [];
    for (const f of frames) this.d.decode(f, { venue: 'bitfinex-raw', connId: 1, recvSeq: 1, localTs: 5_000_000 }, this.sink);
    return this.out;
  }
}

const SUB = (chanId: number): string =>
  `{"event":"subscribed","channel":"book","chanId":${chanId},"symbol":"tBTCUSD","prec":"R0","freq":"F0","len":"25","pair":"BTCUSD"}`;

/** The orders a test believes the venue holds, as the wire would render them. */
type Model = Map<number, [price: number, amount: number]>;
const asRaw = (m: Model): { bids: RawOrder[]; asks: RawOrder[] } => {
  const bids: RawOrder[] = [];
  const asks: RawOrder[] = [];
  for (const [id, [p, a]] of m) (a > 0 ? bids : asks).push([String(id), String(p), String(a)]);
  return { bids, asks };
};
const modelSum = (m: Model): number => { const r = asRaw(m); return rawChecksum(r.bids, r.asks); };
const snapFrame = (chan: number, m: Model): string => `[${chan},${JSON.stringify([...m].map(([id, [p, a]]) => [id, p, a]))}]`;

const SNAP: Model = new Map([[1, [100, 0.5]], [2, [100, 0.25]], [3, [101, -1]], [4, [102, -0.3]], [5, [99, 1.5e-7]]]);

describe('bitfinex raw (R0) books: decoder', () => {
  it('sends the snapshot as price levels summed exactly, asks positive', () => {
    const h = new Harness();
    const out = h.run([SUB(30), snapFrame(30, SNAP)]);
    expect(out).toEqual([{ k: 'snapshot', v: 'tBTCUSD', s: {
      lastUpdateId: -1, ts: 0, bids: [['100', '0.75'], ['99', '0.00000015']], asks: [['101', '1'], ['102', '0.3']],
    } }]);
  });

  it('turns each order change into the level changes it makes', () => {
    const h = new Harness();
    h.run([SUB(30), snapFrame(30, SNAP)]);
    const depth = (f: string): Level[] => {
      const out = h.run([f]);
      expect(out).toHaveLength(1);
      expect(out[0].k).toBe('depth');
      return (out[0] as { levels: Level[] }).levels;
    };
    expect(depth('[30,[6,100,0.1]]')).toEqual([[1, '100', '0.85', false]]); // a new order joins a level
    expect(depth('[30,[1,100,0.2]]')).toEqual([[1, '100', '0.55', false]]); // a new amount in place
    expect(depth('[30,[2,0,1]]')).toEqual([[1, '100', '0.3', false]]); // removed: the level shrinks
    expect(depth('[30,[5,0,1]]')).toEqual([[1, '99', '0', true]]); // its last order gone: deleted
    expect(depth('[30,[1,98,0.2]]')).toEqual([[1, '100', '0.1', false], [1, '98', '0.2', false]]); // moved price
    expect(depth('[30,[3,100.5,0.7]]')).toEqual([[-1, '101', '0', true], [1, '100.5', '0.7', false]]); // ask became a bid
    expect(depth('[30,[7,102,-0.1],1700000000123]')).toEqual([[-1, '102', '0.4', false]]);
    expect(h.run(['[30,[999,0,1]]'])).toEqual([]); // removal of an order not held: nothing changes
    expect(h.book.bids.topRows(10)).toEqual([['100.5', '0.7'], ['100', '0.1'], ['98', '0.2']]);
    expect(h.book.asks.topRows(10)).toEqual([['102', '0.4']]);
  });

  it('sums one level exactly where floats drift (0.1 + 0.2, exponent amounts)', () => {
    const h = new Harness();
    h.run([SUB(30), '[30,[[1,100,0.1],[2,100,0.2]]]']);
    expect(h.book.bids.topRows(1)).toEqual([['100', '0.3']]);
    expect(h.run(['[30,[3,100,1e-8]]'])[0]).toMatchObject({ levels: [[1, '100', '0.30000001', false]] });
    expect(h.run(['[30,[1,0,1]]', '[30,[2,0,1]]'])).toMatchObject([{ levels: [[1, '100', '0.20000001', false]] }, { levels: [[1, '100', '0.00000001', false]] }]);
  });

  it('compares cs with its own raw checksum of the orders (ours), after every change', () => {
    const h = new Harness();
    const m: Model = new Map(SNAP);
    h.run([SUB(30), snapFrame(30, m)]);
    const cs = (): Out[] => h.run([`[30,"cs",${modelSum(m) | 0},1700000000456]`]);
    expect(cs()).toEqual([{ k: 'checksum', v: 'tBTCUSD', value: modelSum(m), ts: 1_700_000_000_456_000, ours: modelSum(m) }]);
    const changes: [number, number, number][] = [[6, 100, 0.1], [1, 100, 0.2], [2, 0, 1], [1, 98, 0.2], [8, 101, -2.5e-7]];
    for (const [id, p, a] of changes) {
      if (p === 0) m.delete(id); else m.set(id, [p, a]);
      h.run([`[30,${JSON.stringify([id, p, a])}]`]);
      const [c] = cs();
      expect(c).toMatchObject({ k: 'checksum', value: modelSum(m), ours: modelSum(m) });
    }
    // A change the venue made but we never saw: ours no longer equals the venue's.
    m.set(9, [97, 1]);
    const [c] = cs();
    expect(c).toMatchObject({ k: 'checksum', value: modelSum(m) });
    expect((c as { ours: number }).ours).not.toBe(modelSum(m));
  });

  it('applies a BULK batch of entries as one update after the snapshot', () => {
    const h = new Harness();
    h.run(['{"event":"conf","status":"OK","flags":536870912}', SUB(30), snapFrame(30, SNAP)]);
    expect(h.run(['[30,[[6,100,0.1],[1,0,1],[4,103,-0.3]]]'])).toEqual([{ k: 'depth', v: 'tBTCUSD', ts: 5_000_000, levels: [
      [1, '100', '0.85', false], [1, '100', '0.35', false], [-1, '102', '0', true], [-1, '103', '0.3', false],
    ] }]);
  });

  it('refuses malformed entries whole, leaving the orders as they were', () => {
    const h = new Harness();
    h.run([SUB(30), snapFrame(30, SNAP)]);
    const before = modelSum(SNAP);
    const bad: [string, RegExp][] = [
      ['[30,[1,100]]', /fewer than 3/],
      ['[30,["1",100,1]]', /not a number/],
      ['[30,[1.5,100,1]]', /not an integer/],
      ['[30,[1234567890123456,100,1]]', /too long/],
      ['[30,[7,100,0]]', /zero amount/],
      ['[30,[7,-5,1]]', /≥ 0/],
      ['[30,[7,100,1e999]]', /not a decimal/],
      ['[30,[[8,100,1],[9,100]]]', /fewer than 3/], // a snapshot with one bad entry loads nothing
      ['[30,"xx",1]', /tag xx/],
      ['[30,"cs",1.5]', /32-bit/],
      ['[30]', /without data/],
    ];
    for (const [f, why] of bad) expect(h.run([f]), f).toEqual([{ k: 'reject', reason: expect.stringMatching(why) }]);
    expect(h.run([`[30,"cs",${before | 0}]`])).toMatchObject([{ value: before, ours: before }]);
  });

  it('resubscribes the R0 channel by its id; the new channel\'s snapshot starts from fresh orders', () => {
    const h = new Harness();
    h.run([SUB(30), snapFrame(30, SNAP)]);
    expect(h.d.resubscribe('tBTCUSD', 100)).toEqual([
      '{"event":"unsubscribe","chanId":30}',
      '{"event":"subscribe","channel":"book","symbol":"tBTCUSD","prec":"R0","freq":"F0","len":"100"}',
    ]);
    const fresh: Model = new Map([[11, [200, 1]], [12, [201, -1]]]);
    const out = h.run(['{"event":"unsubscribed","status":"OK","chanId":30}', SUB(31), snapFrame(31, fresh), `[31,"cs",${modelSum(fresh) | 0}]`]);
    expect(out).toEqual([
      { k: 'snapshot', v: 'tBTCUSD', s: { lastUpdateId: -1, ts: 0, bids: [['200', '1']], asks: [['201', '1']] } },
      { k: 'checksum', v: 'tBTCUSD', value: modelSum(fresh), ts: 0, ours: modelSum(fresh) },
    ]);
    expect(h.run(['[31,[1,0,1]]'])).toEqual([]); // an order of the old book is not held any more
    // A snapshot re-sent on the same channel replaces the orders too.
    expect(h.run([snapFrame(31, SNAP), `[31,"cs",${modelSum(SNAP) | 0}]`])[1]).toMatchObject({ ours: modelSum(SNAP) });
  });

  it('a P0 decoder keeps P0 and an R0 decoder R0 before any channel is known', () => {
    const p = bitfinex.createDecoder({ venue: 'bitfinex', symbols: new Map() });
    const r = bitfinexRaw.createDecoder({ venue: 'bitfinex-raw', symbols: new Map() });
    expect(p.resubscribe('tBTCUSD', 25)).toEqual(['{"event":"subscribe","channel":"book","symbol":"tBTCUSD","prec":"P0","freq":"F0","len":"25"}']);
    expect(r.resubscribe('tBTCUSD', 25)).toEqual(['{"event":"subscribe","channel":"book","symbol":"tBTCUSD","prec":"R0","freq":"F0","len":"25"}']);
  });

  it('keeps the price book equal to its orders summed, and ours equal to rawChecksum, over a long random run', () => {
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor(seed / 65536) % n;
    };
    const h = new Harness();
    const m: Model = new Map();
    for (let id = 1; id <= 60; id++) m.set(id, id % 2 === 0 ? [1000 - rnd(30), (1 + rnd(500)) / 1e4] : [1001 + rnd(30), -(1 + rnd(500)) / 1e4]);
    h.run([SUB(30), snapFrame(30, m)]);
    let next = 61;
    for (let step = 0; step < 1500; step++) {
      const ids = [...m.keys()];
      const r = rnd(10);
      let e: [number, number, number];
      if (r < 3 && ids.length > 0) {
        e = [ids[rnd(ids.length)], 0, 1]; // remove
      } else if (r < 6 && ids.length > 0) {
        const id = ids[rnd(ids.length)]; // new amount, maybe a new price on the same side
        const [p, a] = m.get(id)!;
        e = [id, rnd(2) === 0 ? p : (a > 0 ? 1000 - rnd(30) : 1001 + rnd(30)), Math.sign(a) * (1 + rnd(5000)) / 1e5];
      } else {
        const bid = rnd(2) === 0;
        e = [next++, bid ? 1000 - rnd(30) : 1001 + rnd(30), (bid ? 1 : -1) * (1 + rnd(500)) * 1e-7];
      }
      if (e[1] === 0) m.delete(e[0]); else m.set(e[0], [e[1], e[2]]);
      const out = h.run([`[30,${JSON.stringify(e)}]`, `[30,"cs",${modelSum(m) | 0}]`]);
      const c = out.at(-1) as { ours: number; value: number };
      if (c.ours !== c.value) throw new Error(`step ${step}: ours ${c.ours} ≠ ${c.value}`);
    }
    // the levels, summed here in integer units of 1e-10 (every amount above is a multiple)
    const units = (x: number): number => Math.round(Math.abs(x) * 1e10);
    const sum = (side: 1 | -1): [string, number][] => {
      const lv = new Map<number, number>();
      for (const [p, a] of m.values()) if (Math.sign(a) === side) lv.set(p, (lv.get(p) ?? 0) + units(a));
      return [...lv].sort((x, y) => side * (y[0] - x[0])).map(([p, u]) => [String(p), u]);
    };
    const held = (rows: [string, string][]): [string, number][] => rows.map(([p, a]) => [p, units(Number(a))]);
    expect(held(h.book.bids.topRows(1000))).toEqual(sum(1));
    expect(held(h.book.asks.topRows(1000))).toEqual(sum(-1));
    expect(sum(1).length).toBeGreaterThan(5);
    expect(sum(-1).length).toBeGreaterThan(5);
  });
});
