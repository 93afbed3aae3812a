// The VenueSpecs' pure parts for both markets: symbols, connection plans (the spot 10-args cap,
// the 21,000-character args cap), book depth, resubscribe frames, the listing, the app-level ping.
import { describe, expect, it } from 'vitest';
import { isMarketfeedError } from '../../core/errors.js';
import { bybit, bybitLinear } from './index.js';
import { MAX_ARGS_CHARS_PER_CONNECTION, MAX_SYMBOLS_PER_CONNECTION } from './subscribe.js';

describe('bybit symbols', () => {
  it.each([
    [bybit, 'BTC/USDT', 'BTCUSDT'],
    [bybit, 'ETH/BTC', 'ETHBTC'],
    [bybit, 'USDC/USDT', 'USDCUSDT'],
    [bybitLinear, 'BTC/USDT:USDT', 'BTCUSDT'],
    [bybitLinear, '1000PEPE/USDT:USDT', '1000PEPEUSDT'],
  ])('%#: %s ↔ %s', (spec, unified, id) => {
    expect(spec.toVenueSymbol(unified)).toBe(id);
    expect(spec.fromVenueSymbol(id)).toBe(unified);
  });

  it.each([
    [bybit, 'BTC/USDT:USDT', /perpetual swap.*use venue bybit-linear/],
    [bybit, 'btc/usdt', /not a unified symbol/],
    [bybitLinear, 'BTC/USDT', /not a USDT perpetual.*use venue bybit for spot/],
    [bybitLinear, 'BTC/USD:BTC', /not a USDT perpetual/],
    [bybitLinear, 'BTC/USDC:USDC', /not a USDT perpetual/],
  ])('%#: refuses %s with a usable message', (spec, bad, message) => {
    try {
      spec.toVenueSymbol(bad);
      expect.unreachable();
    } catch (e) {
      expect(isMarketfeedError(e, 'MF_ERR_UNKNOWN_SYMBOL')).toBe(true);
      expect((e as Error).message).toMatch(message);
    }
  });

  it('ids no quote asset ends are not guessed', () => {
    expect(bybit.fromVenueSymbol('BTCXYZ')).toBeUndefined();
    expect(bybitLinear.fromVenueSymbol('BTCPERP')).toBeUndefined();
  });
});

describe('bybit plan', () => {
  it('spot: all topics of a symbol on one socket, subscribe requests of at most 10 args', () => {
    const syms = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT'];
    const [p, ...rest] = bybit.plan('ws://127.0.0.1:9/v5/public/spot', syms, ['book', 'trades', 'quote', 'derivative'], 20);
    expect(rest).toEqual([]);
    expect(p).toMatchObject({ url: 'ws://127.0.0.1:9/v5/public/spot', venueSymbols: syms, book: true });
    const frames = p.subscribe.map((f) => JSON.parse(f) as { op: string; args: string[] });
    expect(frames.map((f) => f.args.length)).toEqual([10, 2]);
    expect(frames.every((f) => f.op === 'subscribe')).toBe(true);
    expect(frames.flatMap((f) => f.args).slice(0, 4)).toEqual(['orderbook.50.BTCUSDT', 'publicTrade.BTCUSDT', 'orderbook.1.BTCUSDT', 'tickers.BTCUSDT']);
    expect(frames.flatMap((f) => f.args).some((a) => a.startsWith('allLiquidation'))).toBe(false);
  });

  it('linear: tickers once for quote and derivative, plus allLiquidation; one request', () => {
    const [p] = bybitLinear.plan('ws://h/v5/public/linear', ['BTCUSDT'], ['book', 'trades', 'quote', 'derivative'], 10);
    expect(p.subscribe.map((f) => JSON.parse(f))).toEqual([{ op: 'subscribe', args: [
      'orderbook.50.BTCUSDT', 'publicTrade.BTCUSDT', 'orderbook.1.BTCUSDT', 'tickers.BTCUSDT', 'allLiquidation.BTCUSDT',
    ] }]);
    expect(bybitLinear.plan('ws://h', ['BTCUSDT'], ['derivative'])[0].subscribe.map((f) => JSON.parse(f).args)).toEqual([['tickers.BTCUSDT', 'allLiquidation.BTCUSDT']]);
    expect(bybit.plan('ws://h', ['BTCUSDT'], ['derivative'])).toEqual([]);
    expect(bybit.plan('ws://h', ['BTCUSDT'], ['trades'])[0].book).toBe(false);
  });

  it.each([[1, 50], [20, 50], [50, 50], [51, 200], [200, 200], [500, 1000], [1000, 1000]])('depth %i → orderbook.%i', (depth, topic) => {
    expect(bybit.bookDepth(depth)).toBe(topic);
    expect(JSON.parse(bybit.plan('ws://h', ['BTCUSDT'], ['book'], depth)[0].subscribe[0]).args).toEqual([`orderbook.${topic}.BTCUSDT`]);
  });

  it('splits sockets by symbol count and by the args length cap, never splitting a symbol', () => {
    const many = Array.from({ length: 120 }, (_, i) => `S${i}USDT`);
    const plans = bybitLinear.plan('ws://h', many, ['book', 'trades', 'quote', 'derivative'], 10);
    expect(plans.map((p) => p.venueSymbols.length)).toEqual([MAX_SYMBOLS_PER_CONNECTION, MAX_SYMBOLS_PER_CONNECTION, 20]);
    expect(plans.flatMap((p) => p.venueSymbols)).toEqual(many);
    const long = Array.from({ length: 50 }, (_, i) => `${'X'.repeat(60)}${i}USDT`);
    for (const p of bybitLinear.plan('ws://h', long, ['book', 'trades', 'quote', 'derivative'], 10)) {
      const args = p.subscribe.flatMap((f) => JSON.parse(f).args as string[]);
      expect(JSON.stringify(args).length).toBeLessThanOrEqual(MAX_ARGS_CHARS_PER_CONNECTION);
    }
  });

  it('resubscribe unsubscribes and subscribes that one book topic; books come on the socket', () => {
    expect(bybit.resubscribe('BTCUSDT', 200).map((f) => JSON.parse(f))).toEqual([
      { op: 'unsubscribe', args: ['orderbook.200.BTCUSDT'] },
      { op: 'subscribe', args: ['orderbook.200.BTCUSDT'] },
    ]);
    expect(bybit.bookSnapshot).toBe('ws');
    expect('depthRequest' in bybit).toBe(false);
  });

  it('subscribedSymbols reads a capture\'s subscribe frames', () => {
    const [p] = bybit.plan('ws://h', ['BTCUSDT', 'ETHUSDT'], ['book', 'trades'], 10);
    expect(p.subscribe.flatMap((f) => bybit.subscribedSymbols(f))).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(bybit.subscribedSymbols('{"op":"unsubscribe","args":["orderbook.50.BTCUSDT"]}')).toEqual([]);
    expect(bybit.subscribedSymbols('{"op":"ping"}')).toEqual([]);
  });
});

