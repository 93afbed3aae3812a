// How a MEXC book meets its REST snapshot and stays verified (PROTOCOLS-MORE.md §4.1 "Book sync",
// §4.2 "Sync"): both markets chain version ranges, so one rule serves both.
//
//   spot     a push covers fromVersion..toVersion; REST /api/v3/depth gives lastUpdateId V
//   futures  a push covers version (or begin..end when merged); REST /contract/depth gives version V
//
// The DepthUpdate ids (decoders): firstId = fromVersion (begin, or version), lastId = toVersion
// (end, or version), prevId -1.
//
// The doc's spot rules 6 and 7 read literally ("fromVersion > lastUpdateId is a gap"; "apply when
// lastUpdateId is in [fromVersion, toVersion]") reject the clean first push fromVersion == V+1,
// where nothing is missing (the doc trap of §4.1; vector `mexc-spot-sync-decisions` records both
// verdicts). Implemented as the doc intends: the first push applied is the one holding V+1.
import { APPLY, STALE } from '../../book/types.js';
import type { BookRule, DepthUpdate, Verdict } from '../../book/types.js';

export const versionChainRule: BookRule = {
  // Spot 6 / futures 2, read as intended: a snapshot older than the first buffered push (its
  // fromVersion past V+1) cannot be bridged by any buffered push: fetch another (not a gap).
  snapshotUsable(snapshotId: number, firstBuffered: DepthUpdate): boolean {
    return snapshotId + 1 >= firstBuffered.firstId;
  },

  // Spot 5 "a push with toVersion < lastUpdateId is stale", futures 2 "drop version <= V"; toVersion
  // == V is already inside the snapshot too. Spot 7 / futures 3: the first push applied holds V+1
  // (fromVersion <= V+1 <= toVersion); one starting past V+1 means versions are missing.
  bridge(snapshotId: number, u: DepthUpdate): Verdict {
    if (u.lastId <= snapshotId) return STALE;
    if (u.firstId <= snapshotId + 1) return APPLY;
    return { kind: 'gap', expected: `fromVersion<=${snapshotId + 1}`, got: `fromVersion=${u.firstId} toVersion=${u.lastId}` };
  },

  // Spot 3 "fromVersion == previous toVersion + 1, otherwise reinitialize"; futures 3 the same
  // with version (merged: begin == previous end + 1). A push wholly at or below the book's version
  // is one already applied (a make-before-break rotation delivers some twice): ignored. One that
  // overlaps the book's version is applied: quantities are absolute and a push lists every level
  // changed in its range with its quantity at toVersion, so the levels changed after the book's
  // version are all in it and the others get the value they already have (two sockets may
  // aggregate the same versions into different pushes).
  next(lastId: number, u: DepthUpdate): Verdict {
    if (u.lastId <= lastId) return STALE;
    if (u.firstId <= lastId + 1) return APPLY;
    return { kind: 'gap', expected: `fromVersion=${lastId + 1}`, got: `fromVersion=${u.firstId} toVersion=${u.lastId}` };
  },
};
