// Acceptance: `marketfeed validate --day-dir` on real recordings from the simulator. A clean
// recording validates with 0 gaps (exit 0); a recording with injected gaps reports at least the
// gaps the simulator injected while the book was synced (exit 1); a book file with one edited
// price fails (exit 1); bad input exits 2 with one line on stderr.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../src/sim/index.js';
import type { ValidateReport } from '../src/replay/validate.js';
import { runCli, type CliResult } from './cli.js';
import { dayDirs, readKind } from './ledger.js';

const SYMBOL = 'BTC/USDT';
const FS = 'BTCUSDT';

function recordArgs(sim: SimHandle, dataDir: string, duration: string): string[] {
  return [
    'record', '--venue', 'binance', '--symbols', SYMBOL,
    '--ws-url', sim.wsUrl, '--rest-url', sim.restUrl, '--data-dir', dataDir, '--duration', duration,
    '--depth', '10', '--storage-flush-interval-s', '0.2', '--ws-no-data-timeout-s', '1',
    '--ws-reconnect-backoff-s', '0.1', '--ws-reconnect-backoff-max-s', '1',
    '--rest-timeout-s', '5', '--no-status', '--log-level', 'error', '--quote-check', 'resync',
  ];
}

async function recordDay(faults: string | undefined, seed: number): Promise<{ sim: SimHandle; dayDir: string; rec: CliResult }> {
  const sim = await startSim({ symbols: [FS], seed, diffIntervalMs: 20, faults });
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-validate-'));
  const rec = await runCli(recordArgs(sim, dataDir, '4s'), {}, 60_000);
  await sim.stop();
  const days = dayDirs(dataDir, 'binance', FS);
  return { sim, dayDir: days[days.length - 1], rec };
}

async function validate(dayDir: string): Promise<{ r: CliResult; report: ValidateReport }> {
  const r = await runCli(['validate', '--day-dir', dayDir, '--format', 'json'], {}, 60_000);
  return { r, report: JSON.parse(r.stdout) as ValidateReport };
}

describe('validate a clean recording', () => {
  let dayDir: string;
  let rec: CliResult;

  beforeAll(async () => {
    ({ dayDir, rec } = await recordDay(undefined, 3));
  }, 90_000);

  it('exits 0 with 0 gaps, every recorded row verified', async () => {
    expect(rec.code, rec.stderr).toBe(0);
    const { r, report } = await validate(dayDir);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(report.clean).toBe(true);
    expect(report.gaps).toBe(0);
    expect(report.frames).toBeGreaterThan(100);
    expect(report.updatesVerified).toBeGreaterThan(100);
    expect(report.book!.recorded).toBeGreaterThan(50);
    expect(report.book!.unverified + report.book!.missing).toBe(0);
    expect(report.trades!.recorded).toBeGreaterThan(0);
    expect(report.snapshots.files).toBeGreaterThan(0);
    expect(report.snapshots.unmatched).toBe(0);
    for (const f of report.files) expect(f.rowsRejected, f.file).toBe(0);
  });

  it('prints a human report without --format json', async () => {
    const r = await runCli(['validate', '--day-dir', dayDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/CLEAN/);
    expect(r.stdout).toMatch(/gaps\s+0/);
  });

  it('a book file with one edited price: exit 1, the row is unverified', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'mf-validate-bad-'));
    const day = join(copy, 'binance', FS, dayDir.slice(-8));
    cpSync(join(dayDir, '..', '..', '..'), copy, { recursive: true });
    const book = join(day, `book_${FS}_${dayDir.slice(-8)}.csv.gz`);
    const lines = gunzipSync(readFileSync(book)).toString('utf8').split('\n');
    const cells = lines[5].split(',');
    // the best ask a fraction of its last decimal place higher: still a well-formed, uncrossed,
    // ascending row, so only the comparison with the replayed book can catch it
    const ask = 3 + 2 * 10;
    cells[ask] += cells[ask].includes('.') ? '1' : '.1';
    lines[5] = cells.join(',');
    writeFileSync(book, gzipSync(lines.join('\n')));
    const { r, report } = await validate(day);
    expect(r.code, r.stderr).toBe(1);
    expect(report.clean).toBe(false);
    expect(report.book!.unverified).toBe(1);
    expect(report.gaps).toBe(0);
  });
});

describe('validate a recording with injected gaps', () => {
  let sim: SimHandle;
  let dayDir: string;
  let rec: CliResult;

  beforeAll(async () => {
    ({ sim, dayDir, rec } = await recordDay('gap=700ms', 4));
  }, 90_000);
  afterAll(async () => {
    await sim?.stop();
  });

  it('exits 1 and finds every gap the simulator injected', async () => {
    expect(rec.code, rec.stderr).toBe(0);
    // injected while the book was synced: recorded rows on both sides of the skipped ids (a gap
    // in the run's last moments, with no update after it, cannot be seen by anyone)
    const ids = readKind(join(dayDir, '..', '..', '..'), 'binance', FS, 'book').rows.map((row) => Number(row[2]));
    const injected = sim.injected.gaps.filter((g) => g.venueSymbol === FS && ids.some((i) => i < g.skippedFrom) && ids.some((i) => i > g.skippedTo)).length;
    expect(injected).toBeGreaterThan(0);
    const { r, report } = await validate(dayDir);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(report.gaps).toBeGreaterThanOrEqual(injected);
    expect(report.resyncs).toBeGreaterThanOrEqual(report.gaps);
    // the recorded rows still all came from a verified book
    expect(report.book!.unverified + report.book!.missing).toBe(0);
  });
});

describe('validate: bad input', () => {
  it.each([
    ['a missing dir', () => '/nonexistent/mf/binance/BTCUSDT/20240101'],
    ['not a day dir', () => mkdtempSync(join(tmpdir(), 'mf-notday-'))],
    ['a day dir without raw capture', () => {
      const d = join(mkdtempSync(join(tmpdir(), 'mf-noraw-')), 'binance', FS, '20240101');
      mkdirSync(d, { recursive: true });
      return d;
    }],
  ])('%s: one line on stderr, exit 2', async (_what, dir) => {
    const r = await runCli(['validate', '--day-dir', dir()]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^marketfeed: /);
  });
});
