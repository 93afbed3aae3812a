// Disk full, for real: the recorder's SymbolStore writes into a 256 KiB tmpfs, the disk is filled
// up, rows go on arriving, then space is freed. Finished parts must stay whole throughout, the
// open part readable up to its last complete member, memory bounded (the oldest rows beyond the
// budget dropped and counted), writing must resume by itself, and the drop must be in the ledger
// as a storage_gap. Where tmpfs cannot be mounted (not root), the same run goes through the
// writer's open-file seam with handles that fail with ENOSPC.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Trade } from '../src/core/events.js';
import type { MarketfeedError } from '../src/core/errors.js';
import type { OpenFile } from '../src/storage/gzip-writer.js';
import { dayPaths, partsOf } from '../src/storage/layout.js';
import { readCsv, readGzipLines } from '../src/storage/read.js';
import { SymbolStore } from '../src/storage/symbol-store.js';

const DAY = Date.UTC(2024, 0, 1) * 1000;
const mount = mkdtempSync(join(tmpdir(), 'mf-diskfull-'));
let tmpfs = false;
/** Seam mode only: whether writes fail. */
let full = false;

function tryMount(): boolean {
  if (process.env.MF_DISKFULL_SEAM === '1') return false; // to run the seam path where tmpfs works
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mount], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const enospc = (): NodeJS.ErrnoException => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
/** Seam: a real handle whose writes fail while `full` (and which fails to open a new file then). */
const failingOpen: OpenFile = async (path) => {
  if (full) throw enospc();
  const fh = await open(path, 'a+');
  return new Proxy(fh, {
    get(target, prop, receiver) {
      if (prop === 'write') return (...args: unknown[]) => (full ? Promise.reject(enospc()) : (target.write as (...a: unknown[]) => unknown)(...args));
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as FileHandle;
};

const FILLER = join(mount, 'filler');
function fillDisk(): void {
  if (!tmpfs) {
    full = true;
    return;
  }
  const chunk = Buffer.alloc(4096, 7);
  let written = 0;
  try {
    for (;;) {
      writeFileSync(FILLER, chunk, { flag: 'a' });
      written += chunk.length;
    }
  } catch (e) {
    expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
  }
  expect(written).toBeGreaterThan(0);
}
function freeDisk(): void {
  if (!tmpfs) full = false;
  else unlinkSync(FILLER);
}

const trade = (i: number): Trade => ({
  type: 'trade', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: DAY + i * 1000, localTs: DAY + i * 1000 + 7,
  id: String(i), price: `42${String(i % 1000).padStart(3, '0')}.25`, amount: `0.${(i * 7919) % 100_000}`, side: i % 2 ? 'sell' : 'buy',
});

describe('disk full', () => {
  const errors: MarketfeedError[] = [];
  let store: SymbolStore;
  const dataDir = join(mount, 'data');
  const paths = dayPaths(dataDir, 'binance', 'BTC/USDT', '20240101');
  let next = 0;
  const write = (n: number): void => {
    for (let k = 0; k < n; k++, next++) store.trade(trade(next));
  };
  const parts = (): string[] => partsOf(readdirSync(paths.dir), 'trades', 'BTCUSDT', '20240101').map((p) => join(paths.dir, p.name));
  const finishedParts = (): string[] => parts().filter((p) => !p.endsWith('.open'));
  let droppedWhileFull = 0;

  beforeAll(() => {
    tmpfs = tryMount();
    store = new SymbolStore({
      dataDir, venueLabel: 'binance', symbol: 'BTC/USDT', depth: 1,
      outputs: { raw: false, trades: true, book: false, events: true },
      rotation: { maxRows: 500, maxBytes: 0, rotateEveryUs: 0 },
      maxPendingBytes: 16 * 1024,
      openFile: tmpfs ? undefined : failingOpen,
      onError: (e) => errors.push(e),
    });
  });
  afterAll(() => {
    if (tmpfs) execFileSync('umount', [mount]);
    rmSync(mount, { recursive: true, force: true });
  });

  it('writes normally at first: some parts finished', async () => {
    console.info(`disk full via ${tmpfs ? 'a 256 KiB tmpfs' : 'the open-file seam'}`);
    store.ledger('run_start', undefined, 'disk-full test', DAY, DAY);
    for (let i = 0; i < 12; i++) {
      write(100);
      await store.flush();
    }
    await new Promise((r) => setTimeout(r, 50)); // let the finished parts' renames land
    expect(errors).toEqual([]);
    expect(finishedParts().length).toBe(2);
  });

  it('with the disk full: errors with path and cause, rows buffered up to the budget, the oldest dropped and counted', async () => {
    fillDisk();
    const before = finishedParts().map((p) => [p, readFileSync(p)] as const);
    for (let i = 0; i < 20; i++) {
      write(100);
      await store.flush();
    }
    const failed = errors.filter((e) => e.code === 'MF_ERR_WRITE_FAILED');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0].path).toMatch(/_BTCUSDT_20240101(\.\d{4})?\.csv\.gz\.open$/);
    expect(failed[0].message).toContain('ENOSPC');
    const st = store.stats;
    expect(st.writeErrors).toBeGreaterThan(0);
    expect(st.droppedRows).toBeGreaterThan(0);
    expect(st.pendingBytes).toBeLessThanOrEqual(3 * 16 * 1024); // bounded: budget per file, ≤ 2 files + a closing part
    droppedWhileFull = st.droppedRows;
    // finished parts untouched and whole; open parts readable up to their last complete member
    for (const [p, bytes] of before) expect(readFileSync(p).equals(bytes), p).toBe(true);
    for (const p of finishedParts()) expect(() => gunzipSync(readFileSync(p)), p).not.toThrow();
    for (const p of parts().filter((x) => x.endsWith('.open'))) {
      const r = await readGzipLines(p);
      expect(r.truncated, p).toBe(false);
    }
  });

  it('resumes by itself once space is free, and ledgers the drop as a storage_gap', async () => {
    freeDisk();
    write(50);
    await store.flush();
    await store.flush();
    await store.close();
    const all: string[][] = [];
    for (const p of parts()) {
      expect(p.endsWith('.open'), p).toBe(false);
      expect(() => gunzipSync(readFileSync(p)), p).not.toThrow();
      all.push(...(await readCsv(p)).rows);
    }
    const ids = all.map((r) => Number(r[4]));
    const dropped = store.stats.droppedRows;
    expect(dropped).toBeGreaterThanOrEqual(droppedWhileFull);
    expect(ids.length).toBe(next - dropped);
    // what survived is in order, each row exactly once
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]);
    const ledger = partsOf(readdirSync(paths.dir), 'events', 'BTCUSDT', '20240101').map((p) => join(paths.dir, p.name));
    const rows = (await Promise.all(ledger.map((p) => readCsv(p)))).flatMap((c) => c.rows);
    const gaps = rows.filter((r) => r[3] === 'storage_gap');
    expect(gaps.length).toBeGreaterThan(0);
    const total = gaps.reduce((n, r) => n + Number(/dropped_rows=(\d+)/.exec(r[5])![1]), 0);
    expect(total).toBe(dropped);
    expect(gaps[0][5]).toContain('file=trades');
  });
});
