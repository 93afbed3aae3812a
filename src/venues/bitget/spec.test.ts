// The spec's non-decoding parts: symbols, connection plans, resubscribe frames, keepalive, REST.
import { describe, expect, it } from 'vitest';
import { MarketfeedError } from '../../core/errors.js';
import { bitget } from './index.js';
import { MAX_CHANNELS_PER_CONNECTION, subscribedIn } from './subscribe.js';
import { unifiedOf, venueSymbolOf } from './symbols.js';
import { contractsRequest } from './rest.js';

describe('symbols', () => {
  it('maps spot and USDT perpetuals both ways', () => {
    expect(bitget.toVenueSymbol('BTC/USDT')).toBe('BTCUSDT');
    expect(bitget.toVenueSymbol('BTC/USDT:USDT')).toBe('BTCUSDT_UMCBL');
    expect(unifiedOf('BTCUSDT')).toBe('BTC/USDT');
    expect(unifiedOf('DASHUSDT_UMCBL')).toBe('DASH/USDT:USDT');
    expect(unifiedOf('XYZ')).toBeUndefined();
  });

  it('rejects malformed symbols and non-USDT perpetuals with MF_ERR_UNKNOWN_SYMBOL', () => {
    for (const s of ['btc-usdt', 'BTC/USD:BTC', 'BTC/USDC:USDC']) {
      expect(() => bitget.toVenueSymbol(s)).toThrow(MarketfeedError);
      try { bitget.toVenueSymbol(s); } catch (e) { expect((e as MarketfeedError).code).toBe('MF_ERR_UNKNOWN_SYMBOL'); }
    }
  });

  it('routes (instType, instId) of v1 and v2 to venue symbols', () => {
    expect(['SPOT', 'SP', 'sp'].map((t) => venueSymbolOf(t, 'BTCUSDT'))).toEqual(['BTCUSDT', 'BTCUSDT', 'BTCUSDT']);
    expect(['USDT-FUTURES', 'MC', 'mc'].map((t) => venueSymbolOf(t, 'BTCUSDT'))).toEqual(Array(3).fill('BTCUSDT_UMCBL'));
    expect(venueSymbolOf('COIN-FUTURES', 'BTCUSD')).toBeUndefined();
  });
});

describe('plan', () => {
  const WS = 'ws://127.0.0.1:9000/v2/ws/public';

  it('one socket at the given URL, one subscribe frame with every channel of every symbol', () => {
    const plans = bitget.plan(WS, ['BTCUSDT', 'ETHUSDT_UMCBL'], ['book', 'trades', 'quote']);
    expect(plans).toEqual([{
      url: WS, venueSymbols: ['BTCUSDT', 'ETHUSDT_UMCBL'], book: true,
      subscribe: [JSON.stringify({ op: 'subscribe', args: [
        { instType: 'SPOT', channel: 'books', instId: 'BTCUSDT' },
        { instType: 'SPOT', channel: 'trade', instId: 'BTCUSDT' },
        { instType: 'SPOT', channel: 'ticker', instId: 'BTCUSDT' },
        { instType: 'USDT-FUTURES', channel: 'books', instId: 'ETHUSDT' },
        { instType: 'USDT-FUTURES', channel: 'trade', instId: 'ETHUSDT' },
        { instType: 'USDT-FUTURES', channel: 'ticker', instId: 'ETHUSDT' },
      ] })],
    }]);
  });

  it(`keeps ≤ ${MAX_CHANNELS_PER_CONNECTION} channels per socket and a symbol's channels together`, () => {
    const symbols = Array.from({ length: 40 }, (_, i) => `C${i}USDT`);
    const plans = bitget.plan(WS, symbols, ['book', 'trades', 'quote']);
    expect(plans.map((p) => p.venueSymbols.length)).toEqual([16, 16, 8]);
    for (const p of plans) {
      const args = (JSON.parse(p.subscribe[0]) as { args: unknown[] }).args;
      expect(args.length).toBeLessThanOrEqual(MAX_CHANNELS_PER_CONNECTION);
      expect(subscribedIn(p.subscribe[0])).toEqual({ venueSymbols: p.venueSymbols, book: true });
    }
  });

  it('no book channel → book: false; quote and derivative share the ticker channel', () => {
    const [p] = bitget.plan(WS, ['BTCUSDT_UMCBL'], ['quote', 'derivative']);
    expect(p.book).toBe(false);
    expect(JSON.parse(p.subscribe[0])).toEqual({ op: 'subscribe', args: [{ instType: 'USDT-FUTURES', channel: 'ticker', instId: 'BTCUSDT' }] });
  });

  it('resubscribe = unsubscribe + subscribe of that symbol\'s books only', () => {
    expect(bitget.resubscribe('BTCUSDT_UMCBL')).toEqual([
      '{"op":"unsubscribe","args":[{"instType":"USDT-FUTURES","channel":"books","instId":"BTCUSDT"}]}',
      '{"op":"subscribe","args":[{"instType":"USDT-FUTURES","channel":"books","instId":"BTCUSDT"}]}',
    ]);
  });

  it('reads the v1 subscribe frame of a capture back into venue symbols', () => {
    const frame = '{"op":"subscribe","args":[{"instType":"MC","channel":"books","instId":"DASHUSDT"},{"instType":"MC","channel":"trade","instId":"UNIUSDT"}]}';
    expect(subscribedIn(frame)).toEqual({ venueSymbols: ['DASHUSDT_UMCBL', 'UNIUSDT_UMCBL'], book: true });
    expect(subscribedIn('ping')).toBeUndefined();
  });
});

