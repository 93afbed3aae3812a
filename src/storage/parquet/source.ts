// Reading a .csv.gz that a recorder may still be appending to. Our GzipLineWriter appends one
// complete gzip member per flush to a part named `<name>.open` until it is finished (older data
// dirs: the final name plus a `.<name>.writing` marker), so only such a file can end in a partial
// member. DuckDB's gzip reader does not stop at a
// partial member: it returns the half-written rows inside it (a cut "6.75" reads as "6"). So
// anything DuckDB reads is first cut back to the last complete, CRC-checked member.
import { copyFile, open, stat, truncate } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { scanGzipFile, type MemberWalk } from '../gzip-members.js';
import { OPEN_SUFFIX } from '../layout.js';
import { parseCsv } from '../csv.js';

/** The marker GzipLineWriter keeps beside a file while it is open for appending. */
export function writingMarkerPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.writing`);
}

/** A part still being written (`*.open`, layout.ts), or a pre-parts file with a `.writing` marker. */
export async function isBeingWritten(path: string): Promise<boolean> {
  if (path.endsWith(OPEN_SUFFIX)) return true;
  return stat(writingMarkerPath(path)).then(() => true, () => false);
}

/** How much of the file is complete members (bounded memory: one member at a time). */
export async function scanCompleteMembers(path: string): Promise<MemberWalk> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    return await scanGzipFile(fh, size);
  } finally {
    await fh.close();
  }
}

/**
 * Copies the complete members of `path` to `dest` (copyFile is a kernel-side copy; bytes the
 * writer appended after the scan are cut off again by the truncate). Returns the scan.
 */
export async function copyCompleteMembers(path: string, dest: string): Promise<MemberWalk> {
  const walk = await scanCompleteMembers(path);
  await copyFile(path, dest);
  await truncate(dest, walk.validBytes);
  return walk;
}

/**
 * The CSV header of a .csv.gz: inflates only until the first line break (a header is tens of
 * bytes; a day file is megabytes). Empty when the file has no complete first line.
 */
export async function readCsvHeader(path: string): Promise<string[]> {
  const gunzip = createGunzip();
  const input = createReadStream(path);
  input.pipe(gunzip);
  let text = '';
  try {
    for await (const chunk of gunzip) {
      text += (chunk as Buffer).toString('utf8');
      const nl = text.indexOf('\n');
      if (nl >= 0) return parseCsv(text.slice(0, nl + 1))[0] ?? [];
    }
  } catch {
    // a damaged first member: no header we can trust
  } finally {
    input.destroy();
    gunzip.destroy();
  }
  return [];
}
