// Store: the SymbolStores of one recording, flushed together on a timer. Each tick appends one
// gzip member per file that has pending rows, so a crash loses at most flushIntervalMs of rows.
// It also owns what is per data directory rather than per symbol: the Parquet queue for finished
// parts and retention (checked at start and every RETENTION_INTERVAL_MS).
import type { MarketfeedError } from '../core/errors.js';
import type { OpenFile, PendingBudget } from './gzip-writer.js';
import { ParquetQueue } from './parquet-queue.js';
import { applyRetention, retentionOn, type RetentionPolicy, type RetentionResult } from './retention.js';
import type { RotationPolicy } from './rotation.js';
import { SymbolStore, type StoreOutputs, type SymbolStoreStats } from './symbol-store.js';
import { lockSymbol, type WriterLock } from './lock.js';

export const RETENTION_INTERVAL_MS = 60_000;

export interface StoreOptions {
  dataDir: string;
  /** Default venue directory for symbol(); [a-z0-9-]+. */
  venueLabel: string;
  depth: number;
  outputs: StoreOutputs;
  /** Write a Parquet copy of each trades/book/events part finished by rotation or day end. */
  parquet?: boolean;
  rotation?: RotationPolicy;
  retention?: RetentionPolicy;
  /** What a retention pass deleted (or failed to); called only when it did something. */
  onRetention?(result: RetentionResult): void;
  /** Milliseconds between flushes; 0 = only explicit flushAll(). */
  flushIntervalMs: number;
  onError(err: MarketfeedError): void;
  maxPendingBytes?: number;
  /** One pending-bytes bound shared by every file of the recording. */
  budget?: PendingBudget;
  level?: number;
  /** Test seam: how files are opened for appending. */
  openFile?: OpenFile;
}

export class Store {
  private readonly opts: StoreOptions;
  private readonly stores = new Map<string, SymbolStore>();
  /** One writer per (data dir, venue, symbol): held from symbol() until closeAll(). */
  private readonly locks: WriterLock[] = [];
  private readonly parquet: ParquetQueue | undefined;
  private timer: NodeJS.Timeout | undefined = undefined;
  private retentionTimer: NodeJS.Timeout | undefined = undefined;
  private retaining: Promise<RetentionResult | undefined> | undefined = undefined;
  private flushing: Promise<void> | undefined = undefined;
  /** Symbols whose timer flush is still running. */
  private readonly ticking = new Set<SymbolStore>();
  private closing: Promise<void> | undefined = undefined;

  constructor(opts: StoreOptions) {
    this.opts = opts;
    this.parquet = opts.parquet ? new ParquetQueue(opts.onError) : undefined;
    if (opts.flushIntervalMs > 0) {
      this.timer = setInterval(() => this.tick(), opts.flushIntervalMs);
      this.timer.unref(); // the timer alone must not keep a finished process alive
    }
    if (opts.retention !== undefined && retentionOn(opts.retention)) {
      this.retentionTimer = setInterval(() => void this.retain(), RETENTION_INTERVAL_MS);
      this.retentionTimer.unref();
      setImmediate(() => void this.retain());
    }
  }

  /** The store of one symbol (created on first use). */
  symbol(symbol: string, venueLabel = this.opts.venueLabel): SymbolStore {
    const key = venueLabel + '\u0000' + symbol;
    let s = this.stores.get(key);
    if (s === undefined) {
      const o = this.opts;
      s = new SymbolStore({
        dataDir: o.dataDir, venueLabel, symbol, depth: o.depth, outputs: o.outputs, onError: o.onError,
        parquet: this.parquet, rotation: o.rotation, maxPendingBytes: o.maxPendingBytes, budget: o.budget, level: o.level, openFile: o.openFile,
      });
      this.locks.push(lockSymbol(o.dataDir, venueLabel, symbol)); // MF_ERR_LOCKED before any file of it is opened
      this.stores.set(key, s);
    }
    return s;
  }

  get symbolStores(): readonly SymbolStore[] {
    return [...this.stores.values()];
  }

  /** Flushes every file. A call while a flush runs waits for it and then flushes again. */
  async flushAll(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
    // a timer flush still running is part of this one (its rows must be on disk when we resolve)
    const p = Promise.all([...this.stores.values()].map((s) => s.flush())).then(() => undefined);
    this.flushing = p;
    try {
      await p;
    } finally {
      this.flushing = undefined;
    }
  }

  /**
   * One retention pass now (a pass already running is waited for instead). Resolves with what it
   * did, or undefined when retention is off or the store is closing.
   */
  retain(): Promise<RetentionResult | undefined> {
    const policy = this.opts.retention;
    if (policy === undefined || !retentionOn(policy) || this.closing !== undefined) return Promise.resolve(undefined);
    this.retaining ??= applyRetention(this.opts.dataDir, policy, Date.now())
      .then((r) => {
        if (r.deleted.length > 0 || r.failed.length > 0) this.opts.onRetention?.(r);
        return r;
      }, (cause: unknown) => {
        this.opts.onRetention?.({ deleted: [], failed: [{ path: this.opts.dataDir, cause }], totalBytes: 0, keptBytes: 0 });
        return undefined;
      })
      .finally(() => (this.retaining = undefined));
    return this.retaining;
  }

  /** Stops the timers, flushes and closes every file, waits for queued Parquet copies. Idempotent. */
  closeAll(): Promise<void> {
    this.closing ??= this.finish();
    return this.closing;
  }

  /** Totals over all symbols. */
  get stats(): SymbolStoreStats {
    const t: SymbolStoreStats = {
      rowsTrades: 0, rowsBook: 0, rowsEvents: 0, rawFrames: 0, bytesWritten: 0, writeErrors: 0, droppedRows: 0, pendingBytes: 0, parts: 0,
    };
    for (const s of this.stores.values()) {
      const x = s.stats;
      t.rowsTrades += x.rowsTrades;
      t.rowsBook += x.rowsBook;
      t.rowsEvents += x.rowsEvents;
      t.rawFrames += x.rawFrames;
      t.bytesWritten += x.bytesWritten;
      t.writeErrors += x.writeErrors;
      t.droppedRows += x.droppedRows;
      t.pendingBytes += x.pendingBytes;
      t.parts += x.parts;
    }
    return t;
  }

  /**
   * Each symbol's files are flushed on their own: a symbol whose flush is still running is left
   * to finish it (never pile up flushes), but it does not hold back the others, so one slow file
   * (a busy raw capture on a loaded machine) cannot make every file's backlog wait for it.
   */
  private tick(): void {
    if (this.flushing !== undefined || this.closing !== undefined) return; // flushAll() covers everyone
    for (const s of this.stores.values()) {
      if (this.ticking.has(s)) continue;
      this.ticking.add(s);
      void s.flush().finally(() => this.ticking.delete(s));
    }
  }

  private async finish(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.retentionTimer !== undefined) clearInterval(this.retentionTimer);
    this.timer = undefined;
    this.retentionTimer = undefined;
    while (this.flushing !== undefined) await this.flushing;
    await this.retaining;
    await Promise.all([...this.stores.values()].map((s) => s.close()));
    await this.parquet?.drain();
    for (const l of this.locks) l.release();
  }
}
