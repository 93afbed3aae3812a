// The VenueSpecs' pure parts for both markets: symbols, connection plans, resubscribe frames,
// REST requests and body parsers, the app-level ping.
import { describe, expect, it } from 'vitest';
import { isMarketfeedError } from '../../core/errors.js';
import { okcoin, okx } from './index.js';
import { listingRequests } from './rest.js';
import { MAX_BOOK_SYMBOLS_PER_CONNECTION } from './subscribe.js';
import { instTypeOf, toUnified } from './symbols.js';

describe('okx symbols', () => {
  it.each([
    ['BTC/USDT', 'BTC-USDT', 'SPOT'],
    ['BTC/USDT:USDT', 'BTC-USDT-SWAP', 'SWAP'],
    ['BTC/USD:BTC', 'BTC-USD-SWAP', 'SWAP'],
    ['BTC/USD:BTC-220527', 'BTC-USD-220527', 'FUTURES'],
    ['ETH/USDT:USDT-240329', 'ETH-USDT-240329', 'FUTURES'],
  ])('%s ↔ %s (%s)', (unified, instId, type) => {
    expect(okx.toVenueSymbol(unified)).toBe(instId);
    expect(toUnified(instId)).toBe(unified);
    expect(instTypeOf(instId)).toBe(type);
  });

  it.each([['btc/usdt'], ['BTC-USDT'], ['BTC/USDT-220527'], ['BTC/USDT:ETH'], ['BTC/USDT:USDT-2205']])('refuses %s', (bad) => {
    try {
      okx.toVenueSymbol(bad);
      expect.unreachable();
    } catch (e) {
      expect(isMarketfeedError(e, 'MF_ERR_UNKNOWN_SYMBOL')).toBe(true);
    }
  });

  it('okcoin lists spot only, with a clear message', () => {
    expect(okcoin.toVenueSymbol('BTC/USD')).toBe('BTC-USD');
    expect(() => okcoin.toVenueSymbol('BTC/USD:BTC')).toThrow(/OKCoin lists spot pairs only/);
    expect(toUnified('BTC-USD-220527-30000-C')).toBeUndefined();
  });
});

describe('okx plan', () => {
  it('one socket at the given URL, channels subscribed after open, derivatives only for contracts', () => {
    const plans = okx.plan('ws://127.0.0.1:9000/ws/v5/public', ['BTC-USDT', 'BTC-USDT-SWAP', 'BTC-USD-220527'], ['book', 'trades', 'quote', 'derivative']);
    expect(plans).toHaveLength(1);
    expect(plans[0]).toMatchObject({ url: 'ws://127.0.0.1:9000/ws/v5/public', venueSymbols: ['BTC-USDT', 'BTC-USDT-SWAP', 'BTC-USD-220527'], book: true });
    expect(plans[0].subscribe.map((f) => JSON.parse(f))).toEqual([{ op: 'subscribe', args: [
      { channel: 'books', instId: 'BTC-USDT' }, { channel: 'trades', instId: 'BTC-USDT' }, { channel: 'tickers', instId: 'BTC-USDT' },
      { channel: 'books', instId: 'BTC-USDT-SWAP' }, { channel: 'trades', instId: 'BTC-USDT-SWAP' }, { channel: 'tickers', instId: 'BTC-USDT-SWAP' },
      { channel: 'funding-rate', instId: 'BTC-USDT-SWAP' }, { channel: 'open-interest', instId: 'BTC-USDT-SWAP' },
      { channel: 'books', instId: 'BTC-USD-220527' }, { channel: 'trades', instId: 'BTC-USD-220527' }, { channel: 'tickers', instId: 'BTC-USD-220527' },
      { channel: 'open-interest', instId: 'BTC-USD-220527' },
    ] }]);
  });

  it('keeps at most 25 books per socket and never splits a symbol', () => {
    const syms = Array.from({ length: 60 }, (_, i) => `S${i}-USDT`);
    const plans = okx.plan('wss://ws.okx.com:8443/ws/v5/public', syms, ['book', 'trades']);
    expect(plans.map((p) => p.venueSymbols.length)).toEqual([25, 25, 10]);
    expect(plans.flatMap((p) => p.venueSymbols)).toEqual(syms);
    for (const p of plans) expect(JSON.parse(p.subscribe[0]).args.filter((a: { channel: string }) => a.channel === 'books').length).toBeLessThanOrEqual(MAX_BOOK_SYMBOLS_PER_CONNECTION);
  });

  it('sockets without books say so; spot-only derivative plans are empty', () => {
    expect(okx.plan('ws://h/p', ['BTC-USDT'], ['trades'])[0].book).toBe(false);
    expect(okx.plan('ws://h/p', ['BTC-USDT'], ['derivative'])).toEqual([]);
  });

  it('resubscribe unsubscribes and subscribes that one book', () => {
    expect(okx.resubscribe('BTC-USDT-SWAP').map((f) => JSON.parse(f))).toEqual([
      { op: 'unsubscribe', args: [{ channel: 'books', instId: 'BTC-USDT-SWAP' }] },
      { op: 'subscribe', args: [{ channel: 'books', instId: 'BTC-USDT-SWAP' }] },
    ]);
    expect(okx.bookSnapshot).toBe('ws');
  });

  it('pings with "ping" under the 30 s idle limit and knows "pong"', () => {
    expect(okx.appPing.text).toBe('ping');
    expect(okx.appPing.intervalMs).toBeLessThan(30_000);
    expect(okx.appPing.isPong('pong')).toBe(true);
    expect(okx.appPing.isPong('{"event":"pong"}')).toBe(false);
  });
});

