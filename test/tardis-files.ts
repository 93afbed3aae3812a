// Reading an export as research tools do: the Tardis.dev CSV files of an out dir; the book rebuilt
// from incremental_book_L2 by tardis-dev's own OrderBook; the rows marketfeed's book file implies
// for book_snapshot_25 / _5 and quotes; and what DuckDB's read_csv and pandas make of each file.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expect } from 'vitest';
import { openDuckDb } from '../src/storage/parquet/duckdb.js';
import { splitCsvLine } from './ledger.js';

const require = createRequire(import.meta.url);

export interface TardisFile {
  name: string;
  path: string;
  exchange: string;
  dataType: string;
  /** YYYY-MM-DD */
  day: string;
  symbol: string;
  header: string;
  rows: string[][];
}

const NAME_RE = /^(.+?)_(trades|incremental_book_L2|book_snapshot_25|book_snapshot_5|quotes|derivative_ticker|liquidations)_(\d{4}-\d{2}-\d{2})_(.+)\.csv\.gz$/;

/** Every file of an export, parsed; a name not of Tardis's shape fails the test. */
export function readExport(outDir: string): TardisFile[] {
  return readdirSync(outDir).sort().map((name) => {
    const m = NAME_RE.exec(name);
    expect(m, `file name ${name}`).not.toBeNull();
    const path = join(outDir, name);
    const text = gunzipSync(readFileSync(path)).toString('utf8');
    expect(text.endsWith('\n'), `${name} ends with LF`).toBe(true);
    expect(text.includes('\r'), `${name} has no CR`).toBe(false);
    const lines = text.slice(0, -1).split('\n');
    return { name, path, exchange: m![1], dataType: m![2], day: m![3], symbol: m![4], header: lines[0], rows: lines.slice(1).map(splitCsvLine) };
  });
}

/** All rows of one data type and symbol, in day order. */
export function rowsOf(files: TardisFile[], dataType: string, symbol: string): string[][] {
  return files.filter((f) => f.dataType === dataType && f.symbol === symbol).flatMap((f) => f.rows);
}

const isoDay = (localTsUs: string): string => new Date(Number(localTsUs) / 1000).toISOString().slice(0, 10);

// --- what the book file implies -------------------------------------------------------------------

/** A book file row (timestamp,local_timestamp,update_id,bid1…bidD,ask1…askD) as a Tardis snapshot row of n levels. */
export function snapshotOf(prefix: string[], r: string[], depth: number, n: number): string[] {
  const out = [...prefix, r[0], r[1]];
  for (let i = 0; i < n; i++) {
    const a = 3 + 2 * depth + 2 * i;
    const b = 3 + 2 * i;
    out.push(i < depth ? r[a] : '', i < depth ? r[a + 1] : '', i < depth ? r[b] : '', i < depth ? r[b + 1] : '');
  }
  return out;
}

/** A book file row's best bid/ask as a quotes row (ask_amount,ask_price,bid_price,bid_amount). */
export function quoteOf(prefix: string[], r: string[], depth: number): string[] {
  const a = 3 + 2 * depth;
  return [...prefix, r[0], r[1], r[a + 1], r[a], r[3], r[4]];
}

/** Rows whose values (after the times) equal the previous row's are dropped, except a day's first. */
export function changesOnly(rows: string[][]): string[][] {
  const out: string[][] = [];
  let last: string[] | undefined;
  for (const r of rows) {
    if (last !== undefined && isoDay(last[3]) === isoDay(r[3]) && r.slice(4).join(',') === last.slice(4).join(',')) continue;
    out.push(r);
    last = r;
  }
  return out;
}

// --- the book rebuilt from incremental_book_L2 ------------------------------------------------------

interface Group {
  localTs: number;
  /** The exchange timestamp of the rows (one update's rows share it). */
  ts: number;
  change: { type: 'book_change'; isSnapshot: boolean; bids: { price: number; amount: number }[]; asks: { price: number; amount: number }[] };
}

/** Rows as the messages a reader hands its book: a run of is_snapshot rows, or rows of one update. */
function groupsOf(rows: string[][]): Group[] {
  const groups: Group[] = [];
  let g: Group | undefined;
  let key = '';
  for (const r of rows) {
    const snap = r[4] === 'true';
    const k = snap ? 'snapshot' : `${r[2]} ${r[3]}`;
    if (g === undefined || k !== key || g.change.isSnapshot !== snap) {
      g = { localTs: Number(r[3]), ts: Number(r[2]), change: { type: 'book_change', isSnapshot: snap, bids: [], asks: [] } };
      groups.push(g);
      key = k;
    }
    (r[5] === 'bid' ? g.change.bids : g.change.asks).push({ price: Number(r[6]), amount: Number(r[7]) });
  }
  return groups;
}

interface TardisOrderBook {
  update(change: Group['change']): void;
  bids(): IterableIterator<{ price: number; amount: number }>;
  asks(): IterableIterator<{ price: number; amount: number }>;
}

function top(it: IterableIterator<{ price: number; amount: number }>, n: number): number[][] {
  const out: number[][] = [];
  for (const l of it) {
    if (out.length === n) break;
    out.push([l.price, l.amount]);
  }
  return out;
}

function rowLevels(r: string[], depth: number, first: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < depth && r[first + 2 * i] !== ''; i++) out.push([Number(r[first + 2 * i]), Number(r[first + 2 * i + 1])]);
  return out;
}

