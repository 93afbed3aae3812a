import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from './index.js';
import { makeInstrument } from './instruments.js';
import { SymbolState } from './symbol-state.js';

async function get(sim: SimHandle, path: string): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(sim.restUrl + path);
  return { status: res.status, body: await res.json(), headers: res.headers };
}

describe('spot REST', () => {
  let sim: SimHandle;
  beforeAll(async () => {
    sim = await startSim({ symbols: ['BTC/USDT', 'ETHUSDT'], seed: 1, diffIntervalMs: 20 });
  });
  afterAll(() => sim.stop());

  it('ping, time, weight header, 404', async () => {
    expect((await get(sim, '/api/v3/ping')).body).toEqual({});
    const t = await get(sim, '/api/v3/time');
    expect(Math.abs(t.body.serverTime - Date.now())).toBeLessThan(5000);
    expect(Number(t.headers.get('x-mbx-used-weight-1m'))).toBeGreaterThan(0);
    const missing = await get(sim, '/api/v3/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe(-1);
    expect((await get(sim, '/fapi/v1/ping')).status).toBe(404);
  });

  it('exchangeInfo lists symbols with filters, filters by symbol, rejects unknown', async () => {
    const all = await get(sim, '/api/v3/exchangeInfo');
    expect(all.body.timezone).toBe('UTC');
    expect(all.body.rateLimits[0]).toMatchObject({ rateLimitType: 'REQUEST_WEIGHT', limit: 6000 });
    expect(all.body.symbols.map((s: any) => s.symbol)).toEqual(['BTCUSDT', 'ETHUSDT']);
    const btc = all.body.symbols[0];
    expect(btc).toMatchObject({ status: 'TRADING', baseAsset: 'BTC', quoteAsset: 'USDT' });
    expect(btc.filters).toContainEqual(expect.objectContaining({ filterType: 'PRICE_FILTER', tickSize: '0.01000000' }));
    expect(btc.filters).toContainEqual(expect.objectContaining({ filterType: 'LOT_SIZE', stepSize: '0.00001000' }));
    expect((await get(sim, '/api/v3/exchangeInfo?symbol=ETHUSDT')).body.symbols).toHaveLength(1);
    expect(await get(sim, '/api/v3/exchangeInfo?symbol=XYZUSDT')).toMatchObject({ status: 400, body: { code: -1121, msg: 'Invalid symbol.' } });
  });

  it('depth: best first, default 100, capped, ids current', async () => {
    const d = await get(sim, '/api/v3/depth?symbol=BTCUSDT');
    expect(Object.keys(d.body)).toEqual(['lastUpdateId', 'bids', 'asks']);
    expect(d.body.bids).toHaveLength(100);
    expect(d.body.bids[0][0]).toMatch(/^\d+\.\d{8}$/);
    const bidPx = d.body.bids.map((l: string[]) => Number(l[0]));
    const askPx = d.body.asks.map((l: string[]) => Number(l[0]));
    expect([...bidPx].sort((a, b) => b - a)).toEqual(bidPx);
    expect([...askPx].sort((a, b) => a - b)).toEqual(askPx);
    expect(bidPx[0]).toBeLessThan(askPx[0]);
    expect(d.body.lastUpdateId).toBeGreaterThan(sim.truth.firstUpdateId('BTCUSDT'));
    expect(d.body.lastUpdateId).toBeLessThan(sim.truth.lastUpdateId('BTCUSDT') + 100);
    const deep = await get(sim, '/api/v3/depth?symbol=BTCUSDT&limit=5000');
    expect(deep.body.bids.length).toBeGreaterThanOrEqual(1000);
    expect(deep.headers.get('x-mbx-used-weight-1m')).not.toBeNull();
    expect(await get(sim, '/api/v3/depth?symbol=NOPE')).toMatchObject({ status: 400, body: { code: -1121 } });
    expect((await get(sim, '/api/v3/depth?symbol=BTCUSDT&limit=abc')).body.code).toBe(-1100);
  });

  it('klines: 12 columns, contiguous, deterministic synthetic history, paging by startTime', async () => {
    const k = await get(sim, '/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=5');
    expect(k.body).toHaveLength(5);
    for (const row of k.body) {
      expect(row).toHaveLength(12);
      expect(row[6]).toBe(row[0] + 59_999);
      expect(Number(row[2])).toBeGreaterThanOrEqual(Math.max(Number(row[1]), Number(row[4])));
      expect(Number(row[3])).toBeLessThanOrEqual(Math.min(Number(row[1]), Number(row[4])));
    }
    const start = k.body[0][0] - 10 * 3_600_000;
    const a = await get(sim, `/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=${start}&limit=3`);
    const b = await get(sim, `/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=${start}&limit=3`);
    expect(a.body).toEqual(b.body);
    expect(a.body[0][0]).toBeGreaterThanOrEqual(start);
    expect(a.body[1][0] - a.body[0][0]).toBe(3_600_000);
    expect(a.body[1][1]).toBe(a.body[0][4]); // open = previous close on the synthetic path
    expect((await get(sim, '/api/v3/klines?symbol=BTCUSDT&interval=7m')).body.code).toBe(-1120);
  });

  it('trades: recent, ordered, exact quoteQty', async () => {
    await new Promise((r) => setTimeout(r, 300));
    const t = await get(sim, '/api/v3/trades?symbol=BTCUSDT&limit=20');
    expect(t.body.length).toBeGreaterThan(0);
    for (let i = 1; i < t.body.length; i++) expect(t.body[i].id).toBe(t.body[i - 1].id + 1);
    const one = t.body[0];
    expect(Object.keys(one)).toEqual(['id', 'price', 'qty', 'quoteQty', 'time', 'isBuyerMaker', 'isBestMatch']);
    expect(Number(one.quoteQty)).toBeCloseTo(Number(one.price) * Number(one.qty), 6);
  });
});

describe('futures REST', () => {
  let sim: SimHandle;
  beforeAll(async () => {
    sim = await startSim({ venue: 'binance-futures', symbols: ['BTC/USDT:USDT'], seed: 2, diffIntervalMs: 20 });
  });
  afterAll(() => sim.stop());

  it('exchangeInfo: perpetuals with futures precision', async () => {
    const info = await get(sim, '/fapi/v1/exchangeInfo');
    expect(info.body.symbols[0]).toMatchObject({ symbol: 'BTCUSDT', contractType: 'PERPETUAL', status: 'TRADING', pricePrecision: 2, quantityPrecision: 3 });
    expect((await get(sim, '/api/v3/exchangeInfo')).status).toBe(404);
  });

  it('depth carries E and T; limit max 1000; futures decimals', async () => {
    const d = await get(sim, '/fapi/v1/depth?symbol=BTCUSDT&limit=5000');
    expect(Object.keys(d.body)).toEqual(['lastUpdateId', 'E', 'T', 'bids', 'asks']);
    expect(d.body.bids).toHaveLength(1000);
    expect(d.body.bids[0][0]).toMatch(/^\d+\.\d{2}$/);
    expect(d.body.bids[0][1]).toMatch(/^\d+\.\d{3}$/);
  });

  it('premiumIndex and trades', async () => {
    const p = await get(sim, '/fapi/v1/premiumIndex?symbol=BTCUSDT');
    expect(Object.keys(p.body)).toEqual(['symbol', 'markPrice', 'indexPrice', 'estimatedSettlePrice', 'lastFundingRate', 'interestRate', 'nextFundingTime', 'time']);
    expect(p.body.nextFundingTime % (8 * 3_600_000)).toBe(0);
    expect(Math.abs(Number(p.body.markPrice) - 60000)).toBeLessThan(3000);
    expect((await get(sim, '/fapi/v1/premiumIndex')).body).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 200));
    const t = await get(sim, '/fapi/v1/trades?symbol=BTCUSDT&limit=5');
    expect(t.body[0]).not.toHaveProperty('isBestMatch');
    expect(t.body[0].qty).toMatch(/^\d+\.\d{3}$/);
  });

  it('openInterest: the doc shape, futures decimals, slowly changing; 400 unknown, 404 on spot paths', async () => {
    const a = await get(sim, '/fapi/v1/openInterest?symbol=BTCUSDT');
    expect(a.status).toBe(200);
    expect(Object.keys(a.body)).toEqual(['openInterest', 'symbol', 'time']);
    expect(a.body.symbol).toBe('BTCUSDT');
    expect(a.body.openInterest).toMatch(/^\d+\.\d{3}$/);
    expect(Number(a.body.openInterest)).toBeGreaterThan(1000);
    expect(Math.abs(a.body.time - Date.now())).toBeLessThan(5000);
    expect(a.headers.get('x-mbx-used-weight-1m')).not.toBeNull();
    await new Promise((r) => setTimeout(r, 50));
    const b = await get(sim, '/fapi/v1/openInterest?symbol=BTCUSDT');
    expect(Math.abs(Number(b.body.openInterest) / Number(a.body.openInterest) - 1)).toBeLessThan(0.001);
    expect(await get(sim, '/fapi/v1/openInterest?symbol=NOPE')).toMatchObject({ status: 400, body: { code: -1121, msg: 'Invalid symbol.' } });
    expect((await get(sim, '/fapi/v1/openInterest')).body.code).toBe(-1102);
    expect((await get(sim, '/api/v3/openInterest?symbol=BTCUSDT')).status).toBe(404);
  });
});

