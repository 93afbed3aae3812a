// FeedCore and trade backfill by time window (trade-window.ts), for venues whose trade ids cannot
// show a gap (Bybit): the close of the last socket carrying a symbol opens an outage window at its
// newest trade, the next trade closes it, and a recent-trades body fills the trades inside the
// window whose ids were not seen, with a `backfill` row; a full page that does not reach back is a
// gap; a give-up mark is a gap. All of it from frames alone, as replay feeds them.
import { describe, expect, it } from 'vitest';
import type { Gap, MarketEvent, Trade } from '../core/events.js';
import { silentLogger } from '../core/log.js';
import { FeedCore } from './feed-core.js';
import { getVenue } from './index.js';
import { tradesWindowMissedMark } from './trade-window.js';

const WS = 'ws://127.0.0.1:1/v5/public/linear';
const REST = 'http://127.0.0.1:1';

interface T {
  id: string;
  ms: number;
}

function setup(venue: 'bybit-linear' | 'bybit' = 'bybit-linear') {
  const events: MarketEvent[] = [];
  const windows: string[] = [];
  const rejects: string[] = [];
  const core = new FeedCore({
    spec: getVenue(venue), symbols: ['BTC/USDT:USDT'].map((s) => (venue === 'bybit' ? 'BTC/USDT' : s)), kinds: ['trades'], depth: 50, plans: [], log: silentLogger,
    requestSnapshot: () => {},
    onTradeWindow: (v) => windows.push(v),
    handlers: { event: (ev) => events.push(ev), reject: (_s, reason) => rejects.push(reason) },
  });
  let seq = 0;
  const mark = (connId: number, data: string, localTs = 1): void => void core.onFrame({ venue, connId, recvSeq: 0, localTs, dir: 'conn', data });
  const open = (connId: number): void => mark(connId, `open ${WS} plan=0:data`);
  const close = (connId: number): void => mark(connId, 'close 1006 dropped');
  const row = (t: T) => ({ T: t.ms, s: 'BTCUSDT', S: t.ms % 2 === 0 ? 'Buy' : 'Sell', v: '0.001', p: `100.${t.ms % 10}`, L: 'PlusTick', i: t.id, BT: false });
  const stream = (connId: number, ...ts: T[]): void => {
    const data = JSON.stringify({ topic: 'publicTrade.BTCUSDT', type: 'snapshot', ts: ts[ts.length - 1].ms, data: ts.map(row) });
    core.onFrame({ venue, connId, recvSeq: ++seq, localTs: 1_000_000 + seq, dir: 'in', data });
  };
  const body = (ts: T[]): string => JSON.stringify({
    retCode: 0, retMsg: 'OK', time: 1,
    // newest first, as Bybit lists them
    result: { category: 'linear', list: [...ts].reverse().map((t) => ({ execId: t.id, symbol: 'BTCUSDT', price: `100.${t.ms % 10}`, size: '0.001', side: t.ms % 2 === 0 ? 'Buy' : 'Sell', time: String(t.ms), isBlockTrade: false })) },
  });
  const rest = (data: string, localTs = 9_000_000): boolean =>
    core.onRestFrame({ venue, connId: 0, recvSeq: 0, localTs, dir: 'rest', data, url: `${REST}/v5/market/recent-trade?category=linear&symbol=BTCUSDT&limit=1000` }, 'BTCUSDT');
  const trades = (): string[] => events.filter((e): e is Trade => e.type === 'trade').map((t) => t.id);
  const gaps = (): Gap[] => events.filter((e): e is Gap => e.type === 'gap');
  return { core, events, windows, rejects, mark, open, close, stream, body, rest, trades, gaps };
}

const t = (id: string, ms: number): T => ({ id, ms });

