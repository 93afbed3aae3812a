// One writer per file. Every process that writes a symbol's day files (record, replay --out-dir,
// sink --data-dir, history, repair) first holds the lock of `<dataDir>/<venue>/<SYMBOL_FS>/`: the
// file `.lock` there, holding the writer's pid, host and start time as JSON. Two recorders on one
// symbol would otherwise interleave their parts and ledgers into a day no replay can reproduce.
//
// Taking it: the JSON is written to a temp file, fsynced, and hard-linked to `.lock`. link(2)
// fails with EEXIST when the name exists, like O_EXCL, but the name never appears half-written,
// so a reader can always tell a holder from garbage. (Where hard links are refused, O_EXCL is used.)
//
// A lock whose holder is gone is taken over: same host and either no process with that pid
// (kill(pid, 0) gives ESRCH), a pid now used by a younger process (/proc start time), a previous
// boot (/proc boot id), or our own pid, which no live writer can have. The stale file is renamed
// to a private name, and only when what was moved is the very holder judged dead is it removed;
// then every contender races again on link(2), which exactly one wins. Had a faster process
// already replaced the stale lock with its own, the move is undone. (What remains is a
// three-way race within that undo window, on a lock whose holder died; not worth more files.)
// A lock from another host is never taken over: its pid means nothing here.
//
// Locks are counted per process: the same path taken twice in one process is one lock, released
// when both are. They are released on clean exit (process 'exit') and on SIGINT/SIGTERM/SIGHUP
// when nobody else handles those; `kill -9` leaves a stale lock for the next writer to take over.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { MarketfeedError } from '../core/errors.js';
import { symbolDirName, venueLabelFs } from './layout.js';

/** The lock of a symbol directory: every writer of its day files takes it. */
export const LOCK_FILE = '.lock';

/** What a lock file says about its holder. */
export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  startedAt: string;
  /** What holds it: `record`, `replay`, `sink`, `history`, `repair` … */
  command: string;
  /** Linux: /proc/sys/kernel/random/boot_id (a lock from an earlier boot is stale). */
  bootId?: string;
  /** Linux: the holder's start time in clock ticks since boot (a reused pid shows another). */
  procStart?: string;
  /** Tells this holder from any other with the same pid. */
  token: string;
}

interface Held {
  text: string;
  refs: number;
}

const held = new Map<string, Held>();
const MAX_ROUNDS = 8;
const HOST = hostname();
const BOOT_ID = readTrimmed('/proc/sys/kernel/random/boot_id');

/** One acquisition of a lock; release() once (later calls do nothing). */
export class WriterLock {
  private released = false;

  constructor(
    /** Absolute path of the lock file. */
    readonly path: string,
    /** The dead holder whose stale lock this acquisition took over, if any. */
    readonly tookOver: LockHolder | undefined,
  ) {}

  /** Whether the lock file still names this process (false after release or if someone removed it). */
  get intact(): boolean {
    const h = held.get(this.path);
    return !this.released && h !== undefined && readTrimmed(this.path) === h.text.trim();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    const h = held.get(this.path);
    if (h === undefined || --h.refs > 0) return;
    held.delete(this.path);
    removeIfOurs(this.path, h.text);
  }
}

/** `<dataDir>/<venueLabel>/<SYMBOL_FS>/<name>`; the names are validated as layout.ts does. */
export function symbolLockPath(dataDir: string, venueLabel: string, symbol: string, name = LOCK_FILE): string {
  return join(dataDir, venueLabelFs(venueLabel), symbolDirName(symbol), name);
}

/** The lock of one (data dir, venue, symbol); throws MF_ERR_LOCKED while another process holds it. */
export function lockSymbol(dataDir: string, venueLabel: string, symbol: string, opts: { name?: string; command?: string } = {}): WriterLock {
  return acquireLock(symbolLockPath(dataDir, venueLabel, symbol, opts.name), opts.command);
}

/**
 * Takes the lock file at `path` (creating its directory), synchronously, so callers can take it
 * before they open anything. Throws MF_ERR_LOCKED when a live process holds it, and
 * MF_ERR_WRITE_FAILED when the directory cannot be written.
 */
