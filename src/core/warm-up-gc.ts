// V8 sizes a process's first old-generation limit before it knows the heap it will have. A
// recorder's start (books seeded from snapshots, buffers, gzip states and relay rings filling)
// promotes many short-lived objects, and they pile up as old-space garbage until that first full
// collection: with 100 Binance symbols the old space went 43 → 99 MiB and RSS peaked at 211–217 MiB
// near 60-110 s, then sat near 194 MiB once collections ran every few seconds. A few full
// collections during the warm-up set the limit from the live heap instead: peak 182–195 MiB and
// 185-192 MiB after (bench/memory.bench.mjs 100 130, 2026-12-07, three runs each), at the same
// CPU (20-21 s for 130 s). Each is one pause of a few tens of ms on a ~50 MiB heap, in the first
// 90 s only, never on a hot path.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** The seconds after start at which the warm-up collections run. */
export const WARM_UP_GC_S: readonly number[] = [5, 10, 20, 30, 45, 60, 90];

let gcFn: (() => void) | undefined;

/** V8's full collection (the `--expose-gc` function, taken without the command-line flag). */
function fullGc(): () => void {
  if (gcFn === undefined) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  return gcFn;
}

/** Runs a full collection `atS` seconds from now (each timer unref'd); returns a cancel. */
export function warmUpCollections(atS: readonly number[] = WARM_UP_GC_S): () => void {
  const gc = fullGc();
  const timers = atS.map((s) => setTimeout(gc, s * 1000).unref());
  return () => {
    for (const t of timers) clearTimeout(t);
  };
}
