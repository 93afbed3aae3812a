// How commands end: a MarketfeedError becomes one actionable line on stderr and exit code 2;
// anything else is a bug and keeps its stack.
import { isMarketfeedError } from '../core/errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export function reportFatal(e: unknown): number {
  if (isMarketfeedError(e) && e.recovery === 'fatal') {
    process.stderr.write(`marketfeed: ${e.message}\n`);
    return EXIT_USAGE;
  }
  if (isMarketfeedError(e)) {
    process.stderr.write(`marketfeed: ${e.message}\n`);
    return EXIT_FAILED;
  }
  process.stderr.write(`marketfeed: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
  return EXIT_FAILED;
}

/** Set by `marketfeed up` on its children: the supervisor's pid (see onStopSignal). */
export const SUPERVISOR_ENV = 'MARKETFEED_SUPERVISOR_PID';

/** A second signal this soon after the first is the same Ctrl-C, delivered twice. */
const SAME_SIGNAL_MS = 1000;

/**
 * Resolves on the first SIGINT/SIGTERM/SIGHUP. Under `npm start` one Ctrl-C arrives twice (the
 * terminal signals the whole process group and npm forwards it again), so only a signal more than
 * a second after the first means "stop now, without flushing".
 */
export function onStopSignal(): { promise: Promise<string>; dispose(): void } {
  let resolve!: (s: string) => void;
  const promise = new Promise<string>((r) => (resolve = r));
  let firstAt = 0;
  const handler = (sig: NodeJS.Signals): void => {
    const now = performance.now(); // monotonic: after a wall clock step back a second Ctrl-C still works
    if (firstAt === 0) {
      firstAt = now;
      resolve(sig);
    } else if (now - firstAt > SAME_SIGNAL_MS) {
      process.stderr.write(`marketfeed: second ${sig}, exiting without flushing\n`);
      process.exit(130);
    }
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, handler);
  // a child of `marketfeed up` stops (flushing) when its supervisor is gone, even a SIGKILLed one
  const supervisor = Number(process.env[SUPERVISOR_ENV]);
  let watch: NodeJS.Timeout | undefined;
  if (Number.isInteger(supervisor) && supervisor > 0) {
    // our stdout/stderr are pipes to it: once it is gone, writing to them fails (EPIPE), which
    // must not kill us before the files are flushed
    for (const out of [process.stdout, process.stderr]) out.on('error', () => undefined);
    watch = setInterval(() => {
      if (process.ppid === supervisor) return;
      clearInterval(watch);
      if (firstAt === 0) {
        firstAt = performance.now();
        process.stderr.write('marketfeed: the supervising `marketfeed up` is gone: stopping\n');
        resolve('supervisor gone');
      }
    }, 1000);
    watch.unref();
  }
  return {
    promise,
    // The listeners stay until the process exits (they do not keep it alive): the echo of the
    // same Ctrl-C may land while we are already closing, and must not kill us mid-flush.
    dispose: () => clearInterval(watch),
  };
}
