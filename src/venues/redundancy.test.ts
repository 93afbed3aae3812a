// The A/B merge as an array in and an array out: which updates reach the book, in which order,
// for the orderings two lines can deliver them in.
import { describe, expect, it } from 'vitest';
import { LevelBatch } from '../book/levels.js';
import type { DepthUpdate } from '../book/types.js';
import { spotBookRule } from './binance/book-rule.js';
import { LineMerger } from './redundancy.js';

const A = 1;
const B = 2;

/** Binance spot update U..u (one level, so copies are checked too). */
function up(first: number, last = first): DepthUpdate {
  const levels = new LevelBatch();
  levels.push(1, first, String(first), '1', false);
  return { ts: first, localTs: first, firstId: first, lastId: last, prevId: -1, levels };
}

/** Feeds `[connId, update]` pairs; returns the ids (U) that reached the book, in order. */
function run(frames: [number, DepthUpdate | 'down'][], maxHeld?: number): { out: number[]; merger: LineMerger; times: number[] } {
  const out: number[] = [];
  const times: number[] = [];
  const merger = new LineMerger(spotBookRule, (u) => {
    out.push(u.firstId);
    times.push(u.localTs);
  }, maxHeld);
  merger.lineUp(A, 'a');
  merger.lineUp(B, 'b');
  // received one after another: the n-th frame at local time n
  frames.forEach(([conn, u], i) => {
    if (u === 'down') merger.lineDown(conn, i + 1);
    else merger.offer(conn, { ...u, localTs: i + 1 });
  });
  return { out, merger, times };
}

describe('LineMerger (sequence ids)', () => {
  it('forwards the first copy of each update and drops the second', () => {
    const { out, merger } = run([[A, up(1)], [B, up(1)], [B, up(2)], [A, up(2)], [A, up(3)], [B, up(3)]]);
    expect(out).toEqual([1, 2, 3]);
    expect(merger.stats.duplicates).toBe(3);
    expect(merger.stats.bothMissed).toBe(0);
    expect(merger.stats.fills).toEqual({ a: 0, b: 0 });
  });

  it('counts a fill-in when the line that skipped an update was behind (nothing held)', () => {
    const { out, merger } = run([[A, up(1)], [A, up(2)], [A, up(3)], [B, up(1)], [B, up(3)], [A, up(4)], [B, up(4)]]);
    expect(out).toEqual([1, 2, 3, 4]);
    expect(merger.stats.fills).toEqual({ a: 1, b: 0 });
  });

  it('holds a line that skipped an update until the other line delivers it', () => {
    // A is ahead and skips 3; B, behind, still has it
    const { out, merger, times } = run([
      [A, up(1)], [A, up(2)], [A, up(4)], [A, up(5)], [B, up(1)], [B, up(2)], [B, up(3)], [B, up(4)], [A, up(6)], [B, up(5)],
    ]);
    expect(out).toEqual([1, 2, 3, 4, 5, 6]);
    // 4 and 5, held since they came, go on when B's 3 (the 7th frame) released them, at its receive time
    expect(times).toEqual([1, 2, 7, 7, 7, 9]);
    expect(merger.stats.fills).toEqual({ a: 0, b: 1 });
    expect(merger.stats.bothMissed).toBe(0);
    expect(merger.held).toBe(0);
  });

  it('declares the gap only once both lines passed the missing update', () => {
    const { out, merger } = run([[A, up(1)], [B, up(1)], [A, up(3)], [A, up(4)], [B, up(3)], [B, up(4)], [A, up(5)]]);
    // 3 goes on as the gap (the book resyncs on it), then 4 and 5 continue it
    expect(out).toEqual([1, 3, 4, 5]);
    expect(merger.stats.bothMissed).toBe(1);
  });

  it('does not wait for a line that is down', () => {
    const { out } = run([[A, up(1)], [B, up(1)], [B, 'down'], [A, up(3)], [A, up(4)]]);
    expect(out).toEqual([1, 3, 4]);
  });

  it('a line closing while the other holds decides at once', () => {
    const { out } = run([[A, up(1)], [B, up(1)], [A, up(3)], [A, up(4)], [B, 'down'], [A, up(5)]]);
    expect(out).toEqual([1, 3, 4, 5]);
  });

  it('a held line decides by itself past MAX_HELD', () => {
    const frames: [number, DepthUpdate][] = [[A, up(1)], [B, up(1)]];
    for (let i = 3; i <= 8; i++) frames.push([A, up(i)]);
    const { out } = run(frames, 3);
    expect(out).toEqual([1, 3, 4, 5, 6, 7, 8]);
  });

  it('covers a skipped update whatever the interleaving, with no gap', () => {
    // B skips 5, A skips 8: every update 1..12 reaches the book exactly once, in order
    const a = [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12].map((i) => up(i));
    const b = [1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12].map((i) => up(i));
    for (let seed = 1; seed <= 50; seed++) {
      let x = seed;
      const rnd = (): number => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
      const frames: [number, DepthUpdate][] = [];
      let i = 0, j = 0;
      while (i < a.length || j < b.length) {
        if (j >= b.length || (i < a.length && rnd() < 0.5)) frames.push([A, a[i++]]);
        else frames.push([B, b[j++]]);
      }
      const { out, merger } = run(frames);
      expect(out, `seed ${seed}`).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      expect(merger.stats.bothMissed).toBe(0);
    }
  });

  it('starts over when every line is down', () => {
    const { out } = run([[A, up(1)], [B, up(1)], [A, 'down'], [B, 'down'], [A, up(100)]]);
    expect(out).toEqual([1, 100]);
  });
});

