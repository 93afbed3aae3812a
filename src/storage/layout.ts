// Where files live (DESIGN.md "Storage layout"):
//   <dataDir>/<venueLabel>/<SYMBOL_FS>/<YYYYMMDD>/{raw,trades,book,events}_<SYMBOL_FS>_<YYYYMMDD>[.NNNN].*
//   <dayDir>/snapshots/snapshot_<eventId>_<tag>.json
//
// Parts: one output of one day may be split into parts (rotation by rows, bytes or time, and a
// new part per recorder run). Part 0 keeps the plain name (`trades_BTCUSDT_20240101.csv.gz`);
// part n >= 1 gets a 4-digit (or longer) sequence before the extension
// (`trades_BTCUSDT_20240101.0001.csv.gz`). Readers order parts by that number (partsOf), never by
// plain string sort. A part being written carries the suffix `.open`
// (`trades_BTCUSDT_20240101.0001.csv.gz.open`) and is renamed to its final name when finished,
// so a file with a final name is always whole; an `.open` file is whole up to its last complete
// gzip member (a crash can tear only that).
// Every name component is validated here, once, so nothing from config or the wire can steer a
// write outside the data directory.
import { join } from 'node:path';
import { MarketfeedError } from '../core/errors.js';
import { symbolFs } from '../core/symbols.js';

export type DataFileKind = 'raw' | 'trades' | 'book' | 'events';

const EXTENSION: Record<DataFileKind, string> = {
  raw: '.ndjson.gz',
  trades: '.csv.gz',
  book: '.csv.gz',
  events: '.csv.gz',
};

const VENUE_LABEL_RE = /^[a-z0-9-]{1,64}$/;
const DAY_RE = /^\d{8}$/;
const TAG_RE = /^[A-Za-z0-9_-]{1,64}$/;

export const SNAPSHOTS_DIR = 'snapshots';

/** The venue label as a directory name (`binance`, `binance-futures`); throws MF_ERR_CONFIG otherwise. */
export function venueLabelFs(venueLabel: string): string {
  if (!VENUE_LABEL_RE.test(venueLabel)) {
    throw new MarketfeedError('MF_ERR_CONFIG', `venue label ${JSON.stringify(venueLabel)} cannot be used as a directory name`, {
      expected: 'lower-case letters, digits and -',
      got: venueLabel,
    });
  }
  return venueLabel;
}

/** The symbol as a path component; symbolFs's plain Error becomes MF_ERR_CONFIG. */
export function symbolDirName(symbol: string): string {
  try {
    return symbolFs(symbol);
  } catch (cause) {
    throw new MarketfeedError('MF_ERR_CONFIG', `symbol ${JSON.stringify(symbol)} cannot be used in a file name`, { symbol, cause });
  }
}

function checkDay(yyyymmdd: string): string {
  if (!DAY_RE.test(yyyymmdd)) {
    throw new MarketfeedError('MF_ERR_CONFIG', 'day must be YYYYMMDD', { expected: 'YYYYMMDD', got: yyyymmdd });
  }
  return yyyymmdd;
}

/** `<dataDir>/<venueLabel>/<SYMBOL_FS>/<YYYYMMDD>` */
export function dayDir(dataDir: string, venueLabel: string, symbol: string, yyyymmdd: string): string {
  return join(dataDir, venueLabelFs(venueLabel), symbolDirName(symbol), checkDay(yyyymmdd));
}

/** `trades_BTCUSDT_20240101.csv.gz`, `raw_BTCUSDT_20240101.ndjson.gz`, part 3: `trades_BTCUSDT_20240101.0003.csv.gz`. */
export function dataFileName(kind: DataFileKind, symbol: string, yyyymmdd: string, part = 0): string {
  if (!Number.isSafeInteger(part) || part < 0) {
    throw new MarketfeedError('MF_ERR_CONFIG', 'part number must be a non-negative integer', { got: String(part) });
  }
  const seq = part === 0 ? '' : '.' + String(part).padStart(4, '0');
  return `${kind}_${symbolDirName(symbol)}_${checkDay(yyyymmdd)}${seq}${EXTENSION[kind]}`;
}

