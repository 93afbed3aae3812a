// marketfeed replay: a recorded data directory (or a cryptofeed capture, or a tick CSV) back
// through the live decoders and books. NDJSON events on stdout, or with --out-dir the same files
// `record` writes (trades, book, events; never raw: the raw capture is the input).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { defaultConfig, loadConfig, type Config } from '../core/config.js';
import { MarketfeedError } from '../core/errors.js';
import type { MarketEvent } from '../core/events.js';
import { createLogger } from '../core/log.js';
import { CaptureSink } from '../storage/capture.js';
import { newReplayProgress, replay, type ReplayOptions, type ReplayProgress } from '../replay/index.js';
import { EventLines } from '../replay/event-line.js';
import { replayNdjson } from '../replay/ndjson.js';
import { replayTicks } from '../replay/ticks.js';
import { EXIT_OK, onStopSignal, reportFatal } from './exit.js';
import { ProgressBar } from './progress-bar.js';

/** Events between two awaited flushes of the --out-dir writers. */
const FLUSH_EVERY = 20_000;

interface ReplayFlags {
  dataDir: string;
  venue?: string;
  symbols?: string;
  from?: string;
  to?: string;
  speed: string;
  jitter: string;
  seed: string;
  depth?: string;
  quoteCheck?: string;
  outDir?: string;
  capture?: string;
  http?: string;
  ticksPath?: string;
  workers?: string;
  progress: boolean;
  logLevel: string;
}

export const replayCommand = new Command('replay')
  .description('Replay a recorded data directory (or a cryptofeed capture / tick CSV) through the live decoders and books')
  .option('--data-dir <dir>', 'data directory written by record', './data')
  .option('--venue <label>', 'venue directory label (binance, sim-binance, binance-futures …); default: the only one in the data dir')
  .option('--symbols <list>', 'unified symbols, comma-separated (default: every symbol recorded)')
  .option('--from <time>', 'first receive time, UTC (YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS], or epoch µs)')
  .option('--to <time>', 'end receive time, exclusive, same forms as --from')
  .option('--speed <x>', '0 = as fast as possible, 1 = real time, 10 = ten times faster', '0')
  .option('--jitter <ms>', 'random extra delay per event, up to this many ms', '0')
  .option('--seed <n>', 'seed of the jitter', '1')
  .option('--depth <n>', 'book depth (default: the recording\'s run_start depth, else 20)')
  .addOption(new Option('--quote-check <mode>', 'bookTicker check, as record (default: the recording\'s, else count)').choices(['off', 'count', 'resync']))
  .option('--out-dir <dir>', 'write trades/book/events files (record\'s layout, with the storage settings of marketfeed.yaml and the environment) here instead of NDJSON to stdout')
  .option('--capture <file>', 'a cryptofeed websocket capture (*.ws.N.0) instead of a data directory')
  .option('--http <file>', 'the cryptofeed REST capture (*.http.N.0) that goes with --capture')
  .option('--ticks-path <file>', 'a timestamp,price,qty,side tick CSV (plain or gzip): emit its trades')
  .option('--workers <n>', 'worker threads besides the main one, each replaying some of the symbols, for NDJSON at full speed (0 = none; default: one fewer than the cores)')
  .option('--no-progress', 'no progress bar on a TTY')
  .option('--log-level <level>', 'log level', 'warn')
  .action(async (flags: ReplayFlags) => {
    const stop = onStopSignal();
    try {
      process.exitCode = await runReplay(flags, stop.promise);
    } catch (e) {
      process.exitCode = reportFatal(e);
    } finally {
      stop.dispose();
    }
  });

function usage(flag: string, expected: string, got: string): MarketfeedError {
  return new MarketfeedError('MF_ERR_USAGE', `bad --${flag}`, { path: flag, expected, got: JSON.stringify(got) });
}

function numberFlag(flag: string, text: string, integer = false): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw usage(flag, integer ? 'a non-negative integer' : 'a non-negative number', text);
  }
  return n;
}

/** The venue label: --venue, or the one directory of the data dir. */
async function venueLabel(flags: ReplayFlags): Promise<string> {
  if (flags.venue) return flags.venue;
  if (flags.capture) throw usage('venue', 'binance or binance-futures with --capture', '');
  const { readdirSync, statSync } = await import('node:fs');
  const labels = existsSync(flags.dataDir) ? readdirSync(flags.dataDir).filter((d) => statSync(resolve(flags.dataDir, d)).isDirectory()) : [];
  if (labels.length !== 1) {
    throw new MarketfeedError('MF_ERR_CONFIG', `pass --venue: ${flags.dataDir} holds ${labels.length === 0 ? 'no venue directory' : labels.join(', ')}`, {
      path: 'venue', got: flags.dataDir,
    });
  }
  return labels[0];
}

