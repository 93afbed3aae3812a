// The u chain and seq cross check on their own (book-rule.ts), then through FeedCore as live capture
// and replay run them: a stream snapshot syncs the book (truncated to the topic's depth), a skipped
// u or a seq that went down is a gap plus a request for a fresh snapshot (the session resubscribes),
// and the next snapshot — u=1 after a restart included — syncs it again.
import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../core/events.js';
import { silentLogger } from '../../core/log.js';
import { LevelBatch } from '../../book/levels.js';
import { APPLY, STALE } from '../../book/types.js';
import type { RawFrame } from '../../core/frames.js';
import { FeedCore } from '../feed-core.js';
import { bybitBookRule as rule, NO_ID, type BybitDepthUpdate } from './book-rule.js';
import { bybitLinear } from './index.js';

const up = (u: number, seq = 0, prevSeq = NO_ID): BybitDepthUpdate => ({
  ts: 0, localTs: 0, firstId: u, lastId: u, prevId: NO_ID, levels: new LevelBatch(1), seq, prevSeq,
});

describe('bybitBookRule', () => {
  it('next: u == L+1 applies, u <= L is stale, a skipped u is a gap naming the u expected', () => {
    expect(rule.next(500, up(501))).toBe(APPLY);
    expect(rule.next(500, up(500))).toBe(STALE);
    expect(rule.next(500, up(499))).toBe(STALE);
    expect(rule.next(500, up(503))).toEqual({ kind: 'gap', expected: 'u=501', got: 'u=503' });
  });

  it('next: the seq cross check (equal allowed: not contiguous, only increasing)', () => {
    expect(rule.next(10, up(11, 760578520655, 760578520138))).toBe(APPLY);
    expect(rule.next(10, up(11, 7000, 7000))).toBe(APPLY);
    expect(rule.next(10, up(11, 6999, 7000))).toEqual({ kind: 'gap', expected: 'seq>=7000 (cross sequence increases)', got: 'u=11 seq=6999' });
    expect(rule.next(10, up(11, 1, NO_ID))).toBe(APPLY); // no previous message on this socket
  });

  it('next: a delta with u=1 on a later book is a restart without its snapshot', () => {
    expect(rule.next(88, up(1)).kind).toBe('gap');
    expect(rule.next(0, up(1))).toBe(APPLY);
  });

  it('REST path: the snapshot must reach the update before the first buffered; bridge by u', () => {
    expect(rule.snapshotUsable(48, up(50))).toBe(false);
    expect(rule.snapshotUsable(49, up(50))).toBe(true);
    expect(rule.bridge(51, up(51))).toBe(STALE);
    expect(rule.bridge(51, up(52))).toBe(APPLY);
    expect(rule.bridge(51, up(54)).kind).toBe('gap');
  });
});

/** A linear book frame: a snapshot of `levels` bids (and asks) from 100, or a delta of one bid. */
function frame(type: 'snapshot' | 'delta', u: number, seq: number, levels = 1): string {
  const side = (base: number, dir: number): string => JSON.stringify(Array.from({ length: levels }, (_, i) => [`${base + dir * i}.0`, `${1 + (u % 5)}.000`]));
  const b = type === 'snapshot' ? side(100, -1) : `[["100.0","${u}.250"]]`;
  const a = type === 'snapshot' ? side(101, 1) : '[]';
  return `{"topic":"orderbook.50.BTCUSDT","type":"${type}","ts":${1_700_000_000_000 + u},"data":{"s":"BTCUSDT","b":${b},"a":${a},"u":${u},"seq":${seq}},"cts":${1_700_000_000_000 + u}}`;
}

describe('bybit-linear books through FeedCore', () => {
  const run = (datas: string[]) => {
    const events: MarketEvent[] = [];
    let requests = 0;
    const core = new FeedCore({
      spec: bybitLinear, symbols: ['BTC/USDT:USDT'], kinds: ['book'], depth: 10, plans: bybitLinear.plan('ws://h/v5/public/linear', ['BTCUSDT'], ['book'], 10),
      handlers: { event: (ev) => events.push(ev) }, log: silentLogger, requestSnapshot: () => requests++,
    });
    let seq = 0;
    const f = (dir: RawFrame['dir'], data: string): RawFrame => ({ venue: 'bybit-linear', connId: 1, recvSeq: ++seq, localTs: 1_000_000 + seq, dir, data });
    core.onFrame(f('conn', 'open ws://h/v5/public/linear plan=0:book'));
    for (const d of datas) core.onFrame(f('in', d));
    return { events, requests, stats: core.stats()[0] };
  };

  it('syncs on the snapshot; rows carry u and the matching-engine time', () => {
    const r = run([frame('snapshot', 100, 9000, 60), frame('delta', 101, 9005), frame('delta', 102, 9010)]);
    expect(r.stats).toMatchObject({ state: 'SYNCED', applied: 2, gaps: 0, rejects: 0 });
    const rows = r.events.filter((e) => e.type === 'book_snapshot');
    expect(rows.map((e) => e.updateId)).toEqual([100, 101, 102]);
    expect(rows[2]).toMatchObject({ symbol: 'BTC/USDT:USDT', depth: 10, ts: 1_700_000_000_102_000 });
    expect(rows[2].type === 'book_snapshot' && rows[2].bids[0]).toEqual(['100.0', '102.250']);
  });

  it('a skipped u: gap (resync), book rows stop until the next snapshot, u=1 restart syncs again', () => {
    const r = run([frame('snapshot', 100, 9000), frame('delta', 101, 9005), frame('delta', 103, 9020), frame('delta', 104, 9030), frame('snapshot', 1, 10), frame('delta', 2, 11)]);
    const gaps = r.events.filter((e) => e.type === 'gap');
    expect(gaps).toEqual([expect.objectContaining({ expected: 'u=102', got: 'u=103', action: 'resync' })]);
    expect(r.requests).toBe(1);
    expect(r.events.filter((e) => e.type === 'book_snapshot').map((e) => e.updateId)).toEqual([100, 101, 1, 2]);
    expect(r.stats).toMatchObject({ state: 'SYNCED', gaps: 1, resyncs: 1, snapshots: 2 });
  });

  it('a delta whose seq went down: gap and resync, though u continues', () => {
    const r = run([frame('snapshot', 100, 9000), frame('delta', 101, 8000)]);
    expect(r.events.filter((e) => e.type === 'gap')).toEqual([expect.objectContaining({ got: 'u=101 seq=8000' })]);
    expect(r.requests).toBe(1);
  });
});
