// The metrics WebSocket (issue 8, "Serve it live"): a client names a metric, an exchange, symbols,
// a bar interval and a window in the URL,
//   ws://127.0.0.1:8766/metrics?exchange=binance&symbols=BTCUSDT,ETHUSDT&interval=1m&window=30d&metric=correlation
// and gets one message on connect and one each time a bar of the interval closes:
//   {"metric","exchange","symbols","interval","window","asOf","bars","value"[,"pairs"][,"levels"][,"note"]}
// - symbols: the unified symbols, in request order; exchange: the venue id.
// - value: correlation → a matrix (rows and columns in `symbols` order, null where undefined);
//   the others → an object keyed by symbol (null where undefined).
// - bars: an object keyed by symbol: the bars of that symbol in the window (book bars with samples,
//   for spread and imbalance). For correlation also `pairs`: a matrix of the aligned return pairs
//   behind each cell (the diagonal: the symbol's own returns).
// - asOf: epoch µs of the end of the newest bar used; null when no bar was.
// - note: present when a value is null: why ("BTC/USDT~ETH/USDT: 2 aligned bars in the window;
//   correlation needs at least 3"), joined with "; ".
// Bad parameters are not an HTTP error: the upgrade is accepted, then closed with 1008 and one line.
// The bars are shared between clients (metrics-series.ts); the math is analytics.ts.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { nowUs, parseDurationMs } from '../core/time.js';
import { barOpen, timeframeMs } from '../history/timeframe.js';
import {
  annualisedVolatility, barVwap, correlationMatrix, meanImbalance, meanSpread, totalVolume, type BookBar, type Maybe, type PriceBar,
} from './analytics.js';
import { SeriesRegistry, type BookSeries, type PriceSeries, type SeriesWatcher } from './metrics-series.js';
import type { ServeSource, StreamRef } from './types.js';

export const METRICS = ['correlation', 'volatility', 'spread', 'imbalance', 'vwap', 'volume'] as const;
export type MetricName = (typeof METRICS)[number];
/** Bars per series a window may span (window / interval): bounds the memory of one series. */
export const MAX_BARS = 100_000;
const MAX_SYMBOLS = 20;
const DEFAULT_LEVELS = 10;
const MAX_LEVELS = 1000;
/** What a symbol in the URL may look like, before it is looked up (`BTCUSDT`, `BTC/USDT:USDT`, `BTC-USDT-SWAP`). */
const SYMBOL_TEXT_RE = /^[A-Za-z0-9][A-Za-z0-9/:._-]{0,39}$/;

/** A client's request, checked. */
export interface MetricsRequest {
  metric: MetricName;
  /** Resolved, in request order, all of one venue. */
  streams: StreamRef[];
  /** As given (`60s`), its length, and its usual name (`1m`: candle files are named by it). */
  interval: string;
  intervalMs: number;
  timeframe: string;
  window: string;
  windowMs: number;
  /** Top levels per side for imbalance (default 10). */
  levels: number;
}

const quote = (text: string): string => JSON.stringify(text.length > 24 ? text.slice(0, 24) + '…' : text);

