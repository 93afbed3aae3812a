// Crash safety (issue 3): `kill -9` the recorder mid-run and every file is readable up to its
// last flush with no partial row; a second run on the same data dir repairs the parts the kill
// left open (cut back to their last complete member, renamed into place), writes its rows into
// new parts (a finished part is never appended to), and a SIGTERM leaves every file whole.
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
import { dataFileName, OPEN_SUFFIX } from '../src/storage/layout.js';
import { dayParts } from '../src/replay/raw.js';
import { parseRawLine } from '../src/storage/csv.js';
import { startCli, type CliResult } from './cli.js';
import { readCsvGz } from './ledger.js';
import { walkFiles } from './data-dir.js';

const SYMBOLS = [['BTC/USDT', 'BTCUSDT'], ['ETH/USDT', 'ETHUSDT']] as const;
const GZ_RE = /\.(csv|ndjson)\.gz(\.open)?$/;

const walk = walkFiles;

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
      // a part may be finished (renamed from .open) between listing and reading
      const lines = await readGzipLines(f).then((r) => r.lines, () => [] as string[]);
      if (lines.length > (seen.get(f) ?? 0)) seen.set(f, lines.length);
    }
    await sleep(50);
  }
  return seen;
}

/** Every complete line of a day file is a whole row: CSV rows match the header, raw lines parse. */
async function expectWholeRows(file: string): Promise<{ lines: string[]; truncated: boolean }> {
  const { lines, truncated } = await readGzipLines(file);
  if (/\.ndjson\.gz(\.open)?$/.test(file)) {
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
    // on a busy machine start-up alone can take seconds: watch once every file has had a flush
    const start = Date.now();
    while (gzFiles(dataDir).filter((f) => f.endsWith('.open')).length < SYMBOLS.length * 4 && Date.now() - start < 20_000) await sleep(100);
    flushed = await watchFlushedLines(dataDir, 2000);
    first.child.kill('SIGKILL');
    killed = await first.done;
  }, 45_000);
  afterAll(async () => {
    await sim?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the first run really died of SIGKILL, with files open', () => {
    expect(killed.signal).toBe('SIGKILL');
    // every part is still under its `.open` name: nothing got the chance to finish
    const files = gzFiles(dataDir);
    expect(files.length).toBe(8);
    expect(files.every((p) => p.endsWith(OPEN_SUFFIX))).toBe(true);
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
        const f = gzFiles(dataDir).find((p) => p.includes('/trades_') && p.endsWith(OPEN_SUFFIX))!;
        const rows = Array.from({ length: 500 }, (_, i) => `${1_700_000_000_000_000 + i * 997},${(i * 7919) % 100_003}.5,0.${i},buy,${i},0\n`).join('');
        const member = gzipSync(rows);
        appendFileSync(f, member.subarray(0, Math.floor(member.length / 2)));
        tornByTest.push(f);
      }
      const second = startCli(recordArgs(sim, dataDir));
      // as for the first run: stop it once each of its 8 new parts has had a flush (part 0 + part 1)
      const start = Date.now();
      while (gzFiles(dataDir).length < SYMBOLS.length * 4 * 2 && Date.now() - start < 20_000) await sleep(100);
      await watchFlushedLines(dataDir, 1000);
      second.child.kill('SIGTERM');
      restarted = await second.done;
    }, 45_000);

    it('exits 0 and reports each repair it made', () => {
      expect(restarted.code, restarted.stderr).toBe(0);
      for (const f of [...tornByKill, ...tornByTest]) {
        expect(restarted.stderr).toContain(`${f}: cut `);
      }
    });

    it('leaves every file whole (gunzip of the entire file), finished under its final name', () => {
      expect(walk(dataDir).filter((p) => p.endsWith('.writing') || p.endsWith(OPEN_SUFFIX))).toEqual([]);
      for (const f of gzFiles(dataDir)) expect(() => gunzipSync(readFileSync(f)), f).not.toThrow();
    });

    it('kept exactly what the crash left as part 0, and wrote the second run into part 1', async () => {
      expect(gzFiles(dataDir)).toHaveLength(16);
      for (const [open, before] of afterKill) {
        const finished = open.slice(0, -OPEN_SUFFIX.length);
        const text = gunzipSync(readFileSync(finished)).toString('utf8');
        expect(text.endsWith('\n'), finished).toBe(true);
        const name = finished.split('/').pop()!;
        const lines = text.slice(0, -1).split('\n');
        if (name.startsWith('events_')) {
          // after what the crash left, the repair's ledger: one row per part of the crashed run
          expect(lines.slice(0, before.length), finished).toEqual(before);
          expect(lines.slice(before.length).map((l) => l.split(',')[3]), finished).toEqual(['repair', 'repair', 'repair', 'repair']);
        } else {
          // rows whose raw frames a kill between two appends lost are cut, and counted in the ledger
          expect(lines, finished).toEqual(before.slice(0, lines.length));
          expect(before.length - lines.length, finished).toBe(rowsBeyondRaw(dataDir, name));
        }
        const [kind, symbolFs, dayExt] = name.split('_');
        const day = dayExt.slice(0, 8);
        const next = join(finished, '..', dataFileName(kind as 'raw', symbolFs.replace('USDT', '/USDT'), day, 1));
        const second = (await expectWholeRows(next)).lines;
        expect(second.length, `${next} holds the second run`).toBeGreaterThan(1);
        // each part has its own header, once
        if (!next.endsWith('.ndjson.gz')) expect(second.filter((l) => l === second[0]).length, next).toBe(1);
      }
    });

    it.each(SYMBOLS.map((s) => s[1]))('%s: the ledger (both parts) shows both runs, only the second stopped', (symbolFs) => {
      const ledger = readLedgerParts(dataDir, symbolFs);
      expect(ledger.filter((l) => l.kind === 'run_start')).toHaveLength(2);
      const stops = ledger.filter((l) => l.kind === 'run_stop');
      expect(stops).toHaveLength(1);
      expect(stops[0].detail).toContain('SIGTERM');
      const ids = ledger.map((l) => l.eventId);
      expect(new Set(ids).size).toBe(ids.length);
    });
  });
});

