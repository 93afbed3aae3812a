// replay: a capture back through the live pipeline. Each frame source (one symbol's raw capture,
// or one cryptofeed capture) drives its own FeedCore — the same decoder, books, trade de-dup and
// quote check as live capture — and the sources' event streams are merged by localTs.
//
// What makes the output equal the live run's: frames are fed in file order (the order they were
// processed live); REST bodies are handed to the book where live fetches would have been (open
// interest bodies to the decoder, as live polls hand them); and the ledger says when each run
// started (a fresh core, as a fresh process had) and when it stopped its books (frames after that
// were still decoded live, but no book moved).
import { existsSync, statSync } from 'node:fs';
import { MarketfeedError } from '../core/errors.js';
import type { MarketEvent } from '../core/events.js';
import type { RawFrame } from '../core/frames.js';
import { silentLogger, type Logger } from '../core/log.js';
import { symbolFs } from '../core/symbols.js';
import { utcDay } from '../core/time.js';
import { FeedCore } from '../venues/feed-core.js';
import { getVenue } from '../venues/index.js';
import { isCcxtLabel } from '../venues/ccxt/index.js';
import { replayCcxt } from './ccxt.js';
import type { Kind, VenueSpec } from '../venues/types.js';
import { readCryptofeedCapture, symbolsOfCapture } from './cryptofeed.js';
import { MERGE_BATCH, merge, pace } from './merge.js';
import { ledgerRunsOf, rawDays, readRawFrames, symbolDirs, type ByteCounter, type LedgerRun, type RawDay } from './raw.js';

export { seededRandom } from './merge.js';

export const DEFAULT_DEPTH = 20;

/** Calls for what a live session hands its owner besides events (CaptureSink's ledger rows). */
export interface ReplayHandlers {
  snapshot?(symbol: string, body: string, localTs: number, lastUpdateId: number): void;
  reject?(symbols: readonly string[], reason: string, frame: string, localTs: number): void;
}

/** Counters the caller can read while iterating (progress bar). */
export interface ReplayProgress extends ByteCounter {
  bytesTotal: number;
  events: number;
  /** Raw lines that were not frames. */
  badLines: number;
  /** Unified symbols being replayed (set once the capture is opened). */
  symbols: string[];
  depth: number;
}

export interface ReplayOptions {
  /** The data directory `record` wrote (ignored with `capture`). */
  dataDir?: string;
  /** Directory label (`binance`, `sim-binance`); the protocol venue is the label without `sim-`. */
  venue: string;
  /** Unified symbols; default: every symbol directory (raw) or every symbol of the capture. */
  symbols?: string[];
  /** Only events at or after this receive time (UTC date / datetime text, or epoch µs). */
  from?: string | number;
  /** Only events before this receive time (exclusive). */
  to?: string | number;
  /** Book depth; default: the recording's run_start `depth=`, else 20. */
  depth?: number;
  /** 0 = as fast as possible (default), 1 = real time by localTs, 10 = ten times faster. */
  speed?: number;
  /** Random extra delay per event, up to this many ms. */
  jitter?: number;
  /** Seed of the jitter. */
  seed?: number;
  /** As `record --quote-check`; default: the run_start `quote_check=`, else count. */
  quoteCheck?: 'off' | 'count' | 'resync';
  /** Emit book_change events too (record does not). */
  emitChanges?: boolean;
  /** A cryptofeed websocket capture (`*.ws.N.0`) instead of a data directory. */
  capture?: string;
  /** The cryptofeed REST capture beside it (`*.http.N.0`). */
  http?: string;
  handlers?: ReplayHandlers;
  progress?: ReplayProgress;
  log?: Logger;
}

interface SideRecord {
  type: '_snapshot' | '_reject';
  localTs: number;
  call: () => void;
}
type Out = MarketEvent | SideRecord;

interface FrameSource {
  symbols: string[];
  /** Compressed bytes to read. */
  bytes: number;
  runs: LedgerRun[];
  frames(): AsyncIterable<RawFrame[]>;
}

interface Shared {
  spec: VenueSpec;
  kinds: Kind[];
  depth: number;
  from: number;
  to: number;
  opts: ReplayOptions;
  log: Logger;
}

export function newReplayProgress(): ReplayProgress {
  return { bytesRead: 0, bytesTotal: 0, events: 0, badLines: 0, symbols: [], depth: 0 };
}

