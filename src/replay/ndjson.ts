// A replay as NDJSON bytes: what `marketfeed replay` prints, the events replay() yields as
// JSON.stringify writes them, one a line, in replay()'s order. Several symbols of a data directory
// are replayed on several cores (parallel.ts); one symbol, a cryptofeed capture or a ccxt
// recording in this thread.
import { availableParallelism } from 'node:os';
import { EventLines } from './event-line.js';
import { LineBatcher, type LineBatch } from './line-batch.js';
import { replayParallel, workersAvailable } from './parallel.js';
import { newReplayProgress, planRawReplay, replayBatches, type BatchReplayOptions } from './replay.js';

export interface NdjsonReplayOptions extends BatchReplayOptions {
  /**
   * Worker threads besides this one, which replays a range of the symbols too: 0 replays in this
   * thread alone; default one fewer than the cores. A single symbol stays in this thread (its
   * days are one stream: parallel.ts says why).
   */
  workers?: number;
}

/**
 * Chunks of NDJSON (whole lines), ready to write. A Uint8Array chunk is reused once the next chunk
 * is asked for: write it (and wait for the write) before.
 */
export async function* replayNdjson(opts: NdjsonReplayOptions): AsyncGenerator<Uint8Array> {
  const progress = opts.progress ?? newReplayProgress();
  const wanted = opts.workers ?? availableParallelism() - 1;
  if (wanted > 0 && workersAvailable()) {
    // planned apart, so a replay that stays in this thread counts its bytes once
    const scratch = newReplayProgress();
    const plan = await planRawReplay(opts, scratch);
    const workers = plan === undefined ? 0 : Math.min(wanted, plan.sources.length - 1);
    if (plan !== undefined && workers > 0) {
      progress.symbols = scratch.symbols;
      progress.bytesTotal += scratch.bytesTotal;
      progress.depth = plan.depth;
      yield* replayParallel(opts, plan.sources, plan.depth, workers, progress);
      return;
    }
  }
  const lines = new EventLines();
  const out = new LineBatcher();
  let spare: LineBatch | undefined;
  for await (const batch of replayBatches({ ...opts, progress })) {
    for (let i = 0; i < batch.length; i++) {
      while (!lines.write(batch[i], out)) {
        const full = out.take(spare);
        yield full.bytes.subarray(0, full.ends[full.n - 1]);
        spare = full; // written by now
      }
    }
  }
  if (out.lines > 0) {
    const full = out.take();
    yield full.bytes.subarray(0, full.ends[full.n - 1]);
  }
}
