// Resumable history: bring a range of candles or trades on disk up to date, fetching only what the
// day files do not cover yet. The files themselves are behind a small store interface (the
// implementation is storage/candles.ts; history/ does not import storage/), one record per UTC
// day: its rows plus the ranges already fetched (so a range the venue had no data for is not
// asked again, and a re-run fetches only the missing tail).
import { MarketfeedError } from '../core/errors.js';
import type { Trade } from '../core/events.js';
import { utcDay } from '../core/time.js';
import type { Bar } from './bar.js';
import { compareTradeIds, fetchCandles, fetchTrades } from './fetch.js';
import { fillGaps } from './gap-fill.js';
import { clipRange, mergeRanges, subtractRanges, type Range } from './ranges.js';
import { barOpen, timeframeMs } from './timeframe.js';
import type { VenueClient } from './venue-client.js';

const DAY_MS = 86_400_000;

/** One UTC day's rows and the µs ranges already fetched for it. */
export interface DayRecord<T> {
  rows: T[];
  coverage: Range[];
}

export interface DayStore<T> {
  read(day: string): Promise<DayRecord<T>>;
  write(day: string, record: DayRecord<T>): Promise<void>;
}

export interface SyncProgress {
  doneMs: number;
  fromMs: number;
  toMs: number;
  items: number;
}

export interface SyncOptions {
  symbol: string;
  fromMs: number;
  /** Exclusive. */
  toMs: number;
  pageLimit?: number;
  /** Venue time, ms (local clock + measured offset): candles still open are not fetched. */
  venueNowMs?: number;
  onProgress?: (p: SyncProgress) => void;
}

export interface SyncSummary {
  /** Range actually synced (toMs clipped to the last closed bar / now). */
  fromMs: number;
  toMs: number;
  fetched: number;
  pages: number;
  /** Gap-filled bars added (candles). */
  synthetic: number;
  daysWritten: string[];
  /** Ranges (ms) that had to be fetched; empty when everything was already on disk. */
  fetchedRanges: Range[];
}

/** `YYYYMMDD` → its UTC midnight in ms. */
export function dayStartMs(day: string): number {
  return Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8)));
}

/** The UTC days overlapping [fromMs, toMs). */
export function daysIn(fromMs: number, toMs: number): string[] {
  const days: string[] = [];
  for (let t = barOpen(fromMs, DAY_MS); t < toMs; t += DAY_MS) days.push(utcDay(t * 1000));
  return days;
}

function checkRange(fromMs: number, toMs: number): void {
  if (!(Number.isFinite(fromMs) && Number.isFinite(toMs) && toMs > fromMs)) {
    throw new MarketfeedError('MF_ERR_USAGE', 'the history range is empty', { expected: 'from < to', got: `${fromMs} .. ${toMs}` });
  }
}

/** What each day lacks within [fromMs, toMs), in ms, joined across day boundaries. */
function missing<T>(records: Map<string, DayRecord<T>>, fromMs: number, toMs: number): Range[] {
  const gaps: Range[] = [];
  for (const [day, rec] of records) {
    const start = dayStartMs(day);
    const want = clipRange([start, start + DAY_MS], fromMs, toMs);
    if (want === undefined) continue;
    const haveMs = rec.coverage.map(([a, b]): Range => [a / 1000, b / 1000]);
    gaps.push(...subtractRanges(want, haveMs));
  }
  return mergeRanges(gaps);
}

