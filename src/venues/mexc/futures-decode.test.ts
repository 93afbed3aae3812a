// The futures vectors (mexc.json: the doc's push.depth, a merged push with begin/end, push.deal as
// an object and as an array) and the other contract frames: numbers keep their lexemes, acks,
// errors and rejects.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MarketEvent, type MarketEvent as Ev } from '../../core/events.js';
import type { DepthUpdate } from '../../book/types.js';
import { FIXTURES } from '../../../test/fixtures.js';
import type { DecodeSink } from '../types.js';
import { createFuturesDecoder } from './futures-decode.js';
import { quoteNumbers } from './futures-wire.js';

const FILE = JSON.parse(readFileSync(`${FIXTURES}/protocol-vectors/mexc.json`, 'utf8')) as { vectors: { id: string; input: any; expected: any }[] };
const vector = (id: string) => FILE.vectors.find((v) => v.id === id)!;
const LOCAL_TS = 1_700_000_000_000_000;

interface Out { events: Ev[]; depth: { sym: string; ts: number; firstId: number; lastId: number; levels: string[] }[]; rejects: string[]; controls: string[] }

function decode(...frames: string[]): Out {
  const out: Out = { events: [], depth: [], rejects: [], controls: [] };
  const sink: DecodeSink = {
    event: (ev) => out.events.push(ev),
    depth: (sym, u: DepthUpdate) => {
      const levels: string[] = [];
      for (let i = 0; i < u.levels.length; i++) {
        levels.push(`${u.levels.sideAt(i) === 1 ? 'b' : 'a'} ${u.levels.priceTextAt(i)} ${u.levels.amountTextAt(i)}${u.levels.isDeleteAt(i) ? ' del' : ''}`);
      }
      out.depth.push({ sym, ts: u.ts, firstId: u.firstId, lastId: u.lastId, levels });
    },
    reject: (reason) => out.rejects.push(reason),
    control: (kind, detail) => out.controls.push(`${kind}: ${detail}`),
    snapshot: () => { throw new Error('futures books come from REST'); },
    reply: () => { throw new Error('nothing to answer'); },
    checksum: () => { throw new Error('no checksum frames'); },
  };
  const dec = createFuturesDecoder({ venue: 'mexc-futures', symbols: new Map([['BTC_USDT', 'BTC/USDT:USDT']]) });
  for (const f of frames) dec.decode(f, { venue: 'mexc-futures', connId: 1, recvSeq: 1, localTs: LOCAL_TS }, sink);
  for (const ev of out.events) expect(MarketEvent.safeParse(ev).success, JSON.stringify(ev)).toBe(true);
  return out;
}

describe('mexc futures protocol vectors', () => {
  const depth = vector('mexc-contract-doc-push-depth');

  it('mexc-contract-doc-push-depth: a single push covers its version; levels [price, contracts, count] as sent', () => {
    const o = decode(depth.input.raw);
    expect(o.rejects).toEqual([]);
    expect(o.depth).toEqual([{ sym: 'BTC_USDT', ts: 1587442022003000, firstId: 96801927, lastId: 96801927, levels: ['a 6859.5 3251'] }]);
  });

  it('the merged push covers begin..end (version == end); size 0 deletes', () => {
    const o = decode(depth.input.mergedThirdParty);
    expect(o.depth).toEqual([{
      sym: 'BTC_USDT', ts: 1751820030820000, firstId: 26012861157, lastId: 26012861281,
      levels: ['b 108182.7 950165', 'b 108032.4 1532291', 'a 109419.6 1546632', 'a 109464.6 0 del'],
    }]);
  });

  it('mexc-contract-push-deal-shapes: an object and an array of deals give the same trades', () => {
    const shapes = vector('mexc-contract-push-deal-shapes');
    const o = decode(shapes.input.docObject, shapes.input.array2025);
    expect(o.rejects).toEqual([]);
    expect(o.events).toEqual([
      { type: 'trade', venue: 'mexc-futures', symbol: 'BTC/USDT:USDT', venueSymbol: 'BTC_USDT', ts: 1587442049632000, localTs: LOCAL_TS, id: '1587442049632:6866.5:2096:buy', price: '6866.5', amount: '2096', side: 'buy' },
      { type: 'trade', venue: 'mexc-futures', symbol: 'BTC/USDT:USDT', venueSymbol: 'BTC_USDT', ts: 1755487578276000, localTs: LOCAL_TS, id: '1755487578276:115309.8:55:sell', price: '115309.8', amount: '55', side: 'sell' },
    ]);
  });
});

