// The VenueSpecs' pure parts for both markets: symbols, connection plans, keepalives, REST requests
// and body parsers (the doc's REST example included), the symbols a sent frame names.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isMarketfeedError } from '../../core/errors.js';
import { FIXTURES } from '../../../test/fixtures.js';
import { getVenue } from '../index.js';
import { mexc, mexcFutures } from './index.js';
import { MAX_SPOT_TOPICS } from './subscribe.js';
import { futuresUnified, spotUnified } from './symbols.js';

const FILE = JSON.parse(readFileSync(`${FIXTURES}/protocol-vectors/mexc.json`, 'utf8')) as { vectors: { id: string; input: any; expected: any }[] };

const refuses = (f: () => unknown): boolean => {
  try {
    f();
    return false;
  } catch (e) {
    return isMarketfeedError(e, 'MF_ERR_UNKNOWN_SYMBOL');
  }
};

describe('mexc symbols', () => {
  it('spot BTC/USDT ↔ BTCUSDT, futures BTC/USDT:USDT ↔ BTC_USDT (and coin-margined BTC/USD:BTC ↔ BTC_USD)', () => {
    expect(mexc.toVenueSymbol('BTC/USDT')).toBe('BTCUSDT');
    expect(spotUnified('BTCUSDT')).toBe('BTC/USDT');
    expect(mexcFutures.toVenueSymbol('BTC/USDT:USDT')).toBe('BTC_USDT');
    expect(futuresUnified('BTC_USDT')).toBe('BTC/USDT:USDT');
    expect(mexcFutures.toVenueSymbol('BTC/USD:BTC')).toBe('BTC_USD');
    expect(futuresUnified('BTC_USD')).toBe('BTC/USD:BTC');
    expect(futuresUnified('BTCUSDT')).toBeUndefined();
  });

  it('refuses the other market\'s symbols and malformed ones with MF_ERR_UNKNOWN_SYMBOL', () => {
    for (const bad of ['BTC/USDT:USDT', 'btc/usdt', 'BTCUSDT']) expect(refuses(() => mexc.toVenueSymbol(bad)), bad).toBe(true);
    for (const bad of ['BTC/USDT', 'BTC/USDT:ETH', 'BTC_USDT']) expect(refuses(() => mexcFutures.toVenueSymbol(bad)), bad).toBe(true);
  });

  it('is registered under mexc and mexc-futures', () => {
    expect(getVenue('mexc')).toBe(mexc);
    expect(getVenue('mexc-futures')).toBe(mexcFutures);
  });
});

describe('mexc plans', () => {
  it('spot: one SUBSCRIPTION frame per socket, at most 30 topics, a symbol never split', () => {
    const [p] = mexc.plan('ws://127.0.0.1:1/ws', ['BTCUSDT'], ['book', 'trades', 'quote', 'derivative']);
    expect(p).toMatchObject({ url: 'ws://127.0.0.1:1/ws', venueSymbols: ['BTCUSDT'], book: true });
    expect(JSON.parse(p.subscribe[0])).toEqual({ method: 'SUBSCRIPTION', params: [
      'spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT', 'spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT',
      'spot@public.aggre.bookTicker.v3.api.pb@100ms@BTCUSDT',
    ] });
    const syms = Array.from({ length: 25 }, (_, i) => `S${i}USDT`);
    const plans = mexc.plan('wss://wbs-api.mexc.com/ws', syms, ['book', 'trades', 'quote']);
    expect(plans.map((x) => x.venueSymbols.length)).toEqual([10, 10, 5]);
    for (const x of plans) expect(JSON.parse(x.subscribe[0]).params.length).toBeLessThanOrEqual(MAX_SPOT_TOPICS);
    expect(plans.flatMap((x) => mexc.subscribedSymbols(x.subscribe[0]))).toEqual(syms);
  });

  it('futures: one sub.* frame per channel; merged depth; top-5 book for quotes; the ticker for derivatives', () => {
    const [p] = mexcFutures.plan('ws://h/edge', ['BTC_USDT'], ['book', 'trades', 'quote', 'derivative']);
    expect(p.subscribe.map((f) => JSON.parse(f))).toEqual([
      { method: 'sub.depth', param: { symbol: 'BTC_USDT', compress: true } },
      { method: 'sub.deal', param: { symbol: 'BTC_USDT' } },
      { method: 'sub.depth.full', param: { symbol: 'BTC_USDT', limit: 5 } },
      { method: 'sub.ticker', param: { symbol: 'BTC_USDT' } },
    ]);
    expect(p.subscribe.map((f) => mexcFutures.subscribedSymbols(f))).toEqual([['BTC_USDT'], ['BTC_USDT'], ['BTC_USDT'], ['BTC_USDT']]);
    expect(mexcFutures.subscribedSymbols('{"method":"ping"}')).toEqual([]);
  });

  it('keepalives: spot PING / PONG, futures ping / pong', () => {
    expect(mexc.appPing.text).toBe('{"method":"PING"}');
    expect(mexc.appPing.isPong('{"id":0,"code":0,"msg":"PONG"}')).toBe(true);
    expect(mexc.appPing.isPong('{"id":0,"code":0,"msg":"spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT"}')).toBe(false);
    expect(mexcFutures.appPing.text).toBe('{"method":"ping"}');
    expect(mexcFutures.appPing.isPong('{"channel":"pong","data":1587453241453}')).toBe(true);
    expect(mexc.appPing.intervalMs).toBeLessThan(60_000);
    expect(mexcFutures.appPing.intervalMs).toBeLessThanOrEqual(20_000);
    expect(mexc.bookSnapshot).toBe('rest');
    expect(mexcFutures.bookSnapshot).toBe('rest');
  });
});

