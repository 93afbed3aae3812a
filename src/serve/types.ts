// What every part of the server (relay, REST, metrics WebSocket, dashboard data) reads: the
// streams being recorded, how a client's `exchange` + `symbol` name one of them, and the events
// as they are produced. A recorder in this process (`record --serve`) and the live files of
// another (`serve --data-dir`) both present themselves as a ServeSource, so nothing downstream
// knows which one it is fed by.
import type { MarketEvent } from '../core/events.js';
import type { Logger } from '../core/log.js';

/** One recorded stream. */
export interface StreamRef {
  /** Venue id as given to --venue (the events' `venue`), also with --sim. */
  venue: string;
  /** Unified symbol (`BTC/USDT`). */
  symbol: string;
  /** The venue's own id (`BTCUSDT`). */
  venueSymbol: string;
  /** Folder of its files under the data dir: the venue id, or `sim-<venue>` for `record --sim`. */
  label: string;
  /** Levels per side of its book rows (the recorded depth); 0 when no book is recorded. */
  depth: number;
}

/** A client's `exchange` + `symbol`, looked up: the stream, or the HTTP status and one line why not. */
export type Resolved = { ok: true; stream: StreamRef } | { ok: false; status: 400 | 404; error: string };

export type EventListener = (ev: MarketEvent) => void;

export interface ServeSource {
  /** The data directory: stored candles and trades are read from it (never a path a client sent). */
  readonly dataDir: string;
  /** `exchange` is a venue id (any case); `symbol` the venue id (`BTCUSDT`) or unified (`BTC/USDT`), any case. */
  resolve(exchange: string, symbol: string): Resolved;
  streams(): readonly StreamRef[];
  /**
   * Every event, in the order produced, synchronously. Returns the unsubscribe. A listener must
   * be quick and must not throw: it runs on the recorder's hot path.
   */
  listen(fn: EventListener): () => void;
  readonly log: Logger;
}
