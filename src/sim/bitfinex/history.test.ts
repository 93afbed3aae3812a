// Bitfinex's history routes against the market model: candles hist/last and trades hist with
// inclusive start/end, sort, the 10,000 cap, the [MTS, OPEN, CLOSE, HIGH, LOW, VOLUME] order,
// the conf lists loadMarkets reads, and the ["error",10020,…] bodies.
import { describe, expect, it } from 'vitest';
import { maintenanceHalts } from '../candles.js';
import { MIN, SEED, params, tradedSymbol } from '../history-fixture.js';
import type { SymbolState } from '../symbol-state.js';
import { bitfinexRest } from './rest.js';
import { bfxAmount, bfxPrice } from './wire.js';
import { bitfinexHistory } from './history.js';

const { s, nowMs } = tradedSymbol('bitfinex', 'BTC/USD', 100);
const usdt = tradedSymbol('bitfinex', 'ETH/USDT', 1).s;
const symbols = new Map<string, SymbolState>([['tBTCUSD', s], ['tETHUST', usdt]]);
const call = (path: string, q: Record<string, string | number> = {}): { status: number; body: any } => {
  const r = bitfinexHistory(symbols, path, params(q), nowMs)!;
  return { status: r.status, body: JSON.parse(r.body) };
};
const ok = (path: string, q: Record<string, string | number> = {}): any[] => {
  const r = call(path, q);
  expect(r.status).toBe(200);
  return r.body;
};
const HIST = '/v2/candles/trade:1m:tBTCUSD/hist';
const currentMinute = Math.floor(nowMs / MIN) * MIN;

describe('candles', () => {
  it('the newest 100 by default, newest first, [MTS, OPEN, CLOSE, HIGH, LOW, VOLUME] from the model', () => {
    const rows = ok(HIST);
    expect(rows).toHaveLength(100);
    expect(rows[0][0]).toBe(currentMinute);
    const f = s.fmt;
    for (const r of rows) {
      const c = s.candles.range(r[0], r[0] + MIN, nowMs, true)!;
      expect(r).toEqual([r[0], Number(bfxPrice(f, c.openTicks)), Number(bfxPrice(f, c.closeTicks)), Number(bfxPrice(f, c.highTicks)), Number(bfxPrice(f, c.lowTicks)), Number(bfxAmount(f, c.volLots, false))]);
    }
  });

  it('sort=1 from start, end inclusive, halted minutes absent; the 10,000 cap', () => {
    const [a, b] = maintenanceHalts(SEED, currentMinute - 12 * 60 * MIN, currentMinute - 60 * MIN)[0];
    const start = a - 5 * MIN;
    const end = b + 4 * MIN;
    const rows = ok(HIST, { start, end, sort: 1, limit: 1000 });
    const want: number[] = [];
    for (let t = start; t <= end; t += MIN) if (t < a || t >= b) want.push(t);
    expect(rows.map((r) => r[0])).toEqual(want);
    expect(ok(HIST, { start, sort: 1, limit: 3 }).map((r) => r[0])).toEqual(want.slice(0, 3));
    expect(ok(HIST, { end, limit: 2 }).map((r) => r[0])).toEqual([end, end - MIN]);
    expect(ok(HIST, { start: currentMinute - 20_000 * MIN, sort: 1, limit: 20_000 })).toHaveLength(10_000);
  });

  it('…/last is the newest bar alone; other timeframes', () => {
    expect(ok('/v2/candles/trade:1m:tBTCUSD/last')).toEqual(ok(HIST, { limit: 1 })[0]);
    const h3 = ok('/v2/candles/trade:3h:tBTCUSD/hist', { limit: 2 });
    expect(h3[0][0] % (3 * 60 * MIN)).toBe(0);
    expect(h3[0][0] - h3[1][0]).toBe(3 * 60 * MIN);
    expect(ok('/v2/candles/trade:1D:tBTCUSD/hist', { limit: 1 })[0][0]).toBe(Date.UTC(2026, 0, 15));
    expect(ok('/v2/candles/trade%3A1m%3AtBTCUSD/hist', { limit: 1 })).toEqual(ok(HIST, { limit: 1 })); // encoded colons
  });

  it.each([
    ['/v2/candles/trade:2m:tBTCUSD/hist', {}, 'time frame: invalid'],
    ['/v2/candles/trade:1m:tDOGEUSD/hist', {}, 'symbol: invalid'],
    [HIST, { limit: 'lots' }, 'limit: invalid'],
    [HIST, { start: '-5' }, 'start: invalid'],
    [HIST, { sort: 2 }, 'sort: invalid'],
  ])('%s %j → HTTP 500 ["error",10020,"%s"]', (path, q, msg) => {
    expect(call(path, q)).toEqual({ status: 500, body: ['error', 10020, msg] });
  });
});

