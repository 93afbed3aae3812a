// Live candles: bars by exchange time, closed by the next bar's trade or by the timer on silence
// (fake clock), flat synthetic bars for quiet periods, holes for outages, exact volumes, and the
// real BitMEX 1-second bar oracle from tardis-node's compute snapshot.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Candle, Trade } from '../core/events.js';
import { Candle as CandleSchema } from '../core/events.js';
import { TRADES_HEADER, tradeRow } from '../storage/csv.js';
import { FIXTURES } from '../../test/fixtures.js';
import { LiveCandles, candlesFromTradesFiles } from './live-candles.js';

const S = 1_000_000; // 1 s in µs
const T0 = 1_767_225_600 * S; // 2026-01-01T00:00:00Z

function trade(ts: number, price: string, amount: string, localTs = ts + 5_000, id = String(ts)): Trade {
  return { type: 'trade', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts, localTs, id, price, amount, side: 'buy' };
}

function collect(timeframes: string[], now?: () => number): { live: LiveCandles; out: Candle[] } {
  const out: Candle[] = [];
  const live = new LiveCandles({ timeframes, emit: (c) => out.push(c), now });
  return { live, out };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('LiveCandles from trades', () => {
  it.each(['0s', '7m', '2d', '1w'])('refuses the timeframe %j up front with a usage error', (tf) => {
    expect(() => collect(['1s', tf])).toThrow(/MF_ERR_USAGE: timeframe .* is not supported/);
  });

  it('closes a bar when a trade of a later bar arrives, by exchange time, with exact OHLCV', () => {
    const { live, out } = collect(['1s', '1m']);
    // local receive times are far off: the bars must follow ts, not localTs
    live.onEvent(trade(T0 + 100_000, '100.5', '0.1', T0 + 9 * S));
    live.onEvent(trade(T0 + 200_000, '101.25', '0.2', T0 + 9 * S));
    live.onEvent(trade(T0 + 300_000, '99.75', '0.00000001', T0 + 9 * S));
    live.onEvent(trade(T0 + 900_000, '100', '1', T0 + 9 * S));
    expect(out).toEqual([]);
    live.onEvent(trade(T0 + S + 1, '102', '3', T0 + 9 * S));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      type: 'candle', timeframe: '1s', openTs: T0, ts: T0 + S - 1, open: '100.5', high: '101.25', low: '99.75', close: '100',
      volume: '1.30000001', trades: 4, synthetic: false, closed: true,
    });
    expect(CandleSchema.safeParse(out[0]).success).toBe(true);
  });

  it('fills quiet periods between two trades with flat synthetic bars at the last close', () => {
    const { live, out } = collect(['1s']);
    live.onEvent(trade(T0 + 500_000, '10.5', '2'));
    live.onEvent(trade(T0 + 3 * S + 1, '11', '1'));
    expect(out.map((c) => [c.openTs - T0, c.open, c.high, c.low, c.close, c.volume, c.trades, c.synthetic])).toEqual([
      [0, '10.5', '10.5', '10.5', '10.5', '2', 1, false],
      [S, '10.5', '10.5', '10.5', '10.5', '0', 0, true],
      [2 * S, '10.5', '10.5', '10.5', '10.5', '0', 0, true],
    ]);
    expect(live.stats).toMatchObject({ trades: 2, bars: 3, syntheticBars: 2 });
  });

  it('counts a trade stamped in an already closed bar as late, and still adds it to a longer bar', () => {
    const { live, out } = collect(['1s', '1m']);
    live.onEvent(trade(T0 + 100, '1', '1'));
    live.onEvent(trade(T0 + S + 100, '2', '1'));
    live.onEvent(trade(T0 + 200, '3', '1')); // belongs to the closed first second
    live.flushOpen();
    expect(live.stats.lateTrades).toBe(1);
    const minute = out.find((c) => c.timeframe === '1m')!;
    expect(minute).toMatchObject({ trades: 3, high: '3', volume: '3', closed: false });
  });
});

describe('LiveCandles on silence (fake timers)', () => {
  it('closes the bar when the estimated exchange time passes its end, then emits empty bars', () => {
    vi.useFakeTimers();
    let local = T0 + 50 * S;
    const { live, out } = collect(['1s'], () => local);
    // the exchange clock runs 2 s behind ours (offset = ts - localTs = -2 s)
    live.onEvent(trade(T0 + 48 * S + 400_000, '50', '1', local));
    live.start();
    // exchange ≈ 48.9 s: the bar 48 s…49 s is still open
    local += 500_000;
    vi.advanceTimersByTime(500);
    expect(out).toEqual([]);
    // exchange ≈ 49.3 s, past the end + 250 ms close delay
    local += 400_000;
    vi.advanceTimersByTime(250);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ openTs: T0 + 48 * S, close: '50', trades: 1, synthetic: false, closed: true });
    // three silent seconds: three flat synthetic bars, one per second
    for (let i = 0; i < 12; i++) {
      local += 250_000;
      vi.advanceTimersByTime(250);
    }
    expect(out.map((c) => (c.openTs - T0) / S)).toEqual([48, 49, 50, 51]);
    expect(out.slice(1).every((c) => c.synthetic && c.trades === 0 && c.volume === '0' && c.open === '50' && c.high === '50')).toBe(true);
    live.stop();
    local += 10 * S;
    vi.advanceTimersByTime(10_000);
    expect(out).toHaveLength(4);
  });

  it('does not fill an outage: bars overlapping it are dropped and counted as blind', () => {
    vi.useFakeTimers();
    let local = T0;
    const { live, out } = collect(['1s'], () => local);
    const status = (state: 'RECONNECTING' | 'CONNECTED') => live.onEvent({
      type: 'status', scope: 'connection', state, venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: local, localTs: local,
    });
    live.start();
    live.onEvent(trade(T0 + 100_000, '7', '1', local));
    local += 1_300_000;
    vi.advanceTimersByTime(1300);
    expect(out.map((c) => c.openTs - T0)).toEqual([0]);
    status('RECONNECTING'); // at 1.3 s, inside the bar 1 s…2 s
    local += 3 * S;
    vi.advanceTimersByTime(3000);
    expect(out).toHaveLength(1); // no bars while blind
    status('CONNECTED'); // 4.3 s
    local += 1_200_000; // 5.5 s
    vi.advanceTimersByTime(1200);
    live.onEvent(trade(T0 + 5_500_000, '8', '1', local));
    local += S; // 6.5 s: the bar 5 s…6 s began before the first trade after the outage
    vi.advanceTimersByTime(1000);
    local += S;
    vi.advanceTimersByTime(1000);
    expect(out.map((c) => (c.openTs - T0) / S)).toEqual([0, 6]);
    expect(out[1]).toMatchObject({ open: '8', synthetic: true });
    expect(live.stats.blindBars).toBeGreaterThanOrEqual(5);
    live.stop();
  });
});

