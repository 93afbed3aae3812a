// `history candles --combine-local`: the day files hold the exchange's bars (sync.ts fetched them);
// this lays complete local bars (built from recorded trades, local-bars.ts) over them — local
// preferred, holes and local synthetic bars filled from the exchange (combine.ts) — and writes,
// per day, the combined series plus a report: where every bar came from and every overlapping bar
// that differed beyond the tolerance.
// The exchange's bars under the local ones are not on disk after a combine, so the span the local
// bars cover (now, or in an earlier combine per its report) is fetched again on every run: the
// comparison is always against the venue's current bars, and a re-run gives the same report.
import type { Bar } from './bar.js';
import { combineCandles, type BarMismatch } from './combine.js';
import { fetchCandles } from './fetch.js';
import { fillGaps } from './gap-fill.js';
import { clipRange, mergeRanges, type Range } from './ranges.js';
import { dayStartMs, daysIn, type DayRecord, type DayStore } from './sync.js';
import { timeframeMs } from './timeframe.js';
import type { VenueClient } from './venue-client.js';

const DAY_MS = 86_400_000;

/** Per-day report, written beside the day's candle file. */
export interface CombineReport {
  version: 1;
  venue: string;
  /** Data-dir label the local trades were read from (`binance`, `sim-binance` …). */
  localLabel: string;
  symbol: string;
  timeframe: string;
  day: string;
  /** Relative tolerance used for prices and volume. */
  tolerance: number;
  counts: {
    bars: number;
    /** Real bars built from recorded trades. */
    local: number;
    /** Real bars from the venue. */
    exchange: number;
    /** Flat bars (nothing traded, or a hole gap-filled): from either side or the gap filler. */
    synthetic: number;
    /** Bars both sides had as real bars and were compared. */
    overlapping: number;
    /** Overlapping bars with at least one field beyond the tolerance. */
    mismatchedBars: number;
    /** Recorded bars left out because the recorder did not watch all of them. */
    partialLocal: number;
  };
  /** µs [from, to) ranges whose bars are local (each bar's source is local inside, else exchange/synthetic). */
  localRanges: Range[];
  /** One entry per differing field, bar open in µs and as ISO text. */
  mismatches: Array<BarMismatch & { time: string }>;
}

export interface CombineStore extends DayStore<Bar> {
  readReport(day: string): Promise<CombineReport | undefined>;
  writeReport(day: string, report: CombineReport): Promise<void>;
}

export interface CombineSyncOptions {
  symbol: string;
  timeframe: string;
  localLabel: string;
  /** The same clipped range sync.ts's summary reports, ms. */
  fromMs: number;
  toMs: number;
  /** Complete local bars (local-bars.ts), sorted. */
  local: readonly Bar[];
  /** Open times (µs) of recorded bars left out as partial (local-bars.ts), for the report. */
  partial?: readonly number[];
  tolerance: number;
  fill: boolean;
  pageLimit?: number;
}

export interface CombineSummary {
  days: string[];
  bars: number;
  local: number;
  exchange: number;
  synthetic: number;
  overlapping: number;
  mismatchedBars: number;
  mismatches: number;
  partialLocal: number;
  /** Exchange bars fetched again for the local span. */
  refetched: number;
}

/** Ranges [ts, ts+len) of consecutive bars, joined. */
function barRanges(ts: readonly number[], lenUs: number): Range[] {
  return mergeRanges(ts.map((t): Range => [t, t + lenUs]));
}

