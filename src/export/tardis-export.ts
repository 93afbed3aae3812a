// exportTardis: a recorded data directory as Tardis.dev's downloadable CSV files.
//
// Each symbol's raw capture is replayed (replay/replay.ts: the same decoders, FeedCore and
// verified books as live capture, with book_change events) from the start of the run that covers
// the first day asked for, so books are SYNCED exactly as they were live; rows are written only
// for receive times inside [from, to). Afterwards every exported day is proven with the validator
// (replay/validate.ts); a day that is not clean is still exported, and reported.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MarketfeedError } from '../core/errors.js';
import { silentLogger, type Logger } from '../core/log.js';
import { symbolFs } from '../core/symbols.js';
import { isCcxtLabel } from '../venues/ccxt/index.js';
import { getVenue, type VenueSpec } from '../venues/index.js';
import { ledgerRunsOf, rawDays, readRawFrames, symbolDirs, type RawDay } from '../replay/raw.js';
import { newReplayProgress, parseTime, replay, symbolOfRuns } from '../replay/replay.js';
import { validateDay, type ValidateReport } from '../replay/validate.js';
import { ExportFiles, type ExportedFile } from './export-files.js';
import { tardisMarket, type TardisMarket } from './tardis-exchanges.js';
import { TARDIS_DATA_TYPES, type TardisDataType } from './tardis-rows.js';
import { SymbolExport } from './tardis-symbol.js';

const DAY_US = 86_400_000_000;
/** Events between checks of zlib's backpressure, the stop flag and the progress counters. */
const CHECK_EVERY = 2048;

export interface ExportProgress {
  bytesRead: number;
  bytesTotal: number;
  rows: number;
  /** What is being done: `BTC/USDT`, `validate BTC/USDT 20261207`. */
  phase: string;
}

export interface TardisExportOptions {
  dataDir: string;
  outDir: string;
  /** Directory label (`binance`, `sim-binance`). */
  venue: string;
  /** Unified symbols; default: every symbol recorded. */
  symbols?: string[];
  /** First receive time (UTC date / datetime text, or epoch µs). */
  from?: string | number;
  /** End receive time, exclusive. */
  to?: string | number;
  /** Default: all of TARDIS_DATA_TYPES. */
  types?: readonly TardisDataType[];
  /** Prove every exported day with the validator (default true). */
  validate?: boolean;
  progress?: ExportProgress;
  /** Set `stopped` to end early: files of unfinished days are removed. */
  signal?: { stopped: boolean };
  log?: Logger;
}

export interface DayCheck {
  symbol: string;
  day: string;
  clean: boolean;
  summary: string;
}

export interface TardisExportReport {
  venue: string;
  exchange: string;
  /** False when Tardis carries no such exchange (our venue id stands in). */
  listed: boolean;
  files: ExportedFile[];
  rows: Record<TardisDataType, number>;
  days: DayCheck[];
  /** Anything that makes the export not clean (exit 1): days that did not validate, self-check failures. */
  problems: string[];
  /** Worth knowing, not a failure (a shallow recording depth, a type with no data). */
  notes: string[];
  stopped: boolean;
}

interface SymbolPlan {
  symbol: string;
  fs: string;
  market: TardisMarket;
  /** Recorded days inside the range. */
  days: RawDay[];
  /** Day the replay starts (the run covering days[0] began then). */
  startDay: string;
  bytes: number;
}

function usage(message: string, path: string, expected: string, got: string): MarketfeedError {
  return new MarketfeedError('MF_ERR_USAGE', message, { path, expected, got });
}

export function parseTypes(text: string): TardisDataType[] {
  const types: TardisDataType[] = [];
  for (const t of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    if (!(TARDIS_DATA_TYPES as readonly string[]).includes(t)) {
      throw usage(`unknown data type ${JSON.stringify(t)}`, 'types', `a comma-separated list of ${TARDIS_DATA_TYPES.join(', ')}`, t);
    }
    if (!types.includes(t as TardisDataType)) types.push(t as TardisDataType);
  }
  if (types.length === 0) throw usage('--types names no data type', 'types', TARDIS_DATA_TYPES.join(', '), text);
  return types;
}

