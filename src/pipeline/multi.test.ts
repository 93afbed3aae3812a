// Multi-venue pipeline over two simulators of one market (same seed): the primary drops its
// connection once and later goes silent; the output falls back to the secondary and returns;
// per-source live candles then show the degraded primary, rank the sources and give a consensus
// that skips its bad seconds. A source that cannot start is passed over.
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.js';
import type { Candle, MarketEvent } from '../core/events.js';
import { silentLogger } from '../core/log.js';
import { LiveCandles } from '../history/live-candles.js';
import { consensus, rankSources } from '../history/quality.js';
import { barOfCandle } from '../history/ring-buffer.js';
import { startSim, type SimHandle } from '../sim/index.js';
import { MultiFeed, type EventMeta } from './multi.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Polls until `ok()` or the deadline; returns whether it came true. */
async function until(ok: () => boolean, withinMs: number): Promise<boolean> {
  for (const end = Date.now() + withinMs; Date.now() < end; await sleep(25)) if (ok()) return true;
  return ok();
}
const sims: SimHandle[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
});

async function sim(): Promise<SimHandle> {
  const s = await startSim({ symbols: ['BTCUSDT'], seed: 11, diffIntervalMs: 20 });
  sims.push(s);
  return s;
}

const config = loadConfig({
  env: {}, cwd: '/nonexistent',
  flags: { symbols: 'BTC/USDT', depth: '5', 'ws.reconnectBackoffS': '0.05', 'ws.reconnectBackoffMaxS': '0.2', 'rest.timeoutS': '1' },
});

describe('MultiFeed', () => {
  it('falls back from a failed primary to the secondary and back, and quality shows the outage', async () => {
    const a = await sim();
    const b = await sim();
    const candles = new Map<string, Candle[]>([['a', []], ['b', []]]);
    const builders = new Map([...candles].map(([id, out]) => [id, new LiveCandles({ timeframes: ['1s'], emit: (c) => out.push(c) })]));
    const forwarded: [MarketEvent, EventMeta][] = [];
    const multi = new MultiFeed({
      config, log: silentLogger, failAfterMs: 600, recoverAfterMs: 800, checkIntervalMs: 100,
      sources: [
        { id: 'a', venue: 'binance', symbols: ['BTC/USDT'], wsUrl: a.wsUrl, restUrl: a.restUrl },
        { id: 'b', venue: 'binance', symbols: ['BTC/USDT'], wsUrl: b.wsUrl, restUrl: b.restUrl },
      ],
      handlers: {
        event: (ev, meta) => forwarded.push([ev, meta]),
        all: (ev, meta) => builders.get(meta.source)!.onEvent(ev),
      },
    });
    for (const l of builders.values()) l.start();
    await multi.start();
    expect(multi.activeSource('BTC/USDT')).toBe('a');
    await sleep(1500);
    a.inject('disconnect'); // a short outage: reconnects at once, too short to fall back
    await sleep(1000);
    a.inject('stall', { durationMs: 3000 }); // the primary goes silent for 3 s
    expect(await until(() => multi.activeSource('BTC/USDT') === 'b', 2500)).toBe(true);
    expect(await until(() => multi.activeSource('BTC/USDT') === 'a', 6000)).toBe(true);
    await sleep(1000);
    await multi.stop();
    for (const l of builders.values()) l.stop();

    expect(multi.switches.map((s) => [s.from, s.to])).toEqual([['a', 'b'], ['b', 'a']]);
    expect(multi.switches[0].reason).toMatch(/^a: no data for \d+ ms$/);
    expect(multi.switches[1].reason).toMatch(/^a: data flowing again for \d+ ms$/);
    // only the active source's data went out, and both sources served some of it
    const data = forwarded.filter(([ev]) => ev.type === 'trade' || ev.type === 'quote' || ev.type === 'book_snapshot');
    expect(data.every(([, m]) => m.active)).toBe(true);
    expect(new Set(data.map(([, m]) => m.source))).toEqual(new Set(['a', 'b']));
    const report = multi.report();
    expect(report.map((r) => r.symbols[0].up)).toEqual([true, true]);

    // per-source bar quality over the seconds both ran: the primary has holes where it was
    // disconnected and flat synthetic bars where its market stood still
    const bars = (id: string) => candles.get(id)!.filter((c) => c.closed).map(barOfCandle);
    const from = Math.max(bars('a')[0].openTs, bars('b')[0].openTs) + 1_000_000;
    const to = Math.min(bars('a').at(-1)!.openTs, bars('b').at(-1)!.openTs);
    const sources = [{ source: 'a', bars: bars('a') }, { source: 'b', bars: bars('b') }];
    const opts = { timeframeMs: 1000, nowUs: to + 1_000_000, fromTs: from, toTs: to + 1_000_000 };
    const ranked = rankSources(sources, opts);
    expect(ranked.map((s) => s.source)).toEqual(['b', 'a']);
    expect(ranked[0].gaps).toBe(0);
    expect(ranked[1].gaps).toBeGreaterThan(0);
    expect(ranked[1].synthetic).toBeGreaterThan(0);
    expect(ranked[1].score).toBeLessThan(ranked[0].score);
    expect(builders.get('a')!.stats.blindBars).toBeGreaterThan(0);
    const c = consensus(sources, { ...opts, minSources: 2 });
    expect(c.skipped).toBeGreaterThan(0);
    expect(c.bars.length).toBeGreaterThan(0);
    expect(c.bars.every((bar) => bar.sources.length === 2)).toBe(true);
  }, 20_000);

  it('passes over a source that cannot start and serves from the next', async () => {
    const b = await sim();
    const multi = new MultiFeed({
      config, log: silentLogger,
      sources: [
        { id: 'down', venue: 'binance', symbols: ['BTC/USDT'], wsUrl: 'ws://127.0.0.1:9', restUrl: 'http://127.0.0.1:9' },
        { id: 'b', venue: 'binance', symbols: ['BTC/USDT'], wsUrl: b.wsUrl, restUrl: b.restUrl },
      ],
      handlers: { event: () => undefined },
    });
    await multi.start();
    await multi.stop();
    expect(multi.activeSource('BTC/USDT')).toBe('b');
    const [down] = multi.report();
    expect(down.startError).toMatch(/MF_ERR_UNREACHABLE/);
    expect(down.symbols[0].dead).toMatch(/^start failed: /);
    expect(multi.switches).toHaveLength(1);
  }, 15_000);
});