/** The request of a metrics URL's query, or one line saying what is wrong with it (the 1008 reason). */
export function parseMetricsRequest(q: URLSearchParams, source: ServeSource): MetricsRequest | string {
  const metric = q.get('metric') ?? '';
  if (!(METRICS as readonly string[]).includes(metric)) {
    return `${metric === '' ? 'metric is missing' : `unknown metric ${quote(metric)}`}: use one of ${METRICS.join(', ')}`;
  }
  const exchange = q.get('exchange') ?? q.get('venue') ?? '';
  if (exchange === '') return 'exchange is missing (e.g. exchange=binance)';
  const texts = (q.get('symbols') ?? q.get('symbol') ?? '').split(',').map((t) => t.trim());
  if (texts.length === 1 && texts[0] === '') return 'symbols is missing (e.g. symbols=BTCUSDT,ETHUSDT)';
  if (texts.length > MAX_SYMBOLS) return `${texts.length} symbols: at most ${MAX_SYMBOLS}`;
  const streams: StreamRef[] = [];
  for (const text of texts) {
    if (!SYMBOL_TEXT_RE.test(text) || text.includes('..')) return `symbol ${quote(text)} is not a symbol name`;
    const r = source.resolve(exchange, text);
    if (!r.ok) return r.error;
    if (streams.some((s) => s.venue === r.stream.venue && s.symbol === r.stream.symbol)) return `duplicate symbol ${r.stream.symbol}`;
    streams.push(r.stream);
  }
  if (metric === 'correlation' && streams.length < 2) return 'correlation needs at least 2 symbols';
  const interval = q.get('interval') ?? '';
  let intervalMs: number;
  try {
    intervalMs = timeframeMs(interval);
  } catch {
    return `interval ${quote(interval)} is not supported: 1s to 1d, dividing a day (1s, 5s, 1m, 15m, 1h, 4h, 1d)`;
  }
  const window = q.get('window') ?? '';
  const windowMs = parseDurationMs(window);
  if (!(windowMs > 0) || !Number.isFinite(windowMs)) return `window ${quote(window)} is not a duration (e.g. 60s, 6h, 30d)`;
  if (windowMs < intervalMs) return `window ${window} is shorter than one ${interval} bar`;
  if (windowMs / intervalMs > MAX_BARS) return `window/interval is more than ${MAX_BARS} bars: use a longer interval or a shorter window`;
  let levels = DEFAULT_LEVELS;
  if (metric === 'spread' || metric === 'imbalance') {
    const noBook = streams.find((s) => s.depth <= 0);
    if (noBook !== undefined) return `no book is recorded for ${noBook.venue} ${noBook.symbol}: ${metric} needs book snapshots`;
    const text = q.get('levels');
    if (metric === 'imbalance' && text !== null && text !== '') {
      if (!/^\d{1,4}$/.test(text) || Number(text) < 1 || Number(text) > MAX_LEVELS) return `levels ${quote(text)} must be an integer from 1 to ${MAX_LEVELS}`;
      levels = Number(text);
      const shallow = streams.find((s) => s.depth < levels);
      if (shallow !== undefined) return `levels ${levels} is more than the recorded depth ${shallow.depth} of ${shallow.symbol}`;
    } else {
      levels = Math.min(DEFAULT_LEVELS, ...streams.map((s) => s.depth));
    }
  }
  return { metric: metric as MetricName, streams, interval, intervalMs, timeframe: timeframeName(intervalMs), window, windowMs, levels };
}

/** `60000` → `1m`, `5400000` → `90m`: the largest unit that divides the length. */
function timeframeName(ms: number): string {
  for (const [unit, len] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) if (ms % len === 0) return `${ms / len}${unit}`;
  return `${ms / 1000}s`;
}

/** After a bar's end, how long to wait for every series to close it before sending anyway, ms. */
const SETTLE_MS = 750;
/** A client that lets this much pile up unread is closed (one message per bar is tiny). */
const MAX_BUFFERED_BYTES = 1 << 20;
/** ws close reasons are limited to 123 bytes. */
const MAX_REASON_BYTES = 123;

export interface MetricsWsOptions {
  source: ServeSource;
  maxClients: number;
  /** Epoch-µs clock (default nowUs); tests pass a fake one. */
  now?: () => number;
}

export interface MetricsMessage {
  metric: string;
  exchange: string;
  symbols: string[];
  interval: string;
  window: string;
  asOf: number | null;
  bars: Record<string, number>;
  value: (number | null)[][] | Record<string, number | null>;
  pairs?: number[][];
  levels?: number;
  note?: string;
}

class MetricsClient implements SeriesWatcher {
  /** End of the window of the last message sent, µs. */
  lastSentEndUs = -Infinity;
  timer: NodeJS.Timeout | undefined;
  /** The first message went out (history loaded): bar closes may send from now on. */
  ready = false;
  closed = false;
  readonly lenUs: number;
  readonly windowUs: number;

