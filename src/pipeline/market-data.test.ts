// The market-data dict: unit rules on hand-made events, then the baseline — a live Binance
// USDⓈ-M futures session against the simulator yields price, spread, vol and funding from the
// venue's own streams, and oi from its REST poll (the venue streams none).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.js';
import type { MarketEvent } from '../core/events.js';
import { silentLogger } from '../core/log.js';
import { startSim, type SimHandle } from '../sim/index.js';
import { Feed } from './feed.js';
import { MarketDataMapper, type MarketData } from './market-data.js';

const S = 1_000_000;
const T0 = 1_767_225_600 * S;
const base = { venue: 'binance-futures', symbol: 'BTC/USDT:USDT', venueSymbol: 'BTCUSDT' };

const trade = (ts: number, price: string, amount: string): MarketEvent => ({ type: 'trade', ...base, ts, localTs: ts, id: String(ts), price, amount, side: 'buy' });
const quote = (ts: number, bid: string, ask: string): MarketEvent => ({ type: 'quote', ...base, ts, localTs: ts, bidPrice: bid, bidAmount: '1', askPrice: ask, askAmount: '1' });

describe('MarketDataMapper', () => {
  it('builds price, spread and trailing volume, and says why every null field is null', () => {
    const m = new MarketDataMapper({ volWindowMs: 60_000 });
    const got: MarketData[] = [];
    m.subscribe((d) => got.push(d));
    m.onEvent(quote(T0, '100', '100.5'));
    expect(got[0]).toMatchObject({ cause: 'quote', price: 100.25, spread: 0.5, vol: null, funding: null, oi: null, texts: [] });
    expect(got[0].missing).toEqual({
      vol: 'no trade yet', funding: 'no derivative update from binance-futures yet',
      oi: 'no open interest from binance-futures\'s REST poll yet (rest.openInterestS; 0 = off)',
    });
    m.onEvent(trade(T0 + S, '100.4', '2'));
    m.onEvent(trade(T0 + 30 * S, '100.6', '0.5'));
    expect(got[2]).toMatchObject({ price: 100.6, vol: 2.5, volCoveredMs: 29_000 });
    m.onEvent(trade(T0 + 65 * S, '100.7', '1')); // the first trade has left the 60 s window
    expect(got[3].vol).toBeCloseTo(1.5);
    m.onEvent({ type: 'derivative', ...base, ts: T0 + 66 * S, localTs: T0 + 66 * S, markPrice: '100.65', indexPrice: '100.6', fundingRate: '0.00010000', nextFundingTs: T0 + 3600 * S });
    expect(got[4]).toMatchObject({ cause: 'derivative', funding: 0.0001, markPrice: 100.65, nextFundingTs: T0 + 3600 * S, oi: null });
    expect(got[4].missing).toEqual({ oi: 'no open interest from binance-futures\'s REST poll yet (rest.openInterestS; 0 = off)' });
    m.onEvent({ type: 'derivative', ...base, ts: T0 + 67 * S, localTs: T0 + 67 * S, openInterest: '12345.678' });
    expect(got[5]).toMatchObject({ oi: 12345.678, funding: 0.0001, missing: {} });
  });

  it('says a spot venue has no funding or open interest', () => {
    const m = new MarketDataMapper();
    m.onEvent({ type: 'trade', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: T0, localTs: T0, id: '1', price: '5', amount: '1', side: 'sell' });
    expect(m.current('BTC/USDT')!.missing).toEqual({
      spread: 'no best bid/ask yet (quote or verified book)',
      funding: 'binance has no derivative stream (spot venue): no funding rate',
      oi: 'binance has no derivative stream (spot venue): no open interest',
    });
  });

  it('hands texts from a configured source, [] without one', () => {
    const queue = ['ETF approved', 'exchange hack'];
    const m = new MarketDataMapper({ texts: { take: (symbol) => (symbol === base.symbol ? queue.splice(0) : []) } });
    const got: MarketData[] = [];
    m.subscribe((d) => got.push(d));
    m.onEvent(trade(T0, '1', '1'));
    m.onEvent(trade(T0 + 1, '1', '1'));
    expect(got.map((d) => d.texts)).toEqual([['ETF approved', 'exchange hack'], []]);
  });

  it('throttles per symbol and conflates the async queue to the newest update per symbol', async () => {
    const m = new MarketDataMapper({ minIntervalMs: 1000 });
    const it = m[Symbol.asyncIterator]();
    const first = it.next(); // starts iterating
    m.onEvent(trade(T0, '1', '1'));
    expect((await first).value).toMatchObject({ price: 1 });
    m.onEvent(trade(T0 + 500_000, '2', '1')); // inside minInterval: no update
    m.onEvent(trade(T0 + S, '3', '1'));
    m.onEvent(trade(T0 + 2 * S, '4', '1'));
    m.onEvent({ ...(trade(T0 + 2 * S, '9', '1') as object), symbol: 'ETH/USDT:USDT', venueSymbol: 'ETHUSDT' } as MarketEvent);
    m.close();
    const rest: MarketData[] = [];
    for (let r = await it.next(); !r.done; r = await it.next()) rest.push(r.value);
    expect(rest.map((d) => [d.symbol, d.price])).toEqual([['BTC/USDT:USDT', 4], ['ETH/USDT:USDT', 9]]);
    expect(m.conflated).toBe(1);
    expect(m.updates).toBe(4);
  });
});

