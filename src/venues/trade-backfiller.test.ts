// TradeBackfiller (live): fetches what FeedCore misses, page by page, body raw first and then
// through the core; waits while other requests are queued for the budget (book snapshots first);
// gives up with a raw `trades-missed` mark what the venue will not serve; on finish, gives up
// whatever is left. A fake REST client stands in for the venue.
import { describe, expect, it } from 'vitest';
import type { Gap, MarketEvent, Trade } from '../core/events.js';
import type { RawFrame } from '../core/frames.js';
import { silentLogger } from '../core/log.js';
import type { RestClient, RestResponse } from '../transport/rest.js';
import { FeedCore } from './feed-core.js';
import { getVenue } from './index.js';
import { TradeBackfiller } from './trade-backfiller.js';

const BASE = 'http://127.0.0.1:1';

function setup(serve: (fromId: number, limit: number) => { status: number; body: string }) {
  const events: MarketEvent[] = [];
  const raw: RawFrame[] = [];
  const asked: string[] = [];
  const rest = {
    waiting: 0,
    async get(path: string): Promise<RestResponse> {
      asked.push(path);
      const q = new URLSearchParams(path.slice(path.indexOf('?') + 1));
      const r = serve(Number(q.get('fromId')), Number(q.get('limit')));
      return { ...r, localTs: 9_000_000 + asked.length, url: BASE + path, headers: new Headers() };
    },
  };
  const spec = getVenue('binance');
  let backfill: TradeBackfiller | undefined = undefined;
  const core = new FeedCore({
    spec, symbols: ['BTC/USDT'], kinds: ['trades'], depth: 5, plans: [], log: silentLogger, requestSnapshot: () => {},
    onTradesMissing: (v) => backfill?.wake(v),
    handlers: { event: (ev) => events.push(ev), raw: (f) => raw.push(f) },
  });
  backfill = new TradeBackfiller({
    spec, rest: rest as unknown as RestClient, core, log: silentLogger, capturing: () => true,
    handlers: { event: (ev) => events.push(ev), raw: (f) => raw.push(f) },
  });
  let seq = 0;
  const stream = (t: number): void => {
    core.onFrame({
      venue: 'binance', connId: 1, recvSeq: ++seq, localTs: 1_000_000 + t, dir: 'in',
      data: `{"stream":"btcusdt@trade","data":{"e":"trade","E":${t},"s":"BTCUSDT","t":${t},"p":"1.5","q":"0.5","T":${t},"m":false,"M":true}}`,
    });
  };
  const trades = (): number[] => events.filter((e): e is Trade => e.type === 'trade').map((t) => Number(t.id));
  const gaps = (): Gap[] => events.filter((e): e is Gap => e.type === 'gap');
  return { core, backfill, rest, raw, asked, stream, trades, gaps };
}

const page = (from: number, to: number): string => JSON.stringify(
  Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => ({ id: from + i, price: '1.5', qty: '0.5', quoteQty: '0.75', time: from + i, isBuyerMaker: false, isBestMatch: true })),
);

