// Row checks of a recorded day's CSV files: the header, every row's schema, and ordering.
// Pure functions over parsed rows (header + string[][]), so they are unit-testable with small
// hand-made files and never depend on how the rows were produced.
//
// Ordering rules hold within one recording run (a restart is a fresh process, and a restarted
// simulator starts its ids again): `runStarts` are the run_start local times of the day's ledger.
import { EVENTS_HEADER, TRADES_HEADER, bookHeader } from '../storage/csv.js';
import { LEDGER_KINDS } from '../storage/ledger.js';

/** Rows of one file checked and rejected, with the first few reasons. */
export interface FileCheck {
  file: string;
  rowsChecked: number;
  rowsRejected: number;
  /** `row 12: bids not strictly descending at level 3` — the first MAX_EXAMPLES. */
  examples: string[];
  /** The header is not the expected one (every row is then unchecked and counted rejected). */
  badHeader?: string;
}

export const MAX_EXAMPLES = 5;

const INT_RE = /^\d{1,16}$/; // epoch µs and ids: integers within the safe range
const DECIMAL_RE = /^\d+(\.\d+)?$/;
const NONZERO_RE = /[1-9]/;
const SIDES: ReadonlySet<string> = new Set(['buy', 'sell', 'unknown']);
const KINDS: ReadonlySet<string> = new Set(LEDGER_KINDS);

const TRADES_COLUMNS = TRADES_HEADER.trimEnd().split(',');
const EVENTS_COLUMNS = EVENTS_HEADER.trimEnd().split(',');

class Collector {
  readonly check: FileCheck;
  constructor(file: string) {
    this.check = { file, rowsChecked: 0, rowsRejected: 0, examples: [] };
  }
  row(): void {
    this.check.rowsChecked++;
  }
  reject(row: number, reason: string): void {
    this.check.rowsRejected++;
    if (this.check.examples.length < MAX_EXAMPLES) this.check.examples.push(`row ${row}: ${reason}`);
  }
}

function headerMismatch(c: Collector, got: string[], want: string[], rows: number): boolean {
  if (got.length === want.length && got.every((h, i) => h === want[i])) return false;
  c.check.badHeader = `expected ${JSON.stringify(want.join(',').slice(0, 80))}, got ${JSON.stringify(got.join(',').slice(0, 80))}`;
  c.check.rowsChecked = rows;
  c.check.rowsRejected = rows;
  return true;
}

/** Index of the run a row at `localTs` belongs to (runs sorted by start). */
function runIndex(runStarts: readonly number[], localTs: number, from: number): number {
  let r = from;
  while (r + 1 < runStarts.length && localTs >= runStarts[r + 1]) r++;
  return r;
}

/** Compares two non-negative decimal texts exactly: <0, 0, >0. */
export function compareDecimal(a: string, b: string): number {
  const [ai, af = ''] = a.split('.');
  const [bi, bf = ''] = b.split('.');
  const aInt = ai.replace(/^0+(?=\d)/, ''), bInt = bi.replace(/^0+(?=\d)/, '');
  if (aInt.length !== bInt.length) return aInt.length - bInt.length;
  if (aInt !== bInt) return aInt < bInt ? -1 : 1;
  const n = Math.max(af.length, bf.length);
  const x = af.padEnd(n, '0'), y = bf.padEnd(n, '0');
  return x === y ? 0 : x < y ? -1 : 1;
}

/**
 * The trade id ranges the ledger's `backfill` rows name (`… backfill from=<id> to=<id> count=<n> …`):
 * trades fetched over REST after a dropped socket, written after the newer ones the stream had
 * already brought.
 */
export function backfilledRanges(rows: readonly string[][]): [number, number][] {
  const out: [number, number][] = [];
  for (const r of rows) {
    if (r[3] !== 'backfill') continue;
    const m = / from=(\d{1,16}) to=(\d{1,16}) /.exec(r[5] ?? '');
    if (m !== null) out.push([Number(m[1]), Number(m[2])]);
  }
  return out;
}

/**
 * `timestamp,price,qty,side,id,local_timestamp`; ids increase (where numeric) and local times do
 * not go back, per run. Ids within `backfilled` ranges (backfilledRanges) may come after newer ones.
 */
export function checkTrades(file: string, header: string[], rows: string[][], runStarts: readonly number[] = [], backfilled: readonly (readonly [number, number])[] = []): FileCheck {
  const c = new Collector(file);
  if (headerMismatch(c, header, TRADES_COLUMNS, rows.length)) return c.check;
  let run = -1, lastLocal = -1, lastId = -1;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const n = i + 2; // file line: the header is line 1
    c.row();
    if (r.length !== 6) { c.reject(n, `${r.length} fields, expected 6`); continue; }
    const [ts, price, qty, side, id, local] = r;
    if (!INT_RE.test(ts)) { c.reject(n, `timestamp ${JSON.stringify(ts)} is not integer µs`); continue; }
    if (!INT_RE.test(local)) { c.reject(n, `local_timestamp ${JSON.stringify(local)} is not integer µs`); continue; }
    if (!DECIMAL_RE.test(price) || !NONZERO_RE.test(price)) { c.reject(n, `price ${JSON.stringify(price)} is not a positive decimal`); continue; }
    if (!DECIMAL_RE.test(qty)) { c.reject(n, `qty ${JSON.stringify(qty)} is not a decimal`); continue; }
    if (!SIDES.has(side)) { c.reject(n, `side ${JSON.stringify(side)} is not buy, sell or unknown`); continue; }
    if (id === '') { c.reject(n, 'empty id'); continue; }
    const localTs = Number(local);
    const r2 = runIndex(runStarts, localTs, Math.max(run, 0));
    if (r2 !== run) { run = r2; lastLocal = -1; lastId = -1; }
    if (localTs < lastLocal) { c.reject(n, `local_timestamp ${local} goes back (previous ${lastLocal})`); continue; }
    lastLocal = localTs;
    if (INT_RE.test(id)) {
      const idn = Number(id);
      if (idn <= lastId && backfilled.some(([a, b]) => idn >= a && idn <= b)) continue;
      if (idn <= lastId) { c.reject(n, `trade id ${id} does not increase (previous ${lastId})`); continue; }
      lastId = idn;
    }
  }
  return c.check;
}