describe('mexc REST', () => {
  const rest = FILE.vectors.find((v) => v.id === 'mexc-doc-rest')!;

  it('spot depth: limit clamped to 5000; the doc example parses (its crossed levels are a placeholder, not our concern here)', () => {
    expect(mexc.depthRequest('BTCUSDT', 1000)).toEqual({ path: '/api/v3/depth?symbol=BTCUSDT&limit=1000', weight: 1 });
    expect(mexc.depthRequest('BTCUSDT', 9000).path).toBe('/api/v3/depth?symbol=BTCUSDT&limit=5000');
    expect(mexc.parseDepth(rest.input.spotDepth)).toEqual({ lastUpdateId: 1112416, ts: 0, bids: [['15.00000', '49999.00000']], asks: [['14.0000', '1.0000']] });
    for (const bad of ['', '{"bids":[],"asks":[]}', '{"lastUpdateId":1,"bids":[["x","1"]],"asks":[]}', '{"code":10001,"msg":"bad symbol"}']) {
      expect(() => mexc.parseDepth(bad)).toThrow(/MF_ERR_SNAPSHOT_FAILED/);
    }
  });

  it('futures depth: the whole book, numbers kept as sent, version as lastUpdateId', () => {
    expect(mexcFutures.depthRequest('BTC_USDT', 1000)).toEqual({ path: '/api/v1/contract/depth/BTC_USDT', weight: 1 });
    const body = '{"success":true,"code":0,"data":{"asks":[[3968.5,121],[3968.6,160,4]],"bids":[[3968.4,179,4],[3968,914,3]],"version":1,"timestamp":1587442022003}}';
    expect(mexcFutures.parseDepth(body)).toEqual({
      lastUpdateId: 1, ts: 1587442022003000, bids: [['3968.4', '179'], ['3968', '914']], asks: [['3968.5', '121'], ['3968.6', '160']],
    });
    expect(mexcFutures.parseDepth(body.replace(/^\{"success":true,"code":0,"data":|\}$/g, '')).lastUpdateId).toBe(1); // the doc's bare rendering
    expect(() => mexcFutures.parseDepth('{"success":false,"code":1001,"message":"Contract does not exist"}')).toThrow(/MF_ERR_SNAPSHOT_FAILED/);
  });

  it('listings: spot status "1" and trading allowed; futures state 0', () => {
    expect(mexc.exchangeInfo.path).toBe('/api/v3/exchangeInfo');
    expect(mexc.parseExchangeInfo('{"symbols":[{"symbol":"BTCUSDT","status":"1","isSpotTradingAllowed":true},{"symbol":"OLDUSDT","status":"2","isSpotTradingAllowed":true}]}')).toEqual(new Set(['BTCUSDT']));
    expect(mexcFutures.exchangeInfo.path).toBe('/api/v1/contract/detail');
    expect(mexcFutures.parseExchangeInfo('{"success":true,"code":0,"data":[{"symbol":"BTC_USDT","state":0},{"symbol":"X_USDT","state":4}]}')).toEqual(new Set(['BTC_USDT']));
    expect(() => mexc.parseExchangeInfo('<html>')).toThrow(/MF_ERR_HTTP/);
  });
});
