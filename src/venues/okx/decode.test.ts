// Decoder units: books (ids, checksum 0, snapshots), books5 / bbo-tbt as stream snapshots,
// trades, tickers → quote + ticker, funding-rate / open-interest → derivative, events, rejects
// and symbol routing. Payload shapes follow OKX.ws.1.0 / OKCOIN.ws.1.0 and the v5 docs.
import { describe, expect, it } from 'vitest';
import { MarketEvent, type MarketEvent as Ev } from '../../core/events.js';
import type { BookSnapshotInput, DepthUpdate } from '../../book/types.js';
import type { DecodeSink } from '../types.js';
import { NO_ID } from './book-rule.js';
import { createDecoder } from './decode.js';

interface Out {
  events: Ev[];
  depth: { sym: string; ts: number; firstId: number; lastId: number; prevId: number; checksum?: number; levels: string[] }[];
  snapshots: { sym: string; s: BookSnapshotInput }[];
  rejects: string[];
  controls: string[];
}

const SYMBOLS = new Map([['BTC-USDT', 'BTC/USDT'], ['BTC-USDT-SWAP', 'BTC/USDT:USDT'], ['BTC-USD-220527', 'BTC/USD:BTC-220527']]);

function decode(...frames: string[]): Out {
  const out: Out = { events: [], depth: [], snapshots: [], rejects: [], controls: [] };
  const sink: DecodeSink = {
    event: (ev) => out.events.push(ev),
    depth: (sym, u: DepthUpdate) => {
      const levels: string[] = [];
      for (let i = 0; i < u.levels.length; i++) {
        levels.push(`${u.levels.sideAt(i) === 1 ? 'b' : 'a'} ${u.levels.priceTextAt(i)} ${u.levels.amountTextAt(i)}${u.levels.isDeleteAt(i) ? ' del' : ''}`);
      }
      out.depth.push({ sym, ts: u.ts, firstId: u.firstId, lastId: u.lastId, prevId: u.prevId, checksum: u.checksum, levels });
    },
    snapshot: (sym, s) => out.snapshots.push({ sym, s }),
    reject: (reason) => out.rejects.push(reason),
    control: (kind, detail) => out.controls.push(`${kind}: ${detail}`),
    checksum: () => { throw new Error('unexpected'); },
  };
  const dec = createDecoder({ venue: 'okx', symbols: SYMBOLS });
  for (const f of frames) dec.decode(f, { venue: 'okx', connId: 1, recvSeq: 1, localTs: 1_700_000_000_123_456 }, sink);
  for (const ev of out.events) expect(MarketEvent.safeParse(ev).success).toBe(true);
  return out;
}

const book = (action: string, data: string, channel = 'books', instId = 'BTC-USDT'): string =>
  `{"arg":{"channel":"${channel}","instId":"${instId}"},"action":"${action}","data":[${data}]}`;

