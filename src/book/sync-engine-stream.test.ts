// SyncEngine for venues whose snapshots come on the stream and whose books carry checksums
// (Kraken, Bitfinex, OKX): snapshot → SYNCED at once, checksum after every update that has one,
// truncation to the subscribed depth, resync through the owner, advisory symbols.
import { describe, expect, it } from 'vitest';
import { MarketEvent } from '../core/events.js';
import { crc32Text } from './checksum.js';
import { LevelBatch } from './levels.js';
import { SyncEngine, type SyncEngineOptions } from './sync-engine.js';
import { APPLY, CHECKSUM_ONLY_RULE, type BookRule, type BookSnapshotInput, type DepthUpdate } from './types.js';

/** A toy checksum over the top 2 levels: crc32 of "p:a|p:a|…" bids then asks. */
const checksum = {
  depth: 2,
  compute: (bids: readonly (readonly [string, string])[], asks: readonly (readonly [string, string])[]) =>
    crc32Text([...bids, ...asks].map(([p, a]) => `${p}:${a}`).join('|')),
};
const rule: BookRule = { ...CHECKSUM_ONLY_RULE, checksum };

function sumOf(bids: [string, string][], asks: [string, string][]): number {
  return checksum.compute(bids.slice(0, 2), asks.slice(0, 2));
}

function update(levels: [1 | -1, string, string][], sum?: number, ts = 1000): DepthUpdate {
  const b = new LevelBatch();
  for (const [side, p, a] of levels) b.push(side, Number(p), p, a, Number(a) === 0);
  return { ts, localTs: ts + 1, firstId: -1, lastId: -1, prevId: -1, levels: b, ...(sum === undefined ? {} : { checksum: sum }) };
}

const BIDS: [string, string][] = [['10', '1'], ['9', '1'], ['8', '1']];
const ASKS: [string, string][] = [['11', '1'], ['12', '1'], ['13', '1']];
const snap = (extra: Partial<BookSnapshotInput> = {}): BookSnapshotInput => ({ lastUpdateId: -1, ts: 500, bids: BIDS, asks: ASKS, ...extra });

function setup(extra: Partial<SyncEngineOptions> = {}) {
  const events: MarketEvent[] = [];
  let requests = 0;
  const e = new SyncEngine({
    venue: 'v', symbol: 'A/B', venueSymbol: 'AB', depth: 2, rule, snapshotVia: 'ws', emit: (ev) => events.push(ev),
    requestSnapshot: () => { requests++; }, now: () => 42, ...extra,
  });
  const kinds = () => events.map((ev) => (ev.type === 'status' ? `status:${ev.state}` : ev.type));
  return { e, events, kinds, requests: () => requests };
}

