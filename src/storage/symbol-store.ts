// SymbolStore: the day files of one (venue label, symbol): raw, trades, book and events writers,
// plus ledger-referenced snapshots.
//
// Day split: every row goes to the UTC day of its *localTs* (receive time), raw frames and
// decoded rows alike, so a day's raw capture and the trades/book/events derived from it sit in
// the same directory and replaying one day reproduces exactly that day's outputs. Rollover
// happens when a row's localTs reaches the next UTC midnight; the old day's writers are then
// flushed and closed in the background. A row that arrives late (localTs before the current
// day, e.g. from another connection) stays in the current day: days never roll backwards.
//
// Within a day each output is a sequence of parts (layout.ts "Parts", part-writer.ts): a new part
// per rotation (rotation.ts) and per recorder run, so a finished part is never appended to again.
// Opening a day finishes the `.open` parts a crashed run left there (day-scan.ts) and continues
// the part numbers after them. Each trades/book/events part finished by rotation or by the end of
// its day is handed to the Parquet queue; parts finished by a shutdown get their Parquet copy
// when a later run opens the same day.
import { readdirSync } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { BookSnapshot, Trade } from '../core/events.js';
import type { RawFrame } from '../core/frames.js';
import { MarketfeedError } from '../core/errors.js';
import { nextUtcDayUs, nowUs, utcDay } from '../core/time.js';
import { bookHeader, bookRow, eventRow, EVENTS_HEADER, rawLine, tradeRow, TRADES_HEADER } from './csv.js';
import type { OpenFile, PendingBudget } from './gzip-writer.js';
import { dayPaths, partsOf, snapshotRelPath, symbolDirName, venueLabelFs, type DataFileKind, type DayPaths } from './layout.js';
import { nextEventIdSync, type LedgerKind } from './ledger.js';
import { DATA_KINDS, finishLeftover, scanDaySync, type DayScan } from './day-scan.js';
import { PartWriter } from './part-writer.js';
import type { ParquetQueue } from './parquet-queue.js';
import { NO_ROTATION, type RotationPolicy } from './rotation.js';

export interface StoreOutputs {
  raw: boolean;
  trades: boolean;
  book: boolean;
  events: boolean;
}

export interface SymbolStoreOptions {
  dataDir: string;
  /** Directory name of the venue (`binance`, `sim-binance`); [a-z0-9-]+. */
  venueLabel: string;
  /** Unified symbol (`BTC/USDT`). */
  symbol: string;
  /** Levels per side in book rows. */
  depth: number;
  outputs: StoreOutputs;
  onError(err: MarketfeedError): void;
  /**
   * Where finished trades/book/events parts go to get their Parquet copy (on rotation and at the
   * end of a day; not on shutdown, which should stay quick). Undefined: no Parquet.
   */
  parquet?: ParquetQueue;
  /** When parts are finished (default: never; one part per output per day and run). */
  rotation?: RotationPolicy;
  /** Pending-text budget of each output file (GzipLineWriter's maxPendingBytes). */
  maxPendingBytes?: number;
  /** Shared pending-bytes bound (instead of maxPendingBytes per file). */
  budget?: PendingBudget;
  level?: number;
  /** Test seam: how files are opened for appending. */
  openFile?: OpenFile;
}

export interface SymbolStoreStats {
  rowsTrades: number;
  rowsBook: number;
  rowsEvents: number;
  rawFrames: number;
  /** Compressed bytes appended to day files (snapshots not included). */
  bytesWritten: number;
  writeErrors: number;
  /** Rows dropped by bounded queues, or offered after close(); each drop is ledgered as storage_gap. */
  droppedRows: number;
  /** Text waiting in memory to be written (grows while writes fail, bounded per file). */
  pendingBytes: number;
  /** Parts started (files), over all outputs and days. */
  parts: number;
}

interface DayFiles {
  day: string;
  endUs: number;
  paths: DayPaths;
  raw: PartWriter | undefined;
  trades: PartWriter | undefined;
  book: PartWriter | undefined;
  events: PartWriter | undefined;
  /** 0 until first needed (reading the day's existing ids costs a file read). */
  nextEventId: number;
  /** droppedRows already ledgered, per writer. */
  reportedDrops: Record<DataFileKind, number>;
}

