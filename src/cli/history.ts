// marketfeed history candles|trades: REST history into the data directory (src/history/ fetches,
// src/storage/candles.ts writes). Resumable: what the day files already cover is not fetched again.
//   marketfeed history candles --venue binance --symbol BTC/USDT --timeframe 1m --from 2026-01-01 --to 2026-01-08
// `candles --combine-local` then lays bars built from the trades `record` captured under the same
// data dir over the venue's (history/combine-sync.ts; this file finds the recorded files, since
// history/ may not import storage/).
// Bad input: one line on stderr, exit 2. The venue failing after retries: exit 1.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { MarketfeedError, isMarketfeedError } from '../core/errors.js';
import { parseSymbol } from '../core/symbols.js';
import { utcDay } from '../core/time.js';
import {
  VenueClient, candlesFromTradesFiles, combineWithLocal, completeBars, ledgerRowOf, syncCandles, syncTrades, timeframeMs, watchedSpans,
  type CombineReport, type CombineStore, type CombineSummary, type LedgerRow, type LocalBars, type SyncSummary,
} from '../history/index.js';
import type { SyncProgress } from '../history/sync.js';
import { CandleDayFiles, TradeDayFiles, candleFileName, combineReportPath, recordedDays } from '../storage/candles.js';
import { symbolDirName, venueLabelFs } from '../storage/layout.js';
import { lockSymbol, type WriterLock } from '../storage/lock.js';
import { readCsv } from '../storage/read.js';
import { addConfigOptions, configFromFlags } from './config-flags.js';
import { ProxyRoute } from '../transport/proxy.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, reportFatal } from './exit.js';

export type HistoryKind = 'candles' | 'trades';

export interface HistoryFlags {
  venue: string;
  symbol: string;
  timeframe?: string;
  from: string;
  to?: string;
  fill?: boolean;
  dataDir: string;
  restUrl?: string;
  timeoutMs?: number;
  /** Proxy URL ('' or absent = HTTPS_PROXY … from the environment). */
  proxy?: string;
  pageLimit?: number;
  retries?: number;
  retryBaseMs?: number;
  rateLimit?: boolean;
  parquet?: boolean;
  maxClockOffsetMs?: number;
  /** Combine with bars built from recorded trades (candles only). */
  combineLocal?: boolean;
  /** Data-dir label of the recording (default: the venue id). */
  localLabel?: string;
  /** Relative tolerance of the combine comparison (default 0.0001). */
  tolerance?: string;
}

export const DEFAULT_TOLERANCE = 0.0001;

export interface HistoryIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Draw a progress bar on stderr. */
  progress: boolean;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;

/** ISO 8601 date or datetime, UTC unless it carries an offset, as epoch ms; MF_ERR_USAGE otherwise. */
export function parseUtcTime(text: string, flag: string): number {
  const t = text.trim();
  let ms = NaN;
  if (DATE_RE.test(t)) {
    const iso = t.replace(' ', 'T');
    const zoned = iso.length <= 10 || /(?:Z|[+-]\d{2}:\d{2})$/.test(iso) ? iso : iso + 'Z';
    ms = Date.parse(zoned);
    // Date.parse rolls 2026-02-30 over into March: a UTC date must read back as written.
    if (!/[+-]\d{2}:\d{2}$/.test(zoned) && Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) !== iso.slice(0, 10)) ms = NaN;
  }
  if (!Number.isFinite(ms)) {
    throw new MarketfeedError('MF_ERR_USAGE', `${flag} ${JSON.stringify(text)} is not a date`, {
      expected: 'ISO 8601 in UTC, e.g. 2026-01-01 or 2026-01-01T12:30:00Z', got: text,
    });
  }
  return ms;
}

function positiveInt(text: string | undefined, flag: string, min = 1): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) {
    throw new MarketfeedError('MF_ERR_USAGE', `${flag} must be an integer >= ${min}`, { got: text });
  }
  return n;
}

