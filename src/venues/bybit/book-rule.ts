// How a Bybit v5 book is verified (PROTOCOLS-MORE.md §1.3, docs/v5/websocket/public/orderbook.mdx):
//
//   on snapshot:   replace the book; L = u        (any snapshot, u == 1 after a restart included:
//                                                 the sync engine's stream-snapshot path)
//   on delta:      u <= L      drop (stale / duplicate)
//                  u == L + 1  apply; L = u
//                  u >  L + 1  gap: discard the book, resubscribe for a fresh snapshot
//
// plus the cross check the doc offers: `seq` "increases" (it is not contiguous), so a delta that
// continues u but whose seq went below the previous book message's on that socket cannot be
// trusted either (the decoder pairs each delta with that previous seq: BybitDepthUpdate).
// A delta with u == 1 on a book past 1 is a restart that came without its snapshot: a gap.
//
// The ids of a DepthUpdate (decode.ts): firstId = lastId = u, prevId = NO_ID (Bybit has no pu).
import { APPLY, STALE } from '../../book/types.js';
import type { BookRule, DepthUpdate, Verdict } from '../../book/types.js';

/** prevId of every Bybit update; prevSeq when the socket sent no book message before. */
export const NO_ID = -1;

/** A delta with the cross sequences the rule checks. */
export interface BybitDepthUpdate extends DepthUpdate {
  seq: number;
  /** seq of the previous book message of this symbol on the same socket; NO_ID when none. */
  prevSeq: number;
}

const hasSeq = (u: DepthUpdate): u is BybitDepthUpdate => (u as Partial<BybitDepthUpdate>).prevSeq !== undefined;

const gap = (expected: string, u: DepthUpdate): Verdict => ({ kind: 'gap', expected, got: `u=${u.lastId}` });

export const bybitBookRule: BookRule = {
  // The REST path (GET /v5/market/orderbook, whose u "corresponds to u in the 1000-level
  // WebSocket orderbook stream"), used only if a book were seeded over REST: the snapshot must
  // reach at least the update before the first buffered one.
  snapshotUsable(snapshotId: number, first: DepthUpdate): boolean {
    return snapshotId >= first.lastId - 1;
  },

  bridge(snapshotId: number, u: DepthUpdate): Verdict {
    if (u.lastId <= snapshotId) return STALE;
    if (u.lastId === snapshotId + 1) return APPLY;
    return gap(`u=${snapshotId + 1}`, u);
  },

  next(lastId: number, u: DepthUpdate): Verdict {
    if (u.lastId === lastId + 1) {
      if (hasSeq(u) && u.prevSeq !== NO_ID && u.seq < u.prevSeq) {
        return { kind: 'gap', expected: `seq>=${u.prevSeq} (cross sequence increases)`, got: `u=${u.lastId} seq=${u.seq}` };
      }
      return APPLY;
    }
    if (u.lastId === 1 && lastId > 1) return gap(`u=${lastId + 1} (a restart, u=1, comes as a snapshot)`, u);
    if (u.lastId <= lastId) return STALE;
    return gap(`u=${lastId + 1}`, u);
  },
};
