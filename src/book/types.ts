// Venue-agnostic book contracts. The book knows nothing of venues; a venue supplies a BookRule
// that turns (last applied id, update) into a verdict.

/**
 * Levels of one update in flat, reusable storage (no per-level objects). Prices are parsed to
 * numbers for ordering; price and amount texts are kept exactly as the venue sent them.
 * Implemented in book/levels.ts.
 */
export interface LevelBatchView {
  /** Number of levels. */
  readonly length: number;
  /** 1 = bid, -1 = ask. */
  sideAt(i: number): 1 | -1;
  priceAt(i: number): number;
  priceTextAt(i: number): string;
  amountTextAt(i: number): string;
  /** True when the amount is zero (delete the level). */
  isDeleteAt(i: number): boolean;
}

/** A depth diff as the sync engine sees it. */
export interface DepthUpdate {
  /** Exchange time, epoch µs. */
  ts: number;
  localTs: number;
  /** Binance U / OKX prevSeqId+1 … : first update id covered. */
  firstId: number;
  /** Binance u / OKX seqId: last update id covered. */
  lastId: number;
  /** Binance futures pu (previous event's u); -1 when the venue has none. */
  prevId: number;
  levels: LevelBatchView;
}

/** A REST (or WS) snapshot that seeds the book. */
export interface BookSnapshotInput {
  lastUpdateId: number;
  /** Exchange time in epoch µs when the venue provides it, else 0. */
  ts: number;
  bids: [string, string][];
  asks: [string, string][];
}

export const APPLY = { kind: 'apply' } as const;
/** Older than the book: ignore. */
export const STALE = { kind: 'stale' } as const;
/** The snapshot is older than the buffered stream: fetch another. */
export const REFETCH = { kind: 'refetch' } as const;
export type Verdict =
  | typeof APPLY
  | typeof STALE
  | typeof REFETCH
  | { kind: 'gap'; expected: string; got: string };

export interface BookRule {
  /** First update to apply on top of a snapshot with `snapshotId` (PROTOCOLS.md 1.4 / 2). */
  bridge(snapshotId: number, u: DepthUpdate): Verdict;
  /** Every later update, given the last applied update (`lastId`, and its own ids). */
  next(lastId: number, u: DepthUpdate): Verdict;
  /**
   * Whether a snapshot is usable against the first buffered update (spot: refetch when
   * lastUpdateId < first U).
   */
  snapshotUsable(snapshotId: number, firstBuffered: DepthUpdate): boolean;
}