/**
 * Replays incremental_book_L2 into tardis-dev's OrderBook and checks it against every book file
 * row: the book after every exported row up to the row's local_timestamp shows the row's top N.
 * A resync is the exception: the export stamps the snapshot and the updates that were buffered
 * while it was on its way with the snapshot's time, but the book rows made from those updates
 * carry their own (earlier) receive times. Such a row is the snapshot plus the buffered updates
 * up to its own exchange timestamp; two buffered updates with the same exchange timestamp are one
 * message to a reader, so the state between them is not comparable and the row after both is.
 * Returns how many rows were compared, how many of them were such rows, and how many were passed
 * over as states between two updates of one message.
 */
export function rebuildAgainstBookRows(l2: string[][], bookRows: string[][], depth: number): { compared: number; afterSnapshot: number; between: number } {
  const { OrderBook } = require('tardis-dev') as { OrderBook: new () => TardisOrderBook };
  const ob = new OrderBook();
  const groups = groupsOf(l2);
  let gi = 0;
  let compared = 0;
  let afterSnapshot = 0;
  let between = 0;
  /** local_timestamp of the resync being stepped through (-1: none). */
  let burst = -1;
  const same = (r: string[]): boolean => {
    const bids = top(ob.bids(), depth);
    const asks = top(ob.asks(), depth);
    return JSON.stringify(bids) === JSON.stringify(rowLevels(r, depth, 3)) && JSON.stringify(asks) === JSON.stringify(rowLevels(r, depth, 3 + 2 * depth));
  };
  for (let i = 0; i < bookRows.length; i++) {
    const r = bookRows[i];
    const at = Number(r[1]);
    const ts = Number(r[0]);
    while (gi < groups.length && groups[gi].localTs <= at) ob.update(groups[gi++].change);
    if (gi < groups.length && groups[gi].change.isSnapshot && !same(r)) {
      burst = groups[gi].localTs;
      ob.update(groups[gi++].change);
    }
    const inBurst = gi < groups.length && groups[gi].localTs === burst;
    if (inBurst) {
      while (gi < groups.length && groups[gi].localTs === burst && !groups[gi].change.isSnapshot && groups[gi].ts <= ts) ob.update(groups[gi++].change);
      afterSnapshot++;
      if (i + 1 < bookRows.length && bookRows[i + 1][0] === r[0] && Number(bookRows[i + 1][1]) < burst && !same(r)) {
        between++;
        continue;
      }
    }
    compared++;
    expect({ bids: top(ob.bids(), depth), asks: top(ob.asks(), depth) }, `rebuilt book at book row ${r[1]} (update ${r[2]})`)
      .toEqual({ bids: rowLevels(r, depth, 3), asks: rowLevels(r, depth, 3 + 2 * depth) });
  }
  return { compared, afterSnapshot, between };
}

// --- DuckDB and pandas ----------------------------------------------------------------------------

export interface ReaderView {
  columns: string[];
  types: string[];
  rows: number;
  /** Non-empty values per column. */
  counts: number[];
}

export async function duckdbRead(paths: string[]): Promise<Map<string, ReaderView>> {
  const db = await openDuckDb();
  const out = new Map<string, ReaderView>();
  try {
    for (const p of paths) {
      const src = `read_csv('${p.replace(/'/g, "''")}', header = true)`;
      const described = (await db.connection.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`)).getRowObjectsJson();
      const columns = described.map((d) => String(d.column_name));
      const counts = (await db.connection.runAndReadAll(`SELECT count(*), ${columns.map((c) => `count("${c}")`).join(', ')} FROM ${src}`)).getRows()[0].map(Number);
      out.set(p, { columns, types: described.map((d) => String(d.column_type)), rows: counts[0], counts: counts.slice(1) });
    }
  } finally {
    db.close();
  }
  return out;
}

/** Debian's python3-pandas lives under /usr/bin/python3 (a pyenv `python3` first on PATH may lack it). */
export function pandasPython(): string {
  for (const py of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(py, ['-c', 'import pandas'], { stdio: 'ignore' }).status === 0) return py;
  }
  throw new Error('pandas is missing: apt-get install python3-pandas (.ci/run installs it)');
}

const PANDAS_READ = `
import json, sys
import pandas as pd
out = {}
for p in json.loads(sys.argv[1]):
    df = pd.read_csv(p)
    out[p] = {"columns": list(df.columns), "types": [str(t) for t in df.dtypes], "rows": len(df), "counts": [int(c) for c in df.count()]}
print(json.dumps(out))
`;

export function pandasRead(paths: string[]): Map<string, ReaderView> {
  const text = execFileSync(pandasPython(), ['-c', PANDAS_READ, JSON.stringify(paths)], { encoding: 'utf8', maxBuffer: 1 << 26 });
  return new Map(Object.entries(JSON.parse(text) as Record<string, ReaderView>));
}

/** The type a reader should give each Tardis column (a column with no value at all is checked apart). */
export function tardisColumnKind(column: string): 'text' | 'integer' | 'decimal' | 'boolean' | 'id' {
  if (column === 'exchange' || column === 'symbol' || column === 'side') return 'text';
  if (column === 'timestamp' || column === 'local_timestamp' || column === 'funding_timestamp') return 'integer';
  if (column === 'is_snapshot') return 'boolean';
  if (column === 'id') return 'id';
  return 'decimal';
}
