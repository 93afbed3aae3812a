// SyncEngine.verifyCopies (redundant A/B lines): a copy whose own checksum disagrees is taken back
// before anything of it leaves the engine, when the owner says another line can bring the update;
// otherwise, or when that copy fails too, it is a gap as without redundancy.
import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../core/events.js';
import { crc32Text } from './checksum.js';
import { LevelBatch } from './levels.js';
import { MAX_UNCONFIRMED, SyncEngine, type SyncEngineOptions } from './sync-engine.js';
import { APPLY, CHECKSUM_ONLY_RULE, type BookRule, type DepthUpdate } from './types.js';

/** A toy checksum over the top 2 levels: crc32 of "p:a|p:a|…" bids then asks. */
const checksum = {
  depth: 2,
  compute: (bids: readonly (readonly [string, string])[], asks: readonly (readonly [string, string])[]) =>
    crc32Text([...bids, ...asks].map(([p, a]) => `${p}:${a}`).join('|')),
};
/** OKX-style: seqId chained by prevSeqId. */
const rule: BookRule = {
  ...CHECKSUM_ONLY_RULE,
  next: (last, u) => (u.prevId === last ? APPLY : { kind: 'gap', expected: `prevSeqId=${last}`, got: `prevSeqId=${u.prevId}` }),
  checksum,
};

const sumOf = (bids: [string, string][], asks: [string, string][]): number => checksum.compute(bids.slice(0, 2), asks.slice(0, 2));

function update(seq: number, levels: [1 | -1, string, string][], sum: number): DepthUpdate {
  const b = new LevelBatch();
  for (const [side, p, a] of levels) b.push(side, Number(p), p, a, Number(a) === 0);
  return { ts: seq * 10, localTs: seq * 10 + 1, firstId: seq, lastId: seq, prevId: seq - 1, levels: b, checksum: sum };
}

const BIDS: [string, string][] = [['10', '1'], ['9', '1'], ['8', '1']];
const ASKS: [string, string][] = [['11', '1'], ['12', '1'], ['13', '1']];
/** Update 101: bid 10 → 2. The bad copy says 3 under the true checksum. */
const GOOD = (): DepthUpdate => update(101, [[1, '10', '2']], sumOf([['10', '2'], ['9', '1']], ASKS));
const BAD = (): DepthUpdate => update(101, [[1, '10', '3']], sumOf([['10', '2'], ['9', '1']], ASKS));

function setup(onBadCopy: (u: DepthUpdate | undefined, e: SyncEngine) => boolean, extra: Partial<SyncEngineOptions> = {}) {
  const events: MarketEvent[] = [];
  const asked: (number | 'cs')[] = [];
  const e = new SyncEngine({
    venue: 'v', symbol: 'A/B', venueSymbol: 'AB', depth: 2, rule, snapshotVia: 'ws', emitChanges: true,
    emit: (ev) => events.push(ev), requestSnapshot: () => {}, now: () => 42, ...extra,
  });
  e.verifyCopies((u) => {
    asked.push(u?.lastId ?? 'cs');
    return onBadCopy(u, e);
  });
  e.onConnected(1);
  e.onStreamSnapshot({ lastUpdateId: 100, ts: 500, bids: BIDS, asks: ASKS, checksum: sumOf(BIDS, ASKS) }, 2);
  events.length = 0;
  const kinds = () => events.map((ev) => (ev.type === 'status' ? `status:${ev.state}` : ev.type));
  return { e, events, kinds, asked };
}

describe('SyncEngine.verifyCopies', () => {
  it('takes a bad copy back (no row, no change, no gap) and applies the other line\'s copy after it', () => {
    const { e, kinds, events, asked } = setup(() => true);
    e.onDiff(BAD());
    expect(asked).toEqual([101]);
    expect(kinds()).toEqual([]);
    expect(e.lastId).toBe(100);
    expect(e.book.bids.topRows(3)).toEqual(BIDS);
    expect(e.counters).toMatchObject({ copiesRejected: 1, applied: 0, gaps: 0, checksumMismatches: 0 });
    e.onDiff(GOOD());
    expect(kinds()).toEqual(['book_change', 'book_snapshot']);
    expect(events.at(-1)).toMatchObject({ type: 'book_snapshot', updateId: 101, bids: [['10', '2'], ['9', '1']] });
    expect(e.state).toBe('SYNCED');
    expect(e.counters).toMatchObject({ copiesRejected: 1, applied: 1, gaps: 0 });
  });

  it('applies the other line\'s copy handed over from inside onBadCopy', () => {
    const { e, kinds } = setup((_u, eng) => {
      eng.onDiff(GOOD());
      return true;
    });
    e.onDiff(BAD());
    expect(kinds()).toEqual(['book_change', 'book_snapshot']);
    expect(e.lastId).toBe(101);
    expect(e.book.bids.topRows(1)).toEqual([['10', '2']]);
  });

  it('no other line: a gap and a resync, as without redundancy', () => {
    const { e, kinds, asked } = setup(() => false);
    e.onDiff(BAD());
    expect(asked).toEqual([101]);
    // (the refuted change is recorded before its gap, as without redundancy: exports leave it out)
    expect(kinds()).toEqual(['book_change', 'gap', 'status:RESYNCING']);
    expect(e.counters).toMatchObject({ copiesRejected: 0, gaps: 1, applied: 1, checksumChecks: 2, checksumMismatches: 1 });
  });

  it('the other line\'s copy fails too: a gap without asking again', () => {
    const { e, kinds, asked } = setup(() => true);
    e.onDiff(BAD());
    e.onDiff(BAD());
    expect(asked).toEqual([101]);
    expect(kinds()).toEqual(['book_change', 'gap', 'status:RESYNCING']);
    expect(e.counters).toMatchObject({ copiesRejected: 1, gaps: 1 });
  });

  it('takes back the truncate to the kept depth with the update', () => {
    const { e } = setup(() => true, { keepDepth: 3 });
    // a better bid pushes 8 out of the kept 3; the copy is bad (its checksum is of another book)
    e.onDiff(update(101, [[1, '10.5', '1']], 1234));
    expect(e.book.bids.topRows(5)).toEqual(BIDS);
    expect(e.book.asks.topRows(5)).toEqual(ASKS);
  });

  it('keeps no undo log for advisory checksums or checksum frames of their own', () => {
    const { e, kinds, asked } = setup(() => true, { checksumAdvisory: true });
    e.onDiff(BAD());
    expect(asked).toEqual([]);
    expect(kinds()).toEqual(['book_change', 'gap', 'book_snapshot']); // advisory: the book keeps it
    expect(e.counters.copiesRejected).toBe(0);
  });
});

