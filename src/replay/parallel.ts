// Replay on several cores: the sources (one symbol's raw capture each, all its days) are cut into
// contiguous ranges; this thread replays the first range and a worker thread each other one
// (replay-worker.ts). Each range is decoded, booked, merged and serialized on its own thread
// (range-lines.ts), and this thread merges the ranges' NDJSON lines by localTs. This thread takes a
// range itself because a worker must load the module graph again before its first line (≈0.2 s,
// more under load) and the merge alone would leave this thread idle: on 2 cores, one worker and
// this thread use both without a third thread competing for them.
//
// Why the output is byte for byte replay()'s: replay() merges its sources greedily — always the
// least localTs among the sources' next items, ties to the earlier source — so its order is a
// function of the item sequences alone. Greedy-merging contiguous ranges first and then the ranges
// (ties to the earlier range) picks, at every step, the same item: a range's next item is the
// least of its sources' next items, and "earlier range, then earlier source in it" is "earlier
// source". No sortedness of localTs is assumed, only that they compare (no NaN: a capture's times
// are JSON numbers, and replay keeps only events inside --from/--to). Lines are JSON.stringify's
// bytes (event-line.ts).
//
// Why not one worker per symbol-day: a run that spans midnight carries its books, trade de-dup and
// connection state from one day's file into the next, so a day cannot start on a fresh core; and
// the merge needs a symbol's day N+1 only after day N, so its worker could only buffer (a day of
// depth-20 book rows is hundreds of GB of NDJSON). A symbol's days stay in order in one worker.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MarketfeedError, type ErrorCode } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import type { LineBatch } from './line-batch.js';
import { writeRangeLines, type RangeOptions } from './range-lines.js';
import type { BatchReplayOptions, ReplayProgress, SourcePlan } from './replay.js';

/** What a worker is given (workerData): plain data. */
export interface WorkerJob {
  opts: RangeOptions;
  logLevel: string;
  maxInFlight: number;
}

/** What a worker posts; the main thread hands each `lines` batch back (transferred) once merged. */
export type FromWorker =
  | { t: 'lines'; batch: LineBatch; bytesRead: number; badLines: number }
  | { t: 'end'; bytesRead: number; badLines: number }
  | { t: 'log'; line: string }
  | { t: 'error'; code?: ErrorCode; message: string };

/**
 * Batches (each LINE_BATCH_BYTES) a worker's range may have ready ahead of the merge: slack for
 * the moments one thread is descheduled and the other is not.
 */
const MAX_IN_FLIGHT = 16;
/**
 * The same for this thread's range, larger: a worker spends its first ≈0.3 s loading modules, and
 * this thread's range can get that far ahead meanwhile instead of waiting (64 × 256 KiB).
 */
const MAX_AHEAD_HERE = 64;
/** Output chunk of the merge. */
const OUT_CHUNK = 1 << 20;

const WORKER_URL = new URL('./replay-worker.js', import.meta.url);

/** False where the worker script is not compiled beside this module (sources run by vitest). */
export function workersAvailable(): boolean {
  return existsSync(fileURLToPath(WORKER_URL));
}

/** Contiguous ranges of the sources, at most `n`, of about equal compressed bytes. */
export function splitSources(sources: readonly SourcePlan[], n: number): SourcePlan[][] {
  const ranges: SourcePlan[][] = [];
  let left = sources.reduce((t, s) => t + s.bytes, 0);
  let i = 0;
  for (let r = Math.min(n, sources.length); r > 0; r--) {
    const target = left / r;
    const start = i;
    let bytes = sources[i++].bytes;
    // leave at least one source for each range still to come (the last range takes the rest)
    while (sources.length - i > r - 1 && bytes + sources[i].bytes / 2 <= target) bytes += sources[i++].bytes;
    left -= bytes;
    ranges.push(sources.slice(start, i));
  }
  return ranges;
}

