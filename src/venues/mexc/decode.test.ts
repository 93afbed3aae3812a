// The spot protocol vectors (mexc.json: four binary PushDataV3ApiWrapper frames as hex and base64)
// through the reference reflection types (proto.ts) and through the decoder (spot-wire.ts +
// spot-decode.ts): both read exactly the documented values. Then text frames, rejects and routing.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MarketEvent, type MarketEvent as Ev } from '../../core/events.js';
import type { DepthUpdate } from '../../book/types.js';
import { FIXTURES } from '../../../test/fixtures.js';
import type { DecodeSink } from '../types.js';
import { wrapperType } from './proto.js';
import { createSpotDecoder } from './spot-decode.js';

interface Vector { id: string; kind: string; input: { binaryHex: string; binaryBase64: string; bytes: number }; expected: Record<string, unknown> }
const FILE = JSON.parse(readFileSync(`${FIXTURES}/protocol-vectors/mexc.json`, 'utf8')) as { vectors: Vector[] };
const BINARY = FILE.vectors.filter((v) => v.kind === 'protobuf-decode');
const LOCAL_TS = 1_700_000_000_123_456;

interface Out { events: Ev[]; depth: { sym: string; ts: number; firstId: number; lastId: number; levels: string[] }[]; rejects: string[]; controls: string[] }

function sinkFor(out: Out): DecodeSink {
  return {
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
    snapshot: () => { throw new Error('spot books come from REST'); },
    reply: () => { throw new Error('nothing to answer'); },
    checksum: () => { throw new Error('no checksum frames'); },
  };
}

function decode(frames: (Buffer | string)[], symbols = new Map([['BTCUSDT', 'BTC/USDT']])): Out {
  const out: Out = { events: [], depth: [], rejects: [], controls: [] };
  const sink = sinkFor(out);
  const dec = createSpotDecoder({ venue: 'mexc', symbols });
  for (const f of frames) {
    const meta = { venue: 'mexc', connId: 1, recvSeq: 1, localTs: LOCAL_TS };
    if (typeof f === 'string') dec.decode(f, meta, sink);
    else dec.decodeBinary!(f, meta, sink);
  }
  for (const ev of out.events) expect(MarketEvent.safeParse(ev).success, JSON.stringify(ev)).toBe(true);
  return out;
}

const bytesOf = (v: Vector): Buffer => Buffer.from(v.input.binaryHex, 'hex');

