// marketfeed record: live capture into the data directory until Ctrl-C, SIGTERM or --duration.
import { access, constants, mkdir } from 'node:fs/promises';
import { Command } from 'commander';
import type { Config } from '../core/config.js';
import { createLogger, type Logger } from '../core/log.js';
import { MarketfeedError } from '../core/errors.js';
import { Feed } from '../pipeline/feed.js';
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

export const recordCommand = addConfigOptions(
  new Command('record').description(`Record live market data into the data directory (venues: ${VENUE_IDS.join(', ')})`),
).action(async (opts: Record<string, unknown>) => {
  const stop = onStopSignal();
  try {
    const cfg = configFromFlags(opts);
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
  const spec = getVenue(cfg.venue);
  for (const s of cfg.symbols) spec.toVenueSymbol(s); // shape errors before any I/O
  await checkDataDir(cfg.dataDir);
  const venueLabel = cfg.sim ? `sim-${spec.id}` : spec.id;
  // the server first: its address is the first line the user sees, and a taken port stops us
  // before anything connects
  let feed: Feed | undefined;
  let sink: CaptureSink | undefined;
  const serving = cfg.serve
    ? await startServing(cfg, recordedStreams(cfg, spec, venueLabel), run.log, { venue: spec.id, feed: () => feed!.stats(), storage: () => sink!.stats() })
    : undefined;
  let sim: SimHandle | undefined;
  try {
    if (cfg.sim) {
      ({ sim, cfg } = await startEmbeddedSim(cfg, spec));
      run.log.info({ rest: sim.restUrl, ws: sim.wsUrl, faults: cfg.simulator.faults || 'none' }, 'simulated exchange started');
    }
  } catch (e) {
    await serving?.close();
    throw e;
  }
  sink = new CaptureSink({ config: cfg, venueLabel, venue: spec.id, symbols: cfg.symbols, log: run.log });
  // depth diffs (book_change events) are produced only for the live files that want them
  feed = new Feed({ config: cfg, handlers: serving ? both(sink, serving) : sink.handlers, log: run.log, emitChanges: cfg.storage.live });
  const status = new StatusLine(feed, sink, cfg.status && process.stdout.isTTY === true);
  let opened = false;
  try {
    await feed.check();
    opened = true;
    sink.runStart(`venue=${spec.id} symbols=${cfg.symbols.join(' ')} depth=${cfg.depth} quote_check=${cfg.quoteCheck} ws=${cfg.ws.url || spec.urls.ws} rest=${cfg.rest.url || spec.urls.rest}${sim ? ' sim=1' : ''}`);
    feed.open();
    run.log.info({ venue: spec.id, symbols: cfg.symbols, dataDir: cfg.dataDir }, 'recording');
    status.start();
    const timer = cfg.duration > 0 ? new Promise<string>((r) => setTimeout(r, cfg.duration, 'duration').unref()) : undefined;
    const why = await (timer ? Promise.race([run.stop, timer]) : run.stop);
    status.stop();
    run.log.info({ reason: why }, 'stopping: flushing files');
    await feed.stop();
    const f = feed.stats();
    const sum = (k: 'gaps' | 'resyncs' | 'quoteChecks' | 'quoteMismatches' | 'checksumChecks' | 'checksumMismatches'): number => f.symbols.reduce((n, x) => n + x[k], 0);
    sink.runStop(`reason=${why} frames=${f.framesIn} rejects=${f.rejects} gaps=${sum('gaps')} resyncs=${sum('resyncs')} quote_checks=${sum('quoteChecks')} quote_mismatches=${sum('quoteMismatches')} checksum_checks=${sum('checksumChecks')} checksum_mismatches=${sum('checksumMismatches')}`);
    return EXIT_OK;
  } finally {
    status.stop();
    await feed.stop();
    await serving?.close();
    await sink.close();
    await sim?.stop();
    // when the start failed, the error is the one line the user sees: no closing summary
    if (opened) {
      const f = feed.stats();
      const totals = {
        ...sink.stats(), framesIn: f.framesIn, bytesIn: f.bytesIn, reconnects: f.reconnects, rejects: f.rejects,
        gaps: f.symbols.reduce((n, s) => n + s.gaps, 0), resyncs: f.symbols.reduce((n, s) => n + s.resyncs, 0),
        quoteChecks: f.symbols.reduce((n, s) => n + s.quoteChecks, 0), quoteMismatches: f.symbols.reduce((n, s) => n + s.quoteMismatches, 0),
        checksumChecks: f.symbols.reduce((n, s) => n + s.checksumChecks, 0), checksumMismatches: f.symbols.reduce((n, s) => n + s.checksumMismatches, 0),
        maxRssMiB: process.resourceUsage().maxRSS / 1024,
        cpuS: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
      };
      run.log.info(totals, 'recording closed');
    }
  }
}

/** The streams a recording serves: its symbols, under the folder its files go to. */
function recordedStreams(cfg: Config, spec: VenueSpec, label: string): StreamRef[] {
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
