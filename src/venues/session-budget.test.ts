// VenueSession's REST budget against the simulator: sized from the REQUEST_WEIGHT limit the
// listing advertises (spot 6000, USDⓈ-M 2400 per minute) at REST_BUDGET_SHARE, unless
// rest.weightPerMinute overrides it; the budget's source is logged when the session opens.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.js';
import { sessionOptions } from '../pipeline/feed.js';
import { startSim, type SimHandle } from '../sim/index.js';
import { VenueSession } from './session.js';

async function budgetOf(sim: SimHandle, venue: string, symbol: string, weightPerMinute?: string) {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
  const config = loadConfig({
    env: {}, cwd: '/nonexistent',
    flags: { venue, symbols: symbol, 'ws.url': sim.wsUrl, 'rest.url': sim.restUrl, ...(weightPerMinute === undefined ? {} : { 'rest.weightPerMinute': weightPerMinute }) },
  });
  const session = new VenueSession(sessionOptions(config, { venue, symbols: [symbol] }, { event: () => {} }, log));
  const before = session.restBudget();
  await session.checkSymbols();
  const after = session.restBudget();
  session.open(); // the budget and the totals are logged for a session that ran (not for one refused at the check)
  await session.stop();
  return { before, after, logged: lines.find((l) => l.msg === 'REST budget'), totals: lines.find((l) => l.msg === 'REST totals') };
}

describe('the REST budget comes from the venue', () => {
  let spot: SimHandle;
  let futures: SimHandle;
  beforeAll(async () => {
    spot = await startSim({ symbols: ['BTCUSDT'], seed: 4, diffIntervalMs: 100 });
    futures = await startSim({ venue: 'binance-futures', symbols: ['BTCUSDT'], seed: 4, diffIntervalMs: 100 });
  });
  afterAll(async () => {
    await spot?.stop();
    await futures?.stop();
  });

  it('spot: 80 % of the 6000 exchangeInfo advertises (the published 6000 until the listing is read)', async () => {
    const b = await budgetOf(spot, 'binance', 'BTC/USDT');
    expect(b.before).toEqual({ weightPerMinute: 4800, venueLimit: 6000, source: 'published' });
    expect(b.after).toEqual({ weightPerMinute: 4800, venueLimit: 6000, source: 'listing' });
    expect(b.logged).toMatchObject({ venue: 'binance', weightPerMinute: 4800, venueLimit: 6000, share: 0.8, source: 'listing' });
    expect(b.totals).toMatchObject({ requests: 1, weightUsed: 20, rateLimited: 0 });
  });

  it('USDⓈ-M: 80 % of the 2400 its exchangeInfo advertises', async () => {
    expect((await budgetOf(futures, 'binance-futures', 'BTC/USDT:USDT')).after).toEqual({ weightPerMinute: 1920, venueLimit: 2400, source: 'listing' });
  });

  it('rest.weightPerMinute overrides it (the venue limit still caps its window)', async () => {
    const b = await budgetOf(spot, 'binance', 'BTC/USDT', '1000');
    expect(b.after).toEqual({ weightPerMinute: 1000, venueLimit: 6000, source: 'override' });
    expect(b.logged).not.toHaveProperty('share');
  });
});
