// The one error catalogue. Every code is documented in docs/errors.md (a test keeps the two in
// agreement). Errors are values a user can act on: which venue and symbol, what was expected,
// what arrived, and what marketfeed does about it (`recovery`).

export type Recovery = 'drop' | 'resync' | 'reconnect' | 'retry' | 'fatal';

export const ERRORS = {
  MF_ERR_CONFIG: { recovery: 'fatal', message: 'invalid configuration' },
  MF_ERR_USAGE: { recovery: 'fatal', message: 'invalid command line' },
  MF_ERR_UNKNOWN_VENUE: { recovery: 'fatal', message: 'unknown venue' },
  MF_ERR_UNKNOWN_SYMBOL: { recovery: 'fatal', message: 'symbol not listed by the venue' },
  MF_ERR_UNREACHABLE: { recovery: 'fatal', message: 'venue endpoint unreachable' },
  MF_ERR_HTTP: { recovery: 'retry', message: 'unexpected HTTP response' },
  MF_ERR_RATE_LIMITED: { recovery: 'retry', message: 'rate limited by the venue (429/418)' },
  MF_ERR_OPEN_TIMEOUT: { recovery: 'reconnect', message: 'websocket did not open in time' },
  MF_ERR_PING_TIMEOUT: { recovery: 'reconnect', message: 'no pong from the venue in time' },
  MF_ERR_NO_DATA: { recovery: 'reconnect', message: 'no data received for too long' },
  MF_ERR_DISCONNECTED: { recovery: 'reconnect', message: 'websocket closed' },
  MF_ERR_MALFORMED_FRAME: { recovery: 'drop', message: 'malformed frame' },
  MF_ERR_SEQ_GAP: { recovery: 'resync', message: 'sequence gap in book updates' },
  MF_ERR_SNAPSHOT_STALE: { recovery: 'resync', message: 'snapshot older than the buffered updates' },
  MF_ERR_SNAPSHOT_FAILED: { recovery: 'resync', message: 'snapshot request failed' },
  MF_ERR_WRITE_FAILED: { recovery: 'drop', message: 'writing to storage failed' },
  MF_ERR_LOCKED: { recovery: 'fatal', message: 'another process writes these files' },
} as const satisfies Record<string, { recovery: Recovery; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorContext {
  venue?: string;
  symbol?: string;
  expected?: string;
  got?: string;
  /** Key path for config errors (`ws.pingIntervalS`). */
  path?: string;
  cause?: unknown;
  /** For MF_ERR_RATE_LIMITED: how long the venue asked us to wait. */
  retryAfterMs?: number;
  status?: number;
}

export class MarketfeedError extends Error {
  readonly code: ErrorCode;
  readonly recovery: Recovery;
  readonly venue?: string;
  readonly symbol?: string;
  readonly expected?: string;
  readonly got?: string;
  readonly path?: string;
  readonly retryAfterMs?: number;
  readonly status?: number;

  constructor(code: ErrorCode, detail: string, ctx: ErrorContext = {}) {
    super(formatMessage(code, detail, ctx), ctx.cause === undefined ? undefined : { cause: ctx.cause });
    this.name = 'MarketfeedError';
    this.code = code;
    this.recovery = ERRORS[code].recovery;
    this.venue = ctx.venue;
    this.symbol = ctx.symbol;
    this.expected = ctx.expected;
    this.got = ctx.got;
    this.path = ctx.path;
    this.retryAfterMs = ctx.retryAfterMs;
    this.status = ctx.status;
  }
}

function formatMessage(code: ErrorCode, detail: string, ctx: ErrorContext): string {
  const where = [ctx.venue, ctx.symbol].filter(Boolean).join(' ');
  const parts = [`${code}: ${where ? where + ': ' : ''}${detail}`];
  if (ctx.expected !== undefined) parts.push(`expected ${ctx.expected}`);
  if (ctx.got !== undefined) parts.push(`got ${ctx.got}`);
  // one line whatever the user typed: a symbol or value with a newline in it is shown escaped
  return parts.join('; ').replace(CONTROL_CHARS, (c) => JSON.stringify(c).slice(1, -1));
}

const CONTROL_CHARS = /[\u0000-\u001f\u007f]/g;

export function isMarketfeedError(e: unknown, code?: ErrorCode): e is MarketfeedError {
  return e instanceof MarketfeedError && (code === undefined || e.code === code);
}
