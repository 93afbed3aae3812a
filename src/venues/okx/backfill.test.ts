// OKX trade backfill through FeedCore (feed-core.ts, trade-backfill.ts). One `trades` push may
// aggregate several matches of one taker order at one price: `count` of them, `tradeId` the last
// one's, so it covers ids tradeId-count+1 .. tradeId. A jump is measured from a push's first id
// (an aggregated push alone is no gap), the event written is the push as OKX sent it, and a
// history-trades page fills exactly the ids no push covered.
import { describe, expect, it } from 'vitest';
import type { Gap, MarketEvent, Trade } from '../../core/events.js';
import type { RawFrame } from '../../core/frames.js';
import { silentLogger } from '../../core/log.js';
import { FeedCore } from '../feed-core.js';
import type { DecodeSink } from '../types.js';
import { createDecoder } from './decode.js';
import { okx } from './index.js';

const REST = 'http://127.0.0.1:1';

/** One push of `trades` for BTC-USDT: tradeId, count (as OKX sends it, or left out when undefined). */
function push(id: number, count?: unknown): string {
  const t: Record<string, unknown> = { instId: 'BTC-USDT', tradeId: String(id), px: `10.${id % 10}`, sz: '0.5', side: id % 2 === 0 ? 'buy' : 'sell', ts: String(id) };
  if (count !== undefined) t.count = count;
  return JSON.stringify({ arg: { channel: 'trades', instId: 'BTC-USDT' }, data: [t] });
}

function setup() {
  const events: MarketEvent[] = [];
  const missing: string[] = [];
  const rejects: string[] = [];
  const core = new FeedCore({
    spec: okx, symbols: ['BTC/USDT'], kinds: ['trades'], depth: 5, plans: [], log: silentLogger,
    requestSnapshot: () => {},
    onTradesMissing: (v) => missing.push(v),
    handlers: { event: (ev) => events.push(ev), reject: (_s, reason) => rejects.push(reason) },
  });
  let seq = 0;
  const stream = (id: number, count?: unknown): void => {
    core.onFrame({ venue: 'okx', connId: 1, recvSeq: ++seq, localTs: 1_000_000 + id, dir: 'in', data: push(id, count) });
  };
  const rest = (fromId: number, ids: number[], localTs = 9_000_000): boolean => {
    const data = JSON.stringify({
      code: '0', msg: '',
      data: [...ids].reverse().map((id) => ({ instId: 'BTC-USDT', side: id % 2 === 0 ? 'buy' : 'sell', sz: '0.5', px: `10.${id % 10}`, source: '0', tradeId: String(id), ts: String(id) })),
    });
    const f: RawFrame = { venue: 'okx', connId: 0, recvSeq: 0, localTs, dir: 'rest', data, url: `${REST}${okx.tradesById.request('BTC-USDT', fromId, 100).path}` };
    return core.onRestFrame(f, 'BTC-USDT');
  };
  const trades = (): Trade[] => events.filter((e): e is Trade => e.type === 'trade');
  const gaps = (): Gap[] => events.filter((e): e is Gap => e.type === 'gap');
  return { core, events, missing, rejects, stream, rest, trades, gaps };
}

describe('OKX decoder: a push says how many trade ids it stands for', () => {
  it('count goes with the trade to the sink; missing or not a whole number ≥ 1 means 1', () => {
    const got: [string, number | undefined][] = [];
    const sink: DecodeSink = {
      event: (ev, tradeIds) => got.push([(ev as Trade).id, tradeIds]),
      depth: () => {}, snapshot: () => {}, checksum: () => {}, control: () => {},
      reject: (reason) => { throw new Error(reason); },
    };
    const dec = createDecoder({ venue: 'okx', symbols: new Map([['BTC-USDT', 'BTC/USDT']]) });
    const meta = { venue: 'okx', connId: 1, recvSeq: 1, localTs: 1 };
    for (const [id, count] of [[10, '3'], [11, '1'], [12, undefined], [13, '0'], [14, 'x'], [15, '2.5'], [16, 4], [17, '-2'], [18, '12']] as const) dec.decode(push(id, count), meta, sink);
    expect(got).toEqual([['10', 3], ['11', 1], ['12', 1], ['13', 1], ['14', 1], ['15', 1], ['16', 1], ['17', 1], ['18', 12]]);
  });
});

