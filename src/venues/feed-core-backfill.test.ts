// FeedCore and trade backfill (trade-backfill.ts): a jump in a symbol's trade ids is recorded as
// missing and reported; a trades-by-id REST body fills exactly the ids still missing, in id
// order, with a `backfill` gap event naming the range; what cannot be filled becomes a gap; a
// venue that restarts its ids loses none of the new ones. All of it from frames alone, as replay
// feeds them.
import { describe, expect, it } from 'vitest';
import type { Gap, MarketEvent, Trade } from '../core/events.js';
import type { RawFrame } from '../core/frames.js';
import { silentLogger } from '../core/log.js';
import { FeedCore } from './feed-core.js';
import { getVenue } from './index.js';
import { tradesMissedMark } from './trade-backfill.js';

const REST = 'http://127.0.0.1:1/api/v3';

function setup() {
  const events: MarketEvent[] = [];
  const missing: string[] = [];
  const rejects: string[] = [];
  const core = new FeedCore({
    spec: getVenue('binance'), symbols: ['BTC/USDT'], kinds: ['trades'], depth: 5, plans: [], log: silentLogger,
    requestSnapshot: () => {},
    onTradesMissing: (v) => missing.push(v),
    handlers: { event: (ev) => events.push(ev), reject: (_s, reason) => rejects.push(reason) },
  });
  let seq = 0;
  const stream = (t: number, localTs = 1_000_000 + t): void => {
    const data = `{"stream":"btcusdt@trade","data":{"e":"trade","E":${t},"s":"BTCUSDT","t":${t},"p":"1.0${t % 10}","q":"0.5","T":${t},"m":${t % 2 === 0},"M":true}}`;
    core.onFrame({ venue: 'binance', connId: 1, recvSeq: ++seq, localTs, dir: 'in', data });
  };
  const rows = (ids: number[]): string => JSON.stringify(ids.map((t) => ({
    id: t, price: `1.0${t % 10}`, qty: '0.5', quoteQty: '0.5', time: t, isBuyerMaker: t % 2 === 0, isBestMatch: true,
  })));
  const rest = (fromId: number, body: string, localTs = 9_000_000): boolean => {
    const f: RawFrame = { venue: 'binance', connId: 0, recvSeq: 0, localTs, dir: 'rest', data: body, url: `${REST}/historicalTrades?symbol=BTCUSDT&fromId=${fromId}&limit=1000` };
    return core.onRestFrame(f, 'BTCUSDT');
  };
  const trades = (): string[] => events.filter((e): e is Trade => e.type === 'trade').map((t) => t.id);
  const gaps = (): Gap[] => events.filter((e): e is Gap => e.type === 'gap');
  return { core, events, missing, rejects, stream, rows, rest, trades, gaps };
}