describe('SyncEngine.verifyCopies with checksum frames of their own (Bitfinex cs)', () => {
  const deferred: BookRule = { ...CHECKSUM_ONLY_RULE, checksum: { ...checksum, deferred: true } };
  const plain = (levels: [1 | -1, string, string][], ts: number): DepthUpdate => {
    const u = update(-1, levels, 0);
    delete u.checksum;
    return { ...u, ts, localTs: ts + 1, firstId: -1, lastId: -1, prevId: -1 };
  };

  it('a failing checksum frame takes back every update since the last good one; the replacements are confirmed by theirs', () => {
    let handed = false;
    const { e, kinds, events, asked } = setup(() => (handed = true), { rule: deferred });
    e.onDiff(plain([[1, '10', '2']], 600));
    e.onChecksum(sumOf([['10', '2'], ['9', '1']], ASKS), 600, 601);
    expect(kinds()).toEqual(['book_change', 'book_snapshot']);
    events.length = 0;
    // the leader's two updates since: one altered (9 → 5 instead of 9 → 4)
    e.onDiff(plain([[1, '10', '3']], 700));
    e.onDiff(plain([[1, '9', '5']], 710));
    e.onChecksum(sumOf([['10', '3'], ['9', '4']], ASKS), 710, 711);
    expect(asked).toEqual(['cs']);
    expect(handed).toBe(true);
    expect(kinds()).toEqual([]);
    expect(e.book.bids.topRows(3)).toEqual([['10', '2'], ['9', '1'], ['8', '1']]);
    expect(e.counters).toMatchObject({ copiesRejected: 1, applied: 1, gaps: 0 });
    // the other line's copies, then its checksum frame
    e.onDiff(plain([[1, '10', '3']], 700));
    e.onDiff(plain([[1, '9', '4']], 710));
    expect(kinds()).toEqual([]);
    e.onChecksum(sumOf([['10', '3'], ['9', '4']], ASKS), 710, 712);
    expect(kinds()).toEqual(['book_change', 'book_change', 'book_snapshot']);
    expect(events.at(-1)).toMatchObject({ bids: [['10', '3'], ['9', '4']] });
    expect(e.counters).toMatchObject({ copiesRejected: 1, applied: 3, gaps: 0, checksumMismatches: 0 });
  });

  it('no replacement: a gap, the unconfirmed changes never emitted', () => {
    const { e, kinds } = setup(() => false, { rule: deferred });
    e.onDiff(plain([[1, '10', '3']], 700));
    e.onChecksum(1234, 700, 701);
    expect(kinds()).toEqual(['book_change', 'gap', 'status:RESYNCING']);
    expect(e.counters).toMatchObject({ applied: 1, gaps: 1, copiesRejected: 0 });
  });
  it('a venue that stops sending checksum frames: past MAX_UNCONFIRMED updates, what waits is committed', () => {
    const { e, kinds, events } = setup(() => true, { rule: deferred });
    for (let i = 0; i <= MAX_UNCONFIRMED; i++) e.onDiff(plain([[1, '10', String(2 + (i % 2))]], 700 + i));
    // every change went out once the bound was passed, none is held back any more
    expect(kinds().filter((k) => k === 'book_change')).toHaveLength(MAX_UNCONFIRMED + 1);
    expect(events.at(-1)).toMatchObject({ type: 'book_change' });
    // a bad checksum now has nothing to take back: a gap, as without redundancy
    e.onChecksum(1234, 99_999, 99_999);
    expect(kinds().slice(-2)).toEqual(['gap', 'status:RESYNCING']);
    expect(e.counters).toMatchObject({ copiesRejected: 0, gaps: 1 });
  });
});
