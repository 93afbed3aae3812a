// SnapshotScheduler: which book gets the next REST snapshot when the budget admits one. The REST
// client and the core are stand-ins: admissions are released by hand, bodies always seed.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/log.js';
import type { RestClient } from '../transport/rest.js';
import type { FeedCore } from './feed-core.js';
import { SnapshotScheduler } from './snapshot-scheduler.js';
import type { VenueSpec } from './types.js';

function setup(symbols: string[]) {
  const admissions: (() => void)[] = [];
  const fetched: string[] = [];
  const states = new Map<string, string>();
  let failWith: string | undefined;
  const rest = {
    admit: () => new Promise<void>((resolve) => admissions.push(resolve)),
    get: async (path: string) => {
      fetched.push(new URLSearchParams(path.split('?')[1]).get('symbol')!);
      if (failWith !== undefined) throw new Error(failWith);
      return { status: 200, body: '{}', localTs: 1, url: `http://venue${path}`, headers: new Headers() };
    },
  };
  const core = {
    bookState: (v: string) => states.get(v) ?? 'SNAPSHOT',
    symbolOf: (v: string) => v,
    onSnapshotBody: () => undefined,
    snapshotFailed: () => {},
    connectionPlans: () => [],
    resubscribeFrames: () => [],
  };
  const spec = { id: 'testvenue', depthRequest: (v: string, limit: number) => ({ path: `/depth?symbol=${v}&limit=${limit}`, weight: 50 }) };
  const sched = new SnapshotScheduler({
    spec: spec as unknown as VenueSpec, rest: rest as unknown as RestClient, core: core as unknown as FeedCore,
    snapshotLimit: 1000, depth: 20, handlers: { event: () => {} }, log: silentLogger, connection: () => undefined,
  }, symbols);
  /** Lets the budget admit one request, then lets its fetch finish. */
  const admit = async (): Promise<void> => {
    admissions.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { sched, fetched, states, admit, admissions, fail: (why: string) => (failWith = why) };
}

describe('SnapshotScheduler', () => {
  it('serves books never synced before books resyncing, even those that asked earlier', async () => {
    const t = setup(['A', 'B', 'C']);
    t.states.set('A', 'RESYNCING');
    t.states.set('B', 'RESYNCING');
    t.sched.request('A');
    t.sched.request('B');
    t.sched.request('C'); // its first book, asked last
    await t.admit();
    await t.admit();
    await t.admit();
    expect(t.fetched).toEqual(['C', 'A', 'B']);
    t.sched.stop();
  });

  it('round robin: a book asks once at a time, and one that resyncs again goes behind the others', async () => {
    const t = setup(['A', 'B', 'C']);
    for (const v of ['A', 'B', 'C']) t.states.set(v, 'RESYNCING');
    t.sched.request('A');
    t.sched.request('A'); // already waiting: no second place in the queue
    t.sched.request('B');
    await t.admit(); // A
    t.sched.request('A'); // A resyncs again at once …
    t.sched.request('C');
    await t.admit();
    await t.admit();
    await t.admit();
    expect(t.fetched).toEqual(['A', 'B', 'A', 'C']); // … behind B, which asked before it
    expect(t.admissions.length).toBe(0);
    t.sched.stop();
  });

  it('shows how long each book has waited, until its snapshot has come', async () => {
    const t = setup(['A', 'B']);
    t.sched.request('A');
    t.sched.request('B');
    const later = performance.now() + 5000;
    expect(t.sched.waitS('A', later)).toBeGreaterThanOrEqual(5);
    expect(t.sched.waitS('B', later)).toBeGreaterThanOrEqual(5);
    await t.admit();
    expect(t.sched.waitS('A', later)).toBe(0);
    expect(t.sched.waitS('B', later)).toBeGreaterThanOrEqual(5);
    t.sched.stop();
  });

  it('keeps a failed book waiting (its retry comes after a backoff, through the book)', async () => {
    const t = setup(['A']);
    t.fail('HTTP error');
    t.sched.request('A');
    await t.admit();
    expect(t.fetched).toEqual(['A']);
    expect(t.sched.waitS('A', performance.now() + 1000)).toBeGreaterThan(0);
    t.sched.request('A'); // the backoff is running: not asked again yet
    expect(t.admissions.length).toBe(0);
    t.sched.stop();
  });
});
