// Types of run.mjs for test/soak.test.ts.
export const CLI: string;

export interface SoakOptions {
  minutes: number;
  symbols?: number;
  venues?: string[];
  seed?: number;
  faultEveryMs?: number;
  redundant?: number;
  depth?: number;
  sampleEveryS?: number;
  maxLagMs?: number;
  workDir?: string;
  progress?: (line: string) => void;
}

export interface SoakCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface SoakVenue {
  venue: string;
  symbols: number;
  /** Faults the simulator injected, by kind. */
  faults: Record<string, number>;
  book: { rows: number; checked: number; mismatches: number; ok: boolean };
  gaps: { injected: number; found: number; unseen: number; missed: number; ledgerGaps: number; ok: boolean };
  trades: { recorded: number; missingWhileUp: number; lostInOutages: number; duplicates: number; ok: boolean };
  memory: {
    samples: number; perMinuteMiB: number[]; flat: boolean; warmUpS: number;
    /** RSS peak in the first and second half after the warm-up, MiB. */
    rssPeaksMiB: [number, number];
    /** The live heap after each full collection after the warm-up, MiB, and its Theil-Sen trend (undefined: fewer than 3). */
    heapAfterGcMiB: number[]; heapGrowthMiB: number | undefined;
    lagPerMinuteMs: number[]; lagP99MaxMs: number;
  };
}

export interface SoakReport {
  minutes: number;
  symbols: number;
  redundant: number | undefined;
  venues: SoakVenue[];
  checks: SoakCheck[];
  dataDir: string;
  work: string;
  ok: boolean;
}

export const RSS_GROWTH_MAX_MIB: number;
export const HEAP_GROWTH_MAX_MIB: number;
export function soakSymbols(n: number): string[];
export function runSoak(o: SoakOptions): Promise<SoakReport>;
