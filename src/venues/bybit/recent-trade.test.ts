// Bybit's recent-trade route (VenueSpec.recentTrades): the request per category, the captured
// URLs it recognises, and the body → trades as the publicTrade stream decodes them (the doc's own
// row from the protocol vectors, the simulator's body, and malformed bodies named).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/fixtures.js';
import { isMarketfeedError } from '../../core/errors.js';
import { getVenue } from '../index.js';
import { BYBIT_LINEAR, BYBIT_SPOT } from './market.js';
import { isRecentTradeUrl, parseRecentTrade, recentTradeRequest, recentTradeRoute } from './recent-trade.js';

/** The doc's recent-trade row (bybit-v5.json, bybit-doc-rest-payloads). */
function docRow(): Record<string, unknown> {
  const v = JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors', 'bybit-v5.json'), 'utf8')) as { vectors?: unknown[] } | unknown[];
  const list = (Array.isArray(v) ? v : (v.vectors ?? Object.values(v).find(Array.isArray))) as { id: string; input: { recentTrade: Record<string, unknown> } }[];
  return list.find((x) => x.id === 'bybit-doc-rest-payloads')!.input.recentTrade;
}

const envelope = (list: unknown[]): string => JSON.stringify({ retCode: 0, retMsg: 'OK', result: { category: 'spot', list }, retExtInfo: {}, time: 1672052955800 });

describe('bybit recent-trade route', () => {
  it('asks the newest trades, as many as the category serves (spot 60, linear 1000)', () => {
    expect(recentTradeRequest(BYBIT_SPOT, 'BTCUSDT')).toEqual({ path: '/v5/market/recent-trade?category=spot&symbol=BTCUSDT&limit=60', weight: 1 });
    expect(recentTradeRequest(BYBIT_LINEAR, 'ETHUSDT')).toEqual({ path: '/v5/market/recent-trade?category=linear&symbol=ETHUSDT&limit=1000', weight: 1 });
    expect(getVenue('bybit').recentTrades?.maxLimit).toBe(60);
    expect(getVenue('bybit-linear').recentTrades?.maxLimit).toBe(1000);
    expect(getVenue('bybit-linear').recentTrades?.route).toBe('recent-trade');
  });

  it('recognises its captured URLs only', () => {
    expect(isRecentTradeUrl('http://127.0.0.1:9/v5/market/recent-trade?category=linear&symbol=BTCUSDT&limit=1000')).toBe(true);
    expect(isRecentTradeUrl('https://api.bybit.com/v5/market/recent-trade')).toBe(true);
    expect(isRecentTradeUrl('https://api.bybit.com/v5/market/kline?category=linear&symbol=BTCUSDT')).toBe(false);
    expect(isRecentTradeUrl('https://api.bybit.com/v5/market/orderbook?symbol=recent-trade')).toBe(false);
  });

  it("reads the doc's row as the stream would have carried it (taker side, ms → µs, execId as the id)", () => {
    expect(parseRecentTrade(BYBIT_SPOT, envelope([docRow()]))).toEqual([
      { id: '2100000000007764263', ts: 1672052955758_000, price: '16618.49', amount: '0.00012', side: 'buy' },
    ]);
    const route = recentTradeRoute(BYBIT_LINEAR);
    const sell = { ...docRow(), execId: '9fb49698-7525-582f-9935-a62e2691be14', side: 'Sell' };
    // listed newest first, read oldest first
    expect(route.parse(envelope([sell, docRow()])).map((t) => [t.id, t.side])).toEqual([['2100000000007764263', 'buy'], ['9fb49698-7525-582f-9935-a62e2691be14', 'sell']]);
    expect(route.parse(envelope([]))).toEqual([]);
  });

  it('names what is wrong with a body it cannot read', () => {
    const why = (body: string): string => {
      try {
        parseRecentTrade(BYBIT_LINEAR, body);
      } catch (e) {
        expect(isMarketfeedError(e) && e.code).toBe('MF_ERR_HTTP');
        return (e as Error).message;
      }
      throw new Error('parsed');
    };
    expect(why('<html>')).toContain('recent-trade body is not JSON');
    expect(why('{"retCode":0}')).toContain('recent-trade body is not {retCode, retMsg, result:{list:[…]}}');
    expect(why('{"retCode":10001,"retMsg":"params error","result":{}}')).toContain('answered retCode 10001: params error');
    expect(why('{"retCode":0,"retMsg":"OK","result":{}}')).toContain('no result.list array');
    for (const bad of [{ side: 'buy' }, { time: 1672052955758 }, { price: 'abc' }, { execId: '' }, { size: undefined }]) {
      expect(why(envelope([{ ...docRow(), ...bad }]))).toContain('recent-trade row is not {execId, symbol, price, size, side:"Buy"|"Sell", time}');
    }
  });
});
