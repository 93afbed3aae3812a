// Decoder units: control events, heartbeats, book updates (sides, deletes, kept texts), trailing
// sequence/timestamp, checksum frames, trades (te/tu/snapshot), tickers, routing per connection,
// BULK batches, and malformed frames rejected with a reason.
import { describe, expect, it } from 'vitest';
import { MarketEvent } from '../../core/events.js';
import { OrderBook } from '../../book/order-book.js';
import type { BookSnapshotInput, DepthUpdate } from '../../book/types.js';
import type { DecodeSink } from '../types.js';
import { crc32Text } from '../../book/checksum.js';
import { computeChecksum } from './book-rule.js';
import { BitfinexDecoder } from './decode.js';

type Level = [side: number, price: string, amount: string, del: boolean];
type Out =
  | { k: 'event'; ev: MarketEvent }
  | { k: 'depth'; v: string; ts: number; levels: Level[] }
  | { k: 'snapshot'; v: string; s: BookSnapshotInput }
  | { k: 'checksum'; v: string; value: number; ts: number }
  | { k: 'reject'; reason: string }
  | { k: 'control'; kind: string; detail: string };

const levelsOf = (u: DepthUpdate): Level[] =>
  Array.from({ length: u.levels.length }, (_, i) => [u.levels.sideAt(i), u.levels.priceTextAt(i), u.levels.amountTextAt(i), u.levels.isDeleteAt(i)]);

class Harness {
  readonly d = new BitfinexDecoder({ venue: 'bitfinex', symbols: new Map([['tBTCUSD', 'BTC/USD'], ['tETHUSD', 'ETH/USD'], ['tTESTBTC:TESTUSD', 'TESTBTC/TESTUSD']]) });
  out: Out[] = [];
  private readonly sink: DecodeSink = {
    event: (ev) => this.out.push({ k: 'event', ev }),
    depth: (v, u) => this.out.push({ k: 'depth', v, ts: u.ts, levels: levelsOf(u) }),
    snapshot: (v, s) => this.out.push({ k: 'snapshot', v, s }),
    checksum: (v, value, ts) => this.out.push({ k: 'checksum', v, value, ts }),
    reject: (reason) => this.out.push({ k: 'reject', reason }),
    control: (kind, detail) => this.out.push({ k: 'control', kind, detail }),
  };

  /** Decodes frames on a connection; returns (and clears) what they produced. */
  run(frames: string[], connId = 1): Out[] {
    this.out = [];
    for (const f of frames) this.d.decode(f, { venue: 'bitfinex', connId, recvSeq: 1, localTs: 5_000_000 }, this.sink);
    return this.out;
  }
}

const sub = (channel: string, chanId: number, symbol: string, extra = ''): string =>
  `{"event":"subscribed","channel":"${channel}","chanId":${chanId},"symbol":"${symbol}"${extra}}`;
const BOOK = sub('book', 17, 'tBTCUSD', ',"prec":"P0","freq":"F0","len":"25"');

describe('bitfinex decoder: control events', () => {
  it('acks conf and subscriptions, maps info codes and errors', () => {
    const h = new Harness();
    const out = h.run([
      '{"event":"info","version":2,"serverId":"x","platform":{"status":1}}',
      '{"event":"conf","status":"OK","flags":163840}',
      BOOK,
      '{"event":"info","code":20051,"msg":"Stopping. Please try to reconnect"}',
      '{"event":"info","code":20060,"msg":"Entering in Maintenance mode"}',
      '{"event":"info","code":20061,"msg":"Maintenance ended"}',
      '{"event":"error","msg":"subscribe: dup","code":10301,"symbol":"tBTCUSD"}',
      '{"event":"conf","status":"FAIL","flags":1}',
      '{"event":"pong","ts":1}',
      '{"event":"unsubscribed","status":"OK","chanId":17}',
    ]);
    expect(out.map((o) => (o.k === 'control' ? `${o.kind}: ${o.detail}` : o.k))).toEqual([
      'other: bitfinex info: version 2',
      'ack: conf flags 163840',
      'ack: subscribed book tBTCUSD chanId 17',
      'shutdown: bitfinex info 20051: websocket server restarting, reconnect now',
      'other: bitfinex info 20060: maintenance started: pause until info 20061 (books hold still meanwhile)',
      'shutdown: bitfinex info 20061: maintenance ended: reconnecting for fresh books',
      'error: 10301 subscribe: dup (tBTCUSD)',
      'error: conf refused: {"event":"conf","status":"FAIL","flags":1}',
      'other: {"event":"pong","ts":1}',
      'ack: unsubscribed book tBTCUSD chanId 17',
    ]);
    // After unsubscribed, the channel's frames are unknown; heartbeats are still ignored.
    expect(h.run(['[17,[100,1,1]]', '[17,"hb"]'])).toEqual([{ k: 'reject', reason: expect.stringMatching(/channel 17/) }]);
  });

  it('ignores heartbeats without rejecting them, even of channels not yet announced', () => {
    const h = new Harness();
    expect(h.run([BOOK, '[17,"hb"]', '[99,"hb"]', '[17,"hb",1618677547788]'])).toEqual([expect.objectContaining({ k: 'control' })]);
    expect(h.d.stats.heartbeats).toBe(3);
  });
});

