// Decoder unit tests: v2 frames as Bitget's docs show them (Depth / Trade / Tickers channels),
// v1 frames as in the cryptofeed captures, control frames, routing of spot vs perp on one instId,
// and malformed frames rejected whole.
import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../core/events.js';
import { MarketEvent as MarketEventSchema } from '../../core/events.js';
import type { BookSnapshotInput } from '../../book/types.js';
import type { DecodeSink } from '../types.js';
import { createDecoder } from './decode.js';

interface Got {
  events: MarketEvent[];
  depth: { v: string; ts: number; lastId: number; checksum: number | undefined; levels: [number, string, string, boolean][] }[];
  snapshots: { v: string; s: BookSnapshotInput }[];
  rejects: string[];
  controls: string[];
}

const META = { venue: 'bitget', connId: 1, recvSeq: 1, localTs: 1_700_000_000_000_000 };
const SYMBOLS = new Map([['BTCUSDT', 'BTC/USDT'], ['BTCUSDT_UMCBL', 'BTC/USDT:USDT']]);

function run(...frames: string[]): Got {
  const g: Got = { events: [], depth: [], snapshots: [], rejects: [], controls: [] };
  const sink: DecodeSink = {
    event: (ev) => g.events.push(ev),
    depth: (v, u) => {
      const levels: [number, string, string, boolean][] = [];
      for (let i = 0; i < u.levels.length; i++) levels.push([u.levels.sideAt(i), u.levels.priceTextAt(i), u.levels.amountTextAt(i), u.levels.isDeleteAt(i)]);
      g.depth.push({ v, ts: u.ts, lastId: u.lastId, checksum: u.checksum, levels });
    },
    snapshot: (v, s) => g.snapshots.push({ v, s }),
    reject: (reason) => g.rejects.push(reason),
    control: (kind, detail) => g.controls.push(`${kind}: ${detail}`),
    checksum: () => { throw new Error('no checksum frames on Bitget'); },
  };
  const d = createDecoder({ venue: 'bitget', symbols: SYMBOLS });
  for (const f of frames) d.decode(f, META, sink);
  for (const ev of g.events) expect(MarketEventSchema.safeParse(ev).success, JSON.stringify(ev)).toBe(true);
  return g;
}

const arg = (instType: string, channel: string, instId = 'BTCUSDT') => ({ instType, channel, instId });
const push = (action: string, a: object, data: unknown[], ts?: number) => JSON.stringify({ action, arg: a, data, ...(ts === undefined ? {} : { ts }) });

describe('books', () => {
  it('v2 snapshot → sink.snapshot with seq, ts (µs) and the checksum unsigned', () => {
    const g = run(push('snapshot', arg('SPOT', 'books'), [{ asks: [['26274.9', '0.0009']], bids: [['26274.8', '0.0009']], checksum: -1367582038, seq: 123, ts: '1695710946294' }]));
    expect(g.rejects).toEqual([]);
    expect(g.snapshots).toEqual([{ v: 'BTCUSDT', s: { lastUpdateId: 123, ts: 1695710946294000, bids: [['26274.8', '0.0009']], asks: [['26274.9', '0.0009']], checksum: 2927385258 } }]);
  });

  it('v2 USDT-FUTURES update → sink.depth on the perp symbol: bids then asks, deletes flagged', () => {
    const g = run(push('update', arg('USDT-FUTURES', 'books'), [{ asks: [['27001.0', '0']], bids: [['26999.5', '1.250'], ['26990', '2']], checksum: 42, seq: 7, ts: '1695716760565' }]));
    expect(g.depth).toEqual([{ v: 'BTCUSDT_UMCBL', ts: 1695716760565000, lastId: 7, checksum: 42, levels: [
      [1, '26999.5', '1.250', false], [1, '26990', '2', false], [-1, '27001.0', '0', true],
    ] }]);
  });

  it('v1 update (instType sp / mc, no seq) → lastId -1; no checksum → undefined', () => {
    const g = run(
      push('update', arg('sp', 'books'), [{ asks: [], bids: [['1', '2']], checksum: 5, ts: '1649290077611' }]),
      push('update', arg('mc', 'books'), [{ asks: [['3', '4']], bids: [], ts: '1649290077611' }]),
    );
    expect(g.depth.map((d) => [d.v, d.lastId, d.checksum])).toEqual([['BTCUSDT', -1, 5], ['BTCUSDT_UMCBL', -1, undefined]]);
  });

  it('books5 pushes (always snapshots) replace the book', () => {
    const g = run(push('snapshot', arg('SPOT', 'books5'), [{ asks: [['2', '1']], bids: [['1', '1']], ts: '1' }]));
    expect(g.snapshots.map((s) => [s.v, s.s.checksum])).toEqual([['BTCUSDT', undefined]]);
  });

  it.each([
    ['a level that is not a decimal', { asks: [['1.0', 'x']], bids: [], checksum: 1, ts: '1' }, 'malformed level'],
    ['a level with one item', { asks: [['1.0']], bids: [], checksum: 1, ts: '1' }, 'malformed level'],
    ['a checksum that is text', { asks: [], bids: [], checksum: 'abc', ts: '1' }, 'malformed checksum'],
    ['a ts that is not ms', { asks: [], bids: [], checksum: 1, ts: 'soon' }, 'malformed checksum, ts'],
    ['no bids', { asks: [], checksum: 1, ts: '1' }, 'without one {asks, bids}'],
  ])('rejects an update with %s', (_what, data, reason) => {
    const g = run(push('update', arg('SPOT', 'books'), [data]));
    expect(g.depth).toEqual([]);
    expect(g.rejects.length).toBe(1);
    expect(g.rejects[0]).toContain(reason);
  });

  it('rejects books of symbols not configured and of unsupported product lines', () => {
    const g = run(
      push('update', arg('SPOT', 'books', 'ETHUSDT'), [{ asks: [], bids: [], checksum: 1, ts: '1' }]),
      push('update', arg('COIN-FUTURES', 'books', 'BTCUSD'), [{ asks: [], bids: [], checksum: 1, ts: '1' }]),
    );
    expect(g.rejects).toEqual(['books for unknown symbol SPOT:ETHUSDT', 'books for unknown symbol COIN-FUTURES:BTCUSD']);
  });
});