const WRITER_KINDS = DATA_KINDS;

export class SymbolStore {
  readonly venueLabel: string;
  readonly symbol: string;

  private readonly opts: SymbolStoreOptions;
  private readonly bookHeaderText: string;
  private current: DayFiles | undefined = undefined;
  private readonly background = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined = undefined;
  private closed = false;
  private rowsTrades = 0;
  private rowsBook = 0;
  private rowsEvents = 0;
  private rawFrames = 0;
  /** Totals of days already closed. */
  private doneBytes = 0;
  private doneErrors = 0;
  private doneDrops = 0;
  private doneParts = 0;
  private snapshotErrors = 0;
  private afterClose = 0;

  constructor(opts: SymbolStoreOptions) {
    venueLabelFs(opts.venueLabel); // validate names up front: a bad name is a config error, not a write error
    symbolDirName(opts.symbol);
    if (!Number.isInteger(opts.depth) || opts.depth < 1) {
      throw new MarketfeedError('MF_ERR_CONFIG', 'book depth must be a positive integer', { got: String(opts.depth) });
    }
    this.opts = opts;
    this.venueLabel = opts.venueLabel;
    this.symbol = opts.symbol;
    this.bookHeaderText = bookHeader(opts.depth);
  }

  raw(f: RawFrame): void {
    const d = this.dayOf(f.localTs);
    if (d?.raw === undefined) return;
    d.raw.write(rawLine(f), f.localTs);
    this.rawFrames++;
  }

  trade(t: Trade): void {
    const d = this.dayOf(t.localTs);
    if (d?.trades === undefined) return;
    d.trades.write(tradeRow(t), t.localTs);
    this.rowsTrades++;
  }

  book(s: BookSnapshot): void {
    const d = this.dayOf(s.localTs);
    if (d?.book === undefined) return;
    d.book.write(bookRow(s, this.opts.depth), s.localTs);
    this.rowsBook++;
  }

  /**
   * Writes a ledger row and returns its event id (see ledger.ts for how ids stay unique). `detail`
   * may be built from the id, for rows that reference a file named after themselves.
   */
  ledger(kind: LedgerKind, state: string | undefined, detail: string | ((eventId: number) => string), ts: number, localTs: number): number {
    const d = this.dayOf(localTs);
    if (d === undefined) return 0;
    const eventId = this.takeEventId(d);
    if (d.events !== undefined) {
      const text = typeof detail === 'string' ? detail : detail(eventId);
      d.events.write(eventRow({ eventId, ts, localTs, kind, state, detail: text }), localTs);
      this.rowsEvents++;
    }
    return eventId;
  }

  /**
   * Saves a snapshot body as `snapshots/snapshot_<eventId>_<tag>.json` in the day of localTs,
   * atomically (temp file, fsync, rename), and resolves with that path relative to the day
   * directory. Rejects with MF_ERR_WRITE_FAILED.
   */
  snapshot(eventId: number, tag: string, body: string, localTs: number): Promise<string> {
    const d = this.dayOf(localTs);
    if (d === undefined) {
      return Promise.reject(new MarketfeedError('MF_ERR_WRITE_FAILED', 'snapshot after close', { symbol: this.symbol }));
    }
    const rel = snapshotRelPath(eventId, tag);
    const p = this.writeAtomically(d.paths, join(d.paths.dir, rel), body).then(() => rel);
    this.track(p);
    return p;
  }

  /** Appends every pending chunk as a gzip member; drops seen since the last flush are ledgered. */
  async flush(): Promise<void> {
    const d = this.current;
    if (d === undefined) return;
    await Promise.all(WRITER_KINDS.map((k) => d[k]?.flush()));
    if (this.ledgerDrops(d)) await d.events?.flush();
  }

