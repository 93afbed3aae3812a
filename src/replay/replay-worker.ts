// A replay worker thread: one range of a replay's sources as NDJSON line batches (range-lines.ts),
// posted to the main thread, which merges them with the other ranges (parallel.ts). At most
// `maxInFlight` batches are unanswered, so a worker that runs ahead of the merge waits instead of
// filling memory; the merge answers with the used batch itself, whose buffers are filled again.
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { isMarketfeedError } from '../core/errors.js';
import type { LineBatch } from './line-batch.js';
import type { FromWorker, WorkerJob } from './parallel.js';
import { writeRangeLines } from './range-lines.js';

const port = parentPort!;
const job = workerData as WorkerJob;
let credits = job.maxInFlight;
const spares: LineBatch[] = [];
let wake: (() => void) | undefined;
port.on('message', (used: LineBatch) => {
  spares.push(used);
  credits++;
  wake?.();
  wake = undefined;
});
const post = (m: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer);

// log records go to the main thread, which writes them with its own logger
const log = pino({ level: job.logLevel, base: undefined }, { write: (line: string) => post({ t: 'log', line }) });

try {
  const rest = await writeRangeLines(job.opts, log, {
    async ready() {
      while (credits === 0) await new Promise<void>((r) => (wake = r));
      credits--;
    },
    spare: () => spares.pop(),
    send(batch, bytesRead, badLines) {
      post({ t: 'lines', batch, bytesRead, badLines }, [batch.ts.buffer as ArrayBuffer, batch.ends.buffer as ArrayBuffer, batch.bytes.buffer as ArrayBuffer]);
    },
  });
  post({ t: 'end', ...rest });
} catch (e) {
  post(isMarketfeedError(e)
    ? { t: 'error', code: e.code, message: e.message }
    : { t: 'error', message: (e as Error)?.stack ?? String(e) });
}
// nothing more to wait for: the batches handed back after the end need not keep the thread up
port.unref();
