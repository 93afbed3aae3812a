// SQL over a whole data directory. Views `trades`, `book` and `events` cover every .csv.gz and
// .parquet file (the .parquet when a stem has both: catalog.ts), with the typed columns of
// columns.ts plus partition columns venue, symbol (unified), symbol_fs and date (YYYYMMDD) from
// the path; `data_files` lists the files behind them. Files of one kind with different columns
// (books of different depths) line up by name, missing columns being NULL.
//
//   const q = await DataQuery.open({ dataDir: './data' });
//   try { const { columns, rows } = await q.all('select count(*) n from trades'); } finally { await q.close(); }
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBResult, Json } from '@duckdb/node-api';
import { MarketfeedError } from '../../core/errors.js';
import { listDataFiles, type DataFile } from './catalog.js';
import {
  castFromCsv, nullAs, readCsvSql, sourcesOfTyped, sqlIdent, sqlString, typedColumns, OUTPUT_KINDS, type OutputKind,
} from './columns.js';
import { duckDbMessage, openDuckDb, sqlError, type DuckDb } from './duckdb.js';
import { LAYOUT_KEY, layoutSources, parseLayout, viewSelect, type StoredLayout } from './stored-layout.js';
import { copyCompleteMembers, isBeingWritten, readCsvHeader } from './source.js';
import { OPEN_SUFFIX } from '../layout.js';

export interface DataQueryOptions {
  dataDir: string;
}

export interface QueryColumn {
  name: string;
  /** DuckDB's type name: BIGINT, DOUBLE, VARCHAR, DECIMAL(18,3) … */
  type: string;
}

/** One value as JSON: BIGINTs that fit in a double are numbers, larger ones and DECIMALs strings. */
export type QueryValue = Json;

export interface QueryStream {
  columns: QueryColumn[];
  /** Row batches (DuckDB's vectors, up to 2,048 rows each), in result order. */
  batches: AsyncIterable<QueryValue[][]>;
}

interface ReadableFile extends DataFile {
  /** What DuckDB reads: the file itself, or a copy cut back to its complete members. */
  readPath: string;
  /** CSV header (empty for Parquet). */
  header: string[];
}

const PARTITION_COLUMNS = ['venue', 'symbol', 'symbol_fs', 'date'];
const INTEGER_TYPES: ReadonlySet<string> = new Set([
  'TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT',
]);

export class DataQuery {
  /** The views that exist (a kind with no files has none). */
  readonly views: readonly OutputKind[];
  readonly files: readonly DataFile[];
  private readonly db: DuckDb;
  private readonly workDir: string;

  private constructor(db: DuckDb, workDir: string, files: DataFile[], views: OutputKind[]) {
    this.db = db;
    this.workDir = workDir;
    this.files = files;
    this.views = views;
  }

