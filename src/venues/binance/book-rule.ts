// How a REST snapshot meets the diff stream, and how each diff is verified, per market.
//
// Spot: steps as numbered in web-socket-streams.md "How to manage a local order book correctly"
// (PROTOCOLS.md §1.4; the 2024-12-16 rewrite read "U > local id", fixed to "+ 1" on 2025-11-12).
import { APPLY, STALE } from '../../book/types.js';
import type { BookRule, DepthUpdate, Verdict } from '../../book/types.js';

export const spotBookRule: BookRule = {
  // 4. "If the snapshot's lastUpdateId is strictly less than the U from step 2, go back to step 3."
  //    One looser than the text: lastUpdateId == U - 1 is accepted, because step 5's own bridge
  //    (U <= lastUpdateId+1 <= u, the pre-2024 wording) applies that event cleanly; refetching
  //    would only cost a request and time.
  snapshotUsable(snapshotId: number, firstBuffered: DepthUpdate): boolean {
    return snapshotId + 1 >= firstBuffered.firstId;
  },

  // 5. "Discard any event where u is <= lastUpdateId of the snapshot."
  //    "The first buffered event should now have lastUpdateId within its [U;u] range":
  //    first applicable event: U <= lastUpdateId+1 <= u.
  bridge(snapshotId: number, u: DepthUpdate): Verdict {
    if (u.lastId <= snapshotId) return STALE;
    if (u.firstId <= snapshotId + 1) return APPLY;
    return { kind: 'gap', expected: `U<=${snapshotId + 1}`, got: `U=${u.firstId} u=${u.lastId}` };
  },

  // 7. "If the event's u is < the local order book update ID, ignore the event."
  //    "If the event's U > local update ID + 1, something went wrong. Discard the local order
  //    book and restart the process from the beginning." Normally U == previous u + 1.
  //    u == local id is the event already applied (a rotation overlaps two sockets): ignored too.
  next(lastId: number, u: DepthUpdate): Verdict {
    if (u.lastId <= lastId) return STALE;
    if (u.firstId > lastId + 1) return { kind: 'gap', expected: `U=${lastId + 1}`, got: `U=${u.firstId} u=${u.lastId}` };
    return APPLY;
  },
};

// USDⓈ-M futures: "How to manage a local order book correctly" (PROTOCOLS.md §2). Do not
// apply the spot rule: futures U/u are not contiguous across events; `pu` chains them.
export const futuresBookRule: BookRule = {
  // 3. Get the snapshot. A snapshot older than the first buffered event cannot be bridged
  //    (no buffered event can have U <= lastUpdateId): fetch another.
  snapshotUsable(snapshotId: number, firstBuffered: DepthUpdate): boolean {
    return snapshotId >= firstBuffered.firstId || firstBuffered.prevId === snapshotId;
  },

  // 4. "Drop any event where u is < lastUpdateId in the snapshot."
  // 5. "The first processed event should have U <= lastUpdateId AND u >= lastUpdateId."
  //    Also accepted: pu == lastUpdateId (the event right after the snapshot's last one, when the
  //    snapshot id falls between two events; tardis-node 2f13277 added the same test).
  bridge(snapshotId: number, u: DepthUpdate): Verdict {
    if (u.lastId < snapshotId) return STALE;
    if (u.firstId <= snapshotId || u.prevId === snapshotId) return APPLY;
    return { kind: 'gap', expected: `U<=${snapshotId}<=u`, got: `U=${u.firstId} u=${u.lastId} pu=${u.prevId}` };
  },

  // 6. "While listening to the stream, each new event's pu should be equal to the previous
  //    event's u, otherwise initialize the process from step 3."
  //    An event whose u is not past the book's is one already applied (a make-before-break
  //    rotation delivers some events twice): ignore it rather than call it a break.
  next(lastId: number, u: DepthUpdate): Verdict {
    if (u.prevId === lastId) return APPLY;
    if (u.lastId <= lastId) return STALE;
    return { kind: 'gap', expected: `pu=${lastId}`, got: `pu=${u.prevId} U=${u.firstId} u=${u.lastId}` };
  },
};
