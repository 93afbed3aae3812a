// `bitfinex-raw` end to end inside FeedCore (the engine the live session and replay share): a
// synthetic R0 stream — conf, subscribed, snapshot, order updates each followed by the `cs` a venue
// would send (book-rule.ts rawChecksum over the venue's orders) — keeps the book SYNCED with every
// checksum counted and the book rows equal to the orders summed; an order corrupted in transit is
// a gap, the resubscribe frames name the R0 channel, and the fresh snapshot re-syncs the book.
import { describe, expect, it } from 'vitest';
import type { BookSnapshot, MarketEvent } from '../../core/events.js';
import type { RawFrame } from '../../core/frames.js';
import { silentLogger } from '../../core/log.js';
import { FeedCore, planTag } from '../feed-core.js';
import { rawChecksum, type RawOrder } from './book-rule.js';
import { bitfinex, bitfinexRaw } from './index.js';

const URL = 'ws://127.0.0.1:9000/ws/2';
const TS = 1_700_000_000_000;

/** The venue's side of the stream: its orders, and the frames it sends about them. */
class Venue {
  readonly orders = new Map<number, [price: number, amount: number]>();
  private seed = 7;
  private nextId = 1000;

  rnd(n: number): number {
    this.seed = (this.seed * 1103515245 + 12345) % 2147483648;
    return Math.floor(this.seed / 65536) % n;
  }

  /** A random order change, applied here; returns the entry the venue sends. */
  change(): [number, number, number] {
    const ids = [...this.orders.keys()];
    const r = ids.length === 0 ? 9 : this.rnd(10);
    let e: [number, number, number];
    if (r < 3) e = [ids[this.rnd(ids.length)], 0, 1];
    else if (r < 6) {
      const id = ids[this.rnd(ids.length)];
      const [, a] = this.orders.get(id)!;
      e = [id, this.price(a > 0), Math.sign(a) * (1 + this.rnd(900)) / 1e4];
    } else {
      const bid = this.rnd(2) === 0;
      e = [this.nextId++, this.price(bid), (bid ? 1 : -1) * (1 + this.rnd(900)) * 1e-6];
    }
    if (e[1] === 0) this.orders.delete(e[0]); else this.orders.set(e[0], [e[1], e[2]]);
    return e;
  }

  price(bid: boolean): number {
    return bid ? 500 - this.rnd(40) / 4 : 500.25 + this.rnd(40) / 4;
  }

  snapshot(chan: number): string {
    return `[${chan},${JSON.stringify([...this.orders].map(([id, [p, a]]) => [id, p, a]))},${TS}]`;
  }

  cs(chan: number): string {
    const bids: RawOrder[] = [];
    const asks: RawOrder[] = [];
    for (const [id, [p, a]] of this.orders) (a > 0 ? bids : asks).push([String(id), String(p), String(a)]);
    return `[${chan},"cs",${rawChecksum(bids, asks) | 0},${TS}]`;
  }

  /** The best 25 price levels per side, amounts summed in units of 1e-10. */
  levels(side: 1 | -1): [string, number][] {
    const lv = new Map<number, number>();
    for (const [p, a] of this.orders.values()) if (Math.sign(a) === side) lv.set(p, (lv.get(p) ?? 0) + Math.round(Math.abs(a) * 1e10));
    return [...lv].sort((x, y) => side * (y[0] - x[0])).slice(0, 25).map(([p, u]) => [String(p), u]);
  }
}

const sub = (chanId: number): string =>
  `{"event":"subscribed","channel":"book","chanId":${chanId},"symbol":"tBTCUSD","prec":"R0","freq":"F0","len":"25","pair":"BTCUSD"}`;

function setup() {
  const events: MarketEvent[] = [];
  const requests: string[] = [];
  const plans = bitfinexRaw.plan(URL, ['tBTCUSD'], ['book'], 25);
  const core = new FeedCore({
    spec: bitfinexRaw, symbols: ['BTC/USD'], kinds: ['book'], depth: 25, plans, log: silentLogger,
    handlers: { event: (ev) => events.push(ev) }, requestSnapshot: (v) => requests.push(v),
  });
  let ts = 1;
  const frame = (dir: RawFrame['dir'], data: string): RawFrame => ({ venue: 'bitfinex-raw', connId: 1, recvSeq: ts, localTs: ts++, dir, data });
  const send = (...data: string[]): void => { for (const d of data) core.onFrame(frame('in', d)); };
  core.onFrame(frame('conn', `open ${URL} plan=${planTag(0, plans[0])}`));
  return { core, events, requests, send, plans };
}