describe('bitfinex decoder: books', () => {
  it('splits sides by amount sign, stores ask amounts absolute, deletes on count 0', () => {
    const h = new Harness();
    const out = h.run([BOOK, '[17,[[101,2,1.5],[100,1,0.25],[102,1,-3],[103,4,-1.5e-7]]]', '[17,[100,0,1]]', '[17,[102,0,-1]]', '[17,[99.5,3,2e-8]]']);
    expect(out.slice(1)).toEqual([
      { k: 'snapshot', v: 'tBTCUSD', s: { lastUpdateId: -1, ts: 0, bids: [['101', '1.5'], ['100', '0.25']], asks: [['102', '3'], ['103', '1.5e-7']] } },
      { k: 'depth', v: 'tBTCUSD', ts: 5_000_000, levels: [[1, '100', '1', true]] },
      { k: 'depth', v: 'tBTCUSD', ts: 5_000_000, levels: [[-1, '102', '1', true]] },
      { k: 'depth', v: 'tBTCUSD', ts: 5_000_000, levels: [[1, '99.5', '2e-8', false]] },
    ]);
  });

  it('reads the TIMESTAMP and SEQ_ALL trailers in either order, and the cs frame', () => {
    const h = new Harness();
    const out = h.run([
      '{"event":"conf","status":"OK","flags":229376}', BOOK,
      '[17,[100,1,1],1,1618677547161]', '[17,[100,1,2],1618677547162,2]', '[17,"cs",-1582707309,3,1618677547163]', '[17,"hb",4]',
    ]);
    expect(out.filter((o) => o.k === 'depth').map((o) => (o as { ts: number }).ts)).toEqual([1618677547161000, 1618677547162000]);
    expect(out.at(-1)).toEqual({ k: 'checksum', v: 'tBTCUSD', value: 2712259987, ts: 1618677547163000 });
    expect(h.d.stats.seqGaps).toBe(0);
    // A lost frame breaks the connection's sequence: reconnect.
    expect(h.run(['[17,[100,1,3],6]'])[0]).toEqual({ k: 'control', kind: 'shutdown', detail: expect.stringMatching(/expected 5, got 6/) });
    expect(h.d.stats.seqGaps).toBe(1);
  });

  it('does not check small trailers as sequences when conf says SEQ_ALL is off', () => {
    const h = new Harness();
    h.run(['{"event":"conf","status":"OK","flags":163840}', BOOK, '[17,[100,1,1],7]', '[17,[100,1,1],3]']);
    expect(h.d.stats.seqGaps).toBe(0);
  });

  it('applies BULK batches as one update once the snapshot is in', () => {
    const h = new Harness();
    const out = h.run(['{"event":"conf","status":"OK","flags":536870912}', BOOK, '[17,[[100,1,1]]]', '[17,[[100,0,1],[101,2,-4]]]']);
    expect(out.slice(2).map((o) => o.k)).toEqual(['snapshot', 'depth']);
    expect((out[3] as { levels: Level[] }).levels).toEqual([[1, '100', '1', true], [-1, '101', '4', false]]);
  });

  it('a book built from decoded updates checksums as the venue does (ask sign restored)', () => {
    const d = new BitfinexDecoder({ venue: 'bitfinex', symbols: new Map([['tBTCUSD', 'BTC/USD']]) });
    const book = new OrderBook(25);
    const sink: DecodeSink = {
      event: () => {}, reject: (r) => { throw new Error(r); }, control: () => {}, checksum: () => {},
      snapshot: (_v, s) => { book.loadSnapshot(s.bids, s.asks); },
      depth: (_v, u) => { book.apply(u.levels); },
    };
    const meta = { venue: 'bitfinex', connId: 1, recvSeq: 1, localTs: 1 };
    const sum = (): number => computeChecksum(book.bids.topRows(25), book.asks.topRows(25));
    for (const f of [BOOK, '[17,[[63976,1,0.07815425],[63984,1,-0.00554122]]]']) d.decode(f, meta, sink);
    // The venue's text: ask amount negative as on the wire.
    expect(sum()).toBe(crc32Text('63976:0.07815425:63984:-0.00554122'));
    for (const f of ['[17,[63984,0,-1]]', '[17,[63985,1,-0.1709331]]', '[17,[63975,1,1.5e-7]]']) d.decode(f, meta, sink);
    expect(sum()).toBe(crc32Text('63976:0.07815425:63985:-0.1709331:63975:1.5e-7'));
  });
});

