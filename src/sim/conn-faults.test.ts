// Faults of one connection (conn-faults.ts), seen by two plain clients on the same stream: the
// faulted one misses, garbles or gets late what the clean one gets whole and on time.
import { afterEach, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from './index.js';
import { ClientPool, type TestClient } from './test-client.js';
import { until } from '../../test/wait.js';

let sim: SimHandle;
const pool = new ClientPool();
afterEach(() => pool.close(sim));

/** Two clients on BTCUSDT's depth: `a` at the plain path, `b` under /public (the one faulted). */
async function twoLines(): Promise<{ a: TestClient; b: TestClient }> {
  sim = await startSim({ symbols: ['BTCUSDT'], seed: 3, diffIntervalMs: 5 });
  const a = await pool.connect(`${sim.wsUrl}/ws/btcusdt@depth@100ms`);
  const b = await pool.connect(`${sim.wsUrl}/public/ws/btcusdt@depth@100ms`);
  await until(() => a.texts.length > 5 && b.texts.length > 5);
  return { a, b };
}

const ids = (c: TestClient): number[] => c.msgs().filter((m) => m.e === 'depthUpdate').map((m) => m.U as number);

describe('faults of one connection', () => {
  it('gap: only the chosen connection misses the update; the truth and the other connection keep it', async () => {
    const { a, b } = await twoLines();
    sim.inject('gap', { connUrl: '/public/', venueSymbol: 'BTCUSDT' });
    await until(() => sim.injected.connFaults.length === 1);
    const g = sim.injected.connFaults[0];
    await until(() => ids(a).some((u) => u > g.to!) && ids(b).some((u) => u > g.to!));
    expect(g).toMatchObject({ kind: 'gap', venueSymbol: 'BTCUSDT' });
    expect(ids(b)).not.toContain(g.from);
    expect(ids(a)).toContain(g.from);
    expect(sim.injected.gaps).toEqual([]); // no venue-wide gap
    expect(sim.truth.topAt('BTCUSDT', g.to!)).toBeDefined();
  });

  it('corrupt: the chosen connection gets the update cut short, the other gets it whole', async () => {
    const { a, b } = await twoLines();
    sim.inject('corrupt', { connUrl: '/public/', venueSymbol: 'BTCUSDT' });
    await until(() => sim.injected.connFaults.length === 1);
    const g = sim.injected.connFaults[0];
    await until(() => ids(b).some((u) => u > g.to!));
    expect(ids(a)).toContain(g.from);
    expect(ids(b)).not.toContain(g.from);
    const garbled = b.texts.filter((t) => {
      try {
        JSON.parse(t);
        return false;
      } catch {
        return true;
      }
    });
    expect(garbled.length).toBe(1);
    expect(garbled[0].startsWith('{"e":"depthUpdate"')).toBe(true);
  });

  it('stall: the chosen connection gets nothing for a while, then everything in order', async () => {
    const { a, b } = await twoLines();
    const before = b.texts.length;
    sim.inject('stall', { connUrl: '/public/', durationMs: 300 });
    await until(() => sim.injected.connFaults.length === 1);
    expect(sim.injected.connFaults[0]).toMatchObject({ kind: 'stall' });
    expect(sim.injected.connFaults[0].held).toBeGreaterThan(0);
    await until(() => ids(b).at(-1)! >= ids(a).at(-1)! - 1 && b.texts.length > before + sim.injected.connFaults[0].held!);
    // nothing lost, nothing out of order
    const got = b.msgs().filter((m) => m.e === 'depthUpdate');
    for (let i = 1; i < got.length; i++) expect(got[i].U).toBe(got[i - 1].u + 1);
  });

  it('a fault on one connection needs a mode that models it', async () => {
    sim = await startSim({ venue: 'coinbase', symbols: ['BTC/USD'], seed: 1, diffIntervalMs: 20, levels: 20 });
    expect(() => sim.inject('gap', { connId: 1 })).toThrow(/one connection is not supported by the coinbase mode/);
  });
});
