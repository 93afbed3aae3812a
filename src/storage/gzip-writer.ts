// GzipLineWriter: sync append, async flush, clean close (STYLE.md §4).
//
// write() encodes the line at once into the pending bytes (a few growing Buffers), so row text
// dies young instead of living in the heap until the next flush (at 100k frames/s, strings kept
// for a second were promoted and made the old-generation GC the recorder's largest cost).
// flush() turns the whole pending chunk into ONE complete gzip member and appends it to the file. Concatenated members are a valid .gz
// (RFC 1952 §2.2), so a crash loses at most the unflushed chunk and every earlier member stays
// readable by gunzip, DuckDB and readGzipLines.
//
// Failure rules:
// - A failed append is undone (truncate back to the last complete member) and its rows go back
//   to the front of the pending chunk, to be retried on the next flush; onError gets
//   MF_ERR_WRITE_FAILED with the path and cause.
// - Pending text is bounded by maxPendingBytes: beyond it the OLDEST pending rows are dropped
//   and counted in stats.droppedRows, so the caller can record a storage gap. Nothing is
//   dropped silently and nothing grows without bound.
//   (A chunk being compressed or written is held outside that budget, so the worst case is
//   about twice the budget.)
// - While the file is open a marker `.<name>.writing` sits beside it. Finding that marker on
//   open means the previous writer did not close cleanly: the file is scanned and cut back to
//   its last complete member before anything is appended (onRepair reports it). A clean restart
//   skips the scan, so reopening a large day file stays cheap.
// - With `finalPath` (how the recorder writes: layout.ts "Parts") the file is written at `path`
//   (a temporary `<final>.open` name) and renamed to `finalPath` on close, after fsync, so a file
//   under a final name is always whole. No marker is kept: the `.open` name says the same, and a
//   file found there on open is always scanned. A close that cannot leave the file ending on a
//   complete member does not rename it: it stays `.open`, readable up to its last complete member.
import { open, mkdir, rename, truncate, writeFile, unlink, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MarketfeedError } from '../core/errors.js';
import { scanGzipFile } from './gzip-members.js';
import { fsyncPath } from './fsync.js';
import { chunkPool, GROWN_CHUNK_STEPS, gzipMember, MIN_CHUNK_BYTES, type RowBuffer } from './gzip-memory.js';

export const DEFAULT_MAX_PENDING_BYTES = 64 * 1024 * 1024;

/**
 * A bound on pending bytes shared by many writers (a recording's open files): one file whose
 * flushes fall behind may use what the others leave free, instead of dropping rows at a
 * fixed slice of the budget while memory sits idle. The writer that pushes the total past the
 * bound drops its own oldest rows.
 */
export class PendingBudget {
  used = 0;
  constructor(readonly max: number) {}
}
/** Level 6 is zlib's default: about 3× faster than 9 for 1–2 % larger files on market data. */
export const DEFAULT_GZIP_LEVEL = 6;

/** The few FileHandle operations the writer uses; tests inject failing ones. */
export type OpenFile = (path: string) => Promise<FileHandle>;

export interface GzipLineWriterOptions {
  path: string;
  /** Written once, at the start of a new (or empty) file; must end with '\n'. */
  header?: string;
  onError(err: MarketfeedError): void;
  /** Bound on pending text, in UTF-8 bytes. Default 64 MiB. Ignored with `budget`. */
  maxPendingBytes?: number;
  /** A bound shared with other writers (instead of maxPendingBytes). */
  budget?: PendingBudget;
  level?: number;
  /** Called when a file left behind by a crash was cut back to its last complete member. */
  onRepair?(info: { path: string; keptBytes: number; droppedBytes: number }): void;
  /** Test seam: how the file is opened for appending. */
  openFile?: OpenFile;
  /** Rename `path` to this on close (temp-name mode, see the top of this file). */
  finalPath?: string;
}

export interface GzipWriterStats {
  /** Rows accepted by write(). */
  rows: number;
  /** Rows in members that reached the file. */
  rowsWritten: number;
  /** Uncompressed bytes appended (header included). */
  bytesIn: number;
  /** Compressed bytes appended. */
  bytesOut: number;
  pendingBytes: number;
  /** Members appended. */
  flushes: number;
  errors: number;
  droppedRows: number;
}

export interface ClosedFile {
  /** Where the file is now: `finalPath` when it was renamed into place, else `path`. */
  path: string;
  /** True when a temp-name file was renamed to its final name (false: nothing written, or left `.open`). */
  finished: boolean;
  /** Rows this writer appended to the file. */
  rows: number;
  /** Compressed bytes this writer appended to the file. */
  bytes: number;
}

