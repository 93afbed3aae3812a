// The one-line live status of `record`: rewritten in place on a TTY once a second.
import type { Feed, FeedStats } from '../pipeline/feed.js';

export interface BytesSource {
  stats(): { bytesWritten: number; writeErrors: number; droppedRows: number; pendingBytes?: number; parts?: number; liveDropped?: number };
}

function human(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

/**
 * Redundant A/B lines: each line's sockets up and how often it filled in for the other
 * (`lines A 1/1 up fills 3, B 0/1 up fills 0`); nothing without redundancy.
 */
export function redundantLines(lines: FeedStats['lines']): string {
  if (lines === undefined || lines.length === 0) return '';
  return ` | lines ${lines.map((l) => `${l.line.toUpperCase()} ${l.connected}/${l.sockets} up fills ${l.fills}`).join(', ')}`;
}

export class StatusLine {
  private timer: NodeJS.Timeout | undefined;
  private lastFrames = 0;
  private lastAt = 0;
  private drawn = false;

  constructor(private readonly feed: Feed, private readonly sink: BytesSource, private readonly enabled: boolean) {}

  start(): void {
    if (!this.enabled || this.timer) return;
    this.lastAt = performance.now();
    this.timer = setInterval(() => this.draw(), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.drawn) process.stdout.write('\n');
    this.drawn = false;
  }

  /** The status as text (also used by tests). */
  render(): string {
    const s = this.feed.stats();
    const now = performance.now();
    const rate = this.lastAt > 0 ? ((s.framesIn - this.lastFrames) * 1000) / Math.max(1, now - this.lastAt) : 0;
    this.lastFrames = s.framesIn;
    this.lastAt = now;
    const books = s.symbols.filter((x) => x.state !== 'n/a');
    const synced = books.filter((x) => x.state === 'SYNCED').length;
    // books waiting for a snapshot (the REST budget's queue, or a resubscribe) show while there are any
    let waiting = 0;
    let longestS = 0;
    for (const x of books) {
      const w = x.snapshotWaitS ?? 0;
      if (w <= 0) continue;
      waiting++;
      if (w > longestS) longestS = w;
    }
    const wait = waiting > 0 ? ` | awaiting snapshot ${waiting} (longest ${longestS.toFixed(1)} s)` : '';
    const gaps = s.symbols.reduce((n, x) => n + x.gaps, 0);
    const resyncs = s.symbols.reduce((n, x) => n + x.resyncs, 0);
    const checks = s.symbols.reduce((n, x) => n + x.quoteChecks, 0);
    const bad = s.symbols.reduce((n, x) => n + x.quoteMismatches, 0);
    const sums = s.symbols.reduce((n, x) => n + x.checksumChecks, 0);
    const badSums = s.symbols.reduce((n, x) => n + x.checksumMismatches, 0);
    // the independent check each venue has: a best bid/ask stream (Binance) or its checksums
    const proof = sums > 0 ? `checksums ${sums - badSums}/${sums} ok` : `quote checks ${checks - bad}/${checks} ok`;
    const w = this.sink.stats();
    const lines = redundantLines(s.lines);
    // storage trouble shows only while there is some: errors, the backlog held in memory, rows lost
    let errs = w.writeErrors > 0 ? ` | write errors ${w.writeErrors}` : '';
    if ((w.pendingBytes ?? 0) > 1024 * 1024) errs += ` | buffered ${human(w.pendingBytes!)}`;
    const dropped = w.droppedRows + (w.liveDropped ?? 0);
    if (dropped > 0) errs += ` | dropped rows ${dropped}`;
    return `msgs/s ${Math.round(rate)} | books ${synced}/${books.length} synced${wait} | ${proof} | gaps ${gaps} | resyncs ${resyncs} | rejects ${s.rejects} | reconnects ${s.reconnects}${lines} | written ${human(w.bytesWritten)}${w.parts !== undefined && w.parts > 0 ? ` in ${w.parts} files` : ''}${errs}`;
  }

  private draw(): void {
    process.stdout.write(`\r\x1b[2K${this.render()}`);
    this.drawn = true;
  }
}
