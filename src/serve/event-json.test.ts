import { describe, expect, it } from 'vitest';
import type { BookSnapshot, Level, MarketEvent } from '../core/events.js';
import { bookJson, eventJson } from './event-json.js';

const rowsOf = (n: number, p: number): Level[] => Array.from({ length: n }, (_, i) => [(p + i / 100).toFixed(8), `0.${i + 1}`] as Level);
const book = (bids: Level[], asks: Level[], extra: Partial<BookSnapshot> = {}): BookSnapshot => ({
  type: 'book_snapshot', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: 1_796_628_168_377_000, localTs: 1_796_628_168_378_325,
  depth: 20, updateId: 5_840_028_868, bids, asks, ...extra,
});

describe('event JSON', () => {
  it('writes a book exactly as JSON.stringify does, whole and cut to any depth', () => {
    const b = book(rowsOf(20, 60000), rowsOf(20, 60001));
    expect(eventJson(b)).toBe(JSON.stringify(b));
    for (const d of [1, 5, 19, 20, 50]) {
      const want = d >= b.depth ? b : { ...b, depth: d, bids: b.bids.slice(0, d), asks: b.asks.slice(0, d) };
      expect(bookJson(b, d)).toBe(JSON.stringify(want));
    }
  });

  it('shares rows between snapshots and stays right when some change', () => {
    const bids = rowsOf(10, 100);
    const first = book(bids, rowsOf(10, 101), { depth: 10 });
    expect(eventJson(first)).toBe(JSON.stringify(first));
    const bids2 = bids.slice();
    bids2[3] = [bids[3][0], '9.5'];
    const second = book(bids2, first.asks, { depth: 10, updateId: 7 });
    expect(eventJson(second)).toBe(JSON.stringify(second));
  });

  it('escapes what needs escaping: thin books, scientific notation, odd texts', () => {
    const odd = book([['1e-7', '2E+3'], ['"x', 'a\\b']], [], { depth: 3, venue: 'we"ird', symbol: 'A/B', venueSymbol: 'A\nB' });
    expect(JSON.parse(eventJson(odd))).toEqual(odd);
    expect(eventJson(odd)).toBe(JSON.stringify(odd));
    const trade: MarketEvent = { type: 'trade', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: 1, localTs: 2, id: '9', price: '1', amount: '2', side: 'buy' };
    expect(eventJson(trade)).toBe(JSON.stringify(trade));
  });
});
