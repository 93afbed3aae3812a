import { describe, expect, it } from 'vitest';
import { MarketEvent } from '../core/events.js';
import { LevelBatch } from './levels.js';
import { SyncEngine, type SyncEngineOptions } from './sync-engine.js';
import { APPLY, STALE, type BookRule, type DepthUpdate } from './types.js';

// A spot-style rule (book/ must not import venues): drop u<=L, bridge U<=L+1<=u, then U==last+1.
const rule: BookRule = {
  snapshotUsable: (L, first) => L >= first.firstId,
  bridge: (L, u) => (u.lastId <= L ? STALE : u.firstId <= L + 1 ? APPLY : { kind: 'gap', expected: `U<=${L + 1}`, got: `U=${u.firstId}` }),
  next: (last, u) => (u.lastId < last ? STALE : u.firstId > last + 1 ? { kind: 'gap', expected: `U=${last + 1}`, got: `U=${u.firstId}` } : APPLY),
};

function diff(U: number, u: number, levels: [1 | -1, string, string][] = []): DepthUpdate {
  const b = new LevelBatch();
  for (const [side, p, a] of levels) b.push(side, Number(p), p, a, Number(a) === 0);
  return { ts: u * 10, localTs: u * 10 + 1, firstId: U, lastId: u, prevId: -1, levels: b };
}

function setup(extra: Partial<SyncEngineOptions> = {}) {
  const events: MarketEvent[] = [];
  let requests = 0;
  const e = new SyncEngine({
    venue: 'v', symbol: 'A/B', venueSymbol: 'AB', depth: 2, rule, emit: (ev) => events.push(ev),
    requestSnapshot: () => { requests++; }, now: () => 42, ...extra,
  });
  const kinds = () => events.map((ev) => (ev.type === 'status' ? `status:${ev.state}` : ev.type));
  return { e, events, kinds, requests: () => requests };
}

const SNAP = { lastUpdateId: 100, ts: 0, bids: [['10', '1'], ['9', '1'], ['8', '1']] as [string, string][], asks: [['11', '1'], ['12', '1']] as [string, string][] };

