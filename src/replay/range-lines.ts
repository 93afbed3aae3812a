// One contiguous range of a replay's sources as NDJSON line batches: replayBatches (the range's
// own decoders, books and merge), each event as JSON.stringify writes it (event-line.ts). A replay
// worker runs this for its range, and the main thread for its own (parallel.ts).
import type { Logger } from '../core/log.js';
import { EventLines } from './event-line.js';
import { LineBatcher, type LineBatch } from './line-batch.js';
import { newReplayProgress, replayBatches, type BatchReplayOptions } from './replay.js';

/** Where the batches go: the merge, in this thread or across threads. */
export interface RangeSink {
  /** Resolves when the merge has room for another batch. */
  ready(): Promise<void>;
  /** A batch the merge has used up, to fill again. */
  spare(): LineBatch | undefined;
  /** A batch, and the compressed bytes read and bad lines met since the last one. */
  send(batch: LineBatch, bytesRead: number, badLines: number): void;
}

/** What a range is given: plain data, so that it can cross to a worker. */
export type RangeOptions = Pick<BatchReplayOptions, 'dataDir' | 'venue' | 'symbols' | 'from' | 'to' | 'depth' | 'quoteCheck' | 'emitChanges'>;

/** Sends the range's lines in batches; resolves with the counters since the last batch. */
export async function writeRangeLines(opts: RangeOptions, log: Logger, sink: RangeSink): Promise<{ bytesRead: number; badLines: number }> {
  // its own progress: the caller's already counts every source's bytes, and the merge its events
  const progress = newReplayProgress();
  let sentBytesRead = 0;
  let sentBadLines = 0;
  const counters = (): { bytesRead: number; badLines: number } => {
    const c = { bytesRead: progress.bytesRead - sentBytesRead, badLines: progress.badLines - sentBadLines };
    sentBytesRead = progress.bytesRead;
    sentBadLines = progress.badLines;
    return c;
  };
  const out = new LineBatcher();
  const send = async (): Promise<void> => {
    await sink.ready();
    const c = counters();
    sink.send(out.take(sink.spare()), c.bytesRead, c.badLines);
  };
  const lines = new EventLines();
  for await (const batch of replayBatches({ ...opts, progress, log })) {
    for (let i = 0; i < batch.length; i++) {
      while (!lines.write(batch[i], out)) await send();
    }
  }
  if (out.lines > 0) await send();
  return counters();
}