describe('LineMerger (id-less updates)', () => {
  const keyed = (ts: number, checksum: number): DepthUpdate => ({ ...up(ts), firstId: -1, lastId: -1, checksum });

  /** Updates (exchange time) and checksum frames (`cs<ts>`) that reached the book, in order. */
  function runKeyed(frames: [number, DepthUpdate | 'down' | { cs: number }][]): { out: string[]; merger: LineMerger } {
    const out: string[] = [];
    const merger = new LineMerger(spotBookRule, (u) => out.push(String(u.ts)), undefined, (_v, ts) => out.push(`cs${ts}`));
    merger.lineUp(A, 'a');
    merger.lineUp(B, 'b');
    frames.forEach(([conn, f], i) => {
      if (f === 'down') merger.lineDown(conn, i + 1);
      else if ('cs' in f) merger.offerChecksum(conn, 5, f.cs, i + 1);
      else merger.offer(conn, { ...f, localTs: i + 1 });
    });
    return { out, merger };
  }

  it('drops the second copy by exchange time, checksum and levels, checksum frames too', () => {
    const { out, merger } = runKeyed([
      [A, keyed(10, 7)], [B, keyed(10, 7)], [A, { cs: 10 }], [B, { cs: 10 }], [B, keyed(11, 8)], [A, keyed(11, 8)], [A, keyed(12, 9)], [B, keyed(12, 9)],
    ]);
    expect(out).toEqual(['10', 'cs10', '11', '12']);
    expect(merger.stats.duplicates).toBe(4);
  });

  it('follows the leader: what the other line brings first waits for it, in the leader\'s order', () => {
    // B runs ahead; A (the first to deliver, the leader) brings each update later
    const { out } = runKeyed([[A, keyed(10, 1)], [B, keyed(10, 1)], [B, keyed(11, 2)], [B, keyed(12, 3)], [A, keyed(11, 2)], [A, keyed(12, 3)]]);
    expect(out).toEqual(['10', '11', '12']);
  });

  it('when the leader closes, the other line takes over with what it brought ahead', () => {
    const { out, merger } = runKeyed([
      [A, keyed(10, 1)], [B, keyed(10, 1)], [B, keyed(11, 2)], [B, { cs: 11 }], [B, keyed(12, 3)], [A, keyed(11, 2)], [A, 'down'], [B, keyed(13, 4)],
    ]);
    expect(out).toEqual(['10', '11', 'cs11', '12', '13']);
    expect(merger.stats.fills).toEqual({ a: 0, b: 2 });
  });

  it('what the leader has passed without is dropped, never sent late', () => {
    // B has 11, which A (the leader) skips: A's 12 passes it, so B's 11 can no longer go on
    const { out, merger } = runKeyed([[A, keyed(10, 1)], [B, keyed(10, 1)], [B, keyed(11, 2)], [A, keyed(12, 3)], [B, keyed(12, 3)], [A, 'down'], [B, keyed(13, 4)]]);
    expect(out).toEqual(['10', '12', '13']);
    expect(merger.stats.fills).toEqual({ a: 0, b: 0 });
  });

  it('a resubscribed line\'s updates do not overtake the leader\'s', () => {
    // A was the leader and closed; B leads; A' (conn 3) subscribes again ahead of B
    const out: string[] = [];
    const m = new LineMerger(spotBookRule, (u) => out.push(String(u.ts)));
    m.lineUp(A, 'a');
    m.lineUp(B, 'b');
    m.offer(A, keyed(10, 1));
    m.offer(B, keyed(10, 1));
    m.lineDown(A, 2);
    m.lineUp(3, 'a');
    m.offer(3, keyed(14, 5)); // after its snapshot (folded in 11..13)
    m.offer(B, keyed(11, 2));
    m.offer(B, keyed(12, 3));
    m.offer(B, keyed(13, 4));
    m.offer(B, keyed(14, 5));
    expect(out).toEqual(['10', '11', '12', '13', '14']);
  });
});