/** Normalized events of a capture, in receive-time order, through the live decoders and books. */
export async function* replay(opts: ReplayOptions): AsyncGenerator<MarketEvent> {
  if (isCcxtLabel(opts.venue) && opts.capture === undefined) {
    // a `ccxt:<id>` recording: replayed through ccxt itself (replay/ccxt.ts)
    if (opts.dataDir === undefined) throw new MarketfeedError('MF_ERR_CONFIG', 'replay needs a data directory or a capture file', { path: 'dataDir' });
    yield* replayCcxt({
      dataDir: opts.dataDir, label: opts.venue, symbols: opts.symbols, depth: opts.depth, log: opts.log,
      from: parseTime(opts.from, 'from') ?? -Infinity, to: parseTime(opts.to, 'to') ?? Infinity, progress: opts.progress ?? newReplayProgress(),
    });
    return;
  }
  const progress = opts.progress ?? newReplayProgress();
  const merged = await openReplay(opts, progress);
  if ((opts.speed ?? 0) > 0 || (opts.jitter ?? 0) > 0) {
    for await (const x of pace(merged, opts.speed ?? 0, opts.jitter ?? 0, opts.seed ?? 1)) {
      if ('call' in x) {
        x.call();
        continue;
      }
      progress.events++;
      yield x;
    }
    return;
  }
  for await (const batch of merged) {
    for (let i = 0; i < batch.length; i++) {
      const x = batch[i];
      if ('call' in x) {
        x.call();
        continue;
      }
      progress.events++;
      yield x;
    }
  }
}

/** What replayBatches takes: no handlers (their calls interleave with events) and no pacing. */
export type BatchReplayOptions = Omit<ReplayOptions, 'handlers' | 'speed' | 'jitter' | 'seed'>;

/**
 * The events replay() yields, in the same order, as arrays: one async step per batch rather than
 * per event (the NDJSON writer and the replay workers read it).
 */
export async function* replayBatches(opts: BatchReplayOptions): AsyncGenerator<MarketEvent[]> {
  if (isCcxtLabel(opts.venue) && opts.capture === undefined) {
    const batch: MarketEvent[] = [];
    for await (const ev of replay(opts)) {
      batch.push(ev);
      if (batch.length >= MERGE_BATCH) yield batch.splice(0);
    }
    if (batch.length > 0) yield batch;
    return;
  }
  const progress = opts.progress ?? newReplayProgress();
  for await (const batch of await openReplay({ ...opts, handlers: undefined }, progress)) {
    progress.events += batch.length;
    // without handlers every item is an event
    yield batch as MarketEvent[];
  }
}

/** One raw source (a symbol's capture, all its days) as the replay workers are given it. */
export interface SourcePlan {
  symbol: string;
  bytes: number;
}

/**
 * The raw sources replay() would read, in its merge order, and the depth it would use; fills
 * `progress` (symbols, bytesTotal, depth) as replay() does. Undefined for a cryptofeed capture or a
 * ccxt recording (one source, or not through our decoders). Throws replay()'s usage errors.
 */
export async function planRawReplay(opts: ReplayOptions, progress: ReplayProgress): Promise<{ sources: SourcePlan[]; depth: number } | undefined> {
  if (opts.capture !== undefined || isCcxtLabel(opts.venue)) return undefined;
  const spec = getVenue(opts.venue.replace(/^sim-/, ''));
  const { sources, depth } = await rawSources(spec, opts, progress);
  progress.depth = depth;
  return { sources: sources.map((s) => ({ symbol: s.symbols[0], bytes: s.bytes })), depth };
}

/** The sources of a capture, each through its own cores, merged by localTs; not paced. */
async function openReplay(opts: ReplayOptions, progress: ReplayProgress): Promise<AsyncGenerator<Out[]>> {
  const spec = getVenue(opts.venue.replace(/^sim-/, ''));
  const { sources, depth } = opts.capture !== undefined ? await captureSources(spec, opts, progress) : await rawSources(spec, opts, progress);
  const shared: Shared = {
    spec,
    kinds: (Object.keys(spec.kinds) as Kind[]).filter((k) => spec.kinds[k]),
    depth,
    from: parseTime(opts.from, 'from') ?? -Infinity,
    to: parseTime(opts.to, 'to') ?? Infinity,
    opts,
    log: opts.log ?? silentLogger,
  };
  progress.depth = depth;
  return merge(sources.map((s) => runSource(s, shared)));
}

// --- sources ----------------------------------------------------------------------------------