describe('futures openInterest is deterministic', () => {
  it('a function of seed, symbol and time: the same for two simulators with one seed, different for another', () => {
    const at = 1_767_225_600_000;
    const value = (seed: number, symbol: string): string[] => {
      const s = new SymbolState(makeInstrument(symbol, 'binance-futures'), 'binance-futures', { seed, levels: 20, truthHistory: 4, truthDepth: 5, startMs: at });
      return [0, 1000, 60_000, 3_600_000].map((dt) => s.openInterest(at + dt));
    };
    const one = value(3, 'BTCUSDT');
    expect(value(3, 'BTCUSDT')).toEqual(one);
    expect(value(4, 'BTCUSDT')).not.toEqual(one);
    expect(value(3, 'ETHUSDT')).not.toEqual(one);
    const n = one.map(Number);
    expect(Math.abs(n[1] / n[0] - 1)).toBeLessThan(0.001); // a second apart: barely moves
    expect(Math.max(...n) / Math.min(...n)).toBeLessThan(1.1);
  });
});

describe('the REQUEST_WEIGHT limit exchangeInfo advertises is enforced', () => {
  let sim: SimHandle;
  beforeAll(async () => {
    sim = await startSim({ symbols: ['BTCUSDT'], seed: 3, diffIntervalMs: 50 });
  });
  afterAll(() => sim.stop());

  it('answers 429 (-1003, Retry-After to the end of the minute) to a request that would pass 6000 in a minute', async () => {
    // depth limit=5000 weighs 250: the 25th of a minute passes 6000 (a minute that turns meanwhile starts over)
    let lastUsed = 0;
    let limited: Response | undefined;
    for (let i = 0; i < 60 && limited === undefined; i++) {
      const res = await fetch(`${sim.restUrl}/api/v3/depth?symbol=BTCUSDT&limit=5000`);
      await res.text();
      if (res.status === 429) limited = res;
      else lastUsed = Number(res.headers.get('x-mbx-used-weight-1m'));
    }
    expect(limited).toBeDefined();
    expect(lastUsed + 250).toBeGreaterThan(6000);
    expect(Number(limited!.headers.get('x-mbx-used-weight-1m'))).toBe(lastUsed); // the refused request is not counted
    const wait = Number(limited!.headers.get('retry-after'));
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(60);
    const info = await fetch(`${sim.restUrl}/api/v3/exchangeInfo`);
    expect(info.status).toBe(429); // weight 20 does not fit either
    expect(await info.json()).toMatchObject({ code: -1003, msg: expect.stringMatching(/current limit is 6000 request weight per 1 MINUTE/) });
  });
});
