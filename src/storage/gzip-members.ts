// Walking a multi-member gzip file one member at a time. Our writers append one complete member
// per flush, so a crash can only ever leave a partial member at the very end; this module finds
// where the last complete member ends (for readers, and for the writer's repair on reopen).
// Each member is inflated raw and its CRC32 + ISIZE trailer checked (RFC 1952 §2.3), so a
// trailer that merely looks plausible is not trusted.
import { crc32, inflateRawSync } from 'node:zlib';
import type { FileHandle } from 'node:fs/promises';

const FTEXT_MASK = 0x01;
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const TRAILER_BYTES = 8;

/** Length of the gzip member header at `off`, or -1 when it is incomplete or not a gzip header. */
export function memberHeaderLength(buf: Buffer, off: number): number {
  if (off + 10 > buf.length) return -1;
  if (buf[off] !== 0x1f || buf[off + 1] !== 0x8b || buf[off + 2] !== 8) return -1;
  const flags = buf[off + 3];
  if (flags & ~(FTEXT_MASK | FHCRC | FEXTRA | FNAME | FCOMMENT)) return -1; // reserved bits set
  let p = off + 10;
  if (flags & FEXTRA) {
    if (p + 2 > buf.length) return -1;
    p += 2 + buf.readUInt16LE(p);
  }
  if (flags & FNAME) {
    const end = buf.indexOf(0, p);
    if (end < 0) return -1;
    p = end + 1;
  }
  if (flags & FCOMMENT) {
    const end = buf.indexOf(0, p);
    if (end < 0) return -1;
    p = end + 1;
  }
  if (flags & FHCRC) p += 2;
  return p > buf.length ? -1 : p - off;
}

export interface MemberWalk {
  /** Bytes from the start of `buf` covered by complete, verified members. */
  validBytes: number;
  members: number;
  /** True when bytes after `validBytes` do not form a complete member. */
  truncated: boolean;
}

/**
 * Walks the complete members of `buf`, handing each member's inflated bytes to `onMember`
 * (when given). Stops at the first member that is incomplete or fails its checks.
 */
export function walkMembers(buf: Buffer, onMember?: (data: Buffer) => void): MemberWalk {
  let off = 0;
  let members = 0;
  while (off < buf.length) {
    const end = memberEnd(buf, off, onMember);
    if (end < 0) return { validBytes: off, members, truncated: true };
    off = end;
    members++;
  }
  return { validBytes: off, members, truncated: false };
}

/** End offset of the complete member starting at `off`, or -1. */
export function memberEnd(buf: Buffer, off: number, onMember?: (data: Buffer) => void): number {
  const headerLength = memberHeaderLength(buf, off);
  if (headerLength < 0) return -1;
  const bodyStart = off + headerLength;
  let inflated: { buffer: Buffer; engine: { bytesWritten: number } };
  try {
    // info: true exposes how many compressed bytes the deflate stream used; the rest of `buf`
    // (later members) is left alone.
    inflated = inflateRawSync(buf.subarray(bodyStart), { info: true }) as unknown as typeof inflated;
  } catch {
    return -1; // truncated or corrupt deflate data
  }
  const trailer = bodyStart + inflated.engine.bytesWritten;
  if (trailer + TRAILER_BYTES > buf.length) return -1;
  const data = inflated.buffer;
  if (buf.readUInt32LE(trailer) !== crc32(data)) return -1;
  if (buf.readUInt32LE(trailer + 4) !== data.length % 0x1_0000_0000) return -1;
  onMember?.(data);
  return trailer + TRAILER_BYTES;
}

const FIRST_WINDOW_BYTES = 1 << 20;
/** A member larger than this is treated as corrupt rather than read whole into memory. */
const MAX_WINDOW_BYTES = 512 << 20;

/**
 * Finds where the last complete member of an open file ends, reading it in windows so memory
 * stays bounded by the largest member rather than the file. Used on reopen after a crash.
 */
export async function scanGzipFile(fh: FileHandle, size: number): Promise<MemberWalk> {
  let off = 0;
  let members = 0;
  let window = FIRST_WINDOW_BYTES;
  while (off < size) {
    const length = Math.min(window, size - off);
    const buf = Buffer.allocUnsafe(length);
    const { bytesRead } = await fh.read(buf, 0, length, off);
    const walk = walkMembers(buf.subarray(0, bytesRead));
    off += walk.validBytes;
    members += walk.members;
    if (!walk.truncated) continue;
    const windowReachedEof = off - walk.validBytes + bytesRead >= size;
    if (walk.members > 0) {
      window = FIRST_WINDOW_BYTES; // progress made: re-read from the first unfinished member
    } else if (windowReachedEof || window >= MAX_WINDOW_BYTES) {
      return { validBytes: off, members, truncated: true };
    } else {
      window *= 2; // one member bigger than the window: look further
    }
  }
  return { validBytes: off, members, truncated: false };
}