export async function runReplay(flags: ReplayFlags, stop: Promise<string>): Promise<number> {
  const speed = numberFlag('speed', flags.speed);
  const jitter = numberFlag('jitter', flags.jitter);
  const seed = numberFlag('seed', flags.seed, true);
  const depth = flags.depth === undefined ? undefined : numberFlag('depth', flags.depth, true);
  const workers = flags.workers === undefined ? undefined : numberFlag('workers', flags.workers, true);
  if (depth === 0) throw usage('depth', 'an integer >= 1', flags.depth!);
  const symbols = flags.symbols?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  let stopped = false;
  void stop.then(() => (stopped = true));

  if (flags.ticksPath !== undefined) {
    if (!existsSync(flags.ticksPath)) throw usage('ticks-path', 'an existing tick file', flags.ticksPath);
    const out = new LineOut();
    for await (const ev of replayTicks(flags.ticksPath, { symbol: symbols?.[0] })) {
      if (stopped) break;
      if (!(await out.write(ev))) break;
    }
    await out.end();
    return EXIT_OK;
  }

  if (flags.capture === undefined && !existsSync(flags.dataDir)) {
    throw new MarketfeedError('MF_ERR_CONFIG', `data directory ${flags.dataDir} does not exist`, { path: 'dataDir', got: flags.dataDir });
  }
  const label = await venueLabel(flags);
  if (flags.outDir !== undefined && flags.capture === undefined && resolve(flags.outDir, label) === resolve(flags.dataDir, label)) {
    throw usage('out-dir', 'a directory other than --data-dir (replay never rewrites its input)', flags.outDir);
  }
  const log = createLogger(flags.logLevel);
  const progress = newReplayProgress();
  const opts: ReplayOptions = {
    dataDir: flags.dataDir, venue: label, symbols, from: flags.from, to: flags.to, depth, speed, jitter, seed,
    quoteCheck: flags.quoteCheck as ReplayOptions['quoteCheck'], capture: flags.capture, http: flags.http, progress, log,
  };
  const bar = new ProgressBar('replay', progress, 'events', () => progress.events, flags.progress && process.stderr.isTTY === true);
  let sink: CaptureSink | undefined;
  const storageConfig = flags.outDir === undefined ? defaultConfig() : loadConfig({ env: process.env });
  // the ledger's run rows carry the replayed data's times, not the clock's: a row's day decides
  // its day directory, and days never roll back, so a run_start stamped today would draw every
  // older day's rows into today's files
  let lastTs: number | undefined;
  const sinkFor = (at?: number): CaptureSink => {
    if (at !== undefined && at > 0 && (lastTs === undefined || at > lastTs)) lastTs = at;
    if (sink === undefined) {
      // the storage settings of ./marketfeed.yaml and the environment (rotation, Parquet, which
      // outputs), as record would use them; never raw (replay reads it) or live files
      const cfg: Config = storageConfig;
      cfg.dataDir = flags.outDir!;
      cfg.depth = progress.depth;
      cfg.venue = label.replace(/^sim-/, '');
      cfg.symbols = progress.symbols;
      cfg.storage = { ...cfg.storage, raw: false, live: false };
      cfg.window = defaultConfig().window; // the capture already holds only what its window let in
      sink = new CaptureSink({ config: cfg, venueLabel: label, venue: cfg.venue, symbols: progress.symbols, log });
      sink.runStart(`replay of ${flags.capture ?? flags.dataDir} venue=${cfg.venue} symbols=${progress.symbols.join(' ')} depth=${progress.depth}`, lastTs);
    }
    return sink;
  };
  bar.start();
  try {
    if (flags.outDir !== undefined) {
      opts.handlers = {
        snapshot: (s, body, localTs, id) => sinkFor(localTs).handlers.snapshot(s, body, localTs, id),
        reject: (syms, reason, frame, localTs) => sinkFor(localTs).handlers.reject(syms, reason, frame, localTs),
      };
      let n = 0;
      for await (const ev of replay(opts)) {
        sinkFor(ev.localTs).handlers.event(ev);
        // replay outruns the writers: flushing now and then keeps their pending rows bounded
        // (beyond their budget they would drop rows) and lets the stop signal in
        if (++n % FLUSH_EVERY === 0) {
          await sinkFor().flush();
          if (stopped) break;
        }
      }
      sinkFor().runStop(`reason=${stopped ? 'signal' : 'end'} events=${progress.events}`, lastTs);
    } else if (speed === 0 && jitter === 0) {
      const out = new LineOut();
      for await (const chunk of replayNdjson({ ...opts, workers })) {
        if (stopped || !(await out.writeChunk(chunk))) break;
      }
      await out.end();
    } else {
      const out = new LineOut();
      for await (const ev of replay(opts)) {
        if (stopped || !(await out.write(ev))) break;
      }
      await out.end();
    }
  } finally {
    bar.stop();
    await sink?.close();
  }
  return EXIT_OK;
}

/** Stdout can take more, or is gone (then `error` has said so). */
function drained(): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      process.stdout.off('drain', done);
      process.stdout.off('close', done);
      process.stdout.off('error', done);
      resolve();
    };
    process.stdout.on('drain', done);
    process.stdout.on('close', done);
    process.stdout.on('error', done);
  });
}

/** NDJSON to stdout in large writes, waiting for drain; false once the reader has gone (EPIPE). */
class LineOut {
  private buf = '';
  private closed = false;
  private readonly lines = new EventLines();

  constructor() {
    process.stdout.on('error', () => (this.closed = true));
  }

  async write(ev: MarketEvent): Promise<boolean> {
    this.buf += this.lines.line(ev) + '\n';
    if (this.buf.length >= 1 << 16) await this.flush();
    return !this.closed;
  }

  /** Whole NDJSON lines, written as they are; resolves once written (the chunk may be reused then). */
  async writeChunk(chunk: Uint8Array): Promise<boolean> {
    if (this.closed) return false;
    // the callback comes once the chunk is written (or the write failed: `error` says so)
    await new Promise<void>((resolve) => process.stdout.write(chunk, () => resolve()));
    return !this.closed;
  }

  private async flush(): Promise<void> {
    if (this.buf === '' || this.closed) return;
    const ok = process.stdout.write(this.buf);
    this.buf = '';
    if (!ok) await drained();
  }

  async end(): Promise<void> {
    await this.flush();
  }
}
