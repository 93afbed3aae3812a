// How an OKX book is verified (PROTOCOLS.md §6): the seqId/prevSeqId chain on every update, and
// the CRC32 of the top 25 levels while OKX still sends a non-zero checksum.
//
// The ids of a DepthUpdate (decode.ts): prevId = prevSeqId, lastId = seqId, firstId = prevSeqId+1.
// Frames recorded before seqId existed (cryptofeed OKX.ws.1.0, 2022; OKCOIN.ws.1.0, 2023) carry
// neither: the decoder sets all three to NO_ID and the book is checksum-only, like Kraken's.
import { crc32Text } from '../../book/checksum.js';
import { APPLY, STALE } from '../../book/types.js';
import type { BookRule, ChecksumRule, DepthUpdate, Verdict } from '../../book/types.js';

/** Id of a frame (or snapshot) without seqId/prevSeqId. */
export const NO_ID = -1;

/**
 * Checksum (doc "Checksum"): the first 25 bids and asks of the book *after* the message,
 * interleaved `bid1px:bid1sz:ask1px:ask1sz:bid2px…`, a shorter side's missing entries skipped,
 * from the strings as sent ("0.5000" stays "0.5000"); CRC32 as a signed int32. We compare
 * unsigned: the decoder normalises the venue's value with toUint32.
 */
export const OKX_CHECKSUM: ChecksumRule = {
  depth: 25,
  compute(bids, asks) {
    let s = '';
    const n = Math.max(Math.min(25, bids.length), Math.min(25, asks.length));
    for (let i = 0; i < n; i++) {
      if (i < bids.length) s += s.length === 0 ? `${bids[i][0]}:${bids[i][1]}` : `:${bids[i][0]}:${bids[i][1]}`;
      if (i < asks.length) s += s.length === 0 ? `${asks[i][0]}:${asks[i][1]}` : `:${asks[i][0]}:${asks[i][1]}`;
    }
    return crc32Text(s);
  },
};

const gap = (expected: string, u: DepthUpdate): Verdict => ({
  kind: 'gap', expected, got: `prevSeqId=${u.prevId} seqId=${u.lastId}`,
});

export const okxBookRule: BookRule = {
  // REST-seeded books (the 2026 procedure, PROTOCOLS.md §6 "What changed", used when no stream
  // snapshot comes). 4. "if snapshot.seqId < the prevSeqId of the first buffered event, refetch".
  // A first event that resets the ids (seqId < prevSeqId) cannot be compared: bridge decides.
  snapshotUsable(snapshotId: number, first: DepthUpdate): boolean {
    if (snapshotId === NO_ID || first.lastId === NO_ID || first.lastId < first.prevId) return true;
    return snapshotId >= first.prevId;
  },

  // 5. "discard buffered events with seqId <= snapshot.seqId";
  // 6. "the first event must satisfy prevSeqId <= snapshot.seqId < seqId".
  // An event continuing the snapshot exactly (prevSeqId == snapshot.seqId) is applied first, so a
  // heartbeat or a maintenance reset right after the snapshot bridges too. A reset that does not
  // continue it is a gap (its small seqId would otherwise be dropped as stale, forever).
  bridge(snapshotId: number, u: DepthUpdate): Verdict {
    if (snapshotId === NO_ID || u.lastId === NO_ID) return APPLY; // checksum-only
    if (u.prevId === snapshotId) return APPLY;
    if (u.lastId < u.prevId) return gap(`prevSeqId=${snapshotId} (a reset must continue the snapshot)`, u);
    if (u.lastId <= snapshotId) return STALE;
    if (u.prevId < snapshotId) return APPLY;
    return gap(`prevSeqId<=${snapshotId}<seqId`, u);
  },

  // Doc "Sequence": "prevSeqId of a new message equals the seqId of the previous one" — which
  // covers the ~60 s idle heartbeat (seqId == prevSeqId, no levels) and the reset after
  // maintenance (seqId < prevSeqId, prevSeqId == last seqId) without special cases. Anything
  // else is a gap: no STALE here, because after a missed reset older-looking ids are new data.
  // Without ids (pre-seqId frames, or a book seeded without one) only the checksum can judge.
  next(lastId: number, u: DepthUpdate): Verdict {
    if (u.lastId === NO_ID || lastId === NO_ID) return APPLY;
    if (u.prevId === lastId) return APPLY;
    return gap(`prevSeqId=${lastId}`, u);
  },

  checksum: OKX_CHECKSUM,
};