describe('okx REST', () => {
  it('lists instruments per type and keeps the live ones', () => {
    expect(okx.exchangeInfo.path).toBe('/api/v5/public/instruments?instType=SPOT');
    expect(listingRequests(['BTC-USDT', 'ETH-USDT', 'BTC-USDT-SWAP', 'BTC-USD-220527']).map((r) => r.path)).toEqual([
      '/api/v5/public/instruments?instType=SPOT', '/api/v5/public/instruments?instType=SWAP', '/api/v5/public/instruments?instType=FUTURES',
    ]);
    const body = '{"code":"0","msg":"","data":[{"instType":"SPOT","instId":"BTC-USDT","state":"live"},{"instType":"SPOT","instId":"OLD-USDT","state":"suspend"}]}';
    expect(okx.parseExchangeInfo(body)).toEqual(new Set(['BTC-USDT']));
    expect(() => okx.parseExchangeInfo('{"code":"51001","msg":"Instrument ID does not exist","data":[]}')).toThrow(/MF_ERR_HTTP.*51001/);
    expect(() => okx.parseExchangeInfo('<html>')).toThrow(/MF_ERR_HTTP/);
  });

  it('asks for the 400-level book whatever the limit', () => {
    expect(okx.depthRequest('BTC-USDT', 1000)).toEqual({ path: '/api/v5/market/books?instId=BTC-USDT&sz=400', weight: 1 });
    expect(okcoin.depthRequest('BTC-USD', 20).path).toBe('/api/v5/market/books?instId=BTC-USD&sz=400');
  });

  it('parses the book body, seqId as lastUpdateId when present', () => {
    const body = '{"code":"0","msg":"","data":[{"asks":[["41006.8","0.60038921","0","1"]],"bids":[["41006.3","0.30178218","0","2"]],"ts":"1629966436396","seqId":3235}]}';
    expect(okx.parseDepth(body)).toEqual({ lastUpdateId: 3235, ts: 1629966436396000, bids: [['41006.3', '0.30178218']], asks: [['41006.8', '0.60038921']] });
    expect(okx.parseDepth(body.replace(',"seqId":3235', '')).lastUpdateId).toBe(-1);
    for (const bad of ['', '{"code":"0","data":[]}', '{"code":"0","data":[{"asks":[["x","1"]],"bids":[],"ts":"1"}]}', '{"code":"50011","msg":"Too Many Requests","data":[]}']) {
      expect(() => okx.parseDepth(bad)).toThrow(/MF_ERR_SNAPSHOT_FAILED/);
    }
  });
});
