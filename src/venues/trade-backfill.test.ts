import { describe, expect, it } from 'vitest';
import {
  MAX_MISSING_RANGES, MissingTradeIds, pageFill, parseTradesMissedMark, tradesMissedMark, type TradeById,
} from './trade-backfill.js';

const trade = (id: number): TradeById => ({ id, ts: id * 1000, price: '1.0', amount: '2.0', side: 'buy' });

describe('MissingTradeIds', () => {
  it('keeps disjoint ranges in id order; an id that comes is taken out, splitting its range', () => {
    const m = new MissingTradeIds();
    m.add(20, 25);
    m.add(10, 12);
    expect(m.list()).toEqual([[10, 12], [20, 25]]);
    expect(m.take(11)).toBe(true);
    expect(m.take(11)).toBe(false);
    expect(m.take(20)).toBe(true);
    expect(m.take(25)).toBe(true);
    expect(m.take(30)).toBe(false);
    expect(m.list()).toEqual([[10, 10], [12, 12], [21, 24]]);
    expect(m.has(22)).toBe(true);
    expect(m.has(20)).toBe(false);
  });

  it('drop gives up a span and says how many ids of it were still missing', () => {
    const m = new MissingTradeIds();
    m.add(10, 19);
    m.add(30, 39);
    expect(m.drop(15, 34)).toBe(10);
    expect(m.list()).toEqual([[10, 14], [35, 39]]);
    expect(m.drop(0, 9)).toBe(0);
    expect(m.clear()).toEqual([{ from: 10, to: 14, count: 5 }, { from: 35, to: 39, count: 5 }]);
    expect(m.size).toBe(0);
  });

  it('bounded: past MAX_MISSING_RANGES the oldest range is pushed out and returned', () => {
    const m = new MissingTradeIds();
    for (let i = 0; i < MAX_MISSING_RANGES; i++) expect(m.add(i * 10, i * 10 + 1)).toBeUndefined();
    expect(m.add(10_000, 10_004)).toEqual({ from: 0, to: 1, count: 2 });
    expect(m.size).toBe(MAX_MISSING_RANGES);
  });
});

describe('pageFill', () => {
  it('fills only ids still missing, in id order, within fromId..the stream\'s newest id', () => {
    const m = new MissingTradeIds();
    m.add(100, 104);
    m.take(102); // a redundant line brought it meanwhile
    const page = [106, 104, 99, 100, 101, 102, 103, 105].map(trade);
    const { fill, coveredTo } = pageFill(m, page, 100, 105);
    expect(fill.map((t) => t.id)).toEqual([100, 101, 103, 104]);
    expect(coveredTo).toBe(105); // 106 is newer than the stream: the stream brings it
  });

  it('a page that skips missing ids covers them (the venue has none to give); an empty page covers nothing', () => {
    const m = new MissingTradeIds();
    m.add(100, 110);
    const { fill, coveredTo } = pageFill(m, [103, 104].map(trade), 100, 200);
    expect(fill.map((t) => t.id)).toEqual([103, 104]);
    expect(coveredTo).toBe(104);
    expect(pageFill(m, [], 100, 200).coveredTo).toBe(99);
  });
});

describe('trades-missed marks', () => {
  it('round trip, reason on one line; malformed ones are undefined', () => {
    const text = tradesMissedMark('BTCUSDT', 5, 9, 'historicalTrades failed:\nHTTP 500');
    expect(text).toBe('trades-missed BTCUSDT 5 9 historicalTrades failed: HTTP 500');
    expect(parseTradesMissedMark(text)).toEqual({ venueSymbol: 'BTCUSDT', from: 5, to: 9, reason: 'historicalTrades failed: HTTP 500' });
    expect(parseTradesMissedMark('trades-missed BTCUSDT five 9 x')).toBeUndefined();
  });
});
