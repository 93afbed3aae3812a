// Repair: what a crash (kill -9, power cut) leaves in a data directory, made whole. Our writers
// append one complete gzip member per flush to a part named `<final>.open` (layout.ts "Parts"), so
// a crash leaves, per output, at most one part still `.open` whose last member may be torn. For
// each such part, in any day of a symbol:
//   1. it is cut back to its last complete member (gzip-members.ts);
//   2. trades and book rows received after the last frame the day's raw capture kept are cut too:
//      the outputs are flushed together but appended one after another, so a kill between the
//      appends can leave rows whose raw frames were lost, which no replay could ever prove;
//   3. one `repair` ledger row per part (`file=… cut_bytes=… kept_bytes=… rows_beyond_raw=…`) goes
//      into the day's events: appended to its `.open` events part, else in a new events part;
//   4. every part is renamed to its final name (a later part number if that name is taken), and
//      the directory is fsynced.
// Files from before parts (a final name with a `.<name>.writing` marker) are cut and unmarked.
// The caller holds the symbol's lock (lock.ts): an `.open` part is then never a live writer's.
// Rerunning after a crash of the repair itself is safe: steps 1, 2 and 4 are idempotent, and
// step 3 at worst ledgers a file twice.
import { existsSync } from 'node:fs';
import { open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { EVENTS_HEADER, eventRow } from './csv.js';
import { fsyncPath } from './fsync.js';
import { memberEnd } from './gzip-members.js';
import { dataFileName, parseDataFileName, partsOf, SNAPSHOTS_DIR, type DataFileKind } from './layout.js';
import { nextEventIdSync } from './ledger.js';

export interface RepairedFile {
  /** The file as the crash left it (`….open`, or a pre-parts file with a `.writing` marker). */
  found: string;
  /** Where it was sealed; undefined when nothing complete was left and it was removed. */
  sealed: string | undefined;
  kind: DataFileKind;
  /** Bytes of torn gzip member cut from the end. */
  cutBytes: number;
  /** Bytes the sealed file holds. */
  keptBytes: number;
  /** Trades/book rows cut because the raw frames they came from did not survive. */
  rowsBeyondRaw: number;
}

export interface DayRepair {
  dayDir: string;
  files: RepairedFile[];
  /** `repair` rows written into the day's events. */
  ledgerRows: number;
  /** Files that could not be repaired (left as they were found). */
  failures: { path: string; cause: unknown }[];
}

const DAY_RE = /^\d{8}$/;
const KIND_ORDER: readonly DataFileKind[] = ['raw', 'trades', 'book', 'events'];
const FIRST_WINDOW_BYTES = 1 << 20;
const MAX_WINDOW_BYTES = 512 << 20;
const RAW_TS_RE = /^\{"localTs":(\d+)/;

interface Leftover {
  path: string;
  kind: DataFileKind;
  part: number;
  finalName: string;
  /** Set for a pre-parts file: its `.writing` marker. */
  marker: string | undefined;
}

interface Member {
  start: number;
  end: number;
  /** local_timestamp of the member's last row (rows of one run never go back in time). */
  lastTs: number;
}

interface Cut {
  /** Bytes as found. */
  size: number;
  /** Bytes covered by complete members (the rest was torn). */
  valid: number;
  /** Bytes the file holds now. */
  kept: number;
  /** trades/book: every complete member. */
  members: Member[];
  /** raw: the last complete member, inflated. */
  lastData: Buffer | undefined;
  rowsBeyondRaw: number;
  /** Final name chosen for it (step 4). */
  dest: string;
  /** An events part this repair created for its ledger rows (not itself a repaired file). */
  created: boolean;
}

/** Symbol directories (`<dataDir>/<label>/<SYMBOL_FS>`) with a crash leftover in any day. */
export async function symbolDirsToRepair(dataDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const label of await dirNames(dataDir)) {
    for (const fs of await dirNames(join(dataDir, label))) {
      const symbolDir = join(dataDir, label, fs);
      for (const day of (await dirNames(symbolDir)).filter((d) => DAY_RE.test(d))) {
        const names = await readdir(join(symbolDir, day)).catch((): string[] => []);
        if (leftoversOf(join(symbolDir, day), names, fs, day).length > 0) {
          out.push(symbolDir);
          break;
        }
      }
    }
  }
  return out;
}

/** Repairs every day of one symbol directory; resolves with the days that had leftovers. */
export async function repairSymbolDir(symbolDir: string, nowUs = Date.now() * 1000): Promise<DayRepair[]> {
  const fs = basename(symbolDir);
  const out: DayRepair[] = [];
  for (const day of (await dirNames(symbolDir)).filter((d) => DAY_RE.test(d)).sort()) {
    const r = await repairDay(join(symbolDir, day), fs, day, nowUs);
    if (r !== undefined) out.push(r);
  }
  return out;
}

/** Repairs one day directory; undefined when it holds no leftover. */
export async function repairDay(dayDir: string, symbolFs: string, day: string, nowUs = Date.now() * 1000): Promise<DayRepair | undefined> {
  const names = await readdir(dayDir);
  const found = leftoversOf(dayDir, names, symbolFs, day);
  if (found.length === 0) return undefined;
  const rep: DayRepair = { dayDir, files: [], ledgerRows: 0, failures: [] };
  const cuts = new Map<Leftover, Cut>();
  for (const l of found) {
    try {
      cuts.set(l, await cutToMembers(l));
    } catch (cause) {
      rep.failures.push({ path: l.path, cause });
    }
  }
  if (found.some((l) => l.kind === 'raw' && cuts.has(l))) {
    const rawLast = await lastRawTs(dayDir, names, symbolFs, day, cuts);
    for (const [l, c] of cuts) {
      if (l.kind !== 'trades' && l.kind !== 'book') continue;
      try {
        await trimBeyond(l, c, rawLast);
      } catch (cause) {
        cuts.delete(l);
        rep.failures.push({ path: l.path, cause });
      }
    }
  }
  const nextEventsPart = chooseNames(names, symbolFs, day, cuts);
  try {
    rep.ledgerRows = await ledgerRepairs(dayDir, names, symbolFs, day, nowUs, cuts, nextEventsPart);
  } catch (cause) {
    rep.failures.push({ path: join(dayDir, dataFileName('events', symbolFs, day)), cause });
  }
  for (const [l, c] of cuts) {
    try {
      const f = await seal(dayDir, l, c);
      if (!c.created) rep.files.push(f);
    } catch (cause) {
      rep.failures.push({ path: l.path, cause });
    }
  }
  await fsyncPath(dayDir).catch(() => undefined);
  return rep;
}

async function dirNames(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

function leftoversOf(dayDir: string, names: readonly string[], symbolFs: string, day: string): Leftover[] {
  const have = new Set(names);
  const out: Leftover[] = [];
  for (const name of names) {
    const p = parseDataFileName(name);
    if (p === undefined || p.symbolFs !== symbolFs || p.day !== day) continue;
    const marker = `.${name}.writing`;
    if (p.open) out.push({ path: join(dayDir, name), kind: p.kind, part: p.part, finalName: p.finalName, marker: undefined });
    else if (have.has(marker)) out.push({ path: join(dayDir, name), kind: p.kind, part: p.part, finalName: name, marker: join(dayDir, marker) });
  }
  return out.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.part - b.part);
}

/** Step 1: the file cut back to its complete members (fsynced), and what step 2 needs of them. */
async function cutToMembers(l: Leftover): Promise<Cut> {
  const fh = await open(l.path, 'r+');
  try {
    const size = (await fh.stat()).size;
    const members: Member[] = [];
    let lastData: Buffer | undefined;
    const rows = l.kind === 'trades' || l.kind === 'book';
    const kept = await walkFile(fh, size, (start, end, data) => {
      if (l.kind === 'raw') lastData = data;
      else if (rows) members.push({ start, end, lastTs: lastRowTs(l.kind, data) });
    });
    if (kept < size) await fh.truncate(kept);
    await fh.sync();
    return { size, valid: kept, kept, members, lastData, rowsBeyondRaw: 0, dest: l.finalName, created: false };
  } finally {
    await fh.close();
  }
}

/**
 * Calls `onMember` for each complete member of the file and resolves with the bytes they cover.
 * Reads in windows, so memory is bounded by the largest member rather than the file.
 */
async function walkFile(fh: FileHandle, size: number, onMember: (start: number, end: number, data: Buffer) => void): Promise<number> {
  let off = 0;
  let window = FIRST_WINDOW_BYTES;
  while (off < size) {
    const length = Math.min(window, size - off);
    const buf = Buffer.allocUnsafe(length);
    const { bytesRead } = await fh.read(buf, 0, length, off);
    const view = buf.subarray(0, bytesRead);
    let p = 0;
    for (;;) {
      let data: Buffer | undefined;
      const end = p < view.length ? memberEnd(view, p, (d) => (data = d)) : -1;
      if (end < 0) break;
      onMember(off + p, off + end, data!);
      p = end;
    }
    if (p > 0) {
      off += p;
      window = FIRST_WINDOW_BYTES;
    } else if (off + bytesRead >= size || window >= MAX_WINDOW_BYTES) {
      break; // a torn (or corrupt) member: everything from here is cut
    } else {
      window *= 2; // one member bigger than the window
    }
  }
  return off;
}

/** local_timestamp of a CSV row: the last column of trades, the second of book rows. NaN for the header. */
function rowTs(kind: DataFileKind, line: string): number {
  if (kind === 'trades') return Number(line.slice(line.lastIndexOf(',') + 1));
  const a = line.indexOf(',');
  return Number(line.slice(a + 1, line.indexOf(',', a + 1)));
}

function lastRowTs(kind: DataFileKind, data: Buffer): number {
  const end = data[data.length - 1] === 0x0a ? data.length - 1 : data.length;
  const start = data.lastIndexOf(0x0a, end - 1) + 1;
  const ts = rowTs(kind, data.toString('latin1', start, end));
  return Number.isFinite(ts) ? ts : -Infinity;
}

/** localTs of the last frame the day's raw capture kept (any part); -Infinity when it kept none. */
async function lastRawTs(dayDir: string, names: readonly string[], fs: string, day: string, cuts: Map<Leftover, Cut>): Promise<number> {
  const parts = partsOf(names, 'raw', fs, day).reverse();
  for (const p of parts) {
    const path = join(dayDir, p.name);
    const l = [...cuts.keys()].find((x) => x.path === path);
    let data = l === undefined ? undefined : cuts.get(l)!.lastData;
    if (l === undefined) {
      const fh = await open(path, 'r');
      try {
        await walkFile(fh, (await fh.stat()).size, (_s, _e, d) => (data = d));
      } finally {
        await fh.close();
      }
    }
    if (data === undefined) continue;
    let max = -Infinity;
    for (const line of data.toString('utf8').split('\n')) {
      const m = RAW_TS_RE.exec(line);
      if (m !== null && Number(m[1]) > max) max = Number(m[1]);
    }
    if (max > -Infinity) return max;
  }
  return -Infinity;
}

/** Step 2: the rows after `rawLast` cut: from the first member holding one, the rest re-appended as one member. */
async function trimBeyond(l: Leftover, c: Cut, rawLast: number): Promise<void> {
  const first = c.members.findIndex((m) => m.lastTs > rawLast);
  if (first < 0) return;
  const fh = await open(l.path, 'r+');
  try {
    let keep = '';
    let dropped = 0;
    for (let i = first; i < c.members.length; i++) {
      const m = c.members[i];
      const buf = Buffer.allocUnsafe(m.end - m.start);
      await fh.read(buf, 0, buf.length, m.start);
      const lines = gunzipSync(buf).toString('utf8').split('\n');
      lines.pop(); // members end with '\n'
      for (const line of lines) {
        const ts = rowTs(l.kind, line);
        if (Number.isFinite(ts) && ts > rawLast) dropped++;
        else keep += line + '\n'; // the header, and any row the raw capture does back
      }
    }
    const at = c.members[first].start;
    await fh.truncate(at);
    c.kept = at;
    if (keep !== '') {
      const member = gzipSync(keep);
      await fh.write(member, 0, member.length, at);
      c.kept += member.length;
    }
    await fh.sync();
    c.rowsBeyondRaw = dropped;
  } finally {
    await fh.close();
  }
}

/**
 * Step 4's names: each part's own, or the next free part number when a finished part already has
 * it (never overwritten). Returns the events part number step 3 may create.
 */
function chooseNames(names: readonly string[], fs: string, day: string, cuts: Map<Leftover, Cut>): number {
  const next: Record<DataFileKind, number> = { raw: 0, trades: 0, book: 0, events: 0 };
  for (const name of names) {
    const p = parseDataFileName(name);
    if (p !== undefined && p.symbolFs === fs && p.day === day && p.part >= next[p.kind]) next[p.kind] = p.part + 1;
  }
  const taken = new Set(names);
  for (const [l, c] of cuts) {
    if (l.marker === undefined && taken.has(l.finalName)) c.dest = dataFileName(l.kind, fs, day, next[l.kind]++);
    taken.add(c.dest);
  }
  return next.events;
}

/** Step 3: one `repair` row per part, appended to the day's `.open` events part, else in a new part. */
async function ledgerRepairs(
  dayDir: string, names: readonly string[], fs: string, day: string, nowUs: number, cuts: Map<Leftover, Cut>, nextEventsPart: number,
): Promise<number> {
  if (cuts.size === 0) return 0;
  const eventsParts = partsOf(names, 'events', fs, day).map((p) => join(dayDir, p.name));
  let id = nextEventIdSync(eventsParts, join(dayDir, SNAPSHOTS_DIR));
  const dayStart = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6))) * 1000;
  // the row stays in this day's partition even when the repair runs days later
  const localTs = Math.min(Math.max(nowUs, dayStart), dayStart + 86_400_000_000 - 1);
  let rows = '';
  let count = 0;
  for (const [l, c] of cuts) {
    count++;
    const removed = c.kept === 0 && l.kind !== 'events';
    rows += eventRow({
      eventId: id++, ts: nowUs, localTs, kind: 'repair',
      detail: `file=${c.dest} cut_bytes=${c.size - c.valid} kept_bytes=${c.kept} rows_beyond_raw=${c.rowsBeyondRaw}${removed ? ' removed=1' : ''} reason=unclean_stop`,
    });
  }
  let events = [...cuts.keys()].filter((l) => l.kind === 'events' && l.marker === undefined).pop();
  if (events === undefined) {
    const name = dataFileName('events', fs, day, nextEventsPart);
    events = { path: join(dayDir, name + '.open'), kind: 'events', part: nextEventsPart, finalName: name, marker: undefined };
    cuts.set(events, { size: 0, valid: 0, kept: 0, members: [], lastData: undefined, rowsBeyondRaw: 0, dest: name, created: true });
  }
  const c = cuts.get(events)!;
  const member = gzipSync((c.kept === 0 ? EVENTS_HEADER : '') + rows);
  const fh = await open(events.path, 'a');
  try {
    await fh.write(member);
    await fh.sync();
  } finally {
    await fh.close();
  }
  c.kept += member.length;
  return count;
}

/** Step 4: the part under its final name (or removed when nothing complete was left). */
async function seal(dayDir: string, l: Leftover, c: Cut): Promise<RepairedFile> {
  const base = { found: l.path, kind: l.kind, cutBytes: c.size - c.valid, keptBytes: c.kept, rowsBeyondRaw: c.rowsBeyondRaw };
  if (c.kept === 0) {
    await unlink(l.path);
    if (l.marker !== undefined) await unlink(l.marker).catch(() => undefined);
    return { ...base, sealed: undefined };
  }
  const dest = join(dayDir, c.dest);
  if (l.marker !== undefined) {
    await unlink(l.marker);
  } else {
    if (existsSync(dest)) throw new Error(`${dest} appeared while repairing`);
    await rename(l.path, dest);
  }
  return { ...base, sealed: dest };
}
