// The decoder against every vector of protocol-vectors/bingx.json (recorded 2026 spot and swap
// frames, the doc's incrDepth update, the gzip heartbeats), fed as the venue sends them — gzip
// binary frames — and as text; then rejects and routing on hand-made frames.
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MarketEvent, type MarketEvent as Ev } from '../../core/events.js';
import type { BookSnapshotInput, DepthUpdate } from '../../book/types.js';
import { FIXTURES } from '../../../test/fixtures.js';
import type { DecodeSink } from '../types.js';
import { NO_ID } from './book-rule.js';
import { createDecoder } from './decode.js';
import { bingx, bingxSwap } from './index.js';

interface Vector { id: string; input: Record<string, any>; expected: Record<string, any> }
const VECTORS = (JSON.parse(readFileSync(`${FIXTURES}/protocol-vectors/bingx.json`, 'utf8')) as { vectors: Vector[] }).vectors;
const vector = (id: string): Vector => VECTORS.find((v) => v.id === id)!;

interface Out {
  events: Ev[];
  depth: { sym: string; ts: number; firstId: number; lastId: number; levels: string[] }[];
  snapshots: { sym: string; s: BookSnapshotInput }[];
  rejects: string[];
  controls: string[];
  replies: string[];
}

const SPOT_SYMBOLS = new Map([['BTC-USDT', 'BTC/USDT']]);
const SWAP_SYMBOLS = new Map([['BTC-USDT', 'BTC/USDT:USDT']]);
const LOCAL_TS = 1_786_541_300_000_000;

/** Decodes frames as gzip binary (the wire) or as text; events are checked against the zod schema. */
function decode(venue: 'bingx' | 'bingx-swap', frames: string[], binary = true): Out {
  const out: Out = { events: [], depth: [], snapshots: [], rejects: [], controls: [], replies: [] };
  const sink: DecodeSink = {
    event: (ev) => out.events.push(ev),
    depth: (sym, u: DepthUpdate) => {
      const levels: string[] = [];
      for (let i = 0; i < u.levels.length; i++) {
        levels.push(`${u.levels.sideAt(i) === 1 ? 'b' : 'a'} ${u.levels.priceTextAt(i)} ${u.levels.amountTextAt(i)}${u.levels.isDeleteAt(i) ? ' del' : ''}`);
      }
      out.depth.push({ sym, ts: u.ts, firstId: u.firstId, lastId: u.lastId, levels });
    },
    snapshot: (sym, s) => out.snapshots.push({ sym, s }),
    reject: (reason) => out.rejects.push(reason),
    control: (kind, detail) => out.controls.push(`${kind}: ${detail}`),
    reply: (text) => out.replies.push(text),
    checksum: () => { throw new Error('unexpected'); },
  };
  const spec = venue === 'bingx' ? bingx : bingxSwap;
  const dec = spec.createDecoder({ venue, symbols: venue === 'bingx' ? SPOT_SYMBOLS : SWAP_SYMBOLS });
  for (const f of frames) {
    const meta = { venue, connId: 1, recvSeq: 1, localTs: LOCAL_TS };
    if (binary) dec.decodeBinary!(gzipSync(f), meta, sink);
    else dec.decode(f, meta, sink);
  }
  for (const ev of out.events) expect(MarketEvent.safeParse(ev).success, JSON.stringify(ev)).toBe(true);
  return out;
}

const raws = (frames: { raw: string }[]): string[] => frames.map((f) => f.raw);

