// Coinbase's only integrity signal (PROTOCOLS-MORE.md §2.2): `sequence_num`, one counter per
// connection over every message of every channel (l2_data, market_trades, ticker, heartbeats,
// subscriptions acks). A jump means messages were lost and nobody can say which product's book
// they touched, so every book on that connection must be fetched again.
//
// The sync engine verifies one symbol's chain of update ids, so the decoder turns the connection
// counter into per-product chains (decode.ts):
//   - a book id is (connection, sequence_num) packed into one integer, connId × SEQ_SPAN + n, so ids
//     grow within a run across reconnects and rotations (connIds only grow) and a book row's
//     update_id names the exact message it was verified at;
//   - each product remembers the sequence_num of its last l2 message on the connection (its
//     anchor); an update's prevId is that anchor while the run is unbroken since it, so the rule's
//     `prevId == lastId` holds exactly when nothing was lost in between;
//   - a broken run drops every anchor of the connection and sends each of those products an empty
//     update with no chain (prevId NO_CHAIN): each book reports the gap at the message that
//     revealed it and resubscribes. A product whose snapshot is still to come has no anchor: it
//     waits for that snapshot (or the session's resubscribe timer) as before.
import { SEQ_SPAN } from './wire.js';

/** prevId of an update that continues no verified run (after a hole, or before any snapshot). */
export const NO_CHAIN = -1;

export const bookId = (connId: number, seq: number): number => connId * SEQ_SPAN + seq;
/** The sequence_num part of a book id. */
export const seqOf = (id: number): number => id % SEQ_SPAN;
/** The connId part of a book id. */
export const connOf = (id: number): number => Math.floor(id / SEQ_SPAN);

/** What the decoder knows of one connection. */
export interface ConnSequence {
  /** sequence_num of the last message read (-1: none yet). */
  last: number;
  /** Product → sequence_num of its last l2 message, while the run since then is unbroken. */
  readonly anchors: Map<string, number>;
}

/**
 * Decoders outlive sockets (a session reconnects; replay reads many). States of connections long
 * gone are dropped oldest first past this many; a live one dropped by mistake would only resync.
 */
const MAX_CONNECTIONS = 256;

export class ConnectionSequences {
  private readonly conns = new Map<number, ConnSequence>();

  /** The connection's state, created at its first message. */
  of(connId: number): ConnSequence {
    let st = this.conns.get(connId);
    if (st === undefined) {
      if (this.conns.size >= MAX_CONNECTIONS) this.conns.delete(this.conns.keys().next().value as number);
      st = { last: -1, anchors: new Map() };
      this.conns.set(connId, st);
    }
    return st;
  }

  /**
   * Message `seq` arrived: the sequence_num that was due when it does not continue the run (a hole,
   * or the counter going back), else -1. A connection's first message starts the run whatever its
   * number (0 in every recording): nothing of a book can have been missed before it.
   */
  static arrive(st: ConnSequence, seq: number): number {
    const due = st.last + 1;
    const first = st.last < 0;
    st.last = seq;
    return first || seq === due ? -1 : due;
  }
}
