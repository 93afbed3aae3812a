// marketfeed status: a short session against the built-in simulator reports healthy with every
// section filled; a venue whose websocket cannot be reached reports critical and fails the exit
// code; a bad timeframe is a usage error before anything starts.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/core/config.js';
import { silentLogger } from '../src/core/log.js';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { formatStatus, runStatus, statusCommand, statusExitCode } from '../src/cli/status.js';

const sims: SimHandle[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
});

const config = (flags: Record<string, unknown>) => loadConfig({ env: {}, cwd: '/nonexistent', flags: { depth: '5', ...flags } });

describe('marketfeed status', () => {
  it('reports a healthy simulator session: streams, books, market data, candles and buffers', async () => {
    const cfg = config({ venue: 'binance-futures', symbols: 'BTC/USDT:USDT', sim: true, duration: '2500ms', 'simulator.diffIntervalMs': '20' });
    const r = await runStatus(cfg, { timeframe: '1s', log: silentLogger });
    expect(r.health.status).toBe('healthy');
    expect(r.health.errorRate).toBe(0);
    expect(r.health.openConnections).toBe(2); // taken before the session closed them
    expect(r.health.counts.connects).toBe(2); // USDⓈ-M: /public and /market
    const kinds = r.health.streams.map((s) => s.stream.split(' ').at(-1)).sort();
    expect(kinds).toEqual(['book_snapshot', 'candle', 'derivative', 'quote', 'trade']);
    expect(r.health.streams.every((s) => s.freshness === 'fresh')).toBe(true);
    expect(r.books[0].state).toBe('STOPPED'); // book states are read after the stop
    expect(r.books[0].applied).toBeGreaterThan(0);
    const d = r.marketData['BTC/USDT:USDT']!;
    expect(d.price).toBeGreaterThan(0);
    expect(d.funding).not.toBeNull();
    expect(d.oi).toBeGreaterThan(0); // polled over REST at the start (/fapi/v1/openInterest)
    expect(d.missing).toEqual({});
    expect(r.candles.closed).toBeGreaterThan(0);
    expect(r.health.buffers.limits).toEqual([expect.objectContaining({ series: 'binance-futures BTC/USDT:USDT 1s', capacity: 1000 })]);
    expect(r.health.buffers.memoryBytes).toBe(1000 * 53);
    const text = formatStatus(r);
    expect(text).toMatch(/^binance-futures \(simulator\) BTC\/USDT:USDT: HEALTHY after \d+\.\d s\n/);
    expect(text).toContain('  market BTC/USDT:USDT: price ');
    expect(text).toMatch(/ oi \d/);
    expect(text).toMatch(/ {2}candles 1s: \d+ closed/);
    expect(statusExitCode(r.health.status, 'critical')).toBe(0);
  }, 20_000);

  it('reports critical when the websocket cannot be reached, and fails the exit code', async () => {
    const sim = await startSim({ symbols: ['BTCUSDT'], seed: 3 });
    sims.push(sim);
    const cfg = config({
      venue: 'binance', symbols: 'BTC/USDT', duration: '1500ms', 'rest.url': sim.restUrl, 'ws.url': 'ws://127.0.0.1:9',
      'ws.reconnectBackoffS': '0.05', 'ws.reconnectBackoffMaxS': '0.1',
    });
    const r = await runStatus(cfg, { timeframe: '1m', log: silentLogger });
    expect(r.health.status).toBe('critical');
    expect(r.health.counts.disconnects).toBeGreaterThan(1);
    expect(r.health.counts.events).toBe(0);
    expect(r.health.reasons[0]).toMatch(/^error rate \d+\.\d % ≥ 50\.0 %/);
    expect(r.marketData['BTC/USDT']).toBeNull();
    expect(formatStatus(r)).toContain('  market BTC/USDT: no data');
    expect(statusExitCode(r.health.status, 'critical')).toBe(1);
    expect(statusExitCode(r.health.status, 'never')).toBe(0);
    expect(statusExitCode('degraded', 'degraded')).toBe(1);
    expect(statusExitCode('degraded', 'critical')).toBe(0);
  }, 15_000);

  it('refuses an unsupported timeframe with exit code 2 before connecting', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await statusCommand.parseAsync(['--venue', 'binance', '--symbols', 'BTC/USDT', '--timeframe', '7m', '--rest-url', 'http://127.0.0.1:9'], { from: 'user' });
      expect(process.exitCode).toBe(2);
      expect(String(err.mock.calls[0][0])).toMatch(/MF_ERR_USAGE: timeframe "7m" is not supported/);
    } finally {
      err.mockRestore();
      process.exitCode = 0;
    }
  });
});
