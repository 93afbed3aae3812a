// A stream's past bars for the metrics WebSocket, from the data dir: per UTC day of the window, the
// stored candle file of the interval (`marketfeed history`) when there is one, else bars built
// from the recorded trades parts (history/live-candles.ts, the same code the live bars run), and
// per-bar book sums from the recorded book parts. Only the window's day directories are read,
// and only those of a resolved stream: every path component comes from the StreamRef, validated
// by storage/layout.ts, never from a client.
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Candle } from '../core/events.js';
import { utcDay } from '../core/time.js';
import { candlesFromTradesFiles } from '../history/live-candles.js';
import { completeBars, ledgerRowOf, watchedSpans, type LedgerRow } from '../history/local-bars.js';
import type { Range } from '../history/ranges.js';
import { barOpen, timeframeMs } from '../history/timeframe.js';
import { candleFileName, readCandles, type CandleRow } from '../storage/candles.js';
import { dayDir, partsOf, symbolDirName } from '../storage/layout.js';
import { readCsv } from '../storage/read.js';
import { addBookSample, spreadBps, topImbalance, type BookBar, type PriceBar } from './analytics.js';
import type { StreamRef } from './types.js';

const DAY_US = 86_400_000_000;

/** Which stream's files, and the span of bar open times wanted: [fromUs, toUs). */
export interface HistorySpan {
  dataDir: string;
  stream: StreamRef;
  /** Bar length as text (`1s`, `1m`): candle files are named by it. */
  interval: string;
  fromUs: number;
  /** Bars must end by this time (the live bars take over from here). */
  toUs: number;
}

/** The UTC days (YYYYMMDD) that [fromUs, toUs) touches, oldest first. */
export function windowDays(fromUs: number, toUs: number): string[] {
  const days: string[] = [];
  if (!(toUs > fromUs)) return days;
  for (let t = Math.floor(fromUs / DAY_US) * DAY_US; t < toUs; t += DAY_US) days.push(utcDay(t));
  return days;
}

/** A bar's numbers, parsed once as it enters a series. */
export function priceBarOf(b: CandleRow | Candle): PriceBar {
  const ts = 'openTs' in b ? b.openTs : b.ts;
  return { ts, high: Number(b.high), low: Number(b.low), close: Number(b.close), volume: Number(b.volume) };
}

/** The file names in one day directory of the stream (none when it does not exist). */
async function dayNames(span: HistorySpan, day: string): Promise<{ dir: string; names: string[] }> {
  const dir = dayDir(span.dataDir, span.stream.label, span.stream.symbol, day);
  return { dir, names: await readdir(dir).catch((): string[] => []) };
}

/**
 * Closed bars of the span, oldest first. Bars built from trades are taken only when the recorder
 * watched all of them (history/local-bars.ts's completeBars over the ledger): not the bar a
 * recorder is still writing, not one it started or stopped inside, and no flat bars made up over
 * a time it was not running (those would be returns of 0 that nobody saw).
 */
export async function loadPriceBars(span: HistorySpan): Promise<PriceBar[]> {
  const lenUs = timeframeMs(span.interval) * 1000;
  const fs = symbolDirName(span.stream.symbol);
  const out: PriceBar[] = [];
  const keep = (ts: number): boolean => ts >= span.fromUs && ts + lenUs <= span.toUs;
  // trades and ledger parts of consecutive days without a candle file: one aggregation
  let trades: string[] = [];
  let ledger: string[] = [];
  const flushRun = async (): Promise<void> => {
    if (trades.length === 0) return;
    const { candles } = await candlesFromTradesFiles(trades, {
      venue: span.stream.venue, symbol: span.stream.symbol, venueSymbol: span.stream.venueSymbol, timeframes: [span.interval],
    });
    for (const b of completeBars(candles, lenUs, await spansOf(ledger, span.fromUs)).bars) if (keep(b.ts)) out.push(priceBarOf(b));
    trades = [];
    ledger = [];
  };
  for (const day of windowDays(span.fromUs, span.toUs)) {
    const { dir, names } = await dayNames(span, day);
    const candleName = candleFileName(span.stream.symbol, span.interval, day);
    if (names.includes(candleName)) {
      await flushRun();
      for (const row of await readCandles(join(dir, candleName))) if (keep(row.ts)) out.push(priceBarOf(row));
    } else {
      for (const p of partsOf(names, 'trades', fs, day)) trades.push(join(dir, p.name));
      for (const p of partsOf(names, 'events', fs, day)) ledger.push(join(dir, p.name));
    }
  }
  await flushRun();
  out.sort((a, b) => a.ts - b.ts);
  return out;
}

const CONN_ID_RE = /connId=(\S*)/;
const CONNECTION_KINDS = new Set(['run_start', 'run_stop', 'connect', 'disconnect']);

