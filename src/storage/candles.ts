// Files written by `marketfeed history`, in the recorder's day layout (layout.ts):
//   <dayDir>/candles_<SYMBOL_FS>_<timeframe>_<YYYYMMDD>.csv.gz   timestamp,open,high,low,close,volume,trades,synthetic
//   <dayDir>/trades_<SYMBOL_FS>_<YYYYMMDD>.csv.gz                 the recorder's trades file (csv.ts)
// each with its .parquet copy, and a hidden `.<file>.coverage.json` beside it listing the µs
// ranges already fetched (history/sync.ts resumes from it; without the data file it is ignored).
// `history candles --combine-local` adds `.<file>.combine.json` (history/combine-sync.ts's report:
// each bar's source and the mismatches), and reads the recorder's trades and events parts
// (recordedDays).
// A day file is rewritten whole (sorted, de-duplicated) to a temp name, fsynced and renamed, so
// a reader never sees half a file. A trades file a recorder is still appending to (its
// `.writing` marker is present) is never rewritten.
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { MarketfeedError } from '../core/errors.js';
import type { Trade } from '../core/events.js';
import { TRADES_HEADER, tradeRow } from './csv.js';
import { dayDir, dayPaths, partsOf, symbolDirName, venueLabelFs } from './layout.js';
import { castFromCsv, readCsvSql, sqlString, type TypedColumn } from './parquet/columns.js';
import { parquetPathFor, writeParquet } from './parquet/convert.js';
import { openDuckDb, sqlError } from './parquet/duckdb.js';
import { isBeingWritten } from './parquet/source.js';
import { readCsv } from './read.js';
import { fsyncPath } from './fsync.js';
import type { Bar } from '../core/bar.js';

const gzipAsync = promisify(gzip);

export const CANDLES_HEADER = 'timestamp,open,high,low,close,volume,trades,synthetic\n';
const TIMEFRAME_RE = /^[1-9]\d{0,3}[smhdwM]$/;

/** One candle row: a Bar (core/bar.ts). `trades` -1 = unknown, written as an empty cell. */
export type CandleRow = Bar;

/** µs ranges [from, to) already fetched for a day file. */
export type Coverage = Array<[number, number]>;

export interface DayFile<T> {
  rows: T[];
  coverage: Coverage;
}

/** `candles_BTCUSDT_1m_20260101.csv.gz` */
export function candleFileName(symbol: string, timeframe: string, yyyymmdd: string): string {
  if (!TIMEFRAME_RE.test(timeframe)) {
    throw new MarketfeedError('MF_ERR_USAGE', `timeframe ${JSON.stringify(timeframe)} cannot be used in a file name`, { expected: 'e.g. 1m, 4h, 1d', got: timeframe });
  }
  return `candles_${symbolDirName(symbol)}_${timeframe}_${yyyymmdd}.csv.gz`;
}

export function candlePath(dataDir: string, venue: string, symbol: string, timeframe: string, yyyymmdd: string): string {
  return join(dayDir(dataDir, venue, symbol, yyyymmdd), candleFileName(symbol, timeframe, yyyymmdd));
}

export function candleRow(c: CandleRow): string {
  return c.ts + ',' + c.open + ',' + c.high + ',' + c.low + ',' + c.close + ',' + c.volume + ',' +
    (c.trades < 0 ? '' : c.trades) + ',' + (c.synthetic ? '1' : '0') + '\n';
}

function coveragePath(path: string): string {
  return join(dirname(path), `.${basename(path)}.coverage.json`);
}

/** `.<candle file>.combine.json`: the report of `history candles --combine-local`. */
export function combineReportPath(candleFile: string): string {
  return join(dirname(candleFile), `.${basename(candleFile)}.combine.json`);
}

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

async function readCoverage(path: string): Promise<Coverage> {
  try {
    const parsed: unknown = JSON.parse(await readFile(coveragePath(path), 'utf8'));
    const ranges = (parsed as { ranges?: unknown }).ranges;
    if (!Array.isArray(ranges)) return [];
    return ranges.filter((r): r is [number, number] => Array.isArray(r) && r.length === 2 && r.every(Number.isSafeInteger));
  } catch {
    return []; // missing or unreadable: everything is fetched again, which is safe
  }
}


