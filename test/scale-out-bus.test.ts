// record → NATS JetStream → sink → PostgreSQL, as users run it (the built CLI), against the
// machine's NATS and PostgreSQL; each test owns its stream, subject prefix and database.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { runCli, startCli } from './cli.js';
import { consumerBacklog, fileBook, fileTrades, freshDb, LOCAL_NATS, pgBook, pgTrades, query, startSink, testStream } from './scale-out.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mf-scale-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function setup(tag: string) {
  const stream = testStream(tag);
  cleanups.push(() => stream.drop());
  const db = await freshDb(tag);
  cleanups.push(() => db.drop());
  const bus = ['--nats', LOCAL_NATS, '--nats-stream', stream.name, '--nats-prefix', stream.prefix];
  return { stream, db, bus };
}

async function sim(): Promise<SimHandle> {
  const s = await startSim({ symbols: ['BTCUSDT', 'ETHUSDT'], seed: 11, diffIntervalMs: 20 });
  cleanups.push(() => s.stop());
  return s;
}

const recordArgs = (s: SimHandle, dataDir: string, duration: string): string[] => [
  'record', '--venue', 'binance', '--symbols', 'BTC/USDT,ETH/USDT', '--ws-url', s.wsUrl, '--rest-url', s.restUrl,
  '--data-dir', dataDir, '--duration', duration, '--log-level', 'warn',
];

/** Runs the sink in --duration slices until its consumer has nothing unacknowledged left. */
async function sinkUntilDone(bus: string[], stream: string, db: string): Promise<void> {
  for (let i = 0; i < 30; i++) {
    const r = await runCli(['sink', ...bus, '--postgres', db, '--duration', '2s', '--log-level', 'warn'], {}, 30_000);
    expect(r.code, r.stderr).toBe(0);
    if ((await consumerBacklog(LOCAL_NATS, stream, 'marketfeed-sink-postgres')) === 0) return;
  }
  throw new Error('the sink never caught up');
}

