// Health transitions on a fake clock: healthy → degraded (≥ 20 %) → critical (≥ 50 %) → healthy
// once the window has slid past the failures; stream freshness fresh → stale → expired; all
// streams expired is critical; connections counted once per socket; buffers reported.
import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../core/events.js';
import { HealthMonitor } from './health.js';

const S = 1_000_000;
const T0 = 1_767_225_600 * S;

function trade(localTs: number, symbol = 'BTC/USDT'): MarketEvent {
  return { type: 'trade', venue: 'binance', symbol, venueSymbol: symbol.replace('/', ''), ts: localTs, localTs, id: '1', price: '1', amount: '1', side: 'buy' };
}

function status(state: 'CONNECTED' | 'RECONNECTING' | 'FAILED', connId: number, symbol: string, localTs: number): MarketEvent {
  return { type: 'status', scope: 'connection', state, connId, venue: 'binance', symbol, venueSymbol: symbol.replace('/', ''), ts: localTs, localTs };
}

function clock() {
  const c = { t: T0, now: () => c.t };
  return c;
}

describe('HealthMonitor', () => {
  it('moves healthy → degraded → critical → healthy with the error rate in its window', () => {
    const c = clock();
    const h = new HealthMonitor({ now: c.now, windowMs: 10_000 });
    expect(h.report()).toMatchObject({ status: 'healthy', errorRate: 0, requests: 0, failures: 0 });
    for (let i = 0; i < 8; i++) h.request(true);
    h.request(false);
    expect(h.report()).toMatchObject({ status: 'healthy', requests: 9, failures: 1 });
    h.request(false); // 2 of 10 = 20 %
    let r = h.report();
    expect(r.status).toBe('degraded');
    expect(r.errorRate).toBeCloseTo(0.2);
    expect(r.reasons[0]).toMatch(/error rate 20\.0 % ≥ 20\.0 % \(2 of 10 in 10 s\)/);
    c.t += 2 * S;
    for (let i = 0; i < 6; i++) h.handlers.reject(); // 8 of 16 = 50 %
    r = h.report();
    expect(r.status).toBe('critical');
    expect(r.counts).toMatchObject({ rejects: 6, restOk: 8, restFailed: 2 });
    // 11 s later the failures have left the window; new successes make it healthy again
    c.t += 11 * S;
    h.request(true);
    r = h.report();
    expect(r).toMatchObject({ status: 'healthy', errorRate: 0, requests: 17, failures: 8 });
    expect(r.uptimeS).toBeCloseTo(13);
  });

  it('counts data events as successes and disconnects, gaps and rejects as failures', () => {
    const c = clock();
    const h = new HealthMonitor({ now: c.now });
    // one socket carrying two symbols: its status comes once per symbol, it counts once
    h.observe(status('CONNECTED', 1, 'BTC/USDT', c.t));
    h.observe(status('CONNECTED', 1, 'ETH/USDT', c.t));
    expect(h.report()).toMatchObject({ openConnections: 1, counts: { connects: 1 } });
    for (let i = 0; i < 3; i++) h.observe(trade(c.t));
    h.observe(status('RECONNECTING', 1, 'BTC/USDT', c.t));
    h.observe(status('RECONNECTING', 1, 'ETH/USDT', c.t));
    h.observe({ type: 'gap', scope: 'book', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: c.t, localTs: c.t, expected: 'U<=5', got: 'U=9', action: 'resync', reason: 'gap' });
    const r = h.report();
    expect(r.counts).toMatchObject({ events: 3, connects: 1, disconnects: 1, gaps: 1 });
    expect(r).toMatchObject({ requests: 6, failures: 2, openConnections: 0, status: 'degraded' });
  });

  it('reports freshness per stream and goes critical when every stream has expired', () => {
    const c = clock();
    const h = new HealthMonitor({ now: c.now, staleAfterMs: 5000, expiredAfterMs: 30_000 });
    h.observe(trade(c.t, 'BTC/USDT'));
    h.observe(trade(c.t, 'ETH/USDT'));
    c.t += 6 * S;
    h.observe(trade(c.t, 'ETH/USDT'));
    let r = h.report();
    expect(r.streams.map((s) => [s.stream, s.freshness, s.ageMs, s.events])).toEqual([
      ['binance BTC/USDT trade', 'stale', 6000, 1],
      ['binance ETH/USDT trade', 'fresh', 0, 2],
    ]);
    expect(r.activeStreams).toBe(2);
    c.t += 25 * S;
    r = h.report();
    expect(r.streams.map((s) => s.freshness)).toEqual(['expired', 'stale']);
    expect(r).toMatchObject({ activeStreams: 1, status: 'healthy' });
    c.t += 10 * S;
    r = h.report();
    expect(r).toMatchObject({ activeStreams: 0, status: 'critical' });
    expect(r.reasons).toContain('all 2 streams expired (no event for 30 s)');
  });

  it('adds the memory and limits of registered buffers', () => {
    const h = new HealthMonitor();
    h.addBuffers({ memoryBytes: () => 53_000, limits: () => [{ series: 'binance BTC/USDT 1h', bars: 10, capacity: 500 }] });
    h.addBuffers({ memoryBytes: () => 1000, limits: () => [] });
    expect(h.report().buffers).toEqual({ memoryBytes: 54_000, limits: [{ series: 'binance BTC/USDT 1h', bars: 10, capacity: 500 }] });
  });

  it('stays bounded over many reconnects: each socket counted once, closed ones forgotten', () => {
    const c = clock();
    const h = new HealthMonitor({ now: c.now });
    const n = 5000;
    // a socket's id never comes back: every reconnect is a new one, its status once per symbol
    for (let id = 1; id <= n; id++) {
      for (const s of ['BTC/USDT', 'ETH/USDT']) h.observe(status('CONNECTED', id, s, c.t));
      for (const s of ['BTC/USDT', 'ETH/USDT']) h.observe(status('RECONNECTING', id, s, c.t));
    }
    h.observe(status('CONNECTED', n + 1, 'BTC/USDT', c.t));
    h.observe(status('CONNECTED', n + 1, 'ETH/USDT', c.t));
    expect(h.report()).toMatchObject({ openConnections: 1, counts: { connects: n + 1, disconnects: n } });
    // what it remembers does not grow with the reconnects
    expect(h['up'].size).toBe(1);
    expect(h['down'].size).toBeLessThanOrEqual(256);
  });

  it('refuses thresholds out of order', () => {
    expect(() => new HealthMonitor({ degradedAt: 0.6, criticalAt: 0.5 })).toThrow(RangeError);
  });
});
