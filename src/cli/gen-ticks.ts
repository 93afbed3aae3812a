// marketfeed gen-ticks: write a synthetic `timestamp,price,qty,side` tick file for the offline
// simulator (`marketfeed replay --ticks-path …`). Flags arrive as text and are checked here, so
// a bad value is one MF_ERR_USAGE line on stderr and exit code 2.
import { join } from 'node:path';
import { Command } from 'commander';
import { MarketfeedError } from '../core/errors.js';
import { parseSymbol, symbolFs } from '../core/symbols.js';
import { parseFixed, writeTicksFile, type GenTicksOptions } from '../replay/gen-ticks.js';
import { EXIT_OK, reportFatal } from './exit.js';

export interface GenTicksFlags {
  symbol: string;
  rows: string;
  seed: string;
  out?: string;
  dataDir: string;
  start: string;
  intervalMs: string;
  startPrice?: string;
  tickSize?: string;
  lotSize?: string;
}

const MAX_ROWS = 1_000_000_000;
const INT_RE = /^\d+$/;
const NUMBER_RE = /^\d+(?:\.\d+)?$/;
/** An ISO 8601 time with an explicit zone, so the file does not depend on the machine's TZ. */
const ISO_UTC_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})$/;

function usage(flag: string, expected: string, got: string): MarketfeedError {
  return new MarketfeedError('MF_ERR_USAGE', `bad --${flag}`, { expected, got: JSON.stringify(got) });
}

function intFlag(flag: string, text: string, lo: number, hi: number): number {
  const n = Number(text);
  if (!INT_RE.test(text) || n < lo || n > hi) throw usage(flag, `an integer from ${lo} to ${hi}`, text);
  return n;
}

function decimalFlag(flag: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const f = parseFixed(text);
  if (f === undefined || f.units === 0) throw usage(flag, 'a plain decimal > 0, e.g. 0.01', text);
  return text;
}

/** The generator's options and the output path from the command's flags; throws MF_ERR_USAGE. */
export function parseGenTicksFlags(flags: GenTicksFlags): { out: string; options: GenTicksOptions } {
  if (!parseSymbol(flags.symbol)) throw usage('symbol', 'a unified symbol like BTC/USDT', flags.symbol);
  const rows = intFlag('rows', flags.rows, 1, MAX_ROWS);
  const seed = intFlag('seed', flags.seed, 0, 0xffffffff);
  const startMs = ISO_UTC_RE.test(flags.start) ? Date.parse(flags.start) : NaN;
  if (!Number.isFinite(startMs) || startMs < 0) throw usage('start', 'an ISO time with a zone, e.g. 2026-01-01T00:00:00Z', flags.start);
  const intervalMs = Number(flags.intervalMs);
  if (!NUMBER_RE.test(flags.intervalMs) || !(intervalMs > 0) || intervalMs > 86_400_000) {
    throw usage('interval-ms', 'a mean interval in milliseconds, > 0 and at most one day', flags.intervalMs);
  }
  if (flags.out === '') throw usage('out', 'a file path', flags.out);
  const out = flags.out ?? join(flags.dataDir, 'ticks', `${symbolFs(flags.symbol)}_synthetic.csv`);
  const options: GenTicksOptions = {
    symbol: flags.symbol, rows, seed, startTs: Math.round(startMs * 1000), meanIntervalMs: intervalMs,
    startPrice: decimalFlag('start-price', flags.startPrice),
    tickSize: decimalFlag('tick-size', flags.tickSize),
    lotSize: decimalFlag('lot-size', flags.lotSize),
  };
  return { out, options };
}

/** A fresh command (tests parse several command lines; commander keeps option values per instance). */
export function createGenTicksCommand(): Command {
  return new Command('gen-ticks')
    .description('Write a synthetic timestamp,price,qty,side tick file for `marketfeed replay --ticks-path` (seeded, deterministic)')
    .option('--symbol <symbol>', 'unified symbol; picks default price, tick and lot sizes', 'BTC/USDT')
    .option('--rows <n>', 'number of trades to write', '100000')
    .option('--seed <n>', 'seed of the market model (same seed, same file)', '1')
    .option('--out <file>', 'output path; .gz compresses (default <data-dir>/ticks/<SYMBOL_FS>_synthetic.csv)')
    .option('--data-dir <dir>', 'data directory', 'data')
    .option('--start <time>', 'time of the first trade, ISO 8601 with a zone', '2026-01-01T00:00:00Z')
    .option('--interval-ms <ms>', 'mean time between taker orders (exponential)', '100')
    .option('--start-price <price>', 'first price (default by base: BTC 60000, ETH 3000, else 100)')
    .option('--tick-size <price>', 'price grid (default 0.01)')
    .option('--lot-size <qty>', 'quantity grid (default by base)')
    .action(async (flags: GenTicksFlags) => {
      try {
        const { out, options } = parseGenTicksFlags(flags);
        const file = await writeTicksFile(out, options).catch((e: NodeJS.ErrnoException) => {
          if (e.code === undefined) throw e;
          throw new MarketfeedError('MF_ERR_WRITE_FAILED', `cannot write ${out} (${e.code})`, { cause: e });
        });
        process.stdout.write(`${file.path} ${file.rows} rows\n`);
        process.exitCode = EXIT_OK;
      } catch (e) {
        process.exitCode = reportFatal(e instanceof RangeError ? new MarketfeedError('MF_ERR_USAGE', e.message) : e);
      }
    });
}

export const genTicksCommand = createGenTicksCommand();
