// VenueSession's open interest polls (spec.openInterest, Binance USDⓈ-M) against the simulator:
// every poll's body reaches the owner's raw capture before its derivative event, the events carry
// the venue's open interest, a fresh FeedCore fed the captured bodies gives the same events
// (replay), and polls stop with the session. A venue answering errors costs a rejected body and a
// rate-limited warning per failure, never the session; interval 0 or no 'derivative' kind: no polls.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.js';
import type { Derivative, MarketEvent } from '../core/events.js';
import type { RawFrame } from '../core/frames.js';
import { silentLogger, type Logger } from '../core/log.js';
import { sessionOptions } from '../pipeline/feed.js';
import { startSim, type SimHandle } from '../sim/index.js';
import { FeedCore } from './feed-core.js';
import { getVenue } from './index.js';
import { VenueSession } from './session.js';
import type { Kind } from './types.js';

const SYMBOLS = ['BTC/USDT:USDT', 'ETH/USDT:USDT'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const isOi = (f: RawFrame): boolean => f.dir === 'rest' && (f.url ?? '').includes('/fapi/v1/openInterest?');

interface Run {
  raw: { f: RawFrame; symbols: readonly string[] }[];
  oi: Derivative[];
  /** `raw <localTs>` / `oi <localTs>` in arrival order. */
  order: string[];
  rejects: string[];
}

async function run(sim: SimHandle, opts: { everyS: string; kinds?: Kind[]; restUrl?: string; ms: number; log?: Logger }): Promise<Run & { afterStop: number }> {
  const r: Run = { raw: [], oi: [], order: [], rejects: [] };
  const config = loadConfig({
    env: {}, cwd: '/nonexistent',
    flags: { venue: 'binance-futures', symbols: SYMBOLS.join(','), 'ws.url': sim.wsUrl, 'rest.url': opts.restUrl ?? sim.restUrl, depth: '5', 'rest.openInterestS': opts.everyS },
  });
  const handlers = {
    raw: (f: RawFrame, symbols: readonly string[]) => {
      if (!isOi(f)) return;
      r.raw.push({ f, symbols });
      r.order.push(`raw ${f.localTs}`);
    },
    event: (ev: MarketEvent) => {
      if (ev.type !== 'derivative' || ev.openInterest === undefined) return;
      r.oi.push(ev);
      r.order.push(`oi ${ev.localTs}`);
    },
    reject: (_symbols: readonly string[], reason: string) => r.rejects.push(reason),
  };
  const source = { venue: 'binance-futures', symbols: SYMBOLS, ...(opts.kinds ? { kinds: opts.kinds } : {}) };
  const session = new VenueSession(sessionOptions(config, source, handlers, opts.log ?? silentLogger));
  session.open(); // the symbol check is another test's: polls start with the connections
  await sleep(opts.ms);
  await session.stop();
  const atStop = r.raw.length;
  await sleep(300);
  return { ...r, afterStop: r.raw.length - atStop };
}

describe('open interest polls against the futures simulator', () => {
  let sim: SimHandle;
  let live: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    sim = await startSim({ venue: 'binance-futures', symbols: ['BTCUSDT', 'ETHUSDT'], seed: 9, diffIntervalMs: 50 });
    live = await run(sim, { everyS: '0.2', ms: 1100 });
  }, 20_000);
  afterAll(async () => {
    await sim?.stop();
  });

  it('polls every symbol at the interval: derivative events with the venue\'s open interest', () => {
    for (const [i, symbol] of SYMBOLS.entries()) {
      const evs = live.oi.filter((e) => e.symbol === symbol);
      expect(evs.length, symbol).toBeGreaterThanOrEqual(3);
      expect(evs.length, symbol).toBeLessThanOrEqual(7);
      for (const e of evs) {
        expect(e.venueSymbol).toBe(['BTCUSDT', 'ETHUSDT'][i]);
        expect(e.openInterest).toMatch(/^\d+\.\d{3}$/);
        expect(Number(e.openInterest)).toBeGreaterThan(0);
        expect(e.ts % 1000).toBe(0); // the venue's ms `time`, in µs
        expect(Math.abs(e.localTs - e.ts)).toBeLessThan(5_000_000);
      }
    }
  });

  it('hands each body to the raw capture first, routed to its symbol', () => {
    expect(live.raw.length).toBe(live.oi.length);
    for (const { f, symbols } of live.raw) {
      expect(f).toMatchObject({ venue: 'binance-futures', connId: 0, dir: 'rest' });
      expect(symbols).toEqual([f.url!.endsWith('ETHUSDT') ? 'ETH/USDT:USDT' : 'BTC/USDT:USDT']);
    }
    for (let i = 0; i < live.order.length; i += 2) {
      expect(live.order[i]).toMatch(/^raw /);
      expect(live.order[i + 1]).toBe(live.order[i].replace('raw', 'oi'));
    }
    expect(live.rejects).toEqual([]);
  });

  it('a fresh core fed the captured bodies (replay) gives the same events', () => {
    const got: MarketEvent[] = [];
    const core = new FeedCore({
      spec: getVenue('binance-futures'), symbols: SYMBOLS, kinds: ['trades', 'book', 'quote', 'derivative'], depth: 5, plans: [],
      log: silentLogger, requestSnapshot: () => {}, handlers: { event: (ev) => got.push(ev) },
    });
    for (const { f } of live.raw) expect(core.onRestFrame(f)).toBe(true);
    expect(got).toEqual(live.oi);
  });

  it('stops polling with the session', () => {
    expect(live.afterStop).toBe(0);
  });

  it('interval 0, or no derivative kind recorded: no polls', async () => {
    expect((await run(sim, { everyS: '0', ms: 500 })).raw).toEqual([]);
    expect((await run(sim, { everyS: '0.1', kinds: ['trades'], ms: 500 })).raw).toEqual([]);
  });

  it('a venue answering errors: each body rejected, one warning per minute, polls go on', async () => {
    let requests = 0;
    const server: Server = createServer((req, res) => {
      const oi = req.url?.startsWith('/fapi/v1/openInterest?') === true;
      if (oi) requests++;
      res.writeHead(oi ? 400 : 404, { 'content-type': 'application/json' }); // depth snapshots fail too
      res.end('{"code":-1121,"msg":"Invalid symbol."}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, new Writable({ write: (chunk: Buffer, _enc, done) => { lines.push(chunk.toString()); done(); } }));
    try {
      const r = await run(sim, { everyS: '0.1', restUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, ms: 600, log });
      expect(requests).toBeGreaterThanOrEqual(6); // both symbols, again and again
      expect(r.raw.length).toBe(requests);
      expect(r.oi).toEqual([]);
      expect(new Set(r.rejects)).toEqual(new Set(['open interest body failed its guard: the venue answered -1121 Invalid symbol.']));
      const warned = lines.map((l) => JSON.parse(l) as { msg: string; failure: string }).filter((l) => l.msg === 'open interest poll failed');
      expect(warned).toHaveLength(1);
      expect(warned[0].failure).toBe('HTTP 400: {"code":-1121,"msg":"Invalid symbol."}');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