let tempSeq = 0;

/** Writes `bytes` to path via a temp file + fsync + rename. */
async function writeAtomic(path: string, bytes: Buffer | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${++tempSeq}`);
  try {
    await writeFile(temp, bytes);
    await fsyncPath(temp);
    await rename(temp, path);
  } catch (cause) {
    await rm(temp, { force: true });
    throw new MarketfeedError('MF_ERR_WRITE_FAILED', `could not write ${path}`, { cause });
  }
  await fsyncPath(dirname(path)).catch(() => undefined);
}

/** Rows of a candle file (none when it does not exist). */
export async function readCandles(path: string): Promise<CandleRow[]> {
  if (!(await exists(path))) return [];
  const { rows } = await readCsv(path);
  const out: CandleRow[] = [];
  for (const r of rows) {
    if (r.length < 8) continue;
    out.push({
      ts: Number(r[0]), open: r[1], high: r[2], low: r[3], close: r[4], volume: r[5],
      trades: r[6] === '' ? -1 : Number(r[6]), synthetic: r[7] === '1',
    });
  }
  return out;
}

const CANDLE_COLUMNS: TypedColumn[] = [
  { name: 'timestamp', type: 'BIGINT', source: 'timestamp' },
  ...['open', 'high', 'low', 'close', 'volume'].flatMap((n): TypedColumn[] => [
    { name: n, type: 'DOUBLE', source: n },
    { name: `${n}_text`, type: 'VARCHAR', source: n },
  ]),
  { name: 'trades', type: 'BIGINT', source: 'trades' },
  { name: 'synthetic', type: 'BIGINT', source: 'synthetic' },
];

/** The .parquet copy of a candle file (zstd; prices as DOUBLE plus their exact `_text`). */
export async function writeCandlesParquet(csvGzPath: string): Promise<string> {
  const out = parquetPathFor(csvGzPath);
  const temp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}-${++tempSeq}`);
  const header = CANDLES_HEADER.trimEnd().split(',');
  const db = await openDuckDb();
  try {
    const select = CANDLE_COLUMNS.map((c) => castFromCsv(c)).join(', ');
    const sql = `COPY (SELECT ${select} FROM ${readCsvSql([csvGzPath], header)}) TO ${sqlString(temp)} (FORMAT parquet, COMPRESSION zstd)`;
    try {
      await db.connection.run(sql);
    } catch (e) {
      throw sqlError(e, `converting ${csvGzPath} to Parquet`);
    }
    await fsyncPath(temp);
    await rename(temp, out);
    return out;
  } finally {
    db.close();
    await rm(temp, { force: true });
  }
}

export interface DayFilesOptions {
  dataDir: string;
  venue: string;
  symbol: string;
  /** Also write the .parquet copy (default true). */
  parquet?: boolean;
}

/** Candle day files of one venue, symbol and timeframe (history/sync.ts's DayStore). */
export class CandleDayFiles {
  constructor(private readonly opts: DayFilesOptions & { timeframe: string }) {
    candleFileName(opts.symbol, opts.timeframe, '19700101'); // validates symbol and timeframe now
  }

  path(day: string): string {
    const o = this.opts;
    return candlePath(o.dataDir, o.venue, o.symbol, o.timeframe, day);
  }

  async read(day: string): Promise<DayFile<CandleRow>> {
    const path = this.path(day);
    const rows = await readCandles(path);
    return { rows, coverage: rows.length > 0 || (await exists(path)) ? await readCoverage(path) : [] };
  }