describe('bybit keepalive and listing', () => {
  it('pings {"op":"ping"} every 20 s and knows every documented pong shape', () => {
    expect(JSON.parse(bybit.appPing.text)).toEqual({ op: 'ping' });
    expect(bybit.appPing.intervalMs).toBe(20_000);
    expect(bybit.appPing.isPong('{"success":true,"ret_msg":"pong","conn_id":"0970e817-426e-429a-a679-ff7f55e0b16a","op":"ping"}')).toBe(true);
    expect(bybit.appPing.isPong('{"success":true,"ret_msg":"pong","conn_id":"465772b1-7630-4fdc-a492-e003e6f0f260","req_id":"","op":"ping"}')).toBe(true);
    expect(bybit.appPing.isPong('{"args":["1672916271846"],"op":"pong"}')).toBe(true);
    expect(bybit.appPing.isPong('{"success":true,"ret_msg":"subscribe","conn_id":"x","req_id":"1","op":"subscribe"}')).toBe(false);
    expect(bybit.appPing.isPong('{"topic":"orderbook.1.BTCUSDT","ts":1,"type":"snapshot","data":{"s":"BTCUSDT","b":[],"a":[],"u":1,"seq":1}}')).toBe(false);
  });

  it('lists the Trading symbols of the market\'s category (linear: perpetuals only)', () => {
    expect(bybit.exchangeInfo).toEqual({ path: '/v5/market/instruments-info?category=spot', weight: 1 });
    expect(bybitLinear.exchangeInfo.path).toBe('/v5/market/instruments-info?category=linear&limit=1000');
    const spot = '{"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[{"symbol":"BTCUSDT","status":"Trading"},{"symbol":"OLDUSDT","status":"Closed"}]},"retExtInfo":{},"time":1}';
    expect(bybit.parseExchangeInfo(spot)).toEqual(new Set(['BTCUSDT']));
    const linear = '{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[{"symbol":"BTCUSDT","contractType":"LinearPerpetual","status":"Trading"},{"symbol":"BTC-26DEC25","contractType":"LinearFutures","status":"Trading"}],"nextPageCursor":""},"retExtInfo":{},"time":1}';
    expect(bybitLinear.parseExchangeInfo(linear)).toEqual(new Set(['BTCUSDT']));
    expect(() => bybit.parseExchangeInfo('{"retCode":10001,"retMsg":"params error","result":{},"retExtInfo":{},"time":1}')).toThrow(/MF_ERR_HTTP/);
    expect(() => bybit.parseExchangeInfo('access too frequent')).toThrow(/MF_ERR_HTTP.*not JSON/);
  });

  it('kinds: derivatives (funding, open interest, liquidations) on linear only', () => {
    expect(bybit.kinds).toEqual({ trades: true, book: true, quote: true, derivative: false });
    expect(bybitLinear.kinds.derivative).toBe(true);
    expect(bybit.urls.ws).toBe('wss://stream.bybit.com/v5/public/spot');
    expect(bybitLinear.urls.ws).toBe('wss://stream.bybit.com/v5/public/linear');
  });
});
