import { mkdtemp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { formatFixed, generateTicks, parseFixed, resolveGenTicksOptions, TICKS_HEADER, writeTicksFile, type GenTicksOptions } from './gen-ticks.js';

const START_TS = Date.parse('2026-01-01T00:00:00Z') * 1000;
const BASE: GenTicksOptions = { symbol: 'BTC/USDT', rows: 5000, seed: 1, startTs: START_TS, meanIntervalMs: 100 };
const text = (o: GenTicksOptions): string => [...generateTicks(o)].join('');

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'mf-gen-ticks-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('parseFixed / formatFixed', () => {
  it.each([
    ['0.01', 1, 2, '0.01'],
    ['60000', 60000, 0, '60000'],
    ['60000.10', 6000010, 2, '60000.10'],
    ['0.00001', 1, 5, '0.00001'],
    ['12.3456', 123456, 4, '12.3456'],
  ])('%s ↔ %i units at %i decimals', (input, units, decimals, printed) => {
    expect(parseFixed(input)).toEqual({ units, decimals });
    expect(formatFixed(units, decimals)).toBe(printed);
  });

  it.each(['', '-1', '1e5', '.5', '1.', 'abc', '1,5'])('rejects %j', (input) => {
    expect(parseFixed(input)).toBeUndefined();
  });
});

describe('generateTicks', () => {
  it('is deterministic by seed: same seed, same text; another seed, another text', () => {
    const a = text(BASE);
    expect(text(BASE)).toBe(a);
    expect(text({ ...BASE, seed: 2 })).not.toBe(a);
  });

  it('writes the header, then rows of integer µs, fixed decimals on the grid and taker sides', () => {
    const lines = text(BASE).split('\n');
    expect(lines[0] + '\n').toBe(TICKS_HEADER);
    expect(lines.at(-1)).toBe(''); // every row ends with '\n'
    const rows = lines.slice(1, -1);
    expect(rows).toHaveLength(BASE.rows);
    let lastTs = -1;
    const sides = new Set<string>();
    let sameTs = 0;
    for (const row of rows) {
      // BTC defaults: price tick 0.01, lot 0.00001
      expect(row).toMatch(/^\d{16},\d+\.\d{2},\d+\.\d{5},(buy|sell)$/);
      const [tsText, price, qty, side] = row.split(',');
      const ts = Number(tsText);
      expect(ts).toBeGreaterThanOrEqual(lastTs);
      if (ts === lastTs) sameTs++;
      lastTs = ts;
      expect(Number(price)).toBeGreaterThan(0);
      expect(Number(qty)).toBeGreaterThan(0);
      sides.add(side);
    }
    expect(Number(rows[0].split(',')[0])).toBe(START_TS);
    expect(sides).toEqual(new Set(['buy', 'sell']));
    expect(sameTs).toBeGreaterThan(0); // sweeps: several prints of one taker order share a timestamp
  });

  it('spaces taker orders by the mean interval (Poisson arrivals)', () => {
    const rows = text({ ...BASE, rows: 20_000, meanIntervalMs: 50 }).split('\n').slice(1, -1);
    const tss = rows.map((r) => Number(r.slice(0, r.indexOf(','))));
    const orders = new Set(tss).size;
    const meanUs = (tss.at(-1)! - tss[0]) / (orders - 1);
    expect(meanUs).toBeGreaterThan(45_000);
    expect(meanUs).toBeLessThan(55_000);
  });

  it('honours price, tick and lot overrides', () => {
    const rows = text({ ...BASE, symbol: 'SOL/USDC', startPrice: '150.5', tickSize: '0.005', lotSize: '0.1', rows: 2000 }).split('\n').slice(1, -1);
    for (const row of rows) {
      const [, price, qty] = row.split(',');
      expect(price).toMatch(/^\d+\.\d{3}$/);
      expect(Number(price.replace('.', '')) % 5).toBe(0); // on the 0.005 grid
      expect(qty).toMatch(/^\d+\.\d$/);
    }
    expect(Math.abs(Number(rows[0].split(',')[1]) - 150.5)).toBeLessThan(1);
  });

  it.each([
    [{ rows: -1 }, /rows/],
    [{ rows: 1.5 }, /rows/],
    [{ seed: 2 ** 32 }, /seed/],
    [{ startTs: -5 }, /startTs/],
    [{ meanIntervalMs: 0 }, /meanIntervalMs/],
    [{ tickSize: '0' }, /tickSize/],
    [{ lotSize: 'x' }, /lotSize/],
    [{ startPrice: '-3' }, /startPrice/],
  ])('rejects %j', (bad, why) => {
    expect(() => resolveGenTicksOptions({ ...BASE, ...bad })).toThrow(why);
  });
});

describe('writeTicksFile', () => {
  it('writes byte-identical files for one seed, different ones for another, leaving no temp file', async () => {
    const dir = await tempDir();
    const a = await writeTicksFile(join(dir, 'a', 'BTCUSDT_a.csv'), BASE);
    const b = await writeTicksFile(join(dir, 'b', 'BTCUSDT_b.csv'), BASE);
    const c = await writeTicksFile(join(dir, 'c', 'BTCUSDT_c.csv'), { ...BASE, seed: 7 });
    const [fa, fb, fc] = await Promise.all([a, b, c].map((f) => readFile(f.path)));
    expect(fa.equals(fb)).toBe(true);
    expect(fa.equals(fc)).toBe(false);
    expect(fa.toString()).toBe(text(BASE));
    expect(await readdir(join(dir, 'a'))).toEqual(['BTCUSDT_a.csv']);
    const lines = fa.toString().split('\n');
    expect(a).toEqual({ path: a.path, rows: BASE.rows, firstTs: Number(lines[1].split(',')[0]), lastTs: Number(lines.at(-2)!.split(',')[0]) });
  });

  it('gzips when the path ends in .gz', async () => {
    const dir = await tempDir();
    const f = await writeTicksFile(join(dir, 'BTCUSDT_synthetic.csv.gz'), BASE);
    expect(gunzipSync(await readFile(f.path)).toString()).toBe(text(BASE));
  });

  it('writes a header-only file for 0 rows', async () => {
    const dir = await tempDir();
    const f = await writeTicksFile(join(dir, 'BTCUSDT_empty.csv'), { ...BASE, rows: 0 });
    expect(await readFile(f.path, 'utf8')).toBe(TICKS_HEADER);
    expect(f.firstTs).toBeUndefined();
  });

  it('leaves nothing behind when the final rename fails', async () => {
    const dir = await tempDir();
    const target = join(dir, 'BTCUSDT_taken.csv');
    await mkdir(join(target, 'inner'), { recursive: true }); // a non-empty directory cannot be replaced by a file
    await expect(writeTicksFile(target, BASE)).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['BTCUSDT_taken.csv']);
    expect(await readdir(target)).toEqual(['inner']);
  });
});
