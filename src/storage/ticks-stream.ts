// The tick stream bots tail (`record --ticks-csv`, config storage.ticks): every recorded trade
// appended to <dataDir>/ticks/<SYMBOL_FS>_stream.csv as `timestamp,price,qty,side` (exchange time
// in µs, the venue's decimal text, the taker side), the shape `gen-ticks` writes and
// `replay --ticks-path` reads. Plain text, not gzip, so a reader can follow it as it grows.
//
// Whole rows only. Rows wait in memory and are appended once per flush (storage.flushIntervalS),
// as whole lines; a failed or short write resumes at the byte where it stopped, so no row is lost
// or doubled while the disk refuses (rows beyond the file's memory budget are dropped, counted
// and reported). A restart appends to the file without a second header; opening it first cuts a
// partial last line (what a power loss can leave), so a tailer never meets a torn row.
//
// Rotation: the file being written keeps its name (`tail -F` follows it). Before the first row of
// a new UTC day of `timestamp` (the only time in the file), and when storage.maxRows rows,
// storage.maxBytes bytes (plain bytes here) or the end of a storage.rotateEvery period of
// `timestamp` is reached, the file is renamed to <SYMBOL_FS>_stream.<YYYYMMDD>.csv (the day of its
// rows; further files of that day .0001, .0002 …) and a fresh one starts with the header. A stop
// never rotates: the next run appends.
//
// Retention (storage.retentionDays, storage.retentionMaxBytes) deletes rotated files, never the
// one being written: by age as any file; for the size limit they count towards the data dir's
// total and, being copies of the trades files, go before any day file (those stay the Store's).
//
// Venues: the plain name belongs to the venue label that first wrote it (kept in
// ticks/.<SYMBOL_FS>_stream.venue); a recorder of another venue (a second `record` of the same
// symbol into the same data dir) writes ticks/<venue label>/<SYMBOL_FS>_stream.csv instead, so a
// file never mixes venues. Trades outside the trading window are left out, as from the trades file.
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Trade } from '../core/events.js';
import { MarketfeedError } from '../core/errors.js';
import { nextUtcDayUs, utcDay } from '../core/time.js';
import { TradingWindow, type TradingWindowSpec } from '../core/trading-window.js';
import { symbolDirName, venueLabelFs } from './layout.js';
import { listRetainable, planRetention, retentionOn, type RetainedFile, type RetentionPolicy } from './retention.js';
import { NO_ROTATION, periodEndUs, rotateAfterFlush, rotateBeforeRow, type RotationPolicy } from './rotation.js';
import { RETENTION_INTERVAL_MS } from './store.js';
import {
  claimStreamDir, inspectTicksFile, listTickFiles, openAppend, rotatedPath, writeAll, type AppendHandle, type OpenAppend, type TicksFileState,
} from './ticks-file.js';

export const TICKS_DIR = 'ticks';
export const TICKS_HEADER = 'timestamp,price,qty,side\n';
const HEADER_BYTES = Buffer.byteLength(TICKS_HEADER);

export interface TicksStreamOptions {
  dataDir: string;
  /** Directory name of the recording's venue (`binance`, `sim-binance`). */
  venueLabel: string;
  symbols: readonly string[];
  /** Milliseconds between flushes; 0 = only explicit flush(). */
  flushIntervalMs: number;
  rotation?: RotationPolicy;
  retention?: RetentionPolicy;
  window?: TradingWindowSpec;
  /** Bytes of rows one file may hold in memory while the disk does not take them. */
  maxPendingBytes: number;
  onError(err: MarketfeedError): void;
  /** Rotated files retention deleted (called only when it deleted something). */
  onRetention?(deleted: RetainedFile[]): void;
  /** Test seam: how files are opened for appending. */
  openFile?: OpenAppend;
}

export interface TicksStats {
  rows: number;
  dropped: number;
  bytesWritten: number;
  writeErrors: number;
  rotations: number;
  deleted: number;
}

/** Rows up to a rotation point; `day` names the file they close. */
interface Chunk {
  buf: Buffer;
  /** Bytes of buf already on disk (a write that failed part way resumes here). */
  done: number;
  rotateDay: string | undefined;
}

interface TickFile {
  symbol: string;
  symbolFs: string;
  dir: string;
  path: string;
  handle: AppendHandle | undefined;
  // what the file holds once everything pending is written (rotation judges this)
  rows: number;
  bytes: number;
  periodEndUs: number;
  /** UTC day of the file's rows, '' before its first row. */
  day: string;
  pending: string;
  queue: Chunk[];
  queuedBytes: number;
  failing: boolean;
}

export class TicksStream {
  readonly stats: TicksStats = { rows: 0, dropped: 0, bytesWritten: 0, writeErrors: 0, rotations: 0, deleted: 0 };
  private readonly opts: TicksStreamOptions;
  private readonly rotation: RotationPolicy;
  private readonly files = new Map<string, TickFile>();
  private readonly window: TradingWindow;
  // the window's state is constant on [openFromUs, openToUs): one Intl call per change, not per row
  private openFromUs = 0;
  private openToUs = -1;
  private isOpen = true;
  private readonly open: OpenAppend;
  private timers: NodeJS.Timeout[] = [];
  private chain: Promise<void> = Promise.resolve();
  private retaining: Promise<void> | undefined;
  private closed = false;