const dayStartUs = (day: string): number => Date.parse(`${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}T00:00:00Z`) * 1000;
const isoOf = (us: number): string => new Date(us / 1000).toISOString().replace('.000Z', 'Z');

/** The unified symbol of a symbol directory: its symbol.json, else a run_start row naming it. */
async function unifiedOf(dataDir: string, label: string, fs: string, spec: VenueSpec): Promise<string> {
  const meta = join(dataDir, label, fs, 'symbol.json');
  if (existsSync(meta)) {
    try {
      const s = (JSON.parse(readFileSync(meta, 'utf8')) as { symbol?: unknown }).symbol;
      if (typeof s === 'string' && symbolFs(s) === fs) return s;
    } catch {
      // unreadable: the ledger may still say
    }
  }
  for (const d of rawDays(dataDir, label, fs)) {
    const s = symbolOfRuns(spec, fs, await ledgerRunsOf(d.eventsParts));
    if (s !== undefined) return s;
  }
  throw new MarketfeedError('MF_ERR_CONFIG', `cannot tell which symbol ${join(dataDir, label, fs)} holds (no symbol.json, no run_start row names it): pass --symbols`, {
    path: 'symbols', got: fs,
  });
}

async function firstFrameTs(raw: string): Promise<number | undefined> {
  for await (const batch of readRawFrames(raw, 'x')) return batch[0]?.localTs;
  return undefined;
}

/**
 * The day whose raw capture begins the run covering `days[i]` (validate.ts does the same): a book
 * is only SYNCED from that run's first snapshot on.
 */
async function runStartDay(all: RawDay[], i: number): Promise<string> {
  for (let k = i; k >= 0; k--) {
    const runs = await ledgerRunsOf(all[k].eventsParts);
    const first = await firstFrameTs(all[k].raws[0]);
    if (runs.length > 0 && (first === undefined || runs[0].start <= first)) return all[k].day;
    if (k > 0 && dayStartUs(all[k - 1].day) + DAY_US !== dayStartUs(all[k].day)) return all[k].day; // a day without capture between
  }
  return all[0].day;
}

async function plan(o: TardisExportOptions, spec: VenueSpec, from: number, to: number): Promise<SymbolPlan[]> {
  const label = o.venue;
  const dirs = symbolDirs(o.dataDir, label);
  const wanted: [string, string][] = [];
  if (o.symbols !== undefined) {
    for (const s of o.symbols) {
      spec.toVenueSymbol(s); // a malformed or foreign symbol: MF_ERR_UNKNOWN_SYMBOL
      const fs = symbolFs(s);
      if (!dirs.includes(fs)) {
        throw new MarketfeedError('MF_ERR_CONFIG', `no recording of ${s} under ${join(o.dataDir, label)} (expected a ${fs} directory)`, {
          path: 'symbols', expected: `one of ${dirs.join(', ') || '(none)'}`, got: s,
        });
      }
      wanted.push([s, fs]);
    }
  } else {
    for (const fs of dirs) if (rawDays(o.dataDir, label, fs).length > 0) wanted.push([await unifiedOf(o.dataDir, label, fs, spec), fs]);
  }
  const plans: SymbolPlan[] = [];
  const recorded: string[] = [];
  for (const [symbol, fs] of wanted) {
    const all = rawDays(o.dataDir, label, fs);
    recorded.push(...all.map((d) => d.day));
    const first = all.findIndex((d) => dayStartUs(d.day) + DAY_US > from && dayStartUs(d.day) < to);
    if (first < 0) continue;
    const days = all.filter((d) => dayStartUs(d.day) + DAY_US > from && dayStartUs(d.day) < to);
    const startDay = await runStartDay(all, first);
    const bytes = all.filter((d) => d.day >= startDay && dayStartUs(d.day) < to).reduce((n, d) => n + d.bytes, 0);
    plans.push({ symbol, fs, market: tardisMarket(spec.id, spec.toVenueSymbol(symbol)), days, startDay, bytes });
  }
  if (plans.length === 0) {
    const range = `${Number.isFinite(from) ? isoOf(from) : 'the start'} to ${Number.isFinite(to) ? isoOf(to) : 'the end'}`;
    const days = [...new Set(recorded)].sort();
    throw new MarketfeedError('MF_ERR_CONFIG', `no recorded day of ${wanted.map((w) => w[0]).join(', ') || label} from ${range} under ${join(o.dataDir, label)}`, {
      path: 'from', expected: days.length > 0 ? `days with a raw capture: ${days.join(', ')}` : 'a raw capture (record with storage.raw on)', got: range,
    });
  }
  const seen = new Map<string, string>();
  for (const p of plans) {
    const key = `${p.market.exchange} ${p.market.symbol}`;
    const other = seen.get(key);
    if (other !== undefined) throw usage(`${other} and ${p.symbol} are both ${key} in Tardis's names: export them one at a time`, 'symbols', 'one symbol per Tardis id', p.symbol);
    seen.set(key, p.symbol);
  }
  return plans;
}

