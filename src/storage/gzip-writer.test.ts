import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, open, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { MarketfeedError } from '../core/errors.js';
import { GzipLineWriter, type OpenFile } from './gzip-writer.js';
import { readGzipLines } from './read.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mf-gzw-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const HEADER = 'a,b\n';
const rows = (from: number, n: number): string[] => Array.from({ length: n }, (_, i) => `${from + i},x${from + i}`);
const text = (path: string): string => gunzipSync(readFileSync(path)).toString('utf8');
const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

function writer(path: string, extra: Partial<ConstructorParameters<typeof GzipLineWriter>[0]> = {}) {
  const errors: MarketfeedError[] = [];
  const w = new GzipLineWriter({ path, header: HEADER, onError: (e) => errors.push(e), ...extra });
  return { w, errors };
}

describe('GzipLineWriter', () => {
  it('appends one complete gzip member per flush; the file is readable after each', async () => {
    const path = join(dir, 'sub', 'f.csv.gz');
    const { w, errors } = writer(path);
    for (const r of rows(1, 3)) w.write(r);
    expect(existsSync(path)).toBe(false); // write() never touches the disk
    await w.flush();
    expect(text(path)).toBe(HEADER + '1,x1\n2,x2\n3,x3\n');
    const firstSize = readFileSync(path).length;

    for (const r of rows(4, 2)) w.write(r + '\n'); // a trailing newline is not doubled
    await w.flush();
    await w.flush(); // nothing pending: no empty member
    expect(text(path)).toBe(HEADER + '1,x1\n2,x2\n3,x3\n4,x4\n5,x5\n');
    expect(readFileSync(path).subarray(0, firstSize)).toEqual(gzipSync(HEADER + '1,x1\n2,x2\n3,x3\n'));

    const read = await readGzipLines(path);
    expect(read).toMatchObject({ members: 2, truncated: false });
    expect(read.lines).toEqual(['a,b', ...rows(1, 5)]);
    expect(w.stats).toMatchObject({ rows: 5, rowsWritten: 5, flushes: 2, errors: 0, droppedRows: 0, pendingBytes: 0 });
    expect(w.stats.bytesOut).toBe(readFileSync(path).length);
    expect(await w.close()).toEqual({ path, finished: false, rows: 5, bytes: readFileSync(path).length });
    expect(errors).toEqual([]);
  });

  it('serializes flushes: rows written during a flush land in the next member, in order', async () => {
    const path = join(dir, 'f.csv.gz');
    const { w } = writer(path);
    const flushes: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      w.write(`${i},r`);
      flushes.push(w.flush());
    }
    await Promise.all(flushes);
    const read = await readGzipLines(path);
    expect(read.lines).toEqual(['a,b', ...Array.from({ length: 20 }, (_, i) => `${i},r`)]);
    expect(read.members).toBe(w.stats.flushes);
    await w.close();
  });

  it('appends to an existing file without repeating the header', async () => {
    const path = join(dir, 'f.csv.gz');
    const a = writer(path).w;
    for (const r of rows(1, 2)) a.write(r);
    await a.close();
    const b = writer(path).w;
    for (const r of rows(3, 2)) b.write(r);
    expect(await b.close()).toMatchObject({ rows: 2 });
    expect(text(path)).toBe(HEADER + '1,x1\n2,x2\n3,x3\n4,x4\n');
  });

  it('writes the header when the existing file is empty', async () => {
    const path = join(dir, 'f.csv.gz');
    writeFileSync(path, '');
    const { w } = writer(path);
    w.write('1,x1');
    await w.close();
    expect(text(path)).toBe(HEADER + '1,x1\n');
  });

  it('keeps earlier members readable when a crash leaves half a member, and repairs on reopen', async () => {
    const path = join(dir, 'f.csv.gz');
    const crashed = writer(path).w;
    for (const r of rows(1, 3)) crashed.write(r);
    await crashed.flush();
    crashed.write('4,x4');
    await crashed.flush();
    await crashed.close();
    // As after kill -9 mid-append: the marker is still there and half a member ends the file.
    writeFileSync(join(dir, '.f.csv.gz.writing'), '1\n');
    const half = gzipSync('5,x5\n6,x6\n');
    appendFileSync(path, half.subarray(0, half.length - 5));

    expect(() => gunzipSync(readFileSync(path))).toThrow();
    const read = await readGzipLines(path);
    expect(read).toMatchObject({ truncated: true, members: 2 });
    expect(read.lines).toEqual(['a,b', ...rows(1, 4)]);

    const repairs: number[] = [];
    const { w, errors } = writer(path, { onRepair: (info) => repairs.push(info.droppedBytes) });
    w.write('7,x7');
    await w.close();
    expect(repairs).toEqual([half.length - 5]);
    expect(errors).toEqual([]);
    expect(text(path)).toBe(HEADER + '1,x1\n2,x2\n3,x3\n4,x4\n7,x7\n'); // valid gzip again, header once
    expect(existsSync(join(dir, '.f.csv.gz.writing'))).toBe(false);
  });

  it('reports a failing open, keeps the rows and writes them once the problem clears', async () => {
    const path = join(dir, 'f.csv.gz');
    let failures = 2;
    const openFile: OpenFile = (p) => (failures-- > 0 ? Promise.reject(errno('EACCES')) : open(p, 'a+'));
    const { w, errors } = writer(path, { openFile });
    w.write('1,x1');
    await w.flush();
    w.write('2,x2');
    await w.flush();
    expect(errors.map((e) => e.code)).toEqual(['MF_ERR_WRITE_FAILED', 'MF_ERR_WRITE_FAILED']);
    expect(errors[0].path).toBe(path);
    expect((errors[0].cause as NodeJS.ErrnoException).code).toBe('EACCES');
    expect(errors[0].message).toContain('EACCES');
    expect(w.stats).toMatchObject({ errors: 2, rowsWritten: 0, droppedRows: 0, pendingBytes: 10 });

    w.write('3,x3');
    await w.flush();
    expect(text(path)).toBe(HEADER + '1,x1\n2,x2\n3,x3\n');
    expect(w.stats).toMatchObject({ rowsWritten: 3, flushes: 1, pendingBytes: 0 });
    await w.close();
  });

  it('cuts a half-written member back off when an append fails midway (ENOSPC)', async () => {
    const path = join(dir, 'f.csv.gz');
    let failNext = false;
    const openFile: OpenFile = async (p) => {
      const fh = await open(p, 'a+');
      const realWrite = fh.write.bind(fh) as (b: Buffer, o: number, l: number, pos: null) => Promise<{ bytesWritten: number }>;
      return new Proxy(fh, {
        get(target, prop) {
          if (prop !== 'write') {
            const v = Reflect.get(target, prop, target) as unknown;
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          }
          return async (b: Buffer, o: number, l: number, pos: null) => {
            if (!failNext) return realWrite(b, o, l, pos);
            failNext = false;
            await realWrite(b, o, Math.floor(l / 2), pos); // half the member reaches the disk …
            throw errno('ENOSPC'); // … then the disk is full
          };
        },
      }) as FileHandle;
    };
    const { w, errors } = writer(path, { openFile });
    w.write('1,x1');
    await w.flush();
    const goodSize = readFileSync(path).length;
    failNext = true;
    w.write('2,x2');
    await w.flush();
    expect(errors).toHaveLength(1);
    expect((errors[0].cause as NodeJS.ErrnoException).code).toBe('ENOSPC');
    expect(readFileSync(path).length).toBe(goodSize); // never corrupt what was written
    expect(text(path)).toBe(HEADER + '1,x1\n');
    w.write('3,x3');
    await w.close();
    expect(text(path)).toBe(HEADER + '1,x1\n2,x2\n3,x3\n');
  });

  it('drops the OLDEST pending rows beyond maxPendingBytes and counts them', async () => {
    const path = join(dir, 'f.csv.gz');
    let broken = true;
    const openFile: OpenFile = (p) => (broken ? Promise.reject(errno('ENOSPC')) : open(p, 'a+'));
    // Rows are 'NNNN\n' = 5 bytes; a budget of 20 holds 4 rows.
    const { w, errors } = writer(path, { openFile, maxPendingBytes: 20 });
    for (let i = 1000; i < 1006; i++) w.write(String(i));
    expect(w.stats).toMatchObject({ droppedRows: 2, pendingBytes: 20 });
    await w.flush(); // fails; the 4 rows go back
    for (let i = 1006; i < 1009; i++) w.write(String(i));
    await w.flush(); // fails again; only the newest 4 of 7 fit
    expect(w.stats).toMatchObject({ droppedRows: 5, pendingBytes: 20, errors: 2 });
    broken = false;
    await w.close();
    expect(text(path)).toBe(HEADER + '1005\n1006\n1007\n1008\n');
    expect(errors).toHaveLength(2);
    expect(w.stats).toMatchObject({ rows: 9, rowsWritten: 4, droppedRows: 5 });
  });

  it('stays bounded and in order over many drops', () => {
    const { w } = writer(join(dir, 'never.csv.gz'), { maxPendingBytes: 100 * 7 });
    for (let i = 0; i < 100_000; i++) w.write(String(100000 + i)); // 7 bytes a row
    expect(w.stats.pendingBytes).toBe(700);
    expect(w.stats.droppedRows).toBe(100_000 - 100);
  });

  it('recreates a day directory that vanished, and reports a parent that became a file', async () => {
    const day = join(dir, 'day');
    const path = join(day, 'f.csv.gz');
    const { w, errors } = writer(path);
    w.write('1,x1');
    await w.flush();
    rmSync(day, { recursive: true });
    w.write('2,x2');
    await w.flush(); // the old handle points at a deleted inode: reopened, not written into the void
    expect(text(path)).toBe(HEADER + '2,x2\n');

    rmSync(day, { recursive: true });
    writeFileSync(day, 'not a directory');
    w.write('3,x3');
    await w.flush();
    expect(errors).toHaveLength(1);
    expect(errors[0].code).toBe('MF_ERR_WRITE_FAILED');
    rmSync(day);
    mkdirSync(day);
    await w.close();
    expect(text(path)).toBe(HEADER + '3,x3\n');
    expect(w.stats).toMatchObject({ rows: 3, rowsWritten: 3, droppedRows: 0 });
  });

  it('close() is idempotent, removes its marker, and counts rows written after it', async () => {
    const path = join(dir, 'f.csv.gz');
    const { w } = writer(path);
    w.write('1,x1');
    const [a, b] = await Promise.all([w.close(), w.close()]);
    expect(a).toBe(b);
    expect(await w.close()).toBe(a);
    expect(existsSync(join(dir, '.f.csv.gz.writing'))).toBe(false);
    w.write('2,x2');
    expect(w.stats.droppedRows).toBe(1);
    expect(text(path)).toBe(HEADER + '1,x1\n');
  });

  it('counts and reports rows it still cannot write at close', async () => {
    const openFile: OpenFile = () => Promise.reject(errno('EROFS'));
    const { w, errors } = writer(join(dir, 'f.csv.gz'), { openFile });
    w.write('1,x1');
    w.write('2,x2');
    expect(await w.close()).toMatchObject({ rows: 0, bytes: 0 });
    expect(w.stats).toMatchObject({ droppedRows: 2, pendingBytes: 0 });
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('EROFS'), expect.stringContaining('2 rows that could not be written')]);
  });

  it('creates no file when nothing was written', async () => {
    const path = join(dir, 'f.csv.gz');
    const { w } = writer(path);
    expect(await w.close()).toEqual({ path, finished: false, rows: 0, bytes: 0 });
    expect(existsSync(path)).toBe(false);
  });
});
