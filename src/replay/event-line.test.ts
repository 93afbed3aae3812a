// EventLines writes exactly JSON.stringify's bytes: book_snapshots as the sync engine builds them
// (rows shared between snapshots, sides unchanged or not), every shape it does not expect, and
// numbers around the integer fast path.
import { describe, expect, it, vi } from 'vitest';
import type { MarketEvent } from '../core/events.js';
import { SyncEngine } from '../book/sync-engine.js';
import { binance } from '../venues/binance/index.js';
import type { DecodeSink } from '../venues/types.js';
import { EventLines } from './event-line.js';
import { LineBatcher } from './line-batch.js';
import { seededRandom } from './merge.js';

type BookSnapshot = Extract<MarketEvent, { type: 'book_snapshot' }>;

const snap = (over: Partial<Record<keyof BookSnapshot, unknown>> = {}): MarketEvent => ({
  type: 'book_snapshot', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: 1_704_189_600_000_000,
  localTs: 1_704_189_600_001_234, depth: 2, updateId: 5_167_875_623, bids: [['100.1', '1.0'], ['100.0', '2']], asks: [['100.2', '0.5']],
  ...over,
} as MarketEvent);

describe('EventLines', () => {
  it('writes what JSON.stringify writes for every book_snapshot a synced book emits', () => {
    const events: MarketEvent[] = [];
    const engine = new SyncEngine({
      venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', depth: 5, rule: binance.bookRule,
      emit: (ev) => events.push(ev), requestSnapshot: () => {},
    });
    engine.onConnected();
    const levels = (n: number, base: number): [string, string][] => Array.from({ length: n }, (_, i) => [(base - i * 0.5).toFixed(2), `${i + 1}.0`]);
    engine.onSnapshot({ lastUpdateId: 10, ts: 0, bids: levels(8, 100), asks: levels(8, 110).reverse() }, 1);
    const random = seededRandom(3);
    const decoder = binance.createDecoder({ venue: 'binance', symbols: new Map([['BTCUSDT', 'BTC/USDT']]) });
    const sink: DecodeSink = {
      event: () => {}, depth: (_v, u) => engine.onDiff(u), reject: (r) => { throw new Error(r); }, control: () => {}, snapshot: () => {}, checksum: () => {},
    };
    let id = 11;
    for (let k = 0; k < 400; k++) {
      // a level inside or beyond the top 5, set or deleted: sides change, shift or stay the same
      const price = (random() < 0.5 ? 100 - Math.floor(random() * 16) * 0.5 : 104 + Math.floor(random() * 16) * 0.5).toFixed(2);
      const amount = random() < 0.3 ? '0' : (random() * 3).toFixed(3);
      const side = Number(price) < 102 ? { b: [[price, amount]], a: [] } : { b: [], a: [[price, amount]] };
      const frame = JSON.stringify({ stream: 'btcusdt@depth@100ms', data: { e: 'depthUpdate', E: 1_700_000_000_000 + k, s: 'BTCUSDT', U: id, u: id, ...side } });
      id++;
      decoder.decode(frame, { venue: 'binance', connId: 1, recvSeq: k, localTs: 1_700_000_000_000_000 + k }, sink);
    }
    const books = events.filter((e) => e.type === 'book_snapshot');
    expect(books.length).toBeGreaterThan(100);
    const lines = new EventLines();
    const written = events.map((ev) => {
      const spy = vi.spyOn(JSON, 'stringify');
      try {
        return { line: lines.line(ev), whole: spy.mock.calls.some((c) => c[0] === ev) };
      } finally {
        spy.mockRestore();
      }
    });
    for (let i = 0; i < events.length; i++) expect(written[i].line).toBe(JSON.stringify(events[i]));
    // the snapshots took the row path, not JSON.stringify of the whole event
    expect(written.filter((w, i) => events[i].type === 'book_snapshot' && w.whole)).toEqual([]);
    // write(): the same bytes straight into batches, across full batches
    const direct = new EventLines();
    const out = new LineBatcher();
    const chunks: Buffer[] = [];
    const take = (): void => {
      const b = out.take();
      chunks.push(Buffer.from(b.bytes.subarray(0, b.ends[b.n - 1])));
    };
    for (let round = 0; round < 200; round++) {
      for (const ev of events) while (!direct.write(ev, out)) take();
    }
    take();
    expect(chunks.length).toBeGreaterThan(1);
    expect(Buffer.concat(chunks).toString()).toBe(events.map((ev) => JSON.stringify(ev) + '\n').join('').repeat(200));
  });

  it.each<[string, MarketEvent]>([
    ['a plain snapshot', snap()],
    ['an empty side', snap({ bids: [] })],
    ['a field added', { ...snap(), extra: 1 } as unknown as MarketEvent],
    ['fields in another order', (({ bids, ...rest }) => ({ ...rest, bids }))(snap() as BookSnapshot) as unknown as MarketEvent],
    ['updateId undefined', snap({ updateId: undefined })],
    ['a NaN and an infinite time', snap({ ts: NaN, localTs: Infinity })],
    ['-0 and fractions', snap({ ts: -0, localTs: 1.5, depth: 1e21, updateId: 123_456_789.25 })],
    ['quotes and non-ASCII in names', snap({ symbol: 'A"B/€', venueSymbol: 'x\\y\n' })],
    ['a row that is not an array', snap({ bids: [{ p: '1' }, ['2', '3']] })],
    ['a hole in a side', snap({ asks: [, ['1', '2']] })],
    ['a side that is not an array', snap({ asks: 'none' })],
    ['a trade', { type: 'trade', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: 1, localTs: 2, id: '7', price: '1', amount: '2', side: 'buy' }],
  ])('%s: JSON.stringify bytes', (_what, ev) => {
    const lines = new EventLines();
    expect(lines.line(ev)).toBe(JSON.stringify(ev));
    expect(lines.line(ev)).toBe(JSON.stringify(ev)); // again, from the caches
  });

  it('writes integers around the two-halves path as String does', () => {
    const lines = new EventLines();
    const cases = [0, 1, 99_999_999, 1e8, 1e8 + 1, 199_999_999, 2 ** 31, 2 ** 31 + 1, 1_700_000_000_000_000, 9_007_199_254_740_991,
      9_007_199_254_740_992, 9_007_199_254_740_994, 1e16, 1.7e20, -1e9, 12_345_678_900_000_001];
    const random = seededRandom(9);
    for (let i = 0; i < 2000; i++) cases.push(Math.floor(random() * 2 ** 53), Math.floor(random() * 1e12) * 1000 + Math.floor(random() * 3) * 1e8);
    for (const n of cases) {
      const ev = snap({ ts: n, localTs: n, updateId: n });
      expect(lines.line(ev)).toBe(JSON.stringify(ev));
    }
  });
});
