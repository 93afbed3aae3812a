// Parts on disk: rotation by rows, bytes and time, the order readers see them in, and the atomic
// rename (a final name never holds a partial file: while written a part is `<name>.open`).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { MarketfeedError } from '../core/errors.js';
import { TRADES_HEADER } from './csv.js';
import { partsOf } from './layout.js';
import { PartWriter, type FinishedPart } from './part-writer.js';
import type { RotationPolicy } from './rotation.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mf-parts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const T = Date.UTC(2024, 0, 1, 10) * 1000;
const MIN_US = 60_000_000;
const row = (i: number): string => `${T + i},42000.${i % 10},0.${i},buy,${i},${T + i}\n`;

function writer(policy: Partial<RotationPolicy>, firstPart = 0) {
  const errors: MarketfeedError[] = [];
  const finished: FinishedPart[] = [];
  const w = new PartWriter({
    dir, kind: 'trades', symbol: 'BTC/USDT', day: '20240101', header: TRADES_HEADER,
    policy: { maxRows: 0, maxBytes: 0, rotateEveryUs: 0, ...policy }, firstPart,
    onError: (e) => errors.push(e), onFinished: (p) => finished.push(p),
  });
  return { w, errors, finished };
}

/** The data rows of every finished part, in part order, and the part names. */
function readParts(): { names: string[]; rows: string[][] } {
  const parts = partsOf(readdirSync(dir), 'trades', 'BTCUSDT', '20240101');
  const rows = parts.map((p) => {
    const lines = gunzipSync(readFileSync(join(dir, p.name))).toString('utf8').split('\n').filter(Boolean);
    expect(lines[0] + '\n').toBe(TRADES_HEADER); // every part starts with its own header
    return lines.slice(1);
  });
  return { names: parts.map((p) => p.name), rows };
}

describe('PartWriter', () => {
  it('rotates by rows: exactly maxRows per part, numbered in order', async () => {
    const { w, errors, finished } = writer({ maxRows: 4 });
    for (let i = 0; i < 10; i++) w.write(row(i), T + i);
    await w.close();
    expect(errors).toEqual([]);
    const { names, rows } = readParts();
    expect(names).toEqual(['trades_BTCUSDT_20240101.csv.gz', 'trades_BTCUSDT_20240101.0001.csv.gz', 'trades_BTCUSDT_20240101.0002.csv.gz']);
    expect(rows.map((r) => r.length)).toEqual([4, 4, 2]);
    expect(rows.flat()).toEqual(Array.from({ length: 10 }, (_, i) => row(i).trim()));
    // parts finish in the background, so in any order
    expect(finished.map((f) => [f.path.split('/').pop(), f.rows, f.why]).sort()).toEqual([
      ['trades_BTCUSDT_20240101.0001.csv.gz', 4, 'rotation'],
      ['trades_BTCUSDT_20240101.0002.csv.gz', 2, 'shutdown'],
      ['trades_BTCUSDT_20240101.csv.gz', 4, 'rotation'],
    ]);
    expect(w.stats).toMatchObject({ rows: 10, rowsWritten: 10, parts: 3, droppedRows: 0 });
  });

  it('rotates by bytes after the flush that reaches maxBytes', async () => {
    const { w } = writer({ maxBytes: 200 });
    for (let i = 0; i < 40; i++) {
      w.write(row(i), T + i);
      if (i % 5 === 4) await w.flush();
    }
    await w.close();
    const { names, rows } = readParts();
    expect(names.length).toBeGreaterThan(2);
    expect(rows.flat()).toHaveLength(40);
    for (const n of names.slice(0, -1)) {
      const size = readFileSync(join(dir, n)).length;
      expect(size).toBeGreaterThanOrEqual(200);
      expect(size).toBeLessThan(200 + 400); // at most one flush's member past the limit
    }
  });

  it('rotates by time, on period boundaries of receive time', async () => {
    const { w } = writer({ rotateEveryUs: MIN_US });
    const times = [T, T + 10, T + MIN_US - 1, T + MIN_US, T + 3 * MIN_US + 5];
    times.forEach((ts, i) => w.write(row(i), ts));
    await w.close();
    expect(readParts().rows.map((r) => r.length)).toEqual([3, 1, 1]);
  });

  it('continues after existing parts', async () => {
    const { w } = writer({}, 7);
    w.write(row(1), T);
    await w.close();
    expect(readdirSync(dir)).toEqual(['trades_BTCUSDT_20240101.0007.csv.gz']);
  });

  it('writes under .open and renames into place: no final name ever holds a partial part', async () => {
    const { w } = writer({ maxRows: 3 });
    for (let i = 0; i < 5; i++) w.write(row(i), T + i);
    await w.flush();
    // part 0 was finished by the 4th row (its close runs in the background); part 1 is open
    const open = readdirSync(dir).filter((n) => n.endsWith('.open'));
    expect(open).toContain('trades_BTCUSDT_20240101.0001.csv.gz.open');
    expect(w.currentPath).toBe(join(dir, 'trades_BTCUSDT_20240101.0001.csv.gz'));
    expect(existsSync(join(dir, 'trades_BTCUSDT_20240101.0001.csv.gz'))).toBe(false);
    await w.close();
    expect(readdirSync(dir).sort()).toEqual(['trades_BTCUSDT_20240101.0001.csv.gz', 'trades_BTCUSDT_20240101.csv.gz']);
    for (const n of readdirSync(dir)) expect(() => gunzipSync(readFileSync(join(dir, n)))).not.toThrow();
  });

  it('counts rows offered after close as dropped', async () => {
    const { w } = writer({});
    await w.close();
    w.write(row(1), T);
    expect(w.stats.droppedRows).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });
});