describe('baseline: Binance USDⓈ-M futures session against the simulator', () => {
  let sim: SimHandle;
  beforeAll(async () => {
    sim = await startSim({ venue: 'binance-futures', symbols: ['BTCUSDT'], seed: 5, diffIntervalMs: 20 });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('delivers every field: price, spread, vol and funding from the streams, oi from the REST poll', async () => {
    const config = loadConfig({
      env: {}, cwd: '/nonexistent',
      flags: {
        venue: 'binance-futures', symbols: 'BTC/USDT:USDT', 'ws.url': sim.wsUrl, 'rest.url': sim.restUrl, depth: '5',
        'rest.openInterestS': '0.5',
      },
    });
    const mapper = new MarketDataMapper();
    const feed = new Feed({ config, log: silentLogger, handlers: { event: (ev) => mapper.onEvent(ev) } });
    await feed.start();
    let last: MarketData | undefined;
    const deadline = Date.now() + 15_000;
    for await (const d of mapper) {
      last = d;
      if ((d.price !== null && d.spread !== null && d.vol !== null && d.funding !== null && d.oi !== null) || Date.now() > deadline) break;
    }
    await feed.stop();
    mapper.close();
    expect(last).toBeDefined();
    const d = last!;
    expect(Object.keys(d)).toEqual(expect.arrayContaining(['symbol', 'price', 'spread', 'vol', 'texts', 'funding', 'oi']));
    expect(d.symbol).toBe('BTC/USDT:USDT');
    expect(d.price).toBeGreaterThan(0);
    expect(d.spread).toBeGreaterThan(0);
    expect(d.vol).toBeGreaterThan(0);
    expect(typeof d.funding).toBe('number');
    expect(d.markPrice).toBeGreaterThan(0);
    expect(d.nextFundingTs).toBeGreaterThan(d.ts);
    expect(d.texts).toEqual([]);
    // Binance USDⓈ-M streams funding on markPrice@1s but open interest only over REST
    // (/fapi/v1/openInterest): the session polls it every rest.openInterestS.
    expect(d.oi).toBeGreaterThan(0);
    expect(d.missing).toEqual({});
  });
});

describe('baseline: OKX perpetual swap against the simulator', () => {
  let sim: SimHandle;
  beforeAll(async () => {
    sim = await startSim({ venue: 'okx', symbols: ['BTC/USDT:USDT'], seed: 5, diffIntervalMs: 20 });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('delivers every field with a value: funding from funding-rate, oi from open-interest', async () => {
    const config = loadConfig({
      env: {}, cwd: '/nonexistent',
      flags: { venue: 'okx', symbols: 'BTC/USDT:USDT', 'ws.url': sim.wsUrl, 'rest.url': sim.restUrl, depth: '5' },
    });
    const mapper = new MarketDataMapper();
    const feed = new Feed({ config, log: silentLogger, handlers: { event: (ev) => mapper.onEvent(ev) } });
    await feed.start();
    let last: MarketData | undefined;
    const deadline = Date.now() + 20_000;
    for await (const d of mapper) {
      last = d;
      if ((d.price !== null && d.spread !== null && d.vol !== null && d.funding !== null && d.oi !== null) || Date.now() > deadline) break;
    }
    await feed.stop();
    mapper.close();
    const d = last!;
    expect(d.symbol).toBe('BTC/USDT:USDT');
    expect(d.price).toBeGreaterThan(0);
    expect(d.spread).toBeGreaterThan(0);
    expect(d.vol).toBeGreaterThan(0);
    expect(typeof d.funding).toBe('number');
    expect(d.oi).toBeGreaterThan(0);
    expect(d.texts).toEqual([]);
    expect(d.missing).toEqual({});
  });
});
