// Store: the SymbolStores of one recording, flushed together on a timer. Each tick appends one
// gzip member per file that has pending rows, so a crash loses at most flushIntervalMs of rows.
import type { MarketfeedError } from '../core/errors.js';
import { SymbolStore, type StoreOutputs, type SymbolStoreStats } from './symbol-store.js';

export interface StoreOptions {
  dataDir: string;
  /** Default venue directory for symbol(); [a-z0-9-]+. */
  venueLabel: string;
  depth: number;
  outputs: StoreOutputs;
  /** Convert each finished UTC day's CSV outputs to Parquet (see SymbolStoreOptions). */
  parquetOnDayEnd?: boolean;
  /** Milliseconds between flushes; 0 = only explicit flushAll(). */
  flushIntervalMs: number;
  onError(err: MarketfeedError): void;
  maxPendingBytes?: number;
  level?: number;
}

export class Store {
  private readonly opts: StoreOptions;
  private readonly stores = new Map<string, SymbolStore>();
  private timer: NodeJS.Timeout | undefined = undefined;
  private flushing: Promise<void> | undefined = undefined;
  private closing: Promise<void> | undefined = undefined;

  constructor(opts: StoreOptions) {
    this.opts = opts;
    if (opts.flushIntervalMs > 0) {
      this.timer = setInterval(() => void this.tick(), opts.flushIntervalMs);
      this.timer.unref(); // the timer alone must not keep a finished process alive
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
        parquetOnDayEnd: o.parquetOnDayEnd,
        maxPendingBytes: o.maxPendingBytes, level: o.level,
      });
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
    const p = Promise.all([...this.stores.values()].map((s) => s.flush())).then(() => undefined);
    this.flushing = p;
    try {
      await p;
    } finally {
      this.flushing = undefined;
    }
  }

  /** Stops the timer, flushes and closes every file. Idempotent: safe from a signal handler. */
  closeAll(): Promise<void> {
    this.closing ??= this.finish();
    return this.closing;
  }

  /** Totals over all symbols. */
  get stats(): SymbolStoreStats {
    const t: SymbolStoreStats = { rowsTrades: 0, rowsBook: 0, rowsEvents: 0, rawFrames: 0, bytesWritten: 0, writeErrors: 0, droppedRows: 0 };
    for (const s of this.stores.values()) {
      const x = s.stats;
      t.rowsTrades += x.rowsTrades;
      t.rowsBook += x.rowsBook;
      t.rowsEvents += x.rowsEvents;
      t.rawFrames += x.rawFrames;
      t.bytesWritten += x.bytesWritten;
      t.writeErrors += x.writeErrors;
      t.droppedRows += x.droppedRows;
    }
    return t;
  }

  private async tick(): Promise<void> {
    if (this.flushing !== undefined || this.closing !== undefined) return; // never pile up flushes
    await this.flushAll();
  }

  private async finish(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    while (this.flushing !== undefined) await this.flushing;
    await Promise.all([...this.stores.values()].map((s) => s.close()));
  }
}
