// The VenueSpecs' pure parts for both markets: symbols, connection plans, resubscribe frames, the
// listings and the subscribed-symbol reader.
import { describe, expect, it } from 'vitest';
import { isMarketfeedError } from '../../core/errors.js';
import { getVenue } from '../index.js';
import { bingx, bingxSwap } from './index.js';
import { MAX_TOPICS_PER_CONNECTION } from './subscribe.js';

describe('bingx symbols', () => {
  it('spot BTC/USDT and swap BTC/USDT:USDT are both BTC-USDT, told apart by the venue id', () => {
    expect(bingx.toVenueSymbol('BTC/USDT')).toBe('BTC-USDT');
    expect(bingxSwap.toVenueSymbol('BTC/USDT:USDT')).toBe('BTC-USDT');
    expect(bingx.fromVenueSymbol('BTC-USDT')).toBe('BTC/USDT');
    expect(bingxSwap.fromVenueSymbol('BTC-USDT')).toBe('BTC/USDT:USDT');
    expect(bingx.fromVenueSymbol('BTCUSDT')).toBeUndefined();
    expect(getVenue('bingx-swap')).toBe(bingxSwap);
  });

  it.each([
    [bingx, 'BTC/USDT:USDT', /record it with --venue bingx-swap/],
    [bingxSwap, 'BTC/USDT', /USDT-M perpetuals/],
    [bingxSwap, 'BTC/USD:BTC', /USDT-M perpetuals/],
    [bingx, 'btc-usdt', /not a unified symbol/],
  ])('refuses %#: %s', (spec, bad, message) => {
    try {
      spec.toVenueSymbol(bad);
      expect.unreachable();
    } catch (e) {
      expect(isMarketfeedError(e, 'MF_ERR_UNKNOWN_SYMBOL')).toBe(true);
      expect((e as Error).message).toMatch(message);
    }
  });
});

describe('bingx plan', () => {
  it('one socket at the given URL, one sub frame per topic, markPrice only on swaps', () => {
    const [p] = bingxSwap.plan('ws://127.0.0.1:9/swap-market', ['BTC-USDT'], ['book', 'trades', 'quote', 'derivative']);
    expect(p).toMatchObject({ url: 'ws://127.0.0.1:9/swap-market', venueSymbols: ['BTC-USDT'], book: true });
    expect(p.subscribe.map((f) => JSON.parse(f))).toEqual(['incrDepth', 'trade', 'ticker', 'markPrice'].map((c) => ({
      id: `sub:BTC-USDT@${c}`, reqType: 'sub', dataType: `BTC-USDT@${c}`,
    })));
    const [s] = bingx.plan('wss://open-api-ws.bingx.com/market', ['BTC-USDT'], ['book', 'trades', 'quote', 'derivative']);
    expect(s.subscribe).toHaveLength(3);
  });

  it(`keeps at most ${MAX_TOPICS_PER_CONNECTION} topics a socket and never splits a symbol`, () => {
    const syms = Array.from({ length: 7 }, (_, i) => `S${i}-USDT`);
    const plans = bingx.plan('wss://x/market', syms, ['book', 'trades', 'quote']);
    expect(plans.map((p) => p.venueSymbols.length)).toEqual([3, 3, 1]);
    expect(plans.flatMap((p) => p.venueSymbols)).toEqual(syms);
    expect(bingx.plan('wss://x/market', syms, ['trades']).map((p) => p.book)).toEqual([false]);
  });

  it('resubscribes a book with unsub + sub of its incrDepth topic', () => {
    expect(bingx.resubscribe('ETH-USDT').map((f) => JSON.parse(f))).toEqual([
      { id: 'unsub:ETH-USDT@incrDepth', reqType: 'unsub', dataType: 'ETH-USDT@incrDepth' },
      { id: 'sub:ETH-USDT@incrDepth', reqType: 'sub', dataType: 'ETH-USDT@incrDepth' },
    ]);
  });

  it('reads the symbols of sent sub frames only', () => {
    expect(bingx.subscribedSymbols('{"id":"sub:ETH-USDT@trade","reqType":"sub","dataType":"ETH-USDT@trade"}')).toEqual(['ETH-USDT']);
    expect(bingx.subscribedSymbols('{"id":"u","reqType":"unsub","dataType":"ETH-USDT@trade"}')).toEqual([]);
    expect(bingx.subscribedSymbols('Pong')).toEqual([]);
  });
});

describe('bingx listings', () => {
  it('spot: data.symbols with status 1', () => {
    expect(bingx.exchangeInfo.path).toBe('/openApi/spot/v1/common/symbols');
    const body = '{"code":0,"msg":"","debugMsg":"","data":{"symbols":[{"symbol":"BTC-USDT","status":1,"apiStateBuy":true},{"symbol":"OLD-USDT","status":0}]}}';
    expect([...bingx.parseExchangeInfo(body)]).toEqual(['BTC-USDT']);
  });

  it('swap: data with status "1"', () => {
    expect(bingxSwap.exchangeInfo.path).toBe('/openApi/swap/v2/quote/contracts');
    const body = '{"code":0,"msg":"","data":[{"contractId":"100","symbol":"BTC-USDT","status":"1"},{"symbol":"X-USDT","status":"0"}]}';
    expect([...bingxSwap.parseExchangeInfo(body)]).toEqual(['BTC-USDT']);
  });

  it.each(['not json', '{"code":100400,"msg":"bad","data":{}}', '{"code":0,"data":{"list":[]}}'])('refuses %s', (body) => {
    expect(() => bingx.parseExchangeInfo(body)).toThrow(/symbol listing/);
  });
});
