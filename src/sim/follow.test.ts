import { describe, expect, it } from 'vitest';
import { parseFollow } from './follow.js';
import type { SimOptions } from './handle.js';
import { makeInstrument } from './instruments.js';
import { makeSymbols } from './launch.js';
import { startSim } from './index.js';
import type { SymbolState } from './symbol-state.js';

function symbols(follow: SimOptions['follow'], seed = 5): Map<string, SymbolState> {
  return makeSymbols({ symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'], seed, follow, levels: 200 }, 'binance', (t) => makeInstrument(t, 'binance'));
}

/** Runs `frames` engine frames (every symbol advances once per frame, as engine.ts does). */
function run(s: Map<string, SymbolState>, frames: number, every: number): Map<string, { fair: number[]; mid: number[] }> {
  const out = new Map<string, { fair: number[]; mid: number[] }>();
  for (const k of s.keys()) out.set(k, { fair: [], mid: [] });
  for (let f = 0; f < frames; f++) {
    for (const [k, st] of s) {
      st.advance(1_700_000_000_000 + f * 20);
      st.takeTrades();
      if (f % every === 0) {
        const o = out.get(k)!;
        o.fair.push(st.market.fairTicks);
        o.mid.push((st.market.bids.bestTicks() + st.market.asks.bestTicks()) / 2);
      }
    }
  }
  return out;
}

function corrOfLogReturns(a: number[], b: number[]): number {
  const ra = a.slice(1).map((x, i) => Math.log(x / a[i]));
  const rb = b.slice(1).map((x, i) => Math.log(x / b[i]));
  const n = ra.length;
  const ma = ra.reduce((s, x) => s + x, 0) / n;
  const mb = rb.reduce((s, x) => s + x, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (ra[i] - ma) * (rb[i] - mb);
    saa += (ra[i] - ma) ** 2;
    sbb += (rb[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('parseFollow', () => {
  it.each([
    ['ETH/USDT=BTC/USDT:0.8', [{ follower: 'ETH/USDT', leader: 'BTC/USDT', rho: 0.8 }]],
    [' ETHUSDT=BTCUSDT:-.5 , SOLUSDT=BTCUSDT:1', [{ follower: 'ETHUSDT', leader: 'BTCUSDT', rho: -0.5 }, { follower: 'SOLUSDT', leader: 'BTCUSDT', rho: 1 }]],
    ['ETH/USDT:USDT=BTC/USDT:USDT:0.9', [{ follower: 'ETH/USDT:USDT', leader: 'BTC/USDT:USDT', rho: 0.9 }]],
    ['', []],
  ])('reads %j', (text, want) => expect(parseFollow(text)).toEqual(want));

  it.each([
    ['ETH/USDT', /is not FOLLOWER=LEADER:RHO/],
    ['ETH/USDT=BTC/USDT', /is not FOLLOWER=LEADER:RHO/],
    ['=BTC/USDT:0.5', /is not FOLLOWER=LEADER:RHO/],
    ['ETH/USDT=BTC/USDT:1.5', /rho must be a number from -1 to 1, got "1.5"/],
    ['ETH/USDT=BTC/USDT:x', /rho must be a number from -1 to 1/],
  ])('refuses %j', (text, want) => expect(() => parseFollow(text)).toThrow(want));
});

describe('follow in the market model', () => {
  it('refuses unknown symbols, self-following and loops, from startSim', async () => {
    const opts = { symbols: ['BTCUSDT', 'ETHUSDT'], port: 0 };
    await expect(startSim({ ...opts, follow: 'XRPUSDT=BTCUSDT:0.5' })).rejects.toThrow('sim: follow: follower "XRPUSDT" is not one of the simulated symbols (BTCUSDT, ETHUSDT)');
    await expect(startSim({ ...opts, follow: 'BTC/USDT=BTCUSDT:0.5' })).rejects.toThrow('cannot follow itself');
    await expect(startSim({ ...opts, follow: 'ETHUSDT=BTCUSDT:0.5,BTCUSDT=ETHUSDT:0.5' })).rejects.toThrow('a loop of leaders');
    await expect(startSim({ ...opts, follow: 'ETHUSDT=BTCUSDT:2' })).rejects.toThrow('rho must be');
    await expect(startSim({ venue: 'kraken', symbols: ['BTC/USD', 'ETH/USD'], follow: 'ETH/USD=SOL/USD:0.5' })).rejects.toThrow('leader "SOL/USD"');
  });

  it.each([
    ['binance', 'BTC/USDT', 'ETH/USDT'],
    ['binance-futures', 'BTC/USDT:USDT', 'ETH/USDT:USDT'],
    ['kraken', 'BTC/USD', 'ETH/USD'],
    ['okx', 'BTC/USDT', 'ETH/USDT'],
    ['bitfinex', 'BTC/USD', 'ETH/USD'],
  ] as const)('starts with a follower in the %s mode', async (venue, leader, follower) => {
    const sim = await startSim({ venue, symbols: [leader, follower], follow: [{ follower, leader, rho: 0.7 }], truthHistory: 10 });
    expect(sim.venueSymbols).toHaveLength(2);
    await sim.stop();
  });

  it('leaves unfollowed symbols exactly as without follow, and is deterministic', () => {
    const free = run(symbols(undefined), 600, 10);
    const followed = run(symbols('ETH/USDT=BTC/USDT:0.8'), 600, 10);
    expect(followed.get('SOLUSDT')).toEqual(free.get('SOLUSDT'));
    // both ends of a pair move differently: the follower's fair, and the dense top both keep
    expect(followed.get('ETHUSDT')).not.toEqual(free.get('ETHUSDT'));
    expect(followed.get('BTCUSDT')).not.toEqual(free.get('BTCUSDT'));
    expect(run(symbols('ETH/USDT=BTC/USDT:0.8'), 600, 10)).toEqual(followed);
  });

  it.each([0.8, -0.6, 0])('realises the correlation rho=%s in fair-price returns, and near it in mid returns', (rho) => {
    // 100,000 frames sampled every 100 (2 s at a 20 ms cadence): 1,000 returns of ~40 walk steps.
    // The sample correlation's standard error is (1 − rho²)/√1000: 0.011 at 0.8, 0.020 at -0.6,
    // 0.032 at 0; rounding the follower's target to whole ticks adds a little. The run is seeded,
    // so this is one fixed draw, checked at about 3 standard errors.
    const out = run(symbols(`ETH/USDT=BTC/USDT:${rho}`, 11), 100_000, 100);
    const btc = out.get('BTCUSDT')!;
    const eth = out.get('ETHUSDT')!;
    expect(Math.abs(corrOfLogReturns(btc.fair, eth.fair) - rho)).toBeLessThan(0.1);
    // the mid chases the fair through the book (the spread and the queue at the top add noise):
    // it correlates a bit less, with the same sign
    const midCorr = corrOfLogReturns(btc.mid, eth.mid);
    if (rho === 0) expect(Math.abs(midCorr)).toBeLessThan(0.1);
    else {
      expect(Math.sign(midCorr)).toBe(Math.sign(rho));
      expect(Math.abs(midCorr)).toBeGreaterThan(Math.abs(rho) - 0.2);
      expect(Math.abs(midCorr)).toBeLessThan(Math.abs(rho) + 0.05);
    }
  });

  it('keeps a followed book dense at the top: no sweep into the stale deep book', () => {
    // the free model leaves its deep levels where they were seeded; once the fair has wandered a
    // sweep of a thin top can jump the best price thousands of ticks (SOL here, free)
    const s = symbols('ETH/USDT=BTC/USDT:0.8', 11);
    let widest = { BTCUSDT: 0, ETHUSDT: 0, SOLUSDT: 0 } as Record<string, number>;
    for (let f = 0; f < 30_000; f++) {
      for (const [k, st] of s) {
        st.advance(1_700_000_000_000 + f * 20);
        st.takeTrades();
        const spread = st.market.asks.bestTicks() - st.market.bids.bestTicks();
        if (spread > widest[k]) widest = { ...widest, [k]: spread };
      }
    }
    expect(widest.BTCUSDT).toBeLessThanOrEqual(2 * 10 + 2);
    expect(widest.ETHUSDT).toBeLessThanOrEqual(2 * 10 + 2);
    expect(widest.SOLUSDT).toBeGreaterThan(100);
  });
});
