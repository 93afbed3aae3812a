// The library way: `for await (const ev of feed)` over a live feed from the simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../sim/index.js';
import { loadConfig } from '../core/config.js';
import { silentLogger } from '../core/log.js';
import { MarketEvent } from '../core/events.js';
import { isMarketfeedError } from '../core/errors.js';
import { Feed } from './feed.js';

let sim: SimHandle;
beforeAll(async () => {
  sim = await startSim({ symbols: ['BTCUSDT', 'ETHUSDT'], seed: 4, diffIntervalMs: 20 });
});
afterAll(async () => {
  await sim?.stop();
});

function config(symbols: string[]) {
  return loadConfig({ env: {}, cwd: '/nonexistent', flags: { 'ws.url': sim.wsUrl, 'rest.url': sim.restUrl, symbols: symbols.join(','), depth: '5' } });
}

describe('Feed', () => {
  it('yields schema-valid events of every kind the venue has, from verified books only', async () => {
    const feed = new Feed({ config: config(['BTC/USDT', 'ETH/USDT']), log: silentLogger });
    await feed.start();
    const seen = new Map<string, number>();
    let synced = 0;
    for await (const ev of feed) {
      expect(MarketEvent.safeParse(ev).success, JSON.stringify(ev).slice(0, 300)).toBe(true);
      seen.set(ev.type, (seen.get(ev.type) ?? 0) + 1);
      if (ev.type === 'status' && ev.scope === 'book' && ev.state === 'SYNCED') synced++;
      if (ev.type === 'book_snapshot') {
        expect(synced).toBeGreaterThan(0);
        expect(ev.bids.length).toBeLessThanOrEqual(5);
        const truth = sim.truth.topAt(ev.venueSymbol, ev.updateId)!;
        expect(ev.bids).toEqual(truth.bids.slice(0, 5));
        expect(ev.asks).toEqual(truth.asks.slice(0, 5));
      }
      if ((seen.get('book_snapshot') ?? 0) > 40 && (seen.get('trade') ?? 0) > 3 && (seen.get('quote') ?? 0) > 3) break;
    }
    await feed.stop();
    expect(synced).toBe(2);
    const stats = feed.stats();
    expect(stats.framesIn).toBeGreaterThan(0);
    expect(stats.symbols.map((s) => s.symbol).sort()).toEqual(['BTC/USDT', 'ETH/USDT']);
  });

  it('start() rejects an unlisted symbol before opening any socket', async () => {
    const feed = new Feed({ config: config(['BTC/USDT', 'XRP/BTC']), log: silentLogger });
    const err = await feed.start().catch((e: unknown) => e);
    expect(isMarketfeedError(err, 'MF_ERR_UNKNOWN_SYMBOL')).toBe(true);
    expect(feed.stats().framesIn).toBe(0);
  });
});
