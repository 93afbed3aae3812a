// Kraken's history routes against the market model: OHLC's 720-bar window and exclusive `since`,
// Trades' exclusive ns cursor and count limit, Assets, and the error bodies.
import { describe, expect, it } from 'vitest';
import { maintenanceHalts } from '../candles.js';
import { vwapTicks } from '../history.js';
import { MIN, SEED, params, tradedSymbol } from '../history-fixture.js';
import { krakenHistory } from './history.js';

const { s, nowMs } = tradedSymbol('kraken', 'BTC/USD', 100);
const states = [s];
const get = (path: string, q: Record<string, string | number>): any => {
  const r = krakenHistory(states, path, params(q), nowMs)!;
  expect(r.status).toBe(200);
  return JSON.parse(r.body);
};
const currentMinute = Math.floor(nowMs / MIN) * MIN;

describe('GET /0/public/OHLC', () => {
  it('the 720 most recent minutes, oldest first, the open one last; halted minutes absent; rows from the model', () => {
    const body = get('/0/public/OHLC', { pair: 'XXBTZUSD', interval: 1 });
    expect(body.error).toEqual([]);
    const rows: any[][] = body.result.XXBTZUSD;
    const oldest = currentMinute - 719 * MIN;
    const halted = maintenanceHalts(SEED, oldest, currentMinute).reduce((n, [a, b]) => n + (b - a) / MIN, 0);
    expect(halted).toBeGreaterThan(0);
    expect(rows).toHaveLength(720 - halted);
    expect(rows[0][0]).toBeGreaterThanOrEqual(oldest / 1000);
    expect(rows.at(-1)![0]).toBe(currentMinute / 1000);
    for (const r of rows) {
      expect(s.candles.halted(r[0] * 1000)).toBe(false);
      const c = s.candles.range(r[0] * 1000, r[0] * 1000 + MIN, nowMs, true)!;
      const f = s.fmt;
      expect(r).toEqual([r[0], f.price(c.openTicks), f.price(c.highTicks), f.price(c.lowTicks), f.price(c.closeTicks), f.price(vwapTicks(c)), f.qty(c.volLots), c.trades]);
    }
    expect(body.result.last).toBe(rows.at(-2)![0]); // the newest committed bar
  });

  it('since is exclusive and cannot reach past the window; other names of the pair work', () => {
    const since = currentMinute / 1000 - 30 * 60;
    const rows: any[][] = get('/0/public/OHLC', { pair: 'XBTUSD', interval: 1, since }).result.XXBTZUSD;
    expect(rows[0][0]).toBeGreaterThan(since);
    expect(rows[0][0]).toBeLessThanOrEqual(since + 4 * 60); // at most a halt between
    const old = get('/0/public/OHLC', { pair: 'XBT/USD', interval: 1, since: since - 86_400 }).result.XXBTZUSD;
    expect(old[0][0]).toBeGreaterThanOrEqual(currentMinute / 1000 - 719 * 60);
    const hours: any[][] = get('/0/public/OHLC', { pair: 'XXBTZUSD', interval: 60 }).result.XXBTZUSD;
    expect(hours).toHaveLength(720); // no hour is halted whole
    expect(hours[1][0] - hours[0][0]).toBe(3600);
  });

  it.each([
    [{ interval: 1 }, 'EGeneral:Invalid arguments:pair'],
    [{ pair: 'DOGEUSD', interval: 1 }, 'EQuery:Unknown asset pair'],
    [{ pair: 'XXBTZUSD', interval: 7 }, 'EGeneral:Invalid arguments:interval'],
    [{ pair: 'XXBTZUSD', interval: 1, since: 'yesterday' }, 'EGeneral:Invalid arguments:since'],
  ])('%j → %s', (q, error) => {
    expect(get('/0/public/OHLC', q)).toEqual({ error: [error] });
  });
});

