// Every fault, observed from a plain ws / fetch client.
import { afterEach, describe, expect, it } from 'vitest';
import { parseFaults } from './faults.js';
import { startSim, type SimHandle } from './index.js';
import { ClientPool, type TestClient } from './test-client.js';
import { until } from '../../test/wait.js';

let sim: SimHandle;
const pool = new ClientPool();
const open = (path: string): Promise<TestClient> => pool.connect(sim.wsUrl + path);
afterEach(() => pool.close(sim));

describe('fault parsing', () => {
  it('reads kind=interval lists and rejects nonsense', () => {
    expect(parseFaults('disconnect=20s, gap=7s,malformed=500ms')).toEqual([
      { kind: 'disconnect', everyMs: 20_000 }, { kind: 'gap', everyMs: 7000 }, { kind: 'malformed', everyMs: 500 },
    ]);
    expect(() => parseFaults('explode=1s')).toThrow(/unknown fault "explode"/);
    expect(() => parseFaults('gap=soon')).toThrow(/gap=<interval>/);
    expect(() => parseFaults('gap')).toThrow();
  });
});

describe('faults seen by a client', () => {
  it('gap: one frame missing on the wire, recorded with its ids', async () => {
    sim = await startSim({ symbols: ['BTCUSDT', 'ETHUSDT'], seed: 1, diffIntervalMs: 5 });
    const c = await open('/ws/btcusdt@depth@100ms');
    await until(() => c.texts.length > 5);
    sim.inject('gap', { venueSymbol: 'BTCUSDT' });
    await until(() => sim.injected.gaps.length === 1);
    await until(() => c.msgs().some((m) => m.U > sim.injected.gaps[0].skippedTo));
    const g = sim.injected.gaps[0];
    const frames = c.msgs();
    const i = frames.findIndex((m) => m.U === g.skippedTo + 1);
    expect(i).toBeGreaterThan(0);
    expect(frames[i - 1].u).toBe(g.skippedFrom - 1);
    expect(frames.some((m) => m.U === g.skippedFrom)).toBe(false);
    expect(sim.truth.topAt('BTCUSDT', g.skippedTo)).toBeDefined();
    expect(sim.stats().faultsInjected.gap).toBe(1);
  });

  it('gap on futures breaks the pu chain', async () => {
    sim = await startSim({ venue: 'binance-futures', symbols: ['BTCUSDT'], seed: 1, diffIntervalMs: 5 });
    const c = await open('/market/ws/btcusdt@depth@100ms');
    await until(() => c.texts.length > 3);
    sim.inject('gap');
    const g = await until(() => sim.injected.gaps[0]);
    const after = await until(() => c.msgs().find((m) => m.U > g.skippedTo));
    expect(after.pu).toBe(g.skippedTo);
  });

  it('malformed: an extra bad frame; the stream stays contiguous', async () => {
    sim = await startSim({ symbols: ['BTCUSDT'], seed: 1, diffIntervalMs: 5 });
    const c = await open('/stream?streams=btcusdt@depth@100ms');
    await until(() => c.texts.length > 3);
    for (let k = 0; k < 4; k++) sim.inject('malformed');
    await until(() => c.texts.length > 40);
    const bad = c.texts.filter((t) => {
      try {
        const m = JSON.parse(t);
        return !(typeof m.data?.U === 'number' && typeof m.data?.u === 'number' && Array.isArray(m.data?.b));
      } catch {
        return true;
      }
    });
    expect(bad).toHaveLength(4);
    expect(sim.injected.malformed).toBe(4);
    const good = c.msgs().filter((m) => typeof m.data?.U === 'number');
    for (let i = 1; i < good.length; i++) expect(good[i].data.U).toBe(good[i - 1].data.u + 1);
  });

  it('disconnect: socket terminated abruptly (1006)', async () => {
    sim = await startSim({ symbols: ['BTCUSDT'], seed: 1 });
    const c = await open('/ws/btcusdt@trade');
    sim.inject('disconnect');
    const closed = await until(() => c.closed);
    expect(closed.code).toBe(1006);
    expect(sim.injected.disconnects).toBe(1);
    await until(() => sim.stats().connections === 0);
  });

  it('stall: no data for a while, pings still answered, then contiguous again', async () => {
    sim = await startSim({ symbols: ['BTCUSDT'], seed: 1, diffIntervalMs: 5 });
    const c = await open('/ws/btcusdt@depth@100ms');
    await until(() => c.texts.length > 3);
    sim.inject('stall', { durationMs: 400 });
    await new Promise((r) => setTimeout(r, 30));
    const before = c.texts.length;
    const pong = new Promise<void>((resolve) => c.ws.once('pong', () => resolve()));
    c.ws.ping('x');
    await pong;
    await new Promise((r) => setTimeout(r, 250));
    expect(c.texts.length).toBe(before);
    await until(() => c.texts.length > before + 3);
    const f = c.msgs();
    for (let i = 1; i < f.length; i++) expect(f[i].U).toBe(f[i - 1].u + 1);
  });

  it('slowsnapshot delays the next depth response only', async () => {
    sim = await startSim({ symbols: ['BTCUSDT'], seed: 1 });
    sim.inject('slowsnapshot', { delayMs: 300 });
    let t0 = Date.now();
    await fetch(`${sim.restUrl}/api/v3/depth?symbol=BTCUSDT`);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    t0 = Date.now();
    await fetch(`${sim.restUrl}/api/v3/depth?symbol=BTCUSDT`);
    expect(Date.now() - t0).toBeLessThan(280);
  });

  it('stalesnapshot: lastUpdateId older than the stream already sent', async () => {
    sim = await startSim({ symbols: ['BTCUSDT'], seed: 1, diffIntervalMs: 5 });
    const c = await open('/ws/btcusdt@depth');
    await until(() => c.texts.length > 3);
    sim.inject('stalesnapshot');
    const stale: any = await (await fetch(`${sim.restUrl}/api/v3/depth?symbol=BTCUSDT`)).json();
    expect(stale.lastUpdateId).toBeLessThan(c.msgs()[0].U);
    const fresh: any = await (await fetch(`${sim.restUrl}/api/v3/depth?symbol=BTCUSDT`)).json();
    expect(fresh.lastUpdateId).toBeGreaterThanOrEqual(c.msgs()[0].U);
  });

  it('ratelimit: 429 with Retry-After and -1003, then normal', async () => {
    sim = await startSim({ symbols: ['BTCUSDT'], seed: 1 });
    sim.inject('ratelimit');
    const res = await fetch(`${sim.restUrl}/api/v3/time`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toEqual({ code: -1003, msg: 'Too many requests' });
    expect((await fetch(`${sim.restUrl}/api/v3/time`)).status).toBe(200);
  });

  it('maxsession closes old connections normally; maxsession schedule too', async () => {
    sim = await startSim({ symbols: ['BTCUSDT'], seed: 1, faults: 'maxsession=300ms' });
    const c = await open('/ws/btcusdt@trade');
    const closed = await until(() => c.closed, 3000);
    expect(closed.code).toBe(1000);
    expect(sim.stats().faultsInjected.maxsession).toBe(1);
  });

  it('shutdown: serverShutdown event (combined: !serverShutdown), then close', async () => {
    sim = await startSim({ symbols: ['BTCUSDT'], seed: 1 });
    const raw = await open('/ws/btcusdt@trade');
    const comb = await open('/stream?streams=btcusdt@trade');
    sim.inject('shutdown');
    await until(() => raw.closed && comb.closed);
    expect(raw.msgs().find((m) => m.e === 'serverShutdown')).toMatchObject({ e: 'serverShutdown', E: expect.any(Number) });
    expect(comb.msgs().find((m) => m.stream === '!serverShutdown')?.data.e).toBe('serverShutdown');
    expect(raw.closed!.code).toBe(1001);
  });

  it('scheduled faults fire on their own intervals', async () => {
    sim = await startSim({ symbols: ['BTCUSDT'], seed: 1, diffIntervalMs: 5, faults: 'gap=100ms,malformed=120ms' });
    await open('/ws/btcusdt@depth');
    await until(() => sim.stats().faultsInjected.gap >= 2 && sim.stats().faultsInjected.malformed >= 2, 3000);
  });
});
