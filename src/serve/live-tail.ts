// `serve --data-dir`: follows the live files a recorder in another process writes
// (`record --storage-live`: data/live/live_trades.ndjson and live_events.ndjson) and hands every
// line's event to the hub, as a recorder in this process would. It reads each current file from
// its start (the state it describes: the last verified book, the book's state), then polls for
// appended lines. A rotation renames the file while the recorder still writes the old one: the
// renamed file is read to its end before the new one is opened, so no line is skipped. A line
// that is not an event is counted and skipped.
import { open, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { MarketEvent } from '../core/events.js';
import type { Logger } from '../core/log.js';
import { LIVE_DIR } from '../storage/live.js';

/** The live streams that carry what the server needs (depth diffs: verified top-N rows are in live_events). */
export const TAILED = ['live_trades', 'live_events'] as const;

const CHUNK = 1 << 20;
/** A line longer than this is not an event: skipped. */
const MAX_LINE = 4 << 20;

export interface TailStats {
  lines: number;
  rejected: number;
  rotations: number;
}

interface Follower {
  path: string;
  fh: FileHandle | undefined;
  ino: number;
  pos: number;
  rest: string;
  /** Keeps a character split between two reads whole. */
  utf8: StringDecoder;
}

export interface LiveTailOptions {
  dataDir: string;
  pollMs?: number;
  onEvent(ev: MarketEvent): void;
  log: Logger;
}

export class LiveTail {
  readonly stats: TailStats = { lines: 0, rejected: 0, rotations: 0 };
  private readonly followers: Follower[];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: LiveTailOptions) {
    this.followers = TAILED.map((name) => ({ path: join(opts.dataDir, LIVE_DIR, `${name}.ndjson`), fh: undefined, ino: -1, pos: 0, rest: '', utf8: new StringDecoder('utf8') }));
  }

  /** Reads what is there now (the catch-up), then keeps polling. */
  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.poll());
    }, this.opts.pollMs ?? 100);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    for (const f of this.followers) await f.fh?.close().catch(() => undefined);
  }

  /** One pass over every file: new lines, rotations. */
  async poll(): Promise<void> {
    for (const f of this.followers) {
      if (this.stopped) return;
      try {
        await this.follow(f);
      } catch (e) {
        this.opts.log.warn({ path: f.path, err: (e as Error).message }, 'live file could not be read; retrying');
      }
    }
  }

  private async follow(f: Follower): Promise<void> {
    const st = await stat(f.path).catch(() => undefined);
    if (f.fh !== undefined && (st === undefined || st.ino !== f.ino)) {
      // rotated (renamed aside, a new file in its place): finish the old one first
      await this.readToEnd(f);
      await f.fh.close();
      f.fh = undefined;
      this.stats.rotations++;
    }
    if (st === undefined) return;
    if (f.fh === undefined) {
      f.fh = await open(f.path, 'r');
      f.ino = st.ino;
      f.pos = 0;
      f.rest = '';
      f.utf8 = new StringDecoder('utf8');
    }
    if (st.size < f.pos) {
      // truncated in place: start again
      f.pos = 0;
      f.rest = '';
    }
    await this.readToEnd(f);
  }

  private async readToEnd(f: Follower): Promise<void> {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await f.fh!.read(buf, 0, CHUNK, f.pos);
      if (bytesRead === 0) return;
      f.pos += bytesRead;
      const text = f.rest + f.utf8.write(buf.subarray(0, bytesRead));
      const lines = text.split('\n');
      f.rest = lines.pop() ?? '';
      if (f.rest.length > MAX_LINE) {
        this.stats.rejected++;
        f.rest = '';
      }
      for (const line of lines) if (line !== '') this.line(line);
    }
  }

  private line(line: string): void {
    let ev: MarketEvent;
    try {
      ev = JSON.parse(line) as MarketEvent;
    } catch {
      this.reject('not JSON', line);
      return;
    }
    // a line of another writer (or a half-written one after a crash) must not reach the books
    if (!MarketEvent.safeParse(ev).success) {
      this.reject('not a marketfeed event', line);
      return;
    }
    this.stats.lines++;
    this.opts.onEvent(ev);
  }

  private reject(why: string, line: string): void {
    this.stats.rejected++;
    if (this.stats.rejected <= 10 || this.stats.rejected % 1000 === 0) {
      this.opts.log.warn({ why, rejected: this.stats.rejected, line: line.slice(0, 200) }, 'live file line skipped');
    }
  }
}
