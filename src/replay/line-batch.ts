// NDJSON lines written straight into a reusable byte buffer, with each line's receive time and end
// offset beside it: what a replay worker hands the main thread (all three arrays transferred, not
// copied), and what the main thread merges by receive time (parallel.ts) without parsing a line.
// Buffers go back to be filled again: a fresh buffer per batch is external memory that only a GC
// frees (RSS grew by 120 MB and system time doubled). Each line is written as it comes: gathering
// a batch into one string first made a rope of thousands of pieces, and measuring or flattening
// that cost more than building the lines (Buffer.byteLength: 1.2 s of a 7 s worker profile).

export interface LineBatch {
  /** Lines in the batch (the arrays may be longer). */
  n: number;
  /** localTs of each line's event. */
  ts: Float64Array;
  /** Byte offset just past each line's newline; ends[n - 1] bytes are used. */
  ends: Uint32Array;
  bytes: Uint8Array;
}

/** Bytes of a batch buffer. */
export const LINE_BATCH_BYTES = 1 << 18;
const LINES = 1024;

export class LineBatcher {
  private batch: LineBatch;
  private buf: Buffer;
  private pos = 0;

  constructor() {
    this.batch = newBatch(LINE_BATCH_BYTES);
    this.buf = view(this.batch.bytes);
  }

  get lines(): number {
    return this.batch.n;
  }

  /** Bytes written so far. */
  get size(): number {
    return this.pos;
  }

  /** Appends the line and its newline; false (nothing written) when the batch is full: take() it first. */
  add(localTs: number, line: string): boolean {
    const b = this.batch;
    // UTF-16 to UTF-8 at most triples a string's length
    if (this.pos + line.length * 3 + 1 > this.buf.length) {
      if (b.n > 0) return false;
      this.batch = newBatch(line.length * 3 + 1);
      this.buf = view(this.batch.bytes);
      return this.add(localTs, line);
    }
    const pos = this.pos + this.buf.write(line, this.pos, 'utf8');
    this.buf[pos] = 10;
    return this.end(localTs, pos + 1);
  }

  /** Appends a line of `head` then the byte pieces, and a newline; false as add(). */
  addPieces(localTs: number, head: string, a: Uint8Array, b: Uint8Array, c: Uint8Array, d: Uint8Array): boolean {
    const size = head.length * 3 + a.length + b.length + c.length + d.length + 1;
    if (this.pos + size > this.buf.length) {
      if (this.batch.n > 0) return false;
      this.batch = newBatch(size);
      this.buf = view(this.batch.bytes);
    }
    const buf = this.buf;
    let pos = this.pos + buf.write(head, this.pos, 'utf8');
    buf.set(a, pos);
    pos += a.length;
    buf.set(b, pos);
    pos += b.length;
    buf.set(c, pos);
    pos += c.length;
    buf.set(d, pos);
    pos += d.length;
    buf[pos++] = 10;
    return this.end(localTs, pos);
  }

  private end(localTs: number, pos: number): true {
    const b = this.batch;
    if (b.n === b.ts.length) grow(b);
    b.ts[b.n] = localTs;
    b.ends[b.n++] = pos;
    this.pos = pos;
    return true;
  }

  /** The lines so far; later lines go into `spare` (a batch handed back) or a new buffer. */
  take(spare?: LineBatch): LineBatch {
    const full = this.batch;
    this.batch = spare ?? newBatch(LINE_BATCH_BYTES);
    this.batch.n = 0;
    this.buf = view(this.batch.bytes);
    this.pos = 0;
    return full;
  }
}

function newBatch(bytes: number): LineBatch {
  return { n: 0, ts: new Float64Array(LINES), ends: new Uint32Array(LINES), bytes: new Uint8Array(Math.max(bytes, LINE_BATCH_BYTES)) };
}

function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

function grow(b: LineBatch): void {
  const ts = new Float64Array(b.ts.length * 2);
  ts.set(b.ts);
  b.ts = ts;
  const ends = new Uint32Array(b.ends.length * 2);
  ends.set(b.ends);
  b.ends = ends;
}
