// TradeBackfiller (live) for venues filled by time window (spec.recentTrades, Bybit): a closed
// outage window is filled from one page of recent trades, the body raw first and then through the
// core; an error answer gives the window up with a raw `trades-window-missed` mark; and the raw
// frames, fed to a fresh core as replay does, give the same events. A fake REST client stands in
// for the venue.
import { describe, expect, it } from 'vitest';
import type { Gap, MarketEvent, Trade } from '../core/events.js';
import type { RawFrame } from '../core/frames.js';
import { silentLogger } from '../core/log.js';
import type { RestClient, RestResponse } from '../transport/rest.js';
import { FeedCore } from './feed-core.js';
import { getVenue } from './index.js';
import { TradeBackfiller } from './trade-backfiller.js';

const BASE = 'http://127.0.0.1:1';
const WS = 'ws://127.0.0.1:1/v5/public/linear';
const spec = getVenue('bybit-linear');

const body = (ts: [string, number][]): string => JSON.stringify({
  retCode: 0, retMsg: 'OK', time: 1,
  result: { category: 'linear', list: [...ts].reverse().map(([id, ms]) => ({ execId: id, symbol: 'BTCUSDT', price: '100.5', size: '0.001', side: 'Buy', time: String(ms) })) },
});

function newCore(events: MarketEvent[], raw?: RawFrame[], onWindow?: (v: string) => void): FeedCore {
  return new FeedCore({
    spec, symbols: ['BTC/USDT:USDT'], kinds: ['trades'], depth: 50, plans: [], log: silentLogger, requestSnapshot: () => {},
    ...(onWindow === undefined ? {} : { onTradeWindow: onWindow }),
    handlers: { event: (ev) => events.push(ev), ...(raw === undefined ? {} : { raw: (f: RawFrame) => raw.push(f) }) },
  });
}

function setup(serve: () => { status: number; body: string }) {
  const events: MarketEvent[] = [];
  const raw: RawFrame[] = [];
  const asked: string[] = [];
  const rest = {
    waiting: 0,
    async get(path: string): Promise<RestResponse> {
      asked.push(path);
      return { ...serve(), localTs: 9_000_000 + asked.length, url: BASE + path, headers: new Headers() };
    },
  };
  let backfill: TradeBackfiller | undefined = undefined;
  const core = newCore(events, raw, (v) => backfill?.wakeWindow(v));
  backfill = new TradeBackfiller({
    spec, rest: rest as unknown as RestClient, core, log: silentLogger, capturing: () => true,
    handlers: { event: (ev) => events.push(ev), raw: (f) => raw.push(f) },
  });
  let seq = 0;
  // the session hands every socket frame raw first, then to the core
  const frame = (f: RawFrame): void => {
    raw.push(f);
    core.onFrame(f);
  };
  const conn = (connId: number, data: string): void => frame({ venue: spec.id, connId, recvSeq: 0, localTs: 1_000_000 + ++seq, dir: 'conn', data });
  const trade = (connId: number, id: string, ms: number): void => frame({
    venue: spec.id, connId, recvSeq: ++seq, localTs: 1_000_000 + seq, dir: 'in',
    data: JSON.stringify({ topic: 'publicTrade.BTCUSDT', type: 'snapshot', ts: ms, data: [{ T: ms, s: 'BTCUSDT', S: 'Buy', v: '0.001', p: '100.5', L: 'PlusTick', i: id, BT: false }] }),
  });
  /** A trade, an outage, the trade after it: the window 100..130 ms waits to be filled. */
  const outage = (): void => {
    conn(1, `open ${WS} plan=0:data`);
    trade(1, 'a', 100);
    conn(1, 'close 1006 dropped');
    conn(2, `open ${WS} plan=0:data`);
    trade(2, 'd', 130);
  };
  const trades = (evs = events): string[] => evs.filter((e): e is Trade => e.type === 'trade').map((t) => t.id);
  const gaps = (evs = events): Gap[] => evs.filter((e): e is Gap => e.type === 'gap');
  /** What replay makes of the raw capture: the same events. */
  const replay = (): MarketEvent[] => {
    const out: MarketEvent[] = [];
    const c = newCore(out);
    for (const f of raw) {
      if (f.dir === 'rest') c.onRestFrame(f, 'BTCUSDT');
      else c.onFrame(f);
    }
    return out;
  };
  return { core, backfill, raw, asked, outage, trades, gaps, replay, events };
}

describe('TradeBackfiller: windows of venues without consecutive ids', () => {
  it('one page of recent trades fills the window; the body is kept raw first, and replay makes the same events', async () => {
    const s = setup(() => ({ status: 200, body: body([['a', 100], ['b', 110], ['c', 120], ['d', 130], ['e', 140]]) }));
    s.outage();
    expect(s.backfill.busy(['BTCUSDT'])).toBe(true);
    await s.backfill.finish(['BTCUSDT'], 10_000);
    expect(s.asked).toEqual(['/v5/market/recent-trade?category=linear&symbol=BTCUSDT&limit=1000']);
    expect(s.raw.map((f) => f.dir)).toEqual(['conn', 'in', 'conn', 'conn', 'in', 'rest']);
    expect(s.trades()).toEqual(['a', 'd', 'b', 'c']);
    expect(s.gaps().map((g) => g.reason)).toEqual(['backfill from=b to=c count=2 route=recent-trade window=100000..130000']);
    expect(s.core.tradeWindow('BTCUSDT')).toBeUndefined();
    expect(s.backfill.stats).toEqual({ pages: 1, givenUp: 0 });
    expect(s.replay()).toEqual(s.events);
  });

  it('an error answer: the body is kept raw (a counted reject), then a trades-window-missed mark gives the window up', async () => {
    const s = setup(() => ({ status: 500, body: '{"retCode":10016,"retMsg":"Server error","result":{}}' }));
    s.outage();
    await s.backfill.finish(['BTCUSDT'], 10_000);
    expect(s.asked.length).toBe(1);
    expect(s.raw.slice(5).map((f) => [f.dir, f.data.split(' ')[0]])).toEqual([['rest', '{"retCode":10016,"retMsg":"Server'], ['conn', 'trades-window-missed']]);
    expect(s.gaps().map((g) => [g.action, g.reason])).toEqual([
      ['drop', 'trades missed window=100000..130000: recent-trade answered HTTP 500: {"retCode":10016,"retMsg":"Server error","result":{}}'],
    ]);
    expect(s.core.tradeWindow('BTCUSDT')).toBeUndefined();
    expect(s.backfill.stats).toEqual({ pages: 1, givenUp: 1 });
    expect(s.replay()).toEqual(s.events);
  });

  it('a window closed after the session stopped is given up at once', async () => {
    const s = setup(() => ({ status: 200, body: body([]) }));
    s.backfill.stop();
    s.outage();
    await Promise.resolve();
    expect(s.asked).toEqual([]);
    expect(s.gaps().map((g) => g.reason)).toEqual(['trades missed window=100000..130000: the recording stopped before they could be fetched']);
  });
});
