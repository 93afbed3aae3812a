// REST history through ccxt against the simulator on 127.0.0.1, behind a small proxy that counts
// requests per path and injects 5xx / 429 responses.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trade } from '../core/events.js';
import { startSim, type SimHandle } from '../sim/index.js';
import type { Bar } from './bar.js';
import { fetchCandles, fetchTrades } from './fetch.js';
import { syncCandles, type DayRecord, type DayStore } from './sync.js';
import { barOpen } from './timeframe.js';
import { clearVenueCache, VenueClient } from './venue-client.js';

interface Proxy {
  url: string;
  hits: Map<string, number>;
  /** Responses to send instead of forwarding, consumed one per request. */
  faults: Array<{ status: number; headers?: Record<string, string>; body?: string }>;
  server: Server;
}

async function startProxy(target: string): Promise<Proxy> {
  const proxy: Proxy = { url: '', hits: new Map(), faults: [], server: undefined as unknown as Server };
  proxy.server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    proxy.hits.set(path, (proxy.hits.get(path) ?? 0) + 1);
    const fault = proxy.faults.shift();
    if (fault) {
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(fault.body ?? '{"code":-1001,"msg":"Internal error"}');
      return;
    }
    fetch(target + req.url).then(async (r) => {
      res.writeHead(r.status, { 'content-type': 'application/json' });
      res.end(await r.text());
    }, () => res.destroy());
  });
  await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
  const addr = proxy.server.address();
  proxy.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return proxy;
}

const MIN = 60_000;
let sim: SimHandle;
let proxy: Proxy;
const delays: number[] = [];

function open(): Promise<VenueClient> {
  return VenueClient.open({
    venue: 'binance', restUrl: proxy.url, rateLimit: false,
    hooks: { sleep: async (ms) => void delays.push(ms) }, // records the backoff instead of waiting it out
  });
}

class MemoryStore<T> implements DayStore<T> {
  readonly days = new Map<string, DayRecord<T>>();
  async read(day: string): Promise<DayRecord<T>> {
    const r = this.days.get(day);
    return r ? { rows: [...r.rows], coverage: r.coverage.map((x) => [...x] as [number, number]) } : { rows: [], coverage: [] };
  }
  async write(day: string, rec: DayRecord<T>): Promise<void> {
    this.days.set(day, rec);
  }
}

beforeAll(async () => {
  sim = await startSim({ symbols: ['BTC/USDT', 'ETH/USDT'], seed: 7, diffIntervalMs: 5 });
  proxy = await startProxy(sim.restUrl);
});
afterAll(async () => {
  proxy.server.close();
  await sim.stop();
});

