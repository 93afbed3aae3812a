import { describe, expect, it } from 'vitest';
import { ID_RESTART_DROP, RecentIds, isIdRestart } from './recent-ids.js';

describe('RecentIds', () => {
  it('tells a repeat among the recent ids, in any order, and forgets the oldest beyond capacity', () => {
    const r = new RecentIds(3);
    expect(['5', '3', '4'].map((id) => r.seen(id))).toEqual([false, false, false]);
    expect(r.seen('3')).toBe(true);
    expect(r.seen('6')).toBe(false); // pushes out '5'
    expect(r.seen('5')).toBe(false);
    expect(r.seen('6')).toBe(true);
  });

  it('a venue that starts its ids again: the restart is told, and none of the new ids is taken for an old one', () => {
    const r = new RecentIds(8, 1000);
    const old = Array.from({ length: 8 }, (_, i) => String(5_000 + i));
    expect(old.map((id) => r.check(id))).toEqual(old.map(() => 'new'));
    // out of order by a little, and a late copy: not a restart
    expect(r.check('4990')).toBe('new');
    expect(r.check('5007')).toBe('copy');
    // ids start again far below: the first one is the restart, the rest are new, even those the old numbering used
    expect(r.check('1')).toBe('restart');
    expect(r.restarts).toBe(1);
    expect(['2', '3', '4'].map((id) => r.check(id))).toEqual(['new', 'new', 'new']);
    expect(r.check('2')).toBe('copy'); // copies of the new numbering are still caught
  });

  it('restart: a new numbering that runs into ids the old one left in memory loses none of them', () => {
    // the old numbering reached 3_000_100; the new one restarts at 1 and later climbs through 5000…
    const r = new RecentIds(4, 1000);
    for (const id of ['5000', '5001', '3000100']) r.check(id);
    expect(r.check('1')).toBe('restart');
    expect(r.check('5000')).toBe('new'); // would have been a "copy" of the old 5000 without the restart
  });

  it('text ids (Coinbase, KuCoin UUIDs) never count as a restart; memory stays at capacity', () => {
    const r = new RecentIds(2);
    expect(['b-1', 'a-1', 'c-1'].map((id) => r.check(id))).toEqual(['new', 'new', 'new']);
    expect(r.check('b-1')).toBe('new'); // forgotten: capacity 2
    expect(r.restarts).toBe(0);
  });

  it('isIdRestart: a drop past the threshold only', () => {
    expect(isIdRestart(1, 5_000_000)).toBe(true);
    expect(isIdRestart(5_000_000 - ID_RESTART_DROP, 5_000_000)).toBe(false);
    expect(isIdRestart(4_999_000, 5_000_000)).toBe(false);
    expect(isIdRestart(10, -Infinity)).toBe(false);
  });
});
