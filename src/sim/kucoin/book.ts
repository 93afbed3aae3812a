// One symbol's book as KuCoin sequences it (PROTOCOLS-MORE.md §5.2, §5.3): every change of a level
// gets its own sequence, +1 each. The market model moves several updates per frame and aggregates
// them, so the sequence space here is the venue's own, assigned as changes are published: the
// book a client holds after sequence n (this `bids`/`asks` view, kept in step) is the ground truth
// recorded at n. Deletions go first within a batch, so no intermediate state is ever crossed.
//
// A spot REST snapshot may land between two frames after the model moved (SymbolState.snapshot
// steps it, the "straddling" case): those changes are sequenced at once, so the snapshot's
// sequence S covers them, and they are sent with the next frame's message — whose sequenceStart is
// then <= S < sequenceEnd, the case the per-change filter exists for.
import { BookSide } from '../book-side.js';
import type { BookState, DiffFrame } from '../market.js';
import { Rng, hash32 } from '../rng.js';
import type { SymbolState } from '../symbol-state.js';

/** One sequenced change; `ticks` NaN is a sequence-only change (price "0"). */
export interface Change {
  bid: boolean;
  ticks: number;
  lots: number;
  seq: number;
}

const OLD_SNAPSHOTS = 5;
const OLD_SNAPSHOT_EVERY_MS = 1000;

export class SequencedBook {
  /** What a client in sync holds after `seq`. */
  readonly bids = new BookSide(1);
  readonly asks = new BookSide(-1);
  /** Sequence of the last change assigned. */
  seq: number;
  /** Sequence of the last change published (sent, or dropped by a gap fault). */
  sent: number;
  /** Changes sequenced at a REST snapshot, to go out with the next message. */
  readonly pending: Change[] = [];
  /** A few old snapshots (the stalesnapshot fault), oldest first. */
  readonly old: { seq: number; book: BookState }[] = [];
  private lastOldMs = 0;
  private readonly rng: Rng;
  private readonly t: number[] = [];
  private readonly l: number[] = [];
  private readonly b: boolean[] = [];

  constructor(private readonly state: SymbolState, seed: number) {
    const m = state.market;
    this.bids.ticks.push(...m.bids.ticks);
    this.bids.lots.push(...m.bids.lots);
    this.asks.ticks.push(...m.asks.ticks);
    this.asks.lots.push(...m.asks.lots);
    const h = hash32(state.inst.venueSymbol, seed);
    // 13 digits like today's ids, above 2^32 (a client keeping them in 32 bits breaks here first).
    this.seq = this.sent = 1_700_000_000_000 + (h % 100_000_000_000);
    this.rng = new Rng(h ^ 0x5eed);
    state.truth.record(this.seq, this.bids, this.asks);
  }

  /** The changes of one model frame (its aggregate, minus levels already published at a snapshot). */
  fromFrame(f: DiffFrame, out: Change[]): void {
    const t = this.t;
    const l = this.l;
    const b = this.b;
    t.length = l.length = b.length = 0;
    for (let i = 0; i < f.bidTicks.length; i++) if (this.bids.lotsAt(f.bidTicks[i]) !== f.bidLots[i]) this.stage(true, f.bidTicks[i], f.bidLots[i]);
    for (let i = 0; i < f.askTicks.length; i++) if (this.asks.lotsAt(f.askTicks[i]) !== f.askLots[i]) this.stage(false, f.askTicks[i], f.askLots[i]);
    this.assignStaged(out);
  }

  /** Everything the model changed since the view (a full merge of both sides, for the REST path). */
  catchUp(out: Change[]): void {
    const t = this.t;
    t.length = this.l.length = this.b.length = 0;
    this.merge(true, this.bids, this.state.market.bids);
    this.merge(false, this.asks, this.state.market.asks);
    this.assignStaged(out);
  }

  /** A sequence-only change (price "0", §5.2): the sequence moves, the book does not. */
  sequenceOnly(out: Change[]): void {
    this.seq++;
    this.state.truth.record(this.seq, this.bids, this.asks);
    out.push({ bid: this.rng.next() < 0.5, ticks: NaN, lots: 0, seq: this.seq });
  }

  /** Whether this frame gets a sequence-only change: about one in four, seeded. */
  wantsSequenceOnly(): boolean {
    return this.rng.next() < 0.25;
  }

  /** Keeps an old snapshot now and then, for the stalesnapshot fault. */
  keepOld(nowMs: number): void {
    if (nowMs - this.lastOldMs < OLD_SNAPSHOT_EVERY_MS) return;
    this.lastOldMs = nowMs;
    this.old.push({ seq: this.seq, book: this.top(100) });
    if (this.old.length > OLD_SNAPSHOTS) this.old.shift();
  }

  /** The view's best `n` levels per side with its sequence. */
  top(n: number): BookState {
    return { lastUpdateId: this.seq, bids: this.bids.copyTop(n), asks: this.asks.copyTop(n) };
  }

  private stage(bid: boolean, ticks: number, lots: number): void {
    this.b.push(bid);
    this.t.push(ticks);
    this.l.push(lots);
  }

  /** Sequences the staged changes: deletions first, then the rest; truth after each. */
  private assignStaged(out: Change[]): void {
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < this.t.length; i++) {
        if ((this.l[i] === 0) !== (pass === 0)) continue;
        const bid = this.b[i];
        (bid ? this.bids : this.asks).set(this.t[i], this.l[i]);
        this.seq++;
        this.state.truth.record(this.seq, this.bids, this.asks);
        out.push({ bid, ticks: this.t[i], lots: this.l[i], seq: this.seq });
      }
    }
  }

  /** Stages the differences from `view` to `side` (both worst first; walked from the best end). */
  private merge(bid: boolean, view: BookSide, side: BookSide): void {
    const dir = side.dir;
    let i = view.ticks.length - 1;
    let j = side.ticks.length - 1;
    while (i >= 0 || j >= 0) {
      const vt = view.ticks[i];
      const st = side.ticks[j];
      if (i >= 0 && j >= 0 && vt === st) {
        if (view.lots[i] !== side.lots[j]) this.stage(bid, st, side.lots[j]);
        i--;
        j--;
      } else if (j < 0 || (i >= 0 && vt * dir > st * dir)) {
        this.stage(bid, vt, 0);
        i--;
      } else {
        this.stage(bid, st, side.lots[j]);
        j--;
      }
    }
  }
}
