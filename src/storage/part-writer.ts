// PartWriter: one output (raw, trades, book or events) of one day, written as a sequence of parts
// (layout.ts "Parts"). Each part is a GzipLineWriter in temp-name mode: written as `<name>.open`,
// renamed into place when finished. A part is finished when the rotation policy says so
// (rotation.ts), or by close(); finishing runs in the background while rows go on into the next
// part, and onFinished hears of every part that reached its final name.
import type { MarketfeedError } from '../core/errors.js';
import { join } from 'node:path';
import { GzipLineWriter, type GzipWriterStats, type OpenFile, type PendingBudget } from './gzip-writer.js';
import { dataFileName, openPathOf, type DataFileKind } from './layout.js';
import { periodEndUs, rotateAfterFlush, rotateBeforeRow, type RotationPolicy } from './rotation.js';

export interface PartWriterOptions {
  dir: string;
  kind: DataFileKind;
  symbol: string;
  day: string;
  header?: string;
  policy: RotationPolicy;
  /** Number of the first part this writer creates (parts already in the directory come before). */
  firstPart: number;
  onError(err: MarketfeedError): void;
  onRepair?(info: { path: string; keptBytes: number; droppedBytes: number }): void;
  /** A part reached its final name (`path`), holding `rows` rows; `why` it was finished. */
  onFinished?(part: FinishedPart): void;
  maxPendingBytes?: number;
  /** Shared pending-bytes bound (GzipLineWriter's budget). */
  budget?: PendingBudget;
  level?: number;
  openFile?: OpenFile;
}

/** Why a part was finished: the policy, the end of its day, or the recorder stopping. */
export type FinishReason = 'rotation' | 'day_end' | 'shutdown';

export interface FinishedPart {
  path: string;
  kind: DataFileKind;
  rows: number;
  why: FinishReason;
}

export type PartWriterStats = Omit<GzipWriterStats, 'flushes'> & {
  /** Parts started by this writer. */
  parts: number;
};

export class PartWriter {
  readonly kind: DataFileKind;
  private readonly opts: PartWriterOptions;
  private current: GzipLineWriter | undefined = undefined;
  private partNo: number;
  private partRows = 0;
  private partEndUs = Infinity;
  private readonly finishing = new Set<GzipLineWriter>();
  private readonly done: PartWriterStats = { rows: 0, rowsWritten: 0, bytesIn: 0, bytesOut: 0, pendingBytes: 0, errors: 0, droppedRows: 0, parts: 0 };
  private readonly closes = new Set<Promise<void>>();
  private closed = false;

  constructor(opts: PartWriterOptions) {
    this.opts = opts;
    this.kind = opts.kind;
    this.partNo = opts.firstPart;
  }

  /** Appends one row received at localTs, finishing the current part first when the policy says so. */
  write(line: string, localTs: number): void {
    if (this.closed) {
      this.done.droppedRows++; // counted like a row after a GzipLineWriter's close
      return;
    }
    let w = this.current;
    if (w !== undefined && rotateBeforeRow(this.opts.policy, { rows: this.partRows, bytes: w.stats.bytesOut, periodEndUs: this.partEndUs }, localTs)) {
      this.finishCurrent('rotation');
      w = undefined;
    }
    if (w === undefined) w = this.startPart(localTs);
    w.write(line);
    this.partRows++;
  }

  /** Flushes the current part; finishes it when it reached maxBytes. */
  async flush(): Promise<void> {
    const w = this.current;
    if (w === undefined) return;
    await w.flush();
    if (w === this.current && rotateAfterFlush(this.opts.policy, { rows: this.partRows, bytes: w.stats.bytesOut, periodEndUs: this.partEndUs })) {
      this.finishCurrent('rotation');
    }
  }

  /** Finishes the current part and waits for every part still finishing. Idempotent. */
  async close(why: Exclude<FinishReason, 'rotation'> = 'shutdown'): Promise<void> {
    this.closed = true;
    if (this.current !== undefined) this.finishCurrent(why);
    while (this.closes.size > 0) await Promise.all([...this.closes]);
  }

  /** Totals over every part (finished, finishing and current). */
  get stats(): PartWriterStats {
    const t = { ...this.done };
    for (const w of this.finishing) add(t, w.stats);
    if (this.current !== undefined) add(t, this.current.stats);
    return t;
  }

  /** Final path of the part being written (undefined between parts). */
  get currentPath(): string | undefined {
    return this.current === undefined ? undefined : join(this.opts.dir, dataFileName(this.kind, this.opts.symbol, this.opts.day, this.partNo));
  }

  private startPart(localTs: number): GzipLineWriter {
    const o = this.opts;
    const finalPath = join(o.dir, dataFileName(o.kind, o.symbol, o.day, this.partNo));
    const w = new GzipLineWriter({
      path: openPathOf(finalPath), finalPath, header: o.header, onError: o.onError, onRepair: o.onRepair,
      maxPendingBytes: o.maxPendingBytes, budget: o.budget, level: o.level, openFile: o.openFile,
    });
    this.current = w;
    this.partRows = 0;
    this.partEndUs = periodEndUs(o.policy, localTs);
    this.done.parts++;
    return w;
  }

  private finishCurrent(why: FinishReason): void {
    const w = this.current!;
    this.current = undefined;
    this.partNo++;
    this.finishing.add(w);
    const p = w.close().then((closed) => {
      this.finishing.delete(w);
      add(this.done, w.stats);
      if (closed.finished) this.opts.onFinished?.({ path: closed.path, kind: this.kind, rows: closed.rows, why });
    });
    this.closes.add(p);
    void p.then(() => this.closes.delete(p));
  }
}

function add(t: PartWriterStats, s: GzipWriterStats): void {
  t.rows += s.rows;
  t.rowsWritten += s.rowsWritten;
  t.bytesIn += s.bytesIn;
  t.bytesOut += s.bytesOut;
  t.pendingBytes += s.pendingBytes;
  t.errors += s.errors;
  t.droppedRows += s.droppedRows;
}
