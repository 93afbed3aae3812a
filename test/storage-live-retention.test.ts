// `record --sim` with live rolling files and retention on, configured through the environment
// names the issue gives (STORAGE_LIVE, LIVE_STREAM_ROTATE_S, LIVE_STREAM_RETENTION_S,
// STORAGE_RETENTION_DAYS): trades and depth diffs are tailed into live/*.ndjson and rotated to
// timestamped names; an old day of the data dir is deleted at start, logged and ledgered.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partsOf } from '../src/storage/layout.js';
import { readCsvGz } from './ledger.js';
import { runCli, type CliResult } from './cli.js';

const dataDir = mkdtempSync(join(tmpdir(), 'mf-live-e2e-'));
const OLD_DAY = join(dataDir, 'sim-binance', 'BTCUSDT', '20200101');
const OLD_FILE = join(OLD_DAY, 'trades_BTCUSDT_20200101.csv.gz');
let run: CliResult;

beforeAll(async () => {
  mkdirSync(OLD_DAY, { recursive: true });
  writeFileSync(OLD_FILE, Buffer.alloc(1000, 1));
  const longAgo = Date.UTC(2020, 0, 2) / 1000;
  utimesSync(OLD_FILE, longAgo, longAgo);
  run = await runCli(['record', '--sim', '--data-dir', dataDir, '--duration', '3.5s', '--no-status', '--log-level', 'info',
    '--simulator-diff-interval-ms', '20'], {
    STORAGE_LIVE: '1', LIVE_STREAM_ROTATE_S: '1', LIVE_STREAM_RETENTION_S: '600', STORAGE_RETENTION_DAYS: '30',
  }, 60_000);
}, 60_000);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const lines = (p: string): Record<string, unknown>[] => readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('live rolling files', () => {
  it('appends trades and depth diffs as NDJSON, rotated to timestamped names', () => {
    expect(run.code, run.stderr).toBe(0);
    const dir = join(dataDir, 'live');
    const names = readdirSync(dir).sort();
    const rotated = names.filter((n) => /^live_(trades|depth_diffs)\.\d{8}T\d{6}Z(-\d+)?\.ndjson$/.test(n));
    expect(rotated.filter((n) => n.startsWith('live_depth_diffs.')).length).toBeGreaterThanOrEqual(2);
    expect(names).toContain('live_depth_diffs.ndjson');
    const diffs = names.filter((n) => n.startsWith('live_depth_diffs')).flatMap((n) => lines(join(dir, n)));
    expect(diffs.length).toBeGreaterThan(20);
    expect(diffs.every((d) => d.type === 'book_change')).toBe(true);
    expect(diffs.some((d) => d.isSnapshot === true)).toBe(true); // a reader can start its book from the file
    const trades = names.filter((n) => n.startsWith('live_trades')).flatMap((n) => lines(join(dir, n)));
    expect(trades.length).toBeGreaterThan(0);
    expect(trades.every((t) => t.type === 'trade' && typeof t.price === 'string')).toBe(true);
  });
});

describe('retention', () => {
  it('deleted the old day (and its now empty directory), logged and ledgered it', () => {
    expect(existsSync(OLD_FILE)).toBe(false);
    expect(existsSync(OLD_DAY)).toBe(false);
    expect(run.stderr + run.stdout).toContain('retention deleted a file');
    const sym = join(dataDir, 'sim-binance', 'BTCUSDT');
    const day = readdirSync(sym).filter((d) => /^\d{8}$/.test(d)).sort().pop()!;
    const ledger = partsOf(readdirSync(join(sym, day)), 'events', 'BTCUSDT', day).flatMap((p) => readCsvGz(join(sym, day, p.name)).rows);
    const row = ledger.find((r) => r[3] === 'retention');
    expect(row?.[5]).toContain('deleted_files=1 deleted_bytes=1000 reason=age');
  });
});
