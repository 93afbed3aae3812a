// marketfeed query "<sql>": SQL over the data directory (views trades, book, events, data_files;
// src/storage/parquet/query.ts). Output: a table on a terminal, CSV otherwise, JSON with
// --format json. Bad SQL, an empty data dir or an unknown view: one line on stderr, exit 2.
import { Command } from 'commander';
import { isMarketfeedError, MarketfeedError } from '../core/errors.js';
import { csvField } from '../storage/csv.js';
import { DataQuery, type QueryColumn, type QueryValue } from '../storage/parquet/query.js';
import { addConfigOptions, configFromFlags } from './config-flags.js';
import { EXIT_OK, EXIT_USAGE, reportFatal } from './exit.js';

export const QUERY_FORMATS = ['table', 'csv', 'json'] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

export interface QueryIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Whether stdout is a terminal: the default format is then `table`. */
  isTTY: boolean;
}

export const queryCommand = addConfigOptions(
  new Command('query')
    .description('Run SQL over the data directory: views trades, book, events (CSV.gz and Parquet, partition columns venue, symbol, symbol_fs, date) and data_files')
    .argument('<sql>', `e.g. "select side, count(*), sum(qty) from trades where symbol='BTC/USDT' group by 1"`)
    .option('--format <format>', `${QUERY_FORMATS.join(' | ')} (default: table on a terminal, csv otherwise)`),
  (path) => path === 'dataDir',
).action(async (sql: string, opts: Record<string, unknown>) => {
  let dataDir: string;
  try {
    dataDir = configFromFlags(opts).dataDir;
  } catch (e) {
    process.exitCode = reportFatal(e);
    return;
  }
  process.stdout.on('error', () => undefined); // `| head` closing the pipe is not an error of ours
  process.exitCode = await runQuery(sql, { dataDir, format: opts.format as string | undefined }, {
    stdout: process.stdout, stderr: process.stderr, isTTY: process.stdout.isTTY === true,
  });
});

/** The command without commander: returns the exit code (0, or 2 on bad input). */
export async function runQuery(sql: string, opts: { dataDir: string; format?: string }, io: QueryIo): Promise<number> {
  let query: DataQuery | undefined;
  try {
    const format = pickFormat(opts.format, io.isTTY);
    query = await DataQuery.open({ dataDir: opts.dataDir });
    const { columns, batches } = await query.stream(sql);
    if (format === 'table') {
      const rows: QueryValue[][] = [];
      for await (const batch of batches) for (const row of batch) rows.push(row);
      await write(io.stdout, formatTable(columns, rows));
    } else {
      const names = columns.map((c) => c.name);
      let first = true;
      await write(io.stdout, format === 'csv' ? names.map(csvField).join(',') + '\n' : '[');
      for await (const batch of batches) {
        await write(io.stdout, format === 'csv' ? csvRows(batch) : jsonRows(names, batch, first));
        first = false;
      }
      if (format === 'json') await write(io.stdout, first ? ']\n' : '\n]\n');
    }
    return EXIT_OK;
  } catch (e) {
    if (isMarketfeedError(e) && e.recovery === 'fatal') {
      io.stderr.write(`marketfeed: ${e.message}\n`);
      return EXIT_USAGE;
    }
    return reportFatal(e);
  } finally {
    await query?.close();
  }
}

function pickFormat(format: string | undefined, isTTY: boolean): QueryFormat {
  if (format === undefined) return isTTY ? 'table' : 'csv';
  if ((QUERY_FORMATS as readonly string[]).includes(format)) return format as QueryFormat;
  throw new MarketfeedError('MF_ERR_USAGE', `unknown --format ${JSON.stringify(format)}`, { expected: QUERY_FORMATS.join(' | '), got: format });
}

/** Waits for 'drain' when the stream's buffer is full, so a large result never piles up in memory. */
function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (text.length === 0 || out.write(text)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      out.off('drain', done);
      out.off('close', done);
      out.off('error', done);
      resolve();
    };
    out.on('drain', done).on('close', done).on('error', done);
  });
}

/** A value as text: NULL is empty, lists and structs are their JSON. */
function cellText(v: QueryValue): string {
  if (v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function csvRows(rows: QueryValue[][]): string {
  let text = '';
  for (const row of rows) text += row.map((v) => csvField(cellText(v))).join(',') + '\n';
  return text;
}

function jsonRows(names: string[], rows: QueryValue[][], first: boolean): string {
  let text = '';
  for (let r = 0; r < rows.length; r++) {
    const obj: Record<string, QueryValue> = {};
    for (let i = 0; i < names.length; i++) obj[names[i]] = rows[r][i];
    text += (first && r === 0 ? '\n' : ',\n') + JSON.stringify(obj);
  }
  return text;
}

const MAX_CELL = 60;
const NUMERIC_RE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|U\w*INT|FLOAT|DOUBLE|DECIMAL)/;

/** Aligned columns for a terminal; numbers right-aligned, long cells cut with '…'. */
export function formatTable(columns: QueryColumn[], rows: QueryValue[][]): string {
  const cells = rows.map((row) => row.map((v) => {
    const t = v === null ? 'NULL' : cellText(v).replace(/\s/g, ' ');
    return t.length > MAX_CELL ? t.slice(0, MAX_CELL - 1) + '…' : t;
  }));
  const widths = columns.map((c, i) => cells.reduce((w, row) => Math.max(w, row[i].length), c.name.length));
  const right = columns.map((c) => NUMERIC_RE.test(c.type));
  const line = (vals: string[]): string =>
    vals.map((v, i) => (right[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd() + '\n';
  let text = line(columns.map((c) => c.name));
  text += line(widths.map((w) => '-'.repeat(w)));
  for (const row of cells) text += line(row);
  return text + `(${rows.length} row${rows.length === 1 ? '' : 's'})\n`;
}