function progressBar(io: HistoryIo, label: string): (p: SyncProgress) => void {
  if (!io.progress) return () => undefined;
  return (p) => {
    const span = p.toMs - p.fromMs;
    const frac = span > 0 ? Math.min(1, Math.max(0, (p.doneMs - p.fromMs) / span)) : 1;
    const width = 30;
    const filled = Math.round(frac * width);
    io.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${p.items} rows`);
  };
}

/** The command without commander: returns the exit code. */
export async function runHistory(kind: HistoryKind, flags: HistoryFlags, io: HistoryIo): Promise<number> {
  let drewProgress = false;
  let lock: WriterLock | undefined;
  try {
    const fromMs = parseUtcTime(flags.from, '--from');
    const toMs = flags.to === undefined ? Date.now() : parseUtcTime(flags.to, '--to');
    if (toMs <= fromMs) {
      throw new MarketfeedError('MF_ERR_USAGE', '--to must be after --from (--to is exclusive)', { got: `${flags.from} .. ${flags.to}` });
    }
    const timeframe = flags.timeframe ?? '1m';
    // a bad timeframe or symbol is exit 2 before any request
    if (kind === 'candles') timeframeMs(timeframe);
    if (parseSymbol(flags.symbol) === undefined) {
      throw new MarketfeedError('MF_ERR_USAGE', `--symbol ${JSON.stringify(flags.symbol)} is not a unified symbol`, { expected: 'BASE/QUOTE or BASE/QUOTE:SETTLE, e.g. BTC/USDT', got: flags.symbol });
    }
    if (flags.combineLocal !== true && (flags.localLabel !== undefined || flags.tolerance !== undefined)) {
      throw new MarketfeedError('MF_ERR_USAGE', '--local-label and --tolerance go with --combine-local', { got: flags.localLabel ?? flags.tolerance });
    }
    const combine = flags.combineLocal === true ? combineInput(flags) : undefined;
    const proxy = new ProxyRoute(flags.proxy ?? ''); // a malformed proxy: exit 2 before any request
    const client = await VenueClient.open({
      venue: flags.venue, restUrl: flags.restUrl || undefined, rateLimit: flags.rateLimit, timeoutMs: flags.timeoutMs, proxy,
      retry: {
        ...(flags.retries !== undefined ? { retries: flags.retries } : {}),
        ...(flags.retryBaseMs !== undefined ? { baseMs: flags.retryBaseMs } : {}),
      },
      hooks: {
        onRetry: (e) => io.stderr.write(`${drewProgress ? '\n' : ''}marketfeed: retry ${e.retry} in ${e.delayMs} ms: ${e.error.code}\n`),
      },
    });
    client.market(flags.symbol); // unknown symbol → exit 2 before anything is written
    // one writer per file (storage/lock.ts): this timeframe's candle files, or the recorder's trades files
    lock = lockSymbol(flags.dataDir, flags.venue, flags.symbol, { name: kind === 'candles' ? `.candles-${timeframe}.lock` : undefined, command: `history ${kind}` });
    const clock = await client.clockSync();
    const maxOffset = flags.maxClockOffsetMs ?? 1000;
    if (clock !== undefined && Math.abs(clock.offsetMs) > maxOffset) {
      io.stderr.write(`marketfeed: warning: ${flags.venue} clock is ${(clock.offsetMs / 1000).toFixed(3)} s ${clock.offsetMs > 0 ? 'ahead of' : 'behind'} ours (round trip ${clock.roundTripMs} ms); bar boundaries use the venue's time\n`);
    }
    const venueNowMs = Date.now() + (clock?.offsetMs ?? 0);
    const base = { dataDir: flags.dataDir, venue: flags.venue, symbol: flags.symbol, parquet: flags.parquet };
    const label = `${kind} ${flags.venue} ${flags.symbol}${kind === 'candles' ? ' ' + timeframe : ''}`;
    const draw = progressBar(io, label);
    const onProgress = (p: SyncProgress): void => {
      drewProgress = io.progress;
      draw(p);
    };
    const opts = { symbol: flags.symbol, fromMs, toMs, pageLimit: flags.pageLimit, venueNowMs, onProgress };
    const candleFiles = new CandleDayFiles({ ...base, timeframe });
    const summary: SyncSummary = kind === 'candles'
      ? await syncCandles(client, candleFiles, { ...opts, timeframe, fill: flags.fill !== false })
      : await syncTrades(client, new TradeDayFiles(base), opts);
    if (drewProgress) io.stderr.write('\n');
    let line = summaryLine(label, summary, client.stats.requests, client.stats.retries);
    if (combine !== undefined) {
      const local = await localBars(flags, combine.label, timeframe, summary.fromMs, summary.toMs);
      const c = await combineWithLocal(client, combineStore(candleFiles), {
        symbol: flags.symbol, timeframe, localLabel: combine.label, fromMs: summary.fromMs, toMs: summary.toMs,
        local: local.bars, partial: local.partial, tolerance: combine.tolerance, fill: flags.fill !== false, pageLimit: flags.pageLimit,
      });
      line += '; ' + combineLine(combine.label, combine.tolerance, c, candleFileName(flags.symbol, timeframe, c.days[0] ?? '19700101'));
    }
    io.stdout.write(line + '\n');
    return EXIT_OK;
  } catch (e) {
    if (drewProgress) io.stderr.write('\n');
    return reportFatalTo(io.stderr, e);
  } finally {
    lock?.release();
  }
}