  constructor(
    readonly ws: WebSocket,
    readonly req: MetricsRequest,
    readonly series: (PriceSeries | BookSeries)[],
    private readonly now: () => number,
    private readonly send: (c: MetricsClient, endUs: number) => void,
  ) {
    this.lenUs = req.intervalMs * 1000;
    this.windowUs = req.windowMs * 1000;
  }

  oldestNeededUs(): number {
    return this.now() - this.windowUs - this.lenUs;
  }

  /** Early path: every series has closed the bar ending at `endUs`, so the message need not wait for the timer. */
  onBarClosed(endUs: number): void {
    if (!this.ready || this.closed || endUs <= this.lastSentEndUs) return;
    for (const s of this.series) if (s.closedEndUs < endUs) return;
    this.send(this, endUs);
  }
}

export class MetricsWs {
  private readonly now: () => number;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
  private readonly all = new Set<MetricsClient>();
  private readonly registry: SeriesRegistry;

  constructor(private readonly opts: MetricsWsOptions) {
    this.now = opts.now ?? nowUs;
    this.registry = new SeriesRegistry(opts.source, this.now);
  }

  /** An upgrade request on /metrics (the token already checked); the query is read from `req.url`. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req.url ?? '/'));
  }

  clients(): number {
    return this.all.size;
  }

  /** Series (price and book) in use: shared between clients, freed with the last. */
  seriesInUse(): number {
    return this.registry.size;
  }

  async close(): Promise<void> {
    for (const c of [...this.all]) {
      c.ws.close(1001, 'server stopping');
      this.forget(c);
    }
    this.registry.closeAll();
    await new Promise<void>((r) => this.wss.close(() => r()));
    for (const ws of this.wss.clients) ws.terminate();
  }

  private onConnection(ws: WebSocket, url: string): void {
    ws.on('error', () => ws.terminate());
    if (this.all.size >= this.opts.maxClients) {
      closeWith(ws, 1013, `too many clients (max ${this.opts.maxClients}); try again later`);
      return;
    }
    const query = new URL(url, 'http://localhost').searchParams;
    const req = parseMetricsRequest(query, this.opts.source);
    if (typeof req === 'string') {
      closeWith(ws, 1008, req);
      return;
    }
    const lenUs = req.intervalMs * 1000;
    const series = req.streams.map((st) => (req.metric === 'spread' || req.metric === 'imbalance'
      ? this.registry.book(st, req.timeframe, lenUs, req.levels)
      : this.registry.price(st, req.timeframe, lenUs)));
    const client = new MetricsClient(ws, req, series, this.now, (c, endUs) => this.send(c, endUs));
    this.all.add(client);
    for (const s of series) s.watchers.add(client);
    ws.on('close', () => this.forget(client));
    this.start(client).catch((e: unknown) => {
      this.opts.source.log.error({ err: (e as Error).message }, 'metrics: a client could not be started');
      closeWith(ws, 1011, `internal error: ${(e as Error).message}`);
      this.forget(client);
    });
  }

  /** Loads the window's history, then sends the first message and starts the bar clock. */
  private async start(c: MetricsClient): Promise<void> {
    const fromUs = ceilTo(barOpen(this.now(), c.lenUs) - c.windowUs, c.lenUs);
    await Promise.all(c.series.map((s) => s.need(this.opts.source, fromUs)));
    if (c.closed) return;
    c.ready = true;
    this.send(c, barOpen(this.now(), c.lenUs));
    this.schedule(c);
  }

  /** The late path: at each bar end + SETTLE_MS, send whatever has closed by then. */
  private schedule(c: MetricsClient): void {
    if (c.closed) return;
    const now = this.now();
    const nextEndUs = barOpen(now, c.lenUs) + c.lenUs;
    const delayMs = Math.max(1, (nextEndUs - now) / 1000 + SETTLE_MS);
    c.timer = setTimeout(() => {
      if (nextEndUs > c.lastSentEndUs) this.send(c, nextEndUs);
      this.schedule(c);
    }, delayMs);
    c.timer.unref();
  }

