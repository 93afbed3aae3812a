// The events ledger: one row per thing that happened to a (venue, symbol) capture: run start and
// stop, connects, snapshots, resyncs, gaps, storage gaps, trade backfills (missed trades fetched
// over REST). Snapshots referenced by a row are saved as snapshots/snapshot_<eventId>_<tag>.json
// in the same day directory.
//
// Event ids are unique and increasing within a day directory, across restarts: when a day is
// opened the next id continues from the highest id already used there, whether found in the
// events file or in a snapshot file name (so ids stay unique even with the events output off).
// Ids start at 1 in a new day directory. A day's ledger may be split into parts (layout.ts): ids
// run on across them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { OPEN_SUFFIX, snapshotEventId } from './layout.js';
import { walkMembers } from './gzip-members.js';

export const LEDGER_KINDS = [
  'run_start', 'run_stop', 'connect', 'disconnect', 'subscribe', 'snapshot', 'state',
  'gap', 'resync', 'reject', 'warn', 'storage_gap', 'window_open', 'window_close', 'retention',
  'repair', 'backfill',
] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

export interface LedgerEntry {
  eventId: number;
  /** Exchange (or event) time, epoch µs. */
  ts: number;
  /** Local time, epoch µs. */
  localTs: number;
  kind: LedgerKind;
  /** A connection or book state (`SYNCED`, `RESYNCING` …) when the entry is about one. */
  state?: string;
  /** Free text, `key=value` pairs by convention; CSV-quoted on write. */
  detail: string;
}

/**
 * The first unused event id of a day directory. Synchronous on purpose: it runs once per day
 * per symbol, from the sync write path, and an events file is kilobytes. A half-written final
 * gzip member (after a crash) is ignored; ids from it may be reused, which is harmless because
 * those rows were never readable.
 */
export function nextEventIdSync(eventsPaths: string | readonly string[], snapshotsDir: string): number {
  let max = 0;
  for (const path of typeof eventsPaths === 'string' ? [eventsPaths] : eventsPaths) {
    const buf = readPart(path);
    if (buf === undefined) continue;
    walkMembers(buf, (data) => {
      const text = data.toString('utf8');
      // Each row starts at a line start with its integer id. The header does not parse as one; a
      // continuation line of a multi-line detail that happens to can only make ids jump ahead.
      let start = 0;
      while (start < text.length) {
        let end = text.indexOf('\n', start);
        if (end < 0) end = text.length;
        const comma = text.indexOf(',', start);
        if (comma > start && comma < end) {
          const id = Number(text.slice(start, comma));
          if (Number.isSafeInteger(id) && id > max) max = id;
        }
        start = end + 1;
      }
    });
  }
  if (existsSync(snapshotsDir)) {
    // (snapshot ids cover days whose events output is off)
    for (const name of readdirSync(snapshotsDir)) {
      const id = snapshotEventId(name);
      if (id !== undefined && id > max) max = id;
    }
  }
  return max + 1;
}

/** A part's bytes; an `.open` part renamed meanwhile is read under its final name. */
function readPart(path: string): Buffer | undefined {
  for (const p of path.endsWith(OPEN_SUFFIX) ? [path, path.slice(0, -OPEN_SUFFIX.length)] : [path]) {
    try {
      return readFileSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return undefined;
}
