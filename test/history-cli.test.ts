// `marketfeed history candles|trades` as a user runs it: the built CLI (dist/, `npm run build`
// first) in a child process, against the simulator on 127.0.0.1. Until src/cli/main.ts registers
// the command, the child runs the same `register(program)` through a two-line entry.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { readCsv } from '../src/storage/read.js';
import { CLI, runCli, type CliResult } from './cli.js';

const HISTORY_JS = fileURLToPath(new URL('../dist/cli/history.js', import.meta.url));
const ENTRY = `
import { Command, CommanderError } from 'commander';
const { register } = await import(${JSON.stringify(HISTORY_JS)});
const program = new Command('marketfeed').exitOverride();
register(program);
try { await program.parseAsync(process.argv); } catch (e) { if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? 0 : 2; else throw e; }
`;

function history(args: string[]): Promise<CliResult> {
  if (existsSync(CLI) && readFileSync(CLI, 'utf8').includes('history')) return runCli(['history', ...args]);
  if (!existsSync(HISTORY_JS)) throw new Error(`${HISTORY_JS} is missing: run "npm run build" first`);
  const child = spawn(process.execPath, ['--input-type=module', '-e', ENTRY, 'marketfeed', 'history', ...args], {
    cwd: fileURLToPath(new URL('..', import.meta.url)), env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

let sim: SimHandle;
let dataDir: string;
const DAY_MS = 86_400_000;
const day0 = Math.floor(Date.now() / DAY_MS) * DAY_MS - 5 * DAY_MS;
const iso = (ms: number): string => new Date(ms).toISOString();
const ymd = (ms: number): string => iso(ms).slice(0, 10).replace(/-/g, '');

beforeAll(async () => {
  sim = await startSim({ symbols: ['BTC/USDT'], seed: 3, diffIntervalMs: 5 });
  dataDir = await mkdtemp(join(tmpdir(), 'mf-history-cli-'));
});
afterAll(async () => {
  await sim.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const common = (): string[] => ['--venue', 'binance', '--symbol', 'BTC/USDT', '--rest-url', sim.restUrl, '--data-dir', dataDir, '--no-rate-limit'];

describe('marketfeed history', () => {
  it('candles: 1,500 one-minute bars into two day files (+ Parquet); a re-run fetches nothing', async () => {
    const from = day0 + 22 * 3_600_000; // 22:00 + 1,500 minutes = 23:00 the next day
    const args = ['candles', ...common(), '--timeframe', '1m', '--from', iso(from), '--to', iso(from + 1500 * 60_000)];
    const first = await history(args);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/fetched 1500 rows in 2 pages; wrote 2 day file\(s\); 4 requests, 0 retries/);
    let total = 0;
    for (const day of [from, from + DAY_MS]) {
      const dir = join(dataDir, 'binance', 'BTCUSDT', ymd(day));
      const name = `candles_BTCUSDT_1m_${ymd(day)}`;
      const csv = await readCsv(join(dir, `${name}.csv.gz`));
      expect(csv.header).toEqual(['timestamp', 'open', 'high', 'low', 'close', 'volume', 'trades', 'synthetic']);
      total += csv.rows.length;
      expect(await readdir(dir)).toContain(`${name}.parquet`);
    }
    expect(total).toBe(1500);
    const again = await history(args);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already on disk; nothing fetched \(2 requests\)/); // exchangeInfo + time only
  });

  it('trades: recent trades into the recorder trades layout', async () => {
    await new Promise((r) => setTimeout(r, 300));
    const now = Date.now();
    const r = await history(['trades', ...common(), '--from', iso(now - 60_000), '--to', iso(now)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = /fetched (\d+) rows/.exec(r.stdout);
    expect(Number(m?.[1])).toBeGreaterThan(0);
    const csv = await readCsv(join(dataDir, 'binance', 'BTCUSDT', ymd(now - 60_000), `trades_BTCUSDT_${ymd(now - 60_000)}.csv.gz`));
    expect(csv.header).toEqual(['timestamp', 'price', 'qty', 'side', 'id', 'local_timestamp']);
    expect(csv.rows.length).toBeGreaterThan(0);
    expect(csv.rows[0][1]).toMatch(/^\d+\.\d{8}$/);
  });

  it('candles --help documents --combine-local, --local-label and --tolerance', async () => {
    const r = await history(['candles', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--combine-local[\s\S]*combine\.json[\s\S]*--local-label <label>[\s\S]*sim-<venue>[\s\S]*--tolerance <fraction>[\s\S]*0\.0001/);
  });

  it.each([
    [['candles', '--symbol', 'DOGE/USDT', '--from', '2026-01-01'], /MF_ERR_UNKNOWN_SYMBOL: binance DOGE\/USDT/],
    [['candles', '--symbol', 'BTC/USDT', '--from', '2026-13-01'], /MF_ERR_USAGE: --from "2026-13-01" is not a date/],
    [['candles', '--symbol', 'BTC/USDT', '--from', '2026-01-02', '--to', '2026-01-01'], /MF_ERR_USAGE: --to must be after --from/],
    [['candles', '--symbol', 'BTC/USDT', '--from', '2026-01-01', '--timeframe', '7m'], /MF_ERR_USAGE: timeframe "7m" is not supported/],
  ])('bad input %j: one line, exit 2', async (args, message) => {
    const r = await history([...args, '--venue', 'binance', '--rest-url', sim.restUrl, '--data-dir', dataDir, '--no-rate-limit']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    [['candles', '--symbol', 'BTC/USDT', '--timeframe', '7m'], /timeframe "7m" is not supported/],
    [['trades', '--symbol', 'BTCUSDT'], /--symbol "BTCUSDT" is not a unified symbol/],
  ])('%j is refused before any request (the REST URL is a closed port)', async (args, message) => {
    const r = await history([...args, '--from', '2026-01-01', '--venue', 'binance', '--rest-url', 'http://127.0.0.1:1', '--data-dir', dataDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/retry/);
  });
});