/** The NDJSON of a raw replay, its sources split over this thread and `workers` worker threads. */
export async function* replayParallel(opts: BatchReplayOptions, sources: readonly SourcePlan[], depth: number, workers: number, progress: ReplayProgress): AsyncGenerator<Uint8Array> {
  const log = opts.log ?? silentLogger;
  const ranges = splitSources(sources, workers + 1).map((range): RangeOptions => ({
    dataDir: opts.dataDir, venue: opts.venue, symbols: range.map((s) => s.symbol), from: opts.from, to: opts.to, depth,
    quoteCheck: opts.quoteCheck, emitChanges: opts.emitChanges,
  }));
  // the workers first: they have the longer way to their first line
  const others = ranges.slice(1).map((r) => new WorkerLines({ opts: r, logLevel: log.level, maxInFlight: MAX_IN_FLIGHT }, progress, log));
  const streams = [new LocalLines(ranges[0], progress, log), ...others];
  try {
    yield* mergeLineBatches(streams, progress);
  } finally {
    await Promise.all(streams.map((s) => s.stop()));
  }
}

/** Line batches in order; `next()` moves `batch` on (the used one may be reused) and `i` to 0. */
export interface LineSource {
  batch: LineBatch;
  /** The next line of `batch`. */
  i: number;
  next(): Promise<boolean>;
}

/**
 * The greedy merge of the sources' lines by their ts (least first, ties to the earlier source),
 * as byte chunks; `progress.events` counts the lines. A chunk is valid until the next is asked for.
 */
export async function* mergeLineBatches(streams: readonly LineSource[], progress: { events: number }): AsyncGenerator<Uint8Array> {
  const heads: LineSource[] = [];
  for (const s of streams) if (await s.next()) heads.push(s);
  // one output buffer: the consumer has written a chunk before it asks for the next
  const out = Buffer.allocUnsafeSlow(OUT_CHUNK);
  let len = 0;
  while (heads.length > 1) {
    // the head to take (least ts, ties to the earlier stream) and the one after it
    let best = 0;
    let bestTs = heads[0].batch.ts[heads[0].i];
    let second = -1;
    let secondTs = Infinity;
    for (let k = 1; k < heads.length; k++) {
      const ts = heads[k].batch.ts[heads[k].i];
      if (ts < bestTs) {
        second = best;
        secondTs = bestTs;
        best = k;
        bestTs = ts;
      } else if (second < 0 || ts < secondTs) {
        second = k;
        secondTs = ts;
      }
    }
    // the best stream's lines go out together while none of the others' would come first
    const h = heads[best];
    const b = h.batch;
    const first = h.i;
    let i = first + 1;
    const ties = best < second;
    while (i < b.n && (b.ts[i] < secondTs || (ties && b.ts[i] === secondTs))) i++;
    const start = first === 0 ? 0 : b.ends[first - 1];
    const end = b.ends[i - 1];
    if (len + end - start > OUT_CHUNK) {
      if (len > 0) yield out.subarray(0, len);
      len = 0;
    }
    if (end - start > OUT_CHUNK) yield b.bytes.subarray(start, end);
    else {
      out.set(b.bytes.subarray(start, end), len);
      len += end - start;
    }
    progress.events += i - first;
    h.i = i;
    if (i === b.n && !(await h.next())) heads.splice(best, 1);
  }
  if (len > 0) yield out.subarray(0, len);
  // one stream left: the rest of it as it comes
  const last = heads[0];
  if (last === undefined) return;
  do {
    const b = last.batch;
    progress.events += b.n - last.i;
    yield b.bytes.subarray(last.i === 0 ? 0 : b.ends[last.i - 1], b.ends[b.n - 1]);
  } while (await last.next());
}

const NO_LINES: LineBatch = { n: 0, ts: new Float64Array(0), ends: new Uint32Array(0), bytes: new Uint8Array(0) };

