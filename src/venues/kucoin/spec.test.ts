// The VenueSpecs' pure parts for both markets: symbols, connection plans, the keepalive, REST
// requests and listing parsers.
import { describe, expect, it } from 'vitest';
import { isMarketfeedError } from '../../core/errors.js';
import { guessUnified } from '../../replay/cryptofeed.js';
import { kucoin, kucoinFutures } from './index.js';
import { MAX_SYMBOLS_PER_TOPIC } from './subscribe.js';
import type { VenueSpec } from '../types.js';

describe('kucoin symbols', () => {
  it.each([
    [kucoin, 'BTC/USDT', 'BTC-USDT'],
    [kucoin, 'EQZ/BTC', 'EQZ-BTC'],
    [kucoinFutures, 'BTC/USDT:USDT', 'XBTUSDTM'],
    [kucoinFutures, 'ETH/USDT:USDT', 'ETHUSDTM'],
    [kucoinFutures, 'BTC/USDC:USDC', 'XBTUSDCM'],
    [kucoinFutures, 'BTC/USD:BTC', 'XBTUSDM'],
  ])('%#: %s ↔ %s', (spec, unified, id) => {
    expect(spec.toVenueSymbol(unified)).toBe(id);
    expect(spec.fromVenueSymbol(id)).toBe(unified);
    expect(guessUnified(spec, id)).toBe(unified);
  });

  it.each([
    [kucoin, 'BTC/USDT:USDT', /use venue kucoin-futures/],
    [kucoin, 'btc-usdt', /not a unified symbol/],
    [kucoinFutures, 'BTC/USDT', /KuCoin Futures lists perpetuals as BTC\/USDT:USDT/],
    [kucoinFutures, 'BTC/EUR:EUR', /USDT\/USDC-margined/],
    [kucoinFutures, 'BTC/USD:USD', /coin-margined/],
  ])('%#: refuses %s', (spec, bad, message) => {
    try {
      spec.toVenueSymbol(bad);
      expect.unreachable();
    } catch (e) {
      expect(isMarketfeedError(e, 'MF_ERR_UNKNOWN_SYMBOL')).toBe(true);
      expect((e as Error).message).toMatch(message);
    }
  });

  it('each market reads only its own ids', () => {
    expect(kucoin.fromVenueSymbol('XBTUSDTM')).toBeUndefined();
    expect(kucoinFutures.fromVenueSymbol('BTC-USDT')).toBeUndefined();
    expect(kucoinFutures.fromVenueSymbol('XBTMZ25')).toBeUndefined();
  });
});

