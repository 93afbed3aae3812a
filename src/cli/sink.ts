// marketfeed sink --nats URL (--postgres URL | --data-dir DIR): a durable JetStream consumer that
// writes what recorders publish into PostgreSQL (exactly once: natural keys) or into the same
// files `record` writes. Several sinks with one --durable name share the load. Runs until Ctrl-C,
// SIGTERM or --duration, then prints one summary line.
import { Command } from 'commander';
import { loadConfig } from '../core/config.js';
import { MarketfeedError } from '../core/errors.js';
import { createLogger } from '../core/log.js';
import { parseDurationMs } from '../core/time.js';
import { FilesTarget } from '../sinks/files-target.js';
import { BusConsumer, type SinkTarget } from '../sinks/nats/consumer.js';
import { parseNatsServers } from '../sinks/nats/publisher.js';
import { PostgresTarget } from '../sinks/postgres/target.js';
import { checkPostgresUrl, PgWriter } from '../sinks/postgres/writer.js';
import { EXIT_OK, onStopSignal, reportFatal } from './exit.js';

interface SinkFlags {
  nats?: string;
  natsStream: string;
  natsPrefix: string;
  postgres?: string;
  dataDir?: string;
  init?: boolean;
  durable?: string;
  batch: string;
  duration?: string;
  logLevel: string;
}

/** PostgreSQL connections (and batches in the works) per sink process. */
const PG_WORKERS = 2;

const usage = (message: string, got?: string): MarketfeedError => new MarketfeedError('MF_ERR_USAGE', message, got === undefined ? {} : { got });

export const sinkCommand = new Command('sink')
  .description('Consume the NATS JetStream bus (what `record --nats` publishes) into PostgreSQL or a data directory')
  .option('--nats <url>', 'NATS server(s), e.g. nats://127.0.0.1:4222')
  .option('--nats-stream <name>', 'JetStream stream', 'MARKETFEED')
  .option('--nats-prefix <prefix>', 'subject prefix the recorders used (empty = none)', '')
  .option('--postgres <url>', 'write into PostgreSQL, e.g. postgresql://user@127.0.0.1:5432/db')
  .option('--data-dir <dir>', 'write the same files `record` writes into this directory')
  .option('--init', 'create the PostgreSQL tables when missing')
  .option('--durable <name>', 'durable consumer name; sinks with the same name share the load (default marketfeed-sink-postgres / -files)')
  .option('--batch <n>', 'messages per fetch and per write', '1000')
  .option('--duration <d>', 'stop after this long (e.g. 30s; default: until Ctrl-C)')
  .option('--log-level <level>', 'log level', 'info')
  .action(async (flags: SinkFlags) => {
    const stop = onStopSignal();
    try {
      process.exitCode = await runSink(flags, stop.promise);
    } catch (e) {
      process.exitCode = reportFatal(e);
    } finally {
      stop.dispose();
    }
  });

async function runSink(flags: SinkFlags, stopSignal: Promise<string>): Promise<number> {
  if (flags.nats === undefined) throw usage('sink needs --nats <url> (the bus the recorders publish to)');
  parseNatsServers(flags.nats);
  if ((flags.postgres === undefined) === (flags.dataDir === undefined)) throw usage('sink needs exactly one of --postgres <url> or --data-dir <dir>');
  if (flags.postgres !== undefined) checkPostgresUrl(flags.postgres);
  const batch = Number(flags.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 100_000) throw usage(`--batch ${JSON.stringify(flags.batch)} is not an integer from 1 to 100000`, flags.batch);
  const durationMs = flags.duration === undefined ? 0 : parseDurationMs(flags.duration);
  if (!(durationMs >= 0)) throw usage(`--duration ${JSON.stringify(flags.duration)} is not a duration such as 30s, 5m, 2h`, flags.duration);
  const log = createLogger(flags.logLevel);

  // PostgreSQL: two connections, so one batch is decoded while the other commits; files: one writer
  const targets: SinkTarget[] = [];
  try {
    if (flags.postgres === undefined) targets.push(new FilesTarget({ ...loadConfig({}), dataDir: flags.dataDir! }, log));
    else for (let i = 0; i < PG_WORKERS; i++) targets.push(new PostgresTarget(await PgWriter.connect(flags.postgres, { init: i === 0 && flags.init === true, log })));
  } catch (e) {
    await Promise.all(targets.map((t) => t.close()));
    throw e;
  }
  const target = targets[0];
  const consumer = new BusConsumer({
    servers: flags.nats, stream: flags.natsStream, prefix: flags.natsPrefix,
    durable: flags.durable ?? (flags.postgres !== undefined ? 'marketfeed-sink-postgres' : 'marketfeed-sink-files'), batch, log,
  });
  try {
    await consumer.start(target.wantsRaw);
  } catch (e) {
    await Promise.all(targets.map((t) => t.close()));
    throw e;
  }
  const abort = new AbortController();
  const timer = durationMs > 0 ? setTimeout(() => abort.abort('duration'), durationMs) : undefined;
  void stopSignal.then((sig) => abort.abort(sig));
  log.info({ nats: flags.nats, stream: flags.natsStream, target: flags.postgres !== undefined ? 'postgres' : flags.dataDir }, 'sink consuming');
  try {
    await consumer.run(targets, abort.signal);
  } finally {
    clearTimeout(timer);
    await consumer.stop();
    await Promise.all(targets.map((t) => t.close()));
  }
  const s = consumer.stats;
  process.stdout.write(`sink: delivered ${s.delivered}, written ${s.written}, rejected ${s.rejected}, write failures ${s.writeFailures}\n`);
  return EXIT_OK;
}
