// marketfeed record: live capture into the data directory until Ctrl-C, SIGTERM or --duration.
import { warmUpCollections } from '../core/warm-up-gc.js';
import { access, constants, mkdir } from 'node:fs/promises';
import { Command, Option } from 'commander';
import type { Config } from '../core/config.js';
import { createLogger, type Logger } from '../core/log.js';
import { MarketfeedError } from '../core/errors.js';
import { Feed, type FeedStats } from '../pipeline/feed.js';
import { getVenue, VENUE_IDS } from '../venues/index.js';
import { CaptureSink } from '../storage/capture.js';
import type { SimHandle } from '../sim/index.js';
import { startEmbeddedSim } from './embedded-sim.js';
import { addConfigOptions, configFromFlags } from './config-flags.js';
import { EXIT_OK, onStopSignal, reportFatal } from './exit.js';
import { StatusLine } from './status-line.js';
import { startServing, type Serving } from './serving.js';
import type { SessionHandlers } from '../venues/index.js';
import type { VenueSpec } from '../venues/types.js';
import type { StreamRef } from '../serve/types.js';
import { isCcxtVenue, planCcxt } from '../venues/ccxt/index.js';
import { parseShard, shardSymbols } from '../core/shard.js';
import type { NatsPublisher } from '../sinks/nats/publisher.js';
import { busSummary, PostgresOutput, startBus, startTicks, ticksSummary, withTicks } from './record-outputs.js';
import type { TicksStream } from '../storage/ticks-stream.js';
import { claimSymbols } from './repair.js';
import { ProxyRoute } from '../transport/proxy.js';

export const recordCommand = addConfigOptions(
  new Command('record').description(`Record live market data into the data directory (venues: ${VENUE_IDS.join(', ')}, or ccxt:<id> for any ccxt pro exchange)`),
)
  .addOption(new Option('--ticks-csv', 'same as --storage-ticks: append every trade to <data-dir>/ticks/<SYMBOL_FS>_stream.csv for tailing (see --storage-ticks)'))
  .addOption(new Option('--no-ticks-csv', 'same as --no-storage-ticks').hideHelp())
  .action(async (opts: Record<string, unknown>) => {
  const stop = onStopSignal();
  try {
    const cfg = configFromFlags({ ...opts, storageTicks: opts.storageTicks ?? opts.ticksCsv });
    const log = createLogger(cfg.logLevel);
    process.exitCode = await runRecorder(cfg, { stop: stop.promise, log });
  } catch (e) {
    process.exitCode = reportFatal(e);
  } finally {
    stop.dispose();
  }
});

