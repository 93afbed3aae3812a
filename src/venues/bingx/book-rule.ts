// How a BingX `@incrDepth` book is verified (PROTOCOLS-MORE.md §3.2, vector
// bingx-incrdepth-decisions). The first frame of a subscription, `action:"all"`, is the whole
// book with its lastUpdateId L (a stream snapshot: REST depth carries no id, so nothing else can
// seed it); every `action:"update"` frame after it carries lastUpdateId L+1:
//
//   action all                      -> replace book; L = lastUpdateId
//   update before any all           -> drop (the sync engine drops updates of an unsynced 'ws' book)
//   update with id == L + 1         -> apply; L = id
//   update with id <= L             -> drop (duplicate / late)
//   update with id > L + 1          -> GAP: resubscribe (the venue answers with a new 'all')
//
// The doc allows waiting for late frames (re-ordering "the latest 3"); a recorder logs the jump as
// a gap and resubscribes instead. The ids of a DepthUpdate (decode.ts): firstId = lastId =
// lastUpdateId, prevId = NO_ID. `@depthN` books are whole top-N books, one stream snapshot each:
// nothing to chain.
import { APPLY, STALE } from '../../book/types.js';
import type { BookRule, DepthUpdate, Verdict } from '../../book/types.js';

/** Id of a frame without lastUpdateId (swap `@depthN`). */
export const NO_ID = -1;

function verdict(lastId: number, u: DepthUpdate): Verdict {
  if (lastId === NO_ID || u.lastId === NO_ID) return { kind: 'gap', expected: `lastUpdateId=${lastId + 1}`, got: `lastUpdateId=${u.lastId} (the book has no id to continue)` };
  if (u.lastId === lastId + 1) return APPLY;
  if (u.lastId <= lastId) return STALE;
  return { kind: 'gap', expected: `lastUpdateId=${lastId + 1}`, got: `lastUpdateId=${u.lastId}` };
}

export const bingxBookRule: BookRule = {
  // Books are seeded on the stream only (bookSnapshot 'ws'): there is no REST id to compare.
  snapshotUsable: () => true,
  bridge: verdict,
  next: verdict,
};
