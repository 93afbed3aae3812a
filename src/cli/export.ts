// marketfeed export --format tardis: a recorded data directory as Tardis.dev's downloadable CSV
// files (export/tardis-export.ts). A summary on stdout, warnings on stderr; exit 0 clean, 1 when a
// day did not validate (it is exported anyway) or the export was interrupted, 2 on bad input.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { Command } from 'commander';
import { MarketfeedError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { exportTardis, parseTypes, TARDIS_DATA_TYPES, type ExportProgress, type TardisExportReport } from '../export/index.js';
import { EXIT_FAILED, EXIT_OK, onStopSignal, reportFatal } from './exit.js';
import { ProgressBar } from './progress-bar.js';

const FORMATS = ['tardis'];
/** Directories of a data dir that are not venue recordings (storage.live, storage.ticks). */
const NOT_VENUES: ReadonlySet<string> = new Set(['live', 'ticks']);

interface ExportFlags {
  format?: string;
  dataDir: string;
  outDir?: string;
  venue?: string;
  symbols?: string;
  from?: string;
  to?: string;
  types?: string;
  validate: boolean;
  progress: boolean;
  logLevel: string;
}

export const exportCommand = new Command('export')
  .description('Write a recorded data directory as another tool\'s files (Tardis.dev CSV), from the verified replay')
  .option('--format <format>', `output format: ${FORMATS.join(', ')}`)
  .option('--data-dir <dir>', 'data directory written by record', './data')
  .option('--out-dir <dir>', 'where the files go (<exchange>_<data_type>_<YYYY-MM-DD>_<SYMBOL>.csv.gz)')
  .option('--venue <label>', 'venue directory label (binance, sim-binance …); default: the only one in the data dir')
  .option('--symbols <list>', 'unified symbols, comma-separated (default: every symbol recorded)')
  .option('--from <time>', 'first receive time, UTC (YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS], or epoch µs)')
  .option('--to <time>', 'end receive time, exclusive, same forms as --from')
  .option('--types <list>', `data types, comma-separated (default: all of ${TARDIS_DATA_TYPES.join(',')})`)
  .option('--no-validate', 'skip proving each exported day with the validator')
  .option('--no-progress', 'no progress bar on a TTY')
  .option('--log-level <level>', 'log level (the replay\'s own warnings: rejected frames, gaps)', 'error')
  .action(async (flags: ExportFlags) => {
    const stop = onStopSignal();
    try {
      process.exitCode = await runExport(flags, stop.promise);
    } catch (e) {
      process.exitCode = reportFatal(e);
    } finally {
      stop.dispose();
    }
  });

function usage(message: string, path: string, expected: string, got: string): MarketfeedError {
  return new MarketfeedError('MF_ERR_USAGE', message, { path, expected, got });
}

/** The venue label: --venue, or the one directory of the data dir. */
function venueLabel(flags: ExportFlags): string {
  if (flags.venue) return flags.venue;
  const labels = readdirSync(flags.dataDir).filter((d) => !NOT_VENUES.has(d) && statSync(resolve(flags.dataDir, d)).isDirectory());
  if (labels.length !== 1) {
    throw new MarketfeedError('MF_ERR_CONFIG', `pass --venue: ${flags.dataDir} holds ${labels.length === 0 ? 'no venue directory' : labels.join(', ')}`, {
      path: 'venue', got: flags.dataDir,
    });
  }
  return labels[0];
}

async function runExport(flags: ExportFlags, stopSignal: Promise<string>): Promise<number> {
  if (flags.format === undefined) throw usage('--format is required', 'format', FORMATS.join(', '), '(none)');
  if (!FORMATS.includes(flags.format)) throw usage(`unknown format ${JSON.stringify(flags.format)}`, 'format', `one of ${FORMATS.join(', ')}`, flags.format);
  if (flags.outDir === undefined) throw usage('--out-dir is required', 'out-dir', 'a directory for the exported files', '(none)');
  const types = flags.types === undefined ? undefined : parseTypes(flags.types);
  if (!existsSync(flags.dataDir)) throw new MarketfeedError('MF_ERR_CONFIG', `data directory ${flags.dataDir} does not exist`, { path: 'dataDir', got: flags.dataDir });
  const venue = venueLabel(flags);
  const recording = resolve(flags.dataDir, venue);
  const out = resolve(flags.outDir);
  if (out === recording || out.startsWith(recording + sep)) {
    throw usage('--out-dir lies inside the recording it reads', 'out-dir', `a directory outside ${recording}`, flags.outDir);
  }
  const symbols = flags.symbols?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const signal = { stopped: false };
  void stopSignal.then(() => (signal.stopped = true));
  const progress: ExportProgress = { bytesRead: 0, bytesTotal: 0, rows: 0, phase: '' };
  const bar = new ProgressBar('export', progress, 'rows', () => progress.rows, flags.progress && process.stderr.isTTY === true, () => progress.phase);
  bar.start();
  let report: TardisExportReport;
  try {
    report = await exportTardis({
      dataDir: flags.dataDir, outDir: flags.outDir, venue, symbols, from: flags.from, to: flags.to, types,
      validate: flags.validate, progress, signal, log: createLogger(flags.logLevel),
    });
  } finally {
    bar.stop();
  }
  process.stdout.write(summary(report, flags.outDir));
  for (const n of report.notes) process.stderr.write(`marketfeed: note: ${n}\n`);
  for (const p of report.problems) process.stderr.write(`marketfeed: warning: ${p}\n`);
  if (report.stopped) {
    process.stderr.write('marketfeed: export stopped: the files of the days in progress were removed\n');
    return EXIT_FAILED;
  }
  return report.problems.length > 0 ? EXIT_FAILED : EXIT_OK;
}

const fmt = (n: number): string => n.toLocaleString('en-US');

function summary(r: TardisExportReport, outDir: string): string {
  const lines = [`export tardis: ${r.venue} as ${r.exchange} → ${outDir}: ${r.files.length} files`];
  for (const [t, rows] of Object.entries(r.rows)) {
    const files = r.files.filter((f) => f.dataType === t).length;
    if (files > 0) lines.push(`  ${t.padEnd(20)} ${fmt(rows).padStart(12)} rows in ${files} file${files === 1 ? '' : 's'}`);
  }
  for (const d of r.days) lines.push(`  validate ${d.symbol} ${d.day}: ${d.clean ? 'CLEAN' : `PROBLEMS FOUND (${d.summary})`}`);
  return lines.join('\n') + '\n';
}