export function acquireLock(path: string, command = defaultCommand()): WriterLock {
  const key = resolve(path);
  const mine = held.get(key);
  if (mine !== undefined) {
    mine.refs++;
    return new WriterLock(key, undefined);
  }
  const token = randomBytes(8).toString('hex');
  const holder: LockHolder = { pid: process.pid, host: HOST, startedAt: new Date().toISOString(), command, token };
  if (BOOT_ID !== undefined) holder.bootId = BOOT_ID;
  const start = procStart(process.pid);
  if (start !== undefined) holder.procStart = start;
  const text = JSON.stringify(holder) + '\n';
  let tookOver: LockHolder | undefined;
  try {
    mkdirSync(dirname(key), { recursive: true });
    for (let round = 0; round < MAX_ROUNDS; round++) {
      if (createExclusive(key, text, token)) {
        installHooks();
        held.set(key, { text, refs: 1 });
        return new WriterLock(key, tookOver);
      }
      const seen = readHolder(key);
      if (seen === undefined) continue; // released meanwhile: race for it again
      const state = seen.holder === undefined ? 'unreadable' : judge(seen.holder);
      if (state !== 'dead') throw lockedError(key, seen.holder, state);
      if (moveAsideIfStill(key, seen.text, token)) tookOver = seen.holder;
    }
  } catch (e) {
    if (e instanceof MarketfeedError) throw e;
    throw new MarketfeedError('MF_ERR_WRITE_FAILED', `${key}: cannot take the lock (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { path: key, cause: e });
  }
  throw new MarketfeedError('MF_ERR_LOCKED', `${dirname(key)}: the lock changed hands ${MAX_ROUNDS} times while we tried to take it; try again`, { path: key });
}

/** The holder named by a lock file; undefined when there is none (or it is unreadable). */
export function readLockHolder(path: string): LockHolder | undefined {
  return readHolder(resolve(path))?.holder;
}

/** Whether the holder of a lock is gone, so that its lock would be taken over. */
export function holderIsGone(h: LockHolder): boolean {
  return judge(h) === 'dead';
}

type HolderState = 'alive' | 'dead' | 'foreign' | 'unreadable';

function judge(h: LockHolder): HolderState {
  if (h.host !== HOST) return 'foreign';
  if (h.bootId !== undefined && BOOT_ID !== undefined && h.bootId !== BOOT_ID) return 'dead';
  // not in `held` (checked first): a previous process that had our pid
  if (h.pid === process.pid) return 'dead';
  try {
    process.kill(h.pid, 0);
  } catch (e) {
    // EPERM: alive, under another user
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return 'dead';
  }
  if (h.procStart !== undefined) {
    const now = procStart(h.pid);
    if (now !== undefined && now !== h.procStart) return 'dead'; // the pid was reused
  }
  return 'alive';
}

function lockedError(path: string, h: LockHolder | undefined, state: HolderState): MarketfeedError {
  const dir = dirname(path);
  const which = basename(path) === LOCK_FILE ? dir : path;
  if (h === undefined) {
    return new MarketfeedError('MF_ERR_LOCKED', `${path} exists but does not name a holder; if no marketfeed process writes ${dir}, remove it by hand`, { path });
  }
  const who = `pid ${h.pid} on ${state === 'foreign' ? `host ${h.host}` : 'this host'} (${h.command || 'marketfeed'}, since ${h.startedAt})`;
  if (state === 'foreign') {
    return new MarketfeedError('MF_ERR_LOCKED', `${which} is locked by ${who}, which cannot be checked from here; if it no longer runs, remove ${path} by hand`, { path });
  }
  return new MarketfeedError('MF_ERR_LOCKED', `${which} is being written by ${who}: one writer per data dir, venue and symbol; stop it first or use another --data-dir`, { path });
}

/** Creates `path` holding `text` unless it exists; true when this call created it. */
function createExclusive(path: string, text: string, token: string): boolean {
  const tmp = `${path}.${process.pid}.${token}.tmp`;
  writeDurably(tmp, text, 'wx');
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
  } finally {
    unlinkSync(tmp);
  }
  // no hard links on this file system: O_EXCL (a reader may then briefly see an empty file)
  try {
    writeDurably(path, text, 'wx');
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

function writeDurably(path: string, text: string, flags: string): void {
  const fd = openSync(path, flags, 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Removes the stale lock `path` if it still holds `staleText`; true when it did. A lock taken
 * meanwhile by someone else is put back.
 */
function moveAsideIfStill(path: string, staleText: string, token: string): boolean {
  const aside = `${path}.stale-${process.pid}-${token}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false; // another contender moved it
    throw e;
  }
  let moved = '';
  try {
    moved = readFileSync(aside, 'utf8');
  } catch {
    // unreadable: treated as not the stale one, so it goes back
  }
  if (moved !== staleText) {
    try {
      linkSync(aside, path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  unlinkSync(aside);
  return moved === staleText;
}

function readHolder(path: string): { text: string; holder: LockHolder | undefined } | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  return { text, holder: parseHolder(text) };
}

function parseHolder(text: string): LockHolder | undefined {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch {
    return undefined;
  }
  const h = x as Partial<LockHolder> | null;
  if (h === null || typeof h !== 'object') return undefined;
  // pid 0 or below would make kill() signal a whole process group
  if (!Number.isSafeInteger(h.pid) || h.pid! <= 0 || typeof h.host !== 'string') return undefined;
  return {
    pid: h.pid!, host: h.host, startedAt: typeof h.startedAt === 'string' ? h.startedAt : '?', command: typeof h.command === 'string' ? h.command : '',
    bootId: typeof h.bootId === 'string' ? h.bootId : undefined, procStart: typeof h.procStart === 'string' ? h.procStart : undefined,
    token: typeof h.token === 'string' ? h.token : '',
  };
}

function removeIfOurs(path: string, text: string): void {
  try {
    if (readFileSync(path, 'utf8') === text) unlinkSync(path);
  } catch {
    // gone already, or unreadable: nothing of ours to remove
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); undefined off Linux. */
function procStart(pid: number): string | undefined {
  const stat = readTrimmed(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // the command name (field 2) is in parentheses and may hold spaces: count from the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function defaultCommand(): string {
  return process.argv[2] ?? basename(process.argv[1] ?? 'node');
}

let hooked = false;

/** Releases every lock on exit, and on a stop signal nobody else handles (then dies of it as usual). */
function installHooks(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', releaseAll);
  const onSignal = (sig: NodeJS.Signals): void => {
    if (process.listenerCount(sig) > 1) return; // a command's own handler stops it cleanly; 'exit' follows
    releaseAll();
    process.removeListener(sig, onSignal);
    process.kill(process.pid, sig);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);
}

function releaseAll(): void {
  for (const [path, h] of held) removeIfOurs(path, h.text);
  held.clear();
}