describe.each([true, false])('bingx decoder on the recorded vectors (binary %s)', (binary) => {
  it('bingx-recorded-spot-depth100: ack, then a whole top-100 book, asks re-sorted best first', () => {
    const v = vector('bingx-recorded-spot-depth100');
    const o = decode('bingx', raws(v.input.frames), binary);
    expect(o.controls).toEqual([`ack: ${v.input.frames[0].raw}`]);
    expect(o.rejects).toEqual([]);
    const [{ sym, s }] = o.snapshots;
    expect(sym).toBe('BTC-USDT');
    expect(s.bids).toHaveLength(v.expected.levels.bids);
    expect(s.asks).toHaveLength(v.expected.levels.asks);
    expect(s.lastUpdateId).toBe(v.expected.lastUpdateId);
    expect(s.ts).toBe(v.expected.timestamp * 1000);
    expect(s.depth).toBe(100);
    expect(s.bids[0]).toEqual([v.expected.bbo.bid, v.expected.bbo.bidQty]);
    expect(s.asks[0]).toEqual([v.expected.bbo.ask, v.expected.bbo.askQty]);
    // the wire's first ask (the highest) is now the last
    expect(s.asks[99]).toEqual(v.expected.firstAskOnWire);
    for (let i = 1; i < 100; i++) {
      expect(Number(s.asks[i][0])).toBeGreaterThan(Number(s.asks[i - 1][0]));
      expect(Number(s.bids[i][0])).toBeLessThan(Number(s.bids[i - 1][0]));
    }
  });

  it('bingx-recorded-swap-depth100: a whole book without an update id', () => {
    const v = vector('bingx-recorded-swap-depth100');
    const o = decode('bingx-swap', raws(v.input.frames), binary);
    expect(o.controls).toEqual([`ack: ${v.input.frames[0].raw}`]);
    const [{ s }] = o.snapshots;
    expect(v.expected.hasLastUpdateId).toBe(false);
    expect(s.lastUpdateId).toBe(NO_ID);
    expect(s.ts).toBe(v.expected.ts * 1000);
    expect([s.bids.length, s.asks.length]).toEqual([v.expected.levels.bids, v.expected.levels.asks]);
    expect(s.bids[0]).toEqual([v.expected.bbo.bid, v.expected.bbo.bidQty]);
    expect(s.asks[0]).toEqual([v.expected.bbo.ask, v.expected.bbo.askQty]);
  });

  it.each(['spot', 'swap'] as const)('bingx-recorded-trades (%s): taker side from m, ids where sent, quantities as text', (market) => {
    const v = vector('bingx-recorded-trades');
    const o = decode(market === 'spot' ? 'bingx' : 'bingx-swap', raws(v.input[market].frames), binary);
    expect(o.rejects).toEqual([]);
    const want = v.expected[market] as { ts: number; price: string; qty: string; side: string; id: string | null }[];
    expect(o.events.map((e) => e.type === 'trade' && [e.ts, e.price, e.amount, e.side])).toEqual(want.map((t) => [t.ts * 1000, t.price, t.qty, t.side]));
    for (let i = 0; i < want.length; i++) {
      const ev = o.events[i] as Extract<Ev, { type: 'trade' }>;
      if (want[i].id !== null) expect(ev.id).toBe(want[i].id);
      else expect(ev.id).toBe(`${want[i].ts}:${want[i].price}:${want[i].qty}:${want[i].side}`);
    }
  });

  it.each(['spot', 'swap'] as const)('bingx-recorded-tickers (%s): best bid/ask as a quote, the lexemes of JSON numbers kept', (market) => {
    const v = vector('bingx-recorded-tickers');
    const o = decode(market === 'spot' ? 'bingx' : 'bingx-swap', raws(v.input[market].frames), binary);
    expect(o.rejects).toEqual([]);
    const bbo = v.expected[`${market}Bbo`];
    const q = o.events.find((e) => e.type === 'quote') as Extract<Ev, { type: 'quote' }>;
    expect([q.bidPrice, q.bidAmount, q.askPrice, q.askAmount]).toEqual([bbo.bid, bbo.bidQty, bbo.ask, bbo.askQty]);
    const t = o.events.find((e) => e.type === 'ticker') as Extract<Ev, { type: 'ticker' }>;
    if (market === 'spot') expect(t).toMatchObject({ ts: 1786540061055000, last: '64093.88', open24h: '64365.85', high24h: '64463.42', low24h: '63244.01', volume24h: '2094.51', quoteVolume24h: '133683816.22' });
    else expect(t).toMatchObject({ ts: 1786541030249000, last: '63968.7', open24h: '63968.2', volume24h: '12761.6500', quoteVolume24h: '814330726.14' });
  });

  it.each(['spot', 'swap'] as const)('bingx-recorded-klines (%s): a channel we do not record — passed over, not rejected', (market) => {
    const v = vector('bingx-recorded-klines');
    const o = decode(market === 'spot' ? 'bingx' : 'bingx-swap', raws(v.input[market].frames), binary);
    expect(o.rejects).toEqual([]);
    expect(o.events).toEqual([]);
    expect(o.controls.slice(1)).toEqual([`other: BTC-USDT@kline_${market === 'spot' ? '1min' : '1m'}`, `other: BTC-USDT@kline_${market === 'spot' ? '1min' : '1m'}`]);
  });

  it('bingx-doc-incrdepth-update: the update id and every delete ("0.0000")', () => {
    const v = vector('bingx-doc-incrdepth-update');
    const o = decode('bingx-swap', [v.input.raw], binary);
    expect(o.rejects).toEqual([]);
    const [d] = o.depth;
    expect([d.firstId, d.lastId, d.ts]).toEqual([v.expected.lastUpdateId, v.expected.lastUpdateId, 1760002514979000]);
    const dels = (side: string): string[] => d.levels.filter((l) => l.startsWith(side) && l.endsWith(' del')).map((l) => l.split(' ')[1]);
    expect(dels('b')).toEqual(v.expected.deletes.bids);
    expect(dels('a')).toEqual(v.expected.deletes.asks);
    expect(d.levels.length).toBe(16 + 35);
  });
});