const rowsOf = (ev: MarketEvent | undefined, side: 'bids' | 'asks'): [string, number][] =>
  (ev as BookSnapshot).bids === undefined ? [] : (ev as BookSnapshot)[side].map(([p, a]) => [p, Math.round(Number(a) * 1e10)]);

describe('bitfinex-raw through FeedCore', () => {
  it('is venue bitfinex-raw: R0 book subscriptions after conf, R0 resubscribes, the rest as bitfinex', () => {
    expect(bitfinexRaw.id).toBe('bitfinex-raw');
    expect(bitfinexRaw.resubscribe('tETHUSD', 100)).toEqual(['{"event":"subscribe","channel":"book","symbol":"tETHUSD","prec":"R0","freq":"F0","len":"100"}']);
    expect(bitfinexRaw.bookRule).toBe(bitfinex.bookRule);
    expect(bitfinexRaw.toVenueSymbol('BTC/USDT')).toBe('tBTCUST');
    expect(setup().plans).toEqual([{
      url: URL,
      subscribe: ['{"event":"conf","flags":163840}', '{"event":"subscribe","channel":"book","symbol":"tBTCUSD","prec":"R0","freq":"F0","len":"25"}'],
      venueSymbols: ['tBTCUSD'],
      book: true,
    }]);
  });

  it('stays SYNCED on a checksummed R0 stream; a corrupted order is a gap, and the fresh snapshot resyncs', () => {
    const { core, events, requests, send } = setup();
    const v = new Venue();
    for (let i = 0; i < 80; i++) v.change();
    send('{"event":"info","version":2,"serverId":"sim","platform":{"status":1}}', '{"event":"conf","status":"OK","flags":163840}', sub(5));
    send(v.snapshot(5), v.cs(5));
    expect(core.stats()[0]).toMatchObject({ state: 'SYNCED', snapshots: 1, checksumChecks: 1, checksumMismatches: 0 });
    for (let i = 0; i < 300; i++) send(`[5,${JSON.stringify(v.change())},${TS + i}]`, v.cs(5));
    expect(core.stats()[0]).toMatchObject({ state: 'SYNCED', gaps: 0, checksumChecks: 301, checksumMismatches: 0, rejects: 0 });
    const rows = events.filter((e) => e.type === 'book_snapshot');
    expect(rows.length).toBeGreaterThan(10);
    expect(rowsOf(rows.at(-1), 'bids')).toEqual(v.levels(1));
    expect(rowsOf(rows.at(-1), 'asks')).toEqual(v.levels(-1));

    // The best bid order's new amount corrupted in transit: the venue's cs disagrees with ours.
    const [id, [p, a]] = [...v.orders].filter(([, o]) => o[1] > 0).sort((x, y) => y[1][0] - x[1][0])[0];
    v.orders.set(id, [p, a / 2]);
    send(`[5,${JSON.stringify([id, p, a])}]`, v.cs(5));
    expect(events.filter((e) => e.type === 'gap')).toMatchObject([{ scope: 'book', action: 'resync', venueSymbol: 'tBTCUSD' }]);
    expect(requests).toEqual(['tBTCUSD']);
    expect(core.stats()[0]).toMatchObject({ state: 'RESYNCING', gaps: 1, checksumMismatches: 1 });
    expect(core.resubscribeFrames('tBTCUSD', 25)).toEqual([
      '{"event":"unsubscribe","chanId":5}',
      '{"event":"subscribe","channel":"book","symbol":"tBTCUSD","prec":"R0","freq":"F0","len":"25"}',
    ]);

    // Frames before the venue acts on it change nothing; then the new channel's snapshot.
    send(`[5,${JSON.stringify(v.change())}]`, v.cs(5));
    send('{"event":"unsubscribed","status":"OK","chanId":5}', sub(6), v.snapshot(6), v.cs(6));
    for (let i = 0; i < 50; i++) send(`[6,${JSON.stringify(v.change())}]`, v.cs(6));
    expect(core.stats()[0]).toMatchObject({ state: 'SYNCED', gaps: 1, snapshots: 2, checksumChecks: 353, checksumMismatches: 1, rejects: 0 });
    const last = events.filter((e) => e.type === 'book_snapshot').at(-1);
    expect(rowsOf(last, 'bids')).toEqual(v.levels(1));
    expect(rowsOf(last, 'asks')).toEqual(v.levels(-1));
  });
});