describe('VenueClient over the simulator', () => {
  it('baseline: 1,500 one-minute BTC/USDT bars, 2 pages of ≤ 1000, exact count, no duplicates, contiguous', async () => {
    clearVenueCache();
    proxy.hits.clear();
    const client = await open();
    const market = client.market('BTC/USDT');
    expect(client.ohlcvPageLimit(market)).toBe(1000);
    const fromMs = barOpen(Date.now(), MIN) - 3 * 1440 * MIN;
    const { items, pages } = await fetchCandles(client, { market, timeframe: '1m', fromMs, toMs: fromMs + 1500 * MIN });
    expect(pages).toBe(2);
    expect(proxy.hits.get('/api/v3/klines')).toBe(2);
    expect(items).toHaveLength(1500);
    expect(new Set(items.map((b) => b.ts)).size).toBe(1500);
    items.forEach((b, i) => expect(b.ts).toBe((fromMs + i * MIN) * 1000));
    for (const b of items) {
      expect(Number(b.high)).toBeGreaterThanOrEqual(Math.max(Number(b.open), Number(b.close)));
      expect(Number(b.low)).toBeLessThanOrEqual(Math.min(Number(b.open), Number(b.close)));
      expect(b.open).toMatch(/^\d+\.\d{8}$/); // the venue's exact text, not a float's
      expect(b.trades).toBeGreaterThan(0);
    }
    // markets were loaded once and are cached per venue: a second client costs no exchangeInfo
    const infoCalls = proxy.hits.get('/api/v3/exchangeInfo');
    expect(infoCalls).toBe(1);
    await open();
    expect(proxy.hits.get('/api/v3/exchangeInfo')).toBe(infoCalls);
  });

  it('100,000 one-minute bars: 100 pages, every minute once', async () => {
    const client = await open();
    proxy.hits.clear();
    const market = client.market('ETH/USDT');
    const fromMs = barOpen(Date.now(), MIN) - 100_000 * MIN - 60 * MIN;
    const { items, pages } = await fetchCandles(client, { market, timeframe: '1m', fromMs, toMs: fromMs + 100_000 * MIN });
    expect(pages).toBe(100);
    expect(items).toHaveLength(100_000);
    expect(items[99_999].ts - items[0].ts).toBe(99_999 * MIN * 1000);
  });

  it('retries injected 503s and a 429 with Retry-After, then succeeds', async () => {
    const client = await open();
    const market = client.market('BTC/USDT');
    delays.length = 0;
    proxy.hits.clear();
    proxy.faults.push({ status: 503 }, { status: 500 }, { status: 429, headers: { 'retry-after': '3' }, body: '{"code":-1003,"msg":"Too many requests"}' });
    const before = client.stats.retries;
    const fromMs = barOpen(Date.now(), MIN) - 1000 * MIN;
    const { items } = await fetchCandles(client, { market, timeframe: '1m', fromMs, toMs: fromMs + 10 * MIN });
    expect(items).toHaveLength(10);
    expect(proxy.hits.get('/api/v3/klines')).toBe(4);
    expect(client.stats.retries - before).toBe(3);
    expect(delays).toEqual([500, 1000, 3000]); // backoff, backoff, then the venue's Retry-After
  });

  it('gives up after 3 retries with MF_ERR_HTTP, and never retries a 4xx usage error', async () => {
    const client = await open();
    const market = client.market('BTC/USDT');
    delays.length = 0;
    proxy.hits.clear();
    proxy.faults.push({ status: 502 }, { status: 502 }, { status: 502 }, { status: 502 });
    const fromMs = barOpen(Date.now(), MIN) - 1000 * MIN;
    await expect(fetchCandles(client, { market, timeframe: '1m', fromMs, toMs: fromMs + MIN })).rejects.toMatchObject({ code: 'MF_ERR_HTTP' });
    expect(proxy.hits.get('/api/v3/klines')).toBe(4);
    expect(delays).toEqual([500, 1000, 2000]);
    proxy.faults.push({ status: 400, body: '{"code":-1100,"msg":"Illegal characters found in parameter"}' });
    await expect(fetchCandles(client, { market, timeframe: '1m', fromMs, toMs: fromMs + MIN })).rejects.toMatchObject({ code: 'MF_ERR_USAGE' });
    expect(proxy.hits.get('/api/v3/klines')).toBe(5);
  });

  it('an unlisted symbol is MF_ERR_UNKNOWN_SYMBOL, an unknown venue MF_ERR_UNKNOWN_VENUE', async () => {
    const client = await open();
    expect(() => client.market('DOGE/USDT')).toThrow(/MF_ERR_UNKNOWN_SYMBOL: binance DOGE\/USDT: the venue does not list DOGE\/USDT; expected one of BTC\/USDT, ETH\/USDT/);
    expect(client.market('BTCUSDT').symbol).toBe('BTC/USDT'); // the native id works too
    await expect(VenueClient.open({ venue: 'nosuchvenue' })).rejects.toMatchObject({ code: 'MF_ERR_UNKNOWN_VENUE' });
  });

  it('measures the clock offset to the venue', async () => {
    const client = await open();
    const sync = await client.clockSync();
    expect(sync).toBeDefined();
    expect(Math.abs(sync!.offsetMs)).toBeLessThan(1000);
    expect(sync!.roundTripMs).toBeGreaterThanOrEqual(0);
  });

  it('trades: paginated aggTrades, oldest first, unique, with exact text', async () => {
    const client = await open();
    const market = client.market('BTC/USDT');
    // wait (on a busy machine too) until the simulator has traded enough for several pages
    let recent: Array<{ a: number; T: number; p: string }> = [];
    for (const deadline = Date.now() + 15_000; recent.length <= 150 && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 200));
      recent = await fetch(`${sim.restUrl}/api/v3/aggTrades?symbol=BTCUSDT&limit=1000`).then((r) => r.json() as Promise<Array<{ a: number; T: number; p: string }>>);
    }
    expect(recent.length).toBeGreaterThan(150);
    const fromMs = recent[0].T;
    const toMs = recent[recent.length - 1].T; // exclusive
    const expected = recent.filter((t) => t.T < toMs);
    proxy.hits.clear();
    const { items, pages } = await fetchTrades(client, { market, fromMs, toMs, pageLimit: 50 });
    expect(items.map((t: Trade) => t.id)).toEqual(expected.map((t) => String(t.a)));
    expect(items.map((t) => t.price)).toEqual(expected.map((t) => t.p));
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(expected.length / 50));
    expect(proxy.hits.get('/api/v3/aggTrades')).toBe(pages);
  });
});