// The book refuses a copy by its own checksum (SyncEngine.verifyCopies): a stand-in book that
// checks each update as the engine would, calling rejectCopy before taking anything of it.
describe('LineMerger: a copy the book refuses', () => {
  /** A bad copy: its level's amount says so (the checksum would). */
  const bad = (u: DepthUpdate): DepthUpdate => {
    const levels = new LevelBatch();
    levels.push(1, u.firstId, String(u.firstId), 'bad', false);
    return { ...u, levels };
  };
  const isBad = (u: DepthUpdate): boolean => u.levels.amountTextAt(0) === 'bad';

  /** Sequence ids: the book takes `U` in order; a bad copy is refused, or a gap when nothing replaces it. */
  function runSeq(frames: [number, DepthUpdate | 'down'][]): { out: string[]; merger: LineMerger } {
    const out: string[] = [];
    let rejectedLast = false;
    const merger: LineMerger = new LineMerger(spotBookRule, (u) => {
      if (isBad(u)) {
        if (!rejectedLast) {
          rejectedLast = true;
          if (merger.rejectCopy(u)) return;
        }
        out.push(`gap@${u.firstId}`);
        return;
      }
      rejectedLast = false;
      out.push(String(u.firstId));
    });
    merger.lineUp(A, 'a');
    merger.lineUp(B, 'b');
    frames.forEach(([conn, u], i) => {
      if (u === 'down') merger.lineDown(conn, i + 1);
      else merger.offer(conn, { ...u, localTs: i + 1 });
    });
    return { out, merger };
  }

  it('sequence ids: the line that brought it waits for the other line\'s copy, which goes on instead', () => {
    // A is ahead and its 3 is bad; B brings 3 later
    const { out, merger } = runSeq([[A, up(1)], [A, up(2)], [A, bad(up(3))], [A, up(4)], [A, up(5)], [B, up(1)], [B, up(2)], [B, up(3)], [B, up(4)], [B, up(5)], [A, up(6)]]);
    expect(out).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(merger.stats.rejected).toBe(1);
    expect(merger.stats.bothMissed).toBe(0);
    expect(merger.stats.fills).toEqual({ a: 0, b: 1 });
    expect(merger.held).toBe(0);
  });

  it('sequence ids: a bad copy released from a held queue goes back to waiting', () => {
    // A skipped 2 and holds its bad 3 and 4; B's 2 releases them, the 3 is refused, B's 3 replaces it
    const { out, merger } = runSeq([[A, up(1)], [B, up(1)], [A, bad(up(3))], [A, up(4)], [B, up(2)], [B, up(3)], [A, up(5)], [B, up(4)]]);
    expect(out).toEqual(['1', '2', '3', '4', '5']);
    expect(merger.stats.rejected).toBe(1);
    expect(merger.held).toBe(0);
  });

  it('sequence ids: no other line open, or its copy bad too: a gap', () => {
    expect(runSeq([[A, up(1)], [B, up(1)], [B, 'down'], [A, bad(up(2))], [A, up(3)]]).out).toEqual(['1', 'gap@2', '3']);
    const both = runSeq([[A, up(1)], [B, up(1)], [A, bad(up(2))], [B, bad(up(2))], [A, up(3)], [B, up(3)]]);
    expect(both.out).toEqual(['1', 'gap@2', '3']);
    expect(both.merger.stats.rejected).toBe(1);
  });

  const keyed = (ts: number, checksum: number): DepthUpdate => ({ ...up(ts), firstId: -1, lastId: -1, checksum });

  /** Id-less: the book's checksum holds only when every update comes, in order, and none is bad. */
  function runKeyed(frames: [number, DepthUpdate | 'down'][]): { out: string[]; merger: LineMerger } {
    const out: string[] = [];
    let lastTs: number | undefined;
    let rejectedLast = false;
    const merger: LineMerger = new LineMerger(spotBookRule, (u) => {
      if (isBad(u) || (lastTs !== undefined && u.ts !== lastTs + 1)) {
        if (!rejectedLast) {
          rejectedLast = true;
          if (merger.rejectCopy(u)) return;
        }
        out.push(`gap@${u.ts}`);
      } else {
        rejectedLast = false;
        out.push(String(u.ts));
      }
      lastTs = u.ts;
    });
    merger.lineUp(A, 'a');
    merger.lineUp(B, 'b');
    frames.forEach(([conn, u], i) => {
      if (u === 'down') merger.lineDown(conn, i + 1);
      else merger.offer(conn, { ...u, localTs: i + 1 });
    });
    return { out, merger };
  }

  it('id-less: a bad copy from the leader, the other line behind: it leads from the last good update', () => {
    const { out, merger } = runKeyed([
      [A, keyed(10, 1)], [B, keyed(10, 1)], [A, bad(keyed(11, 2))], [A, keyed(12, 3)], [B, keyed(11, 2)], [B, keyed(12, 3)], [A, keyed(13, 4)], [B, keyed(13, 4)],
    ]);
    expect(out).toEqual(['10', '11', '12', '13']);
    expect(merger.stats.rejected).toBe(1);
  });

  it('id-less: the other line ahead: what it brought goes on at once', () => {
    const { out, merger } = runKeyed([
      [A, keyed(10, 1)], [B, keyed(10, 1)], [B, keyed(11, 2)], [B, keyed(12, 3)], [A, bad(keyed(11, 2))], [A, keyed(12, 3)], [B, keyed(13, 4)], [A, keyed(13, 4)],
    ]);
    expect(out).toEqual(['10', '11', '12', '13']);
    expect(merger.stats.fills).toEqual({ a: 0, b: 2 });
  });

  it('id-less: an update the leader skipped, which the other line brought ahead', () => {
    // A skips 11: its 12 fails the checksum, and B, which has 11 and 12 already, takes over
    const { out, merger } = runKeyed([
      [A, keyed(10, 1)], [B, keyed(10, 1)], [B, keyed(11, 2)], [B, keyed(12, 3)], [A, keyed(12, 3)], [A, keyed(13, 4)], [B, keyed(13, 4)],
    ]);
    expect(out).toEqual(['10', '11', '12', '13']);
    expect(merger.stats.rejected).toBe(1);
  });

  it('id-less: an update the leader skipped, the other line behind', () => {
    const { out } = runKeyed([
      [A, keyed(10, 1)], [B, keyed(10, 1)], [A, keyed(12, 3)], [A, keyed(13, 4)], [B, keyed(11, 2)], [B, keyed(12, 3)], [B, keyed(13, 4)], [A, keyed(14, 5)], [B, keyed(14, 5)],
    ]);
    expect(out).toEqual(['10', '11', '12', '13', '14']);
  });

  /**
   * Checksum frames of their own (Bitfinex `cs`): the stand-in book takes updates unchecked and
   * judges them all at the next checksum frame (in order, none bad), taking them back if not.
   */
  function runFrames(frames: [number, DepthUpdate | { cs: number }][]): { out: string[]; merger: LineMerger } {
    const out: string[] = [];
    let confirmed: string[] = [];
    let pending: DepthUpdate[] = [];
    let lastTs: number | undefined;
    let rejectedLast = false;
    const merger: LineMerger = new LineMerger(spotBookRule, (u) => pending.push({ ...u }), undefined, (_v, ts) => {
      let t = lastTs;
      const good = pending.every((u) => {
        const ok = !isBad(u) && (t === undefined || u.ts === t + 1);
        t = u.ts;
        return ok;
      });
      const batch = pending;
      pending = [];
      if (!good && !rejectedLast) {
        rejectedLast = true;
        if (merger.rejectCopy(undefined)) return;
      }
      rejectedLast = false;
      if (!good) {
        out.push(`gap@cs${ts}`);
        lastTs = undefined;
        return;
      }
      confirmed = batch.map((u) => String(u.ts));
      out.push(...confirmed, `cs${ts}`);
      lastTs = t;
    });
    merger.lineUp(A, 'a');
    merger.lineUp(B, 'b');
    frames.forEach(([conn, f], i) => {
      if ('cs' in f) merger.offerChecksum(conn, 5, f.cs, i + 1);
      else merger.offer(conn, { ...f, localTs: i + 1 });
    });
    return { out, merger };
  }

  /** A Bitfinex update: no checksum of its own. */
  const unchecked = (ts: number): DepthUpdate => ({ ...up(ts), firstId: -1, lastId: -1 });

  it('checksum frames: the leader\'s bad update shows at its next checksum frame; the other line\'s copies since the last good one replace them', () => {
    // B is behind: its copies of 11 and 12 arrive after A's (and are kept until A's cs 12 holds or fails)
    const { out, merger } = runFrames([
      [A, unchecked(10)], [A, { cs: 10 }], [B, unchecked(10)], [B, { cs: 10 }],
      [A, unchecked(11)], [A, bad(unchecked(12))], [B, unchecked(11)], [A, { cs: 12 }], [B, unchecked(12)], [B, { cs: 12 }], [A, unchecked(13)], [B, unchecked(13)], [B, { cs: 13 }],
    ]);
    expect(out).toEqual(['10', 'cs10', '11', '12', 'cs12', '13', 'cs13']);
    expect(merger.stats.rejected).toBe(1);
  });

  it('checksum frames: an update the leader skipped, the other line ahead', () => {
    const { out } = runFrames([
      [A, unchecked(10)], [A, { cs: 10 }], [B, unchecked(10)], [B, { cs: 10 }],
      [B, unchecked(11)], [B, unchecked(12)], [B, { cs: 12 }], [A, unchecked(12)], [A, { cs: 12 }], [B, unchecked(13)], [A, unchecked(13)],
    ]);
    expect(out).toEqual(['10', 'cs10', '11', '12', 'cs12']);
  });

  it('id-less: the new leader\'s copy fails too, or no other line is open: a gap', () => {
    // (B leads after A's copy is refused: the book resyncs on the gap, and its next update is B's)
    expect(runKeyed([[A, keyed(10, 1)], [B, keyed(10, 1)], [B, bad(keyed(11, 2))], [A, bad(keyed(11, 2))], [A, keyed(12, 3)], [B, keyed(12, 3)]]).out).toEqual(['10', 'gap@11', '12']);
    expect(runKeyed([[A, keyed(10, 1)], [B, keyed(10, 1)], [B, 'down'], [A, bad(keyed(11, 2))], [A, keyed(12, 3)]]).out).toEqual(['10', 'gap@11', '12']);
  });
});
