// Crash safety (issue 3): `kill -9` the recorder mid-run and every file is readable up to its
// last flush with no partial row; a second run on the same data dir repairs the file(s) the kill
// cut mid-append, appends without repeating headers, and a SIGTERM leaves every file whole.
//
// While the first run is live the test keeps reading every file (complete members only, as any
// reader would). What it saw last is a lower bound of what had been flushed at the moment of the
// kill, so "readable up to its last flush" becomes: at least that many complete lines survive.
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { readCsv, readGzipLines } from '../src/storage/read.js';
import { parseRawLine } from '../src/storage/csv.js';
import { startCli, type CliResult } from './cli.js';
import { readLedger } from './ledger.js';

const SYMBOLS = [['BTC/USDT', 'BTCUSDT'], ['ETH/USDT', 'ETHUSDT']] as const;
const GZ_RE = /\.(csv|ndjson)\.gz$/;

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const gzFiles = (dataDir: string): string[] => walk(dataDir).filter((p) => GZ_RE.test(p) && !p.split('/').pop()!.startsWith('.')).sort();

function recordArgs(sim: SimHandle, dataDir: string): string[] {
  return [
    'record', '--venue', 'binance', '--symbols', SYMBOLS.map((s) => s[0]).join(','),
    '--ws-url', sim.wsUrl, '--rest-url', sim.restUrl, '--data-dir', dataDir,
    '--storage-flush-interval-s', '0.2', '--no-status', '--log-level', 'warn',
  ];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Reads every file until `ms` have passed; returns the most complete lines seen per file. */
async function watchFlushedLines(dataDir: string, ms: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  const end = Date.now() + ms;
  while (Date.now() < end) {
    for (const f of gzFiles(dataDir)) {
      const { lines } = await readGzipLines(f);
      if (lines.length > (seen.get(f) ?? 0)) seen.set(f, lines.length);
    }
    await sleep(50);
  }
  return seen;
}

/** Every complete line of a day file is a whole row: CSV rows match the header, raw lines parse. */
async function expectWholeRows(file: string): Promise<{ lines: string[]; truncated: boolean }> {
  const { lines, truncated } = await readGzipLines(file);
  if (file.endsWith('.ndjson.gz')) {
    for (const l of lines) expect(parseRawLine(l, 'binance'), `${file}: ${l.slice(0, 80)}`).toBeDefined();
  } else {
    const csv = await readCsv(file);
    expect(csv.header.length, file).toBeGreaterThan(2);
    for (const r of csv.rows) expect(r.length, `${file}: ${r.join(',').slice(0, 80)}`).toBe(csv.header.length);
  }
  return { lines, truncated };
}

describe('recorder crash safety', () => {
  let sim: SimHandle;
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-crash-'));
  let flushed = new Map<string, number>();
  /** Complete lines per file right after the kill. */
  const afterKill = new Map<string, string[]>();
  const tornByKill: string[] = [];
  const tornByTest: string[] = [];
  let killed: CliResult;
  let restarted: CliResult;

  beforeAll(async () => {
    sim = await startSim({ symbols: SYMBOLS.map((s) => s[1]), seed: 5, diffIntervalMs: 20 });
    const first = startCli(recordArgs(sim, dataDir));
    flushed = await watchFlushedLines(dataDir, 3000);
    first.child.kill('SIGKILL');
    killed = await first.done;
  }, 30_000);
  afterAll(async () => {
    await sim?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the first run really died of SIGKILL, with files open', () => {
    expect(killed.signal).toBe('SIGKILL');
    // the writers' open-file markers are still there: nothing got the chance to close cleanly
    expect(walk(dataDir).some((p) => p.endsWith('.writing'))).toBe(true);
  });

  it('every raw/CSV file is readable up to at least its last flush, with no partial row', async () => {
    const files = gzFiles(dataDir);
    const kinds = new Set(files.map((f) => f.split('/').pop()!.split('_')[0]));
    expect([...kinds].sort()).toEqual(['book', 'events', 'raw', 'trades']);
    expect(files.length).toBe(8);
    for (const f of files) {
      const { lines, truncated } = await expectWholeRows(f);
      const seenLive = flushed.get(f) ?? 0;
      expect(seenLive, `${relative(dataDir, f)} was being flushed while the recorder ran`).toBeGreaterThan(1);
      expect(lines.length, relative(dataDir, f)).toBeGreaterThanOrEqual(seenLive);
      afterKill.set(f, lines);
      if (truncated) tornByKill.push(f);
    }
  });

  it('every snapshot file is whole JSON, and every one the ledger names exists', async () => {
    let named = 0;
    for (const [, symbolFs] of SYMBOLS) {
      const { dayDir, rows } = await readSurvivingLedger(dataDir, symbolFs);
      for (const row of rows.filter((l) => l.kind === 'snapshot')) {
        const rel = /file=(\S+)/.exec(row.detail)?.[1];
        expect(rel, row.detail).toBeDefined();
        expect(existsSync(join(dayDir, rel!)), rel).toBe(true);
        named++;
      }
    }
    expect(named).toBeGreaterThan(0);
    const snaps = walk(dataDir).filter((p) => p.includes('/snapshots/'));
    const visible = snaps.filter((p) => /\/snapshot_\d+_[A-Za-z0-9_-]+\.json$/.test(p));
    expect(visible.length).toBeGreaterThan(0);
    for (const p of visible) expect(typeof JSON.parse(readFileSync(p, 'utf8')).lastUpdateId, p).toBe('number');
    // a temp file a kill interrupted may remain, but never under a snapshot's name
    for (const p of snaps) if (!visible.includes(p)) expect(p).toMatch(/\.tmp/);
  });

  describe('a second run on the same data dir, stopped with SIGTERM', () => {
    beforeAll(async () => {
      // A kill rarely lands inside an append; when it did not, tear one the way it would (half a
      // member after the last complete one, marker present) so the repair path always runs.
      if (tornByKill.length === 0) {
        const f = gzFiles(dataDir).find((p) => p.includes('/trades_'))!;
        const rows = Array.from({ length: 500 }, (_, i) => `${1_700_000_000_000_000 + i * 997},${(i * 7919) % 100_003}.5,0.${i},buy,${i},0\n`).join('');
        const member = gzipSync(rows);
        appendFileSync(f, member.subarray(0, Math.floor(member.length / 2)));
        tornByTest.push(f);
      }
      const second = startCli(recordArgs(sim, dataDir));
      await watchFlushedLines(dataDir, 2000);
      second.child.kill('SIGTERM');
      restarted = await second.done;
    }, 30_000);

    it('exits 0 and reports each repair it made', () => {
      expect(restarted.code, restarted.stderr).toBe(0);
      for (const f of [...tornByKill, ...tornByTest]) {
        expect(restarted.stderr).toContain(`${f}: cut `);
      }
    });

    it('leaves every file whole (gunzip of the entire file) and no open-file marker', () => {
      expect(walk(dataDir).filter((p) => p.endsWith('.writing'))).toEqual([]);
      for (const f of gzFiles(dataDir)) expect(() => gunzipSync(readFileSync(f)), f).not.toThrow();
    });

    it('kept what the crash left, appended after it, and never repeated a header', async () => {
      for (const f of gzFiles(dataDir)) {
        const before = afterKill.get(f);
        expect(before, `${f} appeared only in the second run`).toBeDefined();
        const text = gunzipSync(readFileSync(f)).toString('utf8');
        expect(text.endsWith('\n'), f).toBe(true);
        const lines = text.slice(0, -1).split('\n');
        expect(lines.slice(0, before!.length)).toEqual(before);
        expect(lines.length, `${f} grew in the second run`).toBeGreaterThan(before!.length);
        if (!f.endsWith('.ndjson.gz')) expect(lines.filter((l) => l === lines[0]).length, f).toBe(1);
        await expectWholeRows(f);
      }
    });

    it.each(SYMBOLS.map((s) => s[1]))('%s: the ledger shows both runs, only the second stopped', (symbolFs) => {
      const ledger = readLedger(dataDir, 'binance', symbolFs);
      expect(ledger.filter((l) => l.kind === 'run_start')).toHaveLength(2);
      const stops = ledger.filter((l) => l.kind === 'run_stop');
      expect(stops).toHaveLength(1);
      expect(stops[0].detail).toContain('SIGTERM');
      const ids = ledger.map((l) => l.eventId);
      expect(new Set(ids).size).toBe(ids.length);
    });
  });
});

/** The ledger as it stands after a kill: complete members only (the tolerant reader). */
async function readSurvivingLedger(dataDir: string, symbolFs: string): Promise<{ dayDir: string; rows: { kind: string; detail: string }[] }> {
  const dir = join(dataDir, 'binance', symbolFs);
  const day = readdirSync(dir).find((d) => /^\d{8}$/.test(d))!;
  const csv = await readCsv(join(dir, day, `events_${symbolFs}_${day}.csv.gz`));
  return { dayDir: join(dir, day), rows: csv.rows.map((r) => ({ kind: r[3], detail: r[5] ?? '' })) };
}