describe('FeedCore: trades missed while the socket was down are filled by time window', () => {
  it('a close opens a window at the newest trade, the next trade closes it, the page fills what was not seen', () => {
    const s = setup();
    s.open(1);
    s.stream(1, t('a', 100), t('b', 105));
    expect(s.core.tradeWindow('BTCUSDT')).toBeUndefined();
    s.close(1);
    expect(s.core.tradeWindow('BTCUSDT')).toEqual({ from: 105_000, to: undefined });
    expect(s.windows).toEqual([]);
    s.open(2);
    s.stream(2, t('f', 130));
    expect(s.core.tradeWindow('BTCUSDT')).toEqual({ from: 105_000, to: 130_000 });
    expect(s.windows).toEqual(['BTCUSDT']);
    // the page holds older trades, the stream's own, the missed ones, and newer ones
    expect(s.rest(s.body([t('a', 100), t('b', 105), t('c', 105), t('d', 110), t('e', 120), t('f', 130), t('g', 140)]))).toBe(true);
    expect(s.trades()).toEqual(['a', 'b', 'f', 'c', 'd', 'e']);
    const filled = s.events.filter((e): e is Trade => e.type === 'trade')[3];
    expect(filled).toEqual({
      type: 'trade', venue: 'bybit-linear', symbol: 'BTC/USDT:USDT', venueSymbol: 'BTCUSDT', ts: 105_000, localTs: 9_000_000,
      id: 'c', price: '100.5', amount: '0.001', side: 'sell',
    });
    expect(s.gaps()).toEqual([expect.objectContaining({
      scope: 'trades', action: 'backfill', expected: 'trades 105000..130000 µs after a reconnect', got: '3 trades over REST', localTs: 9_000_000,
      reason: 'backfill from=c to=e count=3 route=recent-trade window=105000..130000',
    })]);
    expect(s.core.tradeWindow('BTCUSDT')).toBeUndefined();
    // a second body (a copy) finds no window: nothing more
    expect(s.rest(s.body([t('c', 105), t('h', 150)]))).toBe(true);
    expect(s.trades()).toEqual(['a', 'b', 'f', 'c', 'd', 'e']);
    // the stream's copy of a filled trade is dropped
    s.stream(2, t('e', 120), t('g', 140));
    expect(s.trades()).toEqual(['a', 'b', 'f', 'c', 'd', 'e', 'g']);
  });

  it('a rotation (the new socket opened before the old one closed) opens no window; nor does a symbol with no trade yet', () => {
    const s = setup();
    s.open(1);
    s.close(1);
    expect(s.core.tradeWindow('BTCUSDT')).toBeUndefined();
    s.open(2);
    s.stream(2, t('a', 100));
    s.open(3);
    s.close(2);
    expect(s.core.tradeWindow('BTCUSDT')).toBeUndefined();
    s.stream(3, t('b', 110));
    expect(s.windows).toEqual([]);
  });

  it('a full page that does not reach back to the window start ledgers the part it does not cover', () => {
    const s = setup('bybit');
    s.open(1);
    s.stream(1, t('2290000000000000001', 100));
    s.close(1);
    s.open(2);
    s.stream(2, t('2290000000000000099', 200));
    // spot serves 60 at most: a full page whose oldest is at 150 ms leaves 100..150 ms uncovered
    const page = Array.from({ length: 60 }, (_, i) => t(`22900000000000001${String(i).padStart(2, '0')}`, 150 + i));
    s.rest(s.body(page).replace('"linear"', '"spot"'));
    const g = s.gaps();
    expect(g.map((x) => x.action)).toEqual(['backfill', 'drop']);
    expect(g[0].reason).toContain('count=51 route=recent-trade window=100000..200000');
    expect(g[1]).toEqual(expect.objectContaining({ reason: 'trades missed window=100000..150000: recent-trade does not reach back', expected: 'trades 100000..150000 µs' }));
    expect(s.core.tradeWindow('BTCUSDT')).toBeUndefined();
  });

  it('a window reopened while its page was out is filled up to where the page reached, and waits for the next trade', () => {
    const s = setup();
    s.open(1);
    s.stream(1, t('a', 100));
    s.close(1);
    s.open(2);
    s.stream(2, t('c', 120));
    s.close(2); // the page was asked; the socket drops again before it comes
    expect(s.core.tradeWindow('BTCUSDT')).toEqual({ from: 100_000, to: undefined });
    s.rest(s.body([t('a', 100), t('b', 110), t('c', 120)]));
    expect(s.trades()).toEqual(['a', 'c', 'b']);
    expect(s.core.tradeWindow('BTCUSDT')).toEqual({ from: 120_000, to: undefined });
    s.open(3);
    s.stream(3, t('e', 140));
    expect(s.core.tradeWindow('BTCUSDT')).toEqual({ from: 120_000, to: 140_000 });
    expect(s.windows).toEqual(['BTCUSDT', 'BTCUSDT']);
  });

  it('a give-up mark for the window is a gap row; an error body is a counted reject and keeps the window', () => {
    const s = setup();
    s.open(1);
    s.stream(1, t('a', 100));
    s.close(1);
    s.open(2);
    s.stream(2, t('c', 120));
    expect(s.rest('{"retCode":10016,"retMsg":"Server error","result":{}}')).toBe(true);
    expect(s.rejects).toEqual([expect.stringContaining('recent-trade body for BTCUSDT: MF_ERR_HTTP: bybit-linear: recent-trade: Bybit USDT perpetuals answered retCode 10016: Server error')]);
    expect(s.core.tradeWindow('BTCUSDT')).toEqual({ from: 100_000, to: 120_000 });
    // a mark for another window changes nothing; the window's own is a gap
    s.mark(0, tradesWindowMissedMark('BTCUSDT', 1, 2, 'other'));
    expect(s.gaps()).toEqual([]);
    s.mark(0, tradesWindowMissedMark('BTCUSDT', 100_000, 120_000, 'recent-trade answered HTTP 500'), 5);
    expect(s.gaps()).toEqual([expect.objectContaining({ action: 'drop', reason: 'trades missed window=100000..120000: recent-trade answered HTTP 500', localTs: 5 })]);
    expect(s.core.tradeWindow('BTCUSDT')).toBeUndefined();
  });

  it('venues without a recent-trades route track no windows', () => {
    const core = new FeedCore({
      spec: getVenue('binance'), symbols: ['BTC/USDT'], kinds: ['trades'], depth: 5, plans: [], log: silentLogger,
      requestSnapshot: () => {}, handlers: { event: () => {} },
    });
    expect(core.tradeWindow('BTCUSDT')).toBeUndefined();
  });
});
