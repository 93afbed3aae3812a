// The decoder frame by frame: v2 trades, tickers (→ quote + ticker), control replies, book frames
// before their pair's precision (held, then released), malformed frames (rejected whole), symbol
// routing; and the v1 control/edge shapes the 2021 captures do not exercise.
import { describe, expect, it } from 'vitest';
import type { BookSnapshotInput, DepthUpdate } from '../../book/types.js';
import type { MarketEvent } from '../../core/events.js';
import { MarketEvent as MarketEventSchema } from '../../core/events.js';
import type { DecodeSink } from '../types.js';
import { kraken } from './index.js';

type Out =
  | ['event', MarketEvent] | ['reject', string] | ['control', string, string]
  | ['snapshot', string, BookSnapshotInput] | ['depth', string, { ts: number; checksum?: number; levels: [number, string, string, boolean][] }];

function sink(out: Out[]): DecodeSink {
  return {
    event: (ev) => out.push(['event', ev]),
    reject: (reason) => out.push(['reject', reason]),
    control: (kind, detail) => out.push(['control', kind, detail]),
    snapshot: (sym, s) => out.push(['snapshot', sym, s]),
    depth: (sym, u: DepthUpdate) => {
      const levels: [number, string, string, boolean][] = [];
      for (let i = 0; i < u.levels.length; i++) levels.push([u.levels.sideAt(i), u.levels.priceTextAt(i), u.levels.amountTextAt(i), u.levels.isDeleteAt(i)]);
      out.push(['depth', sym, { ts: u.ts, checksum: u.checksum, levels }]);
    },
    checksum: () => { throw new Error('no checksum frames on Kraken'); },
  };
}

const SYMBOLS = new Map([['BTC/USD', 'BTC/USD'], ['MATIC/USD', 'MATIC/USD'], ['DOGE/USD', 'DOGE/USD']]);
function run(frames: string[], localTs = 1_700_000_000_000_000): Out[] {
  const out: Out[] = [];
  const d = kraken.createDecoder({ venue: 'kraken', symbols: SYMBOLS });
  const s = sink(out);
  frames.forEach((f, i) => d.decode(f, { venue: 'kraken', connId: 1, recvSeq: i + 1, localTs: localTs + i }, s));
  return out;
}
const us = (iso: string, micros: number): number => Date.parse(iso) * 1000 + micros;

const INSTRUMENT = '{"channel":"instrument","type":"snapshot","data":{"assets":[{"id":"BTC","status":"enabled","precision":10}],"pairs":['
  + '{"symbol":"BTC/USD","base":"BTC","quote":"USD","status":"online","qty_precision":8,"price_precision":1,"cost_precision":5},'
  + '{"symbol":"ETH/USD","base":"ETH","quote":"USD","status":"online","qty_precision":8,"price_precision":2}]}}';
const SNAPSHOT_NO_CHECKSUM = '{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD","bids":[{"price":45283.5,"qty":0.1}],"asks":[{"price":45285,"qty":1.5}]}]}';
const UPDATE = '{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":45283.5,"qty":0}],"asks":[{"price":45286.4,"qty":2}],"checksum":123,"timestamp":"2023-10-06T17:35:55.440295Z"}]}';

