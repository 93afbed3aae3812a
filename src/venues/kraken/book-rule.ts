// Kraken's book rule (PROTOCOLS.md §3 v2 and §4 v1; both use the same checksum): no sequence ids,
// so every update continues the book (CHECKSUM_ONLY_RULE) and the CRC32 proves it.
//   1. Apply all levels of the message, then truncate the book to the subscribed depth (the engine
//      does both: spec.bookDepth); qty 0 removes a level.
//   2. Asks: the top 10, lowest first; for price then qty: remove '.', strip leading zeros; append.
//   3. Bids: the top 10, highest first, the same way.
//   4. CRC32 (zlib/IEEE) of asks + bids, unsigned; compare with the frame's `checksum` (v2: snapshot
//      and updates) or quoted `c` (v1: updates only).
// The stored texts are already what the checksum needs: v1 strings verbatim, v2 numbers padded to
// the pair's precisions by the decoder (precision.ts). Only the '.'/leading-zero step is done here.
import { crc32Text } from '../../book/checksum.js';
import { CHECKSUM_ONLY_RULE, type BookRule } from '../../book/types.js';

/** Levels per side the checksum covers, whatever the subscribed depth. */
export const CHECKSUM_DEPTH = 10;

type Rows = readonly (readonly [string, string])[];

/** `45285.2` → `452852`, `0.00100000` → `100000`: drop the '.', then the leading zeros. */
export function checksumField(text: string): string {
  const dot = text.indexOf('.');
  const digits = dot < 0 ? text : text.slice(0, dot) + text.slice(dot + 1);
  let i = 0;
  // All of them, as the guide says (an all-zero field becomes ''; no live level is zero).
  while (i < digits.length && digits.charCodeAt(i) === 48) i++;
  return i === 0 ? digits : digits.slice(i);
}

/** The text the CRC32 is taken of (exported for the doc vectors that publish it). */
export function checksumText(bids: Rows, asks: Rows): string {
  let s = '';
  const na = Math.min(CHECKSUM_DEPTH, asks.length);
  for (let i = 0; i < na; i++) s += checksumField(asks[i][0]) + checksumField(asks[i][1]);
  const nb = Math.min(CHECKSUM_DEPTH, bids.length);
  for (let i = 0; i < nb; i++) s += checksumField(bids[i][0]) + checksumField(bids[i][1]);
  return s;
}

/** CRC32 of the top of a book given best-first rows (bids high→low, asks low→high), unsigned. */
export function krakenChecksum(bids: Rows, asks: Rows): number {
  return crc32Text(checksumText(bids, asks));
}

export const krakenBookRule: BookRule = {
  ...CHECKSUM_ONLY_RULE,
  checksum: { depth: CHECKSUM_DEPTH, compute: krakenChecksum },
};