  private constructor(opts: TicksStreamOptions) {
    this.opts = opts;
    this.rotation = opts.rotation ?? NO_ROTATION;
    this.window = new TradingWindow(opts.window ?? { tz: 'UTC', startHhmm: '', endHhmm: '', endDayOffset: 0 });
    this.open = opts.openFile ?? openAppend;
  }

  /**
   * Opens (or creates, with its header) every symbol's stream file before anything is recorded.
   * Throws MF_ERR_CONFIG when a file cannot be created or is not a tick stream.
   */
  static async open(opts: TicksStreamOptions): Promise<TicksStream> {
    const s = new TicksStream(opts);
    venueLabelFs(opts.venueLabel);
    try {
      for (const symbol of opts.symbols) await s.openFile(symbol);
    } catch (e) {
      await s.close();
      throw e;
    }
    if (opts.flushIntervalMs > 0) s.timers.push(setInterval(() => void s.flush(), opts.flushIntervalMs));
    if (opts.retention !== undefined && retentionOn(opts.retention)) {
      s.timers.push(setInterval(() => void s.retain(), RETENTION_INTERVAL_MS));
      setImmediate(() => void s.retain());
    }
    for (const t of s.timers) t.unref();
    return s;
  }

  /** The file each symbol's trades go to now. */
  get paths(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const f of this.files.values()) out[f.symbol] = f.path;
    return out;
  }

  /** Bytes of rows waiting for the disk, over all files. */
  get pendingBytes(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.pending.length + f.queuedBytes;
    return n;
  }

  trade(t: Trade): void {
    const f = this.files.get(t.symbol);
    if (f === undefined || this.closed || !this.allows(t.localTs)) return;
    if (f.pending.length + f.queuedBytes > this.opts.maxPendingBytes) {
      this.stats.dropped++;
      return;
    }
    const ts = t.ts;
    if (rotateBeforeRow(this.rotation, f, ts) || rotateAfterFlush(this.rotation, f)) this.cut(f);
    if (f.rows === 0) this.startPeriod(f, ts);
    const row = ts + ',' + t.price + ',' + t.amount + ',' + t.side + '\n';
    f.pending += row;
    f.rows++;
    f.bytes += row.length; // ASCII: digits, decimal text, side
    this.stats.rows++;
  }

  /** Writes every pending row (and performs the rotations they passed). One flush at a time. */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.flushNow());
    return this.chain;
  }

  /** One retention pass over the rotated files now (a pass already running is waited for instead). */
  retain(): Promise<void> {
    const policy = this.opts.retention;
    if (policy === undefined || !retentionOn(policy) || this.closed) return Promise.resolve();
    this.retaining ??= this.retainNow(policy).finally(() => (this.retaining = undefined));
    return this.retaining;
  }

  /** Flushes and closes every file; the files stay under their stream names for the next run. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    await this.retaining;
    await this.flush();
    for (const f of this.files.values()) await this.closeHandle(f);
  }

  private allows(localTs: number): boolean {
    if (this.window.alwaysOpen) return true;
    if (localTs < this.openFromUs || localTs >= this.openToUs) {
      this.isOpen = this.window.isOpen(localTs);
      this.openFromUs = localTs;
      this.openToUs = this.window.nextChange(localTs);
    }
    return this.isOpen;
  }

  private async openFile(symbol: string): Promise<void> {
    const fs = symbolDirName(symbol);
    let dir: string;
    try {
      dir = await claimStreamDir(join(this.opts.dataDir, TICKS_DIR), this.opts.venueLabel, fs);
    } catch (e) {
      throw startError(join(this.opts.dataDir, TICKS_DIR), e);
    }
    const path = join(dir, `${fs}_stream.csv`);
    const f: TickFile = {
      symbol, symbolFs: fs, dir, path, handle: undefined, rows: 0, bytes: HEADER_BYTES, periodEndUs: Infinity, day: '',
      pending: '', queue: [], queuedBytes: 0, failing: false,
    };
    const found = await inspectTicksFile(path, TICKS_HEADER).catch((e: unknown) => {
      throw startError(path, e);
    });
    if (found.kind === 'foreign') {
      throw new MarketfeedError('MF_ERR_CONFIG', `${path} is not a tick stream (its first line is not the header): move it away`, {
        path, expected: TICKS_HEADER.trim(), got: found.firstLine,
      });
    }
    if (found.kind === 'rows') {
      f.rows = found.rows;
      f.bytes = found.bytes;
      this.startPeriod(f, found.lastTs);
    }
    f.handle = await this.openHandle(path, found).catch((e: unknown) => {
      throw startError(path, e);
    });
    this.files.set(symbol, f);
  }

  /** Opens for appending, writing the header when the file is new or empty (`found`: inspected already). */
  private async openHandle(path: string, found?: TicksFileState): Promise<AppendHandle> {
    found ??= await inspectTicksFile(path, TICKS_HEADER); // also cuts a torn last line
    const h = await this.open(path);
    if (found.kind === 'missing' || found.kind === 'empty') {
      const header = Buffer.from(TICKS_HEADER);
      try {
        await writeAll(h, header, 0);
      } catch (e) {
        await h.close().catch(() => undefined);
        throw e;
      }
      this.stats.bytesWritten += header.length;
    }
    return h;
  }

  /** The file's rows are of ts's UTC day and rotation period. */
  private startPeriod(f: TickFile, ts: number): void {
    f.day = utcDay(ts);
    const period = periodEndUs(this.rotation, ts);
    const dayEnd = nextUtcDayUs(ts);
    f.periodEndUs = period < dayEnd ? period : dayEnd;
  }

  /** Ends the current file's rows here: what follows goes to a fresh file. */
  private cut(f: TickFile): void {
    f.queue.push({ buf: Buffer.from(f.pending), done: 0, rotateDay: f.day });
    f.queuedBytes += f.pending.length;
    f.pending = '';
    f.rows = 0;
    f.bytes = HEADER_BYTES;
    f.periodEndUs = Infinity;
    f.day = '';
  }

  private async flushNow(): Promise<void> {
    let rotated = false;
    for (const f of this.files.values()) {
      if (f.pending.length > 0) {
        f.queue.push({ buf: Buffer.from(f.pending), done: 0, rotateDay: undefined });
        f.queuedBytes += f.pending.length;
        f.pending = '';
      }
      rotated = (await this.drain(f)) || rotated;
    }
    if (rotated) void this.retain();
  }

  /** Writes f's queue in order until it is empty or the disk refuses; true when it rotated. */
  private async drain(f: TickFile): Promise<boolean> {
    let rotated = false;
    while (f.queue.length > 0) {
      const c = f.queue[0];
      try {
        f.handle ??= await this.openHandle(f.path);
        await writeAll(f.handle, c.buf, c.done, (n) => {
          this.stats.bytesWritten += n - c.done;
          c.done = n;
        });
      } catch (e) {
        this.failed(f, e);
        return rotated;
      }
      f.queue.shift();
      f.queuedBytes -= c.buf.length;
      f.failing = false;
      if (c.rotateDay !== undefined) {
        await this.rotate(f, c.rotateDay);
        rotated = true;
      }
    }
    return rotated;
  }

  /** Closes the finished file, renames it to its day's next free name; the next write starts a fresh one. */
  private async rotate(f: TickFile, day: string): Promise<void> {
    await this.closeHandle(f);
    try {
      const target = await rotatedPath(f.dir, f.symbolFs, day || utcDay(Date.now() * 1000));
      await rename(f.path, target); // tail -F sees the name come back with the fresh file
      this.stats.rotations++;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.failed(f, e, 'renaming the finished file failed');
    }
  }

  private async closeHandle(f: TickFile): Promise<void> {
    const h = f.handle;
    f.handle = undefined;
    await h?.close().catch((e: unknown) => this.failed(f, e, 'closing failed'));
  }

  /** Counts a failure; an append failing again and again is reported once per outage. */
  private failed(f: TickFile, cause: unknown, detail = 'appending failed'): void {
    this.stats.writeErrors++;
    if (detail === 'appending failed') {
      if (f.failing) return;
      f.failing = true;
    }
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    this.opts.onError(new MarketfeedError('MF_ERR_WRITE_FAILED', `${f.path}: ${detail}${code ? ` (${code})` : ''}; rows wait in memory`, {
      path: f.path, symbol: f.symbol, cause,
    }));
  }

  private async retainNow(policy: RetentionPolicy): Promise<void> {
    const ticks = await listTickFiles(join(this.opts.dataDir, TICKS_DIR));
    // day files only count towards the size limit: deleting them is the Store's job
    const others = policy.maxBytes > 0 ? (await listRetainable(this.opts.dataDir)).map((x) => ({ ...x, deletable: false })) : [];
    const plan = planRetention([...ticks, ...others], policy, Date.now());
    const deleted: RetainedFile[] = [];
    for (const d of plan.remove) {
      try {
        await unlink(d.file.path);
        deleted.push(d.file);
        this.stats.deleted++;
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code === 'ENOENT') continue;
        this.opts.onError(new MarketfeedError('MF_ERR_WRITE_FAILED', `${d.file.path}: deleting an expired tick file failed`, { path: d.file.path, cause }));
      }
    }
    if (deleted.length > 0) this.opts.onRetention?.(deleted);
  }
}

function startError(path: string, cause: unknown): MarketfeedError {
  if (cause instanceof MarketfeedError) return cause;
  const code = (cause as NodeJS.ErrnoException).code ?? (cause as Error).message;
  return new MarketfeedError('MF_ERR_CONFIG', `tick stream ${path} cannot be written (${code})`, {
    path: 'storage.ticks', expected: 'a writable data directory', got: path, cause,
  });
}
