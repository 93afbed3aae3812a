// The VenueSpec's pure parts: symbols, connection plans (one channel per subscribe message,
// heartbeats on every socket), resubscribe frames, and the symbols a sent frame names.
import { describe, expect, it } from 'vitest';
import { isMarketfeedError } from '../../core/errors.js';
import { getVenue } from '../index.js';
import { coinbase } from './index.js';
import { MAX_BOOK_PRODUCTS_PER_CONNECTION } from './subscribe.js';
import { toUnified } from './symbols.js';

describe('coinbase symbols', () => {
  it.each([['BTC/USD', 'BTC-USD'], ['ETH/USDC', 'ETH-USDC'], ['USDT/USD', 'USDT-USD'], ['1INCH/EUR', '1INCH-EUR']])('%s ↔ %s', (unified, id) => {
    expect(coinbase.toVenueSymbol(unified)).toBe(id);
    expect(toUnified(id)).toBe(unified);
  });

  it.each([['btc/usd'], ['BTC-USD'], ['BTC/USD:USD']])('refuses %s', (bad) => {
    try {
      coinbase.toVenueSymbol(bad);
      expect.unreachable();
    } catch (e) {
      expect(isMarketfeedError(e, 'MF_ERR_UNKNOWN_SYMBOL')).toBe(true);
    }
  });

  it('reads no futures ids as spot', () => {
    expect(toUnified('BIT-28JUN24-CDE')).toBeUndefined();
    expect(toUnified('BTCUSD')).toBeUndefined();
  });

  it('is registered as `coinbase`, books on the websocket, no derivatives', () => {
    expect(getVenue('coinbase')).toBe(coinbase);
    expect(coinbase.urls).toEqual({ ws: 'wss://advanced-trade-ws.coinbase.com', rest: 'https://api.coinbase.com' });
    expect(coinbase.kinds).toEqual({ trades: true, book: true, quote: true, derivative: false });
    expect(coinbase.bookSnapshot).toBe('ws');
  });
});

describe('coinbase plan', () => {
  it('one channel per subscribe message, heartbeats without products, on the given URL', () => {
    const plans = coinbase.plan('ws://127.0.0.1:9000', ['BTC-USD', 'ETH-USD'], ['book', 'trades', 'quote']);
    expect(plans).toHaveLength(2);
    expect(plans[0]).toMatchObject({ url: 'ws://127.0.0.1:9000', venueSymbols: ['BTC-USD'], book: true });
    expect(plans[1]).toMatchObject({ url: 'ws://127.0.0.1:9000', venueSymbols: ['ETH-USD'], book: true });
    expect(plans[0].subscribe.map((f) => JSON.parse(f))).toEqual([
      { type: 'subscribe', product_ids: ['BTC-USD'], channel: 'level2' },
      { type: 'subscribe', product_ids: ['BTC-USD'], channel: 'market_trades' },
      { type: 'subscribe', product_ids: ['BTC-USD'], channel: 'ticker' },
      { type: 'subscribe', channel: 'heartbeats' },
    ]);
  });

  it('trades only: no level2, no book socket', () => {
    const [p] = coinbase.plan('wss://advanced-trade-ws.coinbase.com', ['BTC-USD'], ['trades']);
    expect(p.book).toBe(false);
    expect(p.subscribe.map((f) => JSON.parse(f).channel)).toEqual(['market_trades', 'heartbeats']);
  });

  it('one book per socket (its raw file is then its whole numbered stream); trades share a socket', () => {
    expect(MAX_BOOK_PRODUCTS_PER_CONNECTION).toBe(1);
    const ids = Array.from({ length: 25 }, (_, i) => `S${i}-USD`);
    const plans = coinbase.plan('wss://x', ids, ['book']);
    expect(plans.map((p) => p.venueSymbols)).toEqual(ids.map((id) => [id]));
    expect(plans.flatMap((p) => p.venueSymbols)).toEqual(ids);
    expect(coinbase.plan('wss://x', ids, ['trades'])).toHaveLength(1);
    expect(coinbase.plan('wss://x', ids, ['derivative'])).toEqual([]);
  });

  it('resubscribes one product\'s level2 (unsubscribe, then subscribe: a fresh snapshot event)', () => {
    expect(coinbase.resubscribe('BTC-USD').map((f) => JSON.parse(f))).toEqual([
      { type: 'unsubscribe', product_ids: ['BTC-USD'], channel: 'level2' },
      { type: 'subscribe', product_ids: ['BTC-USD'], channel: 'level2' },
    ]);
  });

  it('reads the products of a sent subscribe frame', () => {
    const [p] = coinbase.plan('wss://x', ['BTC-USD', 'ETH-USD'], ['trades', 'quote']);
    expect(coinbase.subscribedSymbols(p.subscribe[0])).toEqual(['BTC-USD', 'ETH-USD']);
    expect(coinbase.subscribedSymbols(p.subscribe.at(-1)!)).toEqual([]);
    expect(coinbase.subscribedSymbols(coinbase.resubscribe('BTC-USD')[0])).toEqual([]);
    expect(coinbase.subscribedSymbols('{"type":"subscribe"')).toEqual([]);
  });
});