describe('scale-out: record → NATS → sink → PostgreSQL', () => {
  it('PostgreSQL holds the recorder\'s trades and book rows, row for row', async () => {
    const { db, bus, stream } = await setup('rows');
    const s = await sim();
    const dataDir = dir();
    const r = await runCli([...recordArgs(s, dataDir, '5s'), ...bus], {}, 60_000);
    expect(r.code, r.stderr).toBe(0);
    const init = await runCli(['sink', ...bus, '--postgres', db.url, '--init', '--duration', '3s', '--log-level', 'warn'], {}, 30_000);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/^sink: delivered \d+, written \d+, rejected 0, write failures 0\n$/);
    await sinkUntilDone(bus, stream.name, db.url);
    for (const [symbol, fs] of [['BTC/USDT', 'BTCUSDT'], ['ETH/USDT', 'ETHUSDT']]) {
      const files = fileTrades(dataDir, 'binance', fs);
      expect(files.length).toBeGreaterThan(20);
      expect(await pgTrades(db.url, symbol)).toEqual(files);
      const book = fileBook(dataDir, 'binance', fs);
      expect(book.length).toBeGreaterThan(20);
      expect(await pgBook(db.url, symbol)).toEqual(book);
    }
  });

  it('a sink killed with -9 mid-stream and started again loses nothing and duplicates nothing', async () => {
    const { db, bus, stream } = await setup('kill');
    const s = await sim();
    const dataDir = dir();
    const rec = startCli([...recordArgs(s, dataDir, '8s'), ...bus]);
    await new Promise((r) => setTimeout(r, 1500));
    const first = startSink([...bus, '--postgres', db.url, '--init', '--batch', '50']);
    // kill it once it has written some (mid-stream: the recorder is still publishing)
    const written = async (): Promise<number> => (await query<{ n: number }>(db.url, "SELECT count(*)::int AS n FROM trades WHERE to_regclass('trades') IS NOT NULL").catch(() => [{ n: 0 }]))[0].n;
    for (let i = 0; i < 200 && (await written()) === 0; i++) await new Promise((r) => setTimeout(r, 50));
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(await written()).toBeGreaterThan(0);
    expect((await rec.done).code).toBe(0);
    await sinkUntilDone(bus, stream.name, db.url);
    for (const [symbol, fs] of [['BTC/USDT', 'BTCUSDT'], ['ETH/USDT', 'ETHUSDT']]) {
      expect(await pgTrades(db.url, symbol)).toEqual(fileTrades(dataDir, 'binance', fs));
      expect(await pgBook(db.url, symbol)).toEqual(fileBook(dataDir, 'binance', fs));
    }
  });

  it('two recorders of the same symbols, one killed with -9 halfway: every trade either saw, each once', async () => {
    const { db, bus, stream } = await setup('standby');
    const s = await sim();
    const a = dir();
    const b = dir();
    const ra = startCli([...recordArgs(s, a, '10s'), ...bus]);
    const rb = startCli([...recordArgs(s, b, '8s'), ...bus]);
    await new Promise((r) => setTimeout(r, 4000));
    ra.child.kill('SIGKILL');
    await ra.done;
    expect((await rb.done).code).toBe(0);
    // the killed one's spooled messages (if any) are published by its next run; here: none needed
    await runCli(['sink', ...bus, '--postgres', db.url, '--init', '--duration', '2s', '--log-level', 'warn'], {}, 30_000);
    await sinkUntilDone(bus, stream.name, db.url);
    for (const [symbol, fs] of [['BTC/USDT', 'BTCUSDT'], ['ETH/USDT', 'ETHUSDT']]) {
      const seen = new Map<string, string>();
      for (const line of [...fileTrades(a, 'binance', fs), ...fileTrades(b, 'binance', fs)]) seen.set(line.split(',')[4], line.split(',').slice(0, 5).join(','));
      const pgRows = (await pgTrades(db.url, symbol)).map((l) => l.split(',').slice(0, 5).join(','));
      const ids = pgRows.map((l) => l.split(',')[4]);
      expect(new Set(ids).size).toBe(ids.length);
      expect(new Set(pgRows)).toEqual(new Set(seen.values()));
    }
  });

  it('bad URLs, a refused connection, a missing database or table: one line, exit 2', async () => {
    const d = dir();
    const cases: [string[], RegExp][] = [
      [['record', '--sim', '--data-dir', d, '--nats', 'http://127.0.0.1:4222', '--duration', '1s'], /--nats: "http:\/\/127\.0\.0\.1:4222" is not a nats:\/\/ URL/],
      [['record', '--sim', '--data-dir', d, '--nats', 'nats://127.0.0.1:1', '--duration', '1s'], /cannot connect to NATS at nats:\/\/127\.0\.0\.1:1/],
      [['record', '--sim', '--data-dir', d, '--postgres', 'postgresql://postgres@127.0.0.1:5432/mf_no_such_db', '--duration', '1s'], /database "mf_no_such_db" does not exist; create it first/],
      [['record', '--sim', '--data-dir', d, '--postgres', 'postgresql://postgres@127.0.0.1:5432/test', '--duration', '1s'], /PostgreSQL has no table .*run once with --init/],
      [['record', '--sim', '--data-dir', d, '--shard', '4/3', '--duration', '1s'], /--shard "4\/3" is not i\/n/],
      [['sink', '--nats', LOCAL_NATS], /exactly one of --postgres <url> or --data-dir <dir>/],
      [['sink', '--nats', LOCAL_NATS, '--nats-stream', 'MF_NO_SUCH_STREAM', '--data-dir', d], /NATS has no stream MF_NO_SUCH_STREAM: record with --nats first/],
      [['sink', '--nats', 'nats://127.0.0.1:1', '--data-dir', d], /cannot connect to NATS at nats:\/\/127\.0\.0\.1:1/],
      [['sink', '--nats', LOCAL_NATS, '--postgres', 'mysql://x@y/z'], /is not a postgresql:\/\/ URL/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, {}, 30_000);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    }
  });
});