describe('bingx keepalive (bingx-gzip-heartbeats)', () => {
  const v = vector('bingx-gzip-heartbeats');

  it.each([
    ['bingx-swap', 'swapPingFrameBase64', 'swapPingText', 'swapReply'],
    ['bingx', 'spotPingFrameBase64', 'spotPingText', 'spotReply'],
  ] as const)('%s: the gunzipped ping is the doc text, and the reply is sent back as text', (venue, frame, text, reply) => {
    const bytes = Buffer.from(v.input[frame], 'base64');
    expect(gunzipSync(bytes).toString('utf8')).toBe(v.expected[text]);
    const out: string[] = [];
    const rejects: string[] = [];
    const dec = (venue === 'bingx' ? bingx : bingxSwap).createDecoder({ venue, symbols: SPOT_SYMBOLS });
    dec.decodeBinary!(bytes, { venue, connId: 1, recvSeq: 1, localTs: 1 }, {
      event: () => { throw new Error('no event'); }, depth: () => {}, snapshot: () => {}, checksum: () => {}, control: () => {},
      reject: (r) => rejects.push(r), reply: (t) => out.push(t),
    });
    expect(rejects).toEqual([]);
    expect(out).toEqual([v.expected[reply]]);
  });
});

describe('bingx REST depth (bingx-doc-rest-depth)', () => {
  it('carries no update id on either market, so no REST book seeds the stream: the specs have none', () => {
    const v = vector('bingx-doc-rest-depth');
    for (const body of [v.input.swap, v.input.spot]) expect(JSON.stringify(JSON.parse(body).data)).not.toMatch(/[Ii]d"/);
    for (const spec of [bingx, bingxSwap]) {
      expect(spec.bookSnapshot).toBe('ws');
      expect('depthRequest' in spec).toBe(false);
    }
  });
});

describe('bingx decoder: snapshots, updates, markPrice and rejects', () => {
  const push = (dataType: string, data: string): string => `{"code":0,"dataType":"BTC-USDT@${dataType}","ts":1700000000000,"data":${data}}`;

  it('incrDepth "all" is a stream snapshot (sorted best first); "update" a depth diff', () => {
    const o = decode('bingx-swap', [
      push('incrDepth', '{"action":"all","lastUpdateId":100,"time":1700000000001,"bids":[["9","1"],["10","2"]],"asks":[["12","1"],["11","3"]]}'),
      push('incrDepth', '{"action":"update","lastUpdateId":101,"time":1700000000002,"bids":[["10","0.0000"]],"asks":[["11.5","4"]]}'),
    ]);
    expect(o.snapshots).toEqual([{ sym: 'BTC-USDT', s: { lastUpdateId: 100, ts: 1700000000001000, bids: [['10', '2'], ['9', '1']], asks: [['11', '3'], ['12', '1']] } }]);
    expect(o.depth).toEqual([{ sym: 'BTC-USDT', ts: 1700000000002000, firstId: 101, lastId: 101, levels: ['b 10 0.0000 del', 'a 11.5 4'] }]);
  });

  it('levels in no order at all are sorted', () => {
    const o = decode('bingx', [push('depth5', '{"bids":[["2","1"],["3","1"],["1","1"]],"asks":[["5","1"],["4","1"],["6","1"]],"lastUpdateId":7}')]);
    expect(o.snapshots[0].s).toMatchObject({ lastUpdateId: 7, depth: 5, bids: [['3', '1'], ['2', '1'], ['1', '1']], asks: [['4', '1'], ['5', '1'], ['6', '1']] });
  });

  it('a swap depth channel with an interval suffix decodes like depthN', () => {
    const o = decode('bingx-swap', [push('depth20@200ms', '{"bids":[["2","1"]],"asks":[["3","1"]]}')]);
    expect(o.snapshots[0].s).toMatchObject({ lastUpdateId: NO_ID, depth: 20 });
  });

  it('markPrice → derivative (string or number)', () => {
    const o = decode('bingx-swap', [
      push('markPrice', '{"e":"markPriceUpdate","E":1700000000005,"s":"BTC-USDT","p":"64000.1"}'),
      push('markPrice', '{"e":"markPriceUpdate","E":1700000000006,"s":"BTC-USDT","p":64000.10}'),
    ]);
    expect(o.events.map((e) => e.type === 'derivative' && [e.ts, e.markPrice])).toEqual([[1700000000005000, '64000.1'], [1700000000006000, '64000.10']]);
  });

  it('identical swap trades in one push get distinct ids', () => {
    const t = '{"q":"1","p":"2","T":5,"m":false,"s":"BTC-USDT"}';
    const o = decode('bingx-swap', [push('trade', `[${t},${t}]`)]);
    expect(o.events.map((e) => e.type === 'trade' && e.id)).toEqual(['5:2:1:buy', '5:2:1:buy:2']);
  });

  it('an error frame is an error control, not data', () => {
    const o = decode('bingx-swap', ['{"id":"sub:X@trade","code":80015,"msg":"dataType not supported"}']);
    expect(o.controls).toEqual(['error: 80015 dataType not supported']);
    expect(o.rejects).toEqual([]);
  });

  it.each([
    ['bad gzip', Buffer.from('H4sIAAAAAAAAA+strange', 'base64'), /not a gzip member/],
    ['not gzip at all', Buffer.from('{"code":0}'), /not a gzip member/],
    ['bad JSON inside good gzip', gzipSync('{"code":0,"dataType":"BTC-USDT@incrDepth","data":{"act'), /not JSON/],
    ['an array', gzipSync('[1,2]'), /not a JSON object/],
    ['unknown symbol', gzipSync(push('trade', '[]').replace('BTC-USDT', 'ETH-USDT')), /unknown symbol/],
    ['no dataType symbol', gzipSync('{"code":0,"dataType":"trade","data":[]}'), /unknown symbol/],
    ['wrong types', gzipSync(push('incrDepth', '{"action":"update","lastUpdateId":"x","bids":{},"asks":"x"}')), /incrDepth frame failed/],
    ['bad level', gzipSync(push('incrDepth', '{"action":"update","lastUpdateId":5,"bids":[["x","1"]],"asks":[]}')), /malformed level/],
    ['bad action', gzipSync(push('incrDepth', '{"action":"snap","lastUpdateId":5,"bids":[],"asks":[]}')), /action "snap"/],
    ['bad snapshot level', gzipSync(push('incrDepth', '{"action":"all","lastUpdateId":5,"bids":[["1"]],"asks":[]}')), /malformed level/],
    ['bad depth', gzipSync(push('depth5', '{"bids":[["1",2]],"asks":[]}')), /depth5 frame failed/],
    ['empty trade push', gzipSync(push('trade', '[]')), /trade frame failed/],
    ['bad trade', gzipSync(push('trade', '[{"q":1,"p":"2","T":5,"m":false}]')), /swap trade failed/],
    ['bad ticker', gzipSync(push('ticker', '{"E":1,"s":"BTC-USDT","c":"abc"}')), /ticker field c/],
    ['bad markPrice', gzipSync(push('markPrice', '{"E":1,"s":"BTC-USDT","p":"1,5"}')), /markPrice frame failed/],
    ['neither push nor ack', gzipSync('{"hello":1}'), /neither a push/],
  ])('%s → rejected, nothing emitted', (_what, bytes, reason) => {
    const out: string[] = [];
    let emitted = 0;
    const dec = createDecoder({ venue: 'bingx-swap', symbols: SWAP_SYMBOLS });
    dec.decodeBinary!(bytes, { venue: 'bingx-swap', connId: 1, recvSeq: 1, localTs: 1 }, {
      event: () => emitted++, depth: () => emitted++, snapshot: () => emitted++, checksum: () => emitted++, reply: () => emitted++,
      control: () => {}, reject: (r) => out.push(r),
    });
    expect(emitted).toBe(0);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(reason);
  });
});
