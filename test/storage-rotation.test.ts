// Rotation end to end (issue 3): `record` with a small storage.maxRows (set through its
// environment name, STORAGE_MAX_ROWS) splits every output into many parts, each renamed into
// place whole and each finished trades/book/events part copied to Parquet. Every reader must see
// all parts, in order: replay reproduces the recorded rows byte for byte, validate finds the day
// clean, and query counts each row once (Parquet copies and their CSVs are not double counted).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { partsOf } from '../src/storage/layout.js';
import { runCli, type CliResult } from './cli.js';

const SYMBOLS = [['BTC/USDT', 'BTCUSDT'], ['ETH/USDT', 'ETHUSDT']] as const;
const MAX_ROWS = 40;

function dayDirOf(dataDir: string, fs: string): { dir: string; day: string } {
  const sym = join(dataDir, 'binance', fs);
  const day = readdirSync(sym).filter((d) => /^\d{8}$/.test(d)).sort()[0];
  return { dir: join(sym, day), day };
}

function partFiles(dataDir: string, fs: string, kind: 'raw' | 'trades' | 'book' | 'events'): string[] {
  const { dir, day } = dayDirOf(dataDir, fs);
  return partsOf(readdirSync(dir), kind, fs, day).map((p) => join(dir, p.name));
}

/** Data lines of all parts of a kind, in part order, each part's header dropped. */
function rows(dataDir: string, fs: string, kind: 'trades' | 'book'): string[] {
  return partFiles(dataDir, fs, kind).flatMap((p) => gunzipSync(readFileSync(p)).toString('utf8').split('\n').slice(1, -1));
}

describe('record with rotation by rows, then replay, validate and query', () => {
  let sim: SimHandle;
  let recorded: CliResult;
  let replayed: CliResult;
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-rotation-'));
  const outDir = mkdtempSync(join(tmpdir(), 'mf-rotation-out-'));

  beforeAll(async () => {
    sim = await startSim({ symbols: SYMBOLS.map((s) => s[1]), seed: 11, diffIntervalMs: 20 });
    recorded = await runCli([
      'record', '--venue', 'binance', '--symbols', SYMBOLS.map((s) => s[0]).join(','), '--ws-url', sim.wsUrl, '--rest-url', sim.restUrl,
      '--data-dir', dataDir, '--duration', '4s', '--storage-flush-interval-s', '0.2', '--no-status', '--log-level', 'warn',
    ], { STORAGE_MAX_ROWS: String(MAX_ROWS) }, 60_000);
    await sim.stop();
    replayed = await runCli(['replay', '--data-dir', dataDir, '--venue', 'binance', '--out-dir', outDir], {}, 60_000);
  }, 90_000);
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  });

  it('recorded every output in parts of at most maxRows rows, all finished', () => {
    expect(recorded.code, recorded.stderr).toBe(0);
    for (const [, fs] of SYMBOLS) {
      const { dir } = dayDirOf(dataDir, fs);
      expect(readdirSync(dir).filter((n) => n.endsWith('.open') || n.endsWith('.writing'))).toEqual([]);
      for (const kind of ['raw', 'book'] as const) {
        const parts = partFiles(dataDir, fs, kind);
        expect(parts.length, `${fs} ${kind}`).toBeGreaterThan(2);
        for (const p of parts) {
          const lines = gunzipSync(readFileSync(p)).toString('utf8').split('\n').filter(Boolean);
          expect(lines.length - (kind === 'raw' ? 0 : 1), p).toBeLessThanOrEqual(MAX_ROWS);
        }
      }
    }
  });

  it('copied each part finished by rotation to Parquet (the parts finished by the stop keep only CSV)', () => {
    for (const [, fs] of SYMBOLS) {
      const parts = partFiles(dataDir, fs, 'book');
      for (const p of parts.slice(0, -1)) expect(existsSync(p.replace(/\.csv\.gz$/, '.parquet')), p).toBe(true);
      expect(existsSync(parts[parts.length - 1].replace(/\.csv\.gz$/, '.parquet'))).toBe(false);
    }
  });

  it('replay reads every raw part in order and reproduces the rows of all parts byte for byte', () => {
    expect(replayed.code, replayed.stderr).toBe(0);
    for (const [, fs] of SYMBOLS) {
      for (const kind of ['trades', 'book'] as const) {
        const live = rows(dataDir, fs, kind);
        expect(live.length, `${fs} ${kind}`).toBeGreaterThan(0);
        expect(rows(outDir, fs, kind), `${fs} ${kind}`).toEqual(live);
      }
    }
  });

  it('validate checks every part of the day and finds it clean', async () => {
    const { dir } = dayDirOf(dataDir, 'BTCUSDT');
    const r = await runCli(['validate', '--day-dir', dir, '--format', 'json'], {}, 60_000);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { clean: boolean; frames: number; files: { file: string }[]; book: { recorded: number; unverified: number; missing: number } };
    expect(report.clean).toBe(true);
    expect(report.files.length).toBe(partFiles(dataDir, 'BTCUSDT', 'book').length + partFiles(dataDir, 'BTCUSDT', 'trades').length + partFiles(dataDir, 'BTCUSDT', 'events').length);
    expect(report.book.recorded).toBe(rows(dataDir, 'BTCUSDT', 'book').length);
    expect(report.frames).toBeGreaterThan(MAX_ROWS * 2);
  });

  it('query counts every row once over CSV and Parquet parts', async () => {
    const r = await runCli(['query', 'select symbol_fs, count(*) n from book group by 1 order by 1', '--data-dir', dataDir], {}, 60_000);
    expect(r.code, r.stderr).toBe(0);
    const want = SYMBOLS.map(([, fs]) => `${fs},${rows(dataDir, fs, 'book').length}`);
    expect(r.stdout.trim().split('\n').slice(1)).toEqual(want);
    const f = await runCli(['query', "select format, count(*) n from data_files where kind = 'book' group by 1 order by 1", '--data-dir', dataDir, '--format', 'json']);
    const formats = JSON.parse(f.stdout) as { format: string; n: number }[];
    expect(formats.find((x) => x.format === 'csv')?.n).toBe(2); // the last part of each symbol
    expect(formats.find((x) => x.format === 'parquet')!.n).toBeGreaterThan(2);
  });
});
