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
  /**
   * The venue's checksum of its book after this update (Kraken `checksum`, OKX `checksum`), as an
   * unsigned 32-bit integer; undefined when the frame carries none (or OKX's deprecated 0).
   */
  checksum?: number;
}

/** A REST (or WS) snapshot that seeds the book. */
export interface BookSnapshotInput {
  /** Sequence id of the snapshot (Binance lastUpdateId, OKX seqId); -1 for checksum-only venues. */
  lastUpdateId: number;
  /** Exchange time in epoch µs when the venue provides it, else 0. */
  ts: number;
  bids: [string, string][];
  asks: [string, string][];
  /** The venue's checksum of this snapshot (unsigned 32-bit), when it sends one. */
  checksum?: number;
  /**
   * Levels per side the venue maintains for this subscription, when the stream says (Kraken
   * `book-1000`, a v2 subscribe ack): the book is truncated to it after every update, overriding
   * VenueSpec.bookDepth (a capture's subscription need not be ours).
   */
  depth?: number;
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
  /** Checksum venues (Kraken, Bitfinex, OKX): how the venue checksums its book. */
  checksum?: ChecksumRule;
}

/**
 * A venue's book checksum, computed from the book as it stands after an update. `bids`/`asks` are
 * the best `depth` levels per side, best first, as [priceText, amountText] exactly as stored (the
 * decoder already shaped the texts the way the checksum needs them, e.g. Kraken's precision
 * padding). Returns an unsigned 32-bit integer (`crc >>> 0`), compared with the venue's value
 * normalised the same way.
 */
export interface ChecksumRule {
  /** Levels per side the checksum covers (Kraken 10, OKX 25, Bitfinex 25). */
  depth: number;
  /**
   * The checksum comes in frames of its own after the updates it covers (Bitfinex `cs`), which
   * may be several frames long: book rows are emitted when a checksum confirms the book, never
   * from an update not yet verified.
   */
  deferred?: boolean;
  compute(bids: readonly (readonly [string, string])[], asks: readonly (readonly [string, string])[]): number;
}

/**
 * The rule of venues whose book updates carry no sequence ids (Kraken, Bitfinex without
 * SEQ_ALL): every update continues the book; only the checksum proves it.
 */
export const CHECKSUM_ONLY_RULE: Omit<BookRule, 'checksum'> = {
  bridge: () => APPLY,
  next: () => APPLY,
  snapshotUsable: () => true,
};
