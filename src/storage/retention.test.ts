import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyRetention, planRetention, type RetainedFile } from './retention.js';

const DAY_MS = 86_400_000;
const NOW = Date.UTC(2024, 0, 10);
const f = (path: string, bytes: number, ageDays: number, deletable = true): RetainedFile => ({ path, bytes, mtimeMs: NOW - ageDays * DAY_MS, deletable });

describe('planRetention', () => {
  const files = [f('c', 100, 1), f('a', 100, 5), f('open', 500, 9, false), f('b', 100, 3)];

  it('by age: finished files older than the limit, never an open one', () => {
    const plan = planRetention(files, { maxAgeMs: 2 * DAY_MS, maxBytes: 0 }, NOW);
    expect(plan.remove.map((d) => [d.file.path, d.reason])).toEqual([['a', 'age'], ['b', 'age']]);
    expect(plan).toMatchObject({ totalBytes: 800, keptBytes: 600 });
  });

  it('by size: oldest finished first until the total fits (open files still count)', () => {
    const plan = planRetention(files, { maxAgeMs: 0, maxBytes: 650 }, NOW);
    expect(plan.remove.map((d) => d.file.path)).toEqual(['a', 'b']);
    expect(plan.keptBytes).toBe(600);
    // a limit only open files could meet: every finished file goes, and no more
    expect(planRetention(files, { maxAgeMs: 0, maxBytes: 10 }, NOW).remove.map((d) => d.file.path)).toEqual(['a', 'b', 'c']);
  });

  it('both limits, and nothing when off', () => {
    const plan = planRetention(files, { maxAgeMs: 4 * DAY_MS, maxBytes: 650 }, NOW);
    expect(plan.remove.map((d) => [d.file.path, d.reason])).toEqual([['a', 'age'], ['b', 'size']]);
    expect(planRetention(files, { maxAgeMs: 0, maxBytes: 0 }, NOW).remove).toEqual([]);
  });
});

describe('applyRetention', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'mf-retention-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  function put(rel: string, bytes: number, ageDays: number): string {
    const p = join(dataDir, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, Buffer.alloc(bytes, 1));
    const t = (NOW - ageDays * DAY_MS) / 1000;
    utimesSync(p, t, t);
    return p;
  }

  it('deletes old finished files and emptied directories; keeps open parts, markers and live files', async () => {
    const old = 'binance/BTCUSDT/20240101';
    put(`${old}/trades_BTCUSDT_20240101.csv.gz`, 100, 9);
    put(`${old}/trades_BTCUSDT_20240101.parquet`, 50, 9);
    put(`${old}/snapshots/snapshot_1_rest.json`, 10, 9);
    const today = 'binance/BTCUSDT/20240110';
    put(`${today}/trades_BTCUSDT_20240110.csv.gz`, 100, 0);
    const open = put(`${today}/raw_BTCUSDT_20240110.0001.ndjson.gz.open`, 100, 30); // a crash leftover looks old too
    const marked = put(`${today}/book_BTCUSDT_20240110.csv.gz`, 100, 30);
    put(`${today}/.book_BTCUSDT_20240110.csv.gz.writing`, 2, 30);
    const live = put('live/live_trades.20240101T000000Z.ndjson', 100, 30);

    const r = await applyRetention(dataDir, { maxAgeMs: 5 * DAY_MS, maxBytes: 0 }, NOW);
    expect(r.deleted.map((d) => d.rel).sort()).toEqual([
      `${old}/snapshots/snapshot_1_rest.json`, `${old}/trades_BTCUSDT_20240101.csv.gz`, `${old}/trades_BTCUSDT_20240101.parquet`,
    ]);
    expect(r.failed).toEqual([]);
    expect(existsSync(join(dataDir, old))).toBe(false);
    for (const p of [open, marked, live]) expect(existsSync(p)).toBe(true);
    expect(readdirSync(join(dataDir, today)).sort()).toContain('trades_BTCUSDT_20240110.csv.gz');
  });

  it('by size, oldest first across symbols', async () => {
    put('binance/ETHUSDT/20240103/trades_ETHUSDT_20240103.csv.gz', 100, 7);
    put('binance/BTCUSDT/20240105/trades_BTCUSDT_20240105.csv.gz', 100, 5);
    put('binance/BTCUSDT/20240109/trades_BTCUSDT_20240109.csv.gz', 100, 1);
    const r = await applyRetention(dataDir, { maxAgeMs: 0, maxBytes: 150 }, NOW);
    expect(r.deleted.map((d) => [d.rel, d.reason])).toEqual([
      ['binance/ETHUSDT/20240103/trades_ETHUSDT_20240103.csv.gz', 'size'],
      ['binance/BTCUSDT/20240105/trades_BTCUSDT_20240105.csv.gz', 'size'],
    ]);
    expect(r.keptBytes).toBe(100);
  });
});
