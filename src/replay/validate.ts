// validate: proves a recorded day trustworthy. The day's raw capture is replayed through the same
// FeedCore as live capture (replay.ts), so every depth update is checked again by the venue's book
// rule; the book rows the replay produces are compared with the recorded book file (a recorded
// row that no verified book produced is a mismatch); the trades likewise; the day's snapshot
// files are matched with the REST bodies in the capture; and every CSV row is checked for schema
// and order (validate-rows.ts).
//
// A day that starts inside a run begun on an earlier day (across midnight) is replayed from that
// run's first day, as the live book was, and only the target day's results are counted.
//
// Every output may be split into parts (storage/layout.ts "Parts"): each part's rows are checked
// on their own (a file check per part), and the rows of all parts, in part order, are what the
// replay is compared with (parts whose header differs from the first part's are checked but not
// compared: a run with another book depth).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { MarketfeedError } from '../core/errors.js';
import { symbolFs } from '../core/symbols.js';
import { nextUtcDayUs } from '../core/time.js';
import { bookRow, csvField, tradeRow } from '../storage/csv.js';
import { SNAPSHOTS_DIR, snapshotEventId } from '../storage/layout.js';
import { readCsv, type CsvFile } from '../storage/read.js';
import { getVenue } from '../venues/index.js';
import { dayParts, ledgerRunsOf, readRawFrames, runStartFields } from './raw.js';
import { replay } from './replay.js';
import { backfilledRanges, checkBook, checkEvents, checkTrades, type FileCheck } from './validate-rows.js';

export interface ValidateReport {
  dayDir: string;
  venue: string;
  symbol: string;
  day: string;
  /** Raw frames of the day read back (in, out, rest, conn); lines that were not frames. */
  frames: number;
  badLines: number;
  /** Depth updates the replayed book applied after checking them against the book rule. */
  updatesVerified: number;
  /** Sequence breaks the book rule found. */
  gaps: number;
  /** Top-of-book disagreements with the venue's best bid/ask that forced a resync. */
  quoteMismatches: number;
  /** Books whose checksum disagreed with the venue's (checksum venues), each a resync. */
  checksumMismatches: number;
  /** Times the replayed book went RESYNCING (gaps, disconnects, quote checks). */
  resyncs: number;
  /** Frames the decoder rejected (malformed: counted, never in an output). */
  rejectedFrames: number;
  snapshots: { files: number; replayed: number; unmatched: number };
  book: RowComparison | undefined;
  trades: RowComparison | undefined;
  files: FileCheck[];
  /** True when nothing needs attention (exit 0). */
  clean: boolean;
}

/** Recorded rows against the rows the replay produced. */
export interface RowComparison {
  recorded: number;
  replayed: number;
  /** Recorded rows no replayed book/trade produced (or the same row too often). */
  unverified: number;
  /** Replayed rows missing from the file, before its last recorded row. */
  missing: number;
  /** Replayed rows after the last recorded row (a run killed or still writing: not a mismatch). */
  tail: number;
  examples: string[];
}

function badInput(message: string, got: string): MarketfeedError {
  return new MarketfeedError('MF_ERR_CONFIG', message, { path: 'day-dir', expected: '<data>/<label>/<SYMBOL_FS>/<YYYYMMDD>', got });
}

/** Rows of all parts (header of the first; parts with another header are left out). */
interface PartsCsv extends CsvFile {
  names: string[];
}

/** The unified symbol of a symbol directory: its symbol.json, else a run_start row that names it. */
async function symbolOf(symDir: string, fs: string, events: string[]): Promise<string> {
  const meta = join(symDir, 'symbol.json');
  if (existsSync(meta)) {
    try {
      const s = (JSON.parse(readFileSync(meta, 'utf8')) as { symbol?: unknown }).symbol;
      if (typeof s === 'string' && symbolFs(s) === fs) return s;
    } catch {
      // unreadable: fall back to the ledger
    }
  }
  for (const e of events) {
    const { rows } = await readCsv(e);
    for (const r of rows) {
      if (r[3] !== 'run_start') continue;
      for (const s of runStartFields(r[5] ?? '').symbols) {
        try {
          if (symbolFs(s) === fs) return s;
        } catch {
          // not a symbol
        }
      }
    }
  }
  throw badInput(`cannot tell which symbol ${fs} is: no symbol.json and no run_start row names it`, symDir);
}

