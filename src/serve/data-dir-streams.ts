// `serve --data-dir`: which streams the data dir holds, and where a live event's stream keeps its
// files. Each `<label>/<SYMBOL_FS>/symbol.json` a recorder left names a stream ({symbol, venue});
// events of streams not found there (a recorder that has just started) get the label a recorder
// would give them (`sim-<venue>` when that folder holds the symbol, else the venue id).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MarketEvent } from '../core/events.js';
import { symbolFs } from '../core/symbols.js';
import { SYMBOL_META_FILE } from '../storage/parquet/unified-symbol.js';
import { LIVE_DIR } from '../storage/live.js';
import { getVenue } from '../venues/index.js';
import type { StreamRef } from './types.js';

const LABEL_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** The streams named by the data dir's symbol.json files (depth 0: learnt from the first book row). */
export function streamsInDataDir(dataDir: string): StreamRef[] {
  const out: StreamRef[] = [];
  let labels: string[];
  try {
    labels = readdirSync(dataDir).filter((l) => LABEL_RE.test(l) && l !== LIVE_DIR);
  } catch {
    return out;
  }
  for (const label of labels) {
    let dirs: string[];
    try {
      dirs = readdirSync(join(dataDir, label));
    } catch {
      continue;
    }
    for (const dir of dirs) {
      const ref = readMeta(join(dataDir, label, dir, SYMBOL_META_FILE), label);
      if (ref !== undefined) out.push(ref);
    }
  }
  return out;
}

function readMeta(path: string, label: string): StreamRef | undefined {
  let meta: { symbol?: unknown; venue?: unknown };
  try {
    meta = JSON.parse(readFileSync(path, 'utf8')) as typeof meta;
  } catch {
    return undefined;
  }
  if (typeof meta.symbol !== 'string') return undefined;
  const venue = typeof meta.venue === 'string' ? meta.venue : label.replace(/^sim-/, '');
  let venueSymbol: string;
  try {
    venueSymbol = getVenue(venue).toVenueSymbol(meta.symbol);
  } catch {
    return undefined; // a venue or symbol this build does not know
  }
  return { venue, symbol: meta.symbol, venueSymbol, label, depth: 0 };
}

/** The stream of an event the data dir did not name yet. */
export function streamOfEvent(dataDir: string, ev: MarketEvent): StreamRef {
  let fs = '';
  try {
    fs = symbolFs(ev.symbol);
  } catch {
    // an odd symbol: its files cannot exist; the stream is still served live
  }
  const sim = `sim-${ev.venue}`;
  const label = fs !== '' && existsSync(join(dataDir, sim, fs)) ? sim : ev.venue;
  return { venue: ev.venue, symbol: ev.symbol, venueSymbol: ev.venueSymbol, label, depth: ev.type === 'book_snapshot' ? ev.depth : 0 };
}
