// Epoch-microsecond clock. Times in events are numbers of µs since the epoch (2^53 µs is
// year 2255, so a double holds them exactly). Anchored once to Date.now() and advanced by the
// monotonic performance clock, so it never steps backwards within a process.
import { performance } from 'node:perf_hooks';

const originUs = Math.round((performance.timeOrigin) * 1000);

/** Current wall time in epoch microseconds (monotonic within the process). */
export function nowUs(): number {
  return originUs + Math.floor(performance.now() * 1000);
}

export const msToUs = (ms: number): number => ms * 1000;

/** UTC day of an epoch-µs time as YYYYMMDD. */
export function utcDay(tsUs: number): string {
  const d = new Date(Math.floor(tsUs / 1000));
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  return `${y}${m < 10 ? '0' : ''}${m}${day < 10 ? '0' : ''}${day}`;
}

/** Start of the UTC day after the one holding tsUs, in epoch µs. */
export function nextUtcDayUs(tsUs: number): number {
  const dayMs = 86_400_000;
  return (Math.floor(tsUs / 1000 / dayMs) + 1) * dayMs * 1000;
}

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "30s", "2h", "500ms", "1.5m" or a bare number of seconds into milliseconds; NaN if invalid. */
export function parseDurationMs(text: string): number {
  const m = DURATION_RE.exec(text.trim());
  if (!m) return NaN;
  return Number(m[1]) * UNIT_MS[m[2] ?? 's'];
}
