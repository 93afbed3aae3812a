// One socket of a Connection and what we know about it: times, sequence, why it ended.
import type WebSocket from 'ws';
import type { MarketfeedError } from '../core/errors.js';

/** Process-wide: every socket opened gets the next id, so connIds never repeat within a run. */
let lastConnId = 0;

export function nextConnId(): number {
  return ++lastConnId;
}

/**
 * One socket and what we know about it. A Connection holds one, or two while rotating. Its times
 * are monotonic µs (monoUs), not local time: they only ever measure spans for the watchdog.
 */
export class Leg {
  recvSeq = 0;
  /** µs; 0 while the handshake is running. */
  openedUs = 0;
  lastDataUs = 0;
  /** µs of our outstanding ping; 0 = none outstanding. */
  pingSentUs = 0;
  nextPingUs = 0;
  /** µs when the next application-level ping is due (venues that need one, e.g. OKX "ping"). */
  nextAppPingUs = 0;
  gotData = false;
  /** subscribeAfter: the greeting has not come yet, so the subscribe frames wait. */
  awaitingGreeting = false;
  warned = false;
  /** µs when we asked it to close; 0 = not closing. */
  closingSinceUs = 0;
  /** Why we (or the venue) ended it; set before the 'close' event. */
  error: MarketfeedError | undefined = undefined;
  /** From a 429/418 upgrade response. */
  retryAfterMs = 0;
  constructor(
    readonly connId: number,
    readonly ws: WebSocket,
    readonly createdUs: number,
    /** The URL this socket opened (a resolved one differs per socket). */
    readonly url: string,
    /** Application-level ping interval of this socket (0: none). */
    readonly appPingMs: number,
  ) {}
}
