// The real decoder + book rule against every vector of shared/fixtures/protocol-vectors/bybit-v5.json
// (recorded 2026 spot and linear frames, the doc's decision tables). The harness is the sync
// engine's loop for 'ws' venues in miniature: a stream snapshot replaces the book, each delta goes
// through bybitBookRule.next and, when applied, into the book.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/fixtures.js';
import { MarketEvent } from '../../core/events.js';
import { OrderBook } from '../../book/order-book.js';
import type { BookSnapshotInput, DepthUpdate } from '../../book/types.js';
import type { DecodeSink } from '../types.js';
import { bybitBookRule } from './book-rule.js';
import { createDecoder } from './decode.js';
import { BookScanner } from './depth-scan.js';
import { LevelBatch } from '../../book/levels.js';
import { BYBIT_LINEAR, BYBIT_SPOT, type BybitMarket } from './market.js';
import { toUnified } from './symbols.js';

interface Vector {
  id: string;
  kind: string;
  input: Record<string, any>;
  expected: Record<string, any>;
}
const vectors = (JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors', 'bybit-v5.json'), 'utf8')) as { vectors: Vector[] }).vectors;
const vector = (id: string): Vector => vectors.find((v) => v.id === id)!;

/** A DecodeSink keeping one verified book per symbol, as the sync engine does for 'ws' venues. */
class Harness implements DecodeSink {
  readonly books = new Map<string, { book: OrderBook; lastId: number; depth?: number }>();
  readonly events: MarketEvent[] = [];
  readonly rejects: string[] = [];
  readonly controls: string[] = [];
  /** Verdict class per book message: reset-book | apply | stale | gap | unsynced. */
  readonly decisions: string[] = [];

  snapshot(sym: string, s: BookSnapshotInput): void {
    const b = this.books.get(sym) ?? { book: new OrderBook(50), lastId: -1 };
    this.books.set(sym, b);
    expect(b.book.loadSnapshot(s.bids, s.asks)).toBe(true);
    b.lastId = s.lastUpdateId;
    b.depth = s.depth;
    this.decisions.push('reset-book');
  }

  depth(sym: string, u: DepthUpdate): void {
    const b = this.books.get(sym);
    if (b === undefined) {
      this.decisions.push('unsynced');
      return;
    }
    const v = bybitBookRule.next(b.lastId, u);
    this.decisions.push(v.kind);
    if (v.kind !== 'apply') return;
    b.book.apply(u.levels);
    b.lastId = u.lastId;
  }

  event(ev: MarketEvent): void {
    expect(MarketEvent.safeParse(ev).success, JSON.stringify(ev)).toBe(true);
    this.events.push(ev);
  }
  reject(reason: string): void { this.rejects.push(reason); }
  control(kind: string): void { this.controls.push(kind); }
  checksum(): void { throw new Error('Bybit sends no checksum frames'); }
  reply(): void { throw new Error('Bybit needs no replies'); }
}

/** Decodes frames of BTCUSDT on one socket; no frame may be rejected. */
function run(m: BybitMarket, frames: string[], connIds?: number[]): Harness {
  const dec = createDecoder(m, { venue: m.venue, symbols: new Map([['BTCUSDT', toUnified(m, 'BTCUSDT')!]]) });
  const h = new Harness();
  frames.forEach((f, i) => dec.decode(f, { venue: m.venue, connId: connIds?.[i] ?? 1, recvSeq: i, localTs: 1_000_000 + i }, h));
  expect(h.rejects).toEqual([]);
  return h;
}

const raws = (frames: ({ raw: string } | string)[]): string[] => frames.map((f) => (typeof f === 'string' ? f : f.raw));
const verdict = (d: string): string => d.split('(')[0].split('->')[0];
const quotes = (h: Harness) => h.events.filter((e) => e.type === 'quote').map((q) => ({ bid: q.bidPrice, bidQty: q.bidAmount, ask: q.askPrice, askQty: q.askAmount }));

/** A book frame of BTCUSDT with one changing bid, as linear sends it. */
function bookFrame(depth: number, type: string, u: number, seq: number, i = 0): string {
  return `{"topic":"orderbook.${depth}.BTCUSDT","type":"${type}","ts":1786540345129,"data":{"s":"BTCUSDT","b":[["${60000 + i}.00","0.00${1 + (i % 9)}"]],"a":[["70000.00","1.000"]],"u":${u},"seq":${seq}},"cts":1786540345127}`;
}

describe('protocol vectors (bybit-v5.json)', () => {
  it('covers every vector of the file', () => {
    expect(vectors.map((v) => v.id).sort()).toEqual([
      'bybit-delta-decisions', 'bybit-depth1-repush-decisions', 'bybit-doc-rest-payloads', 'bybit-full-ob-sync-decisions',
      'bybit-recorded-kline-before-ack', 'bybit-recorded-linear-orderbook50', 'bybit-recorded-orderbook1',
      'bybit-recorded-public-trades', 'bybit-recorded-spot-orderbook1-b', 'bybit-recorded-tickers',
    ]);
  });

  it('bybit-recorded-linear-orderbook50: 50/50 levels, the delta changes three levels, BBO and u chain', () => {
    const v = vector('bybit-recorded-linear-orderbook50');
    const frames = raws(v.input.frames);
    const h = new Harness();
    const dec = createDecoder(BYBIT_LINEAR, { venue: 'bybit-linear', symbols: new Map([['BTCUSDT', 'BTC/USDT:USDT']]) });
    dec.decode(frames[0], { venue: 'bybit-linear', connId: 1, recvSeq: 0, localTs: 1 }, h);
    const b = h.books.get('BTCUSDT')!;
    expect(b.depth).toBe(50);
    expect([b.book.bids.size, b.book.asks.size]).toEqual([v.expected.levelsAfterSnapshot.bids, v.expected.levelsAfterSnapshot.asks]);
    const bbo = () => ({ bid: b.book.bestBidPriceText, bidQty: b.book.bids.amountTextAt(0), ask: b.book.bestAskPriceText, askQty: b.book.asks.amountTextAt(0) });
    expect(bbo()).toEqual(v.expected.bboAfterSnapshot);
    expect({ bids: b.book.bids.topRows(3), asks: b.book.asks.topRows(3) }).toEqual(v.expected.top3AfterSnapshot);
    const amount = (side: 'bids' | 'asks', price: string): string | undefined => b.book[side].topRows(50).find((l) => l[0] === price)?.[1];
    for (const c of v.expected.deltaChanges) expect(amount(c.side, c.price)).toBe(c.before);
    dec.decode(frames[1], { venue: 'bybit-linear', connId: 1, recvSeq: 1, localTs: 2 }, h);
    for (const c of v.expected.deltaChanges) expect(amount(c.side, c.price)).toBe(c.after);
    expect(h.decisions).toEqual(v.expected.decisions.map(verdict));
    expect([b.book.bids.size, b.book.asks.size]).toEqual([v.expected.levelsAfterDelta.bids, v.expected.levelsAfterDelta.asks]);
    expect(bbo()).toEqual(v.expected.bboAfterDelta);
    expect(b.lastId).toBe(53935310);
    expect(v.expected.seqIncreases).toBe(true);
    expect(h.rejects).toEqual([]);
  });

  it('bybit-recorded-orderbook1: every depth-1 snapshot is a quote (the BBO after each)', () => {
    const v = vector('bybit-recorded-orderbook1');
    const h = run(BYBIT_SPOT, raws(v.input.frames));
    expect(quotes(h)).toEqual(v.expected.bboAfterEach);
    expect(h.books.size).toBe(0); // depth 1 never seeds the verified book
    expect(h.events[0]).toMatchObject({ symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: 1786613159748_000, localTs: 1_000_000 });
  });

  it('bybit-recorded-spot-orderbook1-b: the spot ack (req_id a string) first, then one quote per snapshot', () => {
    const v = vector('bybit-recorded-spot-orderbook1-b');
    const h = run(BYBIT_SPOT, raws(v.input.frames));
    expect(h.controls).toEqual(['ack']);
    expect(quotes(h)).toEqual(v.expected.bboAfterEach.filter((b: unknown) => b !== null));
    expect(v.expected.uSequence).toEqual([70913931, 70913932]);
  });

  it('bybit-depth1-repush-decisions: every message replaces the top; the same u again is a keepalive, a jump no gap', () => {
    const v = vector('bybit-depth1-repush-decisions');
    const msgs = v.input.messages as { type: string; u: number }[];
    const frames = msgs.map((m, i) => `{"topic":"orderbook.1.BTCUSDT","ts":${1786538684939 + i},"type":"${m.type}","data":{"s":"BTCUSDT","b":[["64097.1","0.46${i}"]],"a":[["64097.2","1.299102"]],"u":${m.u},"seq":${112571825987 + i}},"cts":${1786538684930 + i}}`);
    const h = run(BYBIT_SPOT, frames);
    expect((v.expected.decisions as string[]).map(verdict)).toEqual(['reset-book', 'reset-book', 'reset-book', 'reset-book']);
    // one quote per new top; the re-push (same u) repeats the last one and adds nothing
    expect(quotes(h).map((q) => q.bidQty)).toEqual(['0.460', '0.461', '0.463']);
    expect(h.decisions).toEqual([]); // no book verdicts at all: depth 1 has no chain to break
  });

  it('bybit-delta-decisions: every decision class matches (u=1 snapshot resets, a skipped u is a gap)', () => {
    const v = vector('bybit-delta-decisions');
    const msgs = v.input.messages as { type: string; u: number }[];
    const h = run(BYBIT_LINEAR, msgs.map((m, i) => bookFrame(50, m.type, m.u, 1000 + i, i)));
    expect(h.decisions).toEqual((v.expected.decisions as string[]).map(verdict));
  });

  it('bybit-full-ob-sync-decisions: the rows our REST-seeded rule (u only) can judge', () => {
    // Books are recorded from orderbook.{50,200,1000}, seeded by their websocket snapshot; the
    // rule's REST path (snapshotUsable, bridge) follows the doc's full-orderbook procedure as far
    // as a snapshot's u goes. Snapshot row 2 ("seq equal, u differs: refetch") and the buffering
    // rows need the REST snapshot's seq, which a book snapshot input does not carry.
    const v = vector('bybit-full-ob-sync-decisions');
    const up = (x: { seq: number; u: number }, prevSeq = -1) => ({ ts: 0, localTs: 0, firstId: x.u, lastId: x.u, prevId: -1, levels: { length: 0 } as never, seq: x.seq, prevSeq });
    const first = v.input.buffered[0];
    const snaps = v.input.snapshots as { seq: number; u: number }[];
    expect(verdict(v.expected.snapshotDecisions[0])).toBe('refetch');
    expect(bybitBookRule.snapshotUsable(snaps[0].u, up(first))).toBe(false);
    expect(verdict(v.expected.snapshotDecisions[2])).toBe('init');
    expect(bybitBookRule.snapshotUsable(snaps[2].u, up(first))).toBe(true);
    // after init at u 51: seq 1000 u 50 dropped, seq 1003 u 51 already in the snapshot, then u 52, 53
    const buffered = v.input.buffered as { seq: number; u: number }[];
    const after = [buffered[0], buffered[2], buffered[3], buffered[4]];
    const want = (v.expected.afterInit as string[]).map(verdict).map((d) => (d === 'drop' || d === 'already-in-snapshot' ? 'stale' : d));
    let last = snaps[2].u;
    const got: string[] = [];
    for (const x of after) {
      const r = last === snaps[2].u ? bybitBookRule.bridge(last, up(x)) : bybitBookRule.next(last, up(x));
      got.push(r.kind);
      if (r.kind === 'apply') last = x.u;
    }
    expect(got).toEqual(want);
    // live: u 54 applies, u 56 is a gap, a delta with u == 1 is a restart: resync (our gap verdict)
    const live = (v.input.live as { seq: number; u: number }[]).map((x) => {
      const r = bybitBookRule.next(last, up(x));
      if (r.kind === 'apply') last = x.u;
      return r.kind;
    });
    expect(live).toEqual((v.expected.liveDecisions as string[]).map(verdict).map((d) => (d === 'resync' ? 'gap' : d)));
  });

  it.each(['linear', 'spot'] as const)('bybit-recorded-public-trades (%s): id, time, taker side, price and size as sent', (market) => {
    const v = vector('bybit-recorded-public-trades');
    const m = market === 'linear' ? BYBIT_LINEAR : BYBIT_SPOT;
    const h = run(m, raws(v.input[market].frames));
    expect(h.controls).toEqual(['ack']);
    const trades = h.events.map((e) => (e.type === 'trade' ? { id: e.id, ts: e.ts / 1000, side: e.side, price: e.price, qty: e.amount } : undefined));
    expect(trades).toEqual((v.expected[market] as any[]).map((t) => ({ id: t.id, ts: t.ts, side: t.side, price: t.price, qty: t.qty })));
  });

  it('the same trade message from a rotation\'s second socket is emitted once', () => {
    const v = vector('bybit-recorded-public-trades');
    const frames = raws(v.input.spot.frames).slice(1);
    const h = run(BYBIT_SPOT, [frames[0], frames[0], frames[1], frames[0], frames[1]], [1, 2, 1, 2, 2]);
    expect(h.events.map((e) => (e.type === 'trade' ? e.id : '')).length).toBe(11);
  });

  it('bybit-recorded-tickers (linear): snapshot then a one-field delta merge into the expected state', () => {
    const v = vector('bybit-recorded-tickers');
    const h = run(BYBIT_LINEAR, raws(v.input.linear.frames));
    const want = v.expected.linearMergedAfterDelta;
    const derivatives = h.events.filter((e) => e.type === 'derivative');
    expect(derivatives).toHaveLength(2);
    expect(derivatives[1]).toEqual({
      type: 'derivative', venue: 'bybit-linear', symbol: 'BTC/USDT:USDT', venueSymbol: 'BTCUSDT', ts: 1786540397983_000, localTs: 1_000_001,
      markPrice: want.markPrice, indexPrice: want.indexPrice, fundingRate: want.fundingRate,
      nextFundingTs: Number(want.nextFundingTime) * 1000, openInterest: want.openInterest,
    });
    expect(derivatives[0]).toMatchObject({ indexPrice: '63986.67' });
    // the delta carried no 24 h field: one ticker, from the snapshot
    expect(h.events.filter((e) => e.type === 'ticker')).toEqual([{
      type: 'ticker', venue: 'bybit-linear', symbol: 'BTC/USDT:USDT', venueSymbol: 'BTCUSDT', ts: 1786540397684_000, localTs: 1_000_000,
      last: want.lastPrice, open24h: want.prevPrice24h, high24h: want.highPrice24h, low24h: want.lowPrice24h,
      volume24h: want.volume24h, quoteVolume24h: want.turnover24h,
    }]);
  });

  it('bybit-recorded-tickers (spot): a ticker with the 24 h figures, no derivative fields', () => {
    const v = vector('bybit-recorded-tickers');
    const h = run(BYBIT_SPOT, raws(v.input.spot.frames));
    expect(h.events).toEqual([{
      type: 'ticker', venue: 'bybit', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: 1786538729776_000, localTs: 1_000_001,
      last: '64057.7', open24h: '64326.9', high24h: '64500', low24h: '63232.1', volume24h: '7217.990977', quoteVolume24h: '460629823.77866687',
    }]);
  });

  it('bybit-recorded-kline-before-ack: routed by topic, so data before its ack is neither lost nor rejected', () => {
    const v = vector('bybit-recorded-kline-before-ack');
    const h = run(BYBIT_LINEAR, raws(v.input.linear.frames));
    // kline is not a recorded topic: it is passed over as "other", and the ack that follows is an ack
    expect(h.controls).toEqual(['other', 'ack']);
    expect(JSON.parse(raws(v.input.linear.frames)[0]).data[0]).toMatchObject({ ...v.expected.candle });
  });

  it('bybit-doc-rest-payloads: the REST shapes the simulator serves (checked in src/sim/bybit)', () => {
    const v = vector('bybit-doc-rest-payloads');
    expect(v.input.klineRow).toHaveLength(v.expected.klineColumns.length);
    expect(JSON.parse(v.input.orderbook).result).toMatchObject({ s: 'BTCUSDT', u: 230704, seq: 1432604333 });
  });
});

describe('the single-pass scanner and the JSON.parse path agree', () => {
  // "{ " defeats the scanner (whitespace), so the same frame takes JSON.parse + the guard
  const viaJson = (f: string): string => `{ ${f.slice(1)}`;
  const book = (h: Harness) => [...h.books].map(([k, b]) => [k, b.lastId, b.depth, b.book.bids.topRows(50), b.book.asks.topRows(50)]);

  it.each([
    ['linear depth 50', BYBIT_LINEAR, raws(vector('bybit-recorded-linear-orderbook50').input.frames)],
    ['spot depth 1', BYBIT_SPOT, raws(vector('bybit-recorded-orderbook1').input.frames)],
    ['synthetic chain with a gap and a seq going back', BYBIT_LINEAR, [bookFrame(200, 'snapshot', 7, 100), bookFrame(200, 'delta', 8, 90, 1), bookFrame(200, 'delta', 10, 120, 2)]],
  ])('%s', (_, m, frames) => {
    const fast = run(m, frames);
    const slow = run(m, frames.map(viaJson));
    expect(fast.decisions).toEqual(slow.decisions);
    expect(fast.events).toEqual(slow.events);
    expect(book(fast)).toEqual(book(slow));
    expect(fast.decisions.length + fast.events.length).toBeGreaterThan(1);
  });

  it('the scanner reads the recorded frames of both key orders whole', () => {
    const sc = new BookScanner();
    const batch = new LevelBatch(8);
    const [snap, delta] = raws(vector('bybit-recorded-linear-orderbook50').input.frames);
    expect(sc.scan(snap, batch)).toBe(true);
    expect([sc.depth, sc.snapshot, sc.u, sc.seq, sc.tsMs, batch.length]).toEqual([50, true, 53935309, 760578520138, 1786540345127, 100]);
    expect(sc.scan(delta, batch)).toBe(true);
    expect([sc.snapshot, sc.u, batch.length, batch.priceTextAt(2), batch.amountTextAt(2)]).toEqual([false, 53935310, 3, '63990.50', '0.008']);
    const top = raws(vector('bybit-recorded-orderbook1').input.frames)[0];
    expect(sc.scan(top, batch)).toBe(true);
    expect([sc.depth, sc.u, top.slice(sc.symbolStart, sc.symbolEnd)]).toEqual([1, 72212457, 'BTCUSDT']);
    expect(sc.scan(`{ ${delta.slice(1)}`, batch)).toBe(false);
  });

  it.each([
    ['data.s differs from the topic', bookFrame(50, 'delta', 2, 1).replace('"s":"BTCUSDT"', '"s":"BTCUSDX"')],
    ['an extra field', bookFrame(50, 'delta', 2, 1).replace('"seq":1}', '"seq":1,"x":1}')],
    ['a truncated frame', bookFrame(50, 'delta', 2, 1).slice(0, -3)],
  ])('a frame the scanner does not fully recognise still gets the JSON path\'s verdict: %s', (_, frame) => {
    const dec = createDecoder(BYBIT_LINEAR, { venue: 'bybit-linear', symbols: new Map([['BTCUSDT', 'BTC/USDT:USDT']]) });
    const fast = new Harness();
    const slow = new Harness();
    dec.decode(frame, { venue: 'bybit-linear', connId: 1, recvSeq: 0, localTs: 1 }, fast);
    dec.decode(viaJson(frame), { venue: 'bybit-linear', connId: 1, recvSeq: 0, localTs: 1 }, slow);
    expect([fast.rejects.length, fast.decisions]).toEqual([slow.rejects.length, slow.decisions]);
  });
});

describe('frames outside the vectors', () => {
  it('a delta whose seq went below the previous book message\'s is a gap; another socket\'s deltas are not compared', () => {
    const h = run(BYBIT_LINEAR, [bookFrame(50, 'snapshot', 10, 5000), bookFrame(50, 'delta', 11, 5007, 1), bookFrame(50, 'delta', 12, 4990, 2)]);
    expect(h.decisions).toEqual(['reset-book', 'apply', 'gap']);
    const other = run(BYBIT_LINEAR, [bookFrame(50, 'snapshot', 10, 5000), bookFrame(50, 'delta', 11, 4000, 1)], [1, 2]);
    expect(other.decisions).toEqual(['reset-book', 'apply']);
  });

  it('liquidations: the closing order\'s side, price and size as sent', () => {
    const h = run(BYBIT_LINEAR, ['{"topic":"allLiquidation.BTCUSDT","type":"snapshot","ts":1739502303204,"data":[{"T":1739502302929,"s":"BTCUSDT","S":"Buy","v":"0.020","p":"94567.80"},{"T":1739502302930,"s":"BTCUSDT","S":"Sell","v":"1.5","p":"94570"}]}']);
    expect(h.events.map((e) => (e.type === 'liquidation' ? [e.side, e.price, e.amount, e.ts] : []))).toEqual([
      ['sell', '94567.80', '0.020', 1739502302929_000], ['buy', '94570', '1.5', 1739502302930_000],
    ]);
  });

  it.each([
    ['not JSON', 'pong'],
    ['unknown symbol', bookFrame(50, 'snapshot', 1, 1).replace(/BTCUSDT/g, 'ETHUSDT')],
    ['bad type', bookFrame(50, 'partial', 1, 1)],
    ['u as text', bookFrame(50, 'delta', 1, 1).replace('"u":1', '"u":"1"')],
    ['bad level', bookFrame(50, 'delta', 1, 1).replace('"70000.00"', '"7e"')],
    ['trade without id', '{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[{"T":1,"s":"BTCUSDT","S":"Buy","v":"1","p":"2"}]}'],
    ['ticker with text price', '{"topic":"tickers.BTCUSDT","type":"delta","ts":1,"data":{"symbol":"BTCUSDT","markPrice":"n/a"}}'],
    ['neither topic nor op', '{"hello":1}'],
  ])('rejects %s', (_, frame) => {
    const dec = createDecoder(BYBIT_LINEAR, { venue: 'bybit-linear', symbols: new Map([['BTCUSDT', 'BTC/USDT:USDT']]) });
    const h = new Harness();
    dec.decode(frame, { venue: 'bybit-linear', connId: 1, recvSeq: 0, localTs: 1 }, h);
    expect(h.rejects).toHaveLength(1);
    expect(h.events).toEqual([]);
  });

  it('a failed op is an error for the log; a pong is other', () => {
    const h = run(BYBIT_SPOT, [
      '{"success":false,"ret_msg":"error:args size >10","conn_id":"x","req_id":"","op":"subscribe"}',
      '{"success":true,"ret_msg":"pong","conn_id":"x","op":"ping"}',
    ]);
    expect(h.controls).toEqual(['error', 'other']);
  });
});
