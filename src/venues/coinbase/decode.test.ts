// The decoder against shared/fixtures/protocol-vectors/coinbase-advanced-trade.json (every vector)
// and the connection-sequence traps of PROTOCOLS-MORE.md §2: the counter crosses channels, the
// first data message precedes the ack, a hole or a counter going back breaks every book of the
// connection, a frame lost to a guard is a hole for the books. The harness keeps one book per
// product as the sync engine does for 'ws' venues, with the real book rule.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FIXTURES } from '../../../test/fixtures.js';
import { MarketEvent } from '../../core/events.js';
import { LevelBatch } from '../../book/levels.js';
import { OrderBook } from '../../book/order-book.js';
import type { BookSnapshotInput, DepthUpdate, Verdict } from '../../book/types.js';
import type { DecodeSink, FrameMeta } from '../types.js';
import { coinbaseBookRule } from './book-rule.js';
import { createDecoder } from './decode.js';
import { coinbase } from './index.js';
import { parseProducts } from './rest.js';
import { L2Scanner } from './scan.js';
import { ConnectionSequences, NO_CHAIN } from './sequence.js';

interface Vector {
  id: string;
  input: Record<string, any>;
  expected: Record<string, any>;
}

const VECTORS = (JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors', 'coinbase-advanced-trade.json'), 'utf8')) as { vectors: Vector[] }).vectors;

const vector = (id: string): Vector => {
  const v = VECTORS.find((x) => x.id === id);
  if (v === undefined) throw new Error(`no vector ${id}`);
  return v;
};

const SYMBOLS = new Map([['BTC-USD', 'BTC/USD'], ['ETH-USD', 'ETH/USD']]);

class Harness implements DecodeSink {
  readonly books = new Map<string, { book: OrderBook; lastId: number }>();
  readonly events: MarketEvent[] = [];
  readonly rejects: string[] = [];
  readonly controls: string[] = [];
  /** One verdict class per book emission, in order. */
  readonly decisions: string[] = [];
  readonly gaps: Verdict[] = [];
  /** Emissions of the frame being decoded (`frame` resets it). */
  current: string[] = [];
  private readonly dec = createDecoder({ venue: 'coinbase', symbols: SYMBOLS });

  /** Decodes one frame on connection `connId`; returns the book emissions it caused. */
  frame(text: string, connId = 1, localTs = 1_700_000_000_000_000): string[] {
    this.current = [];
    const meta: FrameMeta = { venue: 'coinbase', connId, recvSeq: 0, localTs };
    this.dec.decode(text, meta, this);
    return this.current;
  }

  snapshot(sym: string, s: BookSnapshotInput): void {
    const book = new OrderBook(50);
    if (!book.loadSnapshot(s.bids, s.asks)) throw new Error('bad snapshot');
    this.books.set(sym, { book, lastId: s.lastUpdateId });
    this.log('reset-book');
  }

  depth(sym: string, u: DepthUpdate): void {
    const b = this.books.get(sym);
    if (b === undefined) return this.log('unsynced');
    const v = coinbaseBookRule.next(b.lastId, u);
    if (v.kind !== 'apply') {
      this.gaps.push(v);
      this.books.delete(sym);
      return this.log(v.kind);
    }
    b.book.apply(u.levels);
    b.lastId = u.lastId;
    this.log('apply');
  }

  top(sym: string): { bids: [string, string][]; asks: [string, string][] } {
    const b = this.books.get(sym)!.book;
    return { bids: b.bids.topRows(50).map((r) => [r[0], r[1]]), asks: b.asks.topRows(50).map((r) => [r[0], r[1]]) };
  }

  event(ev: MarketEvent): void {
    expect(MarketEvent.safeParse(ev).success, JSON.stringify(ev)).toBe(true);
    this.events.push(ev);
  }
  reject(reason: string): void { this.rejects.push(reason); }
  control(kind: string, detail: string): void { this.controls.push(`${kind} ${detail.slice(0, 60)}`); }
  reply(): void { throw new Error('Coinbase is never answered'); }
  checksum(): void { throw new Error('Coinbase sends no checksum frames'); }

  private log(d: string): void {
    this.decisions.push(d);
    this.current.push(d);
  }
}

/** An envelope as Coinbase writes it (no client_id, as in the 2026 recordings). */
function envelope(channel: string, seq: number, events: string, ts = '2026-08-12T19:27:48.098821666Z'): string {
  return `{"channel":"${channel}","timestamp":"${ts}","sequence_num":${seq},"events":${events}}`;
}

function l2(seq: number, type: 'snapshot' | 'update', product: string, levels: [side: string, price: string, qty: string][], ts?: string): string {
  const updates = levels.map(([side, price, qty]) => `{"side":"${side}","event_time":"2026-08-12T19:27:48.098Z","price_level":"${price}","new_quantity":"${qty}"}`);
  return envelope('l2_data', seq, `[{"type":"${type}","product_id":"${product}","updates":[${updates.join(',')}]}]`, ts);
}

const heartbeat = (seq: number, n = seq): string =>
  envelope('heartbeats', seq, `[{"current_time":"2026-08-12 19:27:48.098821666 +0000 UTC m=+1.0","heartbeat_counter":${n}}]`);
const ack = (seq: number): string => envelope('subscriptions', seq, '[{"subscriptions":{"level2":["BTC-USD"]}}]');

/** A verdict's class: the part before `(` or `->` (vectors README). */
const verdictClass = (d: string): string => d.split('(')[0].split('->')[0];

describe('coinbase vectors', () => {
  it('every vector of the file is covered here', () => {
    expect(VECTORS.map((v) => v.id).sort()).toEqual([
      'coinbase-doc-l2-snapshot', 'coinbase-l2-apply-synthetic', 'coinbase-recorded-market-trades', 'coinbase-recorded-sequence-across-channels',
      'coinbase-recorded-ticker', 'coinbase-rest-public-endpoints', 'coinbase-seq-decisions',
    ]);
  });

  it('coinbase-recorded-sequence-across-channels: one run across channels, the ack included', () => {
    const v = vector('coinbase-recorded-sequence-across-channels');
    const st = { last: -1, anchors: new Map<string, number>() };
    const dues = (v.input.messages as { sequence_num: number }[]).map((m) => ConnectionSequences.arrive(st, m.sequence_num));
    expect(dues).toEqual([-1, -1, -1]);
    // and a book anchored on the connection is not broken by the other channels' messages
    const h = new Harness();
    h.frame(l2(0, 'snapshot', 'BTC-USD', [['bid', '1', '1']]));
    h.frame(envelope('market_trades', 1, '[{"type":"update","trades":[]}]'));
    h.frame(ack(2));
    expect(h.frame(l2(3, 'update', 'BTC-USD', [['bid', '2', '1']]))).toEqual(['apply']);
  });

  it('coinbase-doc-l2-snapshot: a snapshot event replaces the book; bid/offer sides', () => {
    const v = vector('coinbase-doc-l2-snapshot');
    const h = new Harness();
    expect(h.frame(v.input.raw)).toEqual(['reset-book']);
    expect(h.top('BTC-USD')).toEqual({ bids: v.expected.bids, asks: v.expected.asks });
    expect(h.rejects).toEqual([]);
  });

  it('coinbase-seq-decisions: reset-book, ok, ok, apply, gap (4 missing)', () => {
    const v = vector('coinbase-seq-decisions');
    const h = new Harness();
    const got: string[] = [];
    for (const m of v.input.messages as { channel: string; sequence_num: number; type?: 'snapshot' | 'update' }[]) {
      const text = m.channel === 'l2_data' ? l2(m.sequence_num, m.type!, 'BTC-USD', [['bid', '21921.73', String(m.sequence_num + 1)]])
        : m.channel === 'heartbeats' ? heartbeat(m.sequence_num) : ack(m.sequence_num);
      got.push(h.frame(text)[0] ?? 'ok');
    }
    expect(got).toEqual((v.expected.decisions as string[]).map(verdictClass));
    expect(h.gaps).toEqual([{ kind: 'gap', expected: 'every sequence_num after 3 on connection 1', got: 'sequence_num 5 on connection 1: 4 missing' }]);
  });

  it('coinbase-recorded-market-trades: trades by trade_id, the counter across channels, data before the ack', () => {
    const v = vector('coinbase-recorded-market-trades');
    const h = new Harness();
    const frames = v.input.frames as { raw: string }[];
    for (const f of frames) h.frame(f.raw);
    expect(frames.map((f) => JSON.parse(f.raw).sequence_num)).toEqual(v.expected.sequenceNums);
    expect(frames.map((f) => JSON.parse(f.raw).channel)).toEqual(v.expected.channels);
    expect(h.rejects).toEqual([]);
    expect(h.controls).toEqual([expect.stringMatching(/^ack /)]);
    const trades = h.events.filter((e) => e.type === 'trade');
    expect(trades.map((t) => t.id)).toEqual(v.expected.tradeIdsAscending);
    const wire = new Map((v.expected.tradesInWireOrder as Record<string, string>[]).map((t) => [t.trade_id, t]));
    for (const t of trades) {
      const w = wire.get(t.id)!;
      expect(t).toMatchObject({ venue: 'coinbase', symbol: 'BTC/USD', venueSymbol: 'BTC-USD', price: w.price, amount: w.size, ts: Date.parse(w.time) * 1000 + Number(w.time.slice(23, 26)) });
      // BUY is the maker's side: the taker sold
      expect(t.side).toBe(w.side === 'BUY' ? 'sell' : 'buy');
    }
  });

  it('coinbase-recorded-ticker: best bid/ask with sizes after each frame (none for the ack)', () => {
    const v = vector('coinbase-recorded-ticker');
    const h = new Harness();
    const bbo = (v.input.frames as { raw: string }[]).map((f) => {
      h.events.length = 0;
      h.frame(f.raw);
      const q = h.events.find((e) => e.type === 'quote');
      return q === undefined ? null : { bid: q.bidPrice, bidQty: q.bidAmount, ask: q.askPrice, askQty: q.askAmount };
    });
    expect(bbo).toEqual(v.expected.bboAfterEach);
    const raw = JSON.parse(v.input.frames[0].raw).events[0].tickers[0];
    h.events.length = 0;
    h.frame(v.input.frames[0].raw);
    expect(h.events.find((e) => e.type === 'ticker')).toMatchObject({
      last: raw.price, high24h: raw.high_24_h, low24h: raw.low_24_h, volume24h: raw.volume_24_h, ts: Date.parse('2026-08-12T19:27:33.489Z') * 1000 + 674,
    });
  });

  it('coinbase-l2-apply-synthetic: offer → asks, "0" removes, absolute sizes, applied in order', () => {
    const v = vector('coinbase-l2-apply-synthetic');
    const h = new Harness();
    h.frame(vector(v.input.snapshotFromVector).input.raw);
    const got = (v.input.frames as { raw: string }[]).flatMap((f) => h.frame(f.raw));
    expect(got).toEqual((v.expected.decisions as string[]).map(verdictClass));
    expect(h.top('BTC-USD')).toEqual(v.expected.book);
  });

  it('coinbase-rest-public-endpoints: the listing on the public market path; no REST book seeding', () => {
    const v = vector('coinbase-rest-public-endpoints');
    const base = `${coinbase.urls.rest}/api/v3/brokerage/market/`;
    for (const k of ['productBookPath', 'candlesPath', 'tradesPath']) expect(v.input[k]).toContain(base);
    expect(`${coinbase.urls.rest}${coinbase.exchangeInfo.path}/`).toBe(`${base}products/`);
    // "the REST book has no sequence number: … seed books only from the WS level2 snapshot event"
    expect(coinbase.bookSnapshot).toBe('ws');
    expect('depthRequest' in coinbase).toBe(false);
    const listing = JSON.stringify({ products: [
      { product_id: 'BTC-USD', status: 'online', trading_disabled: false, is_disabled: false },
      { product_id: 'OLD-USD', status: 'delisted', trading_disabled: true },
      { product_id: 'HALT-USD', status: 'online', trading_disabled: true },
    ], num_products: 3 });
    expect([...parseProducts(listing)]).toEqual(['BTC-USD']);
    expect(() => parseProducts('{"error":"x"}')).toThrow(/products/);
  });
});

describe('coinbase decoder: sequence_num per connection', () => {
  it('book ids pack the connection and sequence_num; an update chains to the product\'s last l2 message', () => {
    const ids: number[][] = [];
    const h = new Harness();
    h.snapshot = (sym, s) => { ids.push([s.lastUpdateId]); Harness.prototype.snapshot.call(h, sym, s); };
    h.depth = (sym, u) => { ids.push([u.prevId, u.firstId, u.lastId]); Harness.prototype.depth.call(h, sym, u); };
    h.frame(l2(7, 'snapshot', 'BTC-USD', [['bid', '1', '1']]), 3);
    h.frame(heartbeat(8), 3);
    h.frame(l2(9, 'update', 'BTC-USD', [['offer', '2', '1']]), 3);
    expect(ids).toEqual([[30_000_000_007], [30_000_000_007, 30_000_000_008, 30_000_000_009]]);
    expect(h.decisions).toEqual(['reset-book', 'apply']);
  });

  it('a hole breaks every book of its connection at the message that shows it, even a heartbeat', () => {
    const h = new Harness();
    h.frame(l2(0, 'snapshot', 'BTC-USD', [['bid', '1', '1']]));
    h.frame(l2(1, 'snapshot', 'ETH-USD', [['bid', '1', '1']]));
    expect(h.frame(heartbeat(4))).toEqual(['gap', 'gap']);
    expect(h.gaps.map((g) => g.kind === 'gap' && g.got)).toEqual(['sequence_num 4 on connection 1: 2..3 missing', 'sequence_num 4 on connection 1: 2..3 missing']);
    // the books wait for their snapshots: updates in between are not applied
    expect(h.frame(l2(5, 'update', 'BTC-USD', [['bid', '1', '2']]))).toEqual(['unsynced']);
    expect(h.frame(l2(6, 'snapshot', 'BTC-USD', [['bid', '1', '3']]))).toEqual(['reset-book']);
    expect(h.frame(l2(7, 'update', 'BTC-USD', [['bid', '1', '4']]))).toEqual(['apply']);
  });

  it('a counter going back is a break too; the first message of a connection may have any number', () => {
    const h = new Harness();
    h.frame(heartbeat(150), 2);
    h.frame(l2(151, 'snapshot', 'BTC-USD', [['bid', '1', '1']]), 2);
    expect(h.frame(heartbeat(151), 2)).toEqual(['gap']);
    expect(h.gaps[0]).toMatchObject({ got: 'sequence_num 151 on connection 2: went back (152 was due)' });
  });

  it('connections are independent: a hole on one leaves the other\'s books alone', () => {
    const h = new Harness();
    h.frame(l2(0, 'snapshot', 'BTC-USD', [['bid', '1', '1']]), 1);
    h.frame(l2(0, 'snapshot', 'ETH-USD', [['bid', '1', '1']]), 2);
    expect(h.frame(heartbeat(3), 2)).toEqual(['gap']);
    expect(h.frame(l2(1, 'update', 'BTC-USD', [['bid', '1', '2']]), 1)).toEqual(['apply']);
  });

  it('an update before any snapshot on its connection continues no chain', () => {
    const seen: number[] = [];
    const h = new Harness();
    h.depth = (_sym, u) => { seen.push(u.prevId); };
    h.frame(l2(0, 'update', 'BTC-USD', [['bid', '1', '1']]));
    expect(seen).toEqual([NO_CHAIN]);
  });

  it('a frame that is not an envelope uses no sequence_num: the run goes on', () => {
    const h = new Harness();
    h.frame(l2(0, 'snapshot', 'BTC-USD', [['bid', '1', '1']]));
    for (const bad of ['{"channel":"l2_data","timestamp":"2026-08-12T19:27:48Z","sequence_num":', '{"channel":"l2_data","timestamp":5,"sequence_num":"x","events":{}}', '{"channel":"l2_data"}', '\u0000<html>502</html>']) {
      expect(h.frame(bad)).toEqual([]);
    }
    expect(h.rejects).toHaveLength(4);
    expect(h.frame(l2(1, 'update', 'BTC-USD', [['bid', '1', '2']]))).toEqual(['apply']);
  });

  it('an l2_data frame that fails its guard is lost to the books: rejected, and a break', () => {
    const h = new Harness();
    h.frame(l2(0, 'snapshot', 'BTC-USD', [['bid', '1', '1']]));
    expect(h.frame(l2(1, 'update', 'BTC-USD', [['ask', '1', '2']]))).toEqual(['gap']);
    expect(h.frame(l2(2, 'snapshot', 'BTC-USD', [['bid', 'x', '2']]))).toEqual([]);
    expect(h.rejects).toEqual(['l2_data level failed its guard', 'l2_data level with a non-decimal price or quantity']);
    // a malformed ticker is no loss to the books
    h.frame(l2(4, 'snapshot', 'BTC-USD', [['bid', '1', '1']]));
    expect(h.frame(envelope('ticker', 5, '[{"type":"update","tickers":[{"product_id":"BTC-USD","price":"abc"}]}]'))).toEqual([]);
    expect(h.frame(l2(6, 'update', 'BTC-USD', [['bid', '1', '2']]))).toEqual(['apply']);
  });

  it('another product\'s l2 events are not ours: skipped, no reject, no break', () => {
    const h = new Harness();
    h.frame(l2(0, 'snapshot', 'BTC-USD', [['bid', '1', '1']]));
    expect(h.frame(l2(1, 'update', 'SOL-USD', [['bid', '1', '2']]))).toEqual([]);
    expect(h.frame(l2(2, 'update', 'SOL-USD', [['bid', '1', '2']]).replace(',"', ', "'))).toEqual([]); // the JSON.parse path too
    expect(h.frame(l2(3, 'update', 'BTC-USD', [['bid', '1', '2']]))).toEqual(['apply']);
    expect(h.rejects).toEqual([]);
  });

  it('errors, acks and heartbeats are control traffic', () => {
    const h = new Harness();
    h.frame('{"type":"error","message":"authentication failure"}');
    h.frame(ack(0));
    h.frame(heartbeat(1));
    expect(h.controls).toEqual(['error authentication failure', expect.stringMatching(/^ack /), expect.stringMatching(/^other /)]);
    expect(h.events).toEqual([]);
  });
});

describe('coinbase decoder: the one-pass l2 scan agrees with JSON.parse', () => {
  const levels = (text: string): string[] => {
    const out: string[] = [];
    const h = new Harness();
    h.frame(l2(0, 'snapshot', 'BTC-USD', []));
    h.depth = (_sym, u) => {
      const l = u.levels;
      for (let i = 0; i < l.length; i++) out.push(`${l.sideAt(i)} ${l.priceAt(i)} ${l.priceTextAt(i)} ${l.amountTextAt(i)} ${l.isDeleteAt(i)} ${u.ts} ${u.prevId} ${u.lastId}`);
    };
    h.frame(text);
    expect(h.rejects).toEqual([]);
    return out;
  };

  it.each([
    ['as Coinbase sends it', l2(1, 'update', 'BTC-USD', [['bid', '21921.30', '0'], ['offer', '21922.5', '0.50000000'], ['bid', '7', '1.5']])],
    ['with the doc\'s client_id', l2(1, 'update', 'BTC-USD', [['offer', '21922.5', '0.5']]).replace('{"channel":"l2_data",', '{"channel":"l2_data","client_id":"",')],
    ['with no levels', l2(1, 'update', 'BTC-USD', [])],
  ])('%s', (_what, text) => {
    const spaced = text.replace(/,"/g, ', "'); // whitespace: only JSON.parse reads it
    const scanner = new L2Scanner();
    const batch = new LevelBatch(4);
    expect(scanner.scan(text, batch), 'the one-pass scan reads it').toBe(true);
    expect(scanner.scan(spaced, batch), 'and leaves the spaced copy to JSON.parse').toBe(false);
    expect(levels(text)).toEqual(levels(spaced));
  });

  it('a snapshot loads the same book through the scan and through JSON.parse', () => {
    const raw = vector('coinbase-doc-l2-snapshot').input.raw as string;
    const scanner = new L2Scanner();
    expect(scanner.scan(raw, new LevelBatch(4))).toBe(true);
    expect(scanner.snapshot).toBe(true);
    const snaps = (text: string): unknown[] => {
      const got: unknown[] = [];
      const h = new Harness();
      h.snapshot = (sym, snap) => { got.push([sym, snap]); };
      h.frame(text);
      return got;
    };
    const fast = snaps(raw);
    expect(fast).toHaveLength(1);
    expect(snaps(raw.replace(/,"/g, ', "'))).toEqual(fast);
  });

  it('a truncated update is rejected by the fallback, never half-applied', () => {
    const h = new Harness();
    h.frame(l2(0, 'snapshot', 'BTC-USD', [['bid', '1', '1']]));
    const text = l2(1, 'update', 'BTC-USD', [['bid', '2', '1'], ['offer', '3', '1']]);
    expect(h.frame(text.slice(0, -5))).toEqual([]);
    expect(h.rejects).toEqual(['not JSON']);
  });
});
