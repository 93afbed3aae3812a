// The typed shape of our CSV outputs as the query views show them, declared once, so a row reads
// the same whether it comes from a .csv.gz or its .parquet copy (which stores prices and
// quantities more compactly and is read back into this shape: stored-layout.ts).
//
// Rules (by CSV column name):
// - times and our own integer ids (timestamp, local_timestamp, update_id, event_id) → BIGINT;
// - every price and quantity (price, qty, bidN_price, askN_qty …) → DOUBLE for arithmetic, plus
//   `<name>_text` VARCHAR holding the venue's exact decimal text. DOUBLE + text rather than
//   DECIMAL(38,18): DECIMAL is exact only while a value has ≤ 20 integer and ≤ 18 fractional
//   digits, and a venue can legally send more (e.g. 1e-20 tick sizes); the text column is exact
//   for any input;
// - everything else (side, trade id, kind, state, detail) → VARCHAR.
// Casts are TRY_CASTs: a malformed cell becomes NULL in the typed column, and its text is still
// there in `_text` (or the VARCHAR column), so nothing is lost and one bad cell cannot fail a query.

export type OutputKind = 'trades' | 'book' | 'events';
export const OUTPUT_KINDS: readonly OutputKind[] = ['trades', 'book', 'events'];

export type ColumnType = 'BIGINT' | 'DOUBLE' | 'VARCHAR';

export interface TypedColumn {
  /** Column name in Parquet and in the query views. */
  name: string;
  type: ColumnType;
  /** The CSV column it comes from. */
  source: string;
}

const TRADES_COLUMNS = ['timestamp', 'price', 'qty', 'side', 'id', 'local_timestamp'];
const EVENTS_COLUMNS = ['event_id', 'timestamp', 'local_timestamp', 'kind', 'state', 'detail'];
const BOOK_LEAD_COLUMNS = ['timestamp', 'local_timestamp', 'update_id'];

export const INTEGER_COLUMNS: ReadonlySet<string> = new Set(['timestamp', 'local_timestamp', 'update_id', 'event_id']);
const LEVEL_RE = /^(bid|ask)([1-9]\d{0,3})_(price|qty)$/;
export const TEXT_SUFFIX = '_text';

/** A price or quantity column (DOUBLE plus its exact text in the views). */
export function isDecimalSource(source: string): boolean {
  return source === 'price' || source === 'qty' || LEVEL_RE.test(source);
}

/**
 * CSV column names in canonical order: the header order for trades/events; for book, bids 1..N
 * then asks 1..N, N being the deepest level present (files of different depths union cleanly).
 * Unknown columns (a future writer's) follow, sorted, so they are carried rather than dropped.
 */
export function canonicalSources(kind: OutputKind, names: Iterable<string>): string[] {
  const present = new Set(names);
  const out: string[] = [];
  const take = (n: string): void => {
    if (present.delete(n)) out.push(n);
  };
  if (kind === 'trades') TRADES_COLUMNS.forEach(take);
  else if (kind === 'events') EVENTS_COLUMNS.forEach(take);
  else {
    BOOK_LEAD_COLUMNS.forEach(take);
    let depth = 0;
    for (const n of present) {
      const m = LEVEL_RE.exec(n);
      if (m && Number(m[2]) > depth) depth = Number(m[2]);
    }
    for (const side of ['bid', 'ask']) {
      for (let i = 1; i <= depth; i++) {
        take(`${side}${i}_price`);
        take(`${side}${i}_qty`);
      }
    }
  }
  return out.concat([...present].sort());
}

/** The typed columns for a set of CSV column names (see the rules above). */
export function typedColumns(kind: OutputKind, csvNames: Iterable<string>): TypedColumn[] {
  const cols: TypedColumn[] = [];
  for (const source of canonicalSources(kind, csvNames)) {
    if (INTEGER_COLUMNS.has(source)) cols.push({ name: source, type: 'BIGINT', source });
    else if (isDecimalSource(source)) {
      cols.push({ name: source, type: 'DOUBLE', source });
      cols.push({ name: source + TEXT_SUFFIX, type: 'VARCHAR', source });
    } else cols.push({ name: source, type: 'VARCHAR', source });
  }
  return cols;
}

/** The CSV column names behind a set of typed (Parquet) column names. */
export function sourcesOfTyped(typedNames: Iterable<string>): string[] {
  const names = new Set(typedNames);
  const sources: string[] = [];
  for (const n of names) {
    if (n.endsWith(TEXT_SUFFIX) && names.has(n.slice(0, -TEXT_SUFFIX.length))) continue;
    sources.push(n);
  }
  return sources;
}

/** `"name"` — DuckDB identifier quoting. */
export function sqlIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** `'text'` — DuckDB string literal quoting (paths may hold quotes). */
export function sqlString(text: string): string {
  return "'" + text.replace(/'/g, "''") + "'";
}

/** The SELECT expression that makes `col` from an all-VARCHAR CSV row (`qualifier`: a table alias). */
export function castFromCsv(col: TypedColumn, qualifier = ''): string {
  const src = (qualifier ? qualifier + '.' : '') + sqlIdent(col.source);
  const expr = col.type === 'VARCHAR' ? src : `TRY_CAST(${src} AS ${col.type})`;
  return `${expr} AS ${sqlIdent(col.name)}`;
}

/** A typed NULL standing in for a column some files lack (a shallower book, say). */
export function nullAs(col: TypedColumn): string {
  return `NULL::${col.type} AS ${sqlIdent(col.name)}`;
}

/**
 * DuckDB's read_csv over files sharing one header, with nothing left to its sniffer: RFC 4180
 * quoting as our csv.ts writes it (a ledger detail may hold commas, quotes and line breaks),
 * every column VARCHAR so the exact text survives until castFromCsv.
 */
export function readCsvSql(paths: readonly string[], header: readonly string[], extra = ''): string {
  const columns = header.map((h) => `${sqlString(h)}: 'VARCHAR'`).join(', ');
  const files = `[${paths.map(sqlString).join(', ')}]`;
  return `read_csv(${files}, header = true, auto_detect = false, columns = {${columns}}, ` +
    `delim = ',', quote = '"', escape = '"', compression = 'gzip'${extra})`;
}