describe('kraken v2 decode', () => {
  it('trades: id, lexemes as sent, taker side, µs time', () => {
    const out = run(['{"channel":"trade","type":"update","data":[{"symbol":"MATIC/USD","side":"sell","price":0.5117,"qty":40.0,"ord_type":"market","trade_id":4665906,"timestamp":"2023-09-25T07:49:37.708706Z"},'
      + '{"symbol":"MATIC/USD","side":"buy","price":0.5118,"qty":1.50000000,"ord_type":"limit","trade_id":4665907,"timestamp":"2023-09-25T07:49:37.708706Z"}]}']);
    expect(out).toEqual([
      ['event', { type: 'trade', venue: 'kraken', symbol: 'MATIC/USD', venueSymbol: 'MATIC/USD', ts: us('2023-09-25T07:49:37Z', 708706), localTs: 1_700_000_000_000_000, id: '4665906', price: '0.5117', amount: '40.0', side: 'sell' }],
      ['event', { type: 'trade', venue: 'kraken', symbol: 'MATIC/USD', venueSymbol: 'MATIC/USD', ts: us('2023-09-25T07:49:37Z', 708706), localTs: 1_700_000_000_000_000, id: '4665907', price: '0.5118', amount: '1.50000000', side: 'buy' }],
    ]);
    for (const [, ev] of out) expect(MarketEventSchema.safeParse(ev).success).toBe(true);
  });

  it('tickers: a quote and a ticker per item; no timestamp → receive time', () => {
    const out = run(['{"channel":"ticker","type":"snapshot","data":[{"symbol":"BTC/USD","bid":45283.5,"bid_qty":0.10000000,"ask":45285.2,"ask_qty":0.001,"last":45285.2,"volume":1234.5678,"vwap":45000.1,"low":44000.0,"high":46000.0,"change":-12.3,"change_pct":-0.03}]}']);
    const base = { venue: 'kraken', symbol: 'BTC/USD', venueSymbol: 'BTC/USD', ts: 1_700_000_000_000_000, localTs: 1_700_000_000_000_000 };
    expect(out).toEqual([
      ['event', { type: 'quote', ...base, bidPrice: '45283.5', bidAmount: '0.10000000', askPrice: '45285.2', askAmount: '0.001' }],
      ['event', { type: 'ticker', ...base, last: '45285.2', high24h: '46000.0', low24h: '44000.0', volume24h: '1234.5678' }],
    ]);
    for (const [, ev] of out) expect(MarketEventSchema.safeParse(ev).success).toBe(true);
  });

  it('control: acks, errors, status; pongs and heartbeats are silent', () => {
    const ack = '{"method":"subscribe","result":{"channel":"book","depth":10,"snapshot":true,"symbol":"BTC/USD"},"success":true,"time_in":"2023-09-25T09:04:31.742599Z","time_out":"2023-09-25T09:04:31.742648Z"}';
    const err = '{"error":"Currency pair not supported BTC/XYZ","method":"subscribe","success":false,"symbol":"BTC/XYZ","time_in":"2023-09-25T09:04:31.742599Z","time_out":"2023-09-25T09:04:31.742648Z"}';
    const unsub = '{"method":"unsubscribe","result":{"channel":"book","depth":10,"symbol":"BTC/USD"},"success":true,"time_in":"2023-09-25T09:04:31.742599Z","time_out":"2023-09-25T09:04:31.742648Z"}';
    const status = '{"channel":"status","type":"update","data":[{"api_version":"v2","connection_id":12393906104898154338,"system":"online","version":"2.0.4"}]}';
    const unreadable = '{"error":"Malformed request","success":false,"time_in":"2023-09-25T09:04:31.742599Z","time_out":"2023-09-25T09:04:31.742599Z"}';
    const out = run([ack, err, unsub, status, unreadable, '{"method":"pong","time_in":"2023-09-25T09:04:31.742599Z","time_out":"2023-09-25T09:04:31.742648Z"}', '{"channel":"heartbeat"}']);
    expect(out).toEqual([['control', 'ack', ack], ['control', 'error', err], ['control', 'ack', unsub], ['control', 'other', status], ['control', 'error', unreadable]]);
  });

  it('book frames before any precision are held, then released in order when the instrument arrives', () => {
    const out = run([SNAPSHOT_NO_CHECKSUM, UPDATE, INSTRUMENT]);
    expect(out).toEqual([
      ['snapshot', 'BTC/USD', { lastUpdateId: -1, ts: 0, bids: [['45283.5', '0.10000000']], asks: [['45285.0', '1.50000000']] }],
      ['depth', 'BTC/USD', { ts: us('2023-10-06T17:35:55Z', 440295), checksum: 123, levels: [[1, '45283.5', '0.00000000', true], [-1, '45286.4', '2.00000000', false]] }],
      ['control', 'other', 'instrument snapshot: 2 pairs, precisions of 1 recorded pairs'],
    ]);
  });

  it('once precisions are known, book frames decode at once, padded', () => {
    const out = run([INSTRUMENT, UPDATE]);
    expect(out[1]).toEqual(['depth', 'BTC/USD', { ts: us('2023-10-06T17:35:55Z', 440295), checksum: 123, levels: [[1, '45283.5', '0.00000000', true], [-1, '45286.4', '2.00000000', false]] }]);
  });

  it('routes each book to its own symbol; pairs not recorded are rejected', () => {
    const matic = '{"channel":"book","type":"update","data":[{"symbol":"MATIC/USD","bids":[],"asks":[{"price":0.567,"qty":1}],"checksum":1}]}';
    const inst = INSTRUMENT.replace(']}}', ',{"symbol":"MATIC/USD","qty_precision":8,"price_precision":4}]}}');
    const out = run([inst, UPDATE, matic, UPDATE.replace('BTC/USD', 'ETH/USD')]);
    expect(out.filter((o) => o[0] === 'depth').map((o) => [o[1], (o[2] as { levels: unknown[][] }).levels[0][1]])).toEqual([['BTC/USD', '45283.5'], ['MATIC/USD', '0.5670']]);
    expect(out.at(-1)).toEqual(['reject', 'book for unknown symbol ETH/USD']);
  });

  it.each([
    ['not JSON', '{"channel":"book"'],
    ['empty frame', ''],
    ['not a JSON object or array', 'pong'],
    ['v2 message without "channel" or "method"', '{"foo":1}'],
    ['book message without a data array', '{"channel":"book","type":"update"}'],
    ['book message type is neither "snapshot" nor "update"', '{"channel":"book","type":"delta","data":[]}'],
    ['book item without a symbol', '{"channel":"book","type":"update","data":[{"bids":[]}]}'],
    ['book update levels are not {"price":number,"qty":number}', UPDATE.replace('"price":45286.4', '"price":"45286.4"')],
    ['book update levels are not {"price":number,"qty":number}', UPDATE.replace('"qty":2', '"qty":-2')],
    ['book checksum is not an unsigned 32-bit integer', UPDATE.replace('"checksum":123', '"checksum":-5')],
    ['book checksum is not an unsigned 32-bit integer', UPDATE.replace('"checksum":123', '"checksum":4294967296')],
    ['book timestamp is not RFC 3339', UPDATE.replace('2023-10-06T17:35:55.440295Z', 'yesterday')],
    ['trade failed its guard (price, qty, trade_id, side, timestamp)', '{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"sell","price":1.5,"qty":1,"trade_id":1,"timestamp":"2023-09-25T07:49:37.708706Z"},{"symbol":"BTC/USD","side":"short","price":1.5,"qty":1,"trade_id":2,"timestamp":"2023-09-25T07:49:37.708706Z"}]}'],
    ['trade for unknown symbol ETH/USD', '{"channel":"trade","type":"update","data":[{"symbol":"ETH/USD","side":"sell","price":1.5,"qty":1,"trade_id":1,"timestamp":"2023-09-25T07:49:37Z"}]}'],
    ['ticker without bid, bid_qty, ask, ask_qty numbers', '{"channel":"ticker","type":"update","data":[{"symbol":"BTC/USD","bid":"1","bid_qty":1,"ask":2,"ask_qty":1}]}'],
    ['instrument message without data.pairs', '{"channel":"instrument","type":"snapshot","data":[]}'],
  ])('rejects (%s) and emits nothing else', (reason, frame) => {
    expect(run([INSTRUMENT, frame]).slice(1)).toEqual([['reject', reason]]);
  });
});

