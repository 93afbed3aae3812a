// What a data directory holds, as rows: one per trades/book/events file, with the partition
// values its path implies (DESIGN.md layout: <dataDir>/<venue>/<SYMBOL_FS>/<YYYYMMDD>/…).
// The one rule against double counting lives here: a file stem with both a .csv.gz and a
// .parquet is listed once, as its .parquet (the copy written from the finished CSV) — unless the
// CSV was modified after the copy was made (converted while still recording, or appended to by a
// restart the same day): then the copy is stale and the CSV, the superset, is listed instead.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MarketfeedError } from '../../core/errors.js';
import type { OutputKind } from './columns.js';
import { resolveUnifiedSymbol } from './unified-symbol.js';

export type DataFormat = 'csv' | 'parquet';

export interface DataFile {
  path: string;
  kind: OutputKind;
  format: DataFormat;
  venue: string;
  /** Unified symbol, e.g. `BTC/USDT` (see unified-symbol.ts). */
  symbol: string;
  /** The symbol directory's name, e.g. `BTCUSDT`. */
  symbolFs: string;
  /** The day directory's name, `YYYYMMDD` (UTC). */
  date: string;
  bytes: number;
}

const DAY_RE = /^\d{8}$/;
// `<kind>_<SYMBOL_FS>_<YYYYMMDD><suffix>.<ext>`: the suffix leaves room for rotated parts.
const FILE_RE = /^(trades|book|events)_(.+)\.(csv\.gz|parquet)$/;
// Names a writer is still producing (atomic rename pending) are never read.
const TEMP_RE = /(^\.)|(\.tmp\b)|(\.partial\b)/i;

async function dirsIn(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
}

/** Every data file under `dataDir`, Parquet preferred per stem; throws MF_ERR_USAGE when the dir is missing. */
export async function listDataFiles(dataDir: string): Promise<DataFile[]> {
  const st = await stat(dataDir).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new MarketfeedError('MF_ERR_USAGE', `data directory ${dataDir} does not exist`, { path: 'dataDir', got: dataDir });
  }
  const files: DataFile[] = [];
  for (const venue of await dirsIn(dataDir)) {
    for (const symbolFs of await dirsIn(join(dataDir, venue))) {
      const symbolDir = join(dataDir, venue, symbolFs);
      const days = (await dirsIn(symbolDir)).filter((d) => DAY_RE.test(d));
      if (days.length === 0) continue;
      let symbol: string | undefined;
      for (const date of days) {
        const found = await dayFiles(join(symbolDir, date), symbolFs, date);
        if (found.length === 0) continue;
        symbol ??= await resolveUnifiedSymbol(symbolDir, symbolFs, days);
        for (const f of found) files.push({ ...f, venue, symbol, symbolFs, date });
      }
    }
  }
  return files;
}

type FoundFile = Pick<DataFile, 'path' | 'kind' | 'format' | 'bytes'>;

/** The data files of one day directory, one per stem (see the rule at the top). */
export async function dayFiles(dir: string, symbolFs: string, date: string): Promise<FoundFile[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const byStem = new Map<string, { csv?: FoundFile & { mtimeMs: number }; parquet?: FoundFile & { mtimeMs: number } }>();
  for (const e of entries) {
    if (!e.isFile() || TEMP_RE.test(e.name)) continue;
    const m = FILE_RE.exec(e.name);
    if (!m || !m[2].startsWith(`${symbolFs}_${date}`)) continue;
    const path = join(dir, e.name);
    const st = await stat(path).catch(() => undefined);
    if (st === undefined) continue; // removed meanwhile (retention)
    const stem = `${m[1]}_${m[2]}`;
    const format: DataFormat = m[3] === 'parquet' ? 'parquet' : 'csv';
    const held = byStem.get(stem) ?? {};
    held[format] = { path, kind: m[1] as OutputKind, format, bytes: st.size, mtimeMs: st.mtimeMs };
    byStem.set(stem, held);
  }
  const out: FoundFile[] = [];
  for (const stem of [...byStem.keys()].sort()) {
    const { csv, parquet } = byStem.get(stem)!;
    const pick = parquet !== undefined && (csv === undefined || csv.mtimeMs <= parquet.mtimeMs) ? parquet : csv!;
    out.push({ path: pick.path, kind: pick.kind, format: pick.format, bytes: pick.bytes });
  }
  return out;
}