/** A data dir we cannot create or write is a usage error, found before anything connects. */
async function checkDataDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (e) {
    throw new MarketfeedError('MF_ERR_CONFIG', `data directory ${dir} is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      path: 'dataDir', expected: 'a writable directory', got: dir,
    });
  }
}

export interface RecorderRun {
  stop: Promise<string>;
  log: Logger;
}

/** Runs one recording; resolves with the exit code once every file is flushed and closed. */
export async function runRecorder(cfg: Config, run: RecorderRun): Promise<number> {
  new ProxyRoute(cfg.proxy); // a malformed proxy (option or HTTPS_PROXY …) is a usage error: one line, before any I/O
  const spec = await recordedVenue(cfg); // unknown venue, bad symbol shapes, refused ccxt books: before any I/O
  cfg = shardOf(cfg, run.log);
  await checkDataDir(cfg.dataDir);
  // one writer per (data dir, venue, symbol), and whatever a crash left made whole, before anything starts
  const claim = await claimSymbols(cfg.dataDir, spec.label, cfg.symbols, run.log);
  try {
    return await recordClaimed(cfg, spec, run);
  } finally {
    claim.release();
  }
}

async function recordClaimed(cfg: Config, spec: RecordedVenue, run: RecorderRun): Promise<number> {
  const venueLabel = spec.label;
  // the server first: its address is the first line the user sees, and a taken port stops us
  // before anything connects
  let feed: Feed | undefined;
  let sink: CaptureSink | undefined;
  const serving = cfg.serve
    ? await startServing(cfg, recordedStreams(cfg, spec, venueLabel), run.log, { venue: spec.id, feed: () => feed!.stats(), storage: () => sink!.stats() })
    : undefined;
  let sim: SimHandle | undefined;
  let bus: NatsPublisher | undefined;
  let pg: PostgresOutput | undefined;
  let ticks: TicksStream | undefined;
  try {
    // the bus and the database before the venue: a wrong URL stops us before anything connects
    bus = await startBus(cfg, venueLabel, run.log);
    pg = await PostgresOutput.start(cfg, run.log);
    ticks = await startTicks(cfg, venueLabel, run.log);
    if (cfg.sim) {
      ({ sim, cfg } = await startEmbeddedSim(cfg, spec.native!)); // recordedVenue refuses --sim without a native spec
      run.log.info({ rest: sim.restUrl, ws: sim.wsUrl, faults: cfg.simulator.faults || 'none' }, 'simulated exchange started');
    }
  } catch (e) {
    await bus?.stop(0);
    await pg?.stop(0);
    await ticks?.close();
    await serving?.close();
    throw e;
  }
  sink = new CaptureSink({ config: cfg, venueLabel, venue: spec.id, symbols: cfg.symbols, log: run.log });
  // depth diffs (book_change events) are produced only for the live files that want them
  const handlers = withOutputs(withTicks(serving ? both(sink, serving) : sink.handlers, ticks), bus, pg);
  feed = new Feed({ config: cfg, handlers, log: run.log, emitChanges: cfg.storage.live });
  const status = new StatusLine(feed, sink, cfg.status && process.stdout.isTTY === true);
  let opened = false;
  let stopWarmUp: (() => void) | undefined;
  try {
    await feed.check();
    opened = true;
    sink.runStart(`venue=${spec.id} symbols=${cfg.symbols.join(' ')} depth=${cfg.depth} quote_check=${cfg.quoteCheck} ws=${cfg.ws.url || spec.urls.ws} rest=${cfg.rest.url || spec.urls.rest}${sim ? ' sim=1' : ''}${cfg.redundant > 1 ? ` redundant=${cfg.redundant}` : ''}${spec.runDetail ?? ''}`);
    feed.open();
    stopWarmUp = warmUpCollections(); // memory: see core/warm-up-gc.ts
    run.log.info({ venue: spec.id, symbols: cfg.symbols, dataDir: cfg.dataDir }, 'recording');
    status.start();
    const timer = cfg.duration > 0 ? new Promise<string>((r) => setTimeout(r, cfg.duration, 'duration').unref()) : undefined;
    const why = await (timer ? Promise.race([run.stop, timer]) : run.stop);
    status.stop();
    run.log.info({ reason: why }, 'stopping: flushing files');
    await feed.stop();
    const f = feed.stats();
    const sum = (k: 'gaps' | 'resyncs' | 'quoteChecks' | 'quoteMismatches' | 'checksumChecks' | 'checksumMismatches'): number => f.symbols.reduce((n, x) => n + x[k], 0);
    sink.runStop(`reason=${why} frames=${f.framesIn} rejects=${f.rejects} gaps=${sum('gaps')} resyncs=${sum('resyncs')} quote_checks=${sum('quoteChecks')} quote_mismatches=${sum('quoteMismatches')} checksum_checks=${sum('checksumChecks')} checksum_mismatches=${sum('checksumMismatches')}${redundancyDetail(f)}`);
    return EXIT_OK;
  } finally {
    stopWarmUp?.();
    status.stop();
    await feed.stop();
    await bus?.stop();
    await pg?.stop();
    await serving?.close();
    await sink.close();
    await ticks?.close();
    await sim?.stop();
    // when the start failed, the error is the one line the user sees: no closing summary
    if (opened) {
      const f = feed.stats();
      const totals = {
        ...sink.stats(), framesIn: f.framesIn, bytesIn: f.bytesIn, reconnects: f.reconnects, rejects: f.rejects,
        gaps: f.symbols.reduce((n, s) => n + s.gaps, 0), resyncs: f.symbols.reduce((n, s) => n + s.resyncs, 0),
        quoteChecks: f.symbols.reduce((n, s) => n + s.quoteChecks, 0), quoteMismatches: f.symbols.reduce((n, s) => n + s.quoteMismatches, 0),
        checksumChecks: f.symbols.reduce((n, s) => n + s.checksumChecks, 0), checksumMismatches: f.symbols.reduce((n, s) => n + s.checksumMismatches, 0),
        ...busSummary(bus?.stats()), ...ticksSummary(ticks), ...(pg === undefined ? {} : { postgresRows: pg.stats.written, postgresInserted: pg.stats.inserted }),
        maxRssMiB: process.resourceUsage().maxRSS / 1024,
        cpuS: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      };
      run.log.info(totals, 'recording closed');
    }
  }
}

/** `--shard i/n`: this machine's share of the symbol list (an empty share is a usage error). */
function shardOf(cfg: Config, log: Logger): Config {
  const shard = parseShard(cfg.shard);
  if (shard === undefined) return cfg;
  const symbols = shardSymbols(cfg.symbols, shard);
  if (symbols.length === 0) {
    throw new MarketfeedError('MF_ERR_CONFIG', `shard ${shard.index}/${shard.count} of ${cfg.symbols.length} symbol(s) is empty: use fewer shards or more symbols`, {
      path: 'shard', got: cfg.shard,
    });
  }
  log.info({ shard: `${shard.index}/${shard.count}`, symbols }, 'recording this shard of the symbol list');
  return { ...cfg, symbols };
}

/** After the files (and the server), every event and frame also goes to the bus and the database. */
function withOutputs(h: Partial<SessionHandlers>, bus: NatsPublisher | undefined, pg: PostgresOutput | undefined): Partial<SessionHandlers> {
  if (bus === undefined && pg === undefined) return h;
  const event = h.event!;
  const raw = h.raw;
  return {
    ...h,
    event: (ev) => {
      event(ev);
      bus?.publishEvent(ev);
      pg?.add(ev);
    },
    raw: (f, symbols) => {
      raw?.(f, symbols);
      bus?.publishRaw(f, symbols);
    },
  };
}

/** What the recorder needs of its venue: a native spec's facts, or the ccxt fallback's plan. */
interface RecordedVenue {
  id: string;
  /** Directory under the data dir. */
  label: string;
  urls: { ws: string; rest: string };
  kinds: { book: boolean };
  toVenueSymbol(unified: string): string;
  native?: VenueSpec;
  /** Extra run_start fields. */
  runDetail?: string;
}

async function recordedVenue(cfg: Config): Promise<RecordedVenue> {
  if (isCcxtVenue(cfg.venue)) {
    if (cfg.sim) {
      throw new MarketfeedError('MF_ERR_USAGE', `--sim speaks the native venues' protocols only; for ${cfg.venue} point --ws-url / --rest-url (or --ccxt-config urls) at a server`, {
        path: 'sim', expected: `a native venue (${VENUE_IDS.join(', ')}) with --sim`, got: cfg.venue,
      });
    }
    if (cfg.redundant > 1) {
      throw new MarketfeedError('MF_ERR_USAGE', `--redundant ${cfg.redundant} needs a native venue (ccxt opens its own sockets); drop it for ${cfg.venue}`, {
        path: 'redundant', expected: `1 for ${cfg.venue}, or a native venue (${VENUE_IDS.join(', ')})`, got: String(cfg.redundant),
      });
    }
    const plan = await planCcxt(cfg);
    return {
      id: plan.venue, label: plan.label, urls: { ws: 'ccxt-default', rest: 'ccxt-default' }, kinds: { book: plan.books !== 'off' },
      toVenueSymbol: (s) => s, runDetail: ` books=${plan.books} watch=${plan.kinds.join(',')}`,
    };
  }
  const spec = getVenue(cfg.venue);
  for (const s of cfg.symbols) spec.toVenueSymbol(s); // shape errors before any I/O
  return { ...spec, label: cfg.sim ? `sim-${spec.id}` : spec.id, native: spec };
}

