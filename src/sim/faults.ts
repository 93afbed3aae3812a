// Fault kinds and the `--faults` text (`disconnect=20s,gap=7s,malformed=3s`). Each kind fires on
// its own interval, first after one interval; `SimHandle.inject` fires one at once.
import { parseDurationMs } from '../core/time.js';

export const FAULT_KINDS = [
  'disconnect', 'gap', 'malformed', 'stall', 'slowsnapshot', 'stalesnapshot', 'maxsession', 'ratelimit', 'shutdown', 'corrupt',
] as const;
/** What the Binance modes model (they carry no checksum, so no `corrupt`). */
export const BINANCE_FAULTS: ReadonlySet<FaultKind> = new Set(FAULT_KINDS.filter((k) => k !== 'corrupt'));
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  kind: FaultKind;
  everyMs: number;
}

export interface FaultOptions {
  /** gap / corrupt: which venue symbol (default: rotate over all). */
  venueSymbol?: string;
  /**
   * disconnect / malformed / shutdown / maxsession: only this connection id (default: rotate / all).
   * gap / corrupt / stall: the fault hits this connection alone (conn-faults.ts), the others stay clean.
   */
  connId?: number;
  /**
   * Like connId, for every open connection whose request path contains this text (a recorder's
   * line B opened on its own URL, `--ws-url-b`).
   */
  connUrl?: string;
  /** stall: how long (default SimOptions.stallMs). */
  durationMs?: number;
  /** slowsnapshot: delay of the next depth response (default SimOptions.slowSnapshotMs). */
  delayMs?: number;
  /** ratelimit: how many requests get 429 (default 1). */
  count?: number;
  /** maxsession: close connections at least this old (default SimOptions.maxSessionMs, else all). */
  olderThanMs?: number;
}

export function isFaultKind(text: string): text is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(text);
}

/** Parses `kind=interval,…`; throws an Error naming the bad entry. */
export function parseFaults(text: string): FaultSpec[] {
  const out: FaultSpec[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    const kind = eq < 0 ? entry : entry.slice(0, eq).trim();
    if (!isFaultKind(kind)) {
      throw new Error(`unknown fault ${JSON.stringify(kind)} (one of: ${FAULT_KINDS.join(', ')})`);
    }
    const everyMs = eq < 0 ? NaN : parseDurationMs(entry.slice(eq + 1));
    if (!(everyMs > 0)) throw new Error(`fault ${JSON.stringify(entry)}: want ${kind}=<interval> such as ${kind}=20s`);
    out.push({ kind, everyMs });
  }
  return out;
}

export function emptyFaultCounts(): Record<FaultKind, number> {
  const counts = {} as Record<FaultKind, number>;
  for (const k of FAULT_KINDS) counts[k] = 0;
  return counts;
}

/** Malformed frames, rotated. None carries real data: ids are words, books are empty. */
export function malformedFrame(n: number, venueSymbol: string, stream: string | undefined, eMs: number): string {
  const wrap = (payload: string): string => (stream === undefined ? payload : `{"stream":"${stream}","data":${payload}}`);
  switch (n % 4) {
    case 0: // truncated JSON
      return wrap(`{"e":"depthUpdate","E":${eMs},"s":"${venueSymbol}","U":`).slice(0, -1);
    case 1: // wrong types
      return wrap(`{"e":"depthUpdate","E":${eMs},"s":"${venueSymbol}","U":"abc","u":"def","b":{},"a":"x"}`);
    case 2: // missing fields
      return wrap(`{"e":"depthUpdate","E":${eMs},"s":"${venueSymbol}"}`);
    default: // not JSON at all
      return '\u0000<html>502 Bad Gateway</html>\uFFFD';
  }
}