describe('okx decoder: books', () => {
  it('a snapshot goes to sink.snapshot with seqId as lastUpdateId and the checksum unsigned', () => {
    const o = decode(book('snapshot', '{"asks":[["8476.98","415","0","13"]],"bids":[["8476.97","256","0","12"]],"ts":"1597026383085","checksum":-855196043,"prevSeqId":-1,"seqId":123456}'));
    expect(o.snapshots).toEqual([{ sym: 'BTC-USDT', s: {
      lastUpdateId: 123456, ts: 1597026383085000, bids: [['8476.97', '256']], asks: [['8476.98', '415']], checksum: -855196043 >>> 0,
    } }]);
  });

  it('an update carries prevSeqId/seqId as prevId/lastId, firstId = prevSeqId+1, levels as sent', () => {
    const o = decode(book('update', '{"asks":[["8476.98","0","0","0"],["8477","7","0","2"]],"bids":[["8476.97","256.50","0","12"]],"ts":"1597026383085","checksum":-1200119424,"prevSeqId":123456,"seqId":123461}'));
    expect(o.depth).toEqual([{
      sym: 'BTC-USDT', ts: 1597026383085000, firstId: 123457, lastId: 123461, prevId: 123456, checksum: -1200119424 >>> 0,
      levels: ['b 8476.97 256.50', 'a 8476.98 0 del', 'a 8477 7'],
    }]);
  });

  it('checksum 0 (deprecated 2026-06-23) is no checksum, on updates and snapshots', () => {
    const o = decode(
      book('snapshot', '{"asks":[],"bids":[["1","1","0","1"]],"ts":"1","checksum":0,"prevSeqId":-1,"seqId":10}'),
      book('update', '{"asks":[],"bids":[],"ts":"2","checksum":0,"prevSeqId":10,"seqId":10}'),
    );
    expect(o.snapshots[0].s).not.toHaveProperty('checksum');
    expect(o.depth[0]).toMatchObject({ checksum: undefined, prevId: 10, lastId: 10, levels: [] });
  });

  it('frames without seqId (captures before 2023) get NO_ID ids: checksum-only', () => {
    const o = decode(
      book('snapshot', '{"asks":[["2","1","0","1"]],"bids":[],"ts":"1","checksum":5}'),
      book('update', '{"asks":[],"bids":[],"ts":"1685221678299","checksum":-1067478874}'),
    );
    expect(o.snapshots[0].s.lastUpdateId).toBe(NO_ID);
    expect(o.depth[0]).toMatchObject({ firstId: NO_ID, lastId: NO_ID, prevId: NO_ID, checksum: -1067478874 >>> 0 });
  });

  it('books-l2-tbt and books50-l2-tbt decode like books', () => {
    const u = '{"asks":[["3","1","0","1"]],"bids":[],"ts":"5","checksum":7,"prevSeqId":1,"seqId":2}';
    const o = decode(book('update', u, 'books-l2-tbt'), book('update', u, 'books50-l2-tbt'));
    expect(o.depth.map((d) => d.lastId)).toEqual([2, 2]);
  });

  it('books5 and bbo-tbt messages are each a whole-book stream snapshot', () => {
    const o = decode(
      '{"arg":{"channel":"books5","instId":"BTC-USDT"},"data":[{"asks":[["8446","95","0","3"],["8447","1","0","1"]],"bids":[["8445","2","0","1"]],"instId":"BTC-USDT","ts":"1597026383085","seqId":99}]}',
      '{"arg":{"channel":"bbo-tbt","instId":"BTC-USDT-SWAP"},"data":[{"asks":[["8476.98","415","0","13"]],"bids":[["8476.97","256","0","12"]],"ts":"1597026383085","seqId":7}]}',
    );
    expect(o.depth).toEqual([]);
    expect(o.snapshots).toEqual([
      { sym: 'BTC-USDT', s: { lastUpdateId: 99, ts: 1597026383085000, bids: [['8445', '2']], asks: [['8446', '95'], ['8447', '1']] } },
      { sym: 'BTC-USDT-SWAP', s: { lastUpdateId: 7, ts: 1597026383085000, bids: [['8476.97', '256']], asks: [['8476.98', '415']] } },
    ]);
  });

  it.each([
    ['a non-numeric price', book('update', '{"asks":[["x","1","0","1"]],"bids":[],"ts":"1","prevSeqId":1,"seqId":2}')],
    ['a level that is not an array', book('update', '{"asks":[{"px":"1"}],"bids":[],"ts":"1","prevSeqId":1,"seqId":2}')],
    ['a number size', book('snapshot', '{"asks":[["1",1,"0","1"]],"bids":[],"ts":"1","prevSeqId":-1,"seqId":2}')],
    ['a numeric ts', book('update', '{"asks":[],"bids":[],"ts":1,"prevSeqId":1,"seqId":2}')],
    ['a string seqId', book('update', '{"asks":[],"bids":[],"ts":"1","prevSeqId":1,"seqId":"2"}')],
    ['prevSeqId without seqId', book('update', '{"asks":[],"bids":[],"ts":"1","prevSeqId":1}')],
    ['an update with seqId and no prevSeqId', book('update', '{"asks":[],"bids":[],"ts":"1","seqId":2}')],
    ['a fractional checksum', book('update', '{"asks":[],"bids":[],"ts":"1","checksum":1.5}')],
    ['two data entries', book('update', '{"asks":[],"bids":[],"ts":"1"},{"asks":[],"bids":[],"ts":"1"}')],
    ['an unknown action', book('partial', '{"asks":[],"bids":[],"ts":"1"}')],
    ['an unknown symbol', book('update', '{"asks":[],"bids":[],"ts":"1"}', 'books', 'ETH-USDT')],
  ])('rejects %s', (_what, frame) => {
    const o = decode(frame);
    expect(o.rejects.length).toBe(1);
    expect(o.depth.length + o.snapshots.length + o.events.length).toBe(0);
  });
});