/** Candles of one symbol and timeframe over [fromMs, toMs), gap-filled unless `fill` is false. */
export async function syncCandles(
  client: VenueClient, store: DayStore<Bar>, opts: SyncOptions & { timeframe: string; fill: boolean },
): Promise<SyncSummary> {
  checkRange(opts.fromMs, opts.toMs);
  const len = timeframeMs(opts.timeframe);
  const market = client.market(opts.symbol);
  if (!client.hasTimeframe(opts.timeframe)) {
    throw new MarketfeedError('MF_ERR_USAGE', `the venue has no ${opts.timeframe} candles`, { venue: client.venue, got: opts.timeframe });
  }
  const fromMs = Math.ceil(opts.fromMs / len) * len;
  // The bar holding "now" is still open on the venue: stop before it.
  const toMs = Math.min(Math.ceil(opts.toMs / len) * len, barOpen(opts.venueNowMs ?? Date.now(), len));
  const summary: SyncSummary = { fromMs, toMs, fetched: 0, pages: 0, synthetic: 0, daysWritten: [], fetchedRanges: [] };
  if (toMs <= fromMs) return summary;
  const days = daysIn(fromMs, toMs);
  const records = new Map<string, DayRecord<Bar>>();
  for (const day of days) records.set(day, await store.read(day));
  summary.fetchedRanges = missing(records, fromMs, toMs);
  if (summary.fetchedRanges.length === 0) return summary;
  refuseUnreachable(client, opts, len, summary.fetchedRanges[0][0]);

  const byTs = new Map<number, Bar>();
  for (const rec of records.values()) for (const b of rec.rows) byTs.set(b.ts, b);
  let done = 0;
  const total = summary.fetchedRanges.reduce((n, [a, b]) => n + (b - a), 0);
  for (const [a, b] of summary.fetchedRanges) {
    const got = await fetchCandles(client, {
      market, timeframe: opts.timeframe, fromMs: a, toMs: b, pageLimit: opts.pageLimit,
      onPage: (p) => opts.onProgress?.({ doneMs: fromMs + done + (p.doneMs - a), fromMs, toMs: fromMs + total, items: summary.fetched + p.items }),
    });
    done += b - a;
    summary.pages += got.pages;
    summary.fetched += got.items.length;
    for (const bar of got.items) byTs.set(bar.ts, bar); // the venue's bar replaces a synthetic one
  }
  let series = [...byTs.values()].sort((x, y) => x.ts - y.ts);
  if (opts.fill) {
    const before = series.filter((b) => b.synthetic).length;
    series = fillGaps(series, len).bars;
    summary.synthetic = series.filter((b) => b.synthetic).length - before;
  }
  const perDay = new Map<string, Bar[]>();
  for (const bar of series) {
    const day = utcDay(bar.ts);
    if (!records.has(day)) continue;
    let list = perDay.get(day);
    if (list === undefined) perDay.set(day, (list = []));
    list.push(bar);
  }
  for (const [day, rec] of records) {
    const start = dayStartMs(day);
    const fetchedHere = summary.fetchedRanges
      .map((r) => clipRange(r, start, start + DAY_MS))
      .filter((r): r is Range => r !== undefined)
      .map(([a, b]): Range => [a * 1000, b * 1000]);
    if (fetchedHere.length === 0) continue;
    await store.write(day, { rows: perDay.get(day) ?? [], coverage: mergeRanges([...rec.coverage, ...fetchedHere]) });
    summary.daysWritten.push(day);
  }
  return summary;
}

/**
 * A venue keeping only its most recent bars (Kraken: 720) can't serve older ones at all: refuse the
 * range up front (MF_ERR_USAGE, exit 2) rather than gap-fill real history with synthetic bars.
 * One bar of margin, as the window slides while we fetch.
 */
function refuseUnreachable(client: VenueClient, opts: SyncOptions & { timeframe: string }, len: number, firstMissingMs: number): void {
  const n = client.ohlcvRecentBars;
  if (n === undefined) return;
  const oldest = barOpen(opts.venueNowMs ?? Date.now(), len) - (n - 2) * len;
  if (firstMissingMs >= oldest) return;
  const iso = (ms: number): string => new Date(ms).toISOString();
  throw new MarketfeedError('MF_ERR_USAGE', `${client.venue} keeps only its ${n} most recent ${opts.timeframe} bars; ${iso(firstMissingMs)} is older`, {
    expected: `--from ${iso(oldest)} or later (or a longer timeframe)`, got: `--from ${iso(opts.fromMs)}`,
  });
}

/** Trades of one symbol over [fromMs, toMs), fetched and written one day at a time. */
export async function syncTrades(client: VenueClient, store: DayStore<Trade>, opts: SyncOptions): Promise<SyncSummary> {
  checkRange(opts.fromMs, opts.toMs);
  const market = client.market(opts.symbol);
  const fromMs = opts.fromMs;
  const toMs = Math.min(opts.toMs, opts.venueNowMs ?? Date.now());
  const summary: SyncSummary = { fromMs, toMs, fetched: 0, pages: 0, synthetic: 0, daysWritten: [], fetchedRanges: [] };
  if (toMs <= fromMs) return summary;
  for (const day of daysIn(fromMs, toMs)) {
    const rec = await store.read(day);
    const gaps = missing(new Map([[day, rec]]), fromMs, toMs);
    if (gaps.length === 0) continue;
    summary.fetchedRanges.push(...gaps);
    const byId = new Map<string, Trade>();
    for (const t of rec.rows) byId.set(t.id, t);
    for (const [a, b] of gaps) {
      const got = await fetchTrades(client, {
        market, fromMs: a, toMs: b, pageLimit: opts.pageLimit,
        onPage: (p) => opts.onProgress?.({ doneMs: p.doneMs, fromMs, toMs, items: summary.fetched + p.items }),
      });
      summary.pages += got.pages;
      summary.fetched += got.items.length;
      for (const t of got.items) if (!byId.has(t.id)) byId.set(t.id, t);
    }
    const rows = [...byId.values()].sort((x, y) => x.ts - y.ts || compareTradeIds(x.id, y.id));
    const coverage = mergeRanges([...rec.coverage, ...gaps.map(([a, b]): Range => [a * 1000, b * 1000])]);
    await store.write(day, { rows, coverage });
    summary.daysWritten.push(day);
  }
  summary.fetchedRanges = mergeRanges(summary.fetchedRanges);
  return summary;
}
