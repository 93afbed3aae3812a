// The decoder against the format vectors of protocol-vectors/kucoin.json (2026 recorded frames of
// both markets, the SDK spec's REST examples) and the cases a guard must refuse. Every fixture also
// runs through its hand-written guard and its zod twin, which must agree.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/fixtures.js';
import type { MarketEvent } from '../../core/events.js';
import type { DepthUpdate } from '../../book/types.js';
import type { DecodeSink } from '../types.js';
import { createDecoder } from './decode.js';
import { kucoin, kucoinFutures } from './index.js';
import { nsTextToUs, numberLexeme, parseLossless, quoteNumbers } from './lossless.js';
import {
  isKucoinFuturesExecution, isKucoinFuturesLevel2, isKucoinMessage, isKucoinSpotDepthN, isKucoinSpotLevel2, isKucoinSpotMatch,
  isKucoinSpotTicker, isKucoinTickerV2, isKucoinFuturesDepthN,
  KucoinFuturesDepthNSchema, KucoinFuturesExecutionSchema, KucoinFuturesLevel2Schema, KucoinMessageSchema, KucoinSpotDepthNSchema,
  KucoinSpotLevel2Schema, KucoinSpotMatchSchema, KucoinSpotTickerSchema, KucoinTickerV2Schema,
} from './wire.js';

interface Vector {
  id: string;
  input: Record<string, any>;
  expected: Record<string, any>;
}
const file = JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors', 'kucoin.json'), 'utf8')) as { vectors: Vector[] };
const vector = (id: string): Vector => file.vectors.find((v) => v.id === id)!;

class Sink implements DecodeSink {
  readonly events: MarketEvent[] = [];
  readonly depths: { sym: string; firstId: number; lastId: number; ts: number; levels: [number, string, string][] }[] = [];
  readonly rejects: string[] = [];
  readonly controls: string[] = [];
  event(ev: MarketEvent): void { this.events.push(ev); }
  depth(sym: string, u: DepthUpdate): void {
    const levels: [number, string, string][] = [];
    for (let i = 0; i < u.levels.length; i++) levels.push([u.levels.sideAt(i), u.levels.priceTextAt(i), u.levels.amountTextAt(i)]);
    this.depths.push({ sym, firstId: u.firstId, lastId: u.lastId, ts: u.ts, levels });
  }
  reject(reason: string): void { this.rejects.push(reason); }
  control(kind: string): void { this.controls.push(kind); }
  snapshot(): void { throw new Error('no stream snapshots on KuCoin'); }
  checksum(): void { throw new Error('no checksums on KuCoin'); }
  reply(): void {}
}

const META = { venue: 'kucoin', connId: 1, recvSeq: 1, localTs: 1_700_000_000_000_000 };
const SYMBOLS = new Map([['BTC-USDT', 'BTC/USDT'], ['XBTUSDTM', 'BTC/USDT:USDT'], ['EQZ-BTC', 'EQZ/BTC']]);

function decode(frames: string[], venue = 'kucoin'): Sink {
  const dec = createDecoder({ venue, symbols: SYMBOLS });
  const s = new Sink();
  for (const f of frames) dec.decode(f, { ...META, venue }, s);
  return s;
}

