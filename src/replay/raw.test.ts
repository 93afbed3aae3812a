// Streaming the raw capture: concatenated gzip members, a character split across chunks, a
// crash's half-written last member, and the run_start fields replay reads from the ledger.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { RawFrame } from '../core/frames.js';
import { rawLine } from '../storage/csv.js';
import { readRawFrames, runStartFields } from './raw.js';

const dir = mkdtempSync(join(tmpdir(), 'mf-raw-'));

function frame(i: number, data = `{"n":${i}}`): RawFrame {
  return { venue: 'binance', connId: 1, recvSeq: i, localTs: 1_700_000_000_000_000 + i, dir: 'in', data };
}

async function readAll(path: string, counter?: { bytesRead: number }, bad?: { lines: number }): Promise<RawFrame[]> {
  const out: RawFrame[] = [];
  for await (const b of readRawFrames(path, 'binance', counter, bad)) out.push(...b);
  return out;
}

describe('readRawFrames', () => {
  const frames = Array.from({ length: 3000 }, (_, i) => frame(i + 1, i % 7 === 0 ? `{"s":"€ ✓ ${'x'.repeat(i % 50)}"}` : undefined));
  const members = [frames.slice(0, 1000), frames.slice(1000, 2500), frames.slice(2500)].map((p) => gzipSync(p.map(rawLine).join('')));

  it('reads every frame of concatenated members, in order, counting compressed bytes', async () => {
    const path = join(dir, 'whole.ndjson.gz');
    const buf = Buffer.concat(members);
    writeFileSync(path, buf);
    const counter = { bytesRead: 0 };
    expect(await readAll(path, counter)).toEqual(frames);
    expect(counter.bytesRead).toBe(buf.length);
  });

  it('keeps everything before a half-written last member', async () => {
    const path = join(dir, 'cut.ndjson.gz');
    const last = members[2];
    writeFileSync(path, Buffer.concat([members[0], members[1], last.subarray(0, last.length >> 1)]));
    const got = await readAll(path);
    expect(got.length).toBeGreaterThanOrEqual(2500);
    expect(got).toEqual(frames.slice(0, got.length));
  });

  it('counts lines that are not frames and skips them', async () => {
    const path = join(dir, 'bad.ndjson.gz');
    writeFileSync(path, gzipSync(rawLine(frame(1)) + 'not json\n{"localTs":"x"}\n' + rawLine(frame(2))));
    const bad = { lines: 0 };
    expect((await readAll(path, undefined, bad)).map((f) => f.recvSeq)).toEqual([1, 2]);
    expect(bad.lines).toBe(2);
  });
});

describe('runStartFields', () => {
  it('reads the unified symbols and depth of a run_start detail', () => {
    expect(runStartFields('venue=binance symbols=BTC/USDT ETH/USDT depth=20 ws=ws://127.0.0.1:1 rest=http://x sim=1')).toEqual({
      symbols: ['BTC/USDT', 'ETH/USDT'], depth: 20, quoteCheck: undefined,
    });
    expect(runStartFields('venue=binance-futures symbols=BTC/USDT:USDT quote_check=resync')).toEqual({ symbols: ['BTC/USDT:USDT'], depth: undefined, quoteCheck: 'resync' });
  });
});
