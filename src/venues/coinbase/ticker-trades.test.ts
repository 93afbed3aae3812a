// Coinbase's public market trades route (VenueSpec.recentTrades): the request of an outage window
// in whole seconds, the captured URLs it recognises, the body → trades as the market_trades channel
// decodes them, and FeedCore filling an outage of increasing numeric ids from it (the ids below the
// newest that the stream never brought are kept; those it brought are not written twice).
import { describe, expect, it } from 'vitest';
import type { Gap, MarketEvent, Trade } from '../../core/events.js';
import { silentLogger } from '../../core/log.js';
import { expectMarketfeedError } from '../../../test/expect-error.js';
import { FeedCore } from '../feed-core.js';
import { getVenue } from '../index.js';
import { isTickerTradesUrl, parseTickerTrades, tickerTradesProduct, tickerTradesRequest } from './ticker-trades.js';

const WS = 'ws://127.0.0.1:1';

/** RFC3339 with µs, as Coinbase writes trade times. */
const time = (us: number): string => `${new Date(Math.floor(us / 1000)).toISOString().slice(0, 19)}.${String(us % 1_000_000).padStart(6, '0')}Z`;
const T0 = Date.UTC(2026, 11, 7, 12, 0, 0) * 1000;

interface T {
  id: number;
  us: number;
}
const row = (t: T) => ({
  trade_id: String(t.id), product_id: 'BTC-USD', price: `100.${t.id % 10}`, size: '0.5', time: time(t.us), side: t.id % 2 === 0 ? 'BUY' : 'SELL',
});
const page = (ts: T[]): string => JSON.stringify({
  // newest first, as Coinbase lists them
  trades: [...ts].reverse().map((t) => ({ ...row(t), bid: '', ask: '', exchange: 'coinbase' })), best_bid: '100', best_ask: '101',
});

describe('coinbase ticker trades route', () => {
  it('asks the newest 1000 trades of the seconds the window spans ([floor(from), floor(to) + 1))', () => {
    expect(tickerTradesRequest('BTC-USD', { from: 1_700_000_000_250_000, to: 1_700_000_002_999_999 })).toEqual({
      path: '/api/v3/brokerage/market/products/BTC-USD/ticker?limit=1000&start=1700000000&end=1700000003', weight: 1,
    });
    expect(getVenue('coinbase').recentTrades?.route).toBe('ticker');
    expect(getVenue('coinbase').recentTrades?.maxLimit).toBe(1000);
  });

  it('recognises its captured URLs only', () => {
    expect(isTickerTradesUrl('http://127.0.0.1:9/api/v3/brokerage/market/products/BTC-USD/ticker?limit=1000&start=1&end=2')).toBe(true);
    expect(isTickerTradesUrl('https://api.coinbase.com/api/v3/brokerage/market/products/ETH-USD/ticker')).toBe(true);
    expect(isTickerTradesUrl('https://api.coinbase.com/api/v3/brokerage/market/products/BTC-USD/candles?start=1&end=2')).toBe(false);
    expect(isTickerTradesUrl('https://api.coinbase.com/api/v3/brokerage/market/products')).toBe(false);
    // replay finds the product in the path (VenueSpec.restSymbol)
    expect(tickerTradesProduct('http://127.0.0.1:9/api/v3/brokerage/market/products/BTC-USD/ticker?limit=1000&start=1&end=2')).toBe('BTC-USD');
    expect(getVenue('coinbase').restSymbol?.('https://api.coinbase.com/api/v3/brokerage/market/products/ETH-USD/ticker')).toBe('ETH-USD');
    expect(tickerTradesProduct('https://api.coinbase.com/api/v3/brokerage/market/products')).toBeUndefined();
    expect(tickerTradesProduct('https://api.coinbase.com/api/v3/brokerage/market/products/%E0%A4%A/ticker')).toBeUndefined();
  });

  it('reads rows as the stream carries them: the taker is the other side of the maker `side`, time in µs', () => {
    // listed newest first, read oldest first
    expect(parseTickerTrades(page([{ id: 7, us: T0 + 123_456 }, { id: 8, us: T0 + 200_000 }]))).toEqual([
      { id: '7', ts: T0 + 123_456, price: '100.7', amount: '0.5', side: 'buy' },
      { id: '8', ts: T0 + 200_000, price: '100.8', amount: '0.5', side: 'sell' },
    ]);
    expect(parseTickerTrades('{"trades":[],"best_bid":"","best_ask":""}')).toEqual([]);
  });

  it('names what is wrong with a body it cannot read', () => {
    const bad = (text: string, part: string): void => expectMarketfeedError(() => parseTickerTrades(text), 'MF_ERR_HTTP', part);
    bad('<html>', 'coinbase: ticker body is not JSON; got <html>');
    bad('{"error":"NOT_FOUND","error_details":"ProductID is invalid","message":"ProductID is invalid"}', 'coinbase: ticker answered NOT_FOUND: ProductID is invalid');
    bad('{"best_bid":"1"}', 'coinbase: ticker body is not {trades:[…]}');
    const row = JSON.parse(page([{ id: 7, us: T0 }]));
    row.trades[0].trade_id = 'x7';
    bad(JSON.stringify(row), 'coinbase: ticker row is not {trade_id, product_id, price, size, time, side:"BUY"|"SELL"}');
    row.trades[0].trade_id = '7';
    row.trades[0].time = 'yesterday';
    bad(JSON.stringify(row), 'coinbase: ticker row is not');
  });
});

