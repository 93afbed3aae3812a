// The trades-by-id route each Binance market backfills from (market.ts tradesById): spot
// historicalTrades by the raw trade stream's `t`, USDⓈ-M aggTrades by the aggTrade stream's `a`.
import { describe, expect, it } from 'vitest';
import { isMarketfeedError } from '../../core/errors.js';
import { binance, binanceFutures } from './index.js';
import { BinanceAggTradeRowSchema, BinanceHistoricalTradeSchema, isBinanceAggTradeRow, isBinanceHistoricalTrade } from './wire.js';

const SPOT_ROW = { id: 28457, price: '4.00000100', qty: '12.00000000', quoteQty: '48.000012', time: 1499865549590, isBuyerMaker: true, isBestMatch: true };
const AGG_ROW = { a: 26129, p: '0.01633102', q: '4.70443515', f: 27781, l: 27781, T: 1498793709153, m: false };

describe('Binance trades by id', () => {
  it('requests: path, fromId, limit clamped to 1000, the documented weight', () => {
    expect(binance.tradesById.request('BTCUSDT', 42, 5000)).toEqual({ path: '/api/v3/historicalTrades?symbol=BTCUSDT&fromId=42&limit=1000', weight: 25 });
    expect(binanceFutures.tradesById.request('BTCUSDT', 7, 3)).toEqual({ path: '/fapi/v1/aggTrades?symbol=BTCUSDT&fromId=7&limit=3', weight: 20 });
  });

  it('fromIdOf reads a captured URL of its own route only', () => {
    expect(binance.tradesById.fromIdOf('https://api.binance.com/api/v3/historicalTrades?symbol=BTCUSDT&fromId=42&limit=1000')).toBe(42);
    expect(binance.tradesById.fromIdOf('https://api.binance.com/api/v3/aggTrades?symbol=BTCUSDT&fromId=42')).toBeUndefined();
    expect(binance.tradesById.fromIdOf('https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000')).toBeUndefined();
    expect(binance.tradesById.fromIdOf('https://api.binance.com/api/v3/historicalTrades?symbol=BTCUSDT')).toBeUndefined();
    expect(binanceFutures.tradesById.fromIdOf('https://fapi.binance.com/fapi/v1/aggTrades?symbol=BTCUSDT&fromId=7&limit=3')).toBe(7);
  });

  it('parses rows as the streams decode them (m / isBuyerMaker true: the taker sold)', () => {
    expect(binance.tradesById.parse(JSON.stringify([SPOT_ROW]))).toEqual([{ id: 28457, ts: 1_499_865_549_590_000, price: '4.00000100', amount: '12.00000000', side: 'sell' }]);
    expect(binanceFutures.tradesById.parse(JSON.stringify([AGG_ROW]))).toEqual([{ id: 26129, ts: 1_498_793_709_153_000, price: '0.01633102', amount: '4.70443515', side: 'buy' }]);
  });

  it('a venue error or a bad row throws one line naming what was expected', () => {
    for (const [spec, body, want] of [
      [binance, '{"code":-1121,"msg":"Invalid symbol."}', /historicalTrades body is not an array of trade rows; the venue answered -1121 Invalid symbol\./],
      [binance, JSON.stringify([{ ...SPOT_ROW, price: 4 }]), /historicalTrades row is not \{id, price, qty, time, isBuyerMaker\}/],
      [binanceFutures, 'not json', /body is not JSON/],
    ] as const) {
      let err: unknown;
      try {
        spec.tradesById.parse(body);
      } catch (e) {
        err = e;
      }
      expect(isMarketfeedError(err)).toBe(true);
      expect((err as Error).message).toMatch(want);
    }
  });

  it('guards agree with their zod twins', () => {
    for (const [guard, schema, good] of [
      [isBinanceHistoricalTrade, BinanceHistoricalTradeSchema, SPOT_ROW],
      [isBinanceAggTradeRow, BinanceAggTradeRowSchema, AGG_ROW],
    ] as const) {
      const bad = [{ ...good, ...Object.fromEntries(Object.keys(good).slice(0, 1).map((k) => [k, -1])) }, null, [], { ...good, m: 'yes', isBuyerMaker: 'yes' }];
      for (const x of [good, ...bad]) expect(guard(x), JSON.stringify(x)).toBe(schema.safeParse(x).success);
    }
  });
});
