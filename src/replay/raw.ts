// Reading what `record` wrote: the raw capture of each (venue label, symbol, day) and the bits of
// the events ledger replay needs to reproduce the run (its symbols, depth, and when each run
// started and stopped its books).
//
// Raw files are streamed (a day file can be gigabytes): the file is read in chunks, gunzipped as a
// stream (concatenated members are one stream to zlib) and split into lines by hand. A crash can
// leave a half-written last member; zlib then reports an unexpected end, and everything before it
// has been returned, as storage/read.ts does for whole files.
//
// A day's output may be split into parts (storage/layout.ts "Parts": rotation, one part per
// run); rawDays lists them in part order, and the parts of a day read one after another are the
// day's stream. A part still being written (`*.open`) is read up to its last complete member.
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { MarketfeedError } from '../core/errors.js';
import type { RawFrame } from '../core/frames.js';
import { parseRawLine } from '../storage/csv.js';
import { partsOf } from '../storage/layout.js';
import { readCsv } from '../storage/read.js';

const DAY_RE = /^\d{8}$/;

/**
 * zlib's output chunk. At its default (16 KiB) the stream machinery per chunk costs more than the
 * inflating: streaming the bench's 82 MB BTCUSDT capture took 290-370 ms CPU, 90-145 ms at 64 KiB
 * and 70 ms at 256 KiB — but chunks past malloc's mmap threshold (128 KiB) page-fault on every
 * allocation, which cost more system time than they saved.
 */
const GUNZIP_CHUNK = 1 << 16;

/** One day of one symbol: its raw capture and (when written) its events ledger, each in parts. */
export interface RawDay {
  day: string;
  /** The raw parts, in order (at least one). */
  raws: string[];
  /** The events parts, in order (empty when the events output was off). */
  eventsParts: string[];
  /** The first raw part (kept for callers that predate parts). */
  raw: string;
  /** The first events part. */
  events: string | undefined;
  bytes: number;
}

/** The parts of one kind in a day directory, in order, as full paths. */
export function dayParts(dayDir: string, kind: 'raw' | 'trades' | 'book' | 'events', symbolFs: string, day: string): string[] {
  const names = existsSync(dayDir) ? readdirSync(dayDir) : [];
  return partsOf(names, kind, symbolFs, day).map((p) => join(dayDir, p.name));
}

/** The day directories of `<dataDir>/<label>/<symbolFs>/` that hold a raw capture, oldest first. */
export function rawDays(dataDir: string, label: string, symbolFs: string): RawDay[] {
  const dir = join(dataDir, label, symbolFs);
  if (!existsSync(dir)) return [];
  const out: RawDay[] = [];
  for (const day of readdirSync(dir).filter((d) => DAY_RE.test(d)).sort()) {
    const raws = dayParts(join(dir, day), 'raw', symbolFs, day);
    if (raws.length === 0) continue;
    const eventsParts = dayParts(join(dir, day), 'events', symbolFs, day);
    const bytes = raws.reduce((n, p) => n + (statSync(p, { throwIfNoEntry: false })?.size ?? 0), 0);
    out.push({ day, raws, eventsParts, raw: raws[0], events: eventsParts[0], bytes });
  }
  return out;
}

/** The runs of every events part, in order. */
export async function ledgerRunsOf(eventsParts: readonly string[]): Promise<LedgerRun[]> {
  const runs: LedgerRun[] = [];
  for (const p of eventsParts) runs.push(...(await ledgerRuns(p)));
  return runs;
}

/** SYMBOL_FS directories under `<dataDir>/<label>/`. */
export function symbolDirs(dataDir: string, label: string): string[] {
  const dir = join(dataDir, label);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new MarketfeedError('MF_ERR_CONFIG', `no recording of ${label} under ${dataDir} (${dir} does not exist)`, {
      path: 'dataDir', expected: 'a directory written by marketfeed record', got: dir,
    });
  }
  return readdirSync(dir).filter((d) => statSync(join(dir, d)).isDirectory()).sort();
}

