// NatsPublisher against real nats-server processes with JetStream (a private one per test, so a
// test may stop it): every event ends up in the stream exactly once, across an outage, a stop with
// messages left, and two publishers of the same events.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { MarketEvent } from '../../core/events.js';
import { silentLogger } from '../../core/log.js';
import { natsNode, type NatsNode } from '../../../test/nats-server.js';
import { NatsPublisher, parseNatsServers } from './publisher.js';
import { DEFAULT_STREAM } from './stream.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function spool(): string {
  const d = mkdtempSync(join(tmpdir(), 'mf-pub-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function node(): Promise<NatsNode> {
  const n = await natsNode();
  cleanups.push(() => n.dispose());
  return n;
}

function publisher(url: string, spoolDir: string, over: Partial<ConstructorParameters<typeof NatsPublisher>[0]> = {}): NatsPublisher {
  const p = new NatsPublisher({ servers: url, stream: { ...DEFAULT_STREAM, name: 'MFTEST' }, spoolDir, log: silentLogger, ackTimeoutMs: 1000, ...over });
  cleanups.push(() => p.stop(100));
  return p;
}

const trade = (i: number): MarketEvent => ({
  type: 'trade', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: 1_700_000_000_000_000 + i, localTs: 1_700_000_000_100_000 + i,
  id: String(1000 + i), price: '60000.10', amount: '0.5', side: 'buy',
});

async function streamCount(url: string, name = 'MFTEST'): Promise<{ messages: number; subjects: Record<string, number> }> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(name, { subjects_filter: '>' });
    return { messages: info.state.messages, subjects: (info.state.subjects ?? {}) as Record<string, number> };
  } finally {
    await nc.close();
  }
}

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('NatsPublisher', () => {
  it('creates the stream and publishes each event under md.<venue>.<kind>.<SYMBOL_FS>, raw under raw.<venue>', async () => {
    const n = await node();
    const p = publisher(n.url, spool());
    await p.start();
    for (let i = 0; i < 100; i++) p.publishEvent(trade(i));
    p.publishRaw({ venue: 'binance', connId: 1, recvSeq: 5, localTs: 7, dir: 'in', data: '{"e":"trade"}', url: 'wss://x/ws' }, ['BTC/USDT']);
    await p.idle();
    const s = await streamCount(n.url);
    expect(s.subjects).toEqual({ 'md.binance.trades.BTCUSDT': 100, 'raw.binance': 1 });
    expect(p.stats()).toMatchObject({ acked: 101, duplicates: 0, pending: 0, inFlight: 0 });
  });

  it('two publishers of the same events store each once (ids from the venue data, not local counters)', async () => {
    const n = await node();
    const a = publisher(n.url, spool());
    const b = publisher(n.url, spool());
    await a.start();
    await b.start();
    for (let i = 0; i < 200; i++) {
      a.publishEvent(trade(i));
      b.publishEvent({ ...trade(i), localTs: trade(i).localTs + 37 }); // the other recorder heard it later
    }
    await Promise.all([a.idle(), b.idle()]);
    expect((await streamCount(n.url)).messages).toBe(200);
    expect(a.stats().duplicates + b.stats().duplicates).toBe(200);
  });

  it('keeps queueing through an outage and publishes everything once the server is back', async () => {
    const n = await node();
    const p = publisher(n.url, spool());
    await p.start();
    for (let i = 0; i < 50; i++) p.publishEvent(trade(i));
    await p.idle();
    await n.stop();
    for (let i = 50; i < 300; i++) p.publishEvent(trade(i)); // captured while the bus is down
    await until(() => !p.stats().connected, 'the publisher to see the outage');
    await new Promise((r) => setTimeout(r, 1500));
    await n.start();
    await until(async () => p.stats().pending === 0 && p.stats().inFlight === 0, 'the backlog to drain');
    expect((await streamCount(n.url)).messages).toBe(300);
  });

  it('spools what a stop could not publish; the next run publishes it first', async () => {
    const n = await node();
    const dir = spool();
    const p = publisher(n.url, dir);
    await p.start();
    await n.stop();
    for (let i = 0; i < 80; i++) p.publishEvent(trade(i));
    await p.stop(200);
    expect(p.stats().spooledSegments).toBe(1);
    await n.start();
    const q = publisher(n.url, dir);
    await q.start();
    await q.idle();
    expect((await streamCount(n.url)).messages).toBe(80);
    expect(q.stats().spooledSegments).toBe(0);
  });

  it('a refused server or a bad URL is one clear error', async () => {
    await expect(publisher('nats://127.0.0.1:1', spool()).start()).rejects.toThrow(/cannot connect to NATS at nats:\/\/127\.0\.0\.1:1/);
    expect(() => parseNatsServers('http://x:1')).toThrow(/not a nats:\/\/ URL/);
    expect(() => parseNatsServers('nats//oops')).toThrow(/not a URL/);
  });
});
