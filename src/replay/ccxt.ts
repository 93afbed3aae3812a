// Replay of a `ccxt:<id>` recording (label `ccxt-<id>` or `ccxt-<id>-unverified`). Live, one
// ccxt exchange served every symbol, and a frame went to the raw file of each symbol it concerned
// (connection-wide frames to all). So replay reads every symbol's raw capture, merges them back
// into the one order they were handled in (receive times strictly increase within a ccxt
// session, so equal times are the same frame, written to several files) and feeds that single
// stream to venues/ccxt's replayer; events are then filtered to the symbols and times asked for.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MarketfeedError } from '../core/errors.js';
import type { MarketEvent } from '../core/events.js';
import type { RawFrame } from '../core/frames.js';
import { silentLogger, type Logger } from '../core/log.js';
import { symbolFs } from '../core/symbols.js';
import { CcxtReplayer } from '../venues/ccxt/index.js';
import { rawDays, readRawFrames, symbolDirs, type ByteCounter, type RawDay } from './raw.js';

/** replay.ts's ReplayProgress (restated: replay.ts imports this file). */
interface ReplayProgress extends ByteCounter {
  bytesTotal: number;
  events: number;
  badLines: number;
  symbols: string[];
  depth: number;
}

export interface CcxtReplayOptions {
  dataDir: string;
  label: string;
  symbols?: string[];
  /** Receive-time window of the events, µs (frames before it are still fed: ccxt's state needs them). */
  from: number;
  to: number;
  depth?: number;
  progress: ReplayProgress;
  log?: Logger;
}

export async function* replayCcxt(opts: CcxtReplayOptions): AsyncGenerator<MarketEvent> {
  const dirs = symbolDirs(opts.dataDir, opts.label);
  for (const s of opts.symbols ?? []) {
    if (!dirs.includes(symbolFs(s))) {
      throw new MarketfeedError('MF_ERR_CONFIG', `no recording of ${s} under ${opts.dataDir}/${opts.label} (expected a ${symbolFs(s)} directory)`, {
        path: 'symbols', expected: `one of ${dirs.join(', ') || '(none)'}`, got: s,
      });
    }
  }
  const days = dirs.map((fs) => rawDays(opts.dataDir, opts.label, fs)).filter((d) => d.length > 0);
  if (days.length === 0) {
    throw new MarketfeedError('MF_ERR_CONFIG', `no raw capture under ${opts.dataDir}/${opts.label}`, {
      path: 'dataDir', expected: 'raw_<SYMBOL>_<YYYYMMDD>.ndjson.gz files (record with storage.raw on)', got: opts.dataDir,
    });
  }
  const progress = opts.progress;
  progress.bytesTotal += days.flat().reduce((n, d) => n + d.bytes, 0);
  const wanted = new Set(opts.symbols ?? dirs.map((fs) => recordedSymbol(opts.dataDir, opts.label, fs)).filter((s): s is string => s !== undefined));
  let out: MarketEvent[] = [];
  const replayer = new CcxtReplayer((ev) => {
    if (wanted.has(ev.symbol) && ev.localTs >= opts.from && ev.localTs < opts.to) out.push(ev);
  }, opts.log ?? silentLogger);
  for await (const f of merged(days.map((d) => symbolFrames(d, progress)))) {
    await replayer.frame(f);
    if (progress.symbols.length === 0 && replayer.plan !== undefined) {
      progress.symbols = opts.symbols ?? replayer.plan.symbols.filter((s) => wanted.size === 0 || wanted.has(s));
      progress.depth = opts.depth ?? replayer.plan.depth;
      if (wanted.size === 0) for (const s of replayer.plan.symbols) wanted.add(s);
    }
    if (out.length > 0) {
      const batch = out;
      out = [];
      for (const ev of batch) {
        progress.events++;
        yield ev;
      }
    }
  }
  if (replayer.unplaced > 0) (opts.log ?? silentLogger).warn({ unplaced: replayer.unplaced }, 'ccxt replay: frames that could not be placed');
}

/** The unified symbol of a symbol directory, from the symbol.json record writes beside it. */
function recordedSymbol(dataDir: string, label: string, fs: string): string | undefined {
  const path = join(dataDir, label, fs, 'symbol.json');
  if (!existsSync(path)) return undefined;
  try {
    const s = (JSON.parse(readFileSync(path, 'utf8')) as { symbol?: unknown }).symbol;
    return typeof s === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

async function* symbolFrames(days: RawDay[], progress: ReplayProgress): AsyncGenerator<RawFrame> {
  const bad = { lines: 0 };
  for (const d of days) {
    for (const part of d.raws) for await (const batch of readRawFrames(part, 'ccxt', progress, bad)) yield* batch;
  }
  progress.badLines += bad.lines;
}

/** The symbols' streams merged by receive time, each frame once. */
async function* merged(sources: AsyncGenerator<RawFrame>[]): AsyncGenerator<RawFrame> {
  const heads: (RawFrame | undefined)[] = await Promise.all(sources.map(async (s) => (await s.next()).value ?? undefined));
  let last = -Infinity;
  while (true) {
    let at = -1;
    for (let i = 0; i < heads.length; i++) if (heads[i] !== undefined && (at < 0 || heads[i]!.localTs < heads[at]!.localTs)) at = i;
    if (at < 0) return;
    const f = heads[at]!;
    heads[at] = (await sources[at].next()).value ?? undefined;
    if (f.localTs === last) continue; // the same frame, from another symbol's file
    last = f.localTs;
    yield f;
  }
}
