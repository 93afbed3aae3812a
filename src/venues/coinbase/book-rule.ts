// How a Coinbase book is verified (PROTOCOLS-MORE.md §2.2, sync algorithm):
//   per connection: expect sequence_num == last + 1
//   gap on the connection   -> every level2 product on it is suspect: unsubscribe+subscribe level2
//   snapshot event          -> replace that product's book
//   update event            -> apply each update in order
// There is no checksum and no per-product sequence. The decoder folds the connection counter into
// per-product chains (sequence.ts): an update's prevId is the book id of its product's previous
// l2 message when no message was lost since, so the rule is the chain `prevId == lastId`; an
// update with no chain (NO_CHAIN, sent for every book of a connection whose run broke) is a gap.
import { APPLY, type BookRule, type DepthUpdate, type Verdict } from '../../book/types.js';
import { NO_CHAIN, connOf, seqOf } from './sequence.js';

/** What arrived, in the venue's words. */
function got(u: DepthUpdate): string {
  const conn = connOf(u.lastId);
  const n = seqOf(u.lastId);
  if (u.prevId !== NO_CHAIN) return `an update continuing sequence_num ${seqOf(u.prevId)} (connection ${connOf(u.prevId)})`;
  if (u.firstId < u.lastId) {
    const from = seqOf(u.firstId);
    const missing = n - 1 > from ? `${from}..${n - 1}` : `${from}`;
    return `sequence_num ${n} on connection ${conn}: ${missing} missing`;
  }
  if (u.firstId > u.lastId) return `sequence_num ${n} on connection ${conn}: went back (${seqOf(u.firstId)} was due)`;
  return `sequence_num ${n} on connection ${conn} with no unbroken run since the book's snapshot`;
}

function chain(lastId: number, u: DepthUpdate): Verdict {
  if (u.prevId !== NO_CHAIN && u.prevId === lastId) return APPLY;
  return {
    kind: 'gap',
    expected: `every sequence_num after ${seqOf(lastId)} on connection ${connOf(lastId)}`,
    got: got(u),
  };
}

export const coinbaseBookRule: BookRule = {
  // Books are seeded by the websocket snapshot only (the REST book has no sequence, §2.4), so the
  // REST bridge never runs; if it did, the chain rule is the right one.
  snapshotUsable: () => true,
  bridge: chain,
  next: chain,
};
