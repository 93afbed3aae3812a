// The spec's pure parts: symbols, connection plans (conf flags, 25 channels per socket, URL
// override), book depths, resubscribe frames, REST requests and body parsers.
import { describe, expect, it } from 'vitest';
import { isMarketfeedError } from '../../core/errors.js';
import { bitfinex } from './index.js';
import { bookLen, resubscribeFrames } from './subscribe.js';
import { fromVenueSymbol } from './symbols.js';

describe('bitfinex spec', () => {
  it('maps unified symbols to t-pairs, with a colon for assets of other than 3 letters', () => {
    expect(bitfinex.toVenueSymbol('BTC/USD')).toBe('tBTCUSD');
    expect(bitfinex.toVenueSymbol('TESTBTC/TESTUSD')).toBe('tTESTBTC:TESTUSD');
    expect(bitfinex.toVenueSymbol('DOGE/USD')).toBe('tDOGE:USD');
    expect(bitfinex.toVenueSymbol('BTC/USDT')).toBe('tBTCUST');
    expect(fromVenueSymbol('tBTCUSD')).toBe('BTC/USD');
    expect(fromVenueSymbol('tTESTBTC:TESTUSD')).toBe('TESTBTC/TESTUSD');
    expect(fromVenueSymbol('fUSD')).toBeUndefined();
    expect(fromVenueSymbol('tBTCUSDX')).toBeUndefined();
    for (const bad of ['btcusd', 'BTC/USD:USD']) {
      let err: unknown;
      try { bitfinex.toVenueSymbol(bad); } catch (e) { err = e; }
      expect(isMarketfeedError(err, 'MF_ERR_UNKNOWN_SYMBOL')).toBe(true);
    }
  });

  it('plans conf (TIMESTAMP + OB_CHECKSUM) then one subscribe per channel on the given URL', () => {
    expect(bitfinex.plan('ws://127.0.0.1:9000/ws/2', ['tBTCUSD'], ['book', 'trades', 'quote'], 50)).toEqual([{
      url: 'ws://127.0.0.1:9000/ws/2',
      subscribe: [
        '{"event":"conf","flags":163840}',
        '{"event":"subscribe","channel":"book","symbol":"tBTCUSD","prec":"P0","freq":"F0","len":"100"}',
        '{"event":"subscribe","channel":"trades","symbol":"tBTCUSD"}',
        '{"event":"subscribe","channel":"ticker","symbol":"tBTCUSD"}',
      ],
      venueSymbols: ['tBTCUSD'],
      book: true,
    }]);
    expect(bitfinex.plan(bitfinex.urls.ws, ['tBTCUSD'], ['trades'])[0]).toMatchObject({ url: 'wss://api-pub.bitfinex.com/ws/2', book: false });
  });

  it('keeps at most 25 channels per socket and a symbol\'s channels together', () => {
    const syms = Array.from({ length: 20 }, (_, i) => `tS${String(i).padStart(2, '0')}USD`);
    const plans = bitfinex.plan(bitfinex.urls.ws, syms, ['book', 'trades', 'quote']);
    expect(plans.map((p) => p.venueSymbols.length)).toEqual([8, 8, 4]);
    for (const p of plans) expect(p.subscribe.length - 1).toBeLessThanOrEqual(25);
    expect(plans.flatMap((p) => p.venueSymbols)).toEqual(syms);
    expect(bitfinex.plan(bitfinex.urls.ws, syms, ['book']).map((p) => p.venueSymbols.length)).toEqual([20]);
  });

  it('subscribes books of 25/100/250 levels (never below the checksum depth) and resubscribes by channel id', () => {
    expect([1, 25, 26, 100, 101, 250, 5000].map((d) => bookLen(d))).toEqual([25, 25, 100, 100, 250, 250, 250]);
    expect('bookDepth' in bitfinex).toBe(false); // the venue deletes what leaves the book itself
    expect(bitfinex.bookRule.checksum?.depth).toBe(25);
    expect(bitfinex.bookSnapshot).toBe('ws');
    expect(bitfinex.resubscribe('tZZZUSD', 100)).toEqual(['{"event":"subscribe","channel":"book","symbol":"tZZZUSD","prec":"P0","freq":"F0","len":"100"}']);
    expect(resubscribeFrames('tZZZUSD', 100, 4242)[0]).toBe('{"event":"unsubscribe","chanId":4242}');
  });

  it('lists pairs from /v2/conf/pub:list:pair:exchange as t-symbols', () => {
    expect(bitfinex.exchangeInfo.path).toBe('/v2/conf/pub:list:pair:exchange');
    expect([...bitfinex.parseExchangeInfo('[["BTCUSD","ETHUSD","TESTBTC:TESTUSD"]]')]).toEqual(['tBTCUSD', 'tETHUSD', 'tTESTBTC:TESTUSD']);
    for (const bad of ['', '{"a":1}', '["BTCUSD"]']) expect(() => bitfinex.parseExchangeInfo(bad)).toThrow(/MF_ERR_HTTP/);
  });

  it('requests and parses the REST book with the texts as sent', () => {
    expect(bitfinex.depthRequest('tBTCUSD', 1000)).toEqual({ path: '/v2/book/tBTCUSD/P0?len=100', weight: 1 });
    expect(bitfinex.depthRequest('tTESTBTC:TESTUSD', 25).path).toBe('/v2/book/tTESTBTC:TESTUSD/P0?len=25');
    expect(bitfinex.parseDepth('[[0.0000029,1,31174.03814939],[1.5e-7,2,2000],[0.00000291,1,-53639.584337]]')).toEqual({
      lastUpdateId: -1, ts: 0, bids: [['0.0000029', '31174.03814939'], ['1.5e-7', '2000']], asks: [['0.00000291', '53639.584337']],
    });
    expect(bitfinex.parseDepth('[]')).toEqual({ lastUpdateId: -1, ts: 0, bids: [], asks: [] });
    for (const bad of ['', '{"error":1}', '[[1,2]]', '[["1",1,1]]', '[1,2,3]', '[[1,1,1]] x']) {
      expect(() => bitfinex.parseDepth(bad)).toThrow(/MF_ERR_SNAPSHOT_FAILED/);
    }
  });
});