  /** Flushes and closes every file; later rows are counted as dropped. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.finish();
    return this.closing;
  }

  get stats(): SymbolStoreStats {
    let bytes = this.doneBytes;
    let errors = this.doneErrors + this.snapshotErrors;
    let drops = this.doneDrops + this.afterClose;
    let parts = this.doneParts;
    let pending = 0;
    const d = this.current;
    if (d !== undefined) {
      for (const k of WRITER_KINDS) {
        const w = d[k];
        if (w === undefined) continue;
        const st = w.stats;
        bytes += st.bytesOut;
        errors += st.errors;
        drops += st.droppedRows;
        parts += st.parts;
        pending += st.pendingBytes;
      }
    }
    return {
      rowsTrades: this.rowsTrades, rowsBook: this.rowsBook, rowsEvents: this.rowsEvents, rawFrames: this.rawFrames,
      bytesWritten: bytes, writeErrors: errors, droppedRows: drops, pendingBytes: pending, parts,
    };
  }

  /** The open day for a row at localTs, rolling over at UTC midnight; undefined after close. */
  private dayOf(localTs: number): DayFiles | undefined {
    const d = this.current;
    if (d !== undefined && localTs < d.endUs) return d;
    if (this.closed) {
      this.afterClose++;
      return undefined;
    }
    return this.openDay(localTs);
  }

  private openDay(localTs: number): DayFiles {
    const old = this.current;
    if (old !== undefined) this.track(this.closeDay(old, 'day_end'));
    const day = utcDay(localTs);
    const paths = dayPaths(this.opts.dataDir, this.venueLabel, this.symbol, day);
    const out = this.opts.outputs;
    let scan: DayScan;
    try {
      scan = scanDaySync(paths.dir, symbolDirName(this.symbol), day);
    } catch (cause) {
      // unreadable directory: the writers' own errors will say more; number parts from 0
      scan = { nextPart: { raw: 0, trades: 0, book: 0, events: 0 }, leftovers: [], withoutParquet: [] };
      this.opts.onError(new MarketfeedError('MF_ERR_WRITE_FAILED', `${paths.dir}: cannot list the day directory`, { path: paths.dir, symbol: this.symbol, cause }));
    }
    const writer = (kind: DataFileKind, header: string | undefined): PartWriter => new PartWriter({
      dir: paths.dir, kind, symbol: this.symbol, day, header, policy: this.opts.rotation ?? NO_ROTATION,
      firstPart: scan.nextPart[kind], onError: this.opts.onError,
      onRepair: (info) => this.reportRepair(info.path, info.droppedBytes),
      onFinished: (part) => {
        if (part.why !== 'shutdown') this.partFinished(part.path, part.kind);
      },
      maxPendingBytes: this.opts.maxPendingBytes, budget: this.opts.budget, level: this.opts.level, openFile: this.opts.openFile,
    });
    const d: DayFiles = {
      day,
      endUs: nextUtcDayUs(localTs),
      paths,
      raw: out.raw ? writer('raw', undefined) : undefined,
      trades: out.trades ? writer('trades', TRADES_HEADER) : undefined,
      book: out.book ? writer('book', this.bookHeaderText) : undefined,
      events: out.events ? writer('events', EVENTS_HEADER) : undefined,
      nextEventId: 0,
      reportedDrops: { raw: 0, trades: 0, book: 0, events: 0 },
    };
    this.current = d;
    for (const l of scan.leftovers) this.track(this.finishLeftover(l.path, l.finalPath, l.kind));
    for (const f of scan.withoutParquet) this.partFinished(f.path, f.kind);
    return d;
  }

  private reportRepair(path: string, droppedBytes: number): void {
    this.opts.onError(new MarketfeedError('MF_ERR_WRITE_FAILED',
      `${path}: cut ${droppedBytes} bytes of a half-written gzip member left by an unclean stop`,
      { path, venue: this.venueLabel, symbol: this.symbol }));
  }

  /** A part left `.open` by a run that did not stop cleanly: cut to whole members, renamed into place. */
  private async finishLeftover(path: string, finalPath: string, kind: DataFileKind): Promise<void> {
    try {
      const r = await finishLeftover(path, finalPath);
      if (r.droppedBytes > 0) this.reportRepair(path, r.droppedBytes);
      if (r.finalPath !== undefined) this.partFinished(r.finalPath, kind);
    } catch (cause) {
      this.opts.onError(new MarketfeedError('MF_ERR_WRITE_FAILED', `${path}: finishing a part left by an unclean stop failed`, {
        path, venue: this.venueLabel, symbol: this.symbol, cause,
      }));
    }
  }

