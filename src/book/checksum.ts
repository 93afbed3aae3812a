// Checksum helpers shared by the checksum venues (Kraken, Bitfinex, OKX, PROTOCOLS.md §3–6): CRC32
// of the text the venue builds from its top levels, through Node's own zlib.crc32 (no hand-rolled
// table). Venues build the text; the book only compares unsigned 32-bit values.
import { crc32 } from 'node:zlib';

/** CRC32 of a latin1/UTF-8 text as an unsigned 32-bit integer. */
export function crc32Text(text: string): number {
  return crc32(text) >>> 0;
}

/** A venue's checksum as sent (signed or unsigned, number or decimal text) → unsigned 32-bit. */
export function toUint32(value: number | string): number {
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isInteger(n) ? n >>> 0 : NaN;
}
