// Ordering a replay's sources into one stream: the k-way merge by receive time, and the pacing of
// the merged stream (--speed, --jitter).

/** Anything with a receive time. */
interface Timed {
  localTs: number;
}

interface Head<T> {
  gen: AsyncGenerator<T[]>;
  batch: T[];
  i: number;
}

/**
 * Items the merge gathers before handing them on. Small on purpose: a batch outlives a young-
 * generation GC more often the larger it is, and what survives two is copied to the old space
 * (at 4,096 that was 5 MB per scavenge and a mark-compact every 2 s).
 */
export const MERGE_BATCH = 256;

/**
 * k-way merge of batch streams by localTs (ties: the earlier source first), in batches. It always
 * takes the least of the sources' next items, so its order depends only on the item sequences,
 * never on how they were cut into batches (the replay workers rely on this: parallel.ts).
 */
export async function* merge<T extends Timed>(gens: AsyncGenerator<T[]>[]): AsyncGenerator<T[]> {
  if (gens.length === 1) {
    yield* gens[0];
    return;
  }
  const heads: Head<T>[] = [];
  for (const gen of gens) {
    const r = await gen.next();
    if (!r.done) heads.push({ gen, batch: r.value, i: 0 });
  }
  let out: T[] = [];
  while (heads.length > 0) {
    let best = 0;
    let bestTs = heads[0].batch[heads[0].i].localTs;
    for (let k = 1; k < heads.length; k++) {
      const ts = heads[k].batch[heads[k].i].localTs;
      if (ts < bestTs) {
        best = k;
        bestTs = ts;
      }
    }
    const h = heads[best];
    out.push(h.batch[h.i++]);
    if (h.i === h.batch.length) {
      if (out.length >= MERGE_BATCH) {
        yield out;
        out = [];
      }
      const r = await h.gen.next();
      if (r.done) heads.splice(best, 1);
      else {
        h.batch = r.value;
        h.i = 0;
      }
    }
  }
  if (out.length > 0) yield out;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same jitter. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Holds each item until its due time: `speed` > 0 replays the gaps between receive times divided
 * by speed; `jitter` adds up to that many ms per item on top (at speed 0 the delays add up).
 * Order never changes. Sub-millisecond waits are saved up rather than slept one by one.
 */
export async function* pace<T extends Timed>(batches: AsyncGenerator<T[]>, speed: number, jitter: number, seed: number): AsyncGenerator<T> {
  const random = seededRandom(seed);
  let firstTs: number | undefined;
  const wallStart = performance.now();
  let extra = 0; // jitter so far at speed 0
  for await (const batch of batches) {
    for (const x of batch) {
      firstTs ??= x.localTs;
      let due: number;
      if (speed > 0) due = wallStart + (x.localTs - firstTs) / 1000 / speed + random() * jitter;
      else due = wallStart + (extra += random() * jitter);
      const wait = due - performance.now();
      if (wait >= 1) await sleep(wait);
      yield x;
    }
  }
}
