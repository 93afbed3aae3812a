import { describe, expect, it } from 'vitest';
import { symbolFromRunStart } from './unified-symbol.js';

describe('symbolFromRunStart', () => {
  const detail = 'venue=binance-futures symbols=BTC/USDT:USDT ETH/USDT:USDT depth=10 ws=ws://127.0.0.1:1';
  it.each([
    ['BTCUSDTUSDT', 'BTC/USDT:USDT'],
    ['ETHUSDTUSDT', 'ETH/USDT:USDT'],
    ['SOLUSDTUSDT', undefined],
  ])('%s → %s', (fs, unified) => {
    expect(symbolFromRunStart(detail, fs)).toBe(unified);
  });
  it('needs a symbols= pair', () => {
    expect(symbolFromRunStart('reason=duration', 'BTCUSDT')).toBeUndefined();
  });
});
