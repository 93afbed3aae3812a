// Where files live (DESIGN.md "Storage layout"):
//   <dataDir>/<venueLabel>/<SYMBOL_FS>/<YYYYMMDD>/{raw,trades,book,events}_<SYMBOL_FS>_<YYYYMMDD>.*
//   <dayDir>/snapshots/snapshot_<eventId>_<tag>.json
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

/** `trades_BTCUSDT_20240101.csv.gz`, `raw_BTCUSDT_20240101.ndjson.gz`, … */
export function dataFileName(kind: DataFileKind, symbol: string, yyyymmdd: string): string {
  return `${kind}_${symbolDirName(symbol)}_${checkDay(yyyymmdd)}${EXTENSION[kind]}`;
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
