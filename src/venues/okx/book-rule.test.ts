// The OKX rule's verdicts (PROTOCOLS.md §6 "Sequence" and the 2026 REST procedure) and the
// checksum string rule, on hand-made ids; recorded data runs through it in replay.test.ts.
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { LevelBatch } from '../../book/levels.js';
import type { DepthUpdate } from '../../book/types.js';
import { NO_ID, OKX_CHECKSUM, okxBookRule } from './book-rule.js';

const u = (prevSeqId: number, seqId: number): DepthUpdate => ({
  ts: 0, localTs: 0, firstId: prevSeqId === NO_ID ? NO_ID : prevSeqId + 1, lastId: seqId, prevId: prevSeqId, levels: new LevelBatch(1),
});

describe('okxBookRule.next', () => {
  it.each([
    ['continues the chain', 15, u(15, 20), 'apply'],
    ['idle heartbeat (seqId == prevSeqId)', 15, u(15, 15), 'apply'],
    ['reset after maintenance (seqId < prevSeqId)', 15, u(15, 3), 'apply'],
    ['a missed message', 15, u(16, 20), 'gap'],
    ['an old message again', 15, u(10, 15), 'gap'],
    ['the message after a missed reset', 15, u(3, 5), 'gap'],
    ['a frame without ids (pre-seqId capture)', 15, u(NO_ID, NO_ID), 'apply'],
    ['a book seeded without a seqId', NO_ID, u(15, 20), 'apply'],
  ])('%s → %s', (_what, lastId, upd, kind) => {
    expect(okxBookRule.next(lastId, upd).kind).toBe(kind);
  });

  it('names both ids in a gap', () => {
    expect(okxBookRule.next(104, u(105, 110))).toEqual({ kind: 'gap', expected: 'prevSeqId=104', got: 'prevSeqId=105 seqId=110' });
  });
});

describe('okxBookRule with a REST snapshot (seqId 100)', () => {
  it.each([
    ['older than the snapshot', u(90, 95), 'stale'],
    ['ending at the snapshot', u(95, 100), 'stale'],
    ['continuing it', u(100, 104), 'apply'],
    ['straddling it: prevSeqId <= 100 < seqId', u(98, 104), 'apply'],
    ['heartbeat at the snapshot', u(100, 100), 'apply'],
    ['reset continuing it', u(100, 2), 'apply'],
    ['reset not continuing it', u(120, 2), 'gap'],
    ['after a hole', u(101, 104), 'gap'],
    ['no ids', u(NO_ID, NO_ID), 'apply'],
  ])('bridge: %s → %s', (_what, upd, kind) => {
    expect(okxBookRule.bridge(100, upd).kind).toBe(kind);
  });

  it.each([
    [u(98, 104), true], [u(100, 104), true], [u(101, 104), false], [u(150, 3), true], [u(NO_ID, NO_ID), true],
  ])('snapshotUsable against first buffered %o → %s', (first, usable) => {
    expect(okxBookRule.snapshotUsable(100, first)).toBe(usable);
  });

  it('a snapshot without seqId is usable and bridges anything (checksum-only)', () => {
    expect(okxBookRule.snapshotUsable(NO_ID, u(500, 501))).toBe(true);
    expect(okxBookRule.bridge(NO_ID, u(500, 501)).kind).toBe('apply');
  });
});

describe('OKX_CHECKSUM', () => {
  const crc = (s: string): number => crc32(s) >>> 0;

  it('interleaves bid/ask pairs and skips the shorter side', () => {
    expect(OKX_CHECKSUM.compute([['3366.1', '7']], [['3366.8', '9'], ['3368', '8'], ['3372', '8']])).toBe(crc('3366.1:7:3366.8:9:3368:8:3372:8'));
    expect(OKX_CHECKSUM.compute([['2', '1'], ['1', '5']], [])).toBe(crc('2:1:1:5'));
    expect(OKX_CHECKSUM.compute([], [['3', '1']])).toBe(crc('3:1'));
    expect(OKX_CHECKSUM.compute([], [])).toBe(crc(''));
  });

  it('covers 25 levels per side, no more', () => {
    const side = (base: number): [string, string][] => Array.from({ length: 30 }, (_, i) => [`${base + i}`, `0.${i}0`]);
    const bids = side(100);
    const asks = side(200);
    const parts: string[] = [];
    for (let i = 0; i < 25; i++) parts.push(`${bids[i][0]}:${bids[i][1]}`, `${asks[i][0]}:${asks[i][1]}`);
    expect(OKX_CHECKSUM.depth).toBe(25);
    expect(OKX_CHECKSUM.compute(bids, asks)).toBe(crc(parts.join(':')));
  });
});