// 'a+': appends always go to the end; reading is needed to scan a file left by a crash.
const openForAppend: OpenFile = (path) => open(path, 'a+');

export class GzipLineWriter {
  readonly path: string;
  readonly stats: GzipWriterStats = {
    rows: 0, rowsWritten: 0, bytesIn: 0, bytesOut: 0, pendingBytes: 0, flushes: 0, errors: 0, droppedRows: 0,
  };

  private readonly header: string;
  private readonly onError: (err: MarketfeedError) => void;
  private readonly onRepair: GzipLineWriterOptions['onRepair'];
  private readonly budget: PendingBudget;
  private readonly level: number;
  private readonly openFile: OpenFile;
  private readonly markerPath: string;
  private readonly finalPath: string | undefined;

  /** Pending bytes, oldest first; rows never straddle two chunks. */
  private chunks: Chunk[] = [];
  /** Byte length of each pending row, oldest at rowHead: dropping the oldest rows is exact. */
  private rowLens = new Uint32Array(256);
  private rowHead = 0;
  private rowTail = 0;
  private fh: FileHandle | undefined = undefined;
  /** Identity of the open file, to notice the path being removed or replaced under us. */
  private ino = 0;
  private dev = 0;
  /** File size after the last complete member we know of; -1 until the file is first opened. */
  private committedSize = -1;
  private headerNeeded = false;
  /** A failed append could not be cut back through the handle: the file may end in a partial member. */
  private dirty = false;
  private flushChain: Promise<void> = Promise.resolve();
  private closing: Promise<ClosedFile> | undefined = undefined;
  private closed = false;

  constructor(opts: GzipLineWriterOptions) {
    this.path = opts.path;
    this.header = opts.header ?? '';
    this.onError = opts.onError;
    this.onRepair = opts.onRepair;
    this.budget = opts.budget ?? new PendingBudget(opts.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES);
    this.level = opts.level ?? DEFAULT_GZIP_LEVEL;
    this.openFile = opts.openFile ?? openForAppend;
    this.markerPath = join(dirname(opts.path), `.${basename(opts.path)}.writing`);
    this.finalPath = opts.finalPath;
  }

  /** Appends one line (a missing trailing '\n' is added). Never awaits. */
  write(line: string): void {
    if (this.closed) {
      this.stats.droppedRows++; // a row after close(): counted, never silently lost
      return;
    }
    // worst case 3 UTF-8 bytes per UTF-16 unit, plus the '\n' that may be missing; the exact
    // length is counted only when the worst case does not fit
    let chunk = this.chunks.length === 0 ? undefined : this.chunks[this.chunks.length - 1];
    if (chunk === undefined || chunk.used + line.length * 3 + 1 > chunk.buf.length) {
      const room = Buffer.byteLength(line, 'utf8') + 1;
      if (chunk === undefined || chunk.used + room > chunk.buf.length) chunk = this.newChunk(room);
    }
    const start = chunk.used;
    let used = start + chunk.buf.utf8Write(line, start);
    if (line.length === 0 || line.charCodeAt(line.length - 1) !== 10) chunk.buf[used++] = 10;
    chunk.used = used;
    this.pushRow(used - start);
    this.stats.rows++;
    this.stats.pendingBytes += used - start;
    if ((this.budget.used += used - start) > this.budget.max) this.dropOldest();
  }

  /** Rows waiting to be flushed. */
  private get pendingRows(): number {
    return this.rowTail - this.rowHead;
  }

  private newChunk(room: number): Chunk {
    // Chunks grow as a flush period fills (8 KiB, 16 KiB, 32 KiB, then 64 KiB each), so a quiet
    // file holds little and a busy one asks the pool for the same sizes every period.
    const n = this.chunks.length;
    const chunk: Chunk = { buf: chunkPool.take(Math.max(room, MIN_CHUNK_BYTES << Math.min(n, GROWN_CHUNK_STEPS))), start: 0, used: 0 };
    this.chunks.push(chunk);
    return chunk;
  }

  private pushRow(bytes: number): void {
    if (this.rowTail === this.rowLens.length) {
      const live = this.rowTail - this.rowHead;
      if (live * 2 > this.rowLens.length) {
        const grown = new Uint32Array(this.rowLens.length * 2);
        grown.set(this.rowLens.subarray(this.rowHead, this.rowTail));
        this.rowLens = grown;
      } else {
        this.rowLens.copyWithin(0, this.rowHead, this.rowTail); // dropped rows freed the front
      }
      this.rowHead = 0;
      this.rowTail = live;
    }
    this.rowLens[this.rowTail++] = bytes;
  }