/** Suffix of a part still being written. */
export const OPEN_SUFFIX = '.open';

/** `<final>.open`: where a part is written until it is finished. */
export function openPathOf(finalPath: string): string {
  return finalPath + OPEN_SUFFIX;
}

export interface DataFileName {
  kind: DataFileKind;
  symbolFs: string;
  day: string;
  /** 0 for the plain name. */
  part: number;
  /** True for a part still being written (or left by a crash): `<name>.open`. */
  open: boolean;
  /** The final name (without `.open`). */
  finalName: string;
}

const DATA_FILE_RE = /^(raw|trades|book|events)_([A-Za-z0-9._]+)_(\d{8})(?:\.(\d{4,}))?(\.ndjson\.gz|\.csv\.gz)(\.open)?$/;

/** Parses a day file name (any part, open or finished); undefined for anything else. */
export function parseDataFileName(name: string): DataFileName | undefined {
  const m = DATA_FILE_RE.exec(name);
  if (!m) return undefined;
  const kind = m[1] as DataFileKind;
  if (EXTENSION[kind] !== m[5]) return undefined;
  const part = m[4] === undefined ? 0 : Number(m[4]);
  if (m[4] !== undefined && part === 0) return undefined; // `.0000` is not a name we write
  return { kind, symbolFs: m[2], day: m[3], part, open: m[6] !== undefined, finalName: m[6] ? name.slice(0, -OPEN_SUFFIX.length) : name };
}

/** File names of one kind (`DataFileName`s from `names`), ordered by part; `symbolFs`/`day` must match. */
export function partsOf(names: readonly string[], kind: DataFileKind, symbolFs: string, day: string): (DataFileName & { name: string })[] {
  const out: (DataFileName & { name: string })[] = [];
  for (const name of names) {
    const p = parseDataFileName(name);
    if (p === undefined || p.kind !== kind || p.symbolFs !== symbolFs || p.day !== day) continue;
    out.push({ ...p, name });
  }
  // a finished part and its .open twin cannot both be current; prefer the finished one
  out.sort((a, b) => a.part - b.part || Number(a.open) - Number(b.open));
  return out.filter((p, i) => i === 0 || out[i - 1].part !== p.part);
}

/** `snapshots/snapshot_<eventId>_<tag>.json`, relative to the day directory. */
export function snapshotRelPath(eventId: number, tag: string): string {
  if (!Number.isSafeInteger(eventId) || eventId < 0) {
    throw new MarketfeedError('MF_ERR_CONFIG', 'snapshot event id must be a non-negative integer', { got: String(eventId) });
  }
  if (!TAG_RE.test(tag)) {
    throw new MarketfeedError('MF_ERR_CONFIG', `snapshot tag ${JSON.stringify(tag)} cannot be used in a file name`, {
      expected: 'letters, digits, _ and -',
      got: tag,
    });
  }
  return `${SNAPSHOTS_DIR}/snapshot_${eventId}_${tag}.json`;
}

/** Parses the event id out of a snapshot file name; undefined for anything else. */
export function snapshotEventId(fileName: string): number | undefined {
  const m = /^snapshot_(\d+)_[A-Za-z0-9_-]+\.json$/.exec(fileName);
  return m ? Number(m[1]) : undefined;
}

export interface DayPaths {
  dir: string;
  raw: string;
  trades: string;
  book: string;
  events: string;
  snapshots: string;
}

/** All paths of one (venue, symbol, day). */
export function dayPaths(dataDir: string, venueLabel: string, symbol: string, yyyymmdd: string): DayPaths {
  const dir = dayDir(dataDir, venueLabel, symbol, yyyymmdd);
  return {
    dir,
    raw: join(dir, dataFileName('raw', symbol, yyyymmdd)),
    trades: join(dir, dataFileName('trades', symbol, yyyymmdd)),
    book: join(dir, dataFileName('book', symbol, yyyymmdd)),
    events: join(dir, dataFileName('events', symbol, yyyymmdd)),
    snapshots: join(dir, SNAPSHOTS_DIR),
  };
}
