// Ground truth: the top-N of the simulated book after every diff frame, keyed by the frame's
// final id u. Tests compare a recorder's verified book rows against it. Stored as Int32 ticks and
// lots in a ring of lazily allocated chunks (N=50: 808 bytes an entry), and turned back into the
// exact wire strings only when asked.
import type { Formatter } from './instruments.js';
import type { BookSide } from './book-side.js';

export interface TopOfBook {
  bids: [string, string][];
  asks: [string, string][];
}

const CHUNK = 1024;

export class TruthRing {
  private readonly stride: number;
  private readonly ids: Float64Array[] = [];
  private readonly rows: Int32Array[] = [];
  /** Entries ever written; the ring holds the last `capacity` of them. */
  private written = 0;

  constructor(
    private readonly capacity: number,
    private readonly depth: number,
    private readonly fmt: Formatter,
  ) {
    // [bidCount, askCount, bidTicks×N, bidLots×N, askTicks×N, askLots×N]
    this.stride = 2 + 4 * depth;
  }

  record(u: number, bids: BookSide, asks: BookSide): void {
    if (this.capacity <= 0) return;
    const slot = this.written % this.capacity;
    const c = Math.floor(slot / CHUNK);
    if (this.rows[c] === undefined) {
      this.ids[c] = new Float64Array(CHUNK);
      this.rows[c] = new Int32Array(CHUNK * this.stride);
    }
    const row = this.rows[c];
    const at = (slot % CHUNK) * this.stride;
    const n = this.depth;
    const nb = Math.min(n, bids.length);
    const na = Math.min(n, asks.length);
    row[at] = nb;
    row[at + 1] = na;
    for (let d = 0; d < nb; d++) {
      row[at + 2 + d] = bids.ticksFromTop(d);
      row[at + 2 + n + d] = bids.lotsFromTop(d);
    }
    for (let d = 0; d < na; d++) {
      row[at + 2 + 2 * n + d] = asks.ticksFromTop(d);
      row[at + 2 + 3 * n + d] = asks.lotsFromTop(d);
    }
    this.ids[c][slot % CHUNK] = u;
    this.written++;
  }

  private idAt(logical: number): number {
    const slot = logical % this.capacity;
    return this.ids[Math.floor(slot / CHUNK)][slot % CHUNK];
  }

  /** Final id of the newest recorded frame (0 when none yet). */
  lastUpdateId(): number {
    return this.written === 0 ? 0 : this.idAt(this.written - 1);
  }

  /** Oldest id still held (0 when none). */
  firstUpdateId(): number {
    return this.written === 0 ? 0 : this.idAt(Math.max(0, this.written - this.capacity));
  }

  topAt(u: number): TopOfBook | undefined {
    let lo = Math.max(0, this.written - this.capacity);
    let hi = this.written - 1;
    while (lo <= hi) {
      const mid = Math.floor((lo + hi) / 2);
      const id = this.idAt(mid);
      if (id < u) lo = mid + 1;
      else if (id > u) hi = mid - 1;
      else return this.rowAt(mid);
    }
    return undefined;
  }

  /** Every entry still held, oldest first (a soak's ground-truth dump). */
  *entries(): Generator<[key: number, top: TopOfBook]> {
    for (let i = Math.max(0, this.written - this.capacity); i < this.written; i++) yield [this.idAt(i), this.rowAt(i)];
  }

  private rowAt(logical: number): TopOfBook {
    const slot = logical % this.capacity;
    const row = this.rows[Math.floor(slot / CHUNK)];
    const at = (slot % CHUNK) * this.stride;
    const n = this.depth;
    const bids: [string, string][] = [];
    const asks: [string, string][] = [];
    for (let d = 0; d < row[at]; d++) bids.push([this.fmt.price(row[at + 2 + d]), this.fmt.qty(row[at + 2 + n + d])]);
    for (let d = 0; d < row[at + 1]; d++) asks.push([this.fmt.price(row[at + 2 + 2 * n + d]), this.fmt.qty(row[at + 2 + 3 * n + d])]);
    return { bids, asks };
  }
}
