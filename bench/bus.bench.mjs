// The scale-out path's rates on this machine (figures printed, never asserted):
//   publish  recorder → JetStream, every message acknowledged (NatsPublisher, the machine's NATS)
//   sink     JetStream → PostgreSQL (BusConsumer + PgWriter: staging COPY + INSERT … ON CONFLICT)
// against what 100 symbols at the simulator's default cadence need (about 30 messages a second
// per symbol: 10 book tops, trades, raw frames).
// usage: node bench/bus.bench.mjs [events=100000] [nats=nats://127.0.0.1:4222] [postgres=postgresql://postgres@127.0.0.1:5432/test]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const load = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { NatsPublisher } = await load('sinks/nats/publisher.js');
const { BusConsumer } = await load('sinks/nats/consumer.js');
const { PgWriter } = await load('sinks/postgres/writer.js');
const { PostgresTarget } = await load('sinks/postgres/target.js');
const { DEFAULT_STREAM } = await load('sinks/nats/stream.js');
const { silentLogger } = await load('core/log.js');

const N = Number(process.argv[2] ?? 100_000);
const NATS = process.argv[3] ?? 'nats://127.0.0.1:4222';
const ADMIN = process.argv[4] ?? 'postgresql://postgres@127.0.0.1:5432/test';
const NEED = 100 * 30;
const tag = `mfbench${process.pid}`;
const stream = { ...DEFAULT_STREAM, name: tag.toUpperCase(), prefix: tag };
const spool = mkdtempSync(join(tmpdir(), 'mf-bus-bench-'));

// a realistic mix: per 10 messages, 3 trades and 7 top-20 books, over 100 symbols
const t0 = 1_800_000_000_000_000;
function event(i) {
  const sym = `C${i % 100}/USDT`;
  const base = { venue: 'binance', symbol: sym, venueSymbol: sym.replace('/', ''), ts: t0 + i, localTs: t0 + i + 500 };
  if (i % 10 < 3) return { ...base, type: 'trade', id: String(i), price: '60000.10', amount: '0.01200000', side: i % 2 ? 'buy' : 'sell' };
  const lv = (p) => Array.from({ length: 20 }, (_, k) => [(p + k * 0.1).toFixed(2), '1.50000000']);
  return { ...base, type: 'book_snapshot', depth: 20, updateId: i, bids: lv(59_990), asks: lv(60_000) };
}

const pub = new NatsPublisher({ servers: NATS, stream, spoolDir: spool, log: silentLogger, raw: false });
await pub.start();
let start = performance.now();
for (let i = 0; i < N; i++) pub.publishEvent(event(i));
const queued = performance.now() - start;
await pub.idle();
const publishS = (performance.now() - start) / 1000;
await pub.stop(1000);
const pubRate = N / publishS;
console.log(`publish  ${N} events: queued in ${queued.toFixed(0)} ms (${(N / queued * 1000).toFixed(0)}/s on the capture thread), all acked in ${publishS.toFixed(2)} s = ${pubRate.toFixed(0)} msg/s (${(pubRate / NEED).toFixed(1)}x the ${NEED} msg/s of 100 symbols)`);

const db = `mf_bench_${process.pid}`;
const admin = new pg.Client({ connectionString: ADMIN });
await admin.connect();
await admin.query(`CREATE DATABASE ${db}`);
const url = ADMIN.replace(/\/[^/]*$/, `/${db}`);
try {
  // as `marketfeed sink --postgres` runs: two connections, two batches in the works
  const targets = [new PostgresTarget(await PgWriter.connect(url, { init: true, log: silentLogger })), new PostgresTarget(await PgWriter.connect(url, { init: false, log: silentLogger }))];
  const consumer = new BusConsumer({ servers: NATS, stream: stream.name, prefix: tag, durable: 'bench', batch: 2000, log: silentLogger });
  await consumer.start(false);
  const abort = new AbortController();
  start = performance.now();
  const cpu0 = process.cpuUsage();
  const running = consumer.run(targets, abort.signal);
  while (consumer.stats.written < N) await new Promise((r) => setTimeout(r, 20));
  const sinkS = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(`(sink process cpu ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s)`);
  abort.abort();
  await running;
  await consumer.stop();
  await Promise.all(targets.map((t) => t.close()));
  const sinkRate = N / sinkS;
  console.log(`sink     ${N} events into PostgreSQL (${targets[0].stats.inserted + targets[1].stats.inserted} rows) in ${sinkS.toFixed(2)} s = ${sinkRate.toFixed(0)} rows/s (${(sinkRate / NEED).toFixed(1)}x)`);
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  await admin.end();
  const nc = await connect({ servers: NATS });
  await (await jetstreamManager(nc)).streams.delete(stream.name).catch(() => {});
  await nc.close();
  rmSync(spool, { recursive: true, force: true });
}
