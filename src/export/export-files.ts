// The files an export writes: one gzip CSV per exchange, data type, UTC day and symbol.
//
// Each file is ONE gzip stream (not the recorder's concatenated members): some readers of Tardis
// files stop after the first member (flate2's GzDecoder, which Rust loaders use). It is written
// under `<name>.open` and renamed into place after fsync, so a file under its final name is
// always whole; an interrupted export leaves only `.open` files, which it removes itself.
//
// Rows are appended synchronously to a text chunk that goes to zlib every CHUNK characters;
// when zlib's buffer is full, a wait for it is queued on the run's ExportFiles, which the export
// loop awaits between events (backpressure without an await per row).
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import { MarketfeedError } from '../core/errors.js';
import { fsyncPath } from '../storage/fsync.js';

/** Characters handed to zlib at once: one native call per ~64 KiB instead of per row. */
const CHUNK = 1 << 16;
/** zlib's default level: about 3× faster than 9 for 1–2 % larger files (storage/gzip-writer.ts). */
const GZIP_LEVEL = 6;
const DAY_US = 86_400_000_000;

export interface ExportedFile {
  path: string;
  dataType: string;
  day: string;
  rows: number;
  bytes: number;
}

/** The run's files: those finished, those being closed, and the drains the export loop awaits. */
export class ExportFiles {
  readonly finished: ExportedFile[] = [];
  readonly drains: Promise<unknown>[] = [];
  private readonly open = new Set<CsvGzFile>();
  private closing: Promise<void>[] = [];

  constructor(readonly outDir: string) {}

  create(name: string, dataType: string, day: string, header: string): CsvGzFile {
    const f = new CsvGzFile(join(this.outDir, name), dataType, day, header, this.drains);
    this.open.add(f);
    return f;
  }

  /** Closes `f` in the background (awaited by settle / finish). */
  retire(f: CsvGzFile): void {
    this.closing.push(f.close().then((done) => {
      this.open.delete(f);
      this.finished.push(done);
    }));
  }

  /** Waits for zlib to drain and for files being closed. */
  async settle(): Promise<void> {
    if (this.drains.length > 0) await Promise.all(this.drains.splice(0));
    if (this.closing.length > 0) await Promise.all(this.closing.splice(0));
  }

  /** Removes every file not yet finished (an interrupted export). */
  async abort(): Promise<void> {
    await Promise.allSettled(this.closing.splice(0));
    await Promise.all([...this.open].map((f) => f.abort()));
    this.open.clear();
  }
}

export class CsvGzFile {
  rows = 0;
  private chunk: string;
  private readonly tmp: string;
  private readonly gzip: Gzip;
  private readonly file: WriteStream;
  private readonly written: Promise<void>;
  private failure: Error | undefined;
  private draining = false;

  constructor(readonly path: string, readonly dataType: string, readonly day: string, header: string, private readonly drains: Promise<unknown>[]) {
    this.tmp = `${path}.open`;
    this.chunk = header;
    this.gzip = createGzip({ level: GZIP_LEVEL });
    this.file = createWriteStream(this.tmp);
    // a write error surfaces at close (and rejects a pending drain): rows are never dropped silently
    this.written = pipeline(this.gzip, this.file).catch((e: Error) => {
      this.failure = e;
    });
  }

  /** Appends `n` rows (one, or the rows of one book update). */
  write(rows: string, n = 1): void {
    this.chunk += rows;
    this.rows += n;
    if (this.chunk.length >= CHUNK) this.push();
  }

  private push(): void {
    if (!this.gzip.write(this.chunk) && !this.draining) {
      this.draining = true;
      this.drains.push(this.drained());
    }
    this.chunk = '';
  }

  /** zlib's buffer emptied, or the stream ended (no 'drain' comes once end() was called) or failed. */
  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.gzip.off('drain', done);
        this.gzip.off('close', done);
        this.draining = false;
        resolve();
      };
      this.gzip.on('drain', done);
      this.gzip.on('close', done);
    });
  }

  async close(): Promise<ExportedFile> {
    if (this.chunk.length > 0) this.push();
    this.gzip.end();
    await this.written;
    if (this.failure !== undefined) {
      await rm(this.tmp, { force: true });
      throw new MarketfeedError('MF_ERR_WRITE_FAILED', `cannot write ${this.path}: ${this.failure.message}`, { cause: this.failure });
    }
    await fsyncPath(this.tmp);
    await rename(this.tmp, this.path);
    return { path: this.path, dataType: this.dataType, day: this.day, rows: this.rows, bytes: (await stat(this.path)).size };
  }

  async abort(): Promise<void> {
    this.gzip.destroy();
    this.file.destroy();
    await this.written;
    await rm(this.tmp, { force: true });
  }
}

/**
 * One data type of one symbol, split by the UTC day of each row's local_timestamp. `at(localTs)`
 * picks the day's file before rows are written (true when a new file began: a book file then
 * starts with a full snapshot). A row older than the open day (never expected: each type's rows
 * come in receive-time order) is kept in the open file and counted in `lateRows`.
 */
export class DayFiles {
  lateRows = 0;
  private file: CsvGzFile | undefined;
  private dayStart = Infinity;
  private dayEnd = -Infinity;

  constructor(
    private readonly files: ExportFiles,
    private readonly dataType: string,
    private readonly header: string,
    private readonly nameOf: (isoDay: string) => string,
  ) {}

  at(localTs: number): boolean {
    if (localTs < this.dayEnd && this.file !== undefined) {
      if (localTs < this.dayStart) this.lateRows++;
      return false;
    }
    if (this.file !== undefined) this.files.retire(this.file);
    this.dayStart = Math.floor(localTs / DAY_US) * DAY_US;
    this.dayEnd = this.dayStart + DAY_US;
    const isoDay = new Date(this.dayStart / 1000).toISOString().slice(0, 10);
    this.file = this.files.create(this.nameOf(isoDay), this.dataType, isoDay, this.header);
    return true;
  }

  /** Appends `n` rows to the file `at` picked. */
  write(rows: string, n = 1): void {
    this.file!.write(rows, n);
  }

  close(): void {
    if (this.file !== undefined) this.files.retire(this.file);
    this.file = undefined;
  }
}
