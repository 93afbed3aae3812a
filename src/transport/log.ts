// The slice of pino that transport uses. Optional everywhere: a library user who passes no
// logger pays nothing (calls are guarded by `log?.`).

export type LogFn = (obj: object, msg: string) => void;

export interface TransportLog {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}
