// The VenueSpecs' pure parts, per market: symbols, connection plans (spot: one combined-stream
// socket; USDⓈ-M: the 2026 /public + /market split), REST requests and body parsers.
import { describe, expect, it } from 'vitest';
import { isMarketfeedError } from '../../core/errors.js';
import { binance, binanceFutures } from './index.js';

describe('binance spec', () => {
  it('maps symbols and refuses perpetuals with a clear message', () => {
    expect(binance.toVenueSymbol('BTC/USDT')).toBe('BTCUSDT');
    expect(() => binance.toVenueSymbol('BTC/USDT:USDT')).toThrow(/binance-futures/);
    try { binance.toVenueSymbol('btcusdt'); } catch (e) { expect(isMarketfeedError(e, 'MF_ERR_UNKNOWN_SYMBOL')).toBe(true); }
  });

  it('plans one combined-stream URL naming every stream', () => {
    expect(binance.plan('wss://stream.binance.com:9443/', ['BTCUSDT', 'ETHUSDT'], ['book', 'trades', 'quote'])).toEqual([{
      url: 'wss://stream.binance.com:9443/stream?streams=btcusdt@depth@100ms/btcusdt@trade/btcusdt@bookTicker/ethusdt@depth@100ms/ethusdt@trade/ethusdt@bookTicker',
      subscribe: [], venueSymbols: ['BTCUSDT', 'ETHUSDT'], book: true,
    }]);
  });

  it('splits plans at 1024 streams without splitting a symbol', () => {
    const syms = Array.from({ length: 700 }, (_, i) => `S${i}USDT`);
    const plans = binance.plan('ws://127.0.0.1:1', syms, ['book', 'trades']);
    expect(plans.length).toBe(2);
    for (const p of plans) expect(p.url.split('streams=')[1].split('/').length).toBeLessThanOrEqual(1024);
    expect(plans.flatMap((p) => p.venueSymbols)).toEqual(syms);
    expect(plans[0].venueSymbols.length).toBe(512);
  });

  it.each([[1, 5], [100, 5], [101, 25], [500, 25], [1000, 50], [5000, 250], [9999, 250]])('depth limit %i weighs %i', (limit, weight) => {
    const r = binance.depthRequest('BTCUSDT', limit);
    expect(r.weight).toBe(weight);
    expect(r.path).toBe(`/api/v3/depth?symbol=BTCUSDT&limit=${Math.min(limit, 5000)}`);
  });

  it('parses depth bodies and rejects malformed ones', () => {
    const s = binance.parseDepth('{"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"]],"asks":[["4.00000200","12.00000000"]]}');
    expect(s).toEqual({ lastUpdateId: 1027024, ts: 0, bids: [['4.00000000', '431.00000000']], asks: [['4.00000200', '12.00000000']] });
    for (const bad of ['', '{"lastUpdateId":"1","bids":[],"asks":[]}', '{"lastUpdateId":1,"bids":[[4,"1"]],"asks":[]}']) {
      expect(() => binance.parseDepth(bad)).toThrow(/MF_ERR_SNAPSHOT_FAILED/);
    }
  });

  it('lists the TRADING symbols of exchangeInfo', () => {
    const body = JSON.stringify({ symbols: [{ symbol: 'BTCUSDT', status: 'TRADING' }, { symbol: 'OLDUSDT', status: 'BREAK' }] });
    expect([...binance.parseExchangeInfo(body)]).toEqual(['BTCUSDT']);
    expect(binance.exchangeInfo.path).toBe('/api/v3/exchangeInfo');
  });

  // rest-api.md "Exchange information": the limits in force, ahead of the (megabytes of) symbols
  const SPOT_INFO = '{"timezone":"UTC","serverTime":1565246363776,"rateLimits":[' +
    '{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000},' +
    '{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":100},' +
    '{"rateLimitType":"ORDERS","interval":"DAY","intervalNum":1,"limit":200000},' +
    '{"rateLimitType":"RAW_REQUESTS","interval":"MINUTE","intervalNum":5,"limit":61000}],' +
    '"exchangeFilters":[],"symbols":[{"symbol":"BTCUSDT","status":"TRADING","filters":[]}]}';

  it.each([
    ['the spot listing', SPOT_INFO, 6000],
    ['a limit per 5 minutes, as a rate per minute', '{"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":5,"limit":30000}]}', 6000],
    ['the strictest of two', '{"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000},{"rateLimitType":"REQUEST_WEIGHT","interval":"DAY","intervalNum":1,"limit":1440000}]}', 1000],
    ['no REQUEST_WEIGHT', '{"rateLimits":[{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":100}],"symbols":[]}', undefined],
    ['no rateLimits', '{"symbols":[]}', undefined],
    ['a malformed array', '{"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT",]}', undefined],
  ])('reads the advertised REQUEST_WEIGHT per minute: %s', (_name, body, perMinute) => {
    expect(binance.restLimit.fromListing(body)).toBe(perMinute);
  });

  it('publishes 6000 per minute and counts used weight in X-MBX-USED-WEIGHT-1M (PROTOCOLS.md §1.6)', () => {
    expect(binance.restLimit.weightPerMinute).toBe(6000);
    expect(binance.restLimit.usedWeightHeader).toEqual({ name: 'x-mbx-used-weight-1m', windowMs: 60_000 });
    expect(binanceFutures.restLimit.weightPerMinute).toBe(2400);
  });
});

