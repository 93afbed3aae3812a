// The faults pending and done, shared by every mode: what the fault runner has armed (a gap or a
// corruption waiting for the next book update, a stall, a slow / stale snapshot, 429s) and what the
// book faults actually did, for tests to check each one was caught.
import { ConnFaults } from './conn-faults.js';
import { emptyFaultCounts, type FaultKind } from './faults.js';

export interface InjectedGap {
  venueSymbol: string;
  /** First and last key of the update that was not sent (Binance: its U and u). */
  skippedFrom: number;
  skippedTo: number;
}

/** One corrupted level: sent with `sentQty` while the frame's checksum reflects `trueQty`. */
export interface InjectedCorruption {
  venueSymbol: string;
  /** Truth key of the frame (Kraken/Bitfinex: timestamp µs; OKX: seqId). */
  key: number;
  side: 'bid' | 'ask';
  price: string;
  trueQty: string;
  sentQty: string;
}

export interface FaultState {
  counts: Record<FaultKind, number>;
  gaps: InjectedGap[];
  /** Checksum modes only; the Binance modes have no `corrupt`. */
  corruptions: InjectedCorruption[];
  /** Symbols whose next (visible) book update is dropped / corrupted. */
  gapNext: Set<string>;
  corruptNext: Set<string>;
  stalledUntilMs: number;
  /** Delay for the next depth response (0 = none pending). */
  slowNextMs: number;
  staleNext: boolean;
  rateLimitLeft: number;
  /** Faults of one connection only (conn-faults.ts; the modes that model them). */
  conn: ConnFaults;
}

export function emptyFaultState(): FaultState {
  return {
    counts: emptyFaultCounts(), gaps: [], corruptions: [], gapNext: new Set(), corruptNext: new Set(),
    stalledUntilMs: 0, slowNextMs: 0, staleNext: false, rateLimitLeft: 0,
    conn: new ConnFaults(),
  };
}

/**
 * The book fault due on this update of `sym`, if any. `visible`: the update moves what the client's
 * check covers (its checksummed top), so a fault taken here is one the client can catch.
 */
export function dueBookFault(f: FaultState, sym: string, visible = true): 'gap' | 'corrupt' | undefined {
  if (!visible) return undefined;
  if (f.gapNext.has(sym)) return 'gap';
  return f.corruptNext.has(sym) ? 'corrupt' : undefined;
}

/** Records the armed gap of `sym` as taken: the update `from..to` was not sent. */
export function takeGap(f: FaultState, venueSymbol: string, skippedFrom: number, skippedTo: number): void {
  f.gapNext.delete(venueSymbol);
  f.counts.gap++;
  f.gaps.push({ venueSymbol, skippedFrom, skippedTo });
}

/** Records the armed corruption of `c.venueSymbol` as taken. */
export function takeCorruption(f: FaultState, c: InjectedCorruption): void {
  f.corruptNext.delete(c.venueSymbol);
  f.counts.corrupt++;
  f.corruptions.push(c);
}