describe('okx decoder: trades, tickers, derivatives', () => {
  it('trades → one trade event per entry, taker side, tradeId as id', () => {
    const o = decode('{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"338476308","px":"30243.5","sz":"0.001","side":"buy","ts":"1652459226050"},{"instId":"BTC-USDT","tradeId":"338476309","px":"30243.4","sz":"0.00000938","side":"sell","ts":"1652459226051"}]}');
    expect(o.events).toEqual([
      { type: 'trade', venue: 'okx', symbol: 'BTC/USDT', venueSymbol: 'BTC-USDT', ts: 1652459226050000, localTs: 1_700_000_000_123_456, id: '338476308', price: '30243.5', amount: '0.001', side: 'buy' },
      { type: 'trade', venue: 'okx', symbol: 'BTC/USDT', venueSymbol: 'BTC-USDT', ts: 1652459226051000, localTs: 1_700_000_000_123_456, id: '338476309', price: '30243.4', amount: '0.00000938', side: 'sell' },
    ]);
  });

  it('a trades frame with one bad entry is rejected whole', () => {
    const o = decode('{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"1","side":"buy","ts":"1"},{"instId":"BTC-USDT","tradeId":"2","px":"","sz":"1","side":"buy","ts":"1"}]}');
    expect(o.events).toEqual([]);
    expect(o.rejects).toEqual(['trade failed its guard']);
  });

  it('spot tickers → quote + ticker (quote volume from volCcy24h)', () => {
    const o = decode('{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT","instId":"BTC-USDT","last":"30236","lastSz":"0.0002","askPx":"30228.7","askSz":"1.55896972","bidPx":"30228.6","bidSz":"0.23393","open24h":"29700.4","high24h":"31073","low24h":"28020.3","sodUtc0":"29028.8","sodUtc8":"30337.7","volCcy24h":"525802090.62716611","vol24h":"17602.13085371","ts":"1652459224956"}]}');
    const base = { venue: 'okx', symbol: 'BTC/USDT', venueSymbol: 'BTC-USDT', ts: 1652459224956000, localTs: 1_700_000_000_123_456 };
    expect(o.events).toEqual([
      { type: 'quote', ...base, bidPrice: '30228.6', bidAmount: '0.23393', askPrice: '30228.7', askAmount: '1.55896972' },
      { type: 'ticker', ...base, last: '30236', open24h: '29700.4', high24h: '31073', low24h: '28020.3', volume24h: '17602.13085371', quoteVolume24h: '525802090.62716611' },
    ]);
  });

  it('contract tickers: volume in contracts, no quote volume; an empty side gives no quote', () => {
    const o = decode('{"arg":{"channel":"tickers","instId":"BTC-USD-220527"},"data":[{"instType":"FUTURES","instId":"BTC-USD-220527","last":"30218.8","askPx":"","askSz":"","bidPx":"30210.4","bidSz":"4","open24h":"29571.4","high24h":"31003.3","low24h":"27930.8","volCcy24h":"2620.289","vol24h":"779573","ts":"1652459223003"}]}');
    expect(o.events).toEqual([{
      type: 'ticker', venue: 'okx', symbol: 'BTC/USD:BTC-220527', venueSymbol: 'BTC-USD-220527', ts: 1652459223003000, localTs: 1_700_000_000_123_456,
      last: '30218.8', open24h: '29571.4', high24h: '31003.3', low24h: '27930.8', volume24h: '779573',
    }]);
  });

  it('funding-rate → derivative with the rate and its settlement time', () => {
    const o = decode('{"arg":{"channel":"funding-rate","instId":"BTC-USDT-SWAP"},"data":[{"fundingRate":"0.0001875391284828","fundingTime":"1700726400000","instId":"BTC-USDT-SWAP","instType":"SWAP","method":"current_period","maxFundingRate":"0.00375","minFundingRate":"-0.00375","nextFundingRate":"","nextFundingTime":"1700755200000","premium":"0.0001233824646391","settFundingRate":"0.0001699799259033","settState":"settled","ts":"1700724675402"}]}');
    expect(o.events).toEqual([{
      type: 'derivative', venue: 'okx', symbol: 'BTC/USDT:USDT', venueSymbol: 'BTC-USDT-SWAP', ts: 1700724675402000, localTs: 1_700_000_000_123_456,
      fundingRate: '0.0001875391284828', nextFundingTs: 1700726400000000,
    }]);
  });

  it('funding-rate without ts (older pushes) is stamped with the receive time', () => {
    const o = decode('{"arg":{"channel":"funding-rate","instId":"BTC-USDT-SWAP"},"data":[{"instType":"SWAP","instId":"BTC-USDT-SWAP","fundingRate":"-0.0001","nextFundingRate":"","fundingTime":"1597026383085"}]}');
    expect(o.events[0]).toMatchObject({ ts: 1_700_000_000_123_456, fundingRate: '-0.0001', nextFundingTs: 1597026383085000 });
  });

  it('open-interest → derivative with oi (contracts)', () => {
    const o = decode('{"arg":{"channel":"open-interest","instId":"BTC-USDT-SWAP"},"data":[{"instId":"BTC-USDT-SWAP","instType":"SWAP","oi":"5821","oiCcy":"52409.1","oiUsd":"3000000","ts":"1597026383085"}]}');
    expect(o.events).toEqual([{
      type: 'derivative', venue: 'okx', symbol: 'BTC/USDT:USDT', venueSymbol: 'BTC-USDT-SWAP', ts: 1597026383085000, localTs: 1_700_000_000_123_456, openInterest: '5821',
    }]);
  });

  it.each([
    ['tickers', '{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","last":"abc","ts":"1"}]}'],
    ['funding-rate', '{"arg":{"channel":"funding-rate","instId":"BTC-USDT-SWAP"},"data":[{"instId":"BTC-USDT-SWAP","fundingRate":"x","fundingTime":"1"}]}'],
    ['open-interest', '{"arg":{"channel":"open-interest","instId":"BTC-USDT-SWAP"},"data":[{"instId":"BTC-USDT-SWAP","oi":"1"}]}'],
    ['trades for an unknown symbol', '{"arg":{"channel":"trades","instId":"ETH-USDT"},"data":[{"instId":"ETH-USDT","tradeId":"1","px":"1","sz":"1","side":"buy","ts":"1"}]}'],
    ['tickers for an unknown symbol', '{"arg":{"channel":"tickers","instId":"ETH-USDT"},"data":[{"instId":"ETH-USDT","last":"1","ts":"1"}]}'],
  ])('rejects malformed %s', (_what, frame) => {
    const o = decode(frame);
    expect(o.rejects.length).toBe(1);
    expect(o.events).toEqual([]);
  });
});