describe('kucoin-recorded-2026-frames', () => {
  const v = vector('kucoin-recorded-2026-frames');
  const spot = decode((v.input.spot.frames as { raw: string }[]).map((f) => f.raw));
  const futures = decode((v.input.futures.frames as { raw: string }[]).map((f) => f.raw), 'kucoin-futures');

  it('spot: welcome and ack are control, matches are taker trades with 17-digit ids kept as text', () => {
    expect(spot.rejects).toEqual([]);
    expect(spot.controls).toEqual(['other', 'ack']);
    const trades = spot.events.filter((e) => e.type === 'trade');
    expect(trades.map((t) => ({ id: t.id, side: t.side, price: t.price, size: t.amount, ts: t.ts }))).toEqual(
      (v.expected.spotTrades as { id: string; side: string; price: string; size: string; timeMs: number }[]).map((t) => ({
        id: t.id, side: t.side, price: t.price, size: t.size, ts: t.timeMs * 1000,
      })),
    );
  });

  it('futures: executions in contracts, the ns ts converted exactly (not the float millisecond before it)', () => {
    expect(futures.rejects).toEqual([]);
    const trades = futures.events.filter((e) => e.type === 'trade');
    const want = v.expected.futuresTrades as { id: string; side: string; price: string; contracts: number; tsNs: string; tsMs: number }[];
    expect(trades.map((t) => ({ id: t.id, side: t.side, price: t.price, amount: t.amount, ts: t.ts }))).toEqual(
      want.map((t) => ({ id: t.id, side: t.side, price: t.price, amount: String(t.contracts), ts: t.tsMs * 1000 })),
    );
    // The trap itself: through a float the first trade lands one millisecond early.
    expect(Math.floor(Number(want[0].tsNs) / 1e6)).toBe(want[0].tsMs - 1);
    expect(nsTextToUs(want[0].tsNs)).toBe(want[0].tsMs * 1000);
  });

  it('level2Depth5 frames become quotes with the best bid/ask after each', () => {
    const bbo = (s: Sink) => s.events.filter((e) => e.type === 'quote' && e.updateId === undefined && e.ts !== 1786540854233000)
      .map((q) => q.type === 'quote' && { bid: q.bidPrice, bidQty: q.bidAmount, ask: q.askPrice, askQty: q.askAmount });
    const d = v.expected.depth5;
    expect(bbo(spot)).toEqual(d.spotBboAfterEach);
    expect(bbo(futures)).toEqual((d.futuresBboAfterEach as Record<string, string | number>[]).map((x) => ({ ...x, bidQty: String(x.bidQty), askQty: String(x.askQty) })));
  });

  it('the v1 futures ticker is a quote without an update id (its sequence counts trades) and a last price', () => {
    const tick = futures.events.filter((e) => e.ts === 1786540854233000);
    expect(tick).toMatchObject([
      { type: 'quote', bidPrice: '64006.5', bidAmount: '1410', askPrice: '64006.6', askAmount: '696' },
      { type: 'ticker', last: '64006.6' },
    ]);
    expect((tick[0] as { updateId?: number }).updateId).toBeUndefined();
  });

  it('candle topics are left alone (control), spot and futures', () => {
    const s = decode([v.input.spotCandle.raw]);
    expect([s.rejects, s.events, s.controls]).toEqual([[], [], ['other']]);
    expect(futures.controls.at(-1)).toBe('other');
  });

  it('the guards agree with their zod twins on every frame', () => {
    const raws = [...v.input.spot.frames, ...v.input.futures.frames].map((f: { raw: string }) => f.raw);
    const pairs: [(x: unknown) => boolean, { safeParse(x: unknown): { success: boolean } }, string][] = [
      [isKucoinSpotMatch, KucoinSpotMatchSchema, '/market/match'],
      [isKucoinSpotDepthN, KucoinSpotDepthNSchema, '/spotMarket/level2Depth5'],
      [isKucoinFuturesExecution, KucoinFuturesExecutionSchema, '/contractMarket/execution'],
      [isKucoinFuturesDepthN, KucoinFuturesDepthNSchema, '/contractMarket/level2Depth5'],
      [isKucoinTickerV2, KucoinTickerV2Schema, '/contractMarket/ticker'],
    ];
    let checked = 0;
    for (const raw of raws) {
      // the futures depth5 levels are numbers the decoder reads losslessly; the rest JSON.parse
      const m = raw.includes('"/contractMarket/level2Depth') ? parseLossless(raw) : JSON.parse(raw);
      expect(isKucoinMessage(m)).toBe(KucoinMessageSchema.safeParse(m).success);
      if (!isKucoinMessage(m)) continue;
      for (const [guard, schema, topic] of pairs) {
        if (!m.topic.startsWith(`${topic}:`)) continue;
        expect(guard(m.data)).toBe(true);
        expect(schema.safeParse(m.data).success).toBe(true);
        checked++;
      }
    }
    expect(checked).toBe(10);
  });
});

