// What a data directory holds, as rows: one per trades/book/events file, with the partition
// values its path implies (DESIGN.md layout: <dataDir>/<venue>/<SYMBOL_FS>/<YYYYMMDD>/…).
// The one rule against double counting lives here: a file stem with both a .csv.gz and a
// .parquet is listed once, as its .parquet (the copy written from the finished CSV) — unless the
// CSV was modified after the copy was made (converted while still recording, or appended to by a
// restart the same day): then the copy is stale and the CSV, the superset, is listed instead.
// Each part of a rotated output (layout.ts "Parts") is its own stem with its own Parquet copy; a
// part still being written (`<stem>.csv.gz.open`) is listed as that stem's CSV (readers cut it
// back to its complete gzip members) and never loses to a Parquet file.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MarketfeedError } from '../../core/errors.js';
import type { OutputKind } from './columns.js';
import { resolveUnifiedSymbol } from './unified-symbol.js';
import { parseDataFileName } from '../layout.js';

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
// `<kind>_<SYMBOL_FS>_<YYYYMMDD>[.NNNN].parquet`; CSV names are parsed by layout.ts.
const PARQUET_RE = /^(trades|book|events)_(.+)\.parquet$/;
// Temp files of an atomic write (a Parquet copy being made) are never read.
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
  type Held = FoundFile & { mtimeMs: number; open: boolean; part: number };
  const byStem = new Map<string, { csv?: Held; parquet?: Held }>();
  for (const e of entries) {
    if (!e.isFile() || TEMP_RE.test(e.name)) continue;
    let stem: string, kind: OutputKind, format: DataFormat, open = false, part = 0;
    const csvName = parseDataFileName(e.name);
    if (csvName !== undefined) {
      if (csvName.kind === 'raw' || csvName.symbolFs !== symbolFs || csvName.day !== date) continue;
      stem = csvName.finalName.slice(0, -'.csv.gz'.length);
      kind = csvName.kind;
      format = 'csv';
      open = csvName.open;
      part = csvName.part;
    } else {
      const m = PARQUET_RE.exec(e.name);
      if (!m || !m[2].startsWith(`${symbolFs}_${date}`)) continue;
      stem = `${m[1]}_${m[2]}`;
      kind = m[1] as OutputKind;
      format = 'parquet';
      part = Number(/\.(\d{4,})$/.exec(m[2])?.[1] ?? 0);
    }
    const path = join(dir, e.name);
    const st = await stat(path).catch(() => undefined);
    if (st === undefined) continue; // removed meanwhile (retention), or renamed from .open: listed below under its new name
    const held = byStem.get(stem) ?? {};
    const prev = held[format];
    if (prev !== undefined && !prev.open) continue; // `X.csv.gz` and a stale `X.csv.gz.open`: the finished one
    held[format] = { path, kind, format, bytes: st.size, mtimeMs: st.mtimeMs, open, part };
    byStem.set(stem, held);
  }
  const picked: Held[] = [];
  for (const { csv, parquet } of byStem.values()) {
    picked.push(parquet !== undefined && (csv === undefined || (!csv.open && csv.mtimeMs <= parquet.mtimeMs)) ? parquet : csv!);
  }
  // kind, then part number (not string order: part 0 has no number in its name)
  picked.sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.part - b.part));
  return picked.map((p) => ({ path: p.path, kind: p.kind, format: p.format, bytes: p.bytes }));
}