/** The ledger as it stands after a kill: complete members only (the tolerant reader), every part. */
async function readSurvivingLedger(dataDir: string, symbolFs: string): Promise<{ dayDir: string; rows: { kind: string; detail: string }[] }> {
  const dir = join(dataDir, 'binance', symbolFs);
  const day = readdirSync(dir).find((d) => /^\d{8}$/.test(d))!;
  const rows: { kind: string; detail: string }[] = [];
  for (const part of dayParts(join(dir, day), 'events', symbolFs, day)) {
    for (const r of (await readCsv(part)).rows) rows.push({ kind: r[3], detail: r[5] ?? '' });
  }
  return { dayDir: join(dir, day), rows };
}

/** rows_beyond_raw of the `repair` ledger row naming `file` (0 when none names it). */
function rowsBeyondRaw(dataDir: string, file: string): number {
  const row = readLedgerParts(dataDir, file.split('_')[1]).find((l) => l.kind === 'repair' && l.detail.startsWith(`file=${file} `));
  return Number(/rows_beyond_raw=(\d+)/.exec(row?.detail ?? '')?.[1] ?? 0);
}

/** Every events row of every day and part, in order. */
function readLedgerParts(dataDir: string, symbolFs: string): { eventId: number; kind: string; detail: string }[] {
  const dir = join(dataDir, 'binance', symbolFs);
  const out: { eventId: number; kind: string; detail: string }[] = [];
  for (const day of readdirSync(dir).filter((d) => /^\d{8}$/.test(d)).sort()) {
    for (const part of dayParts(join(dir, day), 'events', symbolFs, day)) {
      for (const r of readCsvGz(part).rows) out.push({ eventId: Number(r[0]), kind: r[3], detail: r[5] ?? '' });
    }
  }
  return out;
}