describe('trades', () => {
  const all = s.candles.trades();

  it('the newest 125 by default, newest first, [ID, MTS, AMOUNT, PRICE], sells negative', () => {
    const rows = ok('/v2/trades/tBTCUSD/hist');
    expect(rows.map((r) => r[0])).toEqual(all.slice(-125).map((t) => t.id).reverse());
    for (const r of rows) {
      const t = all.find((x) => x.id === r[0])!;
      expect(r).toEqual([t.id, t.timeMs, Number(bfxAmount(s.fmt, t.lots, t.buyerMaker)), Number(bfxPrice(s.fmt, t.ticks))]);
    }
    expect(rows.some((r) => r[2] < 0) && rows.some((r) => r[2] > 0)).toBe(true);
  });

  it('start/end inclusive with sort=1; paging forward from the last ms visits every trade', () => {
    const mid = all[Math.floor(all.length / 2)].timeMs;
    const win = ok('/v2/trades/tBTCUSD/hist', { start: mid, end: mid + 500, sort: 1, limit: 10_000 });
    expect(win.map((r) => r[0])).toEqual(all.filter((t) => t.timeMs >= mid && t.timeMs <= mid + 500).map((t) => t.id));
    const seen = new Set<number>();
    let start = all[0].timeMs;
    for (let n = 0; n < 500; n++) {
      const page = ok('/v2/trades/tBTCUSD/hist', { start, sort: 1, limit: 50 });
      for (const r of page) seen.add(r[0]);
      if (page.length < 50) break;
      start = page.at(-1)[1];
    }
    expect([...seen].sort((a, b) => a - b)).toEqual(all.map((t) => t.id));
  });
});

describe('conf', () => {
  it('the lists ccxt loadMarkets asks for, in order; UST for USDT', () => {
    const markets = ok('/v2/conf/pub:info:pair,pub:info:pair:futures,pub:list:pair:securities,pub:list:pair:margin');
    expect(markets).toHaveLength(4);
    expect(markets[0].map((p: any[]) => p[0])).toEqual(['BTCUSD', 'ETHUST']);
    expect(markets[0][0][1][3]).toBe(s.fmt.stepSize());
    expect(markets.slice(1)).toEqual([[], [], ['BTCUSD', 'ETHUST']]);
    const currencies = ok('/v2/conf/pub:list:currency,pub:map:currency:sym,pub:map:currency:label');
    expect(currencies).toEqual([['BTC', 'USD', 'ETH', 'UST'], [['UST', 'USDt']], [['BTC', 'BTC'], ['USD', 'USD'], ['ETH', 'ETH'], ['UST', 'UST']]]);
    expect(call('/v2/conf/pub:list:nothing')).toEqual({ status: 500, body: ['error', 10020, 'config: invalid (pub:list:nothing)'] });
  });

  it('pub:list:pair:exchange answers as the existing route does', () => {
    const path = '/v2/conf/pub:list:pair:exchange';
    expect(bitfinexHistory(symbols, path, params({}), nowMs)!.body).toBe(bitfinexRest(symbols, path, params({})).body);
  });
});
