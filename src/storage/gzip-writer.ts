// GzipLineWriter: sync append, async flush, clean close (STYLE.md §4).
//
// write() only pushes a string onto the pending chunk. flush() turns the whole chunk into ONE
// complete gzip member and appends it to the file. Concatenated members are a valid .gz
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
import { gzip, constants as zc } from 'node:zlib';
import { promisify } from 'node:util';
import { MarketfeedError } from '../core/errors.js';
import { scanGzipFile } from './gzip-members.js';
import { fsyncPath } from './fsync.js';

const gzipAsync = promisify(gzip);

export const DEFAULT_MAX_PENDING_BYTES = 64 * 1024 * 1024;
/** Level 6 is zlib's default: about 3× faster than 9 for 1–2 % larger files on market data. */
export const DEFAULT_GZIP_LEVEL = 6;

/** The few FileHandle operations the writer uses; tests inject failing ones. */
export type OpenFile = (path: string) => Promise<FileHandle>;

export interface GzipLineWriterOptions {
  path: string;
  /** Written once, at the start of a new (or empty) file; must end with '\n'. */
  header?: string;
  onError(err: MarketfeedError): void;
  /** Bound on pending text, in UTF-16 code units (= bytes for ASCII). Default 64 MiB. */
  maxPendingBytes?: number;
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
  private readonly maxPendingBytes: number;
  private readonly level: number;
  private readonly openFile: OpenFile;
  private readonly markerPath: string;
  private readonly finalPath: string | undefined;

  /** Pending rows are pending[head..]; dropping the oldest advances head (amortised O(1)). */
  private pending: string[] = [];
  private head = 0;
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
    this.maxPendingBytes = opts.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
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
    if (line.length === 0 || line.charCodeAt(line.length - 1) !== 10) line += '\n';
    this.pending.push(line);
    this.stats.rows++;
    this.stats.pendingBytes += line.length;
    if (this.stats.pendingBytes > this.maxPendingBytes) this.dropOldest();
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
    const lost = this.pending.length - this.head;
    if (lost > 0) {
      this.stats.droppedRows += lost;
      this.pending = [];
      this.head = 0;
      this.stats.pendingBytes = 0;
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
    const count = this.pending.length - this.head;
    if (count === 0) return;
    const batch = this.head === 0 ? this.pending : this.pending.slice(this.head);
    this.pending = [];
    this.head = 0;
    const batchBytes = this.stats.pendingBytes;
    this.stats.pendingBytes = 0;

    let appendedAt = -1;
    try {
      await this.dropHandleIfPathMoved();
      await this.ensureOpen();
      const text = this.headerNeeded ? this.header + batch.join('') : batch.join('');
      const plain = Buffer.from(text, 'utf8');
      const member = await gzipAsync(plain, { level: this.level, strategy: zc.Z_DEFAULT_STRATEGY });
      const fh = this.fh as FileHandle;
      appendedAt = this.committedSize;
      let off = 0;
      while (off < member.length) {
        const { bytesWritten } = await fh.write(member, off, member.length - off, null);
        off += bytesWritten;
      }
      this.committedSize += member.length;
      this.headerNeeded = false;
      this.stats.rowsWritten += count;
      this.stats.bytesIn += plain.length;
      this.stats.bytesOut += member.length;
      this.stats.flushes++;
    } catch (cause) {
      if (appendedAt >= 0) await this.undoAppend(appendedAt);
      // Rows go back in front of anything written meanwhile, in order; the budget still holds.
      this.pending = this.pending.length === 0 ? batch : batch.concat(this.pending.slice(this.head));
      this.head = 0;
      this.stats.pendingBytes += batchBytes;
      if (this.stats.pendingBytes > this.maxPendingBytes) this.dropOldest();
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
    const pending = this.pending;
    let head = this.head;
    let bytes = this.stats.pendingBytes;
    // Keep the newest row even if it alone exceeds the budget: the budget bounds backlog, not rows.
    while (bytes > this.maxPendingBytes && head < pending.length - 1) {
      bytes -= pending[head].length;
      pending[head] = '';
      head++;
      this.stats.droppedRows++;
    }
    this.stats.pendingBytes = bytes;
    if (head > 1024 && head * 2 > pending.length) {
      this.pending = pending.slice(head);
      head = 0;
    }
    this.head = head;
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