  /** Lists the data dir and defines the views; MF_ERR_USAGE when there is nothing to query. */
  static async open(opts: DataQueryOptions): Promise<DataQuery> {
    const listed = await listDataFiles(opts.dataDir);
    if (listed.length === 0) {
      throw new MarketfeedError('MF_ERR_USAGE', `no trades, book or events files under ${opts.dataDir}`, {
        path: 'dataDir', expected: '<dataDir>/<venue>/<SYMBOL_FS>/<YYYYMMDD>/*.csv.gz or *.parquet', got: opts.dataDir,
      });
    }
    const workDir = await mkdtemp(join(tmpdir(), 'marketfeed-query-'));
    let db: DuckDb | undefined;
    try {
      const files = await readableFiles(listed, workDir);
      if (files.length === 0) {
        throw new MarketfeedError('MF_ERR_USAGE', `no complete rows yet in the files under ${opts.dataDir}`, { path: 'dataDir', got: opts.dataDir });
      }
      db = await openDuckDb();
      await defineFilesTable(db, files);
      const views: OutputKind[] = [];
      for (const kind of OUTPUT_KINDS) {
        const ofKind = files.filter((f) => f.kind === kind);
        if (ofKind.length === 0) continue;
        await run(db, `CREATE VIEW ${kind} AS ${await viewSql(db, kind, ofKind)}`, `defining view ${kind}`);
        views.push(kind);
      }
      return new DataQuery(db, workDir, files, views);
    } catch (e) {
      db?.close();
      await rm(workDir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Starts `sql` (several statements: all run, the last one's rows are returned). */
  async stream(sql: string): Promise<QueryStream> {
    let result: DuckDBResult;
    try {
      result = await this.db.connection.stream(sql);
    } catch (e) {
      throw this.queryError(e);
    }
    const columns: QueryColumn[] = result.deduplicatedColumnNames().map((name, i) => ({ name, type: result.columnType(i).toString() }));
    const integer = columns.map((c) => INTEGER_TYPES.has(c.type));
    const queryError = (e: unknown): MarketfeedError => this.queryError(e);
    async function* batches(): AsyncGenerator<QueryValue[][]> {
      const it = result.yieldRowsJson();
      for (;;) {
        let next;
        try {
          next = await it.next();
        } catch (e) {
          throw queryError(e);
        }
        if (next.done) return;
        yield numbersForIntegers(next.value, integer);
      }
    }
    return { columns, batches: batches() };
  }

  /** Runs `sql` and collects every row. */
  async all(sql: string): Promise<{ columns: QueryColumn[]; rows: QueryValue[][] }> {
    const { columns, batches } = await this.stream(sql);
    const rows: QueryValue[][] = [];
    for await (const batch of batches) for (const row of batch) rows.push(row);
    return { columns, rows };
  }

  async close(): Promise<void> {
    this.db.close();
    await rm(this.workDir, { recursive: true, force: true });
  }

  private queryError(e: unknown): MarketfeedError {
    const msg = duckDbMessage(e);
    const hint = msg.startsWith('Catalog Error') ? ` (views: ${[...this.views, 'data_files'].join(', ')})` : '';
    return new MarketfeedError('MF_ERR_USAGE', `query failed: ${msg}${hint}`, { cause: e });
  }
}

async function run(db: DuckDb, sql: string, context: string): Promise<void> {
  try {
    await db.connection.run(sql);
  } catch (e) {
    throw sqlError(e, context);
  }
}

/** Cuts files a writer still holds open back to complete members; reads each CSV header. */
async function readableFiles(listed: DataFile[], workDir: string): Promise<ReadableFile[]> {
  const out: ReadableFile[] = [];
  let n = 0;
  for (const f of listed) {
    let readPath = f.path;
    if (f.format === 'csv' && (await isBeingWritten(f.path))) {
      readPath = join(workDir, `${++n}_${f.kind}.csv.gz`);
      const walk = await copyCompleteMembers(f.path, readPath).catch(async (e: NodeJS.ErrnoException) => {
        // finished (renamed into place) between listing and reading: read it under its final name
        if (e.code !== 'ENOENT' || !f.path.endsWith(OPEN_SUFFIX)) return undefined;
        return copyCompleteMembers(f.path.slice(0, -OPEN_SUFFIX.length), readPath).catch(() => undefined);
      });
      if (walk === undefined || walk.validBytes === 0) continue;
    }
    const header = f.format === 'csv' ? await readCsvHeader(readPath) : [];
    if (f.format === 'csv' && header.length === 0) continue; // no complete first line yet
    out.push({ ...f, readPath, header });
  }
  return out;
}

async function defineFilesTable(db: DuckDb, files: ReadableFile[]): Promise<void> {
  const values = files.map((f) => `(${[f.path, f.readPath, f.kind, f.format, f.venue, f.symbol, f.symbolFs, f.date]
    .map(sqlString).join(', ')}, ${f.bytes})`);
  await run(db, `CREATE TABLE data_files AS SELECT * FROM (VALUES ${values.join(', ')}) ` +
    't(path, read_path, kind, format, venue, symbol, symbol_fs, date, bytes)', 'listing data files');
}

/**
 * One SELECT per distinct CSV header, one per Parquet layout (stored-layout.ts), one over the
 * Parquet files stored in the view's own types (events; copies made before layouts), UNION ALL in
 * one column order.
 */
async function viewSql(db: DuckDb, kind: OutputKind, files: ReadableFile[]): Promise<string> {
  const csvGroups = new Map<string, { header: string[]; paths: string[] }>();
  const parquetPaths: string[] = [];
  for (const f of files) {
    if (f.format === 'parquet') {
      parquetPaths.push(f.readPath);
      continue;
    }
    const key = f.header.join(',');
    const group = csvGroups.get(key) ?? { header: f.header, paths: [] };
    group.paths.push(f.readPath);
    csvGroups.set(key, group);
  }
  const layouts = await parquetLayouts(db, kind, parquetPaths);
  const plainPaths = parquetPaths.filter((p) => !layouts.paths.has(p));
  const plainSource = `read_parquet([${plainPaths.map(sqlString).join(', ')}], union_by_name = true, filename = true)`;
  let plainColumns: string[] = [];
  if (plainPaths.length > 0) {
    try {
      const described = await db.connection.runAndReadAll(`DESCRIBE SELECT * FROM ${plainSource}`);
      plainColumns = described.getRowObjectsJson().map((r) => String(r.column_name)).filter((c) => c !== 'filename');
    } catch (e) {
      throw sqlError(e, `reading the ${kind} Parquet files`);
    }
  }
  const sources = new Set<string>(sourcesOfTyped(plainColumns));
  for (const g of csvGroups.values()) for (const h of g.header) sources.add(h);
  for (const { layout } of layouts.groups.values()) for (const s of layoutSources(layout)) sources.add(s);
  const cols = typedColumns(kind, sources);
  const partition = PARTITION_COLUMNS.map((c) => `f.${sqlIdent(c)}`).join(', ');
  const join = 'JOIN data_files f ON c.filename = f.read_path';
  const branches: string[] = [];
  for (const g of csvGroups.values()) {
    const has = new Set(g.header);
    const select = cols.map((col) => (has.has(col.source) ? castFromCsv(col, 'c') : nullAs(col))).join(', ');
    branches.push(`SELECT ${select}, ${partition} FROM ${readCsvSql(g.paths, g.header, ', filename = true')} c ${join}`);
  }
  for (const { layout, paths } of layouts.groups.values()) {
    const source = `read_parquet([${paths.map(sqlString).join(', ')}], filename = true)`;
    branches.push(`SELECT ${viewSelect(layout, cols, 'c')}, ${partition} FROM ${source} c ${join}`);
  }
  if (plainPaths.length > 0) {
    const has = new Set(plainColumns);
    const select = cols.map((col) => (has.has(col.name) ? `c.${sqlIdent(col.name)}` : nullAs(col))).join(', ');
    branches.push(`SELECT ${select}, ${partition} FROM ${plainSource} c ${join}`);
  }
  return branches.join(' UNION ALL ');
}

/** The Parquet files that carry a layout, grouped by it (files of one group read as one). */
async function parquetLayouts(db: DuckDb, kind: OutputKind, paths: string[]):
  Promise<{ paths: Set<string>; groups: Map<string, { layout: StoredLayout; paths: string[] }> }> {
  const out = { paths: new Set<string>(), groups: new Map<string, { layout: StoredLayout; paths: string[] }>() };
  if (paths.length === 0) return out;
  let rows: Record<string, unknown>[];
  try {
    const read = await db.connection.runAndReadAll(
      `SELECT file_name, decode(value) AS layout FROM parquet_kv_metadata([${paths.map(sqlString).join(', ')}]) ` +
      `WHERE decode(key) = ${sqlString(LAYOUT_KEY)}`);
    rows = read.getRowObjectsJS() as Record<string, unknown>[];
  } catch (e) {
    throw sqlError(e, `reading the ${kind} Parquet files' metadata`);
  }
  for (const r of rows) {
    const path = String(r.file_name);
    const json = String(r.layout);
    const group = out.groups.get(json) ?? { layout: parseLayout(json, path), paths: [] };
    group.paths.push(path);
    out.groups.set(json, group);
    out.paths.add(path);
  }
  return out;
}

function numbersForIntegers(rows: Json[][], integer: boolean[]): Json[][] {
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (integer[i] && typeof v === 'string') {
        const n = Number(v);
        if (Number.isSafeInteger(n)) row[i] = n;
      }
    }
  }
  return rows;
}