/** The streams a recording serves: its symbols, under the folder its files go to. */
function recordedStreams(cfg: Config, spec: RecordedVenue, label: string): StreamRef[] {
  return cfg.symbols.map((symbol) => ({
    venue: spec.id, symbol, venueSymbol: spec.toVenueSymbol(symbol), label, depth: spec.kinds.book ? cfg.depth : 0,
  }));
}

/** The sink's handlers, then the server's: files first, so what is served is already on its way to disk. */
function both(sink: CaptureSink, serving: Serving): Partial<SessionHandlers> {
  const h = sink.handlers;
  const hub = serving.hub;
  const server = serving.server;
  return {
    event: (ev) => {
      h.event(ev);
      hub.onEvent(ev);
    },
    raw: h.raw,
    snapshot: h.snapshot,
    reject: (symbols, reason, frame, localTs) => {
      h.reject(symbols, reason, frame, localTs);
      server.onReject();
    },
    snapshotTiming: (venue, _symbol, seconds, ok) => server.prometheus.snapshotTiming(venue, seconds, ok),
  };
}

/**
 * `--redundant 2`: what the A/B merge did over the run, for the run_stop row: how often each line
 * filled in for the other, second copies dropped, updates both lines missed, late trades kept,
 * bad copies replaced.
 */
function redundancyDetail(f: FeedStats): string {
  if (f.lines === undefined || f.lines.length === 0) return '';
  let duplicates = 0, bothMissed = 0, tradesFilled = 0, rejected = 0;
  for (const s of f.symbols) {
    duplicates += s.redundancy?.duplicates ?? 0;
    bothMissed += s.redundancy?.bothMissed ?? 0;
    tradesFilled += s.redundancy?.tradesFilled ?? 0;
    rejected += s.redundancy?.rejected ?? 0;
  }
  const fills = f.lines.map((l) => ` line_${l.line}_fills=${l.fills} line_${l.line}_reconnects=${l.reconnects}`).join('');
  // copies_rejected: copies whose own checksum refuted them, replaced by the other line's
  return `${fills} redundant_duplicates=${duplicates} both_lines_missed=${bothMissed} trades_filled=${tradesFilled} copies_rejected=${rejected}`;
}
