// What a day directory already holds when a recorder opens it: the next free part number of each
// output, `.open` parts left behind by a recorder that did not stop cleanly, and finished CSV
// parts that have no Parquet copy yet. Leftovers are finished here: cut back to their last
// complete gzip member (the only damage a crash can do, gzip-writer.ts) and renamed into place.
// One recorder per (data dir, venue, symbol): a `.open` file is never another live writer's.
import { existsSync, readdirSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { scanGzipFile } from './gzip-members.js';
import { partsOf, type DataFileKind } from './layout.js';

export const DATA_KINDS: readonly DataFileKind[] = ['raw', 'trades', 'book', 'events'];

export interface DayScan {
  nextPart: Record<DataFileKind, number>;
  /** `.open` files to finish (full paths). */
  leftovers: { path: string; finalPath: string; kind: DataFileKind }[];
  /** Finished trades/book/events parts without a `.parquet` beside them. */
  withoutParquet: { path: string; kind: Exclude<DataFileKind, 'raw'> }[];
}

/** Synchronous on purpose: it runs once per day per symbol from the write path (one readdir). */
export function scanDaySync(dir: string, symbolFs: string, day: string): DayScan {
  const entries = existsSync(dir) ? readdirSync(dir, { withFileTypes: true }) : [];
  const have = new Set(entries.map((e) => e.name));
  const names = entries.filter((e) => e.isFile()).map((e) => e.name);
  const scan: DayScan = { nextPart: { raw: 0, trades: 0, book: 0, events: 0 }, leftovers: [], withoutParquet: [] };
  for (const kind of DATA_KINDS) {
    // every name counts, finished or open, so no part number is ever reused
    for (const name of names) {
      const p = partsOf([name], kind, symbolFs, day)[0];
      if (p === undefined) continue;
      if (p.part >= scan.nextPart[kind]) scan.nextPart[kind] = p.part + 1;
      if (p.open) {
        if (!have.has(p.finalName)) scan.leftovers.push({ path: join(dir, name), finalPath: join(dir, p.finalName), kind });
      } else if (kind !== 'raw' && !have.has(p.finalName.replace(/\.csv\.gz$/, '.parquet'))) {
        scan.withoutParquet.push({ path: join(dir, name), kind });
      }
    }
  }
  return scan;
}

export interface LeftoverResult {
  /** The final path, or undefined when nothing complete was left (the file was removed). */
  finalPath: string | undefined;
  keptBytes: number;
  droppedBytes: number;
}

/** Cuts a leftover `.open` part back to its complete members and renames it into place. */
export async function finishLeftover(path: string, finalPath: string): Promise<LeftoverResult> {
  const fh = await open(path, 'r+');
  let kept: number;
  let size: number;
  try {
    size = (await fh.stat()).size;
    const walk = await scanGzipFile(fh, size);
    kept = walk.validBytes;
    if (kept < size) await fh.truncate(kept);
    await fh.sync();
  } finally {
    await fh.close();
  }
  if (kept === 0) {
    await unlink(path);
    return { finalPath: undefined, keptBytes: 0, droppedBytes: size };
  }
  await rename(path, finalPath);
  const d = await open(dirname(finalPath), 'r');
  await d.sync().catch(() => undefined);
  await d.close();
  return { finalPath, keptBytes: kept, droppedBytes: size - kept };
}
