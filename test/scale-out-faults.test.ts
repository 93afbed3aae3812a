// The bus under faults, with private nats-server processes (the machine's own stays up): a
// 3-node JetStream cluster losing a node mid-stream, and a server stopped for 30 s mid-recording.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { runCli, startCli } from './cli.js';
import { freePort, natsNode, type NatsNode } from './nats-server.js';
import { consumerBacklog, fileBook, fileTrades, freshDb, pgBook, pgTrades, subjectCount } from './scale-out.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mf-scale-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function sim(): Promise<SimHandle> {
  const s = await startSim({ symbols: ['BTCUSDT', 'ETHUSDT'], seed: 13, diffIntervalMs: 20 });
  cleanups.push(() => s.stop());
  return s;
}

/** Messages spooled by the recorders of this data dir and not yet published. */
function spooled(dataDir: string): number {
  const root = join(dataDir, '.nats-outbox');
  if (!existsSync(root)) return 0;
  let n = 0;
  for (const label of readdirSync(root)) {
    for (const f of readdirSync(join(root, label)).filter((name) => /^outbox-\d{16}\.ndjson$/.test(name))) n += readFileSync(join(root, label, f), 'utf8').split('\n').filter((l) => l !== '').length;
  }
  return n;
}

const recordArgs = (s: SimHandle, dataDir: string, duration: string, servers: string): string[] => [
  'record', '--venue', 'binance', '--symbols', 'BTC/USDT,ETH/USDT', '--ws-url', s.wsUrl, '--rest-url', s.restUrl,
  '--data-dir', dataDir, '--duration', duration, '--log-level', 'warn', '--nats', servers, '--nats-stream', 'MFFAULT', '--nats-prefix', 'mff',
];

/** Waits until JetStream answers on these servers (a cluster elects its meta leader first). */
async function jetStreamReady(servers: string): Promise<void> {
  const end = Date.now() + 30_000;
  for (;;) {
    try {
      const nc = await connect({ servers: servers.split(','), timeout: 2000 });
      try {
        await (await jetstreamManager(nc)).getAccountInfo();
        return;
      } finally {
        await nc.close();
      }
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('scale-out under faults', () => {
  it('a 3-node JetStream cluster (3 replicas) loses a node mid-stream: nothing lost or duplicated downstream', async () => {
    const clusterPorts = [await freePort(), await freePort(), await freePort()];
    const nodes: NatsNode[] = await Promise.all(clusterPorts.map((port, i) => natsNode({
      name: `mf-n${i + 1}`, cluster: { name: 'mfc', port, routes: clusterPorts.filter((p) => p !== port) },
    })));
    for (const n of nodes) cleanups.push(() => n.dispose());
    const servers = nodes.map((n) => n.url).join(',');
    await jetStreamReady(servers);
    const db = await freshDb('cluster');
    cleanups.push(() => db.drop());
    const s = await sim();
    const dataDir = dir();
    const rec = startCli([...recordArgs(s, dataDir, '9s', servers), '--nats-replicas', '3']);
    await new Promise((r) => setTimeout(r, 4000));
    await nodes[0].stop('SIGKILL');
    const r = await rec.done;
    expect(r.code, r.stderr).toBe(0);
    const rest = nodes.slice(1).map((n) => n.url).join(',');
    // What the cluster did not acknowledge before the stop's drain (a loaded machine elects the
    // stream's new leader slowly) is spooled in the data dir, and the next run publishes it first:
    // a short second run on the two nodes left must bring every event of both runs to the stream.
    for (let i = 0; i < 3 && spooled(dataDir) > 0; i++) {
      const again = await runCli(recordArgs(s, dataDir, '3s', rest), {}, 60_000);
      expect(again.code, again.stderr).toBe(0);
    }
    expect(spooled(dataDir), 'messages left in the spool').toBe(0);
    const sinkArgs = ['sink', '--nats', rest, '--nats-stream', 'MFFAULT', '--nats-prefix', 'mff', '--postgres', db.url, '--init', '--duration', '3s', '--log-level', 'warn'];
    for (let i = 0; i < 20; i++) {
      const k = await runCli(sinkArgs, {}, 30_000);
      expect(k.code, k.stderr).toBe(0);
      if ((await consumerBacklog(rest, 'MFFAULT', 'marketfeed-sink-postgres')) === 0) break;
    }
    for (const [symbol, fs] of [['BTC/USDT', 'BTCUSDT'], ['ETH/USDT', 'ETHUSDT']]) {
      const files = fileTrades(dataDir, 'binance', fs);
      expect(files.length).toBeGreaterThan(20);
      expect(await pgTrades(db.url, symbol)).toEqual(files);
      expect(await pgBook(db.url, symbol)).toEqual(fileBook(dataDir, 'binance', fs));
    }
  });

  it('NATS stopped for 30 s during a recording and started again: the stream ends up with every event', async () => {
    const node = await natsNode();
    cleanups.push(() => node.dispose());
    const s = await sim();
    const dataDir = dir();
    const rec = startCli(recordArgs(s, dataDir, '40s', node.url));
    await new Promise((r) => setTimeout(r, 4000));
    await node.stop();
    await new Promise((r) => setTimeout(r, 30_000));
    await node.start();
    const r = await rec.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/NATS: disconnected; capture goes on/);
    for (const fs of ['BTCUSDT', 'ETHUSDT']) {
      const trades = fileTrades(dataDir, 'binance', fs).length;
      const book = fileBook(dataDir, 'binance', fs).length;
      expect(trades).toBeGreaterThan(100);
      expect(await subjectCount(node.url, 'MFFAULT', `mff.md.binance.trades.${fs}`)).toBe(trades);
      expect(await subjectCount(node.url, 'MFFAULT', `mff.md.binance.book.${fs}`)).toBe(book);
    }
  }, 120_000);
});
