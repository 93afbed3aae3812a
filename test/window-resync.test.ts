// Trading window + replay: nothing is captured while the window is closed, so when it opens every
// book restarts from a fresh snapshot (a REST one for Binance, a resubscribe for Kraken) before
// the first frame inside the window is decoded, and the raw capture holds the mark that makes
// replay do the same. Replaying what was kept reproduces every book row written after the open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/core/config.js';
import type { BookSnapshot, MarketEvent } from '../src/core/events.js';
import type { RawFrame } from '../src/core/frames.js';
import { silentLogger } from '../src/core/log.js';
import { nowUs } from '../src/core/time.js';
import { sessionOptions } from '../src/pipeline/feed.js';
import { restSymbol } from '../src/replay/replay.js';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { FeedCore } from '../src/venues/feed-core.js';
import { VenueSession, getVenue } from '../src/venues/index.js';

const CASES = [
  { venue: 'binance' as const, symbol: 'BTC/USDT' },
  { venue: 'kraken' as const, symbol: 'BTC/USD' },
];

describe.each(CASES)('$venue: a trading window that opens mid-run', ({ venue, symbol }) => {
  let sim: SimHandle;
  const kept: RawFrame[] = [];
  const liveRows: BookSnapshot[] = [];
  const liveStates: string[] = [];
  let openUs = 0;
  let stopUs = 0;

  beforeAll(async () => {
    sim = await startSim({ venue, symbols: [symbol], seed: 4, diffIntervalMs: 20 });
    const config = loadConfig({ env: {}, cwd: '/nonexistent', flags: { venue, symbols: symbol, 'ws.url': sim.wsUrl, 'rest.url': sim.restUrl, depth: '5' } });
    openUs = nowUs() + 1_500_000; // closed for the first 1.5 s, open after
    const window = { isOpen: (ts: number) => ts >= openUs, nextChange: (ts: number) => (ts < openUs ? openUs : Infinity) };
    const handlers = {
      // what CaptureSink does with the window: keep nothing from before it opens
      raw: (f: RawFrame) => { if (f.localTs >= openUs) kept.push(f); },
      event: (ev: MarketEvent) => {
        if (ev.localTs < openUs) return;
        if (ev.type === 'book_snapshot') liveRows.push(ev);
        if (ev.type === 'status' && ev.scope === 'book') liveStates.push(`${ev.state} ${ev.reason}`);
      },
    };
    const session = new VenueSession({ ...sessionOptions(config, { venue, symbols: [symbol] }, handlers, silentLogger), window });
    await session.start();
    await new Promise((r) => setTimeout(r, 3500));
    stopUs = nowUs(); // frames are decoded as they arrive: later ones met stopped books
    await session.stop();
    await sim.stop();
  }, 30_000);
  afterAll(async () => {
    await sim?.stop();
  });

  it('resynced every book when the window opened, and wrote rows after it', () => {
    expect(liveStates[0]).toBe('RESYNCING trading window opened');
    expect(liveStates.some((s) => s.startsWith('SYNCED'))).toBe(true);
    expect(liveRows.length).toBeGreaterThan(20);
    expect(kept.some((f) => f.dir === 'conn' && f.data === 'resync trading window opened')).toBe(true);
  });

  it('replaying only what was kept reproduces every book row written after the open', () => {
    const spec = getVenue(venue);
    const rows: BookSnapshot[] = [];
    const core = new FeedCore({
      spec, symbols: [symbol], kinds: ['trades', 'book', 'quote', 'derivative'], depth: 5, plans: [], log: silentLogger,
      requestSnapshot: () => {}, handlers: { event: (ev) => { if (ev.type === 'book_snapshot') rows.push(ev); } },
    });
    // the kept frames, as a capture would order them
    for (const f of kept) {
      if (f.localTs >= stopUs) break;
      if (f.dir !== 'rest') core.onFrame(f);
      else {
        const v = restSymbol(f.url);
        if (v !== undefined) core.onSnapshotBody(v, f.data, f.localTs, true);
      }
    }
    const key = (r: BookSnapshot) => JSON.stringify([r.ts, r.localTs, r.updateId, r.bids, r.asks]);
    expect(rows.map(key)).toEqual(liveRows.slice(0, rows.length).map(key));
    expect(rows.length).toBe(liveRows.length);
  });
});