  /** A part reached its final name by rotation, day end or repair: queue its Parquet copy. */
  private partFinished(path: string, kind: DataFileKind): void {
    if (kind === 'raw' || this.opts.parquet === undefined) return;
    this.opts.parquet.add(path, kind);
  }

  private takeEventId(d: DayFiles): number {
    if (d.nextEventId === 0) {
      try {
        d.nextEventId = nextEventIdSync(this.eventsParts(d), d.paths.snapshots);
      } catch (cause) {
        // Unreadable day: µs time is above any id a day could have reached and still increasing.
        d.nextEventId = nowUs();
        this.opts.onError(new MarketfeedError('MF_ERR_WRITE_FAILED', `${d.paths.events}: cannot read existing event ids`, {
          path: d.paths.events, symbol: this.symbol, cause,
        }));
      }
    }
    return d.nextEventId++;
  }

  /** Every events part of the day (finished or open) as it stands now. */
  private eventsParts(d: DayFiles): string[] {
    let names: string[];
    try {
      names = readdirSync(d.paths.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    return partsOf(names, 'events', symbolDirName(this.symbol), d.day).map((p) => join(d.paths.dir, p.name));
  }

  /** Ledgers rows dropped since the last look as storage_gap entries; true when it wrote any. */
  private ledgerDrops(d: DayFiles): boolean {
    let wrote = false;
    for (const k of WRITER_KINDS) {
      const w = d[k];
      if (w === undefined) continue;
      const dropped = w.stats.droppedRows - d.reportedDrops[k];
      if (dropped <= 0) continue;
      d.reportedDrops[k] = w.stats.droppedRows;
      const target = this.current ?? d;
      const t = nowUs();
      this.ledger('storage_gap', undefined, `file=${k} day=${d.day} dropped_rows=${dropped} reason=write_failed_or_backlog_full`, t, t < target.endUs ? t : target.endUs - 1);
      wrote = true;
    }
    return wrote;
  }

  /** Closes a day's writers (their last parts are finished; see partFinished for Parquet). */
  private async closeDay(d: DayFiles, why: 'day_end' | 'shutdown'): Promise<void> {
    await Promise.all(WRITER_KINDS.map((k) => d[k]?.close(why)));
    if (!this.closed) this.ledgerDrops(d); // recorded in the day now open
    for (const k of WRITER_KINDS) {
      const w = d[k];
      if (w === undefined) continue;
      const st = w.stats;
      this.doneBytes += st.bytesOut;
      this.doneErrors += st.errors;
      this.doneDrops += st.droppedRows;
      this.doneParts += st.parts;
    }
  }

  private async finish(): Promise<void> {
    this.closed = true;
    const d = this.current;
    // Wait for snapshots and earlier days first, so their storage gaps still reach the ledger.
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
    if (d !== undefined) {
      await Promise.all(WRITER_KINDS.map((k) => d[k]?.flush()));
      this.ledgerDrops(d); // still the open day, so the entry lands in this day's ledger
      this.current = undefined;
      await this.closeDay(d, 'shutdown');
    }
  }

  private async writeAtomically(paths: DayPaths, target: string, body: string): Promise<void> {
    const tmp = `${target}.tmp-${process.pid}`;
    try {
      await mkdir(paths.snapshots, { recursive: true });
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(body, 'utf8');
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, target);
    } catch (cause) {
      this.snapshotErrors++;
      await unlink(tmp).catch(() => undefined);
      throw new MarketfeedError('MF_ERR_WRITE_FAILED', `${target}: saving a snapshot failed`, {
        path: target, venue: this.venueLabel, symbol: this.symbol, cause,
      });
    }
  }

  private track(p: Promise<unknown>): void {
    const settled = p.then(() => undefined, () => undefined);
    this.background.add(settled);
    void settled.then(() => this.background.delete(settled));
  }
}
