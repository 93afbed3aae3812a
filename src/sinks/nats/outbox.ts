// The publisher's queue: what was captured and not yet acknowledged by JetStream. It lives in
// memory up to a byte budget; beyond it, and whatever is left at a stop, goes to numbered segment
// files in a spool directory (NDJSON, one message a line), which the next drain (or the next run)
// publishes first, oldest first. So a bus that is down for a minute or a day ends up complete,
// and capture never waits for it.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nowUs } from '../../core/time.js';

export interface OutMsg {
  subject: string;
  /** The payload as text (raw binary frames: their base64, flagged in the headers). */
  data: string;
  msgId: string;
  headers?: Record<string, string>;
}

const SEGMENT_RE = /^outbox-(\d{16})\.ndjson$/;

/** The segment being published: its messages, the next to hand out, and how many are unacked. */
interface Segment {
  path: string;
  msgs: OutMsg[];
  members: Set<OutMsg>;
  next: number;
  open: number;
}

export interface OutboxOptions {
  /** Where segments are spooled (created when needed). */
  spoolDir: string;
  /** Memory held before the queue spills to a segment (bytes of payload, roughly). */
  maxMemoryBytes: number;
}

export class Outbox {
  private mem: OutMsg[] = [];
  private memHead = 0;
  private memBytes = 0;
  /** The segment being published: its messages, the next to hand out, and how many are unacked. */
  private seg: Segment | undefined;
  /** Handed out, then failed: published again before anything else. */
  private retry: OutMsg[] = [];
  /** Stamp (µs) of the newest segment: the next is named after it even if the wall clock went back. */
  private lastStamp = 0;
  /** Segment files in the spool directory, oldest first (read once; kept up to date after). */
  private readonly files: string[];
  spooled = 0;

  constructor(private readonly opts: OutboxOptions) {
    let names: string[] = [];
    try {
      names = readdirSync(opts.spoolDir);
    } catch {
      // no spool yet
    }
    const segments = names.filter((n) => SEGMENT_RE.test(n)).sort();
    this.files = segments.map((n) => join(opts.spoolDir, n));
    if (segments.length > 0) this.lastStamp = Number(SEGMENT_RE.exec(segments[segments.length - 1])![1]);
  }

  /** Messages waiting in memory (new ones, retries, the loaded segment's rest); spooled files not counted. */
  get pending(): number {
    return this.mem.length - this.memHead + this.retry.length + (this.seg ? this.seg.msgs.length - this.seg.next : 0);
  }

  /** Segment files waiting in the spool directory (the loaded one included). */
  get spoolSegments(): number {
    return this.files.length + (this.seg === undefined ? 0 : 1);
  }

  push(m: OutMsg): void {
    this.mem.push(m);
    this.memBytes += m.data.length + m.subject.length + m.msgId.length;
    if (this.memBytes > this.opts.maxMemoryBytes) this.spill();
  }

  /** The next message to publish, or undefined when nothing waits. Segments (older) come first. */
  next(): OutMsg | undefined {
    const r = this.retry.pop();
    if (r !== undefined) return r;
    if (this.seg === undefined || this.seg.next === this.seg.msgs.length) {
      if (this.seg === undefined || this.seg.open === 0) this.loadSegment();
    }
    if (this.seg !== undefined && this.seg.next < this.seg.msgs.length) {
      this.seg.open++;
      return this.seg.msgs[this.seg.next++];
    }
    if (this.memHead < this.mem.length) {
      const m = this.mem[this.memHead++];
      this.memBytes -= m.data.length + m.subject.length + m.msgId.length;
      if (this.memHead > 4096 && this.memHead * 2 > this.mem.length) {
        this.mem = this.mem.slice(this.memHead);
        this.memHead = 0;
      }
      return m;
    }
    return undefined;
  }

  /** A message handed out by next() was acknowledged. */
  done(m: OutMsg): void {
    const seg = this.seg;
    if (seg === undefined || !this.isOf(seg, m)) return;
    seg.open--;
    if (seg.open === 0 && seg.next === seg.msgs.length) {
      rmSync(seg.path, { force: true });
      this.seg = undefined;
    }
  }

  /** A message handed out by next() failed: it goes out again before anything else (still open). */
  failed(m: OutMsg): void {
    this.retry.push(m);
  }

  /**
   * Writes everything not yet acknowledged to a segment (a stop; `inFlight`: messages handed out
   * whose ack never came). The loaded segment's file stays, so nothing is written twice.
   */
  spoolAll(inFlight: Iterable<OutMsg>): void {
    const rest: OutMsg[] = [...this.retry, ...inFlight];
    const seg = this.seg;
    this.retry = [];
    if (seg !== undefined) {
      // its file still holds all of it: keep the file, drop those already acked by rewriting it
      const unacked = rest.filter((m) => this.isOf(seg, m));
      const remaining = [...unacked, ...seg.msgs.slice(seg.next)];
      if (remaining.length === 0) rmSync(seg.path, { force: true });
      else {
        writeSegment(seg.path, remaining);
        this.files.unshift(seg.path);
      }
      this.seg = undefined;
    }
    const others = rest.filter((m) => seg === undefined || !this.isOf(seg, m));
    this.mem = [...others, ...this.mem.slice(this.memHead)];
    this.memHead = 0;
    this.spill();
  }

  private isOf(seg: Segment, m: OutMsg): boolean {
    // segment messages are distinct objects from memory ones; identity tells them apart
    return seg.members.has(m);
  }

  /** Memory → a new segment file (named after the time, so segments sort oldest first). */
  private spill(): void {
    const msgs = this.mem.slice(this.memHead);
    this.mem = [];
    this.memHead = 0;
    this.memBytes = 0;
    if (msgs.length === 0) return;
    mkdirSync(this.opts.spoolDir, { recursive: true });
    // never at or before the newest segment: a wall clock step back must neither reorder the
    // segments nor reuse (overwrite) a name
    const stamp = Math.max(nowUs(), this.lastStamp + 1);
    this.lastStamp = stamp;
    const path = join(this.opts.spoolDir, `outbox-${String(stamp).padStart(16, '0')}.ndjson`);
    writeSegment(path, msgs);
    this.files.push(path);
    this.spooled += msgs.length;
  }

  private loadSegment(): void {
    this.seg = undefined;
    const path = this.files.shift();
    if (path === undefined) return;
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return; // removed by hand meanwhile
    }
    const msgs: OutMsg[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        const m = JSON.parse(line) as OutMsg;
        if (typeof m.subject === 'string' && typeof m.data === 'string' && typeof m.msgId === 'string') msgs.push(m);
      } catch {
        // a line cut by a crash mid-write: the message is still in the data files
      }
    }
    this.seg = { path, msgs, members: new Set(msgs), next: 0, open: 0 };
    if (msgs.length === 0) {
      rmSync(path, { force: true });
      this.seg = undefined;
    }
  }
}

/** Writes a segment atomically (temp file, then rename): a crash leaves the old file or the new one. */
function writeSegment(path: string, msgs: OutMsg[]): void {
  let text = '';
  for (const m of msgs) text += JSON.stringify(m) + '\n';
  writeFileSync(path + '.tmp', text);
  renameSync(path + '.tmp', path);
}