/** exit.ts's reportFatal, written to the given stream: a MarketfeedError is one line. */
function reportFatalTo(stderr: NodeJS.WritableStream, e: unknown): number {
  if (!isMarketfeedError(e)) return reportFatal(e);
  stderr.write(`marketfeed: ${e.message}\n`);
  return e.recovery === 'fatal' ? EXIT_USAGE : EXIT_FAILED;
}

function summaryLine(label: string, s: SyncSummary, requests: number, retries: number): string {
  const range = `${new Date(s.fromMs).toISOString()} .. ${new Date(Math.max(s.fromMs, s.toMs)).toISOString()}`;
  if (s.fetchedRanges.length === 0) return `${label}: ${range} already on disk; nothing fetched (${requests} requests)`;
  const synthetic = s.synthetic > 0 ? `, ${s.synthetic} gap-filled` : '';
  return `${label}: ${range}: fetched ${s.fetched} rows in ${s.pages} pages${synthetic}; ` +
    `wrote ${s.daysWritten.length} day file(s); ${requests} requests, ${retries} retries`;
}

/** --combine-local's inputs, checked before any request: the recording must exist, the tolerance be a fraction. */
function combineInput(flags: HistoryFlags): { label: string; tolerance: number } {
  const label = venueLabelFs(flags.localLabel ?? flags.venue);
  const text = flags.tolerance;
  const tolerance = text === undefined ? DEFAULT_TOLERANCE : Number(text);
  if (text !== undefined && (text.trim() === '' || !Number.isFinite(tolerance) || tolerance < 0)) {
    throw new MarketfeedError('MF_ERR_USAGE', `--tolerance ${JSON.stringify(text)} is not a relative fraction`, { expected: 'a number >= 0, e.g. 0.0001 (0.01 %)', got: text });
  }
  const dir = join(flags.dataDir, label, symbolDirName(flags.symbol));
  if (!existsSync(dir)) {
    throw new MarketfeedError('MF_ERR_USAGE', `--combine-local: no recording of ${flags.symbol} under ${dir}`, {
      expected: 'a data dir written by marketfeed record (with --sim the label is sim-<venue>: pass --local-label)', got: dir,
    });
  }
  return { label, tolerance };
}

/** Complete local bars over [fromMs, toMs) from every trades part the recorder wrote, with its ledger. */
async function localBars(flags: HistoryFlags, label: string, timeframe: string, fromMs: number, toMs: number): Promise<LocalBars> {
  if (toMs <= fromMs) return { bars: [], partial: [] };
  // rows go to the day they were received in: a bar's trades may sit in the next day's file
  const first = utcDay(fromMs * 1000);
  const last = utcDay((toMs + 86_400_000) * 1000);
  const days = (await recordedDays(flags.dataDir, label, flags.symbol)).filter((d) => d.day <= last);
  const trades = days.filter((d) => d.day >= first).flatMap((d) => d.trades);
  if (trades.length === 0) return { bars: [], partial: [] };
  // the ledger from the first day on: whether the stream was watched at `first` may depend on earlier rows
  const ledger: LedgerRow[] = [];
  for (const path of days.flatMap((d) => d.events)) {
    for (const cells of (await readCsv(path)).rows) {
      const row = ledgerRowOf(cells);
      if (row !== undefined) ledger.push(row);
    }
  }
  const { candles } = await candlesFromTradesFiles(trades, { venue: label, symbol: flags.symbol, timeframes: [timeframe] });
  return completeBars(candles, timeframeMs(timeframe) * 1000, ledger.length > 0 ? watchedSpans(ledger) : undefined);
}

/** storage/candles.ts's day files as history/'s CombineStore (the report is JSON written by us). */
function combineStore(files: CandleDayFiles): CombineStore {
  return {
    read: (day) => files.read(day),
    write: (day, rec) => files.write(day, rec),
    readReport: async (day) => {
      const r = (await files.readReport(day)) as Partial<CombineReport> | undefined;
      return r !== undefined && r.version === 1 && Array.isArray(r.localRanges) ? (r as CombineReport) : undefined;
    },
    writeReport: (day, report) => files.writeReport(day, report),
  };
}

