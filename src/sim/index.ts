// The simulated exchange: Binance spot or USD-M futures, on 127.0.0.1, speaking the real wire
// protocols (PROTOCOLS.md §1–2) with a seeded market model, ground truth for tests, and faults.
//
//   const sim = await startSim({ symbols: ['BTCUSDT'], seed: 1, faults: 'gap=7s' });
//   … point a recorder at sim.restUrl / sim.wsUrl …
//   sim.truth.topAt('BTCUSDT', u)   // the top 50 a verified book must show after frame u
import { Engine } from './engine.js';
import { FaultRunner } from './fault-runner.js';
import { emptyFaultCounts, parseFaults, type FaultKind, type FaultOptions, type FaultSpec } from './faults.js';
import { makeInstrument, splitSymbol, type SimVenue } from './instruments.js';
import { SimServer } from './server.js';
import type { InjectedGap, ResolvedOptions, SimCore } from './sim-core.js';
import { SymbolState } from './symbol-state.js';
import type { TopOfBook } from './truth.js';
import { WsHub } from './ws-hub.js';

export { FAULT_KINDS, parseFaults, type FaultKind, type FaultOptions, type FaultSpec } from './faults.js';
export type { InjectedGap } from './sim-core.js';
export type { TopOfBook } from './truth.js';
export type { SimVenue } from './instruments.js';

export interface SimOptions {
  /** Protocol mode; default 'binance' (spot). */
  venue?: SimVenue;
  host?: string;
  /** 0 = a free port chosen by the OS (default). */
  port?: number;
  /** `BTCUSDT`, `BTC/USDT` or `BTC/USDT:USDT`. */
  symbols: string[];
  seed?: number;
  /** Depth diff cadence; default 100. Fractions of a ms work (frames are caught up in bursts). */
  diffIntervalMs?: number;
  /** Book depth per side; default 1000. */
  levels?: number;
  faults?: string | FaultSpec[];
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
  /** ws://host:port */
  wsUrl: string;
  /** Venue symbols served (`BTCUSDT`). */
  venueSymbols: string[];
  truth: {
    /** Top-N after the diff frame whose final id is `updateId` (undefined if unknown or evicted). */
    topAt(venueSymbol: string, updateId: number): TopOfBook | undefined;
    /** Final id of the newest frame (sent or dropped by a gap fault). */
    lastUpdateId(venueSymbol: string): number;
    /** Oldest frame id still held. */
    firstUpdateId(venueSymbol: string): number;
  };
  stats(): SimStats;
  injected: { readonly gaps: InjectedGap[]; readonly malformed: number; readonly disconnects: number };
  inject(kind: FaultKind, opts?: FaultOptions): void;
  stop(): Promise<void>;
}

export async function startSim(options: SimOptions): Promise<SimHandle> {
  const venue: SimVenue = options.venue ?? 'binance';
  if (venue !== 'binance' && venue !== 'binance-futures') throw new Error(`sim: unknown venue ${JSON.stringify(venue)}`);
  const futures = venue === 'binance-futures';
  const diffIntervalMs = options.diffIntervalMs ?? 100;
  if (!(diffIntervalMs > 0)) throw new Error('sim: diffIntervalMs must be > 0');
  if (options.symbols.length === 0) throw new Error('sim: at least one symbol is needed');
  const specs = typeof options.faults === 'string' ? parseFaults(options.faults) : (options.faults ?? []);
  const opts: ResolvedOptions = {
    venue,
    diffIntervalMs,
    serverPingIntervalMs: options.serverPingIntervalMs ?? (futures ? 180_000 : 20_000),
    pongTimeoutMs: options.pongTimeoutMs ?? (futures ? 600_000 : 60_000),
    maxSessionMs: options.maxSessionMs ?? 0,
    maxIncomingPerSec: options.maxIncomingPerSec ?? (futures ? 10 : 5),
    stallMs: options.stallMs ?? 3000,
    slowSnapshotMs: options.slowSnapshotMs ?? 2000,
  };
  const startMs = Date.now();
  const symbols = new Map<string, SymbolState>();
  for (const text of options.symbols) {
    const inst = makeInstrument(text, venue);
    if (symbols.has(inst.venueSymbol)) continue;
    symbols.set(inst.venueSymbol, new SymbolState(inst, venue, {
      seed: options.seed ?? 1,
      levels: Math.max(1, options.levels ?? 1000),
      truthHistory: options.truthHistory ?? 200_000,
      truthDepth: options.truthDepth ?? 50,
      startMs,
    }));
  }
  const core: SimCore = {
    opts,
    futures,
    symbols,
    hub: new WsHub(venue, new Set([...symbols.values()].map((s) => s.inst.streamId))),
    faults: {
      counts: emptyFaultCounts(), gaps: [], gapNext: new Set(), stalledUntilMs: 0, slowNextMs: 0, staleNext: false, rateLimitLeft: 0,
    },
  };
  const server = new SimServer(core);
  const host = options.host ?? '127.0.0.1';
  const port = await server.listen(host, options.port ?? 0);
  const engine = new Engine(core);
  const faults = new FaultRunner(core);
  engine.start();
  server.startPings();
  faults.start(specs);

  const stateOf = (symbol: string): SymbolState | undefined => {
    const direct = symbols.get(symbol);
    if (direct) return direct;
    const parts = splitSymbol(symbol);
    return parts ? symbols.get(parts.base + parts.quote) : undefined;
  };
  let stopped: Promise<void> | undefined;
  return {
    venue,
    port,
    restUrl: `http://${host}:${port}`,
    wsUrl: `ws://${host}:${port}`,
    venueSymbols: [...symbols.keys()],
    truth: {
      topAt: (symbol, updateId) => stateOf(symbol)?.truth.topAt(updateId),
      lastUpdateId: (symbol) => stateOf(symbol)?.truth.lastUpdateId() ?? 0,
      firstUpdateId: (symbol) => stateOf(symbol)?.truth.firstUpdateId() ?? 0,
    },
    stats: () => ({
      connections: core.hub.connections.size,
      framesSent: core.hub.framesSent,
      restRequests: server.restRequests,
      faultsInjected: { ...core.faults.counts },
      gaps: [...core.faults.gaps],
    }),
    injected: {
      get gaps() { return core.faults.gaps; },
      get malformed() { return faults.malformedSent; },
      get disconnects() { return faults.disconnects; },
    },
    inject: (kind, o) => faults.inject(kind, o),
    stop: () => {
      stopped ??= (async () => {
        engine.stop();
        faults.stop();
        await server.close();
      })();
      return stopped;
    },
  };
}
