// The book rules against the decision vectors of protocol-vectors/kucoin.json: both official worked
// examples (spot per-change filter, futures +1 chain) and the futures decision table, decoded from
// frames by the real decoder so the ids are the ones the engine sees.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/fixtures.js';
import { LevelBatch } from '../../book/levels.js';
import { OrderBook } from '../../book/order-book.js';
import type { BookRule, DepthUpdate } from '../../book/types.js';
import type { DecodeSink } from '../types.js';
import { futuresBookRule, spotBookRule } from './book-rule.js';
import { createDecoder } from './decode.js';

interface Vector {
  id: string;
  input: Record<string, any>;
  expected: Record<string, any>;
}
const vectors = (JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors', 'kucoin.json'), 'utf8')) as { vectors: Vector[] }).vectors;
const vector = (id: string): Vector => vectors.find((v) => v.id === id)!;

/** Decodes frames into (copied) updates. */
function updates(frames: string[]): DepthUpdate[] {
  const out: DepthUpdate[] = [];
  const sink = {
    depth: (_s: string, u: DepthUpdate) => out.push({ ...u, levels: LevelBatch.from(u.levels) }),
    reject: (reason: string) => { throw new Error(reason); },
    event: () => {}, control: () => {}, snapshot: () => {}, checksum: () => {}, reply: () => {},
  } satisfies DecodeSink;
  const dec = createDecoder({ venue: 'kucoin', symbols: new Map([['BTC-USDT', 'BTC/USDT'], ['XBTUSDTM', 'BTC/USDT:USDT']]) });
  for (const f of frames) dec.decode(f, { venue: 'kucoin', connId: 1, recvSeq: 1, localTs: 1 }, sink);
  return out;
}

/** The engine's loop in miniature: bridge until the first apply, then next; each update's verdict class. */
function run(rule: BookRule, snapshotId: number, book: OrderBook, us: DepthUpdate[]): string[] {
  let synced = false;
  let lastId = snapshotId;
  return us.map((u) => {
    const v = synced ? rule.next(lastId, u) : rule.bridge(snapshotId, u);
    if (v.kind !== 'apply') return v.kind === 'stale' ? 'drop' : 'gap';
    book.apply(u.levels);
    lastId = u.lastId;
    const first = !synced;
    synced = true;
    return first ? 'apply-first' : 'apply';
  });
}

const rows = (b: OrderBook) => {
  const bids: [string, string][] = [];
  const asks: [string, string][] = [];
  b.top(50, bids, asks);
  return { bids, asks };
};

const spotFrame = (start: number, end: number, asks: string[][], bids: string[][]): string =>
  JSON.stringify({ data: { sequenceStart: start, symbol: 'BTC-USDT', changes: { asks, bids }, sequenceEnd: end }, subject: 'trade.l2update', topic: '/market/level2:BTC-USDT', type: 'message' });
const futuresFrame = (sequence: number, change: string): string =>
  JSON.stringify({ topic: '/contractMarket/level2:XBTUSDTM', type: 'message', subject: 'level2', sn: sequence, data: { sequence, change, timestamp: 1731897467182 } });

describe('kucoin-doc-spot-increment-example', () => {
  const v = vector('kucoin-doc-spot-increment-example');

  it('applies only the changes past the snapshot sequence, each by its own sequence', () => {
    // The doc's envelope (sequenceStart 19, sequenceEnd 15) is a typo the README warns about: the
    // decoder refuses it (decode.test.ts). The changes alone are the example: they go in an
    // envelope spanning their sequences, 15..19, which holds the snapshot's 16 inside it.
    const c = v.input.changes as { asks: string[][]; bids: string[][] };
    const us = updates([spotFrame(15, 19, c.asks, c.bids)]);
    expect(us.map((u) => [u.firstId, u.lastId])).toEqual([[15, 15], [16, 16], [17, 18], [19, 19]]);
    const book = new OrderBook(50);
    book.loadSnapshot(v.input.snapshot.bids, v.input.snapshot.asks);
    const decisions = run(spotBookRule, Number(v.input.snapshot.sequence), book, us);
    // ignore seq 15, ignore seq 16, update bids 3988.50 (seq 18: bridges 17), delete asks 3988.61 (seq 19)
    expect(decisions).toEqual(['drop', 'drop', 'apply-first', 'apply']);
    expect((v.expected.decisions as string[]).map((d) => d.split('(')[0])).toEqual(['ignore', 'ignore', 'update', 'delete']);
    expect(rows(book)).toEqual(v.expected.book);
  });
});

describe('kucoin-doc-futures-increment-example', () => {
  const v = vector('kucoin-doc-futures-increment-example');

  it('snapshot 16, then 17 and 18 apply in turn', () => {
    const us = updates((v.input.messages as { sequence: number; change: string }[]).map((m) => futuresFrame(m.sequence, m.change)));
    const book = new OrderBook(50);
    const lv = (l: [string, number][]) => l.map(([p, s]) => [p, String(s)] as [string, string]);
    book.loadSnapshot(lv(v.input.snapshot.bids), lv(v.input.snapshot.asks));
    expect(run(futuresBookRule, v.input.snapshot.sequence, book, us)).toEqual(['apply-first', 'apply']);
    expect((v.expected.decisions as string[]).map((d) => d.split('(')[0])).toEqual(['apply', 'apply']);
    const want = v.expected.book as { bids: string[][]; asks: string[][] };
    expect(rows(book)).toEqual(want);
  });
});

describe('kucoin-futures-sync-decisions', () => {
  it('every decision class matches', () => {
    const v = vector('kucoin-futures-sync-decisions');
    const us = updates((v.input.messages as { sequence: number }[]).map((m, i) => futuresFrame(m.sequence, `${100 + i},buy,1`)));
    const want = (v.expected.decisions as string[]).map((d) => d.split('(')[0].split('->')[0]);
    expect(run(futuresBookRule, v.input.snapshotSequence, new OrderBook(10), us)).toEqual(want);
  });
});

describe('rule edge cases', () => {
  const u = (firstId: number, lastId: number): DepthUpdate => ({ ts: 0, localTs: 0, firstId, lastId, prevId: -1, levels: new LevelBatch() });

  it('a snapshot older than the first buffered update is refetched; one ahead of it is used (stale ones dropped)', () => {
    expect(spotBookRule.snapshotUsable(99, u(101, 101))).toBe(false);
    expect(spotBookRule.snapshotUsable(100, u(101, 103))).toBe(true);
    expect(spotBookRule.snapshotUsable(150, u(101, 103))).toBe(true);
  });

  it('a message spanning the snapshot bridges; one past S+1 is a gap', () => {
    expect(spotBookRule.bridge(100, u(99, 105)).kind).toBe('apply');
    expect(spotBookRule.bridge(100, u(102, 105))).toEqual({ kind: 'gap', expected: 'sequenceStart<=101', got: 'sequenceStart=102 sequenceEnd=105' });
    expect(futuresBookRule.bridge(100, u(102, 102))).toEqual({ kind: 'gap', expected: 'sequence<=101', got: 'sequence=102' });
  });

  it('chained: +1 applies, a repeat is stale (a rotation overlap), a jump is a gap', () => {
    expect(spotBookRule.next(100, u(101, 103)).kind).toBe('apply');
    expect(spotBookRule.next(100, u(95, 100)).kind).toBe('stale');
    expect(spotBookRule.next(100, u(103, 104))).toEqual({ kind: 'gap', expected: 'sequenceStart=101', got: 'sequenceStart=103 sequenceEnd=104' });
    expect(futuresBookRule.next(100, u(102, 102))).toEqual({ kind: 'gap', expected: 'sequence=101', got: 'sequence=102' });
  });
});
