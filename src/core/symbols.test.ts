import { describe, expect, it } from 'vitest';
import { parseSymbol, formatSymbol, symbolFs, guessUnifiedSymbol, unifiedCandidates } from './symbols.js';

describe('unified symbols', () => {
  it.each([
    ['BTC/USDT', { base: 'BTC', quote: 'USDT' }],
    ['BTC/USDT:USDT', { base: 'BTC', quote: 'USDT', settle: 'USDT' }],
    ['1000PEPE/USDT:USDT', { base: '1000PEPE', quote: 'USDT', settle: 'USDT' }],
  ])('parses %s', (text, want) => {
    expect(parseSymbol(text)).toEqual(want);
    expect(formatSymbol(parseSymbol(text)!)).toBe(text);
  });

  it.each(['BTCUSDT', 'btc/usdt', 'BTC/', '/USDT', 'BTC/USDT:', 'BTC/USDT/ETH', '../etc'])('rejects %s', (text) => {
    expect(parseSymbol(text)).toBeUndefined();
  });

  it.each([
    ['BTC/USDT', 'BTCUSDT'],
    ['BTC/USDT:USDT', 'BTCUSDTUSDT'],
    ['BTC-USD', 'BTCUSD'],
    ['ETH USD', 'ETHUSD'],
  ])('symbolFs(%s) = %s', (s, fs) => expect(symbolFs(s)).toBe(fs));

  it.each(['../../x', 'a/../b', '..', 'BTC\\USDT', '', 'BTC\u0000'])('symbolFs refuses %j', (s) => {
    expect(() => symbolFs(s)).toThrow(/cannot be used in a file name/);
  });
});

describe('guessUnifiedSymbol', () => {
  it.each([
    ['BTCUSDT', 'BTC/USDT'],
    ['ETHBTC', 'ETH/BTC'],
    ['USDCUSDT', 'USDC/USDT'],
    ['BTCFDUSD', 'BTC/FDUSD'],
    ['BTCUSDTUSDT', 'BTC/USDT:USDT'],
    ['ETHUSDCUSDC', 'ETH/USDC:USDC'],
    ['BTCUSDBTC', 'BTC/USD:BTC'],
    ['BTCEUR', 'BTC/EUR'],
    ['XYZ', undefined],
    ['USDT', undefined],
  ])('%s → %s', (fs, unified) => {
    expect(guessUnifiedSymbol(fs)).toBe(unified);
  });
});

describe('unifiedCandidates', () => {
  it.each([
    ['NKNUSDT', ['NKN/USDT', 'NKN/USDT:USDT']],
    ['BTCUSDTUSDT', ['BTC/USDT:USDT', 'BTCUSDT/USDT', 'BTCUSDT/USDT:USDT']],
    ['btcusdt', ['BTC/USDT', 'BTC/USDT:USDT']],
    ['XYZ', []],
  ])('%s → %j', (name, want) => {
    expect(unifiedCandidates(name)).toEqual(want);
  });
});
