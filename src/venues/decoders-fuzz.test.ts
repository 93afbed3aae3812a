// Every venue decoder against mutated real frames (truncated, bytes dropped, junk inserted,
// digits and keys changed; seeded): bad input is rejected or ignored, never thrown. FeedCore
// would catch a throw and count it as a reject, so this holds the decoders to the stricter rule.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../test/fixtures.js';
import { Rng } from '../core/random.js';
import { parseCryptofeedLine } from '../replay/cryptofeed.js';
import { VENUE_IDS, getVenue } from './index.js';
import type { DecodeSink } from './types.js';

const CAPTURE: Record<string, string> = {
  binance: 'BINANCE.ws.1.0', 'binance-futures': 'BINANCE_FUTURES.ws.1.0', kraken: 'KRAKEN.ws.50.0', okx: 'OKX.ws.1.0',
  okcoin: 'OKCOIN.ws.1.0', bitget: 'BITGET.ws.1.0', bitfinex: 'BITFINEX.ws.11.0', 'bitfinex-raw': 'BITFINEX.ws.11.0',
  kucoin: 'KUCOIN.ws.1.0',
};

/** Venues without a cryptofeed capture, fuzzed from their protocol-vectors frames in a describe of their own. */
const OWN_FUZZ = new Set(['bingx', 'bingx-swap', 'bybit', 'bybit-linear', 'coinbase', 'mexc', 'mexc-futures', 'kucoin-futures']);

/** Routes every venue symbol (its own id as the unified symbol), so all frames reach the parsers. */
class AnySymbol extends Map<string, string> {
  override get(key: string): string { return key; }
  override has(): boolean { return true; }
}

function mutate(t: string, rng: Rng): string {
  const i = rng.int(0, t.length - 1);
  switch (rng.int(0, 3)) {
    case 0: return t.slice(0, i);
    case 1: return t.slice(0, i) + t.slice(i + rng.int(1, 5));
    case 2: return t.slice(0, i) + ['"x"', '-1e999', 'null', '[]', '{}', ',', '"', '1.5e-7'][rng.int(0, 7)] + t.slice(i);
    default: return t.replace(/\d/, String(rng.int(0, 9))).replace(/"[a-z]+"/, '"zz"');
  }
}

describe('venue decoders never throw on malformed frames', () => {
  it.each(VENUE_IDS.filter((id) => !OWN_FUZZ.has(id)))('%s', (id) => {
    expect(CAPTURE[id], `a capture for ${id}`).toBeDefined();
    const spec = getVenue(id);
    const conn = { id: 0, seq: 0 };
    const frames = readFileSync(join(FIXTURES, 'cryptofeed', CAPTURE[id]), 'utf8').split('\n')
      .map((l) => parseCryptofeedLine(l, id, conn)).filter((f) => f?.dir === 'in').map((f) => f!.data);
    const decoder = spec.createDecoder({ venue: id, symbols: new AnySymbol() });
    let rejects = 0;
    const sink: DecodeSink = { event() {}, depth() {}, reject: () => { rejects++; }, control() {}, snapshot() {}, checksum() {} };
    const rng = new Rng(7);
    for (let k = 0; k < 3000; k++) {
      const text = mutate(frames[rng.int(0, frames.length - 1)], rng);
      expect(() => decoder.decode(text, { venue: id, connId: 1, recvSeq: k, localTs: 1 }, sink), text.slice(0, 200)).not.toThrow();
    }
    expect(rejects).toBeGreaterThan(100);
  });
});

/** Every `raw` frame text of a protocol-vectors file. */
function vectorFrames(file: string): string[] {
  const out: string[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) for (const v of x) walk(v);
    else if (typeof x === 'object' && x !== null) {
      for (const [k, v] of Object.entries(x)) {
        if (k === 'raw' && typeof v === 'string') out.push(v);
        else walk(v);
      }
    }
  };
  walk(JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors', file), 'utf8')).vectors);
  return out;
}

describe('bingx decoders never throw on mutated gzip frames or mutated JSON inside good gzip', () => {
  const frames = [...vectorFrames('bingx.json'), 'Ping', '{"ping":"2177c68e4d0e45679965f482929b59c2","time":"2022-06-07T16:27:36.323+0800"}'];
  it.each(['bingx', 'bingx-swap'])('%s', (id) => {
    const decoder = getVenue(id).createDecoder({ venue: id, symbols: new AnySymbol() });
    let rejects = 0;
    const sink: DecodeSink = { event() {}, depth() {}, reject: () => { rejects++; }, control() {}, snapshot() {}, checksum() {}, reply() {} };
    const rng = new Rng(11);
    for (let k = 0; k < 3000; k++) {
      const text = mutate(frames[rng.int(0, frames.length - 1)], rng);
      const meta = { venue: id, connId: 1, recvSeq: k, localTs: 1 };
      expect(() => decoder.decodeBinary!(gzipSync(text), meta, sink), text.slice(0, 200)).not.toThrow();
      // the gzip bytes themselves: cut short, a byte flipped, junk inserted
      const bytes = gzipSync(frames[rng.int(0, frames.length - 1)]);
      const i = rng.int(0, bytes.length - 1);
      const bad = k % 3 === 0 ? bytes.subarray(0, i) : k % 3 === 1 ? Buffer.from(bytes).fill(rng.int(0, 255), i, i + 1)
        : Buffer.concat([bytes.subarray(0, i), Buffer.from([rng.int(0, 255), rng.int(0, 255)]), bytes.subarray(i)]);
      expect(() => decoder.decodeBinary!(bad, meta, sink)).not.toThrow();
    }
    expect(rejects).toBeGreaterThan(1000);
  });
});

