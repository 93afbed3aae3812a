// The V8 heap in use right after the last full (mark-sweep) collection: the live heap. RSS saws up
// and down by tens of MiB as V8 resizes its young generation and old-space headroom, whatever the
// program keeps; what a leak grows is this floor. One process-wide PerformanceObserver on `gc`
// entries, started on first use; each major collection's entry reads the old generation's spaces
// (v8.getHeapSpaceStatistics(), every space but the young generation's). The entries come batched,
// a moment after the collection: what the young generation took meanwhile is left out that way,
// and what was promoted meanwhile is small.
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

/** Bytes in use in every space but the young generation's (new_space, new_large_object_space). */
function oldGenerationBytes(): number {
  let n = 0;
  for (const s of getHeapSpaceStatistics()) if (!s.space_name.startsWith('new_')) n += s.space_used_size;
  return n;
}

let observer: PerformanceObserver | undefined;
let lastBytes = 0;
let collections = 0;

/** Starts watching (once per process). */
function watch(): void {
  if (observer !== undefined) return;
  observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as { detail?: { kind?: number } }).detail?.kind;
      if (kind === undefined || (kind & constants.NODE_PERFORMANCE_GC_MAJOR) === 0) continue;
      lastBytes = oldGenerationBytes();
      collections++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}

/** The old generation in use after the newest full collection (0 until the first), and how many were seen. */
export function heapAfterGc(): { bytes: number; collections: number } {
  watch();
  return { bytes: lastBytes, collections };
}
