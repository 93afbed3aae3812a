// How a CSV part is laid out in its Parquet copy, and how the query views read it back into the
// typed shape of columns.ts (so a query gives the same answer from either form).
//
// - Times, ids and text columns are stored as columns.ts types them (BIGINT / VARCHAR).
// - Prices and quantities are DECIMALs at the part's own precision (decimal-format.ts), each with
//   a sparse `<name>_verbatim` VARCHAR holding the venue's text only where the DECIMAL cannot.
// - Book levels below the top are lists, one per side and field (`bid_prices` = [bid2_price, …,
//   bidN_price]), not N-1 columns each. Consecutive book rows mostly repeat the previous row's
//   levels, often shifted by one when a level comes or goes: in one flat list column those
//   repeats sit a few values apart and zstd finds them, as gzip does in the CSV lines; spread
//   over N columns a shift changes every column below it. The top level keeps its own columns
//   (bid1_price …): most queries read only it, and a list is read whole. Measured on a 20 s,
//   20-level Binance sim recording, zstd 9, parquet/csv.gz: 2.6x as 80 DECIMAL columns, 0.55x
//   as four lists, 0.63–0.70x as top level + lists; the last answers `avg(bid1_price)` about 4x
//   faster than four lists (the DOUBLE + text columns written before layouts: 2x faster again,
//   at 5x the csv.gz).
//
// The layout is stored as JSON in the file's key-value metadata (LAYOUT_KEY); a Parquet file
// without it has the view's own columns (events, and copies made before layouts existed).
import { MarketfeedError } from '../../core/errors.js';
import {
  canonicalSources, INTEGER_COLUMNS, isDecimalSource, nullAs, sqlIdent, sqlString, type OutputKind, type TypedColumn,
} from './columns.js';
import {
  checkFormat, chooseFormat, decimalType, doubleSql, exactSql, exactTextSql, shapesSql, type DecimalFormat, type DecimalShape,
} from './decimal-format.js';

export const LAYOUT_KEY = 'marketfeed_layout';
export const VERBATIM_SUFFIX = '_verbatim';

export interface DecimalColumn {
  /** Parquet column name: the CSV name, or `<side>_<field>s` for the list of book levels 2..N. */
  name: string;
  /** The CSV columns it holds: one, or the levels of a list in order. */
  sources: string[];
  list: boolean;
  format: DecimalFormat;
}

export interface StoredLayout {
  v: 1;
  /** CSV columns stored as themselves (BIGINT or VARCHAR, by columns.ts's rules). */
  plain: string[];
  decimal: DecimalColumn[];
}

/** A decimal column before its format is known. */
export type DecimalGroup = Omit<DecimalColumn, 'format'>;

const LEVEL_RE = /^(bid|ask)(\d+)_(price|qty)$/;

/** Splits a CSV header into plain columns and decimal groups (book levels grouped per side and field). */
export function groupColumns(kind: OutputKind, header: readonly string[]): { plain: string[]; decimal: DecimalGroup[] } {
  const plain: string[] = [];
  const byName = new Map<string, DecimalGroup>();
  for (const source of canonicalSources(kind, header)) {
    if (!isDecimalSource(source)) {
      plain.push(source);
      continue;
    }
    const level = LEVEL_RE.exec(source);
    const deep = level !== null && level[2] !== '1';
    const name = deep ? `${level[1]}_${level[3]}s` : source;
    const group = byName.get(name) ?? { name, sources: [], list: deep };
    group.sources.push(source);
    byName.set(name, group);
  }
  return { plain, decimal: [...byName.values()] };
}

/** Parquet column names in file order: each CSV column where it sits in canonical order, a list where its first level sits. */
function storedOrder(layout: StoredLayout, kind: OutputKind): Array<string | DecimalColumn> {
  const first = new Map<string, DecimalColumn>();
  for (const d of layout.decimal) first.set(d.sources[0], d);
  const plain = new Set(layout.plain);
  const order: Array<string | DecimalColumn> = [];
  for (const s of canonicalSources(kind, [...layout.plain, ...layout.decimal.flatMap((d) => d.sources)])) {
    if (plain.has(s)) order.push(s);
    else if (first.has(s)) order.push(first.get(s)!);
  }
  return order;
}

/** The stats pass (decimal-format.ts): the shapes of each decimal group's values. `from` is a read_csv(…) of the part. */
export function shapesPassSql(groups: readonly DecimalGroup[], from: string): string {
  const names = groups.map((g) => sqlString(g.name)).join(', ');
  const lists = groups.map((g) => `[${g.sources.map(sqlIdent).join(', ')}]`).join(', ');
  return shapesSql(`SELECT DISTINCT g, unnest(l) AS x FROM (SELECT unnest([${names}]) AS g, unnest([${lists}]) AS l FROM ${from})`);
}

/**
 * The SELECT that turns an all-VARCHAR read of the CSV (`from`) into the stored columns. Rows keep
 * file order, which is time order: a part is written by one recorder process in the order frames
 * arrive, stamped by a clock that never steps back within a process (core/time.ts), so
 * local_timestamp never decreases and row groups' min/max let a time filter skip them. Sorting
 * again would hold the whole part in memory (a day of a busy book is gigabytes as DuckDB rows)
 * instead of one row group at a time.
 */
