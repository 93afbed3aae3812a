// The lastUpdateId +1 rule (PROTOCOLS-MORE.md §3.2): verdicts on hand-made ids, then the vector
// bingx-incrdepth-decisions run through a SyncEngine with this rule, as a recorder runs it
// (stream snapshots, 'ws' resync): every message's verdict class as the vector gives it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../core/events.js';
import { LevelBatch } from '../../book/levels.js';
import { SyncEngine } from '../../book/sync-engine.js';
import type { DepthUpdate } from '../../book/types.js';
import { FIXTURES } from '../../../test/fixtures.js';
import { bingxBookRule, NO_ID } from './book-rule.js';

const u = (id: number): DepthUpdate => ({ ts: 0, localTs: 0, firstId: id, lastId: id, prevId: NO_ID, levels: new LevelBatch(1) });

describe('bingxBookRule', () => {
  it.each([
    ['the next id', 100, 101, 'apply'],
    ['a duplicate', 100, 100, 'stale'],
    ['a late frame', 100, 97, 'stale'],
    ['one missing', 100, 102, 'gap'],
    ['an update on a book without an id (a depthN snapshot)', NO_ID, 5, 'gap'],
  ])('%s → %s', (_what, lastId, id, kind) => {
    expect(bingxBookRule.next(lastId, u(id)).kind).toBe(kind);
    expect(bingxBookRule.bridge(lastId, u(id)).kind).toBe(kind);
  });

  it('names the id it wanted and the one it got', () => {
    expect(bingxBookRule.next(104, u(106))).toEqual({ kind: 'gap', expected: 'lastUpdateId=105', got: 'lastUpdateId=106' });
  });

  it('any stream snapshot is usable (no REST id to compare)', () => {
    expect(bingxBookRule.snapshotUsable(5, u(500))).toBe(true);
  });
});

describe('bingx-incrdepth-decisions through a SyncEngine', () => {
  const vectors = JSON.parse(readFileSync(`${FIXTURES}/protocol-vectors/bingx.json`, 'utf8')) as {
    vectors: { id: string; input: { messages: { action: string; lastUpdateId: number }[] }; expected: { decisions: string[] } }[];
  };
  const v = vectors.vectors.find((x) => x.id === 'bingx-incrdepth-decisions')!;

  it('gives every message the verdict class of the vector', () => {
    const events: MarketEvent[] = [];
    let resubscribes = 0;
    const engine = new SyncEngine({
      venue: 'bingx-swap', symbol: 'BTC/USDT:USDT', venueSymbol: 'BTC-USDT', depth: 5, rule: bingxBookRule, snapshotVia: 'ws',
      emit: (ev) => events.push(ev), requestSnapshot: () => resubscribes++, now: () => 0,
    });
    engine.onConnected(0);
    const got: string[] = [];
    for (const m of v.input.messages) {
      const before = { ...engine.counters };
      if (m.action === 'all') engine.onStreamSnapshot({ lastUpdateId: m.lastUpdateId, ts: 0, bids: [['1', '1']], asks: [['2', '1']] }, 0);
      else engine.onDiff(u(m.lastUpdateId));
      const c = engine.counters;
      if (c.snapshots > before.snapshots) got.push('reset-book');
      else if (c.applied > before.applied) got.push('apply');
      else if (c.gaps > before.gaps) got.push('gap');
      else if (c.stale > before.stale || c.unsynced > before.unsynced) got.push('drop');
      else got.push('nothing');
    }
    expect(got).toEqual(v.expected.decisions.map((d) => d.split('(')[0].split('->')[0]));
    // the gap was recorded and asked for a new 'all' (a resubscribe)
    expect(events.filter((e) => e.type === 'gap')).toHaveLength(1);
    expect(resubscribes).toBeGreaterThanOrEqual(1);
    expect(engine.state).toBe('SYNCED');
    expect(engine.lastId).toBe(500);
  });
});