  async write(day: string, file: DayFile<CandleRow>): Promise<void> {
    const path = this.path(day);
    const rows = [...file.rows].sort((a, b) => a.ts - b.ts);
    let text = CANDLES_HEADER;
    for (const r of rows) text += candleRow(r);
    await writeAtomic(path, await gzipAsync(text));
    if (this.opts.parquet !== false) await writeCandlesParquet(path);
    await writeAtomic(coveragePath(path), JSON.stringify({ ranges: file.coverage }) + '\n');
  }

  /** The day's combine report as parsed JSON; undefined when there is none (or it is unreadable). */
  async readReport(day: string): Promise<unknown> {
    try {
      return JSON.parse(await readFile(combineReportPath(this.path(day)), 'utf8')) as unknown;
    } catch {
      return undefined;
    }
  }

  async writeReport(day: string, report: object): Promise<void> {
    await writeAtomic(combineReportPath(this.path(day)), JSON.stringify(report, null, 1) + '\n');
  }
}

/** One recorded day of one (venue label, symbol): its trades and events parts, in part order. */
export interface RecordedDay {
  day: string;
  trades: string[];
  events: string[];
}

/**
 * The days `marketfeed record` wrote under `<dataDir>/<label>/<SYMBOL_FS>/`, oldest first, with
 * every part of each (rotation parts and a part still being written, `.open`, included).
 */
export async function recordedDays(dataDir: string, label: string, symbol: string): Promise<RecordedDay[]> {
  const fs = symbolDirName(symbol);
  const dir = join(dataDir, venueLabelFs(label), fs);
  let days: string[];
  try {
    days = (await readdir(dir)).filter((d) => /^\d{8}$/.test(d)).sort();
  } catch {
    return [];
  }
  const out: RecordedDay[] = [];
  for (const day of days) {
    const names = await readdir(join(dir, day)).catch((): string[] => []);
    const of = (kind: 'trades' | 'events'): string[] => partsOf(names, kind, fs, day).map((p) => join(dir, day, p.name));
    out.push({ day, trades: of('trades'), events: of('events') });
  }
  return out;
}

/** History trades in the recorder's trades day files (history/sync.ts's DayStore). */
export class TradeDayFiles {
  constructor(private readonly opts: DayFilesOptions) {
    symbolDirName(opts.symbol);
  }

  path(day: string): string {
    const o = this.opts;
    return dayPaths(o.dataDir, o.venue, o.symbol, day).trades;
  }

  async read(day: string): Promise<DayFile<Trade>> {
    const path = this.path(day);
    if (!(await exists(path))) return { rows: [], coverage: [] };
    await this.refuseIfRecording(path);
    const { header, rows } = await readCsv(path);
    const col = (name: string): number => header.indexOf(name);
    const [ts, price, qty, side, id, local] = ['timestamp', 'price', 'qty', 'side', 'id', 'local_timestamp'].map(col);
    const out: Trade[] = [];
    for (const r of rows) {
      if (r.length < header.length) continue;
      const s = r[side];
      out.push({
        type: 'trade', venue: this.opts.venue, symbol: this.opts.symbol, venueSymbol: symbolDirName(this.opts.symbol),
        ts: Number(r[ts]), localTs: Number(r[local]), id: r[id], price: r[price], amount: r[qty],
        side: s === 'buy' || s === 'sell' ? s : 'unknown',
      });
    }
    return { rows: out, coverage: await readCoverage(path) };
  }

  async write(day: string, file: DayFile<Trade>): Promise<void> {
    const path = this.path(day);
    await this.refuseIfRecording(path);
    let text = TRADES_HEADER;
    for (const t of file.rows) text += tradeRow(t);
    await writeAtomic(path, await gzipAsync(text));
    if (this.opts.parquet !== false) await writeParquet(path, 'trades');
    await writeAtomic(coveragePath(path), JSON.stringify({ ranges: file.coverage }) + '\n');
  }

  private async refuseIfRecording(path: string): Promise<void> {
    if (await isBeingWritten(path)) {
      throw new MarketfeedError('MF_ERR_USAGE', `${path} is being written by a recorder; history will not rewrite it`, {
        expected: 'a day no recorder is writing (or stop the recorder first)', got: path,
      });
    }
  }
}
