// When a part of a day file is finished and the next begins (STYLE.md §4: rotation is a pure
// policy, tested without a disk). Three limits, each 0 = off:
// - rows: a part holds at most maxRows rows (checked before each row, so exactly maxRows);
// - bytes: a part is finished after the flush that takes its compressed size to maxBytes or
//   more (so a part can pass maxBytes by at most one flush's gzip member);
// - time: a part holds the rows of one period of rotateEveryUs, aligned to the Unix epoch (1h →
//   on the hour, UTC), judged by each row's localTs like the UTC day split. A part is finished by
//   the first row of the next period (or when the day ends / the recorder stops), so replaying a
//   capture cuts its parts at the same instants.

export interface RotationPolicy {
  maxRows: number;
  maxBytes: number;
  /** Period length in µs; 0 = off. */
  rotateEveryUs: number;
}

export const NO_ROTATION: RotationPolicy = { maxRows: 0, maxBytes: 0, rotateEveryUs: 0 };

/** What the policy looks at of the part being written. */
export interface PartState {
  /** Rows accepted into the part (written or pending). */
  rows: number;
  /** Compressed bytes of the part on disk. */
  bytes: number;
  /** End of the part's time period (µs, exclusive); Infinity when time rotation is off. */
  periodEndUs: number;
}

/** End (exclusive, µs) of the period holding `localTs`. */
export function periodEndUs(policy: RotationPolicy, localTs: number): number {
  const p = policy.rotateEveryUs;
  if (p <= 0) return Infinity;
  return (Math.floor(localTs / p) + 1) * p;
}

/** Whether the part must be finished before a row received at `localTs` is written to it. */
export function rotateBeforeRow(policy: RotationPolicy, part: PartState, localTs: number): boolean {
  if (part.rows === 0) return false; // never finish an empty part
  if (policy.maxRows > 0 && part.rows >= policy.maxRows) return true;
  return localTs >= part.periodEndUs;
}

/** Whether the part must be finished after a flush brought it to `part.bytes`. */
export function rotateAfterFlush(policy: RotationPolicy, part: PartState): boolean {
  return part.rows > 0 && policy.maxBytes > 0 && part.bytes >= policy.maxBytes;
}