describe('kucoin plan', () => {
  it('one socket per ≤100 symbols, one subscribe frame per topic naming all of them', () => {
    const plans = kucoin.plan('wss://placeholder', ['BTC-USDT', 'ETH-USDT'], ['book', 'trades', 'quote', 'derivative']);
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({ url: 'wss://placeholder', venueSymbols: ['BTC-USDT', 'ETH-USDT'], book: true });
    expect(plans[0].subscribe.map((f) => JSON.parse(f))).toEqual([
      { id: '1', type: 'subscribe', topic: '/market/level2:BTC-USDT,ETH-USDT', privateChannel: false, response: true },
      { id: '2', type: 'subscribe', topic: '/market/match:BTC-USDT,ETH-USDT', privateChannel: false, response: true },
      { id: '3', type: 'subscribe', topic: '/market/ticker:BTC-USDT,ETH-USDT', privateChannel: false, response: true },
    ]);
  });

  it('futures topics include funding and mark price; 4 topics keep a socket under 300 subscriptions', () => {
    const syms = Array.from({ length: 160 }, (_, i) => `S${i}USDTM`);
    const plans = kucoinFutures.plan('wss://p', syms, ['book', 'trades', 'quote', 'derivative']);
    expect(plans.map((p) => p.venueSymbols.length)).toEqual([75, 75, 10]);
    expect(plans[0].subscribe.map((f) => (JSON.parse(f) as { topic: string }).topic.split(':')[0])).toEqual([
      '/contractMarket/level2', '/contractMarket/execution', '/contractMarket/tickerV2', '/contract/instrument',
    ]);
    const spot = kucoin.plan('wss://p', Array.from({ length: 250 }, (_, i) => `S${i}-USDT`), ['book', 'trades']);
    expect(spot.map((p) => p.venueSymbols.length)).toEqual([MAX_SYMBOLS_PER_TOPIC, MAX_SYMBOLS_PER_TOPIC, 50]);
    expect(kucoin.plan('wss://p', ['BTC-USDT'], ['trades'])[0].book).toBe(false);
    expect(kucoin.plan('wss://p', ['BTC-USDT'], ['derivative'])).toEqual([]);
  });

  it('reads a capture\'s symbols back from its subscribe frames (candle topics name SYM_1min)', () => {
    expect(kucoin.subscribedSymbols('{"id":1,"type":"subscribe","topic":"/market/match:EQZ-BTC,ANKR-BTC","privateChannel":false,"response":true}')).toEqual(['EQZ-BTC', 'ANKR-BTC']);
    expect(kucoin.subscribedSymbols('{"id":1,"type":"subscribe","topic":"/market/candles:EQZ-BTC_1min","response":true}')).toEqual(['EQZ-BTC']);
    expect(kucoin.subscribedSymbols('{"id":"ping","type":"ping"}')).toEqual([]);
    expect(kucoin.subscribedSymbols('{"type":"subscribe"')).toEqual([]);
  });

  it('pings with {"type":"ping"} every 18 s until the token says otherwise, and knows the pong', () => {
    expect(JSON.parse(kucoin.appPing.text)).toEqual({ id: 'ping', type: 'ping' });
    expect(kucoin.appPing.intervalMs).toBe(18_000);
    expect(kucoin.appPing.isPong('{"id":"ping","type":"pong","timestamp":1700000000000000}')).toBe(true);
    expect(kucoin.appPing.isPong('{"id":"1","type":"ack"}')).toBe(false);
    expect((kucoin as VenueSpec).bookSnapshot).toBeUndefined(); // REST-seeded
  });
});

describe('kucoin REST', () => {
  it('lists trading symbols: spot enableTrading, futures status Open', () => {
    expect(kucoin.exchangeInfo).toEqual({ path: '/api/v2/symbols', weight: 4 });
    expect(kucoinFutures.exchangeInfo).toEqual({ path: '/api/v1/contracts/active', weight: 3 });
    expect(kucoin.parseExchangeInfo('{"code":"200000","data":[{"symbol":"BTC-USDT","enableTrading":true},{"symbol":"OLD-USDT","enableTrading":false}]}')).toEqual(new Set(['BTC-USDT']));
    expect(kucoinFutures.parseExchangeInfo('{"code":"200000","data":[{"symbol":"XBTUSDTM","status":"Open"},{"symbol":"XBTMZ25","status":"Paused"}]}')).toEqual(new Set(['XBTUSDTM']));
    expect(() => kucoin.parseExchangeInfo('{"code":"429000","msg":"Too Many Requests"}')).toThrow(/MF_ERR_HTTP.*429000/);
    expect(() => kucoin.parseExchangeInfo('<html>')).toThrow(/MF_ERR_HTTP/);
  });

  it('snapshots: spot the public level2_100 whatever the limit (the full book needs a key), futures the full public one', () => {
    expect(kucoin.depthRequest('BTC-USDT', 20)).toEqual({ path: '/api/v1/market/orderbook/level2_100?symbol=BTC-USDT', weight: 4 });
    expect(kucoin.depthRequest('BTC-USDT', 5000).path).toBe('/api/v1/market/orderbook/level2_100?symbol=BTC-USDT');
    expect(kucoinFutures.depthRequest('XBTUSDTM', 1000)).toEqual({ path: '/api/v1/level2/snapshot?symbol=XBTUSDTM', weight: 3 });
  });
});
