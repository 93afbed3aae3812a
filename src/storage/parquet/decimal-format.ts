// Prices and quantities in Parquet as DECIMAL at the part's own precision, with the venue's exact
// text rebuilt from the number. Venues write decimals in one of two ways: padded to a fixed number
// of fractional digits (Binance `60000.07000000`, Kraken `0.10000`) or trimmed (OKX `0.1`, `100`).
// A part's own text says which (one pass over its distinct values), and how many fractional digits
// the numbers need (the scale: Binance's `60000.07000000` needs 2, so it is stored as 6000007 with
// scale 2, in 4 bytes instead of a 14-character string).
//
// Exactness is checked value by value as the part is written, never assumed: a value is stored as
// a DECIMAL only when the text rebuilt from it is the venue's text and its DOUBLE is the DOUBLE the
// text parses to; every other value (more digits than the scale, a sign or exponent, `-0`, junk)
// keeps its text verbatim in a sparse `<name>_verbatim` column, and its DECIMAL is NULL. So a
// reader gets back exactly what the CSV holds, by construction.
import { MarketfeedError } from '../../core/errors.js';

/** How one decimal column (or list of columns) is stored. */
export interface DecimalFormat {
  /** Fractional digits of the stored DECIMAL. */
  scale: number;
  /** DECIMAL width: 9 (stored as INT32) or 18 (INT64). */
  width: 9 | 18;
  /** The venue's text: always this many fractional digits, or `trim` (no trailing zeros, no lone dot). */
  text: number | 'trim';
}

/**
 * What the stats pass learns about a column: how many distinct values have each shape. `integer`
 * counts the characters before the dot (a sign included), `fraction` those after it,
 * `significant` those after it up to the last non-zero digit; `untrimmed` is a trailing zero after
 * the dot or a trailing dot (text a trimmed format cannot produce).
 */
export interface DecimalShape {
  integer: number;
  fraction: number;
  significant: number;
  untrimmed: boolean;
  values: number;
}

const MAX_WIDTH = 18; // beyond 18 digits DuckDB's DECIMAL is a 128-bit integer: slower, and rarer than verbatim text

/**
 * The format that reproduces most of a column's values (all of them when the venue writes
 * consistently): the commonest text style, and the integer/fraction split of 18 digits that holds
 * the most values, so one odd value (a 17-digit price) does not cost all others their precision.
 */
export function chooseFormat(shapes: readonly DecimalShape[]): DecimalFormat {
  const byFraction = new Map<number, number>();
  let trimmed = 0;
  for (const v of shapes) {
    byFraction.set(v.fraction, (byFraction.get(v.fraction) ?? 0) + v.values);
    if (!v.untrimmed) trimmed += v.values;
  }
  let text: DecimalFormat['text'] = 0;
  let best = 0;
  for (const [fraction, n] of byFraction) {
    if (n > best || (n === best && fraction > (text as number))) [text, best] = [fraction, n];
  }
  if (trimmed > best) text = 'trim';
  let integer = 1;
  let scale = 0;
  best = -1;
  for (let i = 1; i <= MAX_WIDTH; i++) {
    for (let f = 0; i + f <= MAX_WIDTH; f++) {
      let held = 0;
      for (const v of shapes) if (v.integer <= i && v.significant <= f) held += v.values;
      // more values held wins; then the narrower (INT32 when it fits), then fewer digits
      const better = held > best || (held === best && (i + f <= 9 ? 0 : 1) < (integer + scale <= 9 ? 0 : 1));
      if (better) [integer, scale, best] = [i, f, held];
    }
  }
  return { scale, width: integer + scale <= 9 ? 9 : 18, text };
}

/** Parses a stored format back (a layout read from a file's metadata); throws on anything else. */
export function checkFormat(f: unknown): DecimalFormat {
  const o = f as Partial<DecimalFormat> | null;
  const ok = o !== null && typeof o === 'object' &&
    Number.isInteger(o.scale) && o.scale! >= 0 && o.scale! <= MAX_WIDTH && (o.width === 9 || o.width === 18) &&
    (o.text === 'trim' || (Number.isInteger(o.text) && (o.text as number) >= 0 && (o.text as number) <= 1000));
  if (!ok) throw new MarketfeedError('MF_ERR_USAGE', `unknown decimal format ${JSON.stringify(f)} in a Parquet layout`, { got: JSON.stringify(f) });
  return o as DecimalFormat;
}

export function decimalType(f: DecimalFormat): string {
  return `DECIMAL(${f.width},${f.scale})`;
}

/**
 * The shapes (DecimalShape) of column `x` per group `g`, over the distinct (g, x) pairs of `pairs`:
 * prices and quantities repeat a lot (a book level sits in many rows), so the string work runs on
 * few values. Columns: g, integer, fraction, significant, untrimmed, values.
 */
export function shapesSql(pairs: string): string {
  const shape = 'SELECT g, CASE WHEN d > 0 THEN d - 1 ELSE length(x) END AS integer, ' +
    'CASE WHEN d > 0 THEN length(x) - d ELSE 0 END AS fraction, ' +
    "CASE WHEN d > 0 THEN length(rtrim(x, '0')) - d ELSE 0 END AS significant, " +
    `d > 0 AND (ends_with(x, '0') OR ends_with(x, '.')) AS untrimmed FROM (SELECT g, x, instr(x, '.') AS d FROM (${pairs}) WHERE x IS NOT NULL)`;
  return `SELECT g, integer, fraction, significant, untrimmed, count(*) AS "values" FROM (${shape}) GROUP BY ALL`;
}

/** The venue's text of DECIMAL `expr` (NULL stays NULL). Writer and reader both use this. */
export function textSql(expr: string, f: DecimalFormat): string {
  const s = `CAST(${expr} AS VARCHAR)`; // DuckDB prints exactly `scale` fractional digits
  if (f.text === 'trim') return f.scale === 0 ? s : `rtrim(rtrim(${s}, '0'), '.')`;
  if (f.text === f.scale) return s;
  if (f.text > f.scale) return `(${s} || '${f.scale === 0 ? '.' : ''}${'0'.repeat(f.text - f.scale)}')`;
  return `left(${s}, length(${s}) - ${f.scale - f.text + (f.text === 0 ? 1 : 0)})`;
}

/**
 * True when DECIMAL `typed` (TRY_CAST of `text`) gives back `text` exactly and the same DOUBLE
 * (NULL when `text` is NULL).
 */
export function exactSql(typed: string, text: string, f: DecimalFormat): string {
  return `(${textSql(typed, f)} = ${text} AND CAST(${typed} AS DOUBLE) = TRY_CAST(${text} AS DOUBLE))`;
}

/** The view's DOUBLE: from the DECIMAL, or parsed from the verbatim text (as the CSV path does). */
export function doubleSql(typed: string, verbatim: string): string {
  return `COALESCE(CAST(${typed} AS DOUBLE), TRY_CAST(${verbatim} AS DOUBLE))`;
}

/** The view's exact text: verbatim where kept, else rebuilt from the DECIMAL. */
export function exactTextSql(typed: string, verbatim: string, f: DecimalFormat): string {
  return `COALESCE(${verbatim}, ${textSql(typed, f)})`;
}