describe('SyncEngine with stream snapshots and checksums', () => {
  it('goes SYNCED on a stream snapshot whose checksum matches, and verifies every update', () => {
    const { e, events, kinds, requests } = setup();
    e.onConnected(1);
    e.onStreamSnapshot(snap({ checksum: sumOf(BIDS, ASKS) }), 2);
    expect(kinds()).toEqual(['status:SNAPSHOT', 'status:SYNCED', 'book_snapshot']);
    e.onDiff(update([[1, '10', '2']], sumOf([['10', '2'], ['9', '1']], ASKS)));
    expect(events.at(-1)).toMatchObject({ type: 'book_snapshot', bids: [['10', '2'], ['9', '1']] });
    expect(e.counters).toMatchObject({ checksumChecks: 2, checksumMismatches: 0, gaps: 0 });
    expect(requests()).toBe(0);
    for (const ev of events) expect(MarketEvent.safeParse(ev).success).toBe(true);
  });

  it('turns a checksum mismatch into a gap, clears the book and asks the owner for a new snapshot', () => {
    const { e, events, kinds, requests } = setup();
    e.onConnected(1);
    e.onStreamSnapshot(snap(), 2);
    e.onDiff(update([[1, '10', '2']], 12345));
    expect(kinds().slice(-3)).toEqual(['book_snapshot', 'gap', 'status:RESYNCING']);
    expect(events.find((ev) => ev.type === 'gap')).toMatchObject({ action: 'resync', expected: 'checksum 12345' });
    expect(e.book.size).toBe(0);
    expect(requests()).toBe(1);
    // updates before the new snapshot are dropped, and do not ask again
    e.onDiff(update([[1, '9', '3']], 1));
    expect(e.counters.unsynced).toBe(1);
    expect(requests()).toBe(1);
    e.onStreamSnapshot(snap(), 9);
    expect(e.state).toBe('SYNCED');
    expect(e.counters).toMatchObject({ gaps: 1, resyncs: 1, checksumMismatches: 1, snapshots: 2 });
  });

  it('keeps the book of an advisory symbol, counting the mismatch in an advisory gap', () => {
    const { e, events, requests } = setup({ checksumAdvisory: true });
    e.onConnected(1);
    e.onStreamSnapshot(snap(), 2);
    e.onDiff(update([[1, '10', '2']], 7));
    expect(e.state).toBe('SYNCED');
    expect(events.find((ev) => ev.type === 'gap')).toMatchObject({ action: 'none' });
    expect(events.at(-1)).toMatchObject({ type: 'book_snapshot', bids: [['10', '2'], ['9', '1']] });
    expect(requests()).toBe(0);
    expect(e.counters).toMatchObject({ checksumMismatches: 1, gaps: 0 });
  });

  it('checks a separate checksum frame against the book as it stands (Bitfinex cs)', () => {
    const { e } = setup();
    e.onConnected(1);
    e.onStreamSnapshot(snap(), 2);
    e.onChecksum(sumOf(BIDS, ASKS), 0, 3);
    expect(e.state).toBe('SYNCED');
    e.onChecksum(1, 0, 4);
    expect(e.state).toBe('RESYNCING');
  });

  it('with deferred checksums (Bitfinex cs frames) emits rows only once a checksum confirms the book', () => {
    const { e, events } = setup({ rule: { ...CHECKSUM_ONLY_RULE, checksum: { ...checksum, deferred: true } } });
    e.onConnected(1);
    e.onStreamSnapshot(snap(), 2);
    const rows = () => events.filter((ev) => ev.type === 'book_snapshot').length;
    expect(rows()).toBe(1);
    e.onDiff(update([[1, '10', '2']]));
    e.onDiff(update([[-1, '11', '3']]));
    expect(rows()).toBe(1); // not verified yet
    e.onChecksum(sumOf([['10', '2'], ['9', '1']], [['11', '3'], ['12', '1']]), 1500, 1501);
    expect(rows()).toBe(2);
    expect(events.at(-1)).toMatchObject({ type: 'book_snapshot', ts: 1500, bids: [['10', '2'], ['9', '1']], asks: [['11', '3'], ['12', '1']] });
    e.onChecksum(sumOf([['10', '2'], ['9', '1']], [['11', '3'], ['12', '1']]), 1600, 1601);
    expect(rows()).toBe(2); // nothing changed since
    e.onDiff(update([[1, '10', '4']]));
    e.onChecksum(5, 1700, 1701); // a mismatch: no row of the unverified book
    expect(rows()).toBe(2);
    expect(e.state).toBe('RESYNCING');
  });

  it('compares a checksum the decoder computed itself (raw order books) instead of the book\'s', () => {
    const { e } = setup();
    e.onConnected(1);
    e.onStreamSnapshot(snap(), 2);
    e.onChecksum(777, 0, 3, 777); // the book's own sum would differ: the decoder's is what counts
    expect(e.state).toBe('SYNCED');
    expect(e.counters).toMatchObject({ checksumChecks: 1, checksumMismatches: 0 });
    e.onChecksum(777, 0, 4, 778);
    expect(e.state).toBe('RESYNCING');
  });

  it('truncates the book to the subscribed depth after the snapshot and every update', () => {
    const { e } = setup({ keepDepth: 2 });
    e.onConnected(1);
    e.onStreamSnapshot(snap(), 2);
    expect(e.book.bids.size).toBe(2);
    e.onDiff(update([[1, '9.5', '1']]));
    expect(e.book.bids.topRows(5)).toEqual([['10', '1'], ['9.5', '1']]);
  });

  it('asks for a snapshot once when updates come before any stream snapshot', () => {
    const { e, requests } = setup();
    e.onConnected(1);
    e.onDiff(update([[1, '10', '2']]));
    e.onDiff(update([[1, '10', '3']]));
    expect(requests()).toBe(1);
    expect(e.counters.unsynced).toBe(2);
    e.onSnapshotFailed('no snapshot', 5);
    expect(requests()).toBe(2);
  });

  it('a stream snapshot while SYNCED replaces the book without a state change (books5-style)', () => {
    const { e, kinds } = setup();
    e.onConnected(1);
    e.onStreamSnapshot(snap(), 2);
    e.onStreamSnapshot(snap({ bids: [['10', '4']] }), 3);
    expect(kinds()).toEqual(['status:SNAPSHOT', 'status:SYNCED', 'book_snapshot', 'book_snapshot']);
    expect(e.book.bids.topRows(2)).toEqual([['10', '4']]);
  });

  it('applies OKX-style sequence rules on top of stream snapshots', () => {
    const seqRule: BookRule = {
      ...CHECKSUM_ONLY_RULE,
      next: (last, u) => (u.prevId === last ? APPLY : { kind: 'gap', expected: `prevSeqId=${last}`, got: `prevSeqId=${u.prevId}` }),
    };
    const { e, events } = setup({ rule: seqRule });
    e.onConnected(1);
    e.onStreamSnapshot(snap({ lastUpdateId: 10 }), 2);
    const u1 = update([[1, '10', '2']]);
    e.onDiff({ ...u1, prevId: 10, firstId: 11, lastId: 11 });
    expect(e.lastId).toBe(11);
    e.onDiff({ ...u1, prevId: 13, firstId: 14, lastId: 14 });
    expect(events.find((ev) => ev.type === 'gap')).toMatchObject({ expected: 'prevSeqId=11', got: 'prevSeqId=13' });
    expect(e.state).toBe('RESYNCING');
  });
});