describe('kucoin-doc-rest', () => {
  const v = vector('kucoin-doc-rest');

  it('the spot part book: sequence (a string) is the snapshot id, time ms', () => {
    expect(kucoin.parseDepth(v.input.spotPart)).toEqual({
      lastUpdateId: 14610502970, ts: 1729176273859000,
      bids: [['66976.4', '0.69109872'], ['66976.3', '0.14377']], asks: [['66976.5', '0.05408199'], ['66976.8', '0.0005']],
    });
  });

  it('the futures snapshot: numeric levels kept as their text, ts ns → µs exactly', () => {
    expect(kucoinFutures.parseDepth(v.input.futuresSnapshot)).toEqual({
      lastUpdateId: 1697895963339, ts: 1729168101216000,
      bids: [['66968', '2'], ['66964.8', '25596']], asks: [['66968.1', '13501'], ['66968.7', '2032']],
    });
    // a trailing zero survives where JSON.parse would drop it
    expect(kucoinFutures.parseDepth(v.input.futuresSnapshot.replace('66968.1,', '66968.10,')).asks[0][0]).toBe('66968.10');
  });

  it('bullet-public: the socket URL carries the token and a connectId; the ping interval comes from the body', () => {
    const a = kucoin.connectToken.parse(v.input.bulletPublic);
    const b = kucoin.connectToken.parse(v.input.bulletPublic);
    expect(a.url).toMatch(/^wss:\/\/ws-api-spot\.kucoin\.com\/\?token=TOKEN&connectId=mf\d+$/);
    expect(b.url).not.toBe(a.url);
    expect(a.pingIntervalMs).toBe(18000);
    expect(kucoin.connectToken.request).toEqual({ path: '/api/v1/bullet-public', weight: 10, method: 'POST' });
    expect(() => kucoin.connectToken.parse('{"code":"400003","msg":"KC-API-KEY not exists"}')).toThrow(/MF_ERR_HTTP.*400003/);
    expect(() => kucoin.connectToken.parse('{"code":"200000","data":{"token":"t","instanceServers":[]}}')).toThrow(/no token and endpoint/);
  });

  it('error bodies and malformed books are snapshot failures naming the venue code', () => {
    expect(() => kucoin.parseDepth('{"code":"400100","msg":"This symbol is not supported"}')).toThrow(/MF_ERR_SNAPSHOT_FAILED.*400100/);
    for (const bad of ['', '[]', '{"code":"200000","data":{"sequence":"1","bids":[],"asks":[]}}', '{"code":"200000","data":{"time":1,"sequence":"x","bids":[],"asks":[]}}']) {
      expect(() => kucoin.parseDepth(bad)).toThrow(/MF_ERR_SNAPSHOT_FAILED/);
    }
    expect(() => kucoinFutures.parseDepth('{"code":"200000","data":{"sequence":1,"bids":[["a",1]],"asks":[]}}')).toThrow(/MF_ERR_SNAPSHOT_FAILED/);
  });
});