describe('GET /0/public/Trades', () => {
  const all = s.candles.trades();
  const ns = (i: number): bigint => {
    let k = 0;
    while (i - k - 1 >= 0 && all[i - k - 1].timeMs === all[i].timeMs) k++;
    return BigInt(all[i].timeMs) * 1_000_000n + BigInt(k);
  };

  it('without since: the newest 1000, oldest first, rows as Kraken writes them', () => {
    const body = get('/0/public/Trades', { pair: 'XXBTZUSD' });
    const rows: any[][] = body.result.XXBTZUSD;
    expect(all.length).toBeGreaterThan(1500);
    expect(rows).toHaveLength(1000);
    const newest = all.slice(-1000);
    rows.forEach((r, i) => {
      const t = newest[i];
      expect(r).toEqual([s.fmt.price(t.ticks), s.fmt.qty(t.lots), t.timeMs / 1000, t.buyerMaker ? 's' : 'b', 'm', '', t.id]);
    });
    expect(body.result.last).toBe(String(ns(all.length - 1)));
  });

  it('paging with `last` (exclusive ns) visits every trade once, also where trades share a millisecond', () => {
    const shared = all.findIndex((t, i) => i > 0 && all[i - 1].timeMs === t.timeMs);
    expect(shared).toBeGreaterThan(0);
    const seen: number[] = [];
    let since = String(BigInt(all[0].timeMs) * 1_000_000n - 1n);
    for (let n = 0; n < 100; n++) {
      const body = get('/0/public/Trades', { pair: 'XXBTZUSD', since, count: 37 });
      const rows: any[][] = body.result.XXBTZUSD;
      seen.push(...rows.map((r) => r[6]));
      if (rows.length < 37) break;
      since = body.result.last;
    }
    expect(seen).toEqual(all.map((t) => t.id));
  });

  it('since in seconds, with a fraction; the cursor of a shared millisecond', () => {
    const i = Math.floor(all.length / 2);
    const secs = (all[i].timeMs / 1000).toFixed(3);
    const rows: any[][] = get('/0/public/Trades', { pair: 'XXBTZUSD', since: secs, count: 5 }).result.XXBTZUSD;
    expect(rows[0][2] * 1000).toBeGreaterThan(all[i].timeMs); // a whole-ms `since` excludes that ms
    const j = all.findIndex((t, x) => x > 0 && all[x - 1].timeMs === t.timeMs) - 1;
    const after = get('/0/public/Trades', { pair: 'XXBTZUSD', since: String(ns(j)), count: 1 }).result.XXBTZUSD;
    expect(after[0][6]).toBe(all[j + 1].id);
  });

  it.each([
    [{ pair: 'XXBTZUSD', count: 1001 }, 'EGeneral:Invalid arguments:count'],
    [{ pair: 'XXBTZUSD', count: 0 }, 'EGeneral:Invalid arguments:count'],
    [{ pair: 'XXBTZUSD', since: '1.2.3' }, 'EGeneral:Invalid arguments:since'],
    [{ pair: 'NOPE' }, 'EQuery:Unknown asset pair'],
  ])('%j → %s', (q, error) => {
    expect(get('/0/public/Trades', q)).toEqual({ error: [error] });
  });
});

describe('GET /0/public/Assets', () => {
  it('the pairs\' assets with their decimals; a filter; an unknown asset', () => {
    const all = get('/0/public/Assets', {}).result;
    expect(all.XXBT).toMatchObject({ altname: 'XBT', decimals: 10, display_decimals: 5, status: 'enabled' });
    expect(all.ZUSD).toMatchObject({ altname: 'USD', decimals: 4, display_decimals: 2 });
    expect(Object.keys(get('/0/public/Assets', { asset: 'XBT' }).result)).toEqual(['XXBT']);
    expect(get('/0/public/Assets', { asset: 'DOGE' })).toEqual({ error: ['EQuery:Unknown asset'] });
  });

  it('other paths are not history routes', () => {
    expect(krakenHistory(states, '/0/public/AssetPairs', params({}), nowMs)).toBeUndefined();
  });
});
