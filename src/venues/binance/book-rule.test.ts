// The sync-decision vectors of both markets: one verdict per event; compare the verdict class only.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LevelBatch } from '../../book/levels.js';
import type { BookRule, DepthUpdate } from '../../book/types.js';
import { futuresBookRule, spotBookRule } from './book-rule.js';
import { FIXTURES } from '../../../test/fixtures.js';

const VECTORS = `${FIXTURES}/protocol-vectors`;
const upd = (U: number, u: number, pu = -1): DepthUpdate => ({ ts: 0, localTs: 0, firstId: U, lastId: u, prevId: pu, levels: new LevelBatch() });
const CLASS: Record<string, string> = { stale: 'drop', apply: 'apply', gap: 'gap', refetch: 'refetch' };

/** Runs a decision table the way the SyncEngine does: bridge until the first apply, then next. */
function decide(rule: BookRule, snapshotId: number, events: { U: number; u: number; pu?: number }[]): string[] {
  let bridged = false;
  let lastId = snapshotId;
  return events.map((e) => {
    const u = upd(e.U, e.u, e.pu);
    const v = bridged ? rule.next(lastId, u) : rule.bridge(snapshotId, u);
    if (v.kind === 'apply') {
      bridged = true;
      lastId = e.u;
    }
    return CLASS[v.kind];
  });
}

describe.each([
  ['binance-spot-sync-decisions', 'binance-spot.json', spotBookRule],
  ['binance-futures-sync-decisions', 'binance-usdm-futures.json', futuresBookRule],
] as const)('%s', (id, file, rule) => {
  const v = JSON.parse(readFileSync(`${VECTORS}/${file}`, 'utf8')).vectors.find((x: { id: string }) => x.id === id);
  it('matches every verdict class', () => {
    const classes = decide(rule, v.input.snapshotLastUpdateId, v.input.events);
    expect(classes).toEqual(v.expected.decisions.map((d: string) => d.split(/[(-]/)[0]));
    if (v.expected.localUpdateIdAfterLastApplied !== undefined) {
      const applied = v.input.events.filter((_: unknown, i: number) => classes[i] === 'apply');
      expect(applied.at(-1).u).toBe(v.expected.localUpdateIdAfterLastApplied);
    }
  });
});

describe('spot rule edges (PROTOCOLS.md §1.4, §8)', () => {
  it('refetches when the snapshot is older than the first buffered U (vector note: 140 vs U=150)', () => {
    expect(spotBookRule.snapshotUsable(140, upd(150, 155))).toBe(false);
    expect(spotBookRule.snapshotUsable(150, upd(150, 155))).toBe(true);
  });
  it.each([
    ['u == L is dropped', 100, 95, 100, 'stale'],
    ['straddling first event is applied', 100, 98, 103, 'apply'],
    ['U == L+1 is applied', 100, 101, 101, 'apply'],
    ['U > L+1 is a gap', 100, 102, 104, 'gap'],
  ])('bridge: %s', (_n, L, U, u, kind) => {
    expect(spotBookRule.bridge(L, upd(U, u)).kind).toBe(kind);
  });
  it.each([
    ['U == local+1', 50, 51, 53, 'apply'],
    ['u < local', 50, 40, 49, 'stale'],
    ['U > local+1', 50, 52, 53, 'gap'],
    ['u == local (the same event again, e.g. during a rotation)', 50, 48, 50, 'stale'],
  ])('next: %s', (_n, local, U, u, kind) => {
    expect(spotBookRule.next(local, upd(U, u)).kind).toBe(kind);
  });
  it('snapshotUsable: lastUpdateId == U-1 bridges (U <= L+1), older refetches', () => {
    expect(spotBookRule.snapshotUsable(149, upd(150, 155))).toBe(true);
    expect(spotBookRule.snapshotUsable(148, upd(150, 155))).toBe(false);
    expect(spotBookRule.bridge(149, upd(150, 155)).kind).toBe('apply');
  });
  it('a gap verdict says what was expected and what came', () => {
    expect(spotBookRule.next(171, upd(173, 175))).toEqual({ kind: 'gap', expected: 'U=172', got: 'U=173 u=175' });
  });
});

describe('futures rule edges (PROTOCOLS.md §2)', () => {
  it.each([
    ['u < L is dropped', 1000, 900, 999, 880, 'stale'],
    ['u == L is applied (3 of 4 captured symbols)', 1000, 990, 1000, 980, 'apply'],
    ['U == L is applied (SUSHIUSDT)', 1000, 1000, 1010, 990, 'apply'],
    ['pu == L bridges a snapshot between two events', 1000, 1005, 1010, 1000, 'apply'],
    ['U > L without pu == L is a gap', 1000, 1005, 1010, 1002, 'gap'],
  ])('bridge: %s', (_n, L, U, u, pu, kind) => {
    expect(futuresBookRule.bridge(L, upd(U, u, pu)).kind).toBe(kind);
  });
  it('next: pu must equal the previous u (U/u need not be contiguous)', () => {
    expect(futuresBookRule.next(1020, upd(1030, 1040, 1020)).kind).toBe('apply');
    expect(futuresBookRule.next(1040, upd(1030, 1040, 1020)).kind).toBe('stale'); // delivered twice
    expect(futuresBookRule.next(1040, upd(1021, 1030, 1020)).kind).toBe('stale');
    expect(futuresBookRule.next(1020, upd(1021, 1040, 1025))).toEqual({ kind: 'gap', expected: 'pu=1020', got: 'pu=1025 U=1021 u=1040' });
  });
  it('snapshotUsable: refetch when the snapshot is older than the first buffered event', () => {
    expect(futuresBookRule.snapshotUsable(990, upd(1000, 1010, 995))).toBe(false);
    expect(futuresBookRule.snapshotUsable(1000, upd(1000, 1010, 995))).toBe(true);
  });
});
