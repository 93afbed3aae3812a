// The sync-decision vectors of both markets (mexc.json), one verdict per push (compare the verdict
// class only), through the rule alone and through a SyncEngine seeded with the snapshot; and the
// doc's rule-6 trap: fromVersion == lastUpdateId + 1 is the clean first push, not a gap.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../core/events.js';
import { LevelBatch } from '../../book/levels.js';
import { SyncEngine } from '../../book/sync-engine.js';
import type { DepthUpdate } from '../../book/types.js';
import { FIXTURES } from '../../../test/fixtures.js';
import { versionChainRule as rule } from './book-rule.js';

const FILE = JSON.parse(readFileSync(`${FIXTURES}/protocol-vectors/mexc.json`, 'utf8')) as { vectors: { id: string; input: any; expected: any }[] };
const vector = (id: string) => FILE.vectors.find((v) => v.id === id)!;

const upd = (from: number, to: number): DepthUpdate => {
  const levels = new LevelBatch();
  levels.push(1, 100, '100', String(to), false); // a level whose amount names the push
  return { ts: 0, localTs: 0, firstId: from, lastId: to, prevId: -1, levels };
};
const CLASS: Record<string, string> = { stale: 'drop', apply: 'apply', gap: 'gap', refetch: 'refetch' };
/** "apply-first(…)" → apply, "gap->reinit(…)" → gap, "drop(…)" → drop. */
const classOf = (d: string): string => d.split(/[(-]/)[0];

/** A decision table the way the SyncEngine runs it: bridge until the first apply, then next. */
function decide(snapshotId: number, pushes: [number, number][]): string[] {
  let bridged = false;
  let lastId = snapshotId;
  return pushes.map(([from, to]) => {
    const v = bridged ? rule.next(lastId, upd(from, to)) : rule.bridge(snapshotId, upd(from, to));
    if (v.kind === 'apply') {
      bridged = true;
      lastId = to;
    }
    return CLASS[v.kind];
  });
}

const spot = vector('mexc-spot-sync-decisions');
const contract = vector('mexc-contract-sync-decisions');
const spotPushes: [number, number][] = spot.input.pushes.map((p: { fromVersion: number; toVersion: number }) => [p.fromVersion, p.toVersion]);
// futures: a single push covers its version; a merged one begin..end
const contractPushes: [number, number][] = contract.input.pushes.map((p: { version: number; begin?: number; end?: number }) => [p.begin ?? p.version, p.end ?? p.version]);

describe('mexc version chain rule', () => {
  it('mexc-spot-sync-decisions: every verdict class', () => {
    expect(decide(spot.input.snapshotLastUpdateId, spotPushes)).toEqual(spot.expected.decisions.map(classOf));
  });

  it('mexc-contract-sync-decisions: every verdict class (merged pushes by begin/end)', () => {
    expect(decide(contract.input.snapshotVersion, contractPushes)).toEqual(contract.expected.decisions.map(classOf));
  });

  it('the doc\'s rule-6 trap: fromVersion == V+1 applies first (the literal reading would reinit)', () => {
    const d = spot.expected.docLiteralDisagreement;
    const first = d.case.firstPush;
    expect(classOf(d.recommended)).toBe('apply');
    expect(rule.bridge(d.case.snapshotLastUpdateId, upd(first.fromVersion, first.toVersion))).toEqual({ kind: 'apply' });
    expect(rule.snapshotUsable(d.case.snapshotLastUpdateId, upd(first.fromVersion, first.toVersion))).toBe(true);
    // one further is data missing between snapshot and stream: the snapshot is refetched
    expect(rule.snapshotUsable(1000, upd(1002, 1003))).toBe(false);
  });

  it('next: a duplicate is stale, an overlapping push applies (absolute quantities), a skip is a gap', () => {
    expect(rule.next(1010, upd(1005, 1010)).kind).toBe('stale');
    expect(rule.next(1010, upd(1008, 1012)).kind).toBe('apply');
    expect(rule.next(1010, upd(1011, 1011)).kind).toBe('apply');
    expect(rule.next(1010, upd(1012, 1013))).toEqual({ kind: 'gap', expected: 'fromVersion=1011', got: 'fromVersion=1012 toVersion=1013' });
  });
});

describe.each([
  ['spot', spot.input.snapshotLastUpdateId as number, spotPushes, spot.expected.decisions as string[]],
  ['contract', contract.input.snapshotVersion as number, contractPushes, contract.expected.decisions as string[]],
] as const)('%s decision table through a SyncEngine', (_name, snapshotId, pushes, decisions) => {
  it('buffers, bridges at the first apply, and ends in a gap and a resync exactly where the table says', () => {
    const events: MarketEvent[] = [];
    let asked = 0;
    const e = new SyncEngine({
      venue: 'mexc', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', depth: 5, rule, emit: (ev) => events.push(ev),
      requestSnapshot: () => asked++, now: () => 1,
    });
    e.onConnected(1);
    // every push but the last arrives before the snapshot (buffered), as the doc's step 1 says
    for (const [from, to] of pushes.slice(0, -1)) e.onDiff(upd(from, to));
    expect(asked).toBe(1);
    e.onSnapshot({ lastUpdateId: snapshotId, ts: 0, bids: [['99', '1']], asks: [['101', '1']] }, 2);
    expect(e.state).toBe('SYNCED');
    const lastApplied = pushes.filter((_, i) => classOf(decisions[i]) === 'apply').at(-1)![1];
    expect(e.lastId).toBe(lastApplied);
    expect(e.counters.stale).toBe(decisions.filter((d) => classOf(d) === 'drop').length);
    const [from, to] = pushes.at(-1)!;
    e.onDiff(upd(from, to));
    expect(e.state).toBe('RESYNCING');
    const gaps = events.filter((ev) => ev.type === 'gap');
    expect(gaps).toHaveLength(1);
    expect(asked).toBe(2);
  });
});