describe('TradeBackfiller', () => {
  it('pages a wide range 1000 at a time; each body is kept raw before the core fills from it', async () => {
    const s = setup((fromId, limit) => ({ status: 200, body: page(fromId, Math.min(fromId + limit - 1, 2600)) }));
    s.stream(1);
    s.stream(2601);
    await s.backfill.finish(['BTCUSDT'], 10_000);
    expect(s.asked).toEqual([
      '/api/v3/historicalTrades?symbol=BTCUSDT&fromId=2&limit=1000',
      '/api/v3/historicalTrades?symbol=BTCUSDT&fromId=1002&limit=1000',
      '/api/v3/historicalTrades?symbol=BTCUSDT&fromId=2002&limit=599',
    ]);
    expect(s.raw.map((f) => f.dir)).toEqual(['rest', 'rest', 'rest']);
    expect(s.trades()).toEqual([1, 2601, ...Array.from({ length: 2599 }, (_, i) => i + 2)]);
    expect(s.gaps().map((g) => g.reason)).toEqual([
      'backfill from=2 to=1001 count=1000 route=historicalTrades',
      'backfill from=1002 to=2001 count=1000 route=historicalTrades',
      'backfill from=2002 to=2600 count=599 route=historicalTrades',
    ]);
    expect(s.backfill.stats).toEqual({ pages: 3, givenUp: 0 });
  });

  it('an error answer: the body is kept raw (a counted reject), then a trades-missed mark gives the range up', async () => {
    const s = setup(() => ({ status: 500, body: '{"code":-1000,"msg":"An unknown error occurred."}' }));
    s.stream(1);
    s.stream(5);
    await s.backfill.finish(['BTCUSDT'], 10_000);
    expect(s.raw.map((f) => `${f.dir} ${f.dir === 'conn' ? f.data : ''}`)).toEqual([
      'rest ', 'conn trades-missed BTCUSDT 2 4 historicalTrades answered HTTP 500: {"code":-1000,"msg":"An unknown error occurred."}',
    ]);
    expect(s.gaps()).toEqual([expect.objectContaining({ action: 'drop', reason: expect.stringMatching(/^trades missed from=2 to=4 count=3: historicalTrades answered HTTP 500/) })]);
    expect(s.core.rejects).toBe(1);
    expect(s.core.missingTradeIds('BTCUSDT')).toEqual([]);
  });

  it('waits while other requests are queued for the budget (book snapshots go first)', async () => {
    const s = setup((fromId, limit) => ({ status: 200, body: page(fromId, fromId + limit - 1) }));
    s.rest.waiting = 1;
    s.stream(1);
    s.stream(4);
    const done = s.backfill.finish(['BTCUSDT'], 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.asked).toEqual([]);
    s.rest.waiting = 0;
    await done;
    expect(s.asked).toEqual(['/api/v3/historicalTrades?symbol=BTCUSDT&fromId=2&limit=2']);
    expect(s.trades()).toEqual([1, 4, 2, 3]);
  });

  it('finish: what could not be fetched in time is given up, each range a gap', async () => {
    const s = setup((fromId, limit) => ({ status: 200, body: page(fromId, fromId + limit - 1) }));
    s.rest.waiting = 1; // the budget never frees up
    s.stream(1);
    s.stream(10);
    await s.backfill.finish(['BTCUSDT'], 50);
    expect(s.asked).toEqual([]);
    expect(s.gaps().map((g) => g.reason)).toEqual(['trades missed from=2 to=9 count=8: the recording stopped before they could be fetched']);
    expect(s.raw.map((f) => f.dir)).toEqual(['conn']);
  });
  it('ids a socket misses while the session closes are ledgered as missed at once, after the frame that showed them', async () => {
    const s = setup((fromId, limit) => ({ status: 200, body: page(fromId, fromId + limit - 1) }));
    s.stream(1);
    await s.backfill.finish(['BTCUSDT'], 50); // nothing missing yet: nothing to give up
    expect(s.gaps()).toEqual([]);
    // a socket reconnects while the session closes: its first trade jumps, as the session hands it on (core, then raw)
    const f: RawFrame = {
      venue: 'binance', connId: 2, recvSeq: 9, localTs: 1_000_006, dir: 'in',
      data: '{"stream":"btcusdt@trade","data":{"e":"trade","E":6,"s":"BTCUSDT","t":6,"p":"1.5","q":"0.5","T":6,"m":false,"M":true}}',
    };
    s.core.onFrame(f);
    s.raw.push(f);
    s.core.onFrame({ ...f, recvSeq: 10, data: f.data.replaceAll('6', '7') }); // a second jump-free trade: no second mark
    await Promise.resolve();
    expect(s.asked).toEqual([]);
    expect(s.gaps().map((g) => g.reason)).toEqual(['trades missed from=2 to=5 count=4: the recording stopped before they could be fetched']);
    expect(s.raw.map((r) => r.dir)).toEqual(['in', 'conn']);
    expect(s.core.missingTradeIds('BTCUSDT')).toEqual([]);
  });
});
