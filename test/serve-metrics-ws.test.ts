// Acceptance of the metrics WebSocket (issue 8) on `record --sim --serve`: the simulator makes
// ETH/USDT follow BTC/USDT with rho 0.9 and SOL/USDT "follow" it with rho 0 (independent, but on
// the same dense-book model, so the control differs from ETH only in rho); the correlation the
// server computes from 1 s bars is high for BTC~ETH and near 0 for the pairs with SOL. Volatility
// equals a hand computation on the bars /candles serves for the same window. Bad parameters are
// closed with 1008 and one line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { MetricsMessage } from '../src/serve/metrics-ws.js';
import { getJson, startServing, until, type ServingCli } from './serving.js';


/** A metrics socket that keeps every message, and how it closed. */
class MetricsClient {
  readonly messages: MetricsMessage[] = [];
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on('message', (d) => this.messages.push(JSON.parse(d.toString()) as MetricsMessage));
    this.ws.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }
}

describe('record --sim --serve: the metrics WebSocket', () => {
  let rec: ServingCli;
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-serve-metrics-ws-'));
  const clients: MetricsClient[] = [];
  const open = (query: string): MetricsClient => {
    const c = new MetricsClient(`${rec.metrics}?${query}`);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    rec = await startServing([
      'record', '--sim', '--symbols', 'BTC/USDT,ETH/USDT,SOL/USDT',
      '--simulator-follow', 'ETH/USDT=BTC/USDT:0.9,SOL/USDT=BTC/USDT:0',
      // 200 model frames a second, so one 1 s bar spans ~400 fair-price steps (see below)
      '--simulator-diff-interval-ms', '5',
      '--serve', '--serve-port', '0', '--metrics-port', '0', '--data-dir', dataDir, '--no-status', '--log-level', 'warn',
      // the trades files lag the live bars by at most this: the join of history and live stays tight
      '--storage-flush-interval-s', '0.2',
    ]);
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    if (rec !== undefined) {
      rec.child.kill('SIGTERM');
      const killer = setTimeout(() => rec.child.kill('SIGKILL'), 10_000);
      await rec.done;
      clearTimeout(killer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the metrics address on the first line', () => {
    expect(rec.metrics).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/metrics$/);
  });

  it.each([
    ['exchange=binance&symbols=BTCUSDT,ETHUSDT&interval=1s&window=60s&metric=beta', /^unknown metric "beta"/],
    ['exchange=binance&symbols=BTCUSDT&interval=1s&window=60s&metric=correlation', /^correlation needs at least 2 symbols$/],
    ['exchange=binance&symbols=BTCUSDT,btc/usdt&interval=1s&window=60s&metric=correlation', /^duplicate symbol BTC\/USDT$/],
    ['exchange=binance&symbols=BTCUSDT,..%2F..%2Fetc&interval=1s&window=60s&metric=correlation', /^symbol "..\/..\/etc" is not a symbol name$/],
    ['exchange=binance&symbols=BTCUSDT,XRPUSDT&interval=1s&window=60s&metric=correlation', /XRPUSDT/],
    ['exchange=kraken&symbols=BTCUSDT,ETHUSDT&interval=1s&window=60s&metric=correlation', /kraken/],
    ['exchange=binance&symbols=BTCUSDT,ETHUSDT&interval=1w&window=60d&metric=correlation', /^interval "1w" is not supported/],
    ['exchange=binance&symbols=BTCUSDT,ETHUSDT&interval=1s&window=forever&metric=correlation', /^window "forever" is not a duration/],
    ['exchange=binance&symbols=BTCUSDT,ETHUSDT&interval=1s&window=30d&metric=correlation', /^window\/interval is more than 100000 bars/],
  ])('closes %s with 1008 and one line', async (query, reason) => {
    const c = open(query);
    const { code, reason: text } = await c.closed;
    expect(code).toBe(1008);
    expect(text).toMatch(reason);
    expect(c.messages).toEqual([]);
  });

  it('BTC~ETH (rho 0.9) correlate, pairs with SOL (rho 0) do not; volatility equals a hand computation', async () => {
    // let the recorder write ~20 s of trades first: the first message must already use them
    await until(async () => (await getJson(`${rec.http}candles?exchange=binance&symbol=BTCUSDT&timeframe=1s&limit=500`)).body?.candles?.length >= 22, 40_000, '20 s of bars');
    const connectedUs = Date.now() * 1000;
    const corr = open('exchange=binance&symbols=BTCUSDT,ETHUSDT,SOLUSDT&interval=1s&window=60s&metric=correlation');
    const vol = open('venue=binance&symbols=BTC/USDT&interval=1s&window=20s&metric=volatility');

    const first = await until(() => corr.messages[0], 10_000, 'the message on connect');
    expect(first).toMatchObject({ metric: 'correlation', exchange: 'binance', symbols: ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'], interval: '1s', window: '60s' });
    // bars recorded before the client came, read back from the trades files
    expect(first.bars['BTC/USDT']).toBeGreaterThanOrEqual(15);

    // Volatility: once its 20 s window holds only bars built after the client connected, the
    // server's bars are the ones /candles serves (the same LiveCandles over the same trades).
    const v = await until(() => vol.messages.find((m) => m.asOf !== null && m.asOf >= connectedUs + 23_000_000), 40_000, 'an all-live volatility window');
    const body = (await getJson(`${rec.http}candles?exchange=binance&symbol=BTCUSDT&timeframe=1s&limit=500`)).body;
    const bars = (body.candles as { openTs: number; close: string; closed: boolean }[])
      .filter((c) => c.closed && c.openTs >= v.asOf! - 20_000_000 && c.openTs + 1_000_000 <= v.asOf!);
    expect(v.bars['BTC/USDT']).toBe(bars.length);
    const r: number[] = [];
    for (let i = 1; i < bars.length; i++) if (bars[i].openTs - bars[i - 1].openTs === 1_000_000) r.push(Math.log(Number(bars[i].close) / Number(bars[i - 1].close)));
    const mean = r.reduce((a, b) => a + b, 0) / r.length;
    const hand = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / (r.length - 1)) * Math.sqrt(365 * 86_400);
    expect((v.value as Record<string, number>)['BTC/USDT']).toBeCloseTo(hand, 9);

    // Correlation over a full 60 s window of 1 s bars.
    const m = await until(() => corr.messages.find((x) => Object.values(x.bars).every((n) => n >= 55)), 70_000, '55 bars of each symbol');
    const c = m.value as number[][];
    expect(m.pairs![0][1]).toBeGreaterThanOrEqual(50);
    expect(c[0][0]).toBe(1);
    expect(c[1][0]).toBe(c[0][1]);
    // Why 0.5, not 0.9: rho is built into the fair prices; a bar's close is its last trade, at the
    // bid or the ask, and the book chases the fair with a few ticks of lag and noise. At 200
    // frames a second the fair moves ~9 ticks per 1 s bar against ~4 ticks of that noise, which
    // leaves about 0.8 of bar-close correlation (src/sim/follow.test.ts measures the mid). Over
    // ~58 returns the sample correlation's standard error is ~0.05 there, and ~0.13 around 0:
    // the bounds below sit 4–6 and 3.5 standard errors away.
    expect(c[0][1]).toBeGreaterThan(0.5);
    expect(Math.abs(c[0][2])).toBeLessThan(0.45);
    expect(Math.abs(c[1][2])).toBeLessThan(0.45);
  }, 150_000);
});
