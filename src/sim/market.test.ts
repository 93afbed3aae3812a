import { describe, expect, it } from 'vitest';
import { Formatter, formatUnits, makeInstrument, splitSymbol } from './instruments.js';
import { Market, type DiffFrame } from './market.js';
import { TruthRing } from './truth.js';

function run(seed: number, venue: 'binance' | 'binance-futures', steps: number): DiffFrame[] {
  const m = new Market(makeInstrument('BTCUSDT', venue), { seed, levels: 1000, skipIds: venue === 'binance-futures' });
  const frames: DiffFrame[] = [];
  for (let i = 0; i < steps; i++) {
    m.step(1_700_000_000_000 + i);
    if (i % 3 === 2) frames.push(m.takeFrame()!);
  }
  return frames;
}

describe('instruments', () => {
  it.each([
    ['BTCUSDT', { base: 'BTC', quote: 'USDT' }],
    ['BTC/USDT', { base: 'BTC', quote: 'USDT' }],
    ['BTC/USDT:USDT', { base: 'BTC', quote: 'USDT' }],
    ['ethbtc', { base: 'ETH', quote: 'BTC' }],
    ['DOGEFDUSD', { base: 'DOGE', quote: 'FDUSD' }],
    ['???', undefined],
  ])('splits %s', (text, want) => expect(splitSymbol(text)).toEqual(want));

  it('prints prices and sizes like the venue', () => {
    const spot = new Formatter(makeInstrument('BTCUSDT', 'binance'));
    expect(spot.price(6_000_001)).toBe('60000.01000000');
    expect(spot.qty(12_340)).toBe('0.12340000');
    expect(spot.tickSize()).toBe('0.01000000');
    const fut = new Formatter(makeInstrument('BTC/USDT:USDT', 'binance-futures'));
    expect(fut.price(600_001)).toBe('60000.10');
    expect(fut.qty(123)).toBe('0.123');
    expect(fut.notional(600_001, 123, 5)).toBe('7380.01230');
    expect(formatUnits(5, 3)).toBe('0.005');
  });
});

describe('market model', () => {
  it('is deterministic by seed', () => {
    expect(run(7, 'binance', 600)).toEqual(run(7, 'binance', 600));
    expect(run(7, 'binance', 600)).not.toEqual(run(8, 'binance', 600));
  });

  it('spot frames are contiguous: U = previous u + 1', () => {
    const frames = run(3, 'binance', 3000);
    for (let i = 1; i < frames.length; i++) {
      expect(frames[i].U).toBe(frames[i - 1].u + 1);
      expect(frames[i].u).toBeGreaterThanOrEqual(frames[i].U);
    }
    expect(frames[0].U).toBeGreaterThan(2 ** 32);
  });

  it('futures frames chain by pu and their ids skip', () => {
    const frames = run(3, 'binance-futures', 3000);
    let skipped = 0;
    for (let i = 1; i < frames.length; i++) {
      expect(frames[i].pu).toBe(frames[i - 1].u);
      if (frames[i].U !== frames[i - 1].u + 1) skipped++;
    }
    expect(skipped).toBeGreaterThan(0);
  });

  it('frames replayed onto the initial book give the model book; never crossed, always deep', () => {
    const m = new Market(makeInstrument('ETHUSDT', 'binance'), { seed: 11, levels: 1000, skipIds: false });
    const bids = new Map<number, number>();
    const asks = new Map<number, number>();
    const init = m.state(5000);
    init.bids.ticks.forEach((t, i) => bids.set(t, init.bids.lots[i]));
    init.asks.ticks.forEach((t, i) => asks.set(t, init.asks.lots[i]));
    let trades = 0;
    for (let i = 0; i < 5000; i++) {
      m.step(i);
      trades += m.newTrades.splice(0).length;
      if (i % 4 !== 3) continue;
      const f = m.takeFrame()!;
      f.bidTicks.forEach((t, k) => (f.bidLots[k] === 0 ? bids.delete(t) : bids.set(t, f.bidLots[k])));
      f.askTicks.forEach((t, k) => (f.askLots[k] === 0 ? asks.delete(t) : asks.set(t, f.askLots[k])));
      expect(m.bids.bestTicks()).toBeLessThan(m.asks.bestTicks());
      expect(m.bids.length).toBeGreaterThanOrEqual(1000);
      expect(m.asks.length).toBeGreaterThanOrEqual(1000);
    }
    const now = m.state(5000);
    expect([...bids.entries()].sort((a, b) => b[0] - a[0])).toEqual(now.bids.ticks.map((t, i) => [t, now.bids.lots[i]]));
    expect([...asks.entries()].sort((a, b) => a[0] - b[0])).toEqual(now.asks.ticks.map((t, i) => [t, now.asks.lots[i]]));
    expect(trades).toBeGreaterThan(100);
  });
});

describe('truth ring', () => {
  it('keeps the last N entries and returns exact strings', () => {
    const inst = makeInstrument('BTCUSDT', 'binance');
    const fmt = new Formatter(inst);
    const m = new Market(inst, { seed: 5, levels: 1000, skipIds: false });
    const ring = new TruthRing(3000, 5, fmt);
    const tops: { u: number; best: string }[] = [];
    for (let i = 0; i < 5000; i++) {
      m.step(i);
      const f = m.takeFrame()!;
      ring.record(f.u, m.bids, m.asks);
      tops.push({ u: f.u, best: fmt.price(m.bids.bestTicks()) });
    }
    expect(ring.topAt(tops[0].u)).toBeUndefined(); // evicted
    const last = tops[tops.length - 1];
    const top = ring.topAt(last.u)!;
    expect(top.bids).toHaveLength(5);
    expect(top.bids[0][0]).toBe(last.best);
    expect(ring.topAt(tops[2500].u)!.bids[0][0]).toBe(tops[2500].best);
    expect(ring.lastUpdateId()).toBe(last.u);
    expect(ring.firstUpdateId()).toBe(tops[2000].u);
  });
});