/** A range's batches as they become ready, in order; each used one goes back to its producer. */
abstract class QueuedLines implements LineSource {
  batch = NO_LINES;
  i = 0;
  protected readonly queue: LineBatch[] = [];
  protected ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly progress: ReplayProgress) {}

  async next(): Promise<boolean> {
    if (this.batch !== NO_LINES) this.recycle(this.batch);
    this.batch = NO_LINES;
    while (this.queue.length === 0 && !this.ended && this.failure === undefined) await new Promise<void>((r) => (this.wake = r));
    if (this.failure !== undefined) throw this.failure;
    const b = this.queue.shift();
    if (b === undefined) return false;
    this.taken();
    this.batch = b;
    this.i = 0;
    return true;
  }

  /** Stops the producer (early, or after the end). */
  abstract stop(): Promise<void>;

  /** A used batch, back to the producer to be filled again. */
  protected abstract recycle(b: LineBatch): void;

  /** A batch left the queue. */
  protected taken(): void {}

  protected push(b: LineBatch, bytesRead: number, badLines: number): void {
    this.queue.push(b);
    this.count(bytesRead, badLines);
    this.signal();
  }

  protected end(c: { bytesRead: number; badLines: number }): void {
    this.count(c.bytesRead, c.badLines);
    this.ended = true;
    this.signal();
  }

  protected fail(e: Error): void {
    this.failure ??= e;
    this.signal();
  }

  private count(bytesRead: number, badLines: number): void {
    this.progress.bytesRead += bytesRead;
    this.progress.badLines += badLines;
  }

  private signal(): void {
    this.wake?.();
    this.wake = undefined;
  }
}

/** This thread's range: produced as the event loop allows, up to MAX_AHEAD_HERE batches ahead. */
class LocalLines extends QueuedLines {
  private readonly spares: LineBatch[] = [];
  private room: (() => void) | undefined;
  private stopped = false;

  constructor(opts: RangeOptions, progress: ReplayProgress, log: Logger) {
    super(progress);
    void this.run(opts, log);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.taken();
  }

  protected recycle(b: LineBatch): void {
    this.spares.push(b);
  }

  protected override taken(): void {
    this.room?.();
    this.room = undefined;
  }

  private async run(opts: RangeOptions, log: Logger): Promise<void> {
    try {
      const rest = await writeRangeLines(opts, log, {
        ready: async () => {
          while (this.queue.length >= MAX_AHEAD_HERE && !this.stopped) await new Promise<void>((r) => (this.room = r));
          if (this.stopped) throw new Error('replay stopped');
        },
        spare: () => this.spares.pop(),
        send: (b, bytesRead, badLines) => this.push(b, bytesRead, badLines),
      });
      this.end(rest);
    } catch (e) {
      if (!this.stopped) this.fail(e as Error);
    }
  }
}

/** A worker's range. */
class WorkerLines extends QueuedLines {
  private readonly worker: Worker;

  constructor(job: WorkerJob, progress: ReplayProgress, private readonly log: Logger) {
    super(progress);
    this.worker = new Worker(WORKER_URL, { workerData: job });
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => {
      if (!this.ended) this.fail(new Error(`replay worker stopped (exit code ${code}) before its end`));
    });
  }

  async stop(): Promise<void> {
    this.ended = true;
    await this.worker.terminate();
  }

  protected recycle(b: LineBatch): void {
    this.worker.postMessage(b, [b.ts.buffer as ArrayBuffer, b.ends.buffer as ArrayBuffer, b.bytes.buffer as ArrayBuffer]);
  }

  private onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'lines':
        this.push(m.batch, m.bytesRead, m.badLines);
        return;
      case 'end':
        this.end(m);
        return;
      case 'log':
        this.relay(m.line);
        return;
      case 'error':
        this.fail(m.code === undefined ? new Error(`replay worker: ${m.message}`) : new MarketfeedError(m.code, m.message.slice(m.code.length + 2)));
        return;
    }
  }

  /** A worker's pino record, written by this thread's logger. */
  private relay(line: string): void {
    const { level, msg, time: _time, ...fields } = JSON.parse(line) as { level: number; msg?: string; time?: number };
    const label = this.log.levels.labels[level] as 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | undefined;
    if (label !== undefined) this.log[label](fields, msg);
  }
}
