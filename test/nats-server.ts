// A private nats-server with JetStream for tests that stop, kill or cluster it (the machine's own
// server on 4222 is shared and must stay up). Each gets a free port and its own store directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface NatsNode {
  url: string;
  port: number;
  /** Starts (again) on the same port and store. */
  start(): Promise<void>;
  /** SIGTERM (or SIGKILL) and wait for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops it and removes its store. */
  dispose(): Promise<void>;
}

export async function natsNode(opts: { name?: string; cluster?: { port: number; routes: number[]; name: string } } = {}): Promise<NatsNode> {
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), 'mf-nats-'));
  let child: ChildProcess | undefined;
  const args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store];
  if (opts.name) args.push('-n', opts.name);
  if (opts.cluster) {
    args.push('--cluster_name', opts.cluster.name, '--cluster', `nats://127.0.0.1:${opts.cluster.port}`,
      '--routes', opts.cluster.routes.map((p) => `nats://127.0.0.1:${p}`).join(','));
  }
  const node: NatsNode = {
    url: `nats://127.0.0.1:${port}`,
    port,
    async start() {
      const c = spawn('nats-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      child = c;
      await new Promise<void>((resolve, reject) => {
        let text = '';
        const timer = setTimeout(() => reject(new Error(`nats-server did not start: ${text.slice(-500)}`)), 10_000);
        c.stderr!.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('Server is ready')) {
            clearTimeout(timer);
            resolve();
          }
        });
        c.on('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`nats-server exited ${code}: ${text.slice(-500)}`));
        });
      });
    },
    async stop(signal = 'SIGTERM') {
      const c = child;
      child = undefined;
      if (c === undefined || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill(signal);
      await exited;
    },
    async dispose() {
      await node.stop('SIGKILL');
      rmSync(store, { recursive: true, force: true });
    },
  };
  await node.start();
  return node;
}