  /** Computes and sends the message for the window ending at `endUs`. */
  private send(c: MetricsClient, endUs: number): void {
    if (c.closed || endUs <= c.lastSentEndUs) return;
    c.lastSentEndUs = endUs;
    if (c.ws.readyState !== c.ws.OPEN) return;
    if (c.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      closeWith(c.ws, 1013, 'client too slow: metrics messages are piling up unread; reconnect and read faster');
      this.forget(c);
      return;
    }
    c.ws.send(JSON.stringify(buildMessage(c.req, c.series, endUs - c.windowUs, endUs)));
  }

  private forget(c: MetricsClient): void {
    if (c.closed) return;
    c.closed = true;
    clearTimeout(c.timer);
    this.all.delete(c);
    for (const s of c.series) {
      s.watchers.delete(c);
      this.registry.release(s);
    }
  }
}

/** The message for bars with open time in [ceil(fromUs), endUs − len]. */
function buildMessage(req: MetricsRequest, series: readonly (PriceSeries | BookSeries)[], fromUs: number, endUs: number): MetricsMessage {
  const lenUs = req.intervalMs * 1000;
  const symbols = req.streams.map((s) => s.symbol);
  const windows = series.map((s) => s.window(ceilTo(fromUs, lenUs), endUs) as (PriceBar | BookBar)[]);
  const bars: Record<string, number> = {};
  let asOf: number | null = null;
  symbols.forEach((sym, i) => {
    const w = windows[i];
    bars[sym] = w.length;
    if (w.length > 0 && (asOf === null || w[w.length - 1].ts + lenUs > asOf)) asOf = w[w.length - 1].ts + lenUs;
  });
  const msg: MetricsMessage = {
    metric: req.metric, exchange: req.streams[0].venue, symbols, interval: req.interval, window: req.window, asOf, bars, value: {},
  };
  const notes: string[] = [];
  for (const s of series) if (s.historyError !== undefined) notes.push(s.historyError);
  if (req.metric === 'correlation') {
    const m = correlationMatrix(windows as PriceBar[][]);
    msg.value = m.value;
    msg.pairs = m.pairs;
    for (const u of m.undefinedCells) notes.push(`${symbols[u.i]}~${symbols[u.j]}: ${u.why}`);
  } else {
    const value: Record<string, number | null> = {};
    symbols.forEach((sym, i) => {
      const r = perSymbol(req, windows[i]);
      value[sym] = r.value;
      if (r.value === null) notes.push(`${sym}: ${r.why}`);
    });
    msg.value = value;
    if (req.metric === 'imbalance') msg.levels = req.levels;
  }
  if (notes.length > 0) msg.note = notes.join('; ');
  return msg;
}

function perSymbol(req: MetricsRequest, w: (PriceBar | BookBar)[]): Maybe {
  switch (req.metric) {
    case 'volatility':
      return annualisedVolatility(w as PriceBar[], req.intervalMs);
    case 'vwap':
      return barVwap(w as PriceBar[]);
    case 'volume':
      return w.length === 0 ? { value: null, n: 0, why: 'no bars in the window' } : { value: totalVolume(w as PriceBar[]), n: w.length };
    case 'spread':
      return meanSpread(w as BookBar[]);
    case 'imbalance':
      return meanImbalance(w as BookBar[]);
    case 'correlation':
      throw new Error('correlation is a matrix, not per symbol');
  }
}

/** The first multiple of `len` at or after `t`. */
function ceilTo(t: number, len: number): number {
  return Math.ceil(t / len) * len;
}

/** Closes with a reason cut to the 123 bytes a close frame allows. */
function closeWith(ws: WebSocket, code: number, reason: string): void {
  let r = reason.replace(/[\r\n]+/g, ' ');
  if (Buffer.byteLength(r) > MAX_REASON_BYTES) {
    while (Buffer.byteLength(r) > MAX_REASON_BYTES - 3) r = r.slice(0, -1);
    r += '...';
  }
  ws.close(code, r);
}
