import { describe, expect, it } from 'vitest';
import { RecentIds } from './recent-ids.js';

describe('RecentIds', () => {
  it('tells a repeat among the recent ids, in any order, and forgets the oldest beyond capacity', () => {
    const r = new RecentIds(3);
    expect(['5', '3', '4'].map((id) => r.seen(id))).toEqual([false, false, false]);
    expect(r.seen('3')).toBe(true);
    expect(r.seen('6')).toBe(false); // pushes out '5'
    expect(r.seen('5')).toBe(false);
    expect(r.seen('6')).toBe(true);
  });
});
