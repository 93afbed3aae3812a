// marketfeed repair --data-dir D: every part a crash left `.open`, in any day of any symbol, cut
// back to its last complete gzip member and sealed under its final name, with a `repair` ledger row
// (storage/repair.ts). Each symbol's lock is taken first (storage/lock.ts): a symbol a live writer
// holds is refused with one line and left alone. Exit 0 when everything was repaired (or nothing
// needed it), 1 when a file could not be saved, 2 when a live writer held a symbol (or bad input).
// `record` runs the same repair at start for the symbols it records (claimSymbols).
import { existsSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { Command } from 'commander';
import { isMarketfeedError, MarketfeedError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/log.js';
import { acquireLock, LOCK_FILE, lockSymbol, type WriterLock } from '../storage/lock.js';
import { repairSymbolDir, symbolDirsToRepair, type DayRepair, type RepairedFile } from '../storage/repair.js';
import { symbolDirName, venueLabelFs } from '../storage/layout.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, reportFatal } from './exit.js';

interface RepairFlags {
  dataDir: string;
  logLevel: string;
}

export const repairCommand = new Command('repair')
  .description('Seal what a crash left behind: every .open part in any day, cut back to its last complete gzip member, with a ledger row')
  .option('--data-dir <dir>', 'data directory written by record', './data')
  .option('--log-level <level>', 'log level', 'warn')
  .action(async (flags: RepairFlags) => {
    try {
      process.exitCode = await runRepair(flags);
    } catch (e) {
      process.exitCode = reportFatal(e);
    }
  });

async function runRepair(flags: RepairFlags): Promise<number> {
  const dataDir = flags.dataDir;
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) {
    throw new MarketfeedError('MF_ERR_CONFIG', `data directory ${dataDir} does not exist`, { path: 'dataDir', got: dataDir });
  }
  const log = createLogger(flags.logLevel);
  const out = process.stdout;
  let files = 0;
  let cutBytes = 0;
  let failed = 0;
  let locked = 0;
  const days = new Set<string>();
  for (const symbolDir of await symbolDirsToRepair(dataDir)) {
    let lock: WriterLock;
    try {
      lock = acquireLock(join(symbolDir, LOCK_FILE), 'repair');
    } catch (e) {
      if (!isMarketfeedError(e, 'MF_ERR_LOCKED')) throw e;
      process.stderr.write(`marketfeed: ${e.message}\n`);
      locked++;
      continue;
    }
    try {
      if (lock.tookOver !== undefined) log.warn({ lock: lock.path, pid: lock.tookOver.pid }, 'took over the lock of a writer that is gone');
      for (const d of await repairSymbolDir(symbolDir)) {
        days.add(d.dayDir);
        for (const f of d.files) {
          files++;
          cutBytes += f.cutBytes;
          out.write(describe(f, dataDir) + '\n');
        }
        for (const x of d.failures) {
          failed++;
          process.stderr.write(`marketfeed: MF_ERR_WRITE_FAILED: ${x.path}: not repaired (${causeOf(x.cause)})\n`);
        }
      }
    } finally {
      lock.release();
    }
  }
  out.write(files === 0 && failed === 0 && locked === 0
    ? `repair: nothing to repair under ${dataDir}\n`
    : `repair: ${files} file(s) sealed in ${days.size} day(s), ${cutBytes} torn bytes cut; ${failed} not repaired; ${locked} symbol(s) held by a live writer\n`);
  if (failed > 0) return EXIT_FAILED;
  return locked > 0 ? EXIT_USAGE : EXIT_OK;
}

function describe(f: RepairedFile, dataDir: string): string {
  const beyond = f.rowsBeyondRaw > 0 ? `, ${f.rowsBeyondRaw} row(s) beyond the raw capture cut` : '';
  if (f.sealed === undefined) return `removed ${relative(dataDir, f.found)}: no complete gzip member (${f.cutBytes} bytes)`;
  const renamed = basename(f.found).startsWith(basename(f.sealed)) ? '' : ` (from ${basename(f.found)})`;
  return `sealed ${relative(dataDir, f.sealed)}${renamed}: cut ${f.cutBytes} torn bytes, kept ${f.keptBytes}${beyond}`;
}

function causeOf(cause: unknown): string {
  return (cause as NodeJS.ErrnoException)?.code ?? (cause as Error)?.message ?? String(cause);
}

/** The locks a recording holds; release() lets them go. */
export interface Claim {
  release(): void;
}

/**
 * What `record` does before anything else opens: takes the lock of each symbol (MF_ERR_LOCKED,
 * naming the holder, when another process has one; none is kept then), and repairs every day
 * those symbols' directories hold, logging what it did. A repair that fails is logged: the
 * recorder still starts, writing new parts.
 */
export async function claimSymbols(dataDir: string, venueLabel: string, symbols: readonly string[], log: Logger): Promise<Claim> {
  const locks: WriterLock[] = [];
  const release = (): void => {
    for (const l of locks) l.release();
  };
  try {
    for (const s of symbols) locks.push(lockSymbol(dataDir, venueLabel, s, { command: 'record' }));
    for (const l of locks) {
      if (l.tookOver !== undefined) log.warn({ lock: l.path, pid: l.tookOver.pid, since: l.tookOver.startedAt }, 'took over the lock of a writer that is gone');
    }
    for (const s of symbols) logRepairs(await repairSymbolDir(join(dataDir, venueLabelFs(venueLabel), symbolDirName(s))), log);
  } catch (e) {
    release();
    throw e;
  }
  return { release };
}

function logRepairs(days: DayRepair[], log: Logger): void {
  for (const d of days) {
    for (const f of d.files) {
      const what = f.sealed === undefined ? 'removed: no complete gzip member' : `sealed as ${basename(f.sealed)}`;
      const beyond = f.rowsBeyondRaw > 0 ? `, ${f.rowsBeyondRaw} row(s) beyond the raw capture cut` : '';
      log.warn({ path: f.found, cutBytes: f.cutBytes, keptBytes: f.keptBytes, rowsBeyondRaw: f.rowsBeyondRaw },
        `${f.found}: cut ${f.cutBytes} bytes of a half-written gzip member left by an unclean stop; ${what}${beyond}`);
    }
    for (const x of d.failures) log.error({ path: x.path, err: causeOf(x.cause) }, 'could not repair a part left by an unclean stop');
  }
}