describe('mexc futures decoder: other frames', () => {
  it('deals carry no id: time:price:contracts:side stands in, with :2 on a repeat within one push', () => {
    const o = decode('{"symbol":"BTC_USDT","data":[{"p":1.5,"v":3,"T":1,"O":3,"M":2,"t":7},{"p":1.5,"v":3,"T":1,"O":3,"M":2,"t":7},{"p":1.5,"v":3,"T":2,"O":3,"M":2,"t":7}],"channel":"push.deal","ts":7}');
    expect(o.events.map((e) => (e.type === 'trade' ? e.id : ''))).toEqual(['7:1.5:3:buy', '7:1.5:3:buy:2', '7:1.5:3:sell']);
  });


  it('push.ticker gives a ticker and a derivative (fair price as mark, holdVol as open interest), texts as sent', () => {
    const o = decode('{"channel":"push.ticker","data":{"ask1":6866.5,"bid1":6865,"contractId":1,"fairPrice":6867.4,"fundingRate":0.0008,"high24Price":7223.5,"indexPrice":6861.6,"lastPrice":6865.5,"lower24Price":6756,"maxBidPrice":7073.42,"minAskPrice":6661.37,"riseFallRate":-0.0424,"riseFallValue":-304.5,"symbol":"BTC_USDT","timestamp":1587442022003,"holdVol":2284742,"volume24":164586129},"symbol":"BTC_USDT","ts":1587442022003}');
    const base = { venue: 'mexc-futures', symbol: 'BTC/USDT:USDT', venueSymbol: 'BTC_USDT', ts: 1587442022003000, localTs: LOCAL_TS };
    expect(o.events).toEqual([
      { type: 'ticker', ...base, last: '6865.5', high24h: '7223.5', low24h: '6756', volume24h: '164586129' },
      { type: 'derivative', ...base, markPrice: '6867.4', indexPrice: '6861.6', fundingRate: '0.0008', openInterest: '2284742' },
    ]);
  });

  it('push.depth.full gives a quote of its best levels; trailing zeros survive', () => {
    const o = decode('{"channel":"push.depth.full","data":{"asks":[[60000.10,5,1],[60000.5,7,2]],"bids":[[59999.9,3,1],[59999.0,0,0]],"version":12},"symbol":"BTC_USDT","ts":1700000000000}');
    expect(o.events).toEqual([{
      type: 'quote', venue: 'mexc-futures', symbol: 'BTC/USDT:USDT', venueSymbol: 'BTC_USDT', ts: 1700000000000000, localTs: LOCAL_TS,
      bidPrice: '59999.9', bidAmount: '3', askPrice: '60000.10', askAmount: '5',
    }]);
  });

  it('acks, errors, pong; rejects what fails its guard or names another symbol', () => {
    const o = decode(
      '{"channel":"rs.sub.depth","data":"success","ts":1587442022003}',
      '{"channel":"rs.error","data":"Contract doesn\'t exist!"}',
      '{"channel":"pong","data":1587453241453}',
      '{"channel":"push.kline","data":{"c":6885},"symbol":"BTC_USDT","ts":1}',
      '{"channel":"push.depth","data":{"asks":[["6859.5x",1,1]],"bids":[],"version":5},"symbol":"BTC_USDT","ts":1}',
      '{"channel":"push.depth","data":{"asks":[],"bids":[],"version":5,"begin":7,"end":6},"symbol":"BTC_USDT","ts":1}',
      '{"channel":"push.depth","data":{"asks":[],"bids":[],"version":5},"symbol":"ETH_USDT","ts":1}',
      '{"channel":"push.deal","data":[{"p":1,"v":2,"T":1,"t":3},{"p":1}],"symbol":"BTC_USDT","ts":3}',
      '{"channel":"push.depth","data":{"asks":[[1,2',
    );
    expect(o.controls.map((c) => c.split(':')[0])).toEqual(['ack', 'error', 'other', 'other']);
    expect(o.rejects).toEqual([
      'push.depth failed its guard', 'push.depth failed its guard', 'push.depth for unknown symbol ETH_USDT', 'push.deal failed its guard', 'not a JSON object',
    ]);
    expect(o.events).toEqual([]);
    expect(o.depth).toEqual([]);
  });

  it('quoteNumbers quotes numbers outside strings only, escapes included', () => {
    expect(quoteNumbers('{"a":[1.50,-2e-7],"b":"x\\"1","c":true,"d":null}')).toBe('{"a":["1.50","-2e-7"],"b":"x\\"1","c":true,"d":null}');
    expect(JSON.parse(quoteNumbers('{"v":26012861281}'))).toEqual({ v: '26012861281' });
  });
});