describe('keepalive and capabilities', () => {
  it('text ping every 30 s, pong recognised', () => {
    expect(bitget.appPing.text).toBe('ping');
    expect(bitget.appPing.intervalMs).toBe(30_000);
    expect(bitget.appPing.isPong('pong')).toBe(true);
    expect(bitget.appPing.isPong('{"event":"pong"}')).toBe(false);
    expect(bitget.bookSnapshot).toBe('ws');
    expect(bitget.bookRule.checksum.depth).toBe(25);
  });
});

describe('REST', () => {
  it('exchangeInfo lists online spot pairs and normal perpetuals', () => {
    expect(bitget.exchangeInfo.path).toBe('/api/v2/spot/public/symbols');
    const spot = '{"code":"00000","msg":"success","requestTime":1,"data":[{"symbol":"BTCUSDT","status":"online"},{"symbol":"OLDUSDT","status":"offline"}]}';
    expect([...bitget.parseExchangeInfo(spot)]).toEqual(['BTCUSDT']);
    expect(contractsRequest.path).toBe('/api/v2/mix/market/contracts?productType=USDT-FUTURES');
    const mix = '{"code":"00000","msg":"success","requestTime":1,"data":[{"symbol":"BTCUSDT","symbolType":"perpetual","symbolStatus":"normal"},{"symbol":"BTCUSDT0329","symbolType":"delivery","symbolStatus":"normal"}]}';
    expect([...bitget.parseExchangeInfo(mix)]).toEqual(['BTCUSDT_UMCBL']);
    expect(() => bitget.parseExchangeInfo('{"code":"40001","msg":"bad"}')).toThrow(/code/);
    expect(() => bitget.parseExchangeInfo('<html>')).toThrow(/not JSON/);
  });

  it('depth requests per market, limits rounded up to what the venue accepts', () => {
    expect(bitget.depthRequest('BTCUSDT', 100).path).toBe('/api/v2/spot/market/orderbook?symbol=BTCUSDT&type=step0&limit=100');
    expect(bitget.depthRequest('BTCUSDT', 1000).path).toBe('/api/v2/spot/market/orderbook?symbol=BTCUSDT&type=step0&limit=150');
    expect(bitget.depthRequest('BTCUSDT_UMCBL', 20).path).toBe('/api/v2/mix/market/merge-depth?symbol=BTCUSDT&productType=USDT-FUTURES&precision=scale0&limit=50');
    expect(bitget.depthRequest('BTCUSDT_UMCBL', 500).path).toContain('limit=max');
  });

  it('parses depth bodies (string or number levels) and rejects malformed ones', () => {
    const body = '{"code":"00000","msg":"success","requestTime":1,"data":{"asks":[["34567.15","0.0131"]],"bids":[["34567","0.2917"]],"ts":"1698303884584"}}';
    expect(bitget.parseDepth(body)).toEqual({ lastUpdateId: -1, ts: 1698303884584000, bids: [['34567', '0.2917']], asks: [['34567.15', '0.0131']] });
    const mix = '{"code":"00000","data":{"asks":[[26347.5,0.25]],"bids":[[26346.5,0.16]],"ts":"1695870968804"}}';
    expect(bitget.parseDepth(mix).asks).toEqual([['26347.5', '0.25']]);
    expect(() => bitget.parseDepth('{"code":"00000","data":{"asks":[["x","1"]],"bids":[]}}')).toThrow(MarketfeedError);
  });
});
