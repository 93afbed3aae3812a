// Which recorded bars are whole: watched spans from ledger rows, and bars inside them.
import { describe, expect, it } from 'vitest';
import type { Candle } from '../core/events.js';
import { completeBars, ledgerRowOf, watchedSpans, type LedgerRow } from './local-bars.js';

const S = 1_000_000;
const row = (t: number, kind: string, state = '', detail = ''): LedgerRow => ({ localTs: t * S, kind, state, detail });
const conn = (t: number, state: string, id: number): LedgerRow =>
  row(t, state === 'CONNECTED' ? 'connect' : 'disconnect', state, `connection connId=${id}`);

function candle(openS: number, closed = true, synthetic = false): Candle {
  return {
    type: 'candle', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: (openS + 1) * S - 1, localTs: 0,
    timeframe: '1s', openTs: openS * S, open: '1', high: '1', low: '1', close: '1', volume: synthetic ? '0' : '1',
    trades: synthetic ? 0 : 1, synthetic, closed,
  };
}

describe('watchedSpans', () => {
  it('connect → disconnect, with a reconnect outage and a rotation overlap', () => {
    expect(watchedSpans([
      row(0, 'run_start'), row(1, 'state', 'CONNECTING', 'connection connId=1'), conn(2, 'CONNECTED', 1),
      conn(10, 'RECONNECTING', 1), conn(13, 'CONNECTED', 1),
      conn(20, 'CONNECTED', 2), conn(21, 'DISCONNECTED', 1), // rotation: the new socket is up before the old one goes
      row(30, 'state', 'STOPPED', 'book stopped'), conn(31, 'DISCONNECTED', 2), row(31, 'run_stop'),
    ])).toEqual([[2 * S, 10 * S], [13 * S, 31 * S]]);
  });

  it('a closed trading window is not watched; a crash is watched until the next run; an open run never ends', () => {
    expect(watchedSpans([
      row(0, 'run_start'), conn(1, 'CONNECTED', 1), row(5, 'window_close'), row(8, 'window_open'),
      row(20, 'run_start'), conn(22, 'CONNECTED', 1),
    ])).toEqual([[1 * S, 5 * S], [8 * S, 20 * S], [22 * S, Infinity]]);
  });

  it('reads the events CSV columns', () => {
    expect(ledgerRowOf(['5', '100', '200', 'connect', 'CONNECTED', 'connection connId=1'])).toEqual({ localTs: 200, kind: 'connect', state: 'CONNECTED', detail: 'connection connId=1' });
    expect(ledgerRowOf(['5', '100'])).toBeUndefined();
  });
});

describe('completeBars', () => {
  const candles = [candle(2), candle(3), candle(4, true, true), candle(5), candle(6), candle(9), candle(10), candle(11, false)];

  it('keeps bars wholly inside a span shrunk by the margin; counts the partial ones with trades', () => {
    // watched 2.5 … 7.5 and 9.2 … ∞; margin 0.5 s → 3 … 7 and 9.7 … ∞
    const r = completeBars(candles, S, [[2.5 * S, 7.5 * S], [9.2 * S, Infinity]], 0.5 * S);
    expect(r.bars.map((b) => b.ts / S)).toEqual([3, 4, 5, 6, 10]);
    expect(r.bars[1].synthetic).toBe(true); // nothing traded while watched: a real (flat) local bar
    expect(r.partial.map((t) => t / S)).toEqual([2, 9, 11]); // the recorder started inside 2 and 9; 11 is still open
  });

  it('without a ledger: every closed bar but the first', () => {
    const r = completeBars(candles, S, undefined);
    expect(r.bars.map((b) => b.ts / S)).toEqual([3, 4, 5, 6, 9, 10]);
    expect(r.partial.map((t) => t / S)).toEqual([2, 11]);
  });
});