/** localTs of the first frame of a raw file, or undefined when it has none. */
async function firstFrameTs(raw: string): Promise<number | undefined> {
  for await (const batch of readRawFrames(raw, 'x')) return batch[0]?.localTs;
  return undefined;
}

const sha = (s: string): string => createHash('sha1').update(s).digest('base64');

class Matcher {
  private readonly left = new Map<string, number>();
  private readonly lastTs: number;
  readonly cmp: RowComparison;

  constructor(lines: string[], lastTs: number) {
    for (const l of lines) this.left.set(l, (this.left.get(l) ?? 0) + 1);
    this.lastTs = lastTs;
    this.cmp = { recorded: lines.length, replayed: 0, unverified: 0, missing: 0, tail: 0, examples: [] };
  }

  offer(line: string, localTs: number): void {
    this.cmp.replayed++;
    const n = this.left.get(line);
    if (n !== undefined) {
      if (n === 1) this.left.delete(line);
      else this.left.set(line, n - 1);
    } else if (localTs > this.lastTs) {
      this.cmp.tail++;
    } else {
      this.cmp.missing++;
      if (this.cmp.examples.length < 5) this.cmp.examples.push(`replayed row missing from the file: ${line.slice(0, 120)}`);
    }
  }

  finish(): RowComparison {
    for (const [line, n] of this.left) {
      this.cmp.unverified += n;
      if (this.cmp.examples.length < 5) this.cmp.examples.push(`recorded row no verified book produced: ${line.slice(0, 120)}`);
    }
    return this.cmp;
  }
}

function lineOf(row: string[], quote: boolean): string {
  return (quote ? row.map(csvField) : row).join(',');
}

