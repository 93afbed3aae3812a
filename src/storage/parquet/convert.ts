// CSV.gz → Parquet, one file beside its source:
// trades_BTCUSDT_20240101.csv.gz → trades_BTCUSDT_20240101.parquet.
//
// Laid out as stored-layout.ts says (prices and quantities as DECIMAL at the part's own precision,
// book levels below the top as lists), rows in file order (= receive time), zstd, row groups of
// ROW_GROUP_SIZE rows. Two passes over the source: the first
// learns each decimal column's format from its distinct values, the second writes. A part without
// prices (events) is written in one pass, its columns typed as the views type them.
//
// The source is first cut back to its complete gzip members (source.ts: DuckDB would otherwise
// read half-written rows of a file still being appended to), DuckDB writes a hidden temp file,
// which is fsynced and renamed into place: a .parquet that exists is always whole.
import { mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { MarketfeedError } from '../../core/errors.js';
import { castFromCsv, readCsvSql, sqlString, typedColumns, OUTPUT_KINDS, type OutputKind } from './columns.js';
import type { DecimalShape } from './decimal-format.js';
import { groupColumns, LAYOUT_KEY, planLayout, shapesPassSql, writeSql } from './stored-layout.js';
import { openDuckDb, sqlError, type DuckDb } from './duckdb.js';
import { copyCompleteMembers, readCsvHeader } from './source.js';
import { fsyncPath } from '../fsync.js';

export interface ParquetResult {
  /** The .parquet path (written or, when `written` is false, not). */
  path: string;
  source: string;
  kind: OutputKind;
  rows: number;
  /** False when the source had no complete gzip member yet: there was nothing to convert. */
  written: boolean;
  /** True when the source ended in a partial member (still being written, or cut by a crash). */
  truncated: boolean;
}

export interface ParquetOptions {
  /** zstd level (default COMPRESSION_LEVEL). */
  compressionLevel?: number;
  /** Rows per Parquet row group (default ROW_GROUP_SIZE). */
  rowGroupSize?: number;
  /** Reuse an open DuckDB (convertDay does); otherwise one is opened and closed per call. */
  db?: DuckDb;
}

const CSV_GZ = '.csv.gz';

/**
 * zstd level. On a 20 s, 20-level Binance sim recording (91k book rows): level 3 → 0.69x the
 * csv.gz, 9 → 0.56x for about the same CPU (~0.8 s of a ~4 s conversion, most of which is
 * parsing the CSV and checking decimals), 12 → 0.56x at 3x the compression time.
 */
export const COMPRESSION_LEVEL = 9;
/**
 * Rows per row group: DuckDB's default, about a minute of a busy book. A scan is split by row
 * group (one per thread) and skips those whose local_timestamp range misses its filter.
 */
export const ROW_GROUP_SIZE = 122_880;

/** `<dir>/<stem>.parquet` for `<dir>/<stem>.csv.gz`. */
export function parquetPathFor(csvGzPath: string): string {
  if (!csvGzPath.endsWith(CSV_GZ)) {
    throw new MarketfeedError('MF_ERR_USAGE', `${csvGzPath} is not a .csv.gz file`, { expected: '*.csv.gz', got: csvGzPath });
  }
  return csvGzPath.slice(0, -CSV_GZ.length) + '.parquet';
}

let tempSeq = 0;

/** Converts one trades/book/events .csv.gz into its .parquet copy. */
export async function writeParquet(csvGzPath: string, kind: OutputKind, opts: ParquetOptions = {}): Promise<ParquetResult> {
  const out = parquetPathFor(csvGzPath);
  const work = await mkdtemp(join(tmpdir(), 'marketfeed-parquet-'));
  const tempOut = join(dirname(out), `.${basename(out)}.tmp-${process.pid}-${++tempSeq}`);
  const db = opts.db ?? (await openDuckDb());
  try {
    const cut = join(work, 'source.csv.gz');
    const walk = await copyCompleteMembers(csvGzPath, cut);
    const result: ParquetResult = { path: out, source: csvGzPath, kind, rows: 0, written: false, truncated: walk.truncated };
    if (walk.validBytes === 0) return result;
    const header = await readCsvHeader(cut);
    if (header.length === 0) return result;
    const from = readCsvSql([cut], header);
    const groups = groupColumns(kind, header);
    let select: string;
    const options = ['FORMAT parquet', 'COMPRESSION zstd',
      `COMPRESSION_LEVEL ${Math.trunc(opts.compressionLevel ?? COMPRESSION_LEVEL)}`,
      `ROW_GROUP_SIZE ${Math.trunc(opts.rowGroupSize ?? ROW_GROUP_SIZE)}`];
    if (groups.decimal.length === 0) {
      select = `SELECT ${typedColumns(kind, header).map((c) => castFromCsv(c)).join(', ')} FROM ${from}`;
    } else {
      const layout = planLayout(groups, await decimalShapes(db, shapesPassSql(groups.decimal, from), csvGzPath));
      select = writeSql(kind, layout, from);
      options.push(`KV_METADATA {${LAYOUT_KEY}: ${sqlString(JSON.stringify(layout))}}`);
    }
    const sql = `COPY (${select}) TO ${sqlString(tempOut)} (${options.join(', ')})`;
    let copied;
    try {
      copied = await db.connection.run(sql);
    } catch (e) {
      throw sqlError(e, `converting ${csvGzPath} to Parquet`);
    }
    await fsyncPath(tempOut);
    await rename(tempOut, out);
    await fsyncPath(dirname(out)).catch(() => undefined); // the rename itself survives a power cut
    result.rows = Number(copied.rowsChanged);
    result.written = true;
    return result;
  } finally {
    if (opts.db === undefined) db.close();
    await rm(tempOut, { force: true });
    await rm(work, { recursive: true, force: true });
  }
}

async function decimalShapes(db: DuckDb, sql: string, csvGzPath: string): Promise<Map<string, DecimalShape[]>> {
  let rows: Record<string, unknown>[];
  try {
    rows = (await db.connection.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  } catch (e) {
    throw sqlError(e, `reading the decimals of ${csvGzPath}`);
  }
  const shapes = new Map<string, DecimalShape[]>();
  for (const r of rows) {
    const list = shapes.get(String(r.g)) ?? [];
    list.push({
      integer: Number(r.integer), fraction: Number(r.fraction), significant: Number(r.significant),
      untrimmed: r.untrimmed === true, values: Number(r.values),
    });
    shapes.set(String(r.g), list);
  }
  return shapes;
}

const DAY_FILE_RE = /^(trades|book|events)_.+\.csv\.gz$/;

/**
 * Converts every trades/book/events .csv.gz of a day directory (raw captures stay NDJSON).
 * Files are converted one at a time through one DuckDB.
 */
export async function convertDay(dayDir: string, opts: Omit<ParquetOptions, 'db'> = {}): Promise<ParquetResult[]> {
  const names = (await readdir(dayDir)).filter((n) => !n.startsWith('.') && DAY_FILE_RE.test(n)).sort();
  const results: ParquetResult[] = [];
  if (names.length === 0) return results;
  const db = await openDuckDb();
  try {
    for (const name of names) {
      const kind = name.slice(0, name.indexOf('_')) as OutputKind;
      if (!OUTPUT_KINDS.includes(kind)) continue;
      results.push(await writeParquet(join(dayDir, name), kind, { ...opts, db }));
    }
  } finally {
    db.close();
  }
  return results;
}
