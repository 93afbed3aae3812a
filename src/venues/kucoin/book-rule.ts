// How a KuCoin REST snapshot meets the level2 stream, and how each update is verified
// (PROTOCOLS-MORE.md §5.2 spot "calibration", §5.3 futures; §7 sync-engine table).
//
// The ids of a DepthUpdate (decode.ts): spot firstId..lastId is the part of a message's
// sequenceStart..sequenceEnd that one change sequence covers (a message with one change: the
// whole range); futures firstId = lastId = the message's `sequence`. Both markets then follow one
// rule: a snapshot with sequence S takes the first update whose range holds S+1, and every later
// update must start right after the last one.
import { APPLY, STALE } from '../../book/types.js';
import type { BookRule, DepthUpdate, Verdict } from '../../book/types.js';

function rule(first: string, last: string): BookRule {
  const got = (u: DepthUpdate): string => (first === last ? `${last}=${u.lastId}` : `${first}=${u.firstId} ${last}=${u.lastId}`);
  return {
    // The snapshot must not be older than the buffered stream: with S+1 < the first buffered
    // update's start, the updates in between are gone. Stale messages that arrive *after* the
    // snapshot (REST ahead of the socket, seen 48 times in the 2021 capture) are no reason to
    // refetch: bridge drops them and keeps buffering.
    snapshotUsable(snapshotId: number, firstBuffered: DepthUpdate): boolean {
      return snapshotId + 1 >= firstBuffered.firstId;
    },

    // "drop messages with sequenceEnd <= S"; "first applied: sequenceStart <= S + 1 <= sequenceEnd;
    // apply only its changes with sequence > S" — per change, through the per-sequence updates.
    bridge(snapshotId: number, u: DepthUpdate): Verdict {
      if (u.lastId <= snapshotId) return STALE;
      if (u.firstId <= snapshotId + 1) return APPLY;
      return { kind: 'gap', expected: `${first}<=${snapshotId + 1}`, got: got(u) };
    },

    // "then: sequenceStart == previous sequenceEnd + 1, else GAP -> resync". An update not past the
    // book (a rotation overlaps two sockets for a moment, delivering some messages twice) is stale.
    next(lastId: number, u: DepthUpdate): Verdict {
      if (u.lastId <= lastId) return STALE;
      if (u.firstId > lastId + 1) return { kind: 'gap', expected: `${first}=${lastId + 1}`, got: got(u) };
      return APPLY;
    },
  };
}

/** Spot `/market/level2`: sequenceStart / sequenceEnd, per-change sequences. */
export const spotBookRule: BookRule = rule('sequenceStart', 'sequenceEnd');

/** Futures `/contractMarket/level2`: one `sequence` per message, +1 each. */
export const futuresBookRule: BookRule = rule('sequence', 'sequence');