/** One recording run as the ledger tells it. */
export interface LedgerRun {
  /** localTs of the run_start row. */
  start: number;
  /** localTs of the book's STOPPED state row, when the run stopped cleanly. */
  bookStop: number | undefined;
  /** Unified symbols listed in run_start (`symbols=BTC/USDT ETH/USDT`). */
  symbols: string[];
  depth: number | undefined;
  /** `quote_check=` when the recorder wrote it. */
  quoteCheck: 'off' | 'count' | 'resync' | undefined;
}

/** The runs of a day's events ledger, in order. */
export async function ledgerRuns(eventsPath: string): Promise<LedgerRun[]> {
  const { rows } = await readCsv(eventsPath);
  const runs: LedgerRun[] = [];
  for (const r of rows) {
    const localTs = Number(r[2]);
    const kind = r[3], state = r[4], detail = r[5] ?? '';
    if (kind === 'run_start') {
      runs.push({ start: localTs, bookStop: undefined, ...runStartFields(detail) });
    } else if (kind === 'state' && state === 'STOPPED' && detail.startsWith('book') && runs.length > 0) {
      runs[runs.length - 1].bookStop ??= localTs;
    }
  }
  return runs;
}

/** `venue=binance symbols=BTC/USDT ETH/USDT depth=20 ws=…` → its symbols and depth. */
export function runStartFields(detail: string): Pick<LedgerRun, 'symbols' | 'depth' | 'quoteCheck'> {
  const symbols: string[] = [];
  let depth: number | undefined;
  let quoteCheck: LedgerRun['quoteCheck'];
  let inSymbols = false;
  for (const tok of detail.split(' ')) {
    const eq = tok.indexOf('=');
    if (eq > 0) {
      const key = tok.slice(0, eq), value = tok.slice(eq + 1);
      inSymbols = key === 'symbols';
      if (inSymbols && value) symbols.push(value);
      if (key === 'depth' && /^\d+$/.test(value)) depth = Number(value);
      if (key === 'quote_check' && (value === 'off' || value === 'count' || value === 'resync')) quoteCheck = value;
    } else if (inSymbols && tok) {
      symbols.push(tok);
    }
  }
  return { symbols, depth, quoteCheck };
}

/** Counts compressed bytes read, for progress (% done by bytes). */
export interface ByteCounter {
  bytesRead: number;
}

/**
 * The frames of one raw capture file, in file order (the order they were processed live), in
 * batches of a decompressed chunk's complete lines. Lines that are not frames are counted in
 * `bad` and skipped.
 */
export async function* readRawFrames(path: string, venue: string, counter?: ByteCounter, bad?: { lines: number }): AsyncGenerator<RawFrame[]> {
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  if (counter) file.on('data', (b) => (counter.bytesRead += b.length));
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK });
  file.on('error', (e) => gunzip.destroy(e));
  file.pipe(gunzip);
  const utf8 = new StringDecoder('utf8'); // a character may straddle two chunks
  let carry = '';
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      const text = carry + utf8.write(chunk);
      const end = text.lastIndexOf('\n');
      if (end < 0) {
        carry = text;
        continue;
      }
      carry = text.slice(end + 1);
      const batch: RawFrame[] = [];
      let i = 0;
      while (i < end) {
        const j = text.indexOf('\n', i);
        const f = parseRawLine(text.slice(i, j), venue);
        if (f !== undefined) batch.push(f);
        else if (bad) bad.lines++;
        i = j + 1;
      }
      if (batch.length > 0) yield batch;
    }
  } catch (e) {
    // a crash's half-written last member: keep everything before it
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'Z_BUF_ERROR' && code !== 'Z_DATA_ERROR') throw e;
  } finally {
    file.destroy();
    gunzip.destroy();
  }
}