function setup() {
  const events: MarketEvent[] = [];
  const windows: string[] = [];
  const core = new FeedCore({
    spec: getVenue('coinbase'), symbols: ['BTC/USD'], kinds: ['trades'], depth: 50, plans: [], log: silentLogger,
    requestSnapshot: () => {},
    onTradeWindow: (v) => windows.push(v),
    handlers: { event: (ev) => events.push(ev), reject: (_s, reason) => { throw new Error(reason); } },
  });
  let seq = 0;
  const mark = (connId: number, data: string): void => void core.onFrame({ venue: 'coinbase', connId, recvSeq: 0, localTs: 1, dir: 'conn', data });
  const sequences = new Map<number, number>();
  const stream = (connId: number, ...ts: T[]): void => {
    const n = sequences.get(connId) ?? 0;
    sequences.set(connId, n + 1);
    const data = JSON.stringify({
      channel: 'market_trades', client_id: '', timestamp: time(ts[ts.length - 1].us), sequence_num: n, events: [{ type: 'update', trades: [...ts].reverse().map(row) }],
    });
    core.onFrame({ venue: 'coinbase', connId, recvSeq: ++seq, localTs: 1_000_000 + seq, dir: 'in', data });
  };
  const rest = (body: string): boolean => core.onRestFrame({
    venue: 'coinbase', connId: 0, recvSeq: 0, localTs: 9_000_000, dir: 'rest', data: body,
    url: 'http://127.0.0.1:1/api/v3/brokerage/market/products/BTC-USD/ticker?limit=1000&start=1&end=2',
  }, 'BTC-USD');
  const trades = (): string[] => events.filter((e): e is Trade => e.type === 'trade').map((t) => t.id);
  const gaps = (): Gap[] => events.filter((e): e is Gap => e.type === 'gap');
  return { core, windows, mark, stream, rest, trades, gaps };
}

describe('FeedCore: a Coinbase outage is filled from the ticker trades', () => {
  it('keeps the ids below the newest that the stream never brought, once, with a backfill row', () => {
    const s = setup();
    s.mark(1, `open ${WS} plan=0:data`);
    s.stream(1, { id: 100, us: T0 }, { id: 101, us: T0 + 10 });
    s.mark(1, 'close 1006 dropped');
    expect(s.core.tradeWindow('BTC-USD')).toEqual({ from: T0 + 10, to: undefined });
    s.mark(2, `open ${WS} plan=0:data`);
    s.stream(2, { id: 105, us: T0 + 50 });
    expect(s.windows).toEqual(['BTC-USD']);
    // the page: a trade of the same µs as the newest before (seen and not), the missed ones, the
    // one that closed the window, and a newer one the stream has not brought yet
    const all = [{ id: 100, us: T0 }, { id: 101, us: T0 + 10 }, { id: 102, us: T0 + 10 }, { id: 103, us: T0 + 20 }, { id: 104, us: T0 + 40 },
      { id: 105, us: T0 + 50 }, { id: 106, us: T0 + 60 }];
    expect(s.rest(page(all))).toBe(true);
    expect(s.trades()).toEqual(['100', '101', '105', '102', '103', '104']);
    expect(s.gaps()).toEqual([expect.objectContaining({
      scope: 'trades', action: 'backfill', reason: `backfill from=102 to=104 count=3 route=ticker window=${T0 + 10}..${T0 + 50}`,
    })]);
    // the stream's copies of filled trades are dropped; the next new one goes on
    s.stream(2, { id: 104, us: T0 + 40 }, { id: 106, us: T0 + 60 });
    expect(s.trades()).toEqual(['100', '101', '105', '102', '103', '104', '106']);
    expect(s.core.tradeWindow('BTC-USD')).toBeUndefined();
  });

  it('a resubscribe snapshot that reaches back fills the outage itself: the window closes with nothing left to ask', () => {
    const s = setup();
    s.mark(1, `open ${WS} plan=0:data`);
    s.stream(1, { id: 100, us: T0 }, { id: 101, us: T0 + 10 });
    s.mark(1, 'close 1006 dropped');
    s.mark(2, `open ${WS} plan=0:data`);
    // the snapshot of the newest trades, from before the outage on: the copies are dropped
    s.stream(2, { id: 100, us: T0 }, { id: 101, us: T0 + 10 }, { id: 102, us: T0 + 20 }, { id: 103, us: T0 + 30 });
    expect(s.trades()).toEqual(['100', '101', '102', '103']);
    expect(s.core.tradeWindow('BTC-USD')).toEqual({ from: T0 + 10, to: T0 + 20 });
    s.rest(page([{ id: 101, us: T0 + 10 }, { id: 102, us: T0 + 20 }, { id: 103, us: T0 + 30 }]));
    expect(s.trades()).toEqual(['100', '101', '102', '103']);
    expect(s.gaps()).toEqual([]);
  });
});
