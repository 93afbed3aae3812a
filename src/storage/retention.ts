// Retention of a data directory: by age (a file's last modification) and by total size, each
// 0 = off. The policy (planRetention) is pure; applyRetention lists the day directories
// (<dataDir>/<venue>/<SYMBOL_FS>/<YYYYMMDD>/, snapshots included), deletes what the plan says,
// oldest first, and removes directories left empty.
//
// Never deleted: a part being written (`*.open`), hidden files (open-file markers, temp files of
// an atomic write: `.name.tmp-…`), and a file with a `.<name>.writing` marker (a pre-parts writer
// holding it open). They still count towards the total, so the size limit is met by deleting
// finished files only. The deletion order follows modification time, so a CSV part goes before
// its Parquet copy (written after it): the rows stay queryable as Parquet a little longer.
import { readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { OPEN_SUFFIX } from './layout.js';

export interface RetentionPolicy {
  /** Delete finished files last modified longer ago than this (ms); 0 = off. */
  maxAgeMs: number;
  /** Keep the day directories' total size at or under this (bytes); 0 = off. */
  maxBytes: number;
}

export interface RetainedFile {
  path: string;
  bytes: number;
  mtimeMs: number;
  /** False for files that must stay (see the top of this file). */
  deletable: boolean;
}

export interface RetentionDecision {
  file: RetainedFile;
  reason: 'age' | 'size';
}

export interface RetentionPlan {
  remove: RetentionDecision[];
  /** Bytes of every listed file before and after the plan. */
  totalBytes: number;
  keptBytes: number;
}

export function retentionOn(p: RetentionPolicy): boolean {
  return p.maxAgeMs > 0 || p.maxBytes > 0;
}

/** Which files go: past the age limit first, then the oldest until the total fits. */
export function planRetention(files: readonly RetainedFile[], policy: RetentionPolicy, nowMs: number): RetentionPlan {
  const sorted = [...files].sort((a, b) => a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const totalBytes = sorted.reduce((n, f) => n + f.bytes, 0);
  const remove: RetentionDecision[] = [];
  const gone = new Set<RetainedFile>();
  let kept = totalBytes;
  if (policy.maxAgeMs > 0) {
    const cutoff = nowMs - policy.maxAgeMs;
    for (const f of sorted) {
      if (!f.deletable || f.mtimeMs >= cutoff) continue;
      remove.push({ file: f, reason: 'age' });
      gone.add(f);
      kept -= f.bytes;
    }
  }
  if (policy.maxBytes > 0) {
    for (const f of sorted) {
      if (kept <= policy.maxBytes) break;
      if (!f.deletable || gone.has(f)) continue;
      remove.push({ file: f, reason: 'size' });
      gone.add(f);
      kept -= f.bytes;
    }
  }
  return { remove, totalBytes, keptBytes: kept };
}

const DAY_RE = /^\d{8}$/;

async function subdirs(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
}

/** Every file under the day directories of `dataDir`. */
export async function listRetainable(dataDir: string): Promise<RetainedFile[]> {
  const out: RetainedFile[] = [];
  for (const venue of await subdirs(dataDir)) {
    for (const symbol of await subdirs(join(dataDir, venue))) {
      for (const day of (await subdirs(join(dataDir, venue, symbol))).filter((d) => DAY_RE.test(d))) {
        await listDir(join(dataDir, venue, symbol, day), out);
      }
    }
  }
  return out;
}

async function listDir(dir: string, out: RetainedFile[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const names = new Set(entries.map((e) => e.name));
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      await listDir(path, out);
      continue;
    }
    if (!e.isFile()) continue;
    const st = await stat(path).catch(() => undefined);
    if (st === undefined) continue; // gone meanwhile
    const deletable = !e.name.startsWith('.') && !e.name.endsWith(OPEN_SUFFIX) && !names.has(`.${e.name}.writing`);
    out.push({ path, bytes: st.size, mtimeMs: st.mtimeMs, deletable });
  }
}

export interface RetentionResult {
  deleted: (RetentionDecision & { rel: string })[];
  failed: { path: string; cause: unknown }[];
  totalBytes: number;
  keptBytes: number;
}

/** Lists, plans and deletes; directories emptied by it are removed. */
export async function applyRetention(dataDir: string, policy: RetentionPolicy, nowMs: number): Promise<RetentionResult> {
  const plan = planRetention(await listRetainable(dataDir), policy, nowMs);
  const result: RetentionResult = { deleted: [], failed: [], totalBytes: plan.totalBytes, keptBytes: plan.keptBytes };
  const dirs = new Set<string>();
  for (const d of plan.remove) {
    try {
      await unlink(d.file.path);
      result.deleted.push({ ...d, rel: relative(dataDir, d.file.path) });
      dirs.add(join(d.file.path, '..'));
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') continue;
      result.failed.push({ path: d.file.path, cause });
      result.keptBytes += d.file.bytes;
    }
  }
  // deepest first: snapshots/ before its day directory
  for (const dir of [...dirs].sort((a, b) => b.length - a.length)) {
    await rmdir(dir).catch(() => undefined); // fails (ENOTEMPTY) unless empty: that is the point
    if (dir.endsWith('/snapshots')) await rmdir(join(dir, '..')).catch(() => undefined);
  }
  return result;
}
