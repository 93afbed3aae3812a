// GET /api/v3/historicalTrades (spot "Old trade lookup"): the tape by trade id, the ids the trade
// stream sends, for the recorder's trade backfill.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from './index.js';

interface Row { id: number; price: string; qty: string; quoteQty: string; time: number; isBuyerMaker: boolean; isBestMatch: boolean }

async function get(sim: SimHandle, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(sim.restUrl + path);
  return { status: res.status, body: await res.json() };
}

describe('sim historicalTrades', () => {
  let sim: SimHandle;
  let recent: Row[];
  beforeAll(async () => {
    sim = await startSim({ symbols: ['BTCUSDT'], seed: 3, diffIntervalMs: 5 });
    // until the model has traded a little
    for (recent = []; recent.length < 12; await new Promise((r) => setTimeout(r, 50))) {
      recent = (await get(sim, '/api/v3/trades?symbol=BTCUSDT&limit=1000')).body as Row[];
    }
  });
  afterAll(() => sim.stop());

  it('from an id: the trades with id >= fromId, oldest first, the same rows /trades serves', async () => {
    const from = recent[3].id;
    const page = await get(sim, `/api/v3/historicalTrades?symbol=BTCUSDT&fromId=${from}&limit=5`);
    expect(page.status).toBe(200);
    expect(page.body).toEqual(recent.slice(3, 8));
    expect((page.body as Row[]).map((r) => r.id)).toEqual([from, from + 1, from + 2, from + 3, from + 4]);
  });

  it('without fromId: the newest; fromId before the tape: from its oldest; past its newest: none', async () => {
    const newest = (await get(sim, '/api/v3/historicalTrades?symbol=BTCUSDT&limit=1')).body as Row[];
    expect(newest).toHaveLength(1);
    expect(newest[0].id).toBeGreaterThanOrEqual(recent[recent.length - 1].id);
    expect(((await get(sim, '/api/v3/historicalTrades?symbol=BTCUSDT&fromId=0&limit=2')).body as Row[])[0].id).toBeLessThanOrEqual(recent[0].id);
    expect((await get(sim, `/api/v3/historicalTrades?symbol=BTCUSDT&fromId=${newest[0].id + 1_000_000}`)).body).toEqual([]);
  });

  it('bad input: the venue\'s own errors', async () => {
    expect(await get(sim, '/api/v3/historicalTrades?symbol=BTCUSDT&fromId=abc')).toMatchObject({ status: 400, body: { code: -1100 } });
    expect(await get(sim, '/api/v3/historicalTrades?symbol=NOPE')).toMatchObject({ status: 400, body: { code: -1121 } });
    expect(await get(sim, '/api/v3/historicalTrades')).toMatchObject({ status: 400, body: { code: -1102 } });
  });
});
