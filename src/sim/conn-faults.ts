// Faults on ONE client connection while the others stay clean, so a test can fault one line of a
// redundant A/B recorder (`record --redundant 2`) and check the other covers it. What the venue
// does to one socket:
// - gap: the next update of a symbol's book is not sent on this socket (the market still moves;
//   every other socket gets it);
// - corrupt: this socket gets the next update of a symbol's book cut short (unparseable, as a
//   frame garbled on its way), every other socket gets it whole;
// - stall: this socket gets nothing for a while, then everything held back at once (a congested
//   route: the line falls behind and catches up).
// The market, and so the ground truth, never notices.

export type ConnFaultKind = 'gap' | 'corrupt' | 'stall';

/** One per-connection fault as it was taken (book faults: the update it hit). */
export interface ConnFaultTaken {
  kind: ConnFaultKind;
  connId: number;
  venueSymbol?: string;
  /** Book faults: first and last key of the update (Binance U and u). */
  from?: number;
  to?: number;
  /** Stall: frames held back and then sent. */
  held?: number;
}

interface Stall {
  untilMs: number;
  queue: string[];
  timer: NodeJS.Timeout;
}

export class ConnFaults {
  readonly taken: ConnFaultTaken[] = [];
  /** connId → venue symbol → the fault its next update takes there. */
  private readonly book = new Map<number, Map<string, 'gap' | 'corrupt'>>();
  private readonly stalls = new Map<number, Stall>();

  /** Nothing armed and nothing stalled: the hub's fast path skips every check. */
  get idle(): boolean {
    return this.book.size === 0 && this.stalls.size === 0;
  }

  /** The next update of `venueSymbol` on connection `connId` is dropped (gap) or cut short (corrupt). */
  armBook(connId: number, kind: 'gap' | 'corrupt', venueSymbol: string): void {
    let m = this.book.get(connId);
    if (m === undefined) this.book.set(connId, (m = new Map()));
    m.set(venueSymbol, kind);
  }

  /** The book fault this connection takes on this update (U..u) of `venueSymbol`, if one is armed. */
  takeBook(connId: number, venueSymbol: string, from: number, to: number): 'gap' | 'corrupt' | undefined {
    const m = this.book.get(connId);
    const kind = m?.get(venueSymbol);
    if (kind === undefined) return undefined;
    m!.delete(venueSymbol);
    if (m!.size === 0) this.book.delete(connId);
    this.taken.push({ kind, connId, venueSymbol, from, to });
    return kind;
  }

  /** Holds every frame for `connId` for `durationMs`, then hands them to `flush` in order. */
  stall(connId: number, durationMs: number, flush: (frames: string[]) => void): void {
    const old = this.stalls.get(connId);
    if (old !== undefined) clearTimeout(old.timer);
    const untilMs = Date.now() + durationMs;
    const queue = old?.queue ?? [];
    const timer = setTimeout(() => {
      this.stalls.delete(connId);
      this.taken.push({ kind: 'stall', connId, held: queue.length });
      flush(queue);
    }, durationMs);
    timer.unref();
    this.stalls.set(connId, { untilMs, queue, timer });
  }

  /** True when `connId` is stalled: the frame is held back (sent when the stall ends). */
  hold(connId: number, text: string): boolean {
    const s = this.stalls.get(connId);
    if (s === undefined) return false;
    s.queue.push(text);
    return true;
  }

  /** The connection is gone: nothing more is held or armed for it. */
  forget(connId: number): void {
    const s = this.stalls.get(connId);
    if (s !== undefined) clearTimeout(s.timer);
    this.stalls.delete(connId);
    this.book.delete(connId);
  }

  stop(): void {
    for (const s of this.stalls.values()) clearTimeout(s.timer);
    this.stalls.clear();
    this.book.clear();
  }
}

/** A frame cut short, as a garbled copy of `text` (never parseable JSON). */
export function cutShort(text: string): string {
  return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
}