export async function combineWithLocal(client: VenueClient, store: CombineStore, opts: CombineSyncOptions): Promise<CombineSummary> {
  const lenMs = timeframeMs(opts.timeframe);
  const lenUs = lenMs * 1000;
  const fromUs = opts.fromMs * 1000;
  const toUs = opts.toMs * 1000;
  const summary: CombineSummary = { days: [], bars: 0, local: 0, exchange: 0, synthetic: 0, overlapping: 0, mismatchedBars: 0, mismatches: 0, partialLocal: 0, refetched: 0 };
  if (toUs <= fromUs) return summary;
  const local = opts.local.filter((b) => b.ts >= fromUs && b.ts < toUs);
  const days = daysIn(opts.fromMs, opts.toMs);

  // exchange bars on disk, minus every span that is (or was) local: those are fetched again
  const onDisk: Bar[] = [];
  const records = new Map<string, DayRecord<Bar>>();
  const hadReport = new Set<string>();
  let localSpans = barRanges(local.map((b) => b.ts), lenUs);
  for (const day of days) {
    const rec = await store.read(day);
    records.set(day, rec);
    onDisk.push(...rec.rows);
    const prior = await store.readReport(day);
    if (prior === undefined) continue;
    hadReport.add(day);
    localSpans = mergeRanges([...localSpans, ...prior.localRanges]);
  }
  localSpans = localSpans.map((r) => clipRange(r, fromUs, toUs)).filter((r): r is Range => r !== undefined);
  const inLocalSpan = (ts: number): boolean => localSpans.some(([a, b]) => ts >= a && ts < b);
  const exchange = new Map<number, Bar>();
  for (const b of onDisk) if (b.ts >= fromUs && b.ts < toUs && !b.synthetic && !inLocalSpan(b.ts)) exchange.set(b.ts, b);
  if (localSpans.length > 0) {
    const market = client.market(opts.symbol);
    for (const [a, b] of localSpans) {
      const got = await fetchCandles(client, { market, timeframe: opts.timeframe, fromMs: a / 1000, toMs: b / 1000, pageLimit: opts.pageLimit });
      summary.refetched += got.items.length;
      for (const bar of got.items) exchange.set(bar.ts, bar);
    }
  }
  const exchangeBars = [...exchange.values()].sort((x, y) => x.ts - y.ts);
  const combined = combineCandles(local, exchangeBars, { priceTolerance: opts.tolerance, volumeTolerance: opts.tolerance });
  const localTs = new Set(combined.localTs);
  const bars = opts.fill ? fillGaps(combined.bars, lenMs).bars : combined.bars;

  const mismatchedTs = new Set(combined.mismatches.map((m) => m.ts));
  for (const day of days) {
    const start = dayStartMs(day) * 1000;
    const inDay = (ts: number): boolean => ts >= start && ts < start + DAY_MS * 1000;
    const rows = bars.filter((b) => inDay(b.ts));
    const prev = records.get(day)!;
    // bars of the day outside the requested range stay as they were
    const kept = prev.rows.filter((b) => b.ts < fromUs || b.ts >= toUs);
    const dayLocal = rows.filter((b) => localTs.has(b.ts) && !b.synthetic);
    const report: CombineReport = {
      version: 1, venue: client.venue, localLabel: opts.localLabel, symbol: opts.symbol, timeframe: opts.timeframe, day,
      tolerance: opts.tolerance,
      counts: {
        bars: rows.length,
        local: dayLocal.length,
        exchange: rows.filter((b) => !b.synthetic && !localTs.has(b.ts)).length,
        synthetic: rows.filter((b) => b.synthetic).length,
        overlapping: countIn(combined.overlappingTs, inDay),
        mismatchedBars: [...mismatchedTs].filter(inDay).length,
        partialLocal: countIn(opts.partial ?? [], (t) => inDay(t) && t >= fromUs && t < toUs),
      },
      localRanges: barRanges(rows.filter((b) => localTs.has(b.ts)).map((b) => b.ts), lenUs),
      mismatches: combined.mismatches.filter((m) => inDay(m.ts)).map((m) => ({ ...m, time: new Date(m.ts / 1000).toISOString() })),
    };
    // a day with nothing local (now or before) keeps the file sync.ts wrote
    if (report.counts.local === 0 && report.mismatches.length === 0 && !hadReport.has(day)) continue;
    await store.write(day, { rows: [...kept, ...rows], coverage: prev.coverage });
    await store.writeReport(day, report);
    summary.days.push(day);
    summary.bars += report.counts.bars;
    summary.local += report.counts.local;
    summary.exchange += report.counts.exchange;
    summary.synthetic += report.counts.synthetic;
    summary.overlapping += report.counts.overlapping;
    summary.mismatchedBars += report.counts.mismatchedBars;
    summary.mismatches += report.mismatches.length;
    summary.partialLocal += report.counts.partialLocal;
  }
  return summary;
}

function countIn(ts: readonly number[], pred: (t: number) => boolean): number {
  let n = 0;
  for (const t of ts) if (pred(t)) n++;
  return n;
}
