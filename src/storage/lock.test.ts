import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { isMarketfeedError } from '../core/errors.js';
import { acquireLock, holderIsGone, LOCK_FILE, lockSymbol, readLockHolder, symbolLockPath, type LockHolder } from './lock.js';

const root = mkdtempSync(join(tmpdir(), 'mf-lock-'));
let n = 0;
const freshLock = (): string => join(root, `sym${++n}`, LOCK_FILE);

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function holderText(h: Partial<LockHolder>): string {
  return JSON.stringify({ pid: 1, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', command: 'record', token: 'x', ...h }) + '\n';
}

/** A live process of ours that the tests can name as a holder. */
function liveChild(): ChildProcess {
  const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  children.push(c);
  return c;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const c = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((r) => c.on('exit', r));
  return c.pid!;
}

function lockError(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    expect(isMarketfeedError(e, 'MF_ERR_LOCKED'), String(e)).toBe(true);
    return e as Error;
  }
  throw new Error('expected MF_ERR_LOCKED');
}

describe('writer lock', () => {
  it('is a file naming this process while held, gone once released', () => {
    const path = freshLock();
    const lock = acquireLock(path, 'record');
    const h = readLockHolder(path)!;
    expect(h).toMatchObject({ pid: process.pid, host: hostname(), command: 'record' });
    expect(Date.parse(h.startedAt)).toBeGreaterThan(0);
    expect(lock.intact).toBe(true);
    expect(lock.tookOver).toBeUndefined();
    lock.release();
    expect(existsSync(path)).toBe(false);
    expect(lock.intact).toBe(false);
    // no temp file is left beside it
    expect(readdirSync(join(path, '..'))).toEqual([]);
  });

  it('is counted within one process: released when every holder let go', () => {
    const path = freshLock();
    const a = acquireLock(path);
    const b = acquireLock(path);
    a.release();
    a.release(); // a second release of the same acquisition does not count
    expect(existsSync(path)).toBe(true);
    b.release();
    expect(existsSync(path)).toBe(false);
  });

  it('lives at <dataDir>/<venue>/<SYMBOL_FS>/.lock, with names checked as the layout does', () => {
    expect(symbolLockPath('/d', 'binance', 'BTC/USDT')).toBe('/d/binance/BTCUSDT/.lock');
    expect(() => symbolLockPath('/d', '../x', 'BTC/USDT')).toThrow(/MF_ERR_CONFIG/);
    const lock = lockSymbol(root, 'sim-binance', 'ETH/USDT');
    expect(existsSync(join(root, 'sim-binance', 'ETHUSDT', '.lock'))).toBe(true);
    lock.release();
  });

  it('refuses while a live process on this host holds it, naming its pid, and leaves its lock alone', async () => {
    const path = freshLock();
    const c = liveChild();
    await new Promise((r) => c.once('spawn', r));
    plant(path, holderText({ pid: c.pid }));
    const e = lockError(() => acquireLock(path));
    expect(e.message).toContain(`pid ${c.pid} on this host (record, since 2026-01-01T00:00:00.000Z)`);
    expect(e.message).not.toContain('\n');
    expect(readFileSync(path, 'utf8')).toBe(holderText({ pid: c.pid }));
  });

  it('takes over a lock whose process is gone, and says whose it was', async () => {
    const path = freshLock();
    const pid = await deadPid();
    plant(path, holderText({ pid }));
    expect(holderIsGone(readLockHolder(path)!)).toBe(true);
    const lock = acquireLock(path);
    expect(lock.tookOver?.pid).toBe(pid);
    expect(readLockHolder(path)?.pid).toBe(process.pid);
    lock.release();
    expect(readdirSync(join(path, '..'))).toEqual([]);
  });

  it.each([
    ['an earlier boot', { bootId: 'not-this-boot' }],
    ['a pid now used by a younger process', { procStart: '1' }],
  ])('takes over a lock from %s', async (_what, extra) => {
    if (!existsSync('/proc/self/stat')) return; // both checks read /proc
    const path = freshLock();
    const c = liveChild();
    await new Promise((r) => c.once('spawn', r));
    plant(path, holderText({ pid: c.pid, ...extra }));
    const lock = acquireLock(path);
    expect(lock.tookOver?.pid).toBe(c.pid);
    lock.release();
  });

  it('never takes over a lock from another host', () => {
    const path = freshLock();
    plant(path, holderText({ pid: process.pid, host: 'elsewhere.example' }));
    const e = lockError(() => acquireLock(path));
    expect(e.message).toContain(`pid ${process.pid} on host elsewhere.example`);
    expect(e.message).toContain(`remove ${path} by hand`);
    expect(readLockHolder(path)?.host).toBe('elsewhere.example');
  });

  it('refuses a lock file it cannot read rather than guess', () => {
    const path = freshLock();
    plant(path, 'garbage');
    const e = lockError(() => acquireLock(path));
    expect(e.message).toContain('does not name a holder');
    expect(readFileSync(path, 'utf8')).toBe('garbage');
  });

  it('a directory it cannot create is MF_ERR_WRITE_FAILED', () => {
    const file = join(root, `plain${++n}`);
    writeFileSync(file, 'x');
    expect(() => acquireLock(join(file, 'sub', LOCK_FILE))).toThrow(/MF_ERR_WRITE_FAILED/);
  });
});

const DIST_LOCK = fileURLToPath(new URL('../../dist/storage/lock.js', import.meta.url));

describe('writer lock, contended by processes', () => {
  // Each contender waits for a `go` file, then tries once, reports, and holds what it got until
  // `done` appears, so a winner cannot release and let a slower contender win too.
  const script = `
    const { existsSync } = await import('node:fs');
    const { acquireLock } = await import(${JSON.stringify(DIST_LOCK)});
    const [path, go, done] = process.argv.slice(1);
    console.log('ready');
    while (!existsSync(go)) await new Promise((r) => setTimeout(r, 1));
    try { acquireLock(path, 'race'); console.log('won'); } catch (e) { console.log(e.code ?? e.message); }
    while (!existsSync(done)) await new Promise((r) => setTimeout(r, 5));
  `;

  it.each([['free'], ['stale']])('exactly one of 4 processes racing for a %s lock gets it', async (state) => {
    if (!existsSync(DIST_LOCK)) throw new Error(`${DIST_LOCK} is missing: run "npm run build" first (npm test does)`);
    const path = freshLock();
    if (state === 'stale') plant(path, holderText({ pid: await deadPid() }));
    else plant(path, undefined);
    const go = join(path, '..', 'go');
    const done = join(path, '..', 'done');
    const outs = Array.from({ length: 4 }, () => {
      const c = spawn(process.execPath, ['--input-type=module', '-e', script, path, go, done], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(c);
      let out = '';
      c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      return { c, out: () => out.replace('ready', '').trim(), ready: () => out.startsWith('ready'), exited: new Promise((r) => c.on('exit', r)) };
    });
    // every contender is running and polling before the start
    while (!outs.every((o) => o.ready())) await new Promise((r) => setTimeout(r, 10));
    writeFileSync(go, '');
    while (outs.some((o) => o.out() === '')) await new Promise((r) => setTimeout(r, 10));
    const results = outs.map((o) => o.out()).sort();
    writeFileSync(done, '');
    await Promise.all(outs.map((o) => o.exited));
    expect(results).toEqual(['MF_ERR_LOCKED', 'MF_ERR_LOCKED', 'MF_ERR_LOCKED', 'won']);
    // the winner released it on exit; no temp or set-aside file is left
    expect(readdirSync(join(path, '..')).filter((f) => f.startsWith('.lock'))).toEqual([]);
  }, 30_000);
});

/** Puts a lock file in place (or only its directory, for `undefined`). */
function plant(path: string, text: string | undefined): void {
  const dir = join(path, '..');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (text !== undefined) writeFileSync(path, text);
}
