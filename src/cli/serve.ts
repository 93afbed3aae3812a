// marketfeed serve --data-dir D: serves what a recorder in another process writes there — the
// dashboard, REST, the relay, Prometheus and the metrics WebSocket, fed by the live files
// (`record --storage-live`) and the data dir's stored candles. Runs until Ctrl-C / SIGTERM.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { createLogger } from '../core/log.js';
import { MarketfeedError } from '../core/errors.js';
import { LIVE_DIR } from '../storage/live.js';
import { streamOfEvent, streamsInDataDir } from '../serve/data-dir-streams.js';
import { LiveTail } from '../serve/live-tail.js';
import { addConfigOptions, configFromFlags } from './config-flags.js';
import { EXIT_OK, onStopSignal, reportFatal } from './exit.js';
import { startServing } from './serving.js';

const SERVE_KEYS = new Set(['dataDir', 'logLevel', 'serveHost', 'servePort', 'metricsPort', 'serveToken', 'serveMaxClients', 'serveClientQueue']);

export const serveCommand = addConfigOptions(
  new Command('serve').description('Serve what a recorder in another process writes to --data-dir (start it with --storage-live): dashboard, REST, relay, Prometheus, metrics WebSocket'),
  (path) => SERVE_KEYS.has(path),
).action(async (opts: Record<string, unknown>) => {
  const stop = onStopSignal();
  try {
    const cfg = configFromFlags(opts);
    const log = createLogger(cfg.logLevel);
    if (!existsSync(cfg.dataDir)) {
      throw new MarketfeedError('MF_ERR_CONFIG', `data directory ${cfg.dataDir} does not exist`, { path: 'dataDir', expected: 'the --data-dir of a recorder', got: cfg.dataDir });
    }
    if (!existsSync(join(cfg.dataDir, LIVE_DIR))) {
      log.warn({ dataDir: cfg.dataDir }, `no ${LIVE_DIR}/ folder yet: start the recorder with --storage-live (serving stored data until it appears)`);
    }
    const serving = await startServing(cfg, streamsInDataDir(cfg.dataDir), log);
    const { hub } = serving;
    const tail = new LiveTail({
      dataDir: cfg.dataDir, log,
      onEvent: (ev) => {
        if (hub.state(ev.venue, ev.venueSymbol) === undefined) hub.add(streamOfEvent(cfg.dataDir, ev));
        hub.onEvent(ev);
      },
    });
    try {
      await tail.start();
      log.info({ dataDir: cfg.dataDir, streams: hub.streams().length }, 'serving the data dir');
      const why = await stop.promise;
      log.info({ reason: why, lines: tail.stats.lines, skipped: tail.stats.rejected }, 'stopping');
    } finally {
      await tail.stop();
      await serving.close();
    }
    process.exitCode = EXIT_OK;
  } catch (e) {
    process.exitCode = reportFatal(e);
  } finally {
    stop.dispose();
  }
});