export function writeSql(kind: OutputKind, layout: StoredLayout, from: string): string {
  const l1: string[] = [];
  const l2: string[] = [];
  const l3: string[] = [];
  const at = new Map<string, number>();
  const x = (s: string): string => `x${at.get(s)}`;
  const add = (s: string): void => {
    const i = at.size;
    at.set(s, i);
    l1.push(`${sqlIdent(s)} AS x${i}`);
    l2.push(`x${i}`);
  };
  for (const s of layout.plain) add(s);
  for (const d of layout.decimal) {
    for (const s of d.sources) {
      add(s);
      const i = at.get(s)!;
      l1.push(`TRY_CAST(${sqlIdent(s)} AS ${decimalType(d.format)}) AS t${i}`);
      // k: the DECIMAL stands for the text exactly (an empty cell needs no verbatim text either)
      l2.push(`t${i}`, `(x${i} IS NULL OR COALESCE(${exactSql(`t${i}`, `x${i}`, d.format)}, false)) AS k${i}`);
    }
  }
  for (const col of storedOrder(layout, kind)) {
    if (typeof col === 'string') {
      l3.push(INTEGER_COLUMNS.has(col) ? `TRY_CAST(${x(col)} AS BIGINT) AS ${sqlIdent(col)}` : `${x(col)} AS ${sqlIdent(col)}`);
      continue;
    }
    const idx = col.sources.map((s) => at.get(s)!);
    const typed = idx.map((i) => `CASE WHEN k${i} THEN t${i} END`);
    const verbatim = idx.map((i) => `CASE WHEN k${i} THEN NULL ELSE x${i} END`);
    if (!col.list) {
      l3.push(`${typed[0]} AS ${sqlIdent(col.name)}`, `${verbatim[0]} AS ${sqlIdent(col.name + VERBATIM_SUFFIX)}`);
    } else {
      l3.push(`[${typed.join(', ')}] AS ${sqlIdent(col.name)}`);
      // one NULL per row when every level is exact, rather than a list of NULLs
      l3.push(`CASE WHEN ${idx.map((i) => `k${i}`).join(' AND ')} THEN NULL ELSE [${verbatim.join(', ')}] END AS ${sqlIdent(col.name + VERBATIM_SUFFIX)}`);
    }
  }
  return `SELECT ${l3.join(', ')} FROM (SELECT ${l2.join(', ')} FROM (SELECT ${l1.join(', ')} FROM ${from}))`;
}

/** The view's select list for files of one layout: every view column, NULL where the layout lacks it. */
export function viewSelect(layout: StoredLayout, cols: readonly TypedColumn[], q: string): string {
  const plain = new Set(layout.plain);
  const where = new Map<string, { d: DecimalColumn; i: number }>();
  for (const d of layout.decimal) d.sources.forEach((s, i) => where.set(s, { d, i }));
  return cols.map((col) => {
    const out = sqlIdent(col.name);
    if (col.name === col.source && col.type !== 'DOUBLE') return plain.has(col.source) ? `${q}.${sqlIdent(col.source)} AS ${out}` : nullAs(col);
    const at = where.get(col.source);
    if (at === undefined) return nullAs(col);
    const pick = (name: string): string => (at.d.list ? `${q}.${sqlIdent(name)}[${at.i + 1}]` : `${q}.${sqlIdent(name)}`);
    const typed = pick(at.d.name);
    const verbatim = pick(at.d.name + VERBATIM_SUFFIX);
    return col.type === 'DOUBLE' ? `${doubleSql(typed, verbatim)} AS ${out}` : `${exactTextSql(typed, verbatim, at.d.format)} AS ${out}`;
  }).join(', ');
}

/** The CSV columns a layout holds. */
export function layoutSources(layout: StoredLayout): string[] {
  return [...layout.plain, ...layout.decimal.flatMap((d) => d.sources)];
}

/** Builds the layout from the stats pass's shapes per group (a group with no values has none). */
export function planLayout(groups: { plain: string[]; decimal: DecimalGroup[] }, shapes: ReadonlyMap<string, DecimalShape[]>): StoredLayout {
  return {
    v: 1,
    plain: groups.plain,
    decimal: groups.decimal.map((g) => ({ ...g, format: chooseFormat(shapes.get(g.name) ?? []) })),
  };
}

/** A layout read back from a file's metadata; MF_ERR_USAGE names the file when it is not one we wrote. */
export function parseLayout(json: string, path: string): StoredLayout {
  try {
    const o = JSON.parse(json) as StoredLayout;
    if (o.v !== 1 || !Array.isArray(o.plain) || !Array.isArray(o.decimal)) throw new Error(`layout version ${String(o.v)}`);
    for (const p of o.plain) if (typeof p !== 'string') throw new Error('plain column names');
    for (const d of o.decimal) {
      if (typeof d.name !== 'string' || !Array.isArray(d.sources) || d.sources.length === 0 || typeof d.list !== 'boolean') {
        throw new Error('decimal columns');
      }
      checkFormat(d.format);
    }
    return o;
  } catch (e) {
    throw new MarketfeedError('MF_ERR_USAGE', `${path}: unreadable ${LAYOUT_KEY} metadata (${(e as Error).message})`, { path, cause: e });
  }
}