describe('FeedCore: trade ids that jump are backfilled by id', () => {
  it('a jump is missing ids; the REST page fills them in id order, once, and a backfill row names them', () => {
    const s = setup();
    for (const t of [100, 101, 105]) s.stream(t);
    expect(s.missing).toEqual(['BTCUSDT']);
    expect(s.core.missingTradeIds('BTCUSDT')).toEqual([[102, 104]]);
    // the page holds more than was missing: older ids, ids the stream already brought, newer ones
    expect(s.rest(102, s.rows([101, 102, 103, 104, 105, 106]))).toBe(true);
    expect(s.trades()).toEqual(['100', '101', '105', '102', '103', '104']);
    const filled = s.events.filter((e): e is Trade => e.type === 'trade').slice(3);
    expect(filled[0]).toEqual({
      type: 'trade', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: 102_000, localTs: 9_000_000,
      id: '102', price: '1.02', amount: '0.5', side: 'sell',
    });
    expect(s.gaps()).toEqual([expect.objectContaining({
      scope: 'trades', action: 'backfill', expected: 'trade ids 102..105', localTs: 9_000_000,
      reason: 'backfill from=102 to=104 count=3 route=historicalTrades',
    })]);
    expect(s.core.missingTradeIds('BTCUSDT')).toEqual([]);
    // the stream's copies, and the trade the page had early, come once only
    s.stream(103);
    s.stream(106);
    expect(s.trades()).toEqual(['100', '101', '105', '102', '103', '104', '106']);
    expect(s.core.stats()[0].duplicateTrades).toBe(1);
  });

  it('a missing id that comes on the stream after all (a redundant line) is not fetched again', () => {
    const s = setup();
    for (const t of [10, 14, 12]) s.stream(t);
    expect(s.trades()).toEqual(['10', '14', '12']);
    expect(s.core.missingTradeIds('BTCUSDT')).toEqual([[11, 11], [13, 13]]);
    s.rest(11, s.rows([11, 12, 13]));
    expect(s.trades()).toEqual(['10', '14', '12', '11', '13']);
    // 12 follows 14 in the file: its own row names it (validate accepts ids the ledger names)
    expect(s.gaps().map((g) => g.reason)).toEqual(['backfill from=12 to=12 count=1 route=stream', 'backfill from=11 to=13 count=2 route=historicalTrades']);
  });

  it('ids a page went past without holding are a gap; an error body is a counted reject and fills nothing', () => {
    const s = setup();
    for (const t of [1, 10]) s.stream(t);
    s.rest(2, '{"code":-1121,"msg":"Invalid symbol."}');
    expect(s.rejects).toEqual([expect.stringContaining('the venue answered -1121 Invalid symbol.')]);
    expect(s.core.missingTradeIds('BTCUSDT')).toEqual([[2, 9]]);
    s.rest(2, s.rows([5, 6, 7]));
    expect(s.trades()).toEqual(['1', '10', '5', '6', '7']);
    expect(s.gaps().map((g) => [g.action, g.reason])).toEqual([
      ['backfill', 'backfill from=5 to=7 count=3 route=historicalTrades'],
      ['drop', 'trades missed from=2 to=7 count=3: historicalTrades does not serve them'],
    ]);
    expect(s.core.missingTradeIds('BTCUSDT')).toEqual([[8, 9]]);
  });

  it('a range live gave up (a trades-missed mark) is a gap with the reason; a jump too wide to fetch is a gap at once', () => {
    const s = setup();
    for (const t of [1, 10]) s.stream(t);
    s.core.onFrame({ venue: 'binance', connId: 0, recvSeq: 0, localTs: 5, dir: 'conn', data: tradesMissedMark('BTCUSDT', 2, 9, 'historicalTrades answered HTTP 500') });
    expect(s.gaps()).toEqual([expect.objectContaining({ action: 'drop', reason: 'trades missed from=2 to=9 count=8: historicalTrades answered HTTP 500' })]);
    expect(s.core.missingTradeIds('BTCUSDT')).toEqual([]);
    s.stream(50_011); // 50_000 ids: more than 10 pages of 1000
    expect(s.gaps()[1]).toEqual(expect.objectContaining({ action: 'drop', reason: 'trades missed from=11 to=50010 count=50000: more than 10000 to backfill' }));
    expect(s.core.missingTradeIds('BTCUSDT')).toEqual([]);
    expect(s.missing).toEqual(['BTCUSDT']); // only the first jump was worth fetching
  });

  it('ids that restart far below: logged as a warning, the new ids kept, the old numbering\'s missing ids given up', () => {
    const s = setup();
    for (const t of [5_000_000, 5_000_003]) s.stream(t);
    for (const t of [7, 8, 8, 9]) s.stream(t);
    expect(s.trades()).toEqual(['5000000', '5000003', '7', '8', '9']);
    expect(s.gaps().map((g) => [g.action, g.expected, g.got])).toEqual([
      ['none', 'trade id after 5000003', 'trade id 7'],
      ['drop', 'trade ids 5000001..5000002', '2 trades missing'],
    ]);
    expect(s.core.missingTradeIds('BTCUSDT')).toEqual([]);
  });

  it('the same frames through a fresh core make the same events (what replay relies on)', () => {
    const run = (): MarketEvent[] => {
      const s = setup();
      for (const t of [100, 103, 101]) s.stream(t);
      s.rest(101, s.rows([101, 102, 103]));
      s.stream(104);
      return s.events;
    };
    expect(run()).toEqual(run());
  });
});