/** Writes the Tardis files of a data directory; throws MF_ERR_* on bad input. */
export async function exportTardis(o: TardisExportOptions): Promise<TardisExportReport> {
  const types = o.types ?? TARDIS_DATA_TYPES;
  if (isCcxtLabel(o.venue)) throw usage(`${o.venue} is a ccxt recording: export reads venues marketfeed decodes itself`, 'venue', 'a venue label such as binance or sim-binance', o.venue);
  if (!existsSync(o.dataDir)) throw new MarketfeedError('MF_ERR_CONFIG', `data directory ${o.dataDir} does not exist`, { path: 'dataDir', got: o.dataDir });
  const spec = getVenue(o.venue.replace(/^sim-/, ''));
  const from = parseTime(o.from, 'from') ?? -Infinity;
  const to = parseTime(o.to, 'to') ?? Infinity;
  if (!(from < to)) throw usage(`--from ${o.from} is not before --to ${o.to}`, 'from', 'a time before --to (--to is exclusive)', String(o.from));
  const plans = await plan(o, spec, from, to);
  mkdirSync(o.outDir, { recursive: true });

  const progress = o.progress ?? { bytesRead: 0, bytesTotal: 0, rows: 0, phase: '' };
  progress.bytesTotal = plans.reduce((n, p) => n + p.bytes, 0);
  const signal = o.signal ?? { stopped: false };
  const files = new ExportFiles(o.outDir);
  const rows = Object.fromEntries(TARDIS_DATA_TYPES.map((t) => [t, 0])) as Record<TardisDataType, number>;
  const report: TardisExportReport = {
    venue: o.venue, exchange: plans[0].market.exchange, listed: plans[0].market.listed, files: files.finished, rows, days: [], problems: [], notes: [], stopped: false,
  };
  const wanted = new Set(types);
  let depth = 0;
  let bytesDone = 0;
  try {
    for (const p of plans) {
      progress.phase = p.symbol;
      const rp = newReplayProgress();
      const events = replay({
        dataDir: o.dataDir, venue: o.venue, symbols: [p.symbol], from: p.startDay, to: Number.isFinite(to) ? to : undefined,
        emitChanges: wanted.has('incremental_book_L2'), progress: rp, log: o.log ?? silentLogger,
      });
      let sym: SymbolExport | undefined;
      let n = 0;
      const rowsBefore = progress.rows;
      for await (const ev of events) {
        // replay knows the recording's depth once its sources are open
        sym ??= new SymbolExport({ market: p.market, types: wanted, files, window: { from, to }, keepDepth: spec.bookDepth?.(rp.depth) ?? 0 });
        sym.onEvent(ev);
        if (++n % CHECK_EVERY === 0) {
          progress.bytesRead = bytesDone + rp.bytesRead;
          progress.rows = rowsBefore + sumRows(sym);
          await files.settle();
          if (signal.stopped) break;
        }
      }
      bytesDone += p.bytes;
      progress.bytesRead = bytesDone;
      depth = Math.max(depth, rp.depth);
      if (signal.stopped) {
        report.stopped = true;
        await files.abort();
        return report;
      }
      if (sym === undefined) continue;
      sym.finish();
      await files.settle();
      for (const t of types) rows[t] += sym.rows[t] ?? 0;
      progress.rows = rowsBefore + sumRows(sym);
      selfCheck(sym, p, report);
    }
  } catch (e) {
    await files.abort();
    throw e;
  }
  notesOf(report, types, o.types ?? [], depth);
  if (o.validate !== false) {
    const days = plans.flatMap((p) => p.days.map((d) => ({ p, day: d.day })));
    for (const { p, day } of days) {
      if (signal.stopped) {
        report.problems.push(`stopped before every exported day was validated (${report.days.length} of ${days.length})`);
        break;
      }
      progress.phase = `validate ${p.symbol} ${day}`;
      report.days.push(await checkDay(join(o.dataDir, o.venue, p.fs, day), p.symbol, day));
    }
    for (const d of report.days) {
      if (!d.clean) report.problems.push(`${report.venue} ${d.symbol} ${d.day} did not validate (${d.summary}): exported anyway; see marketfeed validate --day-dir ${join(o.dataDir, o.venue, symbolFs(d.symbol), d.day)}`);
    }
  }
  report.files.sort((a, b) => a.path.localeCompare(b.path));
  return report;
}

