// Half-open time ranges [from, to) as sorted, non-overlapping lists: what a day file already
// covers, and what is left to fetch.

export type Range = [from: number, to: number];

/** Sorted, overlapping and touching ranges joined, empty ones dropped. */
export function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = ranges.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: Range[] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** The parts of `want` not covered by `have`. */
export function subtractRanges(want: Range, have: readonly Range[]): Range[] {
  const out: Range[] = [];
  let cursor = want[0];
  for (const [a, b] of mergeRanges(have)) {
    if (b <= cursor) continue;
    if (a >= want[1]) break;
    if (a > cursor) out.push([cursor, Math.min(a, want[1])]);
    cursor = Math.max(cursor, b);
    if (cursor >= want[1]) break;
  }
  if (cursor < want[1]) out.push([cursor, want[1]]);
  return out;
}

/** `r` clipped to [from, to); undefined when nothing is left. */
export function clipRange(r: Range, from: number, to: number): Range | undefined {
  const a = Math.max(r[0], from);
  const b = Math.min(r[1], to);
  return b > a ? [a, b] : undefined;
}