function combineLine(label: string, tolerance: number, c: CombineSummary, firstFile: string): string {
  if (c.days.length === 0) return `combined with ${label}: no complete local bars in the range (${c.partialLocal} partial)`;
  return `combined with ${label}: ${c.bars} bars (${c.local} local, ${c.exchange} exchange, ${c.synthetic} synthetic), ` +
    `${c.overlapping} compared, ${c.mismatchedBars} mismatched beyond ${tolerance} (${c.mismatches} fields), ` +
    `${c.partialLocal} partial local left out, ${c.refetched} venue bars re-fetched to compare; report ${combineReportPath(firstFile)}${c.days.length > 1 ? ` (+${c.days.length - 1} days)` : ''}`;
}

function subcommand(kind: HistoryKind): Command {
  const cmd = new Command(kind)
    .description(kind === 'candles'
      ? 'Fetch OHLCV candles over REST into candles_<SYMBOL>_<timeframe>_<day>.csv.gz (+ Parquet), gap-filled'
      : 'Fetch trades over REST into the trades day files (+ Parquet)')
    .requiredOption('--symbol <symbol>', 'unified symbol, e.g. BTC/USDT')
    .requiredOption('--from <time>', 'start, ISO 8601 UTC (2026-01-01 or 2026-01-01T12:00:00Z)')
    .option('--to <time>', 'end, exclusive (default: now)');
  if (kind === 'candles') {
    cmd.option('--timeframe <tf>', '1s … 1d, e.g. 1m, 15m, 4h, 1d', '1m');
    cmd.addOption(new Option('--no-fill', 'keep only the venue\'s bars (no gap filling)'));
    cmd.option('--combine-local', 'prefer bars built from the trades `record` captured under --data-dir (those its events ledger shows it watched whole); ' +
      'fill holes from the venue; ' +
      'write .<candle file>.combine.json per day (counts of local/exchange/synthetic bars, local ranges, every compared bar differing beyond --tolerance)');
    cmd.option('--local-label <label>', 'data-dir label of the recording (default: the venue id; sim-<venue> for record --sim)');
    cmd.option('--tolerance <fraction>', `relative difference allowed between local and venue bars (default ${DEFAULT_TOLERANCE})`);
  }
  cmd
    .option('--page-limit <n>', 'rows per request (default: the venue maximum for candles, 1000 for trades)')
    .option('--retries <n>', 'retries of a failed request (5xx, 429, network)', '3')
    .option('--retry-base-ms <ms>', 'first retry delay, doubled each retry', '500')
    .option('--max-clock-offset-ms <ms>', 'warn when the venue clock is further off than this', '1000')
    .addOption(new Option('--no-rate-limit', 'turn off ccxt\'s request spacing (local simulators)'))
    .addOption(new Option('--no-parquet', 'skip the Parquet copies'));
  addConfigOptions(cmd, (path) => path === 'venue' || path === 'dataDir' || path === 'rest.url' || path === 'rest.timeoutS' || path === 'proxy');
  cmd.exitOverride().showHelpAfterError('(run with --help for usage)');
  cmd.action(async (opts: Record<string, unknown>) => {
    let flags: HistoryFlags;
    try {
      const cfg = configFromFlags(opts);
      flags = {
        venue: cfg.venue, symbol: String(opts.symbol), timeframe: opts.timeframe as string | undefined,
        from: String(opts.from), to: opts.to as string | undefined, fill: opts.fill as boolean | undefined,
        dataDir: cfg.dataDir, restUrl: cfg.rest.url, timeoutMs: Math.round(cfg.rest.timeoutS * 1000), proxy: cfg.proxy,
        pageLimit: positiveInt(opts.pageLimit as string | undefined, '--page-limit'),
        retries: positiveInt(opts.retries as string, '--retries', 0),
        retryBaseMs: positiveInt(opts.retryBaseMs as string, '--retry-base-ms', 0),
        maxClockOffsetMs: positiveInt(opts.maxClockOffsetMs as string, '--max-clock-offset-ms', 0),
        rateLimit: opts.rateLimit as boolean | undefined, parquet: opts.parquet as boolean | undefined,
        combineLocal: opts.combineLocal as boolean | undefined, localLabel: opts.localLabel as string | undefined,
        tolerance: opts.tolerance as string | undefined,
      };
    } catch (e) {
      process.exitCode = reportFatal(e);
      return;
    }
    process.exitCode = await runHistory(kind, flags, {
      stdout: process.stdout, stderr: process.stderr, progress: process.stderr.isTTY === true,
    });
  });
  return cmd;
}

export const historyCommand = new Command('history')
  .description('Fetch candles or trades over REST into the data directory (resumable)')
  .addCommand(subcommand('candles'))
  .addCommand(subcommand('trades'));

/** Adds `marketfeed history …` to the CLI (src/cli/main.ts). */
export function register(program: Command): void {
  program.addCommand(historyCommand);
}
