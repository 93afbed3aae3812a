// Faults on ONE client connection while the others stay clean, so a test can fault one line of a
// redundant A/B recorder (`record --redundant 2`) and check the other covers it. What the venue
// does to one socket:
// - gap: the next update of a symbol's book is not sent on this socket (the market still moves;
//   every other socket gets it);
// - corrupt: this socket gets the next update of a symbol's book altered, every other socket gets
//   it as it is. Binance: cut short (unparseable, as a frame garbled on its way). OKX, Kraken,
//   Bitfinex: parseable, with one checksummed level one lot off (OKX with `checksum: 0`: its
//   prevSeqId off by one), so the venue's checksum or seqId chain shows it as a real corruption
//   would;
// - stall: this socket gets nothing for a while, then everything held back at once, in order (a
//   congested route: the line falls behind and catches up).
// The market, and so the ground truth, never notices. One mechanism for every mode that models
// these: the mode's sender asks `takeBook` (or `takeBookIf`) per connection and routes every frame
// through `hold`.

export type ConnFaultKind = 'gap' | 'corrupt' | 'stall';

/** One per-connection fault as it was taken (book faults: the update it hit). */
export interface ConnFaultTaken {
  kind: ConnFaultKind;
  connId: number;
  venueSymbol?: string;
  /** Book faults: first and last key of the update (Binance U and u; OKX seqId; Kraken, Bitfinex the truth key). */
  from?: number;
  to?: number;
  /** Stall: frames held back and then sent. */
  held?: number;
}

/** A frame as sent: text, or binary for the venues whose frames are binary. */
export type HeldFrame = string | Uint8Array;

interface Stall {
  untilMs: number;
  queue: HeldFrame[];
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

  /**
   * The book fault armed for this connection and symbol, not taken yet (a venue whose fault needs a
   * fitting update, one its checksum covers, looks before it takes).
   */
  armedBook(connId: number, venueSymbol: string): 'gap' | 'corrupt' | undefined {
    return this.book.get(connId)?.get(venueSymbol);
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

  /**
   * takeBook for a venue whose fault must fit the update, else it stays armed for a later one: a
   * gap only where `visible` (the client can tell: its checksum covers what the update changes), a
   * corruption only where `corruptible()` (the update sends a level the checksum covers, to alter).
   */
  takeBookIf(connId: number, venueSymbol: string, key: number, visible: boolean, corruptible: () => boolean): 'gap' | 'corrupt' | undefined {
    const kind = this.armedBook(connId, venueSymbol);
    if (kind === undefined || !visible || (kind === 'corrupt' && !corruptible())) return undefined;
    return this.takeBook(connId, venueSymbol, key, key);
  }

  /** Holds every frame for `connId` for `durationMs`, then hands them to `flush` in order. */
  stall(connId: number, durationMs: number, flush: (frames: HeldFrame[]) => void): void {
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
  hold(connId: number, frame: HeldFrame): boolean {
    const s = this.stalls.get(connId);
    if (s === undefined) return false;
    s.queue.push(frame);
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