/**
 * When the trade stream was watched, from the ledger parts of the window's days (watchedSpans).
 * Only those days are read, so a connection opened on an earlier day first shows up as its
 * `disconnect` (or its run's `run_stop`): it was up when they begin, and a `connect` is put in
 * front for it. No connection row at all: a recorder that ran throughout. No ledger: undefined
 * (completeBars then drops only the first bar).
 */
async function spansOf(paths: readonly string[], fromUs: number): Promise<Range[] | undefined> {
  if (paths.length === 0) return undefined;
  const rows: LedgerRow[] = [];
  for (const path of paths) {
    for (const cells of (await readCsv(path)).rows) {
      const r = ledgerRowOf(cells);
      if (r !== undefined && CONNECTION_KINDS.has(r.kind)) rows.push(r);
    }
  }
  if (rows.length === 0) return [[-Infinity, Infinity]];
  const before: LedgerRow[] = [];
  const seen = new Set<string>();
  for (const r of rows) {
    if (r.kind === 'run_start') break;
    const id = CONN_ID_RE.exec(r.detail)?.[1] ?? '';
    if (r.kind === 'connect') seen.add(id);
    else if ((r.kind === 'disconnect' && !seen.has(id)) || (r.kind === 'run_stop' && seen.size === 0)) {
      before.push({ localTs: fromUs - DAY_US, kind: 'connect', state: 'CONNECTED', detail: `connId=${id}` });
      seen.add(id);
    }
  }
  return watchedSpans(before.concat(rows));
}

/**
 * Per-bar book sums over the span from the recorded book parts (rows as storage/csv.ts bookRow
 * writes them: timestamp,local_timestamp,update_id, then bid and ask price/qty pairs), each row one
 * sample: the spread of its best levels and the imbalance of its top `levels`. Rows at or after
 * `toUs` are left to the live samples.
 */
export async function loadBookBars(span: HistorySpan, levels: number): Promise<BookBar[]> {
  const lenUs = timeframeMs(span.interval) * 1000;
  const fs = symbolDirName(span.stream.symbol);
  const bars = new Map<number, BookBar>();
  for (const day of windowDays(span.fromUs, span.toUs)) {
    const { dir, names } = await dayNames(span, day);
    for (const p of partsOf(names, 'book', fs, day)) {
      let depth = 0;
      let bids: [string, string][] = [];
      let asks: [string, string][] = [];
      await forEachGzipLine(join(dir, p.name), (line, n) => {
        const cells = line.split(',');
        if (n === 0) {
          depth = cells[0] === 'timestamp' ? Math.floor((cells.length - 3) / 4) : -1;
          bids = new Array<[string, string]>(depth);
          asks = new Array<[string, string]>(depth);
          return depth > 0;
        }
        const ts = Number(cells[0]);
        if (!(ts >= span.fromUs && ts < span.toUs)) return true;
        const nb = levelsOf(cells, 3, depth, bids);
        const na = levelsOf(cells, 3 + 2 * depth, depth, asks);
        const open = barOpen(ts, lenUs);
        let bar = bars.get(open);
        if (bar === undefined) bars.set(open, (bar = emptyBookBar(open)));
        const spread = nb > 0 && na > 0 ? spreadBps(Number(bids[0][0]), Number(asks[0][0])) : NaN;
        addBookSample(bar, spread, topImbalance(bids.slice(0, nb), asks.slice(0, na), levels));
        return true;
      });
    }
  }
  return [...bars.values()].sort((a, b) => a.ts - b.ts);
}

export function emptyBookBar(ts: number): BookBar {
  return { ts, spreadSum: 0, spreadN: 0, imbalanceSum: 0, imbalanceN: 0 };
}

/** Fills `out` with the row's non-empty levels from column `first`; returns how many. */
function levelsOf(cells: readonly string[], first: number, depth: number, out: [string, string][]): number {
  let n = 0;
  for (let i = 0; i < depth; i++) {
    const price = cells[first + 2 * i];
    const qty = cells[first + 2 * i + 1];
    if (price === undefined || price === '' || qty === undefined || qty === '') break;
    out[n++] = [price, qty];
  }
  return n;
}

/**
 * Streams the complete lines of a (multi-member) .gz file; `onLine` returns false to stop. A
 * damaged tail (a part still being written, or a crash) ends the file where it breaks.
 */
function forEachGzipLine(path: string, onLine: (line: string, n: number) => boolean): Promise<void> {
  return new Promise((resolve) => {
    let rest = '';
    let n = 0;
    let done = false;
    const file = createReadStream(path);
    const gunzip = createGunzip();
    const finish = (): void => {
      if (done) return;
      done = true;
      file.destroy();
      gunzip.destroy();
      resolve();
    };
    file.on('error', finish);
    gunzip.on('error', finish);
    gunzip.on('end', finish);
    gunzip.setEncoding('utf8');
    gunzip.on('data', (chunk: string) => {
      if (done) return;
      const text = rest + chunk;
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        if (!onLine(text.slice(start, nl), n++)) {
          finish();
          return;
        }
        start = nl + 1;
      }
      rest = text.slice(start);
    });
    file.pipe(gunzip);
  });
}