  /** Hands the pending rows over (for one member) and starts an empty pending set. */
  private takePending(): Pending {
    const taken: Pending = { chunks: this.chunks, rowLens: this.rowLens.slice(this.rowHead, this.rowTail), bytes: this.stats.pendingBytes };
    this.chunks = [];
    this.rowHead = 0;
    this.rowTail = 0;
    this.budget.used -= this.stats.pendingBytes;
    this.stats.pendingBytes = 0;
    return taken;
  }

  /** Puts rows whose append failed back in front of anything written meanwhile, in order. */
  private restorePending(batch: Pending): void {
    const newer = this.rowLens.subarray(this.rowHead, this.rowTail);
    const lens = new Uint32Array(Math.max(256, (batch.rowLens.length + newer.length) * 2));
    lens.set(batch.rowLens);
    lens.set(newer, batch.rowLens.length);
    this.rowLens = lens;
    this.rowHead = 0;
    this.rowTail = batch.rowLens.length + newer.length;
    this.chunks = batch.chunks.concat(this.chunks);
    this.stats.pendingBytes += batch.bytes;
    this.budget.used += batch.bytes;
  }

  /** Appends the pending chunk as one gzip member. Never rejects: failures go to onError. */
  flush(): Promise<void> {
    this.flushChain = this.flushChain.then(() => this.appendMember());
    return this.flushChain;
  }

  /** Final flush, fsync, close. Safe to call more than once (returns the same result). */
  close(): Promise<ClosedFile> {
    this.closing ??= this.finish();
    return this.closing;
  }

  private async finish(): Promise<ClosedFile> {
    this.closed = true; // from here on write() refuses (and counts) rows, so the last flush is the last
    await this.flush();
    const lost = this.pendingRows;
    if (lost > 0) {
      this.stats.droppedRows += lost;
      for (const c of this.takePending().chunks) chunkPool.give(c.buf);
      this.report(`closing with ${lost} rows that could not be written`, undefined);
    }
    if (this.fh !== undefined) {
      const fh = this.fh;
      this.fh = undefined;
      try {
        await fh.sync();
      } catch (cause) {
        this.report('fsync on close failed', cause);
      }
      await fh.close().catch((cause: unknown) => this.report('close failed', cause));
      if (lost === 0 && this.finalPath === undefined) await unlink(this.markerPath).catch(() => undefined);
    }
    const finished = this.finalPath !== undefined && (await this.renameIntoPlace(this.finalPath));
    return { path: finished ? this.finalPath! : this.path, finished, rows: this.stats.rowsWritten, bytes: this.stats.bytesOut };
  }

  /** Temp-name mode: the closed file becomes `finalPath` (or goes, when it holds nothing). */
  private async renameIntoPlace(finalPath: string): Promise<boolean> {
    if (this.committedSize <= 0) {
      if (this.committedSize === 0) await unlink(this.path).catch(() => undefined); // only a failed first append
      return false;
    }
    try {
      if (this.dirty) {
        await truncate(this.path, this.committedSize);
        this.dirty = false;
      }
      await rename(this.path, finalPath);
    } catch (cause) {
      this.report(`not renamed to ${basename(finalPath)}: left as ${basename(this.path)}`, cause);
      return false;
    }
    await fsyncPath(dirname(finalPath)).catch(() => undefined); // the rename itself survives a power cut
    return true;
  }

  private async appendMember(): Promise<void> {
    const count = this.pendingRows;
    if (count === 0) return;
    const batch = this.takePending();

    let appendedAt = -1;
    try {
      await this.dropHandleIfPathMoved();
      await this.ensureOpen();
      const { plainBytes, member } = await compressMember(this.headerNeeded ? this.header : '', batch, this.level);
      const fh = this.fh as FileHandle;
      appendedAt = this.committedSize;
      let off = 0;
      while (off < member.length) {
        const { bytesWritten } = await fh.write(member, off, member.length - off, null);
        off += bytesWritten;
      }
      this.committedSize += member.length;
      for (const c of batch.chunks) chunkPool.give(c.buf);
      this.headerNeeded = false;
      this.stats.rowsWritten += count;
      this.stats.bytesIn += plainBytes;
      this.stats.bytesOut += member.length;
      this.stats.flushes++;
    } catch (cause) {
      if (appendedAt >= 0) await this.undoAppend(appendedAt);
      // Rows go back in front of anything written meanwhile, in order; the budget still holds.
      this.restorePending(batch);
      if (this.budget.used > this.budget.max) this.dropOldest();
      this.report('appending a gzip member failed; rows kept for the next flush', cause);
    }
  }