async function rawSources(spec: VenueSpec, opts: ReplayOptions, progress: ReplayProgress): Promise<{ sources: FrameSource[]; depth: number }> {
  if (opts.dataDir === undefined) throw new MarketfeedError('MF_ERR_CONFIG', 'replay needs a data directory or a capture file', { path: 'dataDir' });
  const label = opts.venue;
  const fromDay = opts.from === undefined ? '' : utcDay(parseTime(opts.from, 'from')!);
  const dirs = symbolDirs(opts.dataDir, label);
  const wanted = opts.symbols?.map((s) => [symbolFs(s), s] as const);
  for (const [fs, s] of wanted ?? []) {
    if (!dirs.includes(fs)) {
      throw new MarketfeedError('MF_ERR_CONFIG', `no recording of ${s} under ${opts.dataDir}/${label} (expected a ${fs} directory)`, {
        path: 'symbols', expected: `one of ${dirs.join(', ') || '(none)'}`, got: s,
      });
    }
  }
  const sources: FrameSource[] = [];
  let depth: number | undefined;
  for (const fs of wanted ? wanted.map((w) => w[0]) : dirs) {
    const days = rawDays(opts.dataDir, label, fs).filter((d) => d.day >= fromDay);
    if (days.length === 0) continue;
    const runs: LedgerRun[] = [];
    for (const d of days) runs.push(...(await ledgerRunsOf(d.eventsParts)));
    depth ??= runs.find((r) => r.depth !== undefined)?.depth;
    const symbol = wanted?.find((w) => w[0] === fs)?.[1] ?? unifiedOf(spec, fs, runs);
    spec.toVenueSymbol(symbol); // a symbol of another market is a usage error, found before reading
    const bytes = days.reduce((n, d) => n + d.bytes, 0);
    progress.bytesTotal += bytes;
    sources.push({ symbols: [symbol], bytes, runs, frames: () => dayFrames(days, spec.id, progress) });
  }
  if (sources.length === 0) {
    throw new MarketfeedError('MF_ERR_CONFIG', `no raw capture under ${opts.dataDir}/${label}${opts.from === undefined ? '' : ` from ${opts.from}`}`, {
      path: 'dataDir', expected: 'raw_<SYMBOL>_<YYYYMMDD>.ndjson.gz files (record with storage.raw on)', got: opts.dataDir,
    });
  }
  progress.symbols = sources.map((s) => s.symbols[0]);
  return { sources, depth: opts.depth ?? depth ?? DEFAULT_DEPTH };
}

async function* dayFrames(days: RawDay[], venue: string, progress: ReplayProgress): AsyncGenerator<RawFrame[]> {
  const bad = { lines: 0 };
  for (const d of days) {
    for (const part of d.raws) yield* readRawFrames(part, venue, progress, bad);
    progress.badLines += bad.lines;
    bad.lines = 0;
  }
}

/** The unified symbol of this venue that run_start rows list under SYMBOL_FS `fs` (`BTCUSDT` → `BTC/USDT`). */
export function symbolOfRuns(spec: VenueSpec, fs: string, runs: LedgerRun[]): string | undefined {
  for (const r of runs) {
    for (const s of r.symbols) {
      try {
        if (symbolFs(s) === fs) {
          spec.toVenueSymbol(s);
          return s;
        }
      } catch {
        // a symbol of another market: not this one
      }
    }
  }
  return undefined;
}

/** SYMBOL_FS back to the unified symbol the run_start rows list, or a config error. */
function unifiedOf(spec: VenueSpec, fs: string, runs: LedgerRun[]): string {
  const s = symbolOfRuns(spec, fs, runs);
  if (s !== undefined) return s;
  throw new MarketfeedError('MF_ERR_CONFIG', `cannot tell which ${spec.name} symbol the directory ${fs} holds (no run_start row names it): pass --symbols`, {
    path: 'symbols', got: fs,
  });
}

async function captureSources(spec: VenueSpec, opts: ReplayOptions, progress: ReplayProgress): Promise<{ sources: FrameSource[]; depth: number }> {
  const capture = opts.capture!;
  for (const f of [capture, opts.http]) {
    if (f !== undefined && !existsSync(f)) throw new MarketfeedError('MF_ERR_CONFIG', `capture file ${f} does not exist`, { path: 'capture', got: f });
  }
  const symbols = opts.symbols ?? (await symbolsOfCapture(spec, capture));
  for (const s of symbols) spec.toVenueSymbol(s);
  progress.symbols = symbols;
  const bytes = statSync(capture).size + (opts.http === undefined ? 0 : statSync(opts.http).size);
  progress.bytesTotal += bytes;
  return {
    sources: [{ symbols, bytes, runs: [], frames: () => readCryptofeedCapture(capture, opts.http, spec.id, progress) }],
    depth: opts.depth ?? DEFAULT_DEPTH,
  };
}