describe('spot level2 decoding', () => {
  const l2 = (start: number, end: number, asks: string[][], bids: string[][], sym = 'BTC-USDT'): string =>
    JSON.stringify({ data: { sequenceStart: start, symbol: sym, changes: { asks, bids }, sequenceEnd: end }, subject: 'trade.l2update', topic: `/market/level2:${sym}`, type: 'message' });

  it('one update per change sequence in sequence order, asks and bids interleaved; a trailing update closes the range', () => {
    const s = decode([l2(10, 16, [['101', '2', '12'], ['102', '0', '11']], [['99', '1', '12'], ['0', '0', '14']])]);
    expect(s.rejects).toEqual([]);
    expect(s.depths.map((d) => [d.firstId, d.lastId, d.levels])).toEqual([
      [10, 11, [[-1, '102', '0']]],
      [12, 12, [[-1, '101', '2'], [1, '99', '1']]],
      [13, 14, []], // price "0": sequence only
      [15, 16, []],
    ]);
  });

  it('uses the message time when it has one, else the receive time', () => {
    const withTime = JSON.parse(l2(5, 5, [], [['99', '1', '5']])) as { data: Record<string, unknown> };
    withTime.data.time = 1786538806073;
    const s = decode([JSON.stringify(withTime), l2(6, 6, [], [['99', '2', '6']])]);
    expect(s.depths.map((d) => d.ts)).toEqual([1786538806073000, META.localTs]);
    expect(isKucoinSpotLevel2(withTime.data)).toBe(KucoinSpotLevel2Schema.safeParse(withTime.data).success);
  });

  it.each([
    ['a change outside sequenceStart..sequenceEnd', l2(10, 11, [['101', '1', '12']], [])],
    ['one of several changes outside the range', l2(10, 12, [['101', '1', '11']], [['99', '1', '9']])],
    ['sequenceStart after sequenceEnd (the doc example envelope)', l2(19, 15, [['3988.61', '0', '19']], [])],
    ['a non-numeric size', l2(10, 10, [['101', 'x', '10']], [])],
    ['an unknown symbol', l2(10, 10, [['101', '1', '10']], [], 'DOGE-USDT')],
    ['a sequence above 2^53', l2(10, 10, [['101', '1', '90071992547409930']], [])],
    ['not JSON', '{"data":'],
    ['not an object', '[1,2]'],
    ['a message without data', '{"type":"message","topic":"/market/level2:BTC-USDT"}'],
  ])('rejects %s whole', (_what, frame) => {
    const s = decode([frame]);
    expect(s.depths).toEqual([]);
    expect(s.rejects).toHaveLength(1);
  });

  it('the 2021 ticker and level2 frames pass guard and zod alike', () => {
    const frames = vector('kucoin-spot-eqz-btc-capture').input.frames as { raw: string }[];
    for (const f of frames) {
      const m = JSON.parse(f.raw) as { data: unknown; subject: string };
      if (m.subject === 'trade.l2update') expect([isKucoinSpotLevel2(m.data), KucoinSpotLevel2Schema.safeParse(m.data).success]).toEqual([true, true]);
      if (m.subject === 'trade.ticker') expect([isKucoinSpotTicker(m.data), KucoinSpotTickerSchema.safeParse(m.data).success]).toEqual([true, true]);
    }
  });
});

