// What every simulator end-to-end test checks of a recording: each book row equals the
// simulator's ground truth at the row's update key, and `validate --day-dir` reads the day.
import { expect } from 'vitest';
import type { SimHandle } from '../src/sim/index.js';
import { runCli, type CliResult } from './cli.js';
import { readKind } from './ledger.js';

export interface TruthRows {
  /** The recording's folder under the data dir (`binance`, `sim-okx` …). */
  label: string;
  /** SYMBOL_FS of the symbol's folder. */
  fs: string;
  depth: number;
  /** The symbol as the simulator's truth knows it (default: fs). */
  truthSymbol?: string;
  /** Column holding the truth key (default 2, update_id; 0 for timestamp-keyed venues). */
  keyColumn?: number;
  /** Compare only the last row of each key (venues that write several rows at one key). */
  lastOfEachKey?: boolean;
  /** A key the truth no longer holds fails the test (default: skipped, as bounded history). */
  requireTruth?: boolean;
}

/** Every book row's levels against the truth at its key; returns how many were compared. */
export function bookRowsAgainstTruth(sim: SimHandle, dataDir: string, o: TruthRows): number {
  const { header, rows } = readKind(dataDir, o.label, o.fs, 'book');
  expect(header.length).toBe(3 + 4 * o.depth);
  const col = o.keyColumn ?? 2;
  let pairs: [number, string[]][] = rows.map((r) => [Number(r[col]), r]);
  if (o.lastOfEachKey) pairs = [...new Map(pairs)];
  let checked = 0;
  for (const [key, r] of pairs) {
    const truth = sim.truth.topAt(o.truthSymbol ?? o.fs, key);
    if (o.requireTruth) expect(truth, `${o.fs}: truth at ${key}`).toBeDefined();
    if (truth === undefined) continue;
    const want: string[] = [];
    for (let i = 0; i < o.depth; i++) want.push(truth.bids[i]?.[0] ?? '', truth.bids[i]?.[1] ?? '');
    for (let i = 0; i < o.depth; i++) want.push(truth.asks[i]?.[0] ?? '', truth.asks[i]?.[1] ?? '');
    expect(r.slice(3), `${o.fs} row at ${key}`).toEqual(want);
    checked++;
  }
  return checked;
}

/** `validate --day-dir --format json`: what the CLI printed and the report it holds. */
export interface ValidateJson {
  clean: boolean;
  gaps: number;
  updatesVerified: number;
  book: { recorded: number; unverified: number; missing: number };
  trades: { recorded: number };
}

export async function validateDay(day: string): Promise<{ result: CliResult; code: number | null; report: ValidateJson }> {
  const result = await runCli(['validate', '--day-dir', day, '--format', 'json'], {}, 60_000);
  return { result, code: result.code, report: JSON.parse(result.stdout) as ValidateJson };
}