describe('mexc spot protocol vectors', () => {
  it('has the four binary vectors, hex and base64 the same bytes', () => {
    expect(BINARY.map((v) => v.id)).toEqual(['mexc-pb-aggre-depth-doc', 'mexc-pb-aggre-depth-ccxt', 'mexc-pb-aggre-deals-doc', 'mexc-pb-limit-depth-doc']);
    for (const v of BINARY) {
      expect(Buffer.from(v.input.binaryBase64, 'base64').equals(bytesOf(v)), v.id).toBe(true);
      expect(bytesOf(v).length, v.id).toBe(v.input.bytes);
    }
  });

  it.each(BINARY.map((v) => [v.id, v] as const))('%s: the reflection types read the expected message', (_id, v) => {
    const msg = wrapperType().toObject(wrapperType().decode(bytesOf(v)), { longs: String, defaults: false }) as Record<string, unknown>;
    const want = v.expected;
    expect(msg.channel).toBe(want.channel);
    if (want.symbol !== undefined) expect(msg.symbol).toBe(want.symbol);
    if (want.sendTime !== undefined) expect(msg.sendTime).toBe(want.sendTime);
    for (const body of ['publicAggreDepths', 'publicAggreDeals', 'publicLimitDepths']) {
      if (want[body] === undefined) continue;
      const got = msg[body] as Record<string, unknown>;
      const exp = want[body] as Record<string, unknown>;
      for (const [k, val] of Object.entries(exp)) {
        // proto3 leaves empty repeated fields out of toObject without defaults
        expect(got[k] ?? (Array.isArray(val) ? [] : undefined), `${body}.${k}`).toEqual(val);
      }
    }
  });

  it('mexc-pb-aggre-depth-doc: one bid delete at fromVersion = toVersion, ts from sendTime', () => {
    const o = decode([bytesOf(BINARY[0])]);
    expect(o.rejects).toEqual([]);
    expect(o.depth).toEqual([{ sym: 'BTCUSDT', ts: 1736411507002000, firstId: 10589632359, lastId: 10589632359, levels: ['b 92877.58 0.00000000 del'] }]);
  });

  it('mexc-pb-aggre-depth-ccxt: 20 versions in one push with 2 levels; "0" deletes like "0.00000000"', () => {
    const v = BINARY[1];
    const o = decode([bytesOf(v)]);
    expect(o.depth).toEqual([{ sym: 'BTCUSDT', ts: 1754741322152000, firstId: 43296363236, lastId: 43296363255, levels: ['a 117145.49 0 del', 'b 117053.41 1.86837271'] }]);
    expect(o.depth[0].lastId - o.depth[0].firstId + 1).toBe(v.expected.versionsCovered);
  });

  it('mexc-pb-aggre-deals-doc: one sell trade, time in ms, no tradeId before the 2026-06 protos', () => {
    const o = decode([bytesOf(BINARY[2])]);
    expect(o.events).toEqual([{
      type: 'trade', venue: 'mexc', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: 1736409765051000, localTs: LOCAL_TS,
      id: '1736409765051:93220.00:0.04438243:sell', price: '93220.00', amount: '0.04438243', side: 'sell',
    }]);
  });

  it('mexc-pb-limit-depth-doc: a partial book gives a quote of its best levels (symbol before the level count)', () => {
    const o = decode([bytesOf(BINARY[3])]);
    // the vector does not list its sendTime: the reference reader's is the exchange time
    const sendTime = Number(wrapperType().toObject(wrapperType().decode(bytesOf(BINARY[3])), { longs: String }).sendTime);
    expect(o.depth).toEqual([]);
    expect(o.events).toEqual([{
      type: 'quote', venue: 'mexc', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: sendTime * 1000, localTs: LOCAL_TS,
      bidPrice: '93179.98', bidAmount: '2.82651000', askPrice: '93180.18', askAmount: '0.21976424',
    }]);
  });

  it('a push for a symbol we do not record is rejected, by field 3 or by its topic', () => {
    const o = decode(BINARY.map(bytesOf), new Map([['ETHUSDT', 'ETH/USDT']]));
    expect(o.rejects).toHaveLength(4);
    expect(o.events).toEqual([]);
    expect(o.depth).toEqual([]);
  });
});

describe('mexc spot decoder: text frames and damage', () => {
  it('acks, PONG and refusals', () => {
    const o = decode([
      '{"id":0,"code":0,"msg":"spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT"}',
      '{"id":0,"code":0,"msg":"PONG"}',
      '{"id":0,"code":0,"msg":"Not Subscribed successfully! [spot@public.bogus@BTCUSDT].  Reason： Blocked! "}',
      '{"code":700003,"msg":"Timestamp for this request is outside of the recvWindow."}',
      'not json',
    ]);
    expect(o.controls).toEqual([
      'ack: {"id":0,"code":0,"msg":"spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT"}',
      'other: {"id":0,"code":0,"msg":"PONG"}',
      'error: Not Subscribed successfully! [spot@public.bogus@BTCUSDT].  Reason： Blocked! ',
      'error: 700003 Timestamp for this request is outside of the recvWindow.',
    ]);
    expect(o.rejects).toEqual(['not JSON']);
  });

  it('rejects every truncation of every vector whole: nothing reaches the book or the trades', () => {
    for (const v of BINARY) {
      const b = bytesOf(v);
      for (let n = 1; n < b.length; n++) {
        const o = decode([b.subarray(0, n)]);
        expect(o.depth.length + o.events.length, `${v.id} cut at ${n}`).toBe(0);
      }
    }
  });

  it('rejects a version that is not digits, a price that is not decimal, a known field with a wrong wire type', () => {
    const depth = bytesOf(BINARY[1]);
    const text = depth.toString('latin1');
    const swap = (from: string, to: string): Buffer => Buffer.from(text.replace(from, to), 'latin1');
    const cases = [swap('43296363255', '4329636325x'), swap('117053.41', '117053,41'), swap('1.86837271', '1.8683727.')];
    // field 1 (channel) sent as a varint: tag 0x08 instead of 0x0a
    const wrongWire = Buffer.from(depth);
    wrongWire[0] = 0x08;
    cases.push(wrongWire);
    for (const c of cases) {
      const o = decode([c]);
      expect(o.rejects).toEqual(['not a well-formed PushDataV3ApiWrapper']);
      expect(o.depth).toEqual([]);
    }
  });
});