/** Validates one recorded day directory. Throws MF_ERR_CONFIG on bad input. */
export async function validateDay(dayDirIn: string): Promise<ValidateReport> {
  const dir = resolve(dayDirIn);
  if (!existsSync(dir)) throw badInput(`day directory ${dayDirIn} does not exist`, dayDirIn);
  if (!statSync(dir).isDirectory()) throw badInput(`${dayDirIn} is not a directory`, dayDirIn);
  const day = basename(dir);
  const symDir = dirname(dir);
  const fs = basename(symDir);
  const label = basename(dirname(symDir));
  const dataDir = dirname(dirname(symDir));
  if (!/^\d{8}$/.test(day)) throw badInput(`${dayDirIn} is not a day directory (its name is not YYYYMMDD)`, dayDirIn);
  const raws = dayParts(dir, 'raw', fs, day);
  if (raws.length === 0) throw badInput(`${dayDirIn} holds no raw capture raw_${fs}_${day}.ndjson.gz (record with storage.raw on)`, dayDirIn);
  const spec = getVenue(label.replace(/^sim-/, ''));
  const eventsParts = dayParts(dir, 'events', fs, day);
  const tradesParts = dayParts(dir, 'trades', fs, day);
  const bookParts = dayParts(dir, 'book', fs, day);

  const dayStart = Date.parse(`${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}T00:00:00Z`) * 1000;
  const dayEnd = nextUtcDayUs(dayStart);
  const days = readdirSync(symDir).filter((d) => /^\d{8}$/.test(d) && d <= day).sort();
  const eventsOf = (d: string): string[] => dayParts(join(symDir, d), 'events', fs, d);
  const symbol = await symbolOf(symDir, fs, [...eventsParts, ...days.slice(0, -1).reverse().flatMap(eventsOf)]);

  // where the run covering the day's first frame began
  let fromDay = day;
  const runs = await ledgerRunsOf(eventsParts);
  const first = await firstFrameTs(raws[0]);
  if (first !== undefined && !(runs.length > 0 && runs[0].start <= first)) {
    for (let i = days.length - 2; i >= 0; i--) {
      const e = eventsOf(days[i]);
      if (e.length === 0 || dayParts(join(symDir, days[i]), 'raw', fs, days[i]).length === 0) break;
      fromDay = days[i];
      if ((await ledgerRunsOf(e)).length > 0) break;
    }
  }

  // --- CSV files -------------------------------------------------------------------------------
  const read = async (p: string): Promise<CsvFile> => {
    try {
      return await readCsv(p);
    } catch (e) {
      throw badInput(`cannot read ${p}: ${(e as Error).message}`, p);
    }
  };
  const runStarts = runs.map((r) => r.start);
  const files: FileCheck[] = [];
  /** Checks each part; returns the rows of the parts that share the first part's header. */
  const readParts = async (paths: string[], check: (name: string, f: CsvFile) => FileCheck): Promise<PartsCsv | undefined> => {
    let all: PartsCsv | undefined;
    for (const p of paths) {
      const f = await read(p);
      files.push(check(basename(p), f));
      all ??= { header: f.header, rows: [], truncated: false, names: [] };
      if (f.header.join(',') !== all.header.join(',')) continue;
      for (const r of f.rows) all.rows.push(r);
      all.truncated ||= f.truncated;
      all.names.push(basename(p));
    }
    return all;
  };
  let depth: number | undefined;
  const book = await readParts(bookParts, (name, f) => {
    const c = checkBook(name, f.header, f.rows, runStarts);
    depth ??= c.depth;
    delete c.depth;
    return c;
  });
  // trades backfilled over REST come after newer ones: the ledger names them
  const backfilled = backfilledRanges((await Promise.all(eventsParts.map(read))).flatMap((f) => f.rows));
  const trades = await readParts(tradesParts, (name, f) => checkTrades(name, f.header, f.rows, runStarts, backfilled));
  await readParts(eventsParts, (name, f) => checkEvents(name, f.header, f.rows));

  // --- replay ----------------------------------------------------------------------------------
  const lastTs = (f: CsvFile | undefined, col: number): number => (f && f.rows.length > 0 ? Number(f.rows[f.rows.length - 1][col]) : -1);
  const bookM = book && depth !== undefined ? new Matcher(book.rows.map((r) => lineOf(r, false)), lastTs(book, 1)) : undefined;
  const tradesM = trades && files.find((f) => f.file === trades.names[0])?.badHeader === undefined
    ? new Matcher(trades.rows.map((r) => lineOf(r, true)), lastTs(trades, 5)) : undefined;
  const snapFiles = new Map<string, number>();
  const snapDir = join(dir, SNAPSHOTS_DIR);
  if (existsSync(snapDir)) {
    for (const name of readdirSync(snapDir)) {
      if (snapshotEventId(name) === undefined || !name.endsWith('_rest.json')) continue;
      const h = sha(readFileSync(join(snapDir, name), 'utf8'));
      snapFiles.set(h, (snapFiles.get(h) ?? 0) + 1);
    }
  }
  const report: ValidateReport = {
    dayDir: dir, venue: label, symbol, day, frames: 0, badLines: 0, updatesVerified: 0, gaps: 0, quoteMismatches: 0, checksumMismatches: 0,
    resyncs: 0, rejectedFrames: 0, snapshots: { files: [...snapFiles.values()].reduce((a, b) => a + b, 0), replayed: 0, unmatched: 0 },
    book: undefined, trades: undefined, files, clean: false,
  };
  const inDay = (ts: number): boolean => ts >= dayStart && ts < dayEnd;
  const events = replay({
    dataDir, venue: label, symbols: [symbol], from: fromDay, to: dayEnd, depth, emitChanges: true,
    handlers: {
      snapshot: (_s, body, localTs) => {
        if (!inDay(localTs)) return;
        report.snapshots.replayed++;
        const h = sha(body);
        const n = snapFiles.get(h);
        if (n === undefined) report.snapshots.unmatched++;
        else if (n === 1) snapFiles.delete(h);
        else snapFiles.set(h, n - 1);
      },
      reject: (_s, _reason, _frame, localTs) => {
        if (inDay(localTs)) report.rejectedFrames++;
      },
    },
  });
  for await (const ev of events) {
    if (!inDay(ev.localTs)) continue;
    switch (ev.type) {
      case 'book_change':
        if (!ev.isSnapshot) report.updatesVerified++;
        break;
      case 'book_snapshot':
        bookM?.offer(bookRow(ev, depth!).slice(0, -1), ev.localTs);
        break;
      case 'trade':
        tradesM?.offer(tradeRow(ev).slice(0, -1), ev.localTs);
        break;
      case 'gap':
        if (ev.action === 'none' || ev.action === 'backfill') break; // advisory (the book was kept), or trades filled in
        if (ev.reason.startsWith('top of book')) report.quoteMismatches++;
        else if (ev.reason.startsWith('book checksum')) report.checksumMismatches++;
        else report.gaps++;
        break;
      case 'status':
        if (ev.scope === 'book' && ev.state === 'RESYNCING') report.resyncs++;
        break;
      default:
        break;
    }
  }
  // files that no replayed body matched: a snapshot that never came from the capture
  report.snapshots.unmatched += [...snapFiles.values()].reduce((a, b) => a + b, 0);
  const bad = { lines: 0 };
  for (const raw of raws) for await (const batch of readRawFrames(raw, spec.id, undefined, bad)) report.frames += batch.length;
  report.badLines = bad.lines;
  report.book = bookM?.finish();
  report.trades = tradesM?.finish();
  const mismatches = (c: RowComparison | undefined): number => (c ? c.unverified + c.missing : 0);
  report.clean = report.gaps === 0 && report.quoteMismatches === 0 && report.checksumMismatches === 0 && mismatches(report.book) === 0 &&
    mismatches(report.trades) === 0 && report.snapshots.unmatched === 0 && files.every((f) => f.rowsRejected === 0);
  return report;
}