describe('bybit decoders never throw on mutated v5 frames', () => {
  // the recorded frames of bybit-v5.json (ack, depth-50 snapshot + delta, depth 1, trades, tickers,
  // kline) plus a liquidation and the answers to ops
  const frames = [
    ...vectorFrames('bybit-v5.json'),
    ...(JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors', 'bybit-v5.json'), 'utf8')).vectors.find((v: { id: string }) => v.id === 'bybit-recorded-orderbook1').input.frames as string[]),
    '{"topic":"allLiquidation.BTCUSDT","type":"snapshot","ts":1739502303204,"data":[{"T":1739502302929,"s":"BTCUSDT","S":"Buy","v":"0.020","p":"94567.80"}]}',
    '{"success":true,"ret_msg":"pong","conn_id":"x","req_id":"","op":"ping"}',
    '{"success":false,"ret_msg":"error:args size >10","conn_id":"x","op":"subscribe"}',
  ];
  it.each(['bybit', 'bybit-linear'])('%s', (id) => {
    expect(frames.length).toBeGreaterThan(15);
    const decoder = getVenue(id).createDecoder({ venue: id, symbols: new AnySymbol() });
    let rejects = 0;
    const sink: DecodeSink = { event() {}, depth() {}, reject: () => { rejects++; }, control() {}, snapshot() {}, checksum() {}, reply() {} };
    const rng = new Rng(13);
    for (let k = 0; k < 3000; k++) {
      const text = mutate(frames[rng.int(0, frames.length - 1)], rng);
      expect(() => decoder.decode(text, { venue: id, connId: 1 + (k % 2), recvSeq: k, localTs: 1 }, sink), text.slice(0, 200)).not.toThrow();
    }
    expect(rejects).toBeGreaterThan(1000);
  });
});

describe('coinbase decoder never throws on mutated Advanced Trade frames', () => {
  // the recorded and doc frames of coinbase-advanced-trade.json, plus frames of the shapes the
  // one-pass l2 scan reads (with the doc's client_id too), a heartbeat, an ack and an error
  const lvl = (side: string, p: string, q: string): string => `{"side":"${side}","event_time":"2026-08-12T19:27:48.098821Z","price_level":"${p}","new_quantity":"${q}"}`;
  const l2 = (seq: number, type: string, levels: string[]): string =>
    `{"channel":"l2_data","timestamp":"2026-08-12T19:27:48.098821666Z","sequence_num":${seq},"events":[{"type":"${type}","product_id":"BTC-USD","updates":[${levels.join(',')}]}]}`;
  const frames = [
    ...vectorFrames('coinbase-advanced-trade.json'),
    l2(0, 'snapshot', [lvl('bid', '63310.25', '0.5'), lvl('offer', '63310.26', '1.25')]),
    l2(1, 'update', [lvl('bid', '63310.25', '0'), lvl('offer', '63310.27', '0.00000043')]),
    l2(2, 'update', [lvl('offer', '63310.26', '2')]).replace('{"channel":"l2_data",', '{"channel":"l2_data","client_id":"",'),
    '{"channel":"heartbeats","timestamp":"2026-08-12T19:27:49.1Z","sequence_num":3,"events":[{"current_time":"2026-08-12 19:27:49.1 +0000 UTC m=+1.0","heartbeat_counter":3}]}',
    '{"channel":"subscriptions","timestamp":"2026-08-12T19:27:49.2Z","sequence_num":4,"events":[{"subscriptions":{"level2":["BTC-USD"]}}]}',
    '{"type":"error","message":"Failed to subscribe","reason":"x"}',
  ];
  it('coinbase', () => {
    expect(frames.length).toBeGreaterThan(12);
    const decoder = getVenue('coinbase').createDecoder({ venue: 'coinbase', symbols: new AnySymbol() });
    let rejects = 0;
    const sink: DecodeSink = { event() {}, depth() {}, reject: () => { rejects++; }, control() {}, snapshot() {}, checksum() {}, reply() {} };
    const rng = new Rng(17);
    for (let k = 0; k < 3000; k++) {
      const text = mutate(frames[rng.int(0, frames.length - 1)], rng);
      expect(() => decoder.decode(text, { venue: 'coinbase', connId: 1 + (k % 3), recvSeq: k, localTs: 1 }, sink), text.slice(0, 200)).not.toThrow();
    }
    expect(rejects).toBeGreaterThan(1000);
  });
});

describe('mexc decoders never throw on mutated protobuf pushes or mutated JSON', () => {
  const file = JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors', 'mexc.json'), 'utf8')).vectors as { kind: string; input: Record<string, unknown> }[];
  const pushes = file.filter((v) => v.kind === 'protobuf-decode').map((v) => Buffer.from(v.input.binaryHex as string, 'hex'));
  const texts = [
    ...file.flatMap((v) => Object.values(v.input).filter((x): x is string => typeof x === 'string' && x.startsWith('{"'))),
    '{"id":0,"code":0,"msg":"spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT"}', '{"channel":"rs.sub.depth","data":"success","ts":1}',
    '{"channel":"push.ticker","data":{"fairPrice":6867.4,"fundingRate":0.0008,"holdVol":2284742,"symbol":"BTC_USDT","timestamp":1587442022003},"symbol":"BTC_USDT","ts":1587442022003}',
    '{"channel":"push.depth.full","data":{"asks":[[1.5,2,1]],"bids":[[1.4,3,1]],"version":9},"symbol":"BTC_USDT","ts":1}',
  ];
  it.each(['mexc', 'mexc-futures'])('%s', (id) => {
    const decoder = getVenue(id).createDecoder({ venue: id, symbols: new AnySymbol() });
    let rejects = 0;
    const sink: DecodeSink = { event() {}, depth() {}, reject: () => { rejects++; }, control() {}, snapshot() {}, checksum() {}, reply() {} };
    const rng = new Rng(13);
    for (let k = 0; k < 3000; k++) {
      const meta = { venue: id, connId: 1, recvSeq: k, localTs: 1 };
      const text = mutate(texts[rng.int(0, texts.length - 1)], rng);
      expect(() => decoder.decode(text, meta, sink), text.slice(0, 200)).not.toThrow();
      if (decoder.decodeBinary === undefined) continue;
      // protobuf bytes: cut short, a byte changed, junk inserted, or a varint made huge
      const bytes = pushes[rng.int(0, pushes.length - 1)];
      const i = rng.int(0, bytes.length - 1);
      const bad = k % 4 === 0 ? bytes.subarray(0, i) : k % 4 === 1 ? Buffer.from(bytes).fill(rng.int(0, 255), i, i + 1)
        : k % 4 === 2 ? Buffer.concat([bytes.subarray(0, i), Buffer.from([rng.int(0, 255), rng.int(0, 255)]), bytes.subarray(i)])
          : Buffer.concat([bytes.subarray(0, i), Buffer.alloc(11, 0xff), bytes.subarray(i)]);
      expect(() => decoder.decodeBinary!(bad, meta, sink), bad.toString('hex')).not.toThrow();
    }
    expect(rejects).toBeGreaterThan(id === 'mexc' ? 2000 : 1000);
  });
});

describe('kucoin-futures decoder never throws on mutated frames', () => {
  // every recorded and doc frame of kucoin.json (2026 futures executions, depth5, ticker, candles;
  // the spot ones too: one decoder reads both markets' topics), plus the SDK's level2, tickerV2 and
  // instrument pushes, whose numbers take the lossless path
  const frames = [
    ...vectorFrames('kucoin.json'),
    '{"topic":"/contractMarket/level2:XBTUSDTM","type":"message","subject":"level2","sn":1709400450243,"data":{"sequence":1709400450243,"change":"90631.2,sell,2","timestamp":1731897467182}}',
    '{"topic":"/contractMarket/tickerV2:XBTUSDTM","type":"message","subject":"tickerV2","sn":1709284589209,"data":{"symbol":"XBTUSDTM","sequence":1709284589209,"bestBidSize":713,"bestBidPrice":"88987.4","bestAskPrice":"88987.5","bestAskSize":1037,"ts":1731665526461000000}}',
    '{"topic":"/contract/instrument:XBTUSDTM","type":"message","subject":"mark.index.price","data":{"markPrice":90445.02,"indexPrice":90445.02,"granularity":1000,"timestamp":1731899129000}}',
    '{"topic":"/contract/instrument:XBTUSDTM","type":"message","subject":"funding.rate","data":{"granularity":60000,"fundingRate":-0.000074,"timestamp":1731899160000}}',
    '{"id":"1","type":"error","code":404,"data":"topic /x is not found"}',
  ];
  it('kucoin-futures', () => {
    expect(frames.length).toBeGreaterThan(100);
    const decoder = getVenue('kucoin-futures').createDecoder({ venue: 'kucoin-futures', symbols: new AnySymbol() });
    let rejects = 0;
    const sink: DecodeSink = { event() {}, depth() {}, reject: () => { rejects++; }, control() {}, snapshot() {}, checksum() {}, reply() {} };
    const rng = new Rng(19);
    for (let k = 0; k < 3000; k++) {
      const text = mutate(frames[rng.int(0, frames.length - 1)], rng);
      expect(() => decoder.decode(text, { venue: 'kucoin-futures', connId: 1, recvSeq: k, localTs: 1 }, sink), text.slice(0, 200)).not.toThrow();
    }
    expect(rejects).toBeGreaterThan(1000);
  });
});