describe('candles from recorded trades files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-candles-'));

  it('reads multi-member gzip day files in order and leaves the last bar open', async () => {
    const rows = (ts: number[]) => ts.map((t, i) => tradeRow(trade(t, String(100 + i), '0.5'))).join('');
    const day1 = join(dir, 'trades_BTCUSDT_20260101.csv.gz');
    const day2 = join(dir, 'trades_BTCUSDT_20260102.csv.gz');
    writeFileSync(day1, Buffer.concat([gzipSync(TRADES_HEADER + rows([T0 + 10, T0 + 20])), gzipSync(rows([T0 + 61 * S]))]));
    writeFileSync(day2, gzipSync(TRADES_HEADER + rows([T0 + 125 * S])));
    const r = await candlesFromTradesFiles([day1, day2], { venue: 'binance', symbol: 'BTC/USDT', timeframes: ['1m'] });
    expect(r.rows).toBe(4);
    expect(r.truncated).toBe(false);
    expect(r.candles.map((c) => [(c.openTs - T0) / S, c.trades, c.volume, c.synthetic, c.closed])).toEqual([
      [0, 2, '1', false, true],
      [60, 1, '0.5', false, true],
      [120, 1, '0.5', false, false],
    ]);
  });

  it('uses the rows before a damaged final gzip member and says it was truncated', async () => {
    const path = join(dir, 'trades_BTCUSDT_20260103.csv.gz');
    const good = gzipSync(TRADES_HEADER + tradeRow(trade(T0 + 1, '5', '1')));
    const cut = gzipSync(tradeRow(trade(T0 + 2, '6', '1'))).subarray(0, 15);
    writeFileSync(path, Buffer.concat([good, cut]));
    const r = await candlesFromTradesFiles([path], { venue: 'binance', symbol: 'BTC/USDT', timeframes: ['1s'] });
    expect(r.truncated).toBe(true);
    expect(r.rows).toBe(1);
    expect(r.candles[0]).toMatchObject({ close: '5', closed: false });
  });

  it('refuses a file that is not a trades file', async () => {
    const path = join(dir, 'book.csv.gz');
    writeFileSync(path, gzipSync('timestamp,local_timestamp,update_id\n1,2,3\n'));
    await expect(candlesFromTradesFiles([path], { venue: 'binance', symbol: 'BTC/USDT', timeframes: ['1s'] })).rejects.toThrow(/not a trades file/);
  });
});

describe('against tardis-node trade_bar_1000ms on real BitMEX trades', () => {
  /** ISO time with up to 6 fraction digits → epoch µs. */
  const us = (iso: string): number => {
    const m = /\.(\d+)Z$/.exec(iso);
    const frac = m ? m[1].padEnd(6, '0') : '000000';
    return Math.floor(Date.parse(iso) / 1000) * S + Number(frac);
  };

  it('gives the same OHLCV and trade counts for every bar tardis closed', () => {
    const block = 'compute(messages, types) should compute requested types based on replayNormalized iterables 1';
    const lines = gunzipSync(readFileSync(join(FIXTURES, 'tardis', 'compute.test.ts.snap.jsonl.gz'))).toString().split('\n');
    const out: Candle[] = [];
    const live = new LiveCandles({ timeframes: ['1s'], emit: (c) => out.push(c) });
    const want: Record<string, number>[] = [];
    for (const line of lines) {
      if (line === '') continue;
      const row = JSON.parse(line) as { snapshot: string; value: Record<string, unknown> };
      if (row.snapshot !== block) continue;
      const v = row.value;
      if (v.type === 'trade') {
        live.addTrade('bitmex', 'BTC/USD:BTC', 'XBTUSD', String(v.price), String(v.amount), us(v.timestamp as string), us(v.localTimestamp as string));
      } else if (v.type === 'trade_bar' && v.name === 'trade_bar_1000ms') {
        want.push({ openTs: us(v.timestamp as string) - S, open: v.open as number, high: v.high as number, low: v.low as number, close: v.close as number, volume: v.volume as number, trades: v.trades as number });
      }
    }
    expect(want).toHaveLength(33);
    const real = out.filter((c) => !c.synthetic);
    const got = real.slice(0, want.length).map((c) => ({
      openTs: c.openTs, open: Number(c.open), high: Number(c.high), low: Number(c.low), close: Number(c.close), volume: Number(c.volume), trades: c.trades,
    }));
    expect(got).toEqual(want);
    // tardis makes no empty bars; ours fill the quiet seconds between them, flat at the last close
    for (const c of out.filter((x) => x.synthetic)) expect(c.open).toBe(c.close);
  });
});
