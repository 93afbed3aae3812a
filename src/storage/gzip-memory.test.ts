import { describe, expect, it } from 'vitest';
import { gunzipSync, gzipSync } from 'node:zlib';
import { gzipMember } from './gzip-memory.js';

/** `n` bytes of CSV-ish text, different for each seed. */
function text(seed: number, n: number): Buffer {
  let s = '';
  for (let i = 0; s.length < n; i++) s += `${seed},${i},${(i * 7919 + seed) % 10007}.${i % 97}\n`;
  return Buffer.from(s.slice(0, n));
}

describe('gzipMember (reused compressors)', () => {
  it('gives the bytes zlib.gzip gives for the joined text, however it is split', async () => {
    const parts = [text(1, 8 * 1024), text(2, 16 * 1024), text(3, 100), text(4, 64 * 1024)];
    const member = await gzipMember(parts, 6);
    expect(member).toEqual(gzipSync(Buffer.concat(parts), { level: 6 }));
    expect(await gzipMember([parts[1]], 6)).toEqual(gzipSync(parts[1], { level: 6 }));
  });

  it('keeps members apart when many at several levels run at once, the large ones unjoined', async () => {
    const jobs = Array.from({ length: 20 }, (_, i) => {
      // two members are over 1 MiB: compressed chunk by chunk instead of joined
      const parts = i % 10 === 0 ? [text(i, 600 * 1024), text(i + 100, 600 * 1024)] : [text(i, 3000 + i * 50), text(i + 100, 5000)];
      const level = [1, 6, 9][i % 3];
      return { parts, level, member: gzipMember(parts, level) };
    });
    for (const j of jobs) {
      const member = await j.member;
      // Buffer.equals: toEqual walks a MiB-sized Buffer byte by byte for seconds
      expect(member.equals(gzipSync(Buffer.concat(j.parts), { level: j.level })), `member at level ${j.level}`).toBe(true);
    }
    // concatenated members are one valid .gz: the next member starts clean after a reset
    const all = await Promise.all(jobs.slice(0, 3).map((j) => j.member));
    expect(gunzipSync(Buffer.concat(all)).equals(Buffer.concat(jobs.slice(0, 3).flatMap((j) => j.parts)))).toBe(true);
  });

  it('makes a valid empty member', async () => {
    const member = await gzipMember([], 6);
    expect(gunzipSync(member).length).toBe(0);
    expect(member).toEqual(gzipSync(Buffer.alloc(0), { level: 6 }));
  });
});
