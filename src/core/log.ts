// Logging with pino: human-readable on a TTY (pino-pretty), JSON lines otherwise. Logs go to
// stderr so stdout stays free for data (status line, NDJSON output of later commands).
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, opts: { pretty?: boolean } = {}): Logger {
  const pretty = opts.pretty ?? process.stderr.isTTY === true;
  if (pretty) {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino({ level, base: undefined }, pino.destination({ dest: 2, sync: false }));
}

/** A logger that discards everything (tests, library use without logging). */
export const silentLogger: Logger = pino({ level: 'silent' });
