// OKX's trades-by-id route (trades-by-id.ts): history-trades with type=1, `after` an exclusive
// tradeId, newest first; what the session asks, how a captured URL reads back, how a body parses.
import { describe, expect, it } from 'vitest';
import { isMarketfeedError } from '../../core/errors.js';
import { okcoin, okx } from './index.js';

const ROW = { instId: 'BTC-USDT', side: 'sell', sz: '0.00001', px: '29963.2', source: '0', tradeId: '242720720', ts: '1654161646974' };
const body = (data: unknown[], code = '0', msg = ''): string => JSON.stringify({ code, msg, data });

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    expect(isMarketfeedError(e)).toBe(true);
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('OKX trades by id (history-trades)', () => {
  it('requests ids fromId..fromId+limit-1 as after=fromId+limit, limit clamped to 100, weight 2', () => {
    expect(okx.tradesById.request('BTC-USDT', 1000, 5)).toEqual({ path: '/api/v5/market/history-trades?instId=BTC-USDT&type=1&after=1005&limit=5', weight: 2 });
    expect(okx.tradesById.request('BTC-USDT-SWAP', 7, 5000)).toEqual({ path: '/api/v5/market/history-trades?instId=BTC-USDT-SWAP&type=1&after=107&limit=100', weight: 2 });
    expect(okx.tradesById.route).toBe('history-trades');
    expect(okx.tradesById.maxLimit).toBe(100);
  });

  it('fromIdOf reads after - limit back from a captured URL of its own route only', () => {
    const byId = okx.tradesById;
    expect(byId.fromIdOf(`http://127.0.0.1:9/${byId.request('BTC-USDT', 4242, 37).path.slice(1)}`)).toBe(4242);
    expect(byId.fromIdOf('https://www.okx.com/api/v5/market/history-trades?instId=BTC-USDT&type=1&after=1005&limit=5')).toBe(1000);
    expect(byId.fromIdOf('https://www.okx.com/api/v5/market/history-trades?instId=BTC-USDT&after=1005&limit=5')).toBe(1000);
    // a timestamp query (type=2), no limit, another route: not ours
    expect(byId.fromIdOf('https://www.okx.com/api/v5/market/history-trades?instId=BTC-USDT&type=2&after=1005&limit=5')).toBeUndefined();
    expect(byId.fromIdOf('https://www.okx.com/api/v5/market/history-trades?instId=BTC-USDT&type=1&after=1005')).toBeUndefined();
    expect(byId.fromIdOf('https://www.okx.com/api/v5/market/trades?instId=BTC-USDT&limit=5')).toBeUndefined();
    expect(byId.fromIdOf('https://www.okx.com/api/v5/market/books?instId=BTC-USDT&sz=400')).toBeUndefined();
    expect(byId.fromIdOf('https://www.okx.com/api/v5/market/history-trades?instId=BTC-USDT&type=1&after=3&limit=5')).toBeUndefined();
  });

  it('parses rows as the trades channel decodes them: taker side, ts in µs', () => {
    expect(okx.tradesById.parse(body([ROW, { ...ROW, side: 'buy', tradeId: '242720719', px: '29963.1', ts: '1654161646900' }]))).toEqual([
      { id: 242720720, ts: 1_654_161_646_974_000, price: '29963.2', amount: '0.00001', side: 'sell' },
      { id: 242720719, ts: 1_654_161_646_900_000, price: '29963.1', amount: '0.00001', side: 'buy' },
    ]);
    expect(okx.tradesById.parse(body([]))).toEqual([]);
  });

  it('an OKX error code, a bad envelope or a bad row throws one line saying what was expected', () => {
    const p = okx.tradesById.parse;
    expect(thrown(() => p(body([], '51001', "Instrument ID or Spread ID doesn't exist."))).message)
      .toMatch(/history-trades: OKX answered code 51001: Instrument ID or Spread ID doesn't exist\./);
    expect(thrown(() => p('not json')).message).toMatch(/history-trades body is not JSON/);
    expect(thrown(() => p('[1,2]')).message).toMatch(/history-trades body is not \{code, msg, data:\[…\]\}/);
    expect(thrown(() => p('{"code":"0","msg":""}')).message).toMatch(/history-trades body is not \{code, msg, data/);
    for (const bad of [
      { ...ROW, tradeId: 242720720 }, { ...ROW, tradeId: '12a' }, { ...ROW, px: '29,963.2' }, { ...ROW, sz: '' },
      { ...ROW, side: 'Buy' }, { ...ROW, ts: '1654161646974.5' }, { ...ROW, ts: undefined }, null, [ROW],
    ]) {
      expect(thrown(() => p(body([ROW, bad]))).message, JSON.stringify(bad)).toMatch(/history-trades row is not \{instId, side:"buy"\|"sell", sz, px, tradeId, ts\}/);
    }
  });

  it('OKCoin has no trades-by-id route (not served by the simulator, not checked on its REST)', () => {
    expect('tradesById' in okcoin).toBe(false);
  });
});