describe('syncCandles (resume, gap fill)', () => {
  it('a re-run fetches nothing; a longer range fetches only the missing tail', async () => {
    const client = await open();
    const store = new MemoryStore<Bar>();
    const dayStart = barOpen(Date.now(), 86_400_000) - 3 * 86_400_000;
    const opts = { symbol: 'BTC/USDT', timeframe: '1m', fill: true, fromMs: dayStart + 60 * MIN, toMs: dayStart + 1560 * MIN };
    const first = await syncCandles(client, store, opts);
    expect(first.fetched).toBe(1500);
    expect(first.daysWritten).toHaveLength(2); // 1,500 minutes from 01:00 cross midnight
    expect([...store.days.values()].reduce((n, d) => n + d.rows.length, 0)).toBe(1500);
    proxy.hits.clear();
    const again = await syncCandles(client, store, opts);
    expect(again.fetchedRanges).toEqual([]);
    expect(proxy.hits.get('/api/v3/klines')).toBeUndefined();
    const tail = await syncCandles(client, store, { ...opts, toMs: opts.toMs + 30 * MIN });
    expect(tail.fetchedRanges).toEqual([[opts.toMs, opts.toMs + 30 * MIN]]);
    expect(tail.fetched).toBe(30);
    expect(proxy.hits.get('/api/v3/klines')).toBe(1);
  });

  it('fills holes the venue leaves (here: bars removed from the venue answer) with synthetic bars', async () => {
    const client = await open();
    const market = client.market('BTC/USDT');
    const fromMs = barOpen(Date.now(), MIN) - 2000 * MIN;
    const real = (await fetchCandles(client, { market, timeframe: '1m', fromMs, toMs: fromMs + 10 * MIN })).items;
    const holed = real.filter((_, i) => i !== 4 && i !== 5); // a 3-minute step: 2 bars missing
    const store = new MemoryStore<Bar>();
    // The venue's answer with a hole: serve it through a store that already covers the range.
    const day = new Date(fromMs).toISOString().slice(0, 10).replace(/-/g, '');
    store.days.set(day, { rows: holed, coverage: [] });
    const withFill = await syncCandles(client, { read: (d) => store.read(d), write: (d, r) => store.write(d, r) }, {
      symbol: 'BTC/USDT', timeframe: '1m', fill: true, fromMs: fromMs + 10 * MIN, toMs: fromMs + 11 * MIN,
    });
    expect(withFill.fetched).toBe(1);
    const rows = store.days.get(day)!.rows;
    const synthetic = rows.filter((b) => b.synthetic);
    expect(synthetic.map((b) => (b.ts / 1000 - fromMs) / MIN)).toEqual([4, 5]);
    expect(synthetic[0]).toMatchObject({ open: real[3].close, high: real[3].close, low: real[3].close, close: real[3].close, volume: '0', trades: 0 });
  });
});