/** Depth N of a book header, or undefined when it is not `bookHeader(N)`. */
export function bookDepthOf(header: string[]): number | undefined {
  const n = (header.length - 3) / 4;
  if (!Number.isInteger(n) || n < 1) return undefined;
  return bookHeader(n).trimEnd() === header.join(',') ? n : undefined;
}

/** Why one side of a book row is bad, or undefined. `dir` 1: prices descend (bids), -1: ascend (asks). */
function sideProblem(r: string[], start: number, depth: number, dir: 1 | -1, name: string): string | undefined {
  let ended = false;
  let prev: string | undefined;
  for (let k = 0; k < depth; k++) {
    const p = r[start + 2 * k], q = r[start + 2 * k + 1];
    if (p === '' && q === '') { ended = true; continue; }
    if (ended) return `${name}: level ${k + 1} after an empty level`;
    if (!DECIMAL_RE.test(p) || !NONZERO_RE.test(p)) return `${name}${k + 1}_price ${JSON.stringify(p)} is not a positive decimal`;
    if (!DECIMAL_RE.test(q) || !NONZERO_RE.test(q)) return `${name}${k + 1}_qty ${JSON.stringify(q)} is not a positive decimal`;
    if (prev !== undefined && compareDecimal(prev, p) * dir <= 0) {
      return `${name} not strictly ${dir === 1 ? 'descending' : 'ascending'} at level ${k + 1} (${prev} then ${p})`;
    }
    prev = p;
  }
  return undefined;
}

/** `timestamp,local_timestamp,update_id,bid1_price,…`: schema, crossed books, and order per run. */
export function checkBook(file: string, header: string[], rows: string[][], runStarts: readonly number[] = []): FileCheck & { depth?: number } {
  const c = new Collector(file);
  const depth = bookDepthOf(header);
  if (depth === undefined) {
    c.check.badHeader = `expected timestamp,local_timestamp,update_id,bid1_price,bid1_qty,… with N bid and N ask levels, got ${JSON.stringify(header.join(',').slice(0, 80))}`;
    c.check.rowsChecked = c.check.rowsRejected = rows.length;
    return c.check;
  }
  const width = 3 + 4 * depth;
  let run = -1, lastLocal = -1, lastId = -1;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const n = i + 2;
    c.row();
    if (r.length !== width) { c.reject(n, `${r.length} fields, expected ${width}`); continue; }
    if (!INT_RE.test(r[0])) { c.reject(n, `timestamp ${JSON.stringify(r[0])} is not integer µs`); continue; }
    if (!INT_RE.test(r[1])) { c.reject(n, `local_timestamp ${JSON.stringify(r[1])} is not integer µs`); continue; }
    // empty: a venue whose books carry no ids (checksums prove them instead)
    if (r[2] !== '' && !INT_RE.test(r[2])) { c.reject(n, `update_id ${JSON.stringify(r[2])} is not an integer`); continue; }
    const problem = sideProblem(r, 3, depth, 1, 'bid') ?? sideProblem(r, 3 + 2 * depth, depth, -1, 'ask');
    if (problem !== undefined) { c.reject(n, problem); continue; }
    const bid = r[3], ask = r[3 + 2 * depth];
    if (bid !== '' && ask !== '' && compareDecimal(bid, ask) >= 0) { c.reject(n, `crossed book: best bid ${bid} >= best ask ${ask}`); continue; }
    const localTs = Number(r[1]), id = r[2] === '' ? lastId : Number(r[2]);
    const r2 = runIndex(runStarts, localTs, Math.max(run, 0));
    if (r2 !== run) { run = r2; lastLocal = -1; lastId = -1; }
    if (localTs < lastLocal) { c.reject(n, `local_timestamp ${r[1]} goes back (previous ${lastLocal})`); continue; }
    if (id < lastId) { c.reject(n, `update_id ${r[2]} goes back (previous ${lastId})`); continue; }
    lastLocal = localTs;
    lastId = id;
  }
  return { ...c.check, depth };
}

/** `event_id,timestamp,local_timestamp,kind,state,detail`; event ids strictly increase. */
export function checkEvents(file: string, header: string[], rows: string[][]): FileCheck {
  const c = new Collector(file);
  if (headerMismatch(c, header, EVENTS_COLUMNS, rows.length)) return c.check;
  let lastId = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const n = i + 2;
    c.row();
    if (r.length !== 6) { c.reject(n, `${r.length} fields, expected 6`); continue; }
    if (!INT_RE.test(r[0])) { c.reject(n, `event_id ${JSON.stringify(r[0])} is not an integer`); continue; }
    if (!INT_RE.test(r[1])) { c.reject(n, `timestamp ${JSON.stringify(r[1])} is not integer µs`); continue; }
    if (!INT_RE.test(r[2])) { c.reject(n, `local_timestamp ${JSON.stringify(r[2])} is not integer µs`); continue; }
    if (!KINDS.has(r[3])) { c.reject(n, `kind ${JSON.stringify(r[3])} is not a ledger kind`); continue; }
    const id = Number(r[0]);
    if (id <= lastId) { c.reject(n, `event_id ${r[0]} does not increase (previous ${lastId})`); continue; }
    lastId = id;
  }
  return c.check;
}
