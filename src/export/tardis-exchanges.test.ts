// Tardis's names for our venues: every listed exchange id is one tardis-dev 13.35.3 knows.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { getVenue, VENUE_IDS } from '../venues/index.js';
import { tardisFileName, tardisMarket } from './tardis-exchanges.js';

const { EXCHANGES } = createRequire(import.meta.url)('tardis-dev') as { EXCHANGES: readonly string[] };

describe('tardisMarket', () => {
  it.each([
    ['binance', 'BTC/USDT', 'binance', 'BTCUSDT', 'BTCUSDT'],
    ['binance-futures', 'BTC/USDT:USDT', 'binance-futures', 'BTCUSDT', 'BTCUSDT'],
    ['okx', 'BTC/USDT', 'okex', 'BTC-USDT', 'BTC-USDT'],
    ['okx', 'BTC/USDT:USDT', 'okex-swap', 'BTC-USDT-SWAP', 'BTC-USDT-SWAP'],
    ['kraken', 'BTC/USD', 'kraken', 'XBT/USD', 'XBT-USD'],
    ['bitfinex', 'BTC/USD', 'bitfinex', 'BTCUSD', 'BTCUSD'],
    ['bitfinex', 'BTC/USDC', 'bitfinex', 'BTC:USDC', 'BTC-USDC'],
    ['bitget', 'BTC/USDT:USDT', 'bitget-futures', 'BTCUSDT', 'BTCUSDT'],
    ['bybit', 'BTC/USDT', 'bybit-spot', 'BTCUSDT', 'BTCUSDT'],
    ['bybit-linear', 'BTC/USDT:USDT', 'bybit', 'BTCUSDT', 'BTCUSDT'],
    ['kucoin-futures', 'BTC/USDT:USDT', 'kucoin-futures', 'XBTUSDTM', 'XBTUSDTM'],
    ['coinbase', 'BTC/USD', 'coinbase', 'BTC-USD', 'BTC-USD'],
  ])('%s %s → %s %s (file %s)', (venue, unified, exchange, symbol, fileSymbol) => {
    const m = tardisMarket(venue, getVenue(venue).toVenueSymbol(unified));
    expect(m).toEqual({ exchange, symbol, fileSymbol, listed: true });
  });

  it.each(VENUE_IDS.map((v) => [v]))('%s: a Tardis exchange, or marketfeed\'s own id when Tardis has none', (venue) => {
    const spec = getVenue(venue);
    const unified = ['BTC/USDT', 'BTC/USDT:USDT', 'BTC/USD'].find((s) => {
      try {
        spec.toVenueSymbol(s);
        return true;
      } catch {
        return false;
      }
    })!;
    const m = tardisMarket(venue, spec.toVenueSymbol(unified));
    if (m.listed) expect(EXCHANGES).toContain(m.exchange);
    else expect(m.exchange).toBe(venue);
    expect(m.fileSymbol).toMatch(/^[A-Z0-9._-]+$/);
  });

  it('names files as Tardis downloads them', () => {
    expect(tardisFileName(tardisMarket('kraken', 'BTC/USD'), 'incremental_book_L2', '2026-12-07')).toBe('kraken_incremental_book_L2_2026-12-07_XBT-USD.csv.gz');
  });
});