describe('trades', () => {
  it('v2 trade update → one trade per item, id = tradeId, ts in µs', () => {
    const g = run(push('update', arg('USDT-FUTURES', 'trade'), [
      { ts: '1695716760565', price: '27000.5', size: '0.001', side: 'buy', tradeId: '1111111111' },
      { ts: '1695716759514', price: '27000.0', size: '0.002', side: 'sell', tradeId: '1111111112' },
    ], 1695716761589));
    expect(g.events).toEqual([
      { type: 'trade', venue: 'bitget', symbol: 'BTC/USDT:USDT', venueSymbol: 'BTCUSDT_UMCBL', ts: 1695716760565000, localTs: META.localTs, id: '1111111111', price: '27000.5', amount: '0.001', side: 'buy' },
      { type: 'trade', venue: 'bitget', symbol: 'BTC/USDT:USDT', venueSymbol: 'BTCUSDT_UMCBL', ts: 1695716759514000, localTs: META.localTs, id: '1111111112', price: '27000.0', amount: '0.002', side: 'sell' },
    ]);
  });

  it('v1 trade rows get a composite id; the subscription snapshot (history) is skipped', () => {
    const g = run(
      push('snapshot', arg('sp', 'trade'), [['1649290076333', '0.00003507', '271967', 'sell']]),
      push('update', arg('sp', 'trade'), [['1649290077777', '0.005613', '890.8', 'buy']]),
    );
    expect(g.events.map((e) => e.type === 'trade' && [e.symbol, e.id, e.price, e.amount, e.side, e.ts])).toEqual([
      ['BTC/USDT', '1649290077777:0.005613:890.8:buy', '0.005613', '890.8', 'buy', 1649290077777000],
    ]);
  });

  it('rejects the whole frame when one trade is malformed', () => {
    const g = run(push('update', arg('SPOT', 'trade'), [
      { ts: '1', price: '1', size: '1', side: 'buy', tradeId: '1' },
      { ts: '2', price: '1', size: '1', side: 'sideways', tradeId: '2' },
    ]));
    expect(g.events).toEqual([]);
    expect(g.rejects).toEqual(['trade failed its guard']);
  });
});

