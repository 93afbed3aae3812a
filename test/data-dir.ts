// Builds small data directories for the Parquet and query tests with the recorder's own writers
// (GzipLineWriter + csv.ts encoders), so the files are exactly what `record` leaves behind:
// several gzip members per file, and optionally a half-written final member as after a crash.
import { appendFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BookSnapshot, Trade } from '../src/core/events.js';
import { GzipLineWriter } from '../src/storage/gzip-writer.js';
import { TRADES_HEADER, EVENTS_HEADER, bookHeader, bookRow, eventRow, tradeRow } from '../src/storage/csv.js';
import { dayPaths, type DayPaths } from '../src/storage/layout.js';
import type { LedgerEntry } from '../src/storage/ledger.js';

export interface DaySpec {
  venue: string;
  symbol: string;
  day: string;
  trades?: Trade[];
  book?: { depth: number; rows: BookSnapshot[] };
  events?: LedgerEntry[];
  /** Rows per gzip member (one flush each). */
  rowsPerMember?: number;
}

export function trade(symbol: string, i: number, price: string, amount: string, side: Trade['side'] = i % 2 ? 'sell' : 'buy'): Trade {
  return { type: 'trade', venue: 'x', symbol, venueSymbol: symbol, ts: 1_700_000_000_000_000 + i * 1000, localTs: 1_700_000_000_000_500 + i * 1000, id: String(1000 + i), price, amount, side };
}

export function snapshot(i: number, bids: [string, string][], asks: [string, string][]): BookSnapshot {
  return { type: 'book_snapshot', venue: 'x', symbol: 'x', venueSymbol: 'x', ts: 1_700_000_000_000_000 + i, localTs: 1_700_000_000_000_100 + i, depth: bids.length, updateId: 500 + i, bids, asks };
}

async function writeAll(path: string, header: string, rows: string[], perMember: number): Promise<void> {
  const w = new GzipLineWriter({ path, header, onError: (e) => { throw e; } });
  for (let i = 0; i < rows.length; i++) {
    w.write(rows[i]);
    if ((i + 1) % perMember === 0) await w.flush();
  }
  await w.close();
}

export async function writeDay(dataDir: string, spec: DaySpec): Promise<DayPaths> {
  const p = dayPaths(dataDir, spec.venue, spec.symbol, spec.day);
  const per = spec.rowsPerMember ?? 2;
  if (spec.trades) await writeAll(p.trades, TRADES_HEADER, spec.trades.map(tradeRow), per);
  if (spec.book) {
    const depth = spec.book.depth;
    await writeAll(p.book, bookHeader(depth), spec.book.rows.map((s) => bookRow(s, depth)), per);
  }
  if (spec.events) await writeAll(p.events, EVENTS_HEADER, spec.events.map(eventRow), per);
  return p;
}

/**
 * Appends the first half of a gzip member holding `rows` and leaves the writer's `.writing`
 * marker, as a recorder killed mid-append (or still appending) does.
 */
export function appendPartialMember(path: string, rows: string): void {
  const member = gzipSync(rows);
  appendFileSync(path, member.subarray(0, Math.floor(member.length / 2)));
  writeFileSync(join(dirname(path), `.${basename(path)}.writing`), '1\n');
}

/** Every file below `dir` (none when it does not exist), depth first. */
export function walkFiles(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walkFiles(p, out);
    else out.push(p);
  }
  return out;
}
