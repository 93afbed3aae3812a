// Live rolling files for tailing (`tail -F data/live/live_trades.ndjson`): every trade, every
// depth diff (book_change, snapshots included so a reader can start a book) and every other event
// (verified book rows, quotes, tickers, derivatives, status, gaps: live_events, which `serve
// --data-dir` relays) appended as one JSON line as soon as it arrives. Plain NDJSON, not gzip: a member per event would cost more than
// the event. Every rotateS seconds the file is renamed to `live_trades.<YYYYMMDDTHHMMSSZ>.ndjson`
// (the time it was started, UTC) and a new one begins; rotated files older than retentionS are
// deleted. The rename happens while the old stream still holds the file, so no line is lost and
// `tail -F` follows the name to the new file.
//
// Memory is bounded: while the disk does not keep up (or fails), lines wait in the stream's
// buffer up to maxBufferBytes; beyond it they are dropped and counted. Write errors are counted,
// reported, and the file is reopened at the next rotation.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { BookChange, MarketEvent, Trade } from '../core/events.js';
import { MarketfeedError } from '../core/errors.js';

export const LIVE_DIR = 'live';
export const LIVE_STREAMS = ['live_trades', 'live_depth_diffs', 'live_events'] as const;
export type LiveStream = (typeof LIVE_STREAMS)[number];

const ROTATED_RE = /^(live_trades|live_depth_diffs|live_events)\.\d{8}T\d{6}Z(?:-\d+)?\.ndjson$/;

export interface LiveFilesOptions {
  dataDir: string;
  rotateS: number;
  /** 0 = keep rotated files. */
  retentionS: number;
  maxBufferBytes: number;
  onError(err: MarketfeedError): void;
  /** Clock in ms (tests). */
  now?: () => number;
}

export interface LiveStats {
  lines: number;
  dropped: number;
  errors: number;
  rotations: number;
  deleted: number;
}

interface Open {
  stream: WriteStream;
  startedMs: number;
  failed: boolean;
}

/** `20240101T120000Z` */
export function liveStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export class LiveFiles {
  readonly dir: string;
  readonly stats: LiveStats = { lines: 0, dropped: 0, errors: 0, rotations: 0, deleted: 0 };
  private readonly opts: LiveFilesOptions;
  private readonly now: () => number;
  private readonly files = new Map<LiveStream, Open>();
  private readonly timer: NodeJS.Timeout;
  private rotating: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(opts: LiveFilesOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.dir = join(opts.dataDir, LIVE_DIR);
    this.timer = setInterval(() => void this.rotate(), opts.rotateS * 1000);
    this.timer.unref();
  }

  trade(t: Trade): void {
    this.append('live_trades', JSON.stringify(t) + '\n');
  }

  depthDiff(c: BookChange): void {
    this.append('live_depth_diffs', JSON.stringify(c) + '\n');
  }

  /** Verified book rows, quotes, tickers, derivatives, status and gaps (what `serve --data-dir` relays). */
  event(ev: MarketEvent): void {
    this.append('live_events', JSON.stringify(ev) + '\n');
  }

  /** Renames every current file aside (timestamped), starts new ones, applies retention. */
  rotate(): Promise<void> {
    this.rotating = this.rotating.then(() => this.rotateNow());
    return this.rotating;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.rotating;
    await Promise.all([...this.files.values()].map((f) => endStream(f.stream)));
    this.files.clear();
  }

  private append(name: LiveStream, line: string): void {
    if (this.closed) return;
    const f = this.files.get(name) ?? this.open(name);
    if (f === undefined || f.failed || f.stream.writableLength > this.opts.maxBufferBytes) {
      this.stats.dropped++;
      return;
    }
    f.stream.write(line);
    this.stats.lines++;
  }

  private open(name: LiveStream): Open | undefined {
    const path = join(this.dir, `${name}.ndjson`);
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (cause) {
      this.fail(path, 'cannot create the live directory', cause);
      return undefined;
    }
    const f: Open = { stream: createWriteStream(path, { flags: 'a' }), startedMs: this.now(), failed: false };
    f.stream.on('error', (cause) => {
      f.failed = true; // until the next rotation opens a new file
      this.fail(path, 'appending failed', cause);
    });
    this.files.set(name, f);
    return f;
  }

  private async rotateNow(): Promise<void> {
    if (this.closed) return;
    for (const name of LIVE_STREAMS) {
      const f = this.files.get(name);
      if (f === undefined) continue;
      const path = join(this.dir, `${name}.ndjson`);
      let target = join(this.dir, `${name}.${liveStamp(f.startedMs)}.ndjson`);
      for (let n = 1; await exists(target); n++) target = join(this.dir, `${name}.${liveStamp(f.startedMs)}-${n}.ndjson`);
      this.files.delete(name);
      try {
        await rename(path, target); // the old stream keeps writing into the renamed file
        this.stats.rotations++;
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') this.fail(path, `renaming to ${target} failed`, cause);
      }
      await endStream(f.stream);
    }
    await this.prune();
  }

  private async prune(): Promise<void> {
    const keepMs = this.opts.retentionS * 1000;
    if (keepMs <= 0) return;
    const cutoff = this.now() - keepMs;
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names) {
      if (!ROTATED_RE.test(name)) continue;
      const path = join(this.dir, name);
      const st = await stat(path).catch(() => undefined);
      if (st === undefined || st.mtimeMs >= cutoff) continue;
      await unlink(path).then(() => this.stats.deleted++, (cause: unknown) => this.fail(path, 'deleting an expired live file failed', cause));
    }
  }

  private fail(path: string, detail: string, cause: unknown): void {
    this.stats.errors++;
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    this.opts.onError(new MarketfeedError('MF_ERR_WRITE_FAILED', `${path}: ${detail}${code ? ` (${code})` : ''}`, { path, cause }));
  }
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

function endStream(s: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (s.destroyed || s.writableFinished) return resolve();
    s.once('close', () => resolve());
    s.once('error', () => resolve());
    s.end();
  });
}