/** The report as the human reads it. */
export function formatReport(r: ValidateReport): string {
  const out: string[] = [];
  out.push(`validate ${r.venue} ${r.symbol} ${r.day}: ${r.clean ? 'CLEAN' : 'PROBLEMS FOUND'}`);
  out.push(`  frames checked     ${r.frames}${r.badLines ? ` (${r.badLines} lines not frames)` : ''}`);
  out.push(`  updates verified   ${r.updatesVerified}`);
  out.push(`  gaps               ${r.gaps}`);
  out.push(`  quote mismatches   ${r.quoteMismatches}`);
  out.push(`  checksum mismatches ${r.checksumMismatches}`);
  out.push(`  resyncs            ${r.resyncs}`);
  out.push(`  rejected frames    ${r.rejectedFrames}`);
  out.push(`  snapshots          ${r.snapshots.files} files, ${r.snapshots.replayed} replayed, ${r.snapshots.unmatched} unmatched`);
  for (const [name, c] of [['book rows', r.book], ['trade rows', r.trades]] as const) {
    if (c === undefined) continue;
    out.push(`  ${name.padEnd(18)} ${c.recorded} recorded, ${c.replayed} replayed, mismatches ${c.unverified + c.missing}` +
      ` (${c.unverified} unverified, ${c.missing} missing)${c.tail ? `, ${c.tail} after the last recorded row` : ''}`);
    for (const e of c.examples) out.push(`      ${e}`);
  }
  for (const f of r.files) {
    out.push(`  ${f.file}: ${f.rowsChecked} rows checked, ${f.rowsRejected} rejected${f.badHeader ? ` (bad header: ${f.badHeader})` : ''}`);
    for (const e of f.examples) out.push(`      ${e}`);
  }
  return out.join('\n') + '\n';
}