// --- one source through one core per run --------------------------------------------------------

async function* runSource(src: FrameSource, sh: Shared): AsyncGenerator<Out[]> {
  const { spec, opts } = sh;
  let out: Out[] = [];
  const keep = (x: Out): void => {
    if (x.localTs >= sh.from && x.localTs < sh.to) out.push(x);
  };
  const newCore = (): FeedCore =>
    new FeedCore({
      spec, symbols: src.symbols, kinds: sh.kinds, depth: sh.depth, plans: [], emitChanges: opts.emitChanges,
      quoteCheck: opts.quoteCheck ?? (run >= 0 ? src.runs[run].quoteCheck : undefined) ?? 'count', log: sh.log,
      // the capture holds the REST body live fetched; it comes along as a `rest` frame
      requestSnapshot: () => {},
      handlers: {
        event: keep,
        snapshot: opts.handlers?.snapshot && ((symbol, body, localTs, id) => {
          keep({ type: '_snapshot', localTs, call: () => opts.handlers!.snapshot!(symbol, body, localTs, id) });
        }),
        reject: opts.handlers?.reject && ((symbols, reason, frame, localTs) => {
          keep({ type: '_reject', localTs, call: () => opts.handlers!.reject!(symbols, reason, frame, localTs) });
        }),
      },
    });
  const venueSymbols = new Set(src.symbols.map((s) => spec.toVenueSymbol(s)));
  let core: FeedCore | undefined;
  let run = -1;
  let stopped = false;
  let lastTs = 0;
  const finish = (): void => {
    if (core !== undefined && !stopped) core.stop(lastTs);
  };
  outer: for await (const batch of src.frames()) {
    for (let i = 0; i < batch.length; i++) {
      const f = batch[i];
      if (f.localTs >= sh.to) break outer;
      // a new run is a new process: fresh books, connection ids and trade de-dup
      if (run + 1 < src.runs.length && f.localTs >= src.runs[run + 1].start) {
        finish();
        while (run + 1 < src.runs.length && f.localTs >= src.runs[run + 1].start) run++;
        core = undefined;
      }
      if (core === undefined) {
        core = newCore();
        stopped = false;
      }
      const bookStop = run >= 0 ? src.runs[run].bookStop : undefined;
      if (!stopped && bookStop !== undefined && f.localTs > bookStop) {
        core.stop(bookStop);
        stopped = true;
      }
      lastTs = f.localTs;
      if (f.dir === 'rest') {
        if (stopped) continue; // live drops a body that lands after the stop
        const v = f.url === undefined ? undefined : (spec.restSymbol?.(f.url) ?? restSymbol(f.url));
        if (v === undefined || !venueSymbols.has(v)) continue;
        if (core.onRestFrame(f, v)) continue; // open interest, not a book
        const failure = core.onSnapshotBody(v, f.data, f.localTs, true);
        if (failure !== undefined) core.snapshotFailed(v, failure, f.localTs);
      } else {
        core.onFrame(f);
      }
    }
    if (out.length > 0) {
      yield out;
      out = [];
    }
  }
  finish();
  if (out.length > 0) yield out;
}

/** `https://…/api/v3/depth?symbol=BTCUSDT&limit=1000` → `BTCUSDT` (OKX: `instId=BTC-USDT`). */
export function restSymbol(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  const params = new URLSearchParams(url.slice(q + 1));
  return params.get('symbol') ?? params.get('instId') ?? undefined;
}

/** `2024-01-02`, `20240102`, `2024-01-02T10:00` (UTC unless a zone is given) or epoch µs → epoch µs. */
export function parseTime(v: string | number | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v;
  const t = v.trim();
  let ms = NaN;
  if (/^\d{8}$/.test(t)) ms = Date.parse(`${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6)}T00:00:00Z`);
  else if (/^\d{13,}$/.test(t)) return Number(t) * (t.length >= 16 ? 1 : 1000);
  else if (/^\d{4}-\d{2}-\d{2}$/.test(t)) ms = Date.parse(`${t}T00:00:00Z`);
  else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t)) ms = Date.parse(`${t.replace(' ', 'T')}Z`);
  else ms = Date.parse(t);
  if (!Number.isFinite(ms)) {
    throw new MarketfeedError('MF_ERR_CONFIG', `--${what} ${JSON.stringify(v)} is not a date or time`, {
      path: what, expected: 'YYYY-MM-DD, YYYYMMDD, YYYY-MM-DDTHH:MM[:SS] (UTC) or epoch µs', got: v,
    });
  }
  return ms * 1000;
}
