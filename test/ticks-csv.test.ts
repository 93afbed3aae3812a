// `record --sim --ticks-csv` (issue 13, the tick stream bots consume): while the recorder runs the
// stream file grows (read again and again, as a tailer would); a restart appends to it after a
// power-loss-like torn last line, without a second header; every line is a whole row; the rows
// are the trades file's trades (timestamp, price, qty, side, in order); `replay --ticks-path`
// reads the file back; a bad STORAGE_TICKS is one line and exit 2.
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKind } from './ledger.js';
import { runCli, startCli, type CliResult } from './cli.js';
import { until } from './wait.js';

const HEADER = 'timestamp,price,qty,side';
const ROW_RE = /^\d{16},\d+(?:\.\d+)?,\d+(?:\.\d+)?,(?:buy|sell|unknown)$/;
const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const ROTATED_RE = /^(\w+)_stream\.(\d{8})(?:\.(\d{4,}))?\.csv$/;

const dataDir = mkdtempSync(join(tmpdir(), 'mf-ticks-e2e-'));
const ticksDir = join(dataDir, 'ticks');
const streamOf = (fs: string): string => join(ticksDir, `${fs}_stream.csv`);
const runs: CliResult[] = [];
/** Rows of the BTCUSDT stream before each run, and as read while it recorded. */
const before: number[] = [];
const seen: number[][] = [];
let tornRow = '';

/** Complete lines of a file (a tailer does not take a line before its '\n'). */
function lines(path: string): string[] {
  if (!existsSync(path)) return [];
  const all = readFileSync(path, 'utf8').split('\n');
  all.pop();
  return all;
}

/** Every stream file of a symbol in the order it was written: rotated ones by day and number, then the current one. */
function streamFiles(fs: string): string[] {
  const rotated = readdirSync(ticksDir)
    .map((n) => ROTATED_RE.exec(n))
    .filter((m): m is RegExpExecArray => m !== null && m[1] === fs)
    .sort((a, b) => a[2].localeCompare(b[2]) || Number(a[3] ?? 0) - Number(b[3] ?? 0))
    .map((m) => join(ticksDir, m[0]));
  return [...rotated, streamOf(fs)];
}

/** Records until the BTCUSDT stream has grown twice after its first row of this run, then stops it with SIGTERM. */
async function recordWhileReading(): Promise<void> {
  const rows = (): number => Math.max(0, lines(streamOf('BTCUSDT')).length - 1);
  before.push(rows());
  const { child, done } = startCli(['record', '--sim', '--ticks-csv', '--data-dir', dataDir, '--storage-flush-interval-s', '0.2',
    '--no-status', '--log-level', 'warn', '--simulator-diff-interval-ms', '50']);
  const reads: number[] = [];
  seen.push(reads);
  try {
    let last = before.at(-1)!;
    for (let i = 0; i < 3; i++) {
      last = await until(() => rows() > last && rows(), 20_000);
      reads.push(last);
    }
  } finally {
    child.kill('SIGTERM');
    runs.push(await done);
  }
}

beforeAll(async () => {
  await recordWhileReading();
  // what a power loss mid-write could leave: a row without its end
  tornRow = '1796000000000000,6000';
  appendFileSync(streamOf('BTCUSDT'), tornRow);
  await recordWhileReading();
}, 90_000);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('record --ticks-csv', () => {
  it('both runs stopped cleanly', () => {
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
  });

  it('the stream file grew while each run recorded', () => {
    expect(seen.length).toBe(2);
    for (const reads of seen) {
      expect(reads.length).toBe(3);
      expect(reads[1]).toBeGreaterThan(reads[0]);
      expect(reads[2]).toBeGreaterThan(reads[1]);
    }
    expect(before[0]).toBe(0);
    expect(before[1]).toBeGreaterThanOrEqual(seen[0][2]); // the restart found the first run's rows and appended to them
  });

  it('has the header once per file (also after the restart), and only whole rows: the torn one was cut', () => {
    for (const fs of SYMBOLS) {
      for (const file of streamFiles(fs)) {
        const text = readFileSync(file, 'utf8');
        expect(text.endsWith('\n'), file).toBe(true);
        const [header, ...rows] = lines(file);
        expect(header, file).toBe(HEADER);
        expect(rows.length, file).toBeGreaterThan(0);
        for (const r of rows) expect(r, file).toMatch(ROW_RE);
      }
    }
    expect(readFileSync(streamOf('BTCUSDT'), 'utf8')).not.toContain(tornRow);
  });

  it('holds the same trades as the trades file, in order', () => {
    for (const fs of SYMBOLS) {
      const trades = readKind(dataDir, 'sim-binance', fs, 'trades');
      expect(trades.header).toEqual(['timestamp', 'price', 'qty', 'side', 'id', 'local_timestamp']);
      const want = trades.rows.map((r) => r.slice(0, 4).join(','));
      const got = streamFiles(fs).flatMap((f) => lines(f).slice(1));
      expect(want.length).toBeGreaterThan(5);
      expect(got).toEqual(want);
    }
  });

  it('replay --ticks-path reads it back, every row a trade', async () => {
    for (const fs of SYMBOLS) {
      const file = streamOf(fs);
      const r = await runCli(['replay', '--ticks-path', file]);
      expect(r.code, r.stderr).toBe(0);
      const events = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      const rows = lines(file).slice(1);
      expect(events.length).toBe(rows.length);
      expect(events.map((e) => `${e.ts},${e.price},${e.amount},${e.side}`)).toEqual(rows);
      expect(events.every((e) => e.type === 'trade' && e.symbol === (fs === 'BTCUSDT' ? 'BTC/USDT' : 'ETH/USDT'))).toBe(true);
    }
  });

  it('a bad STORAGE_TICKS is one line on stderr and exit 2', async () => {
    const r = await runCli(['record', '--sim', '--data-dir', join(dataDir, 'unused')], { STORAGE_TICKS: 'sometimes' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('marketfeed: MF_ERR_CONFIG: storage.ticks = "sometimes" (from environment STORAGE_TICKS); expected true or false; got "sometimes"\n');
  });
});