describe('FeedCore: OKX aggregated pushes and history-trades backfill', () => {
  it('an aggregated push is no jump: the jump is measured from its first id', () => {
    const s = setup();
    s.stream(100, '1');
    s.stream(103, '3'); // 101..103
    s.stream(110, '7'); // 104..110
    expect(s.core.missingTradeIds('BTC-USDT')).toEqual([]);
    expect(s.missing).toEqual([]);
    s.stream(114, '2'); // 113..114: 111 and 112 were on no push
    expect(s.core.missingTradeIds('BTC-USDT')).toEqual([[111, 112]]);
    expect(s.missing).toEqual(['BTC-USDT']);
    // a count reaching back at or below the newest id is no gap, nor is its id a duplicate
    s.stream(116, '3'); // 114..116
    expect(s.core.missingTradeIds('BTC-USDT')).toEqual([[111, 112]]);
    expect(s.trades().map((t) => t.id)).toEqual(['100', '103', '110', '114', '116']);
  });

  it('without a valid count a push is one trade, so the ids before it are missing', () => {
    for (const count of [undefined, '0', 'x', 3]) {
      const s = setup();
      s.stream(100, '1');
      s.stream(103, count);
      expect(s.core.missingTradeIds('BTC-USDT'), String(count)).toEqual([[101, 102]]);
    }
  });

  it('the trade written is the push as sent: nothing of count is added', () => {
    const s = setup();
    s.stream(100);
    s.stream(103, '3');
    expect(s.trades()[1]).toStrictEqual({
      type: 'trade', venue: 'okx', symbol: 'BTC/USDT', venueSymbol: 'BTC-USDT', ts: 103_000, localTs: 1_000_103,
      id: '103', price: '10.3', amount: '0.5', side: 'sell',
    });
  });

  it('a history-trades page fills the ids no push covered, once, with a backfill row naming the route', () => {
    const s = setup();
    s.stream(100, '1');
    s.stream(109, '3'); // 107..109: 101..106 missing
    expect(s.core.missingTradeIds('BTC-USDT')).toEqual([[101, 106]]);
    // the page holds ids the aggregated push covered too, and ones before the range
    expect(s.rest(101, [99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109])).toBe(true);
    expect(s.trades().map((t) => t.id)).toEqual(['100', '109', '101', '102', '103', '104', '105', '106']);
    expect(s.gaps()).toEqual([expect.objectContaining({
      scope: 'trades', action: 'backfill', expected: 'trade ids 101..109', localTs: 9_000_000,
      reason: 'backfill from=101 to=106 count=6 route=history-trades',
    })]);
    expect(s.core.missingTradeIds('BTC-USDT')).toEqual([]);
    expect(s.rejects).toEqual([]);
  });

  it('an OKX error body is a counted reject quoting the code; the ids stay missing', () => {
    const s = setup();
    s.stream(100);
    s.stream(104);
    const f: RawFrame = {
      venue: 'okx', connId: 0, recvSeq: 0, localTs: 5, dir: 'rest', url: `${REST}${okx.tradesById.request('BTC-USDT', 101, 3).path}`,
      data: '{"code":"50011","msg":"Rate limit reached. Please refer to API documentation and throttle requests accordingly.","data":[]}',
    };
    expect(s.core.onRestFrame(f, 'BTC-USDT')).toBe(true);
    expect(s.rejects).toEqual([expect.stringContaining('history-trades: OKX answered code 50011: Rate limit reached.')]);
    expect(s.core.missingTradeIds('BTC-USDT')).toEqual([[101, 103]]);
  });

  it('an aggregated push that comes late (the other redundant line) takes all the ids it covers', () => {
    const s = setup();
    s.stream(100);
    s.stream(106); // 101..105 missing
    s.stream(103, '3'); // late: 101..103
    expect(s.trades().map((t) => t.id)).toEqual(['100', '106', '103']);
    expect(s.core.missingTradeIds('BTC-USDT')).toEqual([[104, 105]]);
    s.stream(103, '3'); // a second copy of it is a duplicate
    expect(s.core.stats()[0].duplicateTrades).toBe(1);
  });

  it('the same frames through a fresh core make the same events (what replay relies on)', () => {
    const run = (): MarketEvent[] => {
      const s = setup();
      s.stream(100);
      s.stream(104, '2');
      s.stream(108, '4');
      s.rest(101, [101, 102, 103]);
      return s.events;
    };
    const a = run();
    expect(a.filter((e) => e.type === 'trade').map((e) => (e as Trade).id)).toEqual(['100', '104', '108', '101', '102']);
    expect(run()).toEqual(a);
  });
});