describe('futures level2 and instrument decoding', () => {
  const live = vector('kucoin-doc-futures-increment-example').input.liveExample as string;

  it('the live example: one change "price,side,size", sequence both ends, timestamp ms', () => {
    const s = decode([live], 'kucoin-futures');
    expect(s.rejects).toEqual([]);
    expect(s.depths).toEqual([{ sym: 'XBTUSDTM', firstId: 1709400450243, lastId: 1709400450243, ts: 1731897467182000, levels: [[-1, '90631.2', '2']] }]);
    const d = (JSON.parse(live) as { data: unknown }).data;
    expect([isKucoinFuturesLevel2(d), KucoinFuturesLevel2Schema.safeParse(d).success]).toEqual([true, true]);
  });

  it.each(['90631.2,sell', '90631.2,sell,2,1', 'x,sell,2', '90631.2,short,2', '90631.2,buy,'])('rejects change %j', (change) => {
    const s = decode([live.replace('90631.2,sell,2', change)], 'kucoin-futures');
    expect([s.depths.length, s.rejects.length]).toEqual([0, 1]);
  });

  it('tickerV2 is a quote at the book\'s sequence; mark/index and funding are derivatives with their text as sent', () => {
    const s = decode([
      '{"topic":"/contractMarket/tickerV2:XBTUSDTM","type":"message","subject":"tickerV2","sn":1709284589209,"data":{"symbol":"XBTUSDTM","sequence":1709284589209,"bestBidSize":713,"bestBidPrice":"88987.4","bestAskPrice":"88987.5","bestAskSize":1037,"ts":1731665526461000000}}',
      '{"topic":"/contract/instrument:XBTUSDTM","type":"message","subject":"mark.index.price","data":{"markPrice":90445.20,"indexPrice":90445.02,"granularity":1000,"timestamp":1731899129000}}',
      '{"topic":"/contract/instrument:XBTUSDTM","type":"message","subject":"funding.rate","data":{"period":1,"granularity":60000,"fundingRate":-0.000076,"timestamp":1790114460000}}',
      '{"topic":"/contract/instrument:XBTUSDTM","type":"message","subject":"premium.index","data":{"granularity":60000,"value":0.0001,"timestamp":1790114460000}}',
    ], 'kucoin-futures');
    expect(s.rejects).toEqual([]);
    expect(s.events).toEqual([
      { type: 'quote', venue: 'kucoin-futures', symbol: 'BTC/USDT:USDT', venueSymbol: 'XBTUSDTM', ts: 1731665526461000, localTs: META.localTs,
        bidPrice: '88987.4', bidAmount: '713', askPrice: '88987.5', askAmount: '1037', updateId: 1709284589209 },
      { type: 'derivative', venue: 'kucoin-futures', symbol: 'BTC/USDT:USDT', venueSymbol: 'XBTUSDTM', ts: 1731899129000000, localTs: META.localTs,
        markPrice: '90445.20', indexPrice: '90445.02' },
      { type: 'derivative', venue: 'kucoin-futures', symbol: 'BTC/USDT:USDT', venueSymbol: 'XBTUSDTM', ts: 1790114460000000, localTs: META.localTs,
        fundingRate: '-0.000076' },
    ]);
    expect(s.controls).toEqual(['other']);
  });

  it('an execution\'s ts is read from its digits; a look-alike key later in the frame is not taken for it', () => {
    const exec = '{"topic":"/contractMarket/execution:XBTUSDTM","type":"message","subject":"match","sn":1,"data":{"symbol":"XBTUSDTM","sequence":1,"side":"buy","size":3,"price":"63990.6","takerOrderId":"a","makerOrderId":"b","tradeId":"7","ts":1786540805418000000}}';
    expect(decode([exec], 'kucoin-futures').events).toMatchObject([{ type: 'trade', id: '7', amount: '3', ts: 1786540805418000 }]);
    const s = decode([exec.replace('}}', ',"x":{"ts":5}}}')], 'kucoin-futures');
    expect([s.events.length, s.rejects]).toEqual([0, ['execution ts not found as written']]);
    expect(numberLexeme('{"ts":1786540805418000000}', 'ts', 1786540805418000000)).toBe('1786540805418000000');
  });

  it('control frames: ack, error with its code, welcome and pong', () => {
    const s = decode(['{"id":"1","type":"ack"}', '{"id":"2","type":"error","code":404,"data":"topic /x is not found"}', '{"id":"a","type":"welcome"}', '{"id":"p","type":"pong"}', '{"id":"x"}']);
    expect(s.controls).toEqual(['ack', 'error', 'other', 'other']);
    expect(s.rejects).toEqual(['frame without a type']);
  });
});

describe('lossless numbers', () => {
  it('quotes numbers outside strings only, escapes included', () => {
    expect(quoteNumbers('{"a":-1.50,"b":"x\\"1","c":[1e-7,2],"d":true}')).toBe('{"a":"-1.50","b":"x\\"1","c":["1e-7","2"],"d":true}');
    expect(quoteNumbers('{"a":"b"}')).toBe('{"a":"b"}');
    expect(parseLossless('{"ts":1786540805418000000}')).toEqual({ ts: '1786540805418000000' });
    expect(parseLossless('{"ts":')).toBeUndefined();
    expect([nsTextToUs('123'), nsTextToUs('1786540805418000000.5'), nsTextToUs('99999999999999999999999')]).toEqual([undefined, undefined, undefined]);
  });
});