function sumRows(sym: SymbolExport): number {
  let n = sym.book?.stats.rows ?? 0;
  for (const [t, v] of Object.entries(sym.rows)) if (t !== 'incremental_book_L2') n += v;
  return n;
}

function selfCheck(sym: SymbolExport, p: SymbolPlan, report: TardisExportReport): void {
  const b = sym.book?.stats;
  if (b !== undefined && b.mismatches > 0) {
    report.problems.push(`${p.symbol}: the book rebuilt from incremental_book_L2 disagrees with ${b.mismatches} verified book rows (first: ${b.firstMismatch})`);
  }
  if (b !== undefined && b.unsynced > 0) report.problems.push(`${p.symbol}: ${b.unsynced} book changes came while no verified book was open: not exported`);
  if (b !== undefined && b.rejected > 0) report.notes.push(`${p.symbol}: ${b.rejected} book changes the venue's checksum rejected were left out (each followed by a resync)`);
  if (sym.lateRows > 0) report.notes.push(`${p.symbol}: ${sym.lateRows} rows older than their file's day were kept in the later day's file`);
}

function notesOf(report: TardisExportReport, types: readonly TardisDataType[], asked: readonly TardisDataType[], depth: number): void {
  for (const t of asked) {
    if (report.rows[t] === 0) report.notes.push(`no ${t} rows: the recording holds no data for it`);
  }
  if (types.includes('book_snapshot_25') && depth > 0 && depth < 25 && report.rows.book_snapshot_25 > 0) {
    report.notes.push(`book_snapshot_25: the recording keeps ${depth} levels a side (record --depth ${depth}), so levels ${depth + 1}-25 are empty cells`);
  }
  if (!report.listed) report.notes.push(`Tardis.dev carries no ${report.exchange} exchange: files are named with marketfeed's venue id`);
}

async function checkDay(dayDir: string, symbol: string, day: string): Promise<DayCheck> {
  let r: ValidateReport;
  try {
    r = await validateDay(dayDir);
  } catch (e) {
    return { symbol, day, clean: false, summary: `cannot validate: ${(e as Error).message}` };
  }
  const parts: string[] = [];
  if (r.gaps > 0) parts.push(`${r.gaps} gaps`);
  if (r.quoteMismatches > 0) parts.push(`${r.quoteMismatches} quote mismatches`);
  if (r.checksumMismatches > 0) parts.push(`${r.checksumMismatches} checksum mismatches`);
  const bad = (c: ValidateReport['book']): number => (c ? c.unverified + c.missing : 0);
  if (bad(r.book) > 0) parts.push(`${bad(r.book)} book rows not reproduced`);
  if (bad(r.trades) > 0) parts.push(`${bad(r.trades)} trade rows not reproduced`);
  if (r.snapshots.unmatched > 0) parts.push(`${r.snapshots.unmatched} snapshot files unmatched`);
  const rejected = r.files.reduce((n, f) => n + f.rowsRejected, 0);
  if (rejected > 0) parts.push(`${rejected} file rows rejected`);
  return { symbol, day, clean: r.clean, summary: parts.join(', ') || 'clean' };
}