  /** Cuts a half-written member off so the file ends on a complete member again. */
  private async undoAppend(size: number): Promise<void> {
    const fh = this.fh;
    if (fh === undefined) return;
    try {
      await fh.truncate(size);
    } catch {
      // Could not truncate through this handle: drop it; ensureOpen() cuts back to committedSize.
      this.dirty = true;
      this.fh = undefined;
      await fh.close().catch(() => undefined);
    }
  }

  /**
   * An append through a handle whose path was deleted "succeeds" into an orphaned inode, so
   * each flush checks (one stat) that the path still names the file we hold.
   */
  private async dropHandleIfPathMoved(): Promise<void> {
    const fh = this.fh;
    if (fh === undefined) return;
    const st = await stat(this.path).catch(() => undefined);
    if (st !== undefined && st.ino === this.ino && st.dev === this.dev) return;
    this.fh = undefined;
    this.committedSize = -1; // a different file now: nothing we knew about the old one applies
    await fh.close().catch(() => undefined);
  }

  private async ensureOpen(): Promise<void> {
    if (this.fh !== undefined) return;
    await mkdir(dirname(this.path), { recursive: true });
    // temp-name mode: a file already at the `.open` name is always a leftover to scan
    const crashed = this.finalPath !== undefined || (await stat(this.markerPath).then(() => true, () => false));
    const fh = await this.openFile(this.path);
    try {
      const st = await fh.stat();
      let size = st.size;
      if (this.committedSize >= 0 && size > this.committedSize) {
        await fh.truncate(this.committedSize); // our own half-written member from a failed append
        size = this.committedSize;
        this.dirty = false;
      } else if (this.committedSize < 0 && crashed && size > 0) {
        const walk = await scanGzipFile(fh, size);
        if (walk.truncated) {
          await fh.truncate(walk.validBytes);
          this.onRepair?.({ path: this.path, keptBytes: walk.validBytes, droppedBytes: size - walk.validBytes });
          size = walk.validBytes;
        }
      }
      if (!crashed && this.finalPath === undefined) await writeFile(this.markerPath, `${process.pid}\n`);
      this.committedSize = size;
      this.ino = st.ino;
      this.dev = st.dev;
      this.headerNeeded = size === 0 && this.header.length > 0;
      this.fh = fh;
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
  }

  private dropOldest(): void {
    const lens = this.rowLens;
    const budget = this.budget;
    let head = this.rowHead;
    let bytes = this.stats.pendingBytes;
    // Keep the newest row even if it alone exceeds the budget: the budget bounds backlog, not rows.
    while (budget.used > budget.max && head < this.rowTail - 1) {
      let len = lens[head++];
      bytes -= len;
      budget.used -= len;
      this.stats.droppedRows++;
      while (len > 0) {
        const front = this.chunks[0];
        const take = Math.min(len, front.used - front.start);
        front.start += take;
        len -= take;
        if (front.start === front.used && this.chunks.length > 1) chunkPool.give(this.chunks.shift()!.buf);
      }
    }
    this.stats.pendingBytes = bytes;
    this.rowHead = head;
  }

  private report(detail: string, cause: unknown): void {
    this.stats.errors++;
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    this.onError(new MarketfeedError('MF_ERR_WRITE_FAILED', `${this.path}: ${detail}${code ? ` (${code})` : ''}`, {
      path: this.path,
      cause,
    }));
  }
}

/** The batch's text as one gzip member: the header (first member only), then the rows. */
async function compressMember(header: string, batch: Pending, level: number): Promise<{ plainBytes: number; member: Buffer }> {
  const parts: Buffer[] = [];
  if (header.length > 0) parts.push(Buffer.from(header, 'utf8'));
  for (const c of batch.chunks) if (c.used > c.start) parts.push(c.buf.subarray(c.start, c.used));
  let plainBytes = 0;
  for (const p of parts) plainBytes += p.length;
  return { plainBytes, member: await gzipMember(parts, level) };
}

interface Chunk {
  buf: RowBuffer;
  /** Bytes before start were rows dropped as oldest. */
  start: number;
  used: number;
}

interface Pending {
  chunks: Chunk[];
  rowLens: Uint32Array;
  bytes: number;
}