describe('binance-futures spec', () => {
  it('maps perpetuals and refuses spot pairs and inverse contracts with a clear message', () => {
    expect(binanceFutures.toVenueSymbol('BTC/USDT:USDT')).toBe('BTCUSDT');
    expect(() => binanceFutures.toVenueSymbol('BTC/USDT')).toThrow(/spot pair.*BTC\/USDT:USDT/);
    expect(() => binanceFutures.toVenueSymbol('BTC/USD:BTC')).toThrow(/settle/);
  });

  it('puts depth + bookTicker on /public (book) and aggTrade + markPrice on /market', () => {
    expect(binanceFutures.plan('wss://fstream.binance.com', ['BTCUSDT'], ['book', 'trades', 'quote', 'derivative'])).toEqual([
      { url: 'wss://fstream.binance.com/public/stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker', subscribe: [], venueSymbols: ['BTCUSDT'], book: true },
      { url: 'wss://fstream.binance.com/market/stream?streams=btcusdt@aggTrade/btcusdt@markPrice@1s', subscribe: [], venueSymbols: ['BTCUSDT'], book: false },
    ]);
    expect(binanceFutures.plan('ws://127.0.0.1:9', ['BTCUSDT'], ['trades'])).toEqual([
      { url: 'ws://127.0.0.1:9/market/stream?streams=btcusdt@aggTrade', subscribe: [], venueSymbols: ['BTCUSDT'], book: false },
    ]);
  });

  it.each([[5, 5, 2], [50, 50, 2], [51, 100, 5], [100, 100, 5], [500, 500, 10], [1000, 1000, 20], [5000, 1000, 20]])(
    'depth limit %i → %i, weight %i', (asked, limit, weight) => {
      expect(binanceFutures.depthRequest('BTCUSDT', asked)).toEqual({ path: `/fapi/v1/depth?symbol=BTCUSDT&limit=${limit}`, weight });
    });

  it('parses depth bodies (ts = T) and rejects malformed ones', () => {
    expect(binanceFutures.parseDepth('{"lastUpdateId":600859605926,"E":1626992741264,"T":1626992741261,"bids":[["7.6110","6"]],"asks":[]}'))
      .toEqual({ lastUpdateId: 600859605926, ts: 1626992741261000, bids: [['7.6110', '6']], asks: [] });
    expect(() => binanceFutures.parseDepth('{"lastUpdateId":1,"bids":[],"asks":[]}')).toThrow(/MF_ERR_SNAPSHOT_FAILED/);
  });

  it('lists the TRADING contracts of exchangeInfo', () => {
    const body = JSON.stringify({ symbols: [{ symbol: 'BTCUSDT', status: 'TRADING' }, { symbol: 'XUSDT', status: 'SETTLING' }] });
    expect([...binanceFutures.parseExchangeInfo(body)]).toEqual(['BTCUSDT']);
  });
});