describe('bitfinex decoder: trades and tickers', () => {
  it('emits te trades, ignores tu, and emits a snapshot oldest first', () => {
    const h = new Harness();
    const out = h.run([
      sub('trades', 5, 'tBTCUSD'),
      '[5,[[402,1618665870435,-0.5,60000.5],[401,1618665870000,0.25,60000]]]',
      '[5,"te",[403,1618665871000,1.5e-7,60001]]',
      '[5,"tu",[403,1618665871000,1.5e-7,60001]]',
    ]).filter((o) => o.k === 'event').map((o) => (o as { ev: MarketEvent }).ev);
    expect(out).toEqual([
      { type: 'trade', venue: 'bitfinex', symbol: 'BTC/USD', venueSymbol: 'tBTCUSD', ts: 1618665870000000, localTs: 5_000_000, id: '401', price: '60000', amount: '0.25', side: 'buy' },
      { type: 'trade', venue: 'bitfinex', symbol: 'BTC/USD', venueSymbol: 'tBTCUSD', ts: 1618665870435000, localTs: 5_000_000, id: '402', price: '60000.5', amount: '0.5', side: 'sell' },
      { type: 'trade', venue: 'bitfinex', symbol: 'BTC/USD', venueSymbol: 'tBTCUSD', ts: 1618665871000000, localTs: 5_000_000, id: '403', price: '60001', amount: '1.5e-7', side: 'buy' },
    ]);
    for (const e of out) expect(MarketEvent.safeParse(e).success).toBe(true);
  });

  it('turns a ticker into a quote and a ticker, timed by TIMESTAMP when present', () => {
    const h = new Harness();
    const frame = '[9,[0.068965,60157.36709703,0.0774,48578.50804052,0.001969,0.0262,0.076989,101459.39453471,0.0828,0.068961],1618677543951]';
    const out = h.run([sub('ticker', 9, 'tTESTBTC:TESTUSD'), frame]).slice(1).map((o) => (o as { ev: MarketEvent }).ev);
    const base = { venue: 'bitfinex', symbol: 'TESTBTC/TESTUSD', venueSymbol: 'tTESTBTC:TESTUSD', ts: 1618677543951000, localTs: 5_000_000 };
    expect(out).toEqual([
      { type: 'quote', ...base, bidPrice: '0.068965', bidAmount: '60157.36709703', askPrice: '0.0774', askAmount: '48578.50804052' },
      { type: 'ticker', ...base, last: '0.076989', volume24h: '101459.39453471', high24h: '0.0828', low24h: '0.068961' },
    ]);
  });
});

describe('bitfinex decoder: routing and malformed frames', () => {
  it('keeps channel ids per connection', () => {
    const h = new Harness();
    h.run([BOOK], 1);
    h.run([sub('book', 17, 'tETHUSD', ',"prec":"P0"')], 2);
    expect((h.run(['[17,[[10,1,1]]]'], 1)[0] as { v: string }).v).toBe('tBTCUSD');
    expect((h.run(['[17,[[10,1,1]]]'], 2)[0] as { v: string }).v).toBe('tETHUSD');
    expect(h.d.resubscribe('tETHUSD', 25)).toEqual([
      '{"event":"unsubscribe","chanId":17}', '{"event":"subscribe","channel":"book","symbol":"tETHUSD","prec":"P0","freq":"F0","len":"25"}',
    ]);
  });

  it.each([
    ['not json', '{oops', /not JSON/],
    ['array of junk', '[17,{"a":1}]', /not a Bitfinex channel frame/],
    ['trailing text', '[17,[100,1,1]]x', /not a Bitfinex channel frame/],
    ['short entry', '[17,[100,1]]', /fewer than 3/],
    ['string price', '[17,["100",1,1]]', /not a number/],
    ['zero price', '[17,[0,1,1]]', /not a positive number/],
    ['count with zero amount', '[17,[100,2,0]]', /zero amount/],
    ['bad amount', '[17,[100,1,--1]]', /amount --1/],
    ['fractional count', '[17,[100,1.5,1]]', /count 1.5/],
    ['unknown tag', '[17,"xx",1]', /tag xx/],
    ['checksum out of range', '[17,"cs",4294967296]', /32-bit/],
    ['fractional checksum', '[17,"cs",1.5]', /32-bit/],
    ['bad trailer', '[17,[100,1,1],-4]', /trailing field -4/],
    ['unknown channel', '[18,[100,1,1]]', /channel 18/],
    ['unrecorded symbol', '[30,[100,1,1]]', /tXRPUSD, which is not being recorded/],
    ['bad trade', '[5,"te",[1,2,0,60000]]', /positive decimal/],
    ['short ticker', '[9,[1,2,3]]', /ticker frame/],
  ])('rejects %s', (_name, frame, reason) => {
    const h = new Harness();
    h.run([BOOK, sub('trades', 5, 'tBTCUSD'), sub('ticker', 9, 'tBTCUSD'), sub('book', 30, 'tXRPUSD', ',"prec":"P0"')]);
    expect(h.run([frame])).toEqual([{ k: 'reject', reason: expect.stringMatching(reason) }]);
  });
});
