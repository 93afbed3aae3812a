// The disk side of the tick stream (ticks-stream.ts): where a stream file lives (which venue owns
// the plain name), its rotated names, retention's view of them, and what a file holds when a run
// opens it, repaired so that appending is safe: a partial last line (a write torn by a power loss
// or a full disk at the moment of a crash) is cut, so the rows a tailer sees are only whole ones.
// One forward pass counts the rows (storage.maxRows needs them) and finds the last row, whose
// timestamp places the file in its UTC day and rotation period.
import { mkdir, open, readdir, readFile, stat, truncate, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { RetainedFile } from './retention.js';

/** What the stream writer needs of an open file: appends (FileHandle in production). */
export interface AppendHandle {
  write(buf: Buffer, offset: number, length: number): Promise<{ bytesWritten: number }>;
  close(): Promise<void>;
}

export type OpenAppend = (path: string) => Promise<AppendHandle>;

export const openAppend: OpenAppend = (path) => open(path, 'a') as Promise<FileHandle>;

/** A rotated stream file: `BTCUSDT_stream.20260101.csv`, `BTCUSDT_stream.20260101.0003.csv`. */
export const ROTATED_TICKS_RE = /^(.+)_stream\.(\d{8})(?:\.(\d{4,}))?\.csv$/;

export type TicksFileState =
  | { kind: 'missing' }
  /** No complete line (nothing, or a torn header that was cut): the header must be written. */
  | { kind: 'empty' }
  /** The header and no row. */
  | { kind: 'header' }
  | { kind: 'rows'; rows: number; bytes: number; lastTs: number }
  /** Not a tick stream: its first line (or last row) is not ours. */
  | { kind: 'foreign'; firstLine: string };

const SCAN_BYTES = 1 << 20;
const MAX_LINE = 4096;
const NL = 0x0a;
const TS_RE = /^\d{1,16}$/;

/** Inspects (and repairs, see the top of this file) the stream file at path. */
export async function inspectTicksFile(path: string, header: string): Promise<TicksFileState> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw e;
  }
  let size: number;
  let lines = 0;
  let lastNl = -1;
  let prevNl = -1;
  let first = '';
  try {
    size = (await fh.stat()).size;
    const buf = Buffer.allocUnsafe(SCAN_BYTES);
    for (let pos = 0; pos < size;) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(SCAN_BYTES, size - pos), pos);
      if (bytesRead === 0) break;
      if (pos === 0) first = firstLine(buf, bytesRead);
      for (let i = buf.indexOf(NL, 0); i >= 0 && i < bytesRead; i = buf.indexOf(NL, i + 1)) {
        prevNl = lastNl;
        lastNl = pos + i;
        lines++;
      }
      pos += bytesRead;
    }
    if (lines > 0 && first !== header) return { kind: 'foreign', firstLine: first.slice(0, 80) };
    if (lines > 1) {
      const len = Math.min(MAX_LINE, lastNl - prevNl - 1);
      const row = Buffer.alloc(len);
      await fh.read(row, 0, len, lastNl - len);
      const text = row.toString('latin1');
      const tsText = text.slice(0, text.indexOf(','));
      const lastTs = Number(tsText);
      if (!TS_RE.test(tsText) || !Number.isSafeInteger(lastTs)) return { kind: 'foreign', firstLine: first.slice(0, 80) };
      await cutAfter(path, size, lastNl);
      return { kind: 'rows', rows: lines - 1, bytes: lastNl + 1, lastTs };
    }
  } finally {
    await fh.close();
  }
  if (lines === 0 && size > MAX_LINE) return { kind: 'foreign', firstLine: first.slice(0, 80) };
  await cutAfter(path, size, lastNl);
  return lines === 0 ? { kind: 'empty' } : { kind: 'header' };
}

/** The first line with its '\n' (or '' when the chunk holds no complete line), BOM-free. */
function firstLine(buf: Buffer, n: number): string {
  const end = buf.indexOf(NL);
  if (end < 0 || end >= n) return n > MAX_LINE ? buf.toString('latin1', 0, 80) : '';
  const text = buf.toString('utf8', 0, end + 1);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Cuts what follows the last '\n' (lastNl = -1: everything). */
async function cutAfter(path: string, size: number, lastNl: number): Promise<void> {
  if (lastNl + 1 < size) await truncate(path, lastNl + 1);
}

/** The ticks dir, or its `<venue label>/` subdirectory when another venue owns the plain stream name. */
export async function claimStreamDir(dir: string, venueLabel: string, fs: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const marker = join(dir, `.${fs}_stream.venue`);
  // the exclusive create decides a race between two recorders starting together
  const claimed = await writeFile(marker, venueLabel + '\n', { flag: 'wx' }).then(() => true, (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EEXIST') throw e;
    return false;
  });
  if (claimed) return dir;
  const owner = (await readFile(marker, 'utf8')).trim();
  if (owner === venueLabel) return dir;
  const own = join(dir, venueLabel);
  await mkdir(own, { recursive: true });
  return own;
}

/** The first free rotated name of the day: `<fs>_stream.<day>.csv`, then `.0001`, `.0002` … */
export async function rotatedPath(dir: string, fs: string, day: string): Promise<string> {
  for (let part = 0; ; part++) {
    const path = join(dir, `${fs}_stream.${day}${part === 0 ? '' : '.' + String(part).padStart(4, '0')}.csv`);
    if (!(await stat(path).then(() => true, () => false))) return path;
  }
}

/** Writes buf from `from` to its end, looping over short writes; reports progress so a failure can resume. */
export async function writeAll(h: AppendHandle, buf: Buffer, from: number, progress?: (done: number) => void): Promise<number> {
  let done = from;
  while (done < buf.length) {
    const { bytesWritten } = await h.write(buf, done, buf.length - done);
    done += bytesWritten;
    progress?.(done);
  }
  return done;
}

/** Every tick stream file under ticks/ and its venue subdirectories: rotated ones deletable. */
export async function listTickFiles(dir: string, out: RetainedFile[] = [], depth = 0): Promise<RetainedFile[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (depth === 0 && !e.name.startsWith('.')) await listTickFiles(path, out, 1);
      continue;
    }
    const rotated = ROTATED_TICKS_RE.test(e.name);
    if (!e.isFile() || (!rotated && !e.name.endsWith('_stream.csv'))) continue;
    const st = await stat(path).catch(() => undefined);
    if (st !== undefined) out.push({ path, bytes: st.size, mtimeMs: st.mtimeMs, deletable: rotated });
  }
  return out;
}
