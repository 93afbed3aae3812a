import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { memberHeaderLength, scanGzipFile, walkMembers } from './gzip-members.js';
import { readCsv, readGzipLines, readGzipText } from './read.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mf-read-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A gzip member with an FNAME field, as `gzip file.txt` writes it (zlib.gzip never does). */
function memberWithName(text: string, name: string): Buffer {
  const data = Buffer.from(text);
  const header = Buffer.from([0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data), 0);
  trailer.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, Buffer.from(name + '\0'), deflateRawSync(data), trailer]);
}

describe('gzip member walking', () => {
  it('walks members with optional header fields', () => {
    const named = memberWithName('b\n', 'file.txt');
    expect(memberHeaderLength(named, 0)).toBe(10 + 'file.txt'.length + 1);
    const parts: string[] = [];
    const walk = walkMembers(Buffer.concat([gzipSync('a\n'), named]), (d) => parts.push(d.toString()));
    expect(walk).toEqual({ validBytes: gzipSync('a\n').length + named.length, members: 2, truncated: false });
    expect(parts).toEqual(['a\n', 'b\n']);
  });

  it('rejects a member whose CRC does not match', () => {
    const good = gzipSync('hello\n');
    const bad = Buffer.from(good);
    bad.writeUInt32LE((bad.readUInt32LE(bad.length - 8) ^ 1) >>> 0, bad.length - 8);
    expect(walkMembers(Buffer.concat([good, bad]))).toEqual({ validBytes: good.length, members: 1, truncated: true });
  });

  it('stops at garbage and at a cut header', () => {
    const good = gzipSync('x\n');
    expect(walkMembers(Buffer.concat([good, Buffer.from('garbage')]))).toMatchObject({ validBytes: good.length, truncated: true });
    expect(walkMembers(Buffer.concat([good, good.subarray(0, 5)]))).toMatchObject({ validBytes: good.length, members: 1, truncated: true });
  });

  it('scans a file in windows, including members larger than the first window', async () => {
    // Incompressible text so one member is ~1.3 MiB compressed, beyond the 1 MiB first window.
    const big = randomBytes(1_000_000).toString('base64') + '\n';
    const members = [gzipSync('small\n'), gzipSync(big), gzipSync('tail\n')];
    const whole = Buffer.concat(members);
    const cut = gzipSync('cut off\n');
    const path = join(dir, 'big.gz');
    writeFileSync(path, Buffer.concat([whole, cut.subarray(0, 12)]));
    const fh = await open(path, 'r');
    try {
      expect(await scanGzipFile(fh, whole.length + 12)).toEqual({ validBytes: whole.length, members: 3, truncated: true });
      expect(await scanGzipFile(fh, whole.length)).toEqual({ validBytes: whole.length, members: 3, truncated: false });
    } finally {
      await fh.close();
    }
  });
});

describe('readers', () => {
  it('readGzipLines returns complete lines and flags an unterminated last line', async () => {
    const path = join(dir, 'f.gz');
    writeFileSync(path, Buffer.concat([gzipSync('a\nb\n'), gzipSync('c\npartial')]));
    expect(await readGzipLines(path)).toEqual({ lines: ['a', 'b', 'c'], truncated: true, members: 2, validBytes: expect.any(Number) });
  });

  it('readGzipLines returns everything up to a truncated final member', async () => {
    const path = join(dir, 'f.gz');
    const last = gzipSync('lost\n');
    writeFileSync(path, Buffer.concat([gzipSync('a\n'), gzipSync('b\n'), last.subarray(0, last.length - 1)]));
    const r = await readGzipLines(path);
    expect(r.lines).toEqual(['a', 'b']);
    expect(r).toMatchObject({ truncated: true, members: 2 });
  });

  it('readGzipText of an empty file is empty and not truncated', async () => {
    const path = join(dir, 'empty.gz');
    writeFileSync(path, '');
    expect(await readGzipText(path)).toEqual({ text: '', truncated: false, members: 0, validBytes: 0 });
  });

  it('readCsv parses quoted multi-line fields across members', async () => {
    const path = join(dir, 'e.csv.gz');
    writeFileSync(path, Buffer.concat([gzipSync('id,detail\n1,"a,\n""b"""\n'), gzipSync('2,plain\n')]));
    expect(await readCsv(path)).toEqual({ header: ['id', 'detail'], rows: [['1', 'a,\n"b"'], ['2', 'plain']], truncated: false });
  });
});
