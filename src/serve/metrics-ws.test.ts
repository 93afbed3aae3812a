import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { BookSnapshot, MarketEvent, Trade } from '../core/events.js';
import { silentLogger } from '../core/log.js';
import { EVENTS_HEADER, TRADES_HEADER, tradeRow } from '../storage/csv.js';
import { dataFileName, dayDir } from '../storage/layout.js';
import { spreadBps, topImbalance } from './analytics.js';
import { MetricsWs, type MetricsMessage } from './metrics-ws.js';
import type { EventListener, Resolved, ServeSource, StreamRef } from './types.js';

const S = 1_000_000;
const M = 60 * S;
/** A minute boundary (2024-01-02 00:10 UTC), µs. */
const T0 = (Date.UTC(2024, 0, 2) + 10 * 60_000) * 1000;

const STREAMS: StreamRef[] = [
  { venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', label: 'sim-binance', depth: 3 },
  { venue: 'binance', symbol: 'ETH/USDT', venueSymbol: 'ETHUSDT', label: 'sim-binance', depth: 3 },
  { venue: 'binance', symbol: 'SOL/USDT', venueSymbol: 'SOLUSDT', label: 'sim-binance', depth: 0 },
];

class FakeSource implements ServeSource {
  readonly log = silentLogger;
  readonly listeners = new Set<EventListener>();
  constructor(readonly dataDir: string) {}
  resolve(exchange: string, symbol: string): Resolved {
    if (exchange.toLowerCase() !== 'binance') return { ok: false, status: 404, error: `unknown exchange ${JSON.stringify(exchange)}` };
    const s = STREAMS.find((st) => [st.symbol, st.venueSymbol].some((n) => n.toLowerCase() === symbol.toLowerCase()));
    return s ? { ok: true, stream: s } : { ok: false, status: 404, error: `binance does not record ${JSON.stringify(symbol)}` };
  }
  streams(): readonly StreamRef[] {
    return STREAMS;
  }
  listen(fn: EventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  emit(ev: MarketEvent): void {
    for (const l of this.listeners) l(ev);
  }
}

function trade(venueSymbol: string, ts: number, price: number, amount = 1): Trade {
  const s = STREAMS.find((st) => st.venueSymbol === venueSymbol)!;
  return { type: 'trade', venue: 'binance', symbol: s.symbol, venueSymbol, ts, localTs: ts, id: String(ts), price: String(price), amount: String(amount), side: 'buy' };
}

function book(ts: number, bids: [string, string][], asks: [string, string][]): BookSnapshot {
  return { type: 'book_snapshot', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts, localTs: ts, depth: 3, updateId: 1, bids, asks };
}

interface Client {
  ws: WebSocket;
  /** The next message satisfying `until` (messages before it are skipped). */
  next(until?: (m: MetricsMessage) => boolean): Promise<MetricsMessage>;
  closed: Promise<{ code: number; reason: string }>;
}

interface Setup {
  source: FakeSource;
  metrics: MetricsWs;
  connect(query: string): Client;
}

let teardown: (() => Promise<void>) | undefined;
afterEach(async () => {
  await teardown?.();
  teardown = undefined;
});

/** A MetricsWs behind a node:http server on port 0, a fake source, a fake clock frozen at T0 + 1 s. */
async function setup(opts: { maxClients?: number; dataDir?: string } = {}): Promise<Setup> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'mf-metrics-ws-'));
  const source = new FakeSource(dataDir);
  const metrics = new MetricsWs({ source, maxClients: opts.maxClients ?? 10, now: () => T0 + S });
  const server: Server = createServer((_req, res) => res.writeHead(404).end());
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://x').pathname === '/metrics') metrics.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const sockets: WebSocket[] = [];
  teardown = async () => {
    for (const ws of sockets) ws.terminate();
    await metrics.close();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dataDir, { recursive: true, force: true });
  };
  const connect = (query: string): Client => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/metrics?${query}`);
    sockets.push(ws);
    const inbox: MetricsMessage[] = [];
    let wake: (() => void) | undefined;
    ws.on('message', (d) => {
      inbox.push(JSON.parse(d.toString()) as MetricsMessage);
      wake?.();
    });
    const closed = new Promise<{ code: number; reason: string }>((r) => ws.on('close', (code, reason) => {
      r({ code, reason: reason.toString() });
      wake?.();
    }));
    const next = async (until: (m: MetricsMessage) => boolean = () => true): Promise<MetricsMessage> => {
      for (;;) {
        const m = inbox.shift();
        if (m !== undefined) {
          if (until(m)) return m;
          continue;
        }
        if (ws.readyState === WebSocket.CLOSED) throw new Error('closed before the message came');
        await new Promise<void>((r) => (wake = r));
      }
    };
    return { ws, next, closed };
  };
  return { source, metrics, connect };
}

const logReturns = (xs: number[]): number[] => xs.slice(1).map((x, i) => Math.log(x / xs[i]));
function stdev(xs: number[]): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
}
function pearson(a: number[], b: number[]): number {
  const ma = a.reduce((s, x) => s + x, 0) / a.length;
  const mb = b.reduce((s, x) => s + x, 0) / b.length;
  let sab = 0, saa = 0, sbb = 0;
  a.forEach((x, i) => {
    sab += (x - ma) * (b[i] - mb);
    saa += (x - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  });
  return sab / Math.sqrt(saa * sbb);
}

describe('metrics WebSocket: live bars', () => {
  const btc = [100, 101, 99, 102, 104, 103];
  const eth = [50, 50.6, 49.4, 51.2, 51.9, 51.3];

  /** One trade per symbol in each minute k = 1..n+1 (k = n+1 closes bar n). */
  function feed(source: FakeSource, n: number): void {
    for (let k = 1; k <= n + 1; k++) {
      source.emit(trade('BTCUSDT', T0 + k * M + 5 * S, btc[Math.min(k, n) - 1]));
      source.emit(trade('ETHUSDT', T0 + k * M + 7 * S, eth[Math.min(k, n) - 1], 2));
    }
  }

  it('sends on connect, then at each bar close: correlation and volatility equal hand computations', async () => {
    const { source, metrics, connect } = await setup();
    const corr = connect('exchange=binance&symbols=BTCUSDT,eth/usdt&interval=1m&window=10m&metric=correlation');
    const vol = connect('venue=BINANCE&symbols=ETHUSDT,BTCUSDT&interval=1m&window=10m&metric=volatility');
    const first = await corr.next();
    expect(first).toEqual({
      metric: 'correlation', exchange: 'binance', symbols: ['BTC/USDT', 'ETH/USDT'], interval: '1m', window: '10m', asOf: null,
      bars: { 'BTC/USDT': 0, 'ETH/USDT': 0 }, value: [[null, null], [null, null]], pairs: [[0, 0], [0, 0]],
      note: 'BTC/USDT~ETH/USDT: 0 aligned bars in the window; correlation needs at least 3',
    });
    await vol.next();
    // the two clients share one live aggregation per symbol
    expect(metrics.seriesInUse()).toBe(2);
    expect(metrics.clients()).toBe(2);

    feed(source, btc.length);
    const two = await corr.next((m) => m.bars['BTC/USDT'] === 2);
    expect(two.note).toBe('BTC/USDT~ETH/USDT: 2 aligned bars in the window; correlation needs at least 3');
    const last = await corr.next((m) => m.bars['BTC/USDT'] === 6);
    expect(last.asOf).toBe(T0 + 7 * M);
    expect(last.pairs).toEqual([[5, 5], [5, 5]]);
    expect(last.note).toBeUndefined();
    const r = pearson(logReturns(btc), logReturns(eth));
    const m = last.value as number[][];
    expect(m[0][0]).toBe(1);
    expect(m[1][1]).toBe(1);
    expect(m[0][1]).toBeCloseTo(r, 12);
    expect(m[1][0]).toBe(m[0][1]);

    const v = await vol.next((msg) => msg.bars['BTC/USDT'] === 6);
    expect(v.symbols).toEqual(['ETH/USDT', 'BTC/USDT']);
    const perYear = 365 * 24 * 60;
    const value = v.value as Record<string, number>;
    expect(value['BTC/USDT']).toBeCloseTo(stdev(logReturns(btc)) * Math.sqrt(perYear), 12);
    expect(value['ETH/USDT']).toBeCloseTo(stdev(logReturns(eth)) * Math.sqrt(perYear), 12);
  });

  it('vwap and volume over the window', async () => {
    const { source, connect } = await setup();
    const c = connect('exchange=binance&symbols=BTCUSDT&interval=1m&window=3m&metric=volume');
    const w = connect('exchange=binance&symbols=BTCUSDT&interval=1m&window=3m&metric=vwap');
    await c.next();
    await w.next();
    for (let k = 1; k <= 6; k++) {
      source.emit(trade('BTCUSDT', T0 + k * M + 1 * S, 100 + k, k));
      source.emit(trade('BTCUSDT', T0 + k * M + 2 * S, 101 + k, 1));
    }
    // bars 3, 4, 5 are in the window ending at minute 6 (bar 6 is still open)
    const vol = await c.next((m) => m.asOf === T0 + 6 * M);
    expect(vol.bars).toEqual({ 'BTC/USDT': 3 });
    expect(vol.value).toEqual({ 'BTC/USDT': 3 + 1 + 4 + 1 + 5 + 1 });
    const vw = await w.next((m) => m.asOf === T0 + 6 * M);
    // each bar: high 101+k, low 100+k, close 101+k → typical (302 + 3k)/3, volume k + 1
    const typical = (k: number): number => (302 + 3 * k) / 3;
    const want = [3, 4, 5].reduce((s, k) => s + typical(k) * (k + 1), 0) / [3, 4, 5].reduce((s, k) => s + k + 1, 0);
    expect((vw.value as Record<string, number>)['BTC/USDT']).toBeCloseTo(want, 10);
  });
});

describe('metrics WebSocket: history from the data dir', () => {
  it('joins bars built from recorded trades with live bars; returns never span the hole at the join', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mf-metrics-ws-'));
    // recorded: minutes -4 … -1 before T0, plus a trade at T0 + 0.5 s that shows bar -1 closed
    const past = [200, 202, 201, 205];
    const rows = past.map((p, i) => trade('BTCUSDT', T0 + (i - 4) * M + 10 * S, p)).concat(trade('BTCUSDT', T0 + S / 2, 206));
    const dir = dayDir(dataDir, 'sim-binance', 'BTC/USDT', '20240102');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, dataFileName('trades', 'BTC/USDT', '20240102')), gzipSync(TRADES_HEADER + rows.map(tradeRow).join('')));
    // the ledger: the recorder was connected from before the first of those minutes
    const t = T0 - 5 * M;
    writeFileSync(join(dir, dataFileName('events', 'BTC/USDT', '20240102')),
      gzipSync(`${EVENTS_HEADER}1,${t},${t},run_start,,run\n2,${t},${t},connect,CONNECTED,connection connId=1\n`));
    const { source, connect } = await setup({ dataDir });
    const c = connect('exchange=binance&symbols=BTCUSDT&interval=1m&window=10m&metric=volatility');
    const first = await c.next();
    expect(first.bars).toEqual({ 'BTC/USDT': 4 });
    expect(first.asOf).toBe(T0);
    const histVol = stdev(logReturns(past)) * Math.sqrt(365 * 24 * 60);
    expect((first.value as Record<string, number>)['BTC/USDT']).toBeCloseTo(histVol, 12);
    // live bars start with minute 1 (minute 0 was only partly seen live, and not closed on file)
    const live = [207, 204, 208];
    live.forEach((p, i) => source.emit(trade('BTCUSDT', T0 + (i + 1) * M + 3 * S, p)));
    source.emit(trade('BTCUSDT', T0 + 4 * M + 3 * S, 210));
    const m = await c.next((x) => x.asOf === T0 + 4 * M);
    expect(m.bars).toEqual({ 'BTC/USDT': 7 });
    const returns = [...logReturns(past), ...logReturns(live)];
    expect((m.value as Record<string, number>)['BTC/USDT']).toBeCloseTo(stdev(returns) * Math.sqrt(365 * 24 * 60), 12);
  });
});

describe('metrics WebSocket: book metrics', () => {
  it('mean spread and top-N imbalance over every book sample of the window', async () => {
    const { source, connect } = await setup();
    const sp = connect('exchange=binance&symbols=BTCUSDT&interval=1m&window=2m&metric=spread');
    const im = connect('exchange=binance&symbols=BTCUSDT&interval=1m&window=2m&metric=imbalance&levels=2');
    const first = await sp.next();
    expect(first.value).toEqual({ 'BTC/USDT': null });
    expect(first.note).toBe('BTC/USDT: no two-sided book sample in the window; spread is undefined');
    expect((await im.next()).levels).toBe(2);
    const samples: BookSnapshot[] = [
      book(T0 + M + 1 * S, [['100', '1'], ['99', '1'], ['98', '5']], [['101', '3'], ['102', '1']]),
      book(T0 + M + 9 * S, [['100', '2']], [['100.2', '2']]),
      book(T0 + 2 * M + 4 * S, [['101', '6'], ['100', '1']], [['101.5', '1'], ['102', '1'], ['103', '9']]),
      book(T0 + 3 * M, [['101', '1']], [['102', '1']]), // opens bar 3: closes bar 2
    ];
    for (const s of samples) source.emit(s);
    const spread = await sp.next((m) => m.asOf === T0 + 3 * M);
    expect(spread.bars).toEqual({ 'BTC/USDT': 2 });
    const want = (spreadBps(100, 101) + spreadBps(100, 100.2) + spreadBps(101, 101.5)) / 3;
    expect((spread.value as Record<string, number>)['BTC/USDT']).toBeCloseTo(want, 10);
    const imb = await im.next((m) => m.asOf === T0 + 3 * M);
    const wantImb = samples.slice(0, 3).reduce((s, b) => s + topImbalance(b.bids, b.asks, 2), 0) / 3;
    expect((imb.value as Record<string, number>)['BTC/USDT']).toBeCloseTo(wantImb, 12);
  });
});

describe('metrics WebSocket: parameters', () => {
  it.each([
    ['metric=foo&exchange=binance&symbols=BTCUSDT&interval=1m&window=1h', 'unknown metric "foo": use one of correlation, volatility, spread, imbalance, vwap, volume'],
    ['exchange=binance&symbols=BTCUSDT&interval=1m&window=1h', 'metric is missing: use one of correlation, volatility, spread, imbalance, vwap, volume'],
    ['metric=volume&symbols=BTCUSDT&interval=1m&window=1h', 'exchange is missing (e.g. exchange=binance)'],
    ['metric=volume&exchange=kraken&symbols=BTCUSDT&interval=1m&window=1h', 'unknown exchange "kraken"'],
    ['metric=volume&exchange=binance&interval=1m&window=1h', 'symbols is missing (e.g. symbols=BTCUSDT,ETHUSDT)'],
    ['metric=volume&exchange=binance&symbols=XRPUSDT&interval=1m&window=1h', 'binance does not record "XRPUSDT"'],
    ['metric=volume&exchange=binance&symbols=../../etc/passwd&interval=1m&window=1h', 'symbol "../../etc/passwd" is not a symbol name'],
    ['metric=volume&exchange=binance&symbols=BTC%2F..%2F..%2Fx&interval=1m&window=1h', 'symbol "BTC/../../x" is not a symbol name'],
    ['metric=volume&exchange=binance&symbols=BTCUSDT,,ETHUSDT&interval=1m&window=1h', 'symbol "" is not a symbol name'],
    ['metric=correlation&exchange=binance&symbols=BTCUSDT&interval=1m&window=1h', 'correlation needs at least 2 symbols'],
    ['metric=correlation&exchange=binance&symbols=BTCUSDT,btc/usdt&interval=1m&window=1h', 'duplicate symbol BTC/USDT'],
    ['metric=volume&exchange=binance&symbols=BTCUSDT&interval=7m&window=1h', 'interval "7m" is not supported: 1s to 1d, dividing a day (1s, 5s, 1m, 15m, 1h, 4h, 1d)'],
    ['metric=volume&exchange=binance&symbols=BTCUSDT&interval=1w&window=30d', 'interval "1w" is not supported: 1s to 1d, dividing a day (1s, 5s, 1m, 15m, 1h, 4h, 1d)'],
    ['metric=volume&exchange=binance&symbols=BTCUSDT&interval=1m', 'window "" is not a duration (e.g. 60s, 6h, 30d)'],
    ['metric=volume&exchange=binance&symbols=BTCUSDT&interval=1m&window=soon', 'window "soon" is not a duration (e.g. 60s, 6h, 30d)'],
    ['metric=volume&exchange=binance&symbols=BTCUSDT&interval=1m&window=30s', 'window 30s is shorter than one 1m bar'],
    ['metric=volume&exchange=binance&symbols=BTCUSDT&interval=1s&window=2d', 'window/interval is more than 100000 bars: use a longer interval or a shorter window'],
    ['metric=spread&exchange=binance&symbols=SOLUSDT&interval=1m&window=1h', 'no book is recorded for binance SOL/USDT: spread needs book snapshots'],
    ['metric=imbalance&exchange=binance&symbols=BTCUSDT&interval=1m&window=1h&levels=5', 'levels 5 is more than the recorded depth 3 of BTC/USDT'],
    ['metric=imbalance&exchange=binance&symbols=BTCUSDT&interval=1m&window=1h&levels=-1', 'levels "-1" must be an integer from 1 to 1000'],
  ])('%s → 1008 %s', async (query, reason) => {
    const { connect, metrics } = await setup();
    const c = connect(query);
    expect(await c.closed).toEqual({ code: 1008, reason });
    expect(metrics.clients()).toBe(0);
    expect(metrics.seriesInUse()).toBe(0);
  });

  it('cuts a long reason to the 123 bytes a close frame holds', async () => {
    const { connect } = await setup();
    const c = connect(`metric=volume&exchange=${'é'.repeat(100)}&symbols=BTCUSDT&interval=1m&window=1h`);
    const { code, reason } = await c.closed;
    expect(code).toBe(1008);
    expect(reason.startsWith('unknown exchange "éé')).toBe(true);
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
  });
});

describe('metrics WebSocket: clients', () => {
  it('refuses clients past maxClients with 1013, and frees shared series and the listener with the last client', async () => {
    const { source, metrics, connect } = await setup({ maxClients: 2 });
    const q = 'exchange=binance&symbols=BTCUSDT,ETHUSDT&interval=1s&window=1m&metric=';
    const a = connect(q + 'correlation');
    const b = connect(q + 'volatility');
    await a.next();
    await b.next();
    const c = connect(q + 'volume');
    expect(await c.closed).toEqual({ code: 1013, reason: 'too many clients (max 2); try again later' });
    expect(metrics.seriesInUse()).toBe(2);
    expect(source.listeners.size).toBe(1);
    a.ws.close();
    await a.closed;
    await until(() => metrics.clients() === 1);
    expect(metrics.seriesInUse()).toBe(2); // b still reads them
    b.ws.close();
    await b.closed;
    await until(() => metrics.clients() === 0);
    expect(metrics.seriesInUse()).toBe(0);
    expect(source.listeners.size).toBe(0);
  });
});

/** Waits (on the event loop, not a clock) until the server side has processed a close. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setImmediate(r));
}