describe('kraken v1 decode (edge shapes)', () => {
  it('subscription and system status, errors, heartbeats', () => {
    const err = '{"errorMessage":"Currency pair not supported","event":"subscriptionStatus","pair":"XBT/XYZ","status":"error","subscription":{"name":"book"}}';
    const sys = '{"connectionID":18239578009413566319,"event":"systemStatus","status":"online","version":"1.8.3"}';
    expect(run([err, sys, '{"event":"heartbeat"}'])).toEqual([['control', 'error', err], ['control', 'other', sys]]);
  });

  it('XDG/USD routes to DOGE/USD; republish entries and both maps in one frame apply in wire order', () => {
    const snap = '[42,{"as":[["0.2500000","100.00000000","1618678120.289449"]],"bs":[["0.2400000","50.00000000","1618678120.289449"]]},"book-10","XDG/USD"]';
    const upd = '[42,{"a":[["0.2500000","0.00000000","1618678121.000001"],["0.2510000","7.00000000","1618678121.000002","r"]]},{"b":[["0.2400000","51.00000000","1618678121.000003"]],"c":"974947235"},"book-10","XDG/USD"]';
    const out = run([snap, upd]);
    expect(out[0]).toEqual(['snapshot', 'DOGE/USD', { lastUpdateId: -1, ts: 1618678120289449, bids: [['0.2400000', '50.00000000']], asks: [['0.2500000', '100.00000000']], depth: 10 }]);
    expect(out[1]).toEqual(['depth', 'DOGE/USD', { ts: 1618678121000003, checksum: 974947235, levels: [
      [-1, '0.2500000', '0.00000000', true], [-1, '0.2510000', '7.00000000', false], [1, '0.2400000', '51.00000000', false],
    ] }]);
  });

  it('spread → quote', () => {
    const out = run(['[7,["5698.40000","5700.00000","1542057299.545897","1.01234567","0.98765432"],"spread","XBT/USD"]']);
    expect(out).toEqual([['event', {
      type: 'quote', venue: 'kraken', symbol: 'BTC/USD', venueSymbol: 'BTC/USD', ts: 1542057299545897, localTs: 1_700_000_000_000_000,
      bidPrice: '5698.40000', bidAmount: '1.01234567', askPrice: '5700.00000', askAmount: '0.98765432',
    }]]);
  });

  it.each([
    ['v1 array is not [channelID, payload…, channelName, pair]', '[1,"book-10"]'],
    ['book-10 for unknown symbol ETH/XBT', '[1,{"a":[]},"book-10","ETH/XBT"]'],
    ['v1 book update map without "a" or "b"', '[1,{"x":[]},"book-10","XBT/USD"]'],
    ['v1 book entry is not [price, volume, time(, "r")]', '[1,{"a":[["1.0","2.0","3.0","x"]]},"book-10","XBT/USD"]'],
    ['v1 book checksum "c" is not a quoted integer in the last map', '[1,{"a":[["1.0","2.0","3.0"]],"c":"12"},{"b":[]},"book-10","XBT/USD"]'],
    ['v1 book checksum "c" is not a quoted integer in the last map', '[1,{"b":[["1.0","2.0","3.0"]],"c":12},"book-10","XBT/USD"]'],
    ['v1 trade is not [price, volume, time, side, orderType, misc]', '[2,[["1.0","2.0","3.0","x","l",""]],"trade","XBT/USD"]'],
    ['v1 ticker without a, b, c, v, l, h, o', '[3,{"a":["1.0",1,"1.0"]},"ticker","XBT/USD"]'],
    ['not JSON', '[1,{"a":[]},"book-10","XBT/USD"'],
  ])('rejects (%s)', (reason, frame) => {
    expect(run([frame])).toEqual([['reject', reason]]);
  });
});