describe('ticker', () => {
  it('v2 spot ticker → ticker + quote', () => {
    const g = run(push('snapshot', arg('SPOT', 'ticker'), [{
      instId: 'BTCUSDT', lastPr: '43528.19', open24h: '42267.78', high24h: '44490.00', low24h: '41401.53', change24h: '0.03879',
      bidPr: '43528', askPr: '43528.01', bidSz: '0.0334', askSz: '0.1917', baseVolume: '15002.4216', quoteVolume: '648006446.7164', ts: '1701842994338',
    }], 1701842994341));
    const base = { venue: 'bitget', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: 1701842994338000, localTs: META.localTs };
    expect(g.events).toEqual([
      { type: 'ticker', ...base, last: '43528.19', open24h: '42267.78', high24h: '44490.00', low24h: '41401.53', volume24h: '15002.4216', quoteVolume24h: '648006446.7164' },
      { type: 'quote', ...base, bidPrice: '43528', bidAmount: '0.0334', askPrice: '43528.01', askAmount: '0.1917' },
    ]);
  });

  it('v2 USDT-FUTURES ticker → ticker + quote + derivative (mark, index, funding, next funding, open interest)', () => {
    const g = run(push('snapshot', arg('USDT-FUTURES', 'ticker'), [{
      instId: 'BTCUSDT', lastPr: '43480.4', bidPr: '43476.3', askPr: '43476.8', bidSz: '0.1', askSz: '3.055', open24h: '42252.3',
      high24h: '44518.2', low24h: '41387.0', fundingRate: '0.000096', nextFundingTime: '1701849600000', markPrice: '43476.4',
      indexPrice: '43478.4', holdingAmount: '50670.787', baseVolume: '120187.104', quoteVolume: '5167385048.693', ts: '1701843962811',
    }]));
    expect(g.events.map((e) => e.type)).toEqual(['ticker', 'quote', 'derivative']);
    expect(g.events[2]).toEqual({
      type: 'derivative', venue: 'bitget', symbol: 'BTC/USDT:USDT', venueSymbol: 'BTCUSDT_UMCBL', ts: 1701843962811000, localTs: META.localTs,
      markPrice: '43476.4', indexPrice: '43478.4', fundingRate: '0.000096', openInterest: '50670.787', nextFundingTs: 1701849600000000,
    });
  });

  it('v1 mix ticker (no sizes) → ticker + derivative from capitalRate/holding/systemTime', () => {
    const g = run(push('snapshot', arg('mc', 'ticker'), [{
      instId: 'BTCUSDT', last: '113.370', bestAsk: '113.41', bestBid: '113.36', high24h: '118.870', low24h: '113.140', capitalRate: '-0.000100',
      nextSettleTime: 1649314800000, systemTime: 1649290077309, markPrice: '113.381', indexPrice: '113.427', holding: '21957.17', baseVolume: '25301.40', quoteVolume: '3062327.31',
    }]));
    expect(g.events.map((e) => e.type)).toEqual(['ticker', 'derivative']);
    expect(g.events[1]).toMatchObject({ fundingRate: '-0.000100', openInterest: '21957.17', nextFundingTs: 1649314800000000, ts: 1649290077309000 });
  });

  it('rejects a ticker with nothing usable', () => {
    const g = run(push('snapshot', arg('SPOT', 'ticker'), [{ instId: 'BTCUSDT', ts: '1' }]));
    expect(g.events).toEqual([]);
    expect(g.rejects).toEqual(['ticker without last, high24h or baseVolume']);
  });
});

describe('control and malformed frames', () => {
  it('subscribe acks, errors and pong', () => {
    const g = run(
      '{"event":"subscribe","arg":{"instType":"SPOT","channel":"books","instId":"BTCUSDT"}}',
      '{"event":"error","code":30001,"msg":"instType:sp,channel:candleundefined,instId:BTCUSDT doesn\'t exist"}',
      'pong',
    );
    expect(g.controls.map((c) => c.split(':')[0])).toEqual(['ack', 'error', 'other']);
    expect(g.controls[1]).toContain('30001');
    expect(g.rejects).toEqual([]);
  });

  it.each([
    ['not JSON', '{"action":', 'not JSON'],
    ['an array', '[1,2]', 'not a JSON object'],
    ['no arg', '{"action":"update","data":[]}', 'message without a known shape'],
    ['data not an array', '{"action":"update","arg":{"instType":"SPOT","channel":"books","instId":"BTCUSDT"},"data":{}}', 'message without a known shape'],
    ['unknown books action', '{"action":"patch","arg":{"instType":"SPOT","channel":"books","instId":"BTCUSDT"},"data":[{"asks":[],"bids":[]}]}', 'books action "patch"'],
  ])('rejects %s', (_what, frame, reason) => {
    const g = run(frame);
    expect(g.rejects).toEqual([reason]);
    expect(g.events).toEqual([]);
  });

  it('candle pushes are passed over quietly', () => {
    const g = run(push('update', arg('sp', 'candle1m'), [['1649290020000', '1', '1', '1', '1', '1']]));
    expect([g.events, g.rejects, g.controls]).toEqual([[], [], []]);
  });
});