describe('SyncEngine', () => {
  it('buffers, requests one snapshot after the first diff, bridges, and only then emits rows', () => {
    const { e, events, kinds, requests } = setup();
    e.onConnected();
    expect(e.state).toBe('SNAPSHOT');
    e.onDiff(diff(95, 100, [[1, '10', '5']])); // u <= L: dropped at the bridge
    expect(requests()).toBe(1);
    e.onDiff(diff(101, 102, [[1, '10', '2']]));
    expect(requests()).toBe(1);
    expect(kinds()).toEqual(['status:SNAPSHOT']); // nothing but status while not synced
    e.onSnapshot(SNAP, 7);
    expect(kinds()).toEqual(['status:SNAPSHOT', 'status:SYNCING', 'status:SYNCED', 'book_snapshot']);
    expect(events.at(-1)).toMatchObject({ type: 'book_snapshot', updateId: 102, ts: 1020, localTs: 1021, depth: 2, bids: [['10', '2'], ['9', '1']], asks: [['11', '1'], ['12', '1']] });
    expect(e.counters).toMatchObject({ applied: 1, stale: 1, snapshots: 1, rows: 1, gaps: 0 });
    for (const ev of events) expect(MarketEvent.safeParse(ev).success).toBe(true);
    // A change beyond the top 2 emits nothing; a change inside does.
    e.onDiff(diff(103, 103, [[1, '8', '3']]));
    expect(e.counters.rows).toBe(1);
    e.onDiff(diff(104, 104, [[-1, '11', '0']]));
    expect(events.at(-1)).toMatchObject({ type: 'book_snapshot', updateId: 104, asks: [['12', '1']] });
    // A batch that touches the top and undoes it emits nothing.
    e.onDiff(diff(105, 105, [[1, '10', '9'], [1, '10', '2']]));
    expect(e.counters.rows).toBe(2);
    expect(e.lastId).toBe(105);
  });

  it('gap → gap event, RESYNCING, book cleared, offending update kept → resynced', () => {
    const { e, events, kinds, requests } = setup();
    e.onConnected();
    e.onDiff(diff(100, 101));
    e.onSnapshot(SNAP, 0);
    expect(e.state).toBe('SYNCED');
    const before = events.length;
    e.onDiff(diff(105, 106, [[1, '10', '7']]));
    expect(kinds().slice(before)).toEqual(['gap', 'status:RESYNCING']);
    expect(events[before]).toMatchObject({ type: 'gap', scope: 'book', expected: 'U=102', got: 'U=105', action: 'resync' });
    expect(e.book.size).toBe(0);
    expect(requests()).toBe(2);
    e.onDiff(diff(107, 107, [[1, '9', '4']]));
    expect(kinds().slice(before)).toEqual(['gap', 'status:RESYNCING']); // no rows while resyncing
    e.onSnapshot({ ...SNAP, lastUpdateId: 105 }, 0);
    expect(e.state).toBe('SYNCED');
    expect(e.lastId).toBe(107);
    expect(events.at(-1)).toMatchObject({ type: 'book_snapshot', bids: [['10', '7'], ['9', '4']] });
    expect(e.counters).toMatchObject({ gaps: 1, resyncs: 1, snapshots: 2 });
  });

  // Binance step 4 refetches when lastUpdateId < first U, even at L == U-1.
  it('refetches a snapshot older than the first buffered update', () => {
    const { e, requests } = setup();
    e.onConnected();
    e.onDiff(diff(150, 155));
    e.onSnapshot({ ...SNAP, lastUpdateId: 140 }, 0);
    expect(e.state).toBe('SNAPSHOT');
    expect(e.counters.refetches).toBe(1);
    expect(requests()).toBe(2);
    e.onSnapshot({ ...SNAP, lastUpdateId: 152 }, 0);
    expect(e.state).toBe('SYNCED');
    expect(e.lastId).toBe(155);
  });

  it('copes with the snapshot arriving before any diff', () => {
    const { e } = setup();
    e.onConnected();
    e.onSnapshot(SNAP, 0);
    expect(e.state).toBe('SYNCING');
    e.onDiff(diff(90, 99)); // stale
    e.onDiff(diff(100, 103)); // bridges
    expect(e.state).toBe('SYNCED');
    expect(e.counters).toMatchObject({ stale: 1, applied: 1 });
  });

  it('refetches when a snapshot that came first is older than the first diff', () => {
    const { e, requests } = setup();
    e.onConnected();
    e.onSnapshot(SNAP, 0);
    e.onDiff(diff(120, 125));
    expect(e.state).toBe('SNAPSHOT');
    expect(e.counters.refetches).toBe(1);
    expect(requests()).toBe(1);
    e.onSnapshot({ ...SNAP, lastUpdateId: 124 }, 0);
    expect(e.state).toBe('SYNCED');
  });

  it('disconnect: synced → RESYNCING, buffer and book cleared, waits for onConnected; late snapshots are ignored', () => {
    const { e, kinds, requests } = setup();
    e.onConnected();
    e.onDiff(diff(100, 101));
    e.onSnapshot(SNAP, 0);
    e.onDisconnected('socket closed');
    expect(e.state).toBe('RESYNCING');
    expect(e.book.size).toBe(0);
    e.onSnapshot(SNAP, 0); // arrives while disconnected
    expect(e.state).toBe('RESYNCING');
    e.onConnected();
    e.onDiff(diff(300, 301));
    expect(requests()).toBe(2);
    e.onSnapshot({ ...SNAP, lastUpdateId: 300 }, 0);
    expect(e.state).toBe('SYNCED');
    expect(kinds().filter((k) => k.startsWith('status'))).toEqual([
      'status:SNAPSHOT', 'status:SYNCING', 'status:SYNCED', 'status:RESYNCING', 'status:SYNCING', 'status:SYNCED',
    ]);
    const f = setup();
    f.e.onConnected();
    f.e.onDisconnected('x');
    expect(f.e.state).toBe('CONNECTING');
  });

  it('buffers copies (decoder storage is reused) and caps the buffer, dropping the oldest', () => {
    const { e } = setup({ maxBuffer: 2 });
    e.onConnected();
    let d = diff(101, 101, [[1, '10', '3']]);
    e.onDiff(d);
    (d.levels as LevelBatch).reset();
    (d.levels as LevelBatch).push(1, 10, '10', '999', false);
    e.onDiff(diff(102, 102));
    e.onDiff(diff(103, 103));
    expect(e.counters.overflows).toBe(1);
    e.onSnapshot({ ...SNAP, lastUpdateId: 102 }, 0);
    expect(e.state).toBe('SYNCED');
    const f = setup();
    f.e.onConnected();
    f.e.onDiff(d = diff(100, 101, [[1, '10', '3']]));
    (d.levels as LevelBatch).reset();
    f.e.onSnapshot(SNAP, 0);
    expect(f.e.book.bestBidAmountText).toBe('3');
  });

  it('snapshot failure asks again; stop() ends everything', () => {
    const { e, requests, kinds } = setup();
    e.onConnected();
    e.onDiff(diff(101, 101));
    e.onSnapshotFailed('HTTP 500');
    expect(requests()).toBe(2);
    expect(e.state).toBe('SNAPSHOT');
    e.stop();
    e.onDiff(diff(102, 102));
    e.onSnapshot(SNAP, 0);
    expect(e.state).toBe('STOPPED');
    expect(kinds().at(-1)).toBe('status:STOPPED');
  });

  it('emitChanges: book_change for the snapshot and every applied diff', () => {
    const { e, events } = setup({ emitChanges: true });
    e.onConnected();
    e.onDiff(diff(100, 102, [[1, '10', '2'], [-1, '13', '1']]));
    e.onSnapshot(SNAP, 5);
    const changes = events.filter((ev) => ev.type === 'book_change');
    expect(changes).toMatchObject([
      { isSnapshot: true, lastId: 100, localTs: 5, bids: SNAP.bids, asks: SNAP.asks },
      { isSnapshot: false, firstId: 100, lastId: 102, bids: [['10', '2']], asks: [['13', '1']] },
    ]);
    for (const ev of changes) expect(MarketEvent.safeParse(ev).success).toBe(true);
  });
});
