// The public shape of a running simulator: its options, handle and stats, shared by the Binance
// modes (index.ts) and the Kraken / OKX / Bitfinex modes (venue/start.ts).
import type { ConnFaultTaken } from './conn-faults.js';
import type { FaultKind, FaultOptions, FaultSpec } from './faults.js';
import type { InjectedCorruption, InjectedGap } from './fault-state.js';
import type { FaultScope } from './fault-schedule.js';
import type { FollowSpec } from './follow.js';
import type { SimVenue } from './instruments.js';
import type { TopOfBook } from './truth.js';

export interface SimOptions {
  /** Protocol mode; default 'binance' (spot). */
  venue?: SimVenue;
  host?: string;
  /** 0 = a free port chosen by the OS (default). */
  port?: number;
  /**
   * `BTCUSDT`, `BTC/USDT` or `BTC/USDT:USDT`; the venue's own ids work too (`BTC-USDT-SWAP`,
   * `tBTCUSD`). Perpetuals (`BTC/USDT:USDT`) only in the binance-futures, okx and bingx-swap modes.
   */
  symbols: string[];
  seed?: number;
  /** Depth diff cadence; default 100. Fractions of a ms work (frames are caught up in bursts). */
  diffIntervalMs?: number;
  /** Book depth per side; default 1000. */
  levels?: number;
  /**
   * `kind=interval,…` (each kind on its own interval), the parsed list, or `random` /
   * `random=<mean interval>`: every kind the mode models, in seeded random order (fault-schedule.ts).
   */
  faults?: string | FaultSpec[];
  /** Seed of the `random` fault schedule; default `seed`. */
  faultSeed?: number;
  /** `random` schedule: `venue` (default) as the kinds are, or `line`: socket faults hit one connection each. */
  faultScope?: FaultScope;
  /**
   * Symbols whose fair price follows another's: `FOLLOWER=LEADER:RHO,…` (`ETH/USDT=BTC/USDT:0.8`)
   * or the parsed list. The follower's returns correlate with the leader's at rho; each keeps its
   * own volatility. Absent = every symbol walks on its own (the seeded sequences are unchanged).
   */
  follow?: string | FollowSpec[];
  /** Truth entries kept per symbol; default 200000 (about 800 bytes each at depth 50). */
  truthHistory?: number;
  /** Levels per side kept in truth; default 50. */
  truthDepth?: number;
  /** Default 20000 spot / 180000 futures. */
  serverPingIntervalMs?: number;
  /** No pong for this long → terminate; default 60000 spot / 600000 futures. */
  pongTimeoutMs?: number;
  /** Close connections (code 1000) older than this; 0 = never (default). */
  maxSessionMs?: number;
  /** Incoming messages per second per connection before a disconnect; default 5 spot / 10 futures; 0 = no limit. */
  maxIncomingPerSec?: number;
  /** stall fault duration; default 3000. */
  stallMs?: number;
  /** slowsnapshot fault delay; default 2000. */
  slowSnapshotMs?: number;
  /** Bitfinex: `[chan,"hb"]` after this long without a message on a channel; default 15000. */
  heartbeatMs?: number;
  /** OKX: every this many book messages a no-change update (seqId = prevSeqId); default 50; 0 = never. */
  okxIdleEvery?: number;
  /** OKX: send `checksum: 0` as after the 2026-06-23 deprecation (the corrupt fault is then refused). */
  okxChecksumZero?: boolean;
}

export interface SimStats {
  connections: number;
  framesSent: number;
  restRequests: number;
  faultsInjected: Record<FaultKind, number>;
  gaps: InjectedGap[];
}

export interface SimHandle {
  venue: SimVenue;
  port: number;
  /** http://host:port */
  restUrl: string;
  /**
   * Binance: ws://host:port (stream paths are appended). Kraken / OKX / Bitfinex: the full endpoint,
   * ws://host:port/v2, …/ws/v5/public, …/ws/2.
   */
  wsUrl: string;
  /**
   * Venue symbols served, in the venue's own ids: Binance `BTCUSDT`, Kraken v2 `BTC/USD`,
   * OKX `BTC-USDT` / `BTC-USDT-SWAP`, Bitfinex `tBTCUSD` (with the `t`; USDT is `UST`: `tBTCUST`).
   */
  venueSymbols: string[];
  /**
   * Ground truth: the top N (`truthDepth`, default 50) a verified book must show after one update.
   * The key identifies the update:
   * - Binance: the diff frame's final id `u`;
   * - OKX: the book message's `seqId` (a no-change update shares the seqId it repeats);
   * - BingX: the `@incrDepth` push's `lastUpdateId` (one per model frame, +1 each; spot `@depthN` carries it too);
   * - Kraken: the book message's `timestamp` in epoch µs (RFC3339 µs on the wire; unique and
   *   strictly increasing per symbol; a snapshot carries the key of the update it reflects);
   * - Bitfinex: the book frames' TIMESTAMP-flag `mts` × 1000 (ms, unique and increasing per
   *   symbol; every message of one update batch and its `cs` share it).
   * - KuCoin: the change's sequence (spot: each change of a level2 message has its own; futures:
   *   the message's, +1 each); a REST snapshot's `sequence` is one of them.
   * - Bybit: the book message's `u` (one counter per symbol, +1 every frame, shared by all its
   *   orderbook topics; a snapshot carries the u of the frame it reflects).
   * - Coinbase: the l2_data message's `timestamp` in epoch µs (its nanoseconds cut; unique and
   *   increasing per product; a snapshot carries the key of the update it reflects).
   * Texts: Binance/Kraken fixed decimals (`60000.0`, `0.10000000`), OKX as its wire strings
   * (trailing zeros trimmed), Bitfinex as JS `String(number)`, asks with positive amounts.
   * Symbols: the venue id, the unified symbol or its file-name form (`BTCUSD`).
   */
  truth: {
    /** Top-N after the update identified by `key` (undefined if unknown or evicted). */
    topAt(venueSymbol: string, key: number): TopOfBook | undefined;
    /** Key of the newest update (sent or dropped by a gap fault). */
    lastUpdateId(venueSymbol: string): number;
    /** Oldest key still held. */
    firstUpdateId(venueSymbol: string): number;
    /** Every entry still held, oldest first (none for an unknown symbol). */
    entries(venueSymbol: string): Iterable<[key: number, top: TopOfBook]>;
  };
  stats(): SimStats;
  /**
   * Injected book faults, for tests to check each was caught. Gaps: Binance the dropped frame's
   * U..u; OKX the dropped message's first model id..seqId; Kraken/Bitfinex from = to = its key.
   * Corruptions: the altered level of one update (checksum venues only).
   */
  injected: {
    readonly gaps: InjectedGap[];
    readonly corruptions: InjectedCorruption[];
    readonly malformed: number;
    readonly disconnects: number;
    /** Faults of single connections (`inject(kind, { connId | connUrl })`), as taken. */
    readonly connFaults: readonly ConnFaultTaken[];
  };
  inject(kind: FaultKind, opts?: FaultOptions): void;
  stop(): Promise<void>;
}
