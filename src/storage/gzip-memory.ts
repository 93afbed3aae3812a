// The memory behind GzipLineWriter: pending-row buffers reused across flushes and files, and a few
// long-lived gzip compressors that every file's members go through.
//
// Why it matters (issue 10, 100 symbols): a recording's pending text passes through here at
// about 11 MB/s (a raw line carries its socket URL, ~5 KB with 300 streams). Every Buffer that
// held it and died is malloc'd memory that V8 frees only at its next full GC (external memory is
// allowed to grow ~64 MiB between them), and glibc keeps the high-water mark of its heap resident.
// So what counts is not only what is live but what is churned: here nothing proportional to the
// text is allocated per flush (no fresh joined copy of a member's text, no deflate state per member).
import { createGzip, constants as zc, type Gzip, type ZlibReset } from 'node:zlib';

/** Buffer's own UTF-8 encoder without write()'s argument juggling (public since Node 0.x, untyped). */
export interface Utf8Writable {
  utf8Write(text: string, offset: number): number;
}

export type RowBuffer = Buffer & Utf8Writable;

export const MIN_CHUNK_BYTES = 8 * 1024;
/**
 * A file's chunks double from MIN_CHUNK_BYTES this many times (to 64 KiB), then stay that size.
 * Growing further (to 1 MiB, as before) made a file that fell one flush behind ask for sizes the
 * pool did not hold, while the sizes it gave back overflowed the pool: ~6 MiB/s of new buffers.
 */
export const GROWN_CHUNK_STEPS = 3;
/** Larger chunks (for a single huge row) are not kept. */
const MAX_CHUNK_BYTES = 1024 * 1024;

/**
 * At most this many idle bytes wait in the pool: about one flush round of every file's pending
 * text with 100 symbols (~11 MB of text in ~16 MiB of chunks). Idle buffers are resident memory
 * too: a larger pool mostly kept what a slow start had needed once.
 */
const POOL_BYTES = 16 * 1024 * 1024;

/**
 * Pending-row buffers are reused across flushes and files instead of being left to the GC: with
 * 400 files flushing every second, fresh buffers piled up as external memory between collections
 * (over 100 MiB of dead ArrayBuffers with 100 symbols). Sizes are powers of two from 8 KiB to
 * 1 MiB.
 */
class ChunkPool {
  private readonly free = new Map<number, RowBuffer[]>();
  private bytes = 0;

  take(min: number): RowBuffer {
    let size = MIN_CHUNK_BYTES;
    while (size < min) size *= 2;
    const kept = size <= MAX_CHUNK_BYTES ? this.free.get(size)?.pop() : undefined;
    if (kept !== undefined) {
      this.bytes -= size;
      return kept;
    }
    return Buffer.allocUnsafeSlow(size) as RowBuffer;
  }

  give(buf: RowBuffer): void {
    const size = buf.length;
    if (size > MAX_CHUNK_BYTES || this.bytes + size > POOL_BYTES || (size & (size - 1)) !== 0) return;
    let list = this.free.get(size);
    if (list === undefined) this.free.set(size, (list = []));
    list.push(buf);
    this.bytes += size;
  }
}

export const chunkPool = new ChunkPool();

/**
 * Members compressed at once, process-wide. Each slot keeps one deflate state (≈ 270 KiB) for the
 * life of the process instead of allocating and freeing one per member (400 a second with 100
 * symbols). A member takes two trips to the libuv pool (its text, then the finish), and on a busy
 * machine each trip waits for an event-loop turn, so there are twice as many slots as the pool
 * has threads: member throughput stays what one-trip zlib.gzip() had.
 */
const GZIP_AT_ONCE = 8;
/**
 * A member's text up to this size is copied into one pooled buffer: one trip to zlib instead of
 * one per chunk (a busy file's member is 5–10 chunks).
 */
const MAX_JOINED_BYTES = MAX_CHUNK_BYTES;

/**
 * One reusable gzip stream. A member is the stream's input up to a Z_FINISH flush, then
 * reset() starts the next one: the bytes are exactly those of zlib.gzip() on the joined text
 * (same header, same deflate), without a fresh copy of the text or a fresh deflate state.
 */
class MemberCompressor {
  // reset() is every zlib stream's (deflateReset here); @types/node lists it for Deflate only
  private gz: (Gzip & ZlibReset) | undefined = undefined;
  private level = -1;
  private out: Buffer[] = [];
  /** The member in progress: settled once, by its finish or by a stream error. */
  private member: { resolve(m: Buffer): void; reject(e: Error): void } | undefined = undefined;

  compress(parts: readonly Buffer[], level: number): Promise<Buffer> {
    const gz = this.stream(level);
    return new Promise<Buffer>((resolve, reject) => {
      this.member = { resolve, reject };
      let bytes = 0;
      for (const p of parts) bytes += p.length;
      // zlib has consumed the joined text by the time the finish below calls back: it goes back then
      let joined: RowBuffer | undefined;
      if (parts.length > 1 && bytes <= MAX_JOINED_BYTES) {
        joined = chunkPool.take(bytes);
        let at = 0;
        for (const p of parts) at += p.copy(joined, at);
        gz.write(joined.subarray(0, bytes));
      } else {
        for (const p of parts) gz.write(p);
      }
      gz.flush(zc.Z_FINISH, () => {
        if (gz !== this.gz || this.member === undefined) return; // failed meanwhile: already rejected
        if (joined !== undefined) chunkPool.give(joined);
        while (gz.readableLength > 0 && gz.read() !== null); // anything still buffered goes through 'data'
        const out = this.out;
        this.out = [];
        this.member = undefined;
        gz.reset();
        resolve(out.length === 1 ? out[0] : Buffer.concat(out));
      });
    });
  }

  private stream(level: number): Gzip & ZlibReset {
    if (this.gz !== undefined && this.level === level) return this.gz;
    this.drop();
    const gz = createGzip({ level, strategy: zc.Z_DEFAULT_STRATEGY }) as Gzip & ZlibReset;
    gz.on('data', (b: Buffer) => this.out.push(b));
    gz.on('error', (e: Error) => {
      if (gz !== this.gz) return;
      const member = this.member;
      this.drop(); // a failed stream is not reused: the next member gets a fresh one
      member?.reject(e);
    });
    this.gz = gz;
    this.level = level;
    return gz;
  }

  private drop(): void {
    const gz = this.gz;
    this.gz = undefined;
    this.member = undefined;
    this.out = [];
    gz?.destroy();
  }
}

const idle: MemberCompressor[] = Array.from({ length: GZIP_AT_ONCE }, () => new MemberCompressor());
const waiting: ((c: MemberCompressor) => void)[] = [];

/** `parts` as one complete gzip member (level as zlib's), once a compressor is free. */
export async function gzipMember(parts: readonly Buffer[], level: number): Promise<Buffer> {
  const c = idle.pop() ?? (await new Promise<MemberCompressor>((resolve) => waiting.push(resolve)));
  try {
    return await c.compress(parts, level);
  } finally {
    const next = waiting.shift();
    if (next !== undefined) next(c); // the compressor passes straight to the next member
    else idle.push(c);
  }
}
