// Issue 11, "Crashes": one writer per file, and what a crash leaves made whole. Against the
// simulator, with the built CLI (`npm run build` first):
//  - two recorders of one symbol into one data dir: the second stops before opening anything, with
//    one line naming the first's pid, exit 2 (so do `replay --out-dir` and `history trades` into
//    that symbol); the first's day validates clean;
//  - kill -9 during a recording, then `marketfeed repair`: the dead recorder's stale lock is taken
//    over, no `.open` is left, every file is whole gzip, each sealed part has a `repair` ledger row,
//    and the day validates clean;
//  - the same kill, then a new `record` instead: the same, done at its start.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { walkMembers } from '../src/storage/gzip-members.js';
import { readLockHolder } from '../src/storage/lock.js';
import { runCli, startCli, type CliResult } from './cli.js';
import { dayDirs, readKind } from './ledger.js';
import { validateDay } from './truth-rows.js';
import { until } from './wait.js';
import { walkFiles } from './data-dir.js';

const FS = 'BTCUSDT';
const KINDS = ['book', 'events', 'raw', 'trades'];
let sim: SimHandle;
const dirs: string[] = [];

beforeAll(async () => {
  sim = await startSim({ symbols: [FS], seed: 11, diffIntervalMs: 20 });
}, 30_000);
afterAll(async () => {
  await sim?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function newDataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mf-lock-repair-'));
  dirs.push(d);
  return d;
}

function recordArgs(dataDir: string): string[] {
  return [
    'record', '--venue', 'binance', '--symbols', 'BTC/USDT', '--ws-url', sim.wsUrl, '--rest-url', sim.restUrl,
    '--data-dir', dataDir, '--depth', '10', '--storage-flush-interval-s', '0.2', '--no-status', '--log-level', 'warn',
  ];
}

const walk = walkFiles;

/** File names under the data dir, snapshots aside. */
const dataFiles = (dataDir: string): string[] => walk(dataDir).filter((p) => !p.includes('/snapshots/')).map((p) => basename(p)).sort();
const lockPath = (dataDir: string): string => join(dataDir, 'binance', FS, '.lock');
const gzFiles = (dataDir: string): string[] => walk(dataDir).filter((p) => /\.(csv|ndjson)\.gz(\.open)?$/.test(p)).sort();

/** Book rows in complete members of the parts still being written (a member may be mid-append). */
function openBookRows(dataDir: string): number {
  let rows = 0;
  for (const p of gzFiles(dataDir).filter((f) => basename(f).startsWith('book_') && f.endsWith('.open'))) {
    let buf: Buffer;
    try {
      buf = readFileSync(p);
    } catch {
      continue; // renamed meanwhile
    }
    walkMembers(buf, (d) => (rows += d.toString('utf8').split('\n').length - 1));
  }
  return rows;
}

const untilBookRows = (dataDir: string, rows: number): Promise<number> => until(() => openBookRows(dataDir) > rows && openBookRows(dataDir), 30_000);

/** Starts a recorder, waits until it has flushed some book rows, and kills it with SIGKILL. */
async function killedRecording(dataDir: string): Promise<CliResult> {
  const rec = startCli(recordArgs(dataDir));
  await untilBookRows(dataDir, 30);
  rec.child.kill('SIGKILL');
  return rec.done;
}

function expectWholeAndSealed(dataDir: string): void {
  expect(walk(dataDir).filter((p) => p.endsWith('.open') || p.endsWith('.writing'))).toEqual([]);
  const files = gzFiles(dataDir);
  expect(new Set(files.map((f) => basename(f).split('_')[0]))).toEqual(new Set(KINDS));
  for (const f of files) expect(() => gunzipSync(readFileSync(f)), f).not.toThrow();
}

/** The day's `repair` ledger rows: `file=…` of each. */
function repairRows(dataDir: string): string[] {
  return readKind(dataDir, 'binance', FS, 'events').rows.filter((r) => r[3] === 'repair').map((r) => r[5]);
}

async function expectCleanDay(dataDir: string): Promise<void> {
  const days = dayDirs(dataDir, 'binance', FS);
  expect(days.length).toBeGreaterThan(0);
  for (const day of days) {
    const { code, result, report } = await validateDay(day);
    expect(code, result.stdout + result.stderr).toBe(0);
    expect(report.clean).toBe(true);
    expect(report.book.recorded).toBeGreaterThan(0);
  }
}

describe('two recorders of one symbol into one data dir', () => {
  const dataDir = newDataDir();
  let firstPid = 0;
  let before: string[] = [];
  let second: CliResult;
  let first: CliResult;
  let replayOut: CliResult;
  let historyTrades: CliResult;

  beforeAll(async () => {
    const rec = startCli(recordArgs(dataDir));
    firstPid = rec.child.pid!;
    await untilBookRows(dataDir, 10);
    before = dataFiles(dataDir);
    expect(before).toContain('.lock');
    // replay --out-dir into a directory whose symbol the (live) recorder holds
    const outDir = newDataDir();
    mkdirSync(join(outDir, 'binance', FS), { recursive: true });
    copyFileSync(lockPath(dataDir), lockPath(outDir));
    const from = new Date(Date.now() - 60_000).toISOString();
    [second, replayOut, historyTrades] = await Promise.all([
      runCli(recordArgs(dataDir), {}, 30_000),
      runCli(['replay', '--data-dir', dataDir, '--venue', 'binance', '--out-dir', outDir], {}, 30_000),
      runCli(['history', 'trades', '--venue', 'binance', '--symbol', 'BTC/USDT', '--from', from, '--rest-url', sim.restUrl, '--no-rate-limit', '--data-dir', dataDir], {}, 30_000),
    ]);
    rec.child.kill('SIGTERM');
    first = await rec.done;
  }, 60_000);

  it('the second exits 2 with one line naming the pid that holds the symbol', () => {
    expect(second.code, second.stderr).toBe(2);
    const lines = second.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^marketfeed: MF_ERR_LOCKED: \\S+/binance/${FS} is being written by pid ${firstPid} on this host \\(record, since `));
    expect(second.stdout).toBe('');
  });

  it.each([['replay --out-dir', () => replayOut], ['history trades', () => historyTrades]])('%s into a symbol the recorder holds: exit 2, one line', (_what, result) => {
    const r = result();
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(new RegExp(`^marketfeed: MF_ERR_LOCKED: .* is being written by pid ${firstPid} on this host \\(record, `))]);
  });

  it('the second opened nothing: no part, ledger row or snapshot of its own', () => {
    // the first run's parts, only finished (renamed) by its own stop, which also let its lock go
    expect(dataFiles(dataDir)).toEqual(before.filter((n) => n !== '.lock').map((n) => n.replace(/\.open$/, '')).sort());
    expect(readKind(dataDir, 'binance', FS, 'events').rows.filter((r) => r[3] === 'run_start')).toHaveLength(1);
  });

  it('the first stops cleanly, lets the lock go, and its day validates clean', async () => {
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(lockPath(dataDir))).toBe(false);
    expectWholeAndSealed(dataDir);
    await expectCleanDay(dataDir);
  });
});

describe('kill -9 during a recording, then marketfeed repair', () => {
  const dataDir = newDataDir();
  let killed: CliResult;
  let staleHolder: number | undefined;
  let repair: CliResult;

  beforeAll(async () => {
    killed = await killedRecording(dataDir);
    staleHolder = readLockHolder(lockPath(dataDir))?.pid;
    repair = await runCli(['repair', '--data-dir', dataDir], {}, 30_000);
  }, 60_000);

  it('the kill left its parts open and its lock behind', () => {
    expect(killed.signal).toBe('SIGKILL');
    expect(staleHolder).toBeGreaterThan(0);
  });

  it('repair takes over the dead recorder\'s lock, seals every part, reports each and exits 0', () => {
    expect(repair.code, repair.stderr).toBe(0);
    const sealed = repair.stdout.split('\n').filter((l) => l.startsWith('sealed '));
    expect(sealed.map((l) => l.slice(7).split('/').pop()!.split('_')[0]).sort()).toEqual(KINDS);
    expect(repair.stdout).toMatch(/^repair: 4 file\(s\) sealed in 1 day\(s\), \d+ torn bytes cut; 0 not repaired; 0 symbol\(s\) held by a live writer$/m);
    expect(existsSync(lockPath(dataDir))).toBe(false);
  });

  it('leaves no .open, every file whole gzip, and one repair row per sealed part', () => {
    expectWholeAndSealed(dataDir);
    const rows = repairRows(dataDir);
    expect(rows.map((d) => /^file=([a-z]+)_/.exec(d)?.[1]).sort()).toEqual(KINDS);
    for (const d of rows) expect(d).toMatch(/ cut_bytes=\d+ kept_bytes=\d+ rows_beyond_raw=\d+ /);
  });

  it('the day validates clean', async () => {
    await expectCleanDay(dataDir);
  });

  it('a second repair finds nothing to do', async () => {
    const again = await runCli(['repair', '--data-dir', dataDir], {}, 30_000);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`repair: nothing to repair under ${dataDir}\n`);
  });
});

describe('kill -9 during a recording, then a new record', () => {
  const dataDir = newDataDir();
  let killedPid = 0;
  let restarted: CliResult;

  beforeAll(async () => {
    const killed = await killedRecording(dataDir);
    expect(killed.signal).toBe('SIGKILL');
    killedPid = readLockHolder(lockPath(dataDir))!.pid;
    const rec = startCli(recordArgs(dataDir));
    // its own parts (part 1) are being written once the leftovers are sealed
    await until(() => gzFiles(dataDir).some((f) => /book_\w+_\d{8}\.0001\.csv\.gz\.open$/.test(f)) && openBookRows(dataDir) > 10, 30_000);
    rec.child.kill('SIGTERM');
    restarted = await rec.done;
  }, 90_000);

  it('the new recorder takes over the dead one\'s lock, repairs at start, and exits 0', () => {
    expect(restarted.code, restarted.stderr).toBe(0);
    expect(restarted.stderr).toContain('took over the lock of a writer that is gone');
    expect(restarted.stderr).toContain(`"pid":${killedPid}`);
    expect(existsSync(lockPath(dataDir))).toBe(false);
  });

  it('leaves no .open, every file whole gzip, the crashed parts ledgered as repaired', () => {
    expectWholeAndSealed(dataDir);
    expect(repairRows(dataDir).map((d) => /^file=([a-z]+)_/.exec(d)?.[1]).sort()).toEqual(KINDS);
    const runs = readKind(dataDir, 'binance', FS, 'events').rows.filter((r) => r[3] === 'run_start' || r[3] === 'run_stop').map((r) => r[3]);
    expect(runs).toEqual(['run_start', 'run_start', 'run_stop']);
  });

  it('the day validates clean', async () => {
    await expectCleanDay(dataDir);
  });
});
