// Test helpers to read what `record` wrote: gzip CSV files (concatenated members) and the ledger.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { dayParts } from '../src/replay/raw.js';

export function readCsvGz(path: string): { header: string[]; rows: string[][] } {
  const text = gunzipSync(readFileSync(path)).toString('utf8');
  const lines = text.split('\n').filter((l) => l.length > 0);
  return { header: lines[0].split(','), rows: lines.slice(1).map(splitCsvLine) };
}

/** Splits one CSV line honouring double-quoted fields. */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') { v += '"'; i += 2; }
        else if (line[i] === '"') { i++; break; }
        else v += line[i++];
      }
      out.push(v);
      i++; // comma
    } else {
      const j = line.indexOf(',', i);
      if (j < 0) { out.push(line.slice(i)); break; }
      out.push(line.slice(i, j));
      i = j + 1;
    }
  }
  return out;
}

export interface LedgerRow {
  eventId: number;
  ts: number;
  localTs: number;
  kind: string;
  state: string;
  detail: string;
}

/** All day directories of one symbol under <dataDir>/<venueLabel>/<SYMBOL_FS>/. */
export function dayDirs(dataDir: string, venueLabel: string, symbolFs: string): string[] {
  const dir = join(dataDir, venueLabel, symbolFs);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((d) => /^\d{8}$/.test(d)).sort().map((d) => join(dir, d));
}

export function readKind(dataDir: string, venueLabel: string, symbolFs: string, kind: 'trades' | 'book' | 'events'): { header: string[]; rows: string[][] } {
  let header: string[] = [];
  const rows: string[][] = [];
  for (const d of dayDirs(dataDir, venueLabel, symbolFs)) {
    // every part of the day, in order (storage rotation: name.csv.gz, name.0001.csv.gz, …)
    for (const f of dayParts(d, kind, symbolFs, d.slice(-8))) {
      const r = readCsvGz(f);
      header = r.header;
      rows.push(...r.rows);
    }
  }
  return { header, rows };
}

export function readLedger(dataDir: string, venueLabel: string, symbolFs: string): LedgerRow[] {
  return readKind(dataDir, venueLabel, symbolFs, 'events').rows.map((r) => ({
    eventId: Number(r[0]), ts: Number(r[1]), localTs: Number(r[2]), kind: r[3], state: r[4], detail: r[5] ?? '',
  }));
}

/** The decompressed text of every part of one output, in day and part order (what replay reads). */
export function kindText(dataDir: string, venueLabel: string, symbolFs: string, kind: 'raw' | 'trades' | 'book' | 'events'): string {
  return dayDirs(dataDir, venueLabel, symbolFs)
    .flatMap((d) => dayParts(d, kind, symbolFs, d.slice(-8)))
    .map((f) => gunzipSync(readFileSync(f)).toString('utf8'))
    .join('');
}

/**
 * The ledger rows a replay must reproduce: gaps (and rejects, with `withRejects`) and the book's
 * RESYNCING / SYNCED rows, without event ids (a replay numbers its ledger afresh).
 */
export function syncRows(dataDir: string, venueLabel: string, symbolFs: string, withRejects = false): Omit<LedgerRow, 'eventId'>[] {
  return readLedger(dataDir, venueLabel, symbolFs)
    .filter((l) => l.kind === 'gap' || (withRejects && l.kind === 'reject') || ((l.state === 'RESYNCING' || l.state === 'SYNCED') && l.detail.startsWith('book')))
    .map(({ eventId: _id, ...rest }) => rest);
}