describe('okx decoder: control frames and junk', () => {
  it('subscribe / unsubscribe acks, errors, the service-upgrade notice, other events', () => {
    const o = decode(
      '{"event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"a4d3ae55"}',
      '{"event":"unsubscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"a4d3ae55"}',
      '{"event":"error","code":"60012","msg":"Invalid request: {\\"op\\": \\"subscribe\\"}","connId":"a4d3ae55"}',
      '{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade. Please reconnect.","connId":"a4d3ae55"}',
      '{"event":"channel-conn-count","channel":"books","connCount":"2","connId":"a4d3ae55"}',
      '{"arg":{"channel":"candle1m","instId":"BTC-USDT"},"data":[["1685221620000","0.9981","0.9981","0.9981","0.9981","0","0","0","0"]]}',
      'pong',
    );
    expect(o.controls.map((c) => c.split(':')[0])).toEqual(['ack', 'ack', 'error', 'shutdown', 'other', 'other', 'other']);
    expect(o.controls[2]).toBe('error: 60012 Invalid request: {"op": "subscribe"}');
    expect(o.rejects).toEqual([]);
  });

  it.each([['not JSON', 'ping?'], ['an array', '[1,2]'], ['a push without data', '{"arg":{"channel":"books","instId":"BTC-USDT"}}'], ['a push without arg', '{"data":[]}']])(
    'rejects %s', (_what, frame) => {
      expect(decode(frame).rejects.length).toBe(1);
    },
  );
});
