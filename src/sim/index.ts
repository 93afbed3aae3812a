// The simulated exchange: Binance spot or USD-M futures (PROTOCOLS.md §1–2), Kraken spot WS v2
// (§3), Bitfinex v2 (§5) or OKX v5 (§6), on 127.0.0.1, speaking the real wire protocols with a
// seeded market model, ground truth for tests, and faults.
//
//   const sim = await startSim({ symbols: ['BTCUSDT'], seed: 1, faults: 'gap=7s' });
//   … point a recorder at sim.restUrl / sim.wsUrl …
//   sim.truth.topAt('BTCUSDT', u)   // the top 50 a verified book must show after frame u
//   const k = await startSim({ venue: 'kraken', symbols: ['BTC/USD'], faults: 'gap=7s,corrupt=5s' });
//   k.truth.topAt('BTC/USD', tsUs)  // after the book update stamped tsUs (µs)
import { Engine } from './engine.js';
import { FaultRunner } from './fault-runner.js';
import { startProtoSim } from './venue/start.js';
import { isProtoVenue } from './venue/symbols.js';
import type { SimHandle, SimOptions } from './handle.js';
import { emptyFaultCounts, parseFaults } from './faults.js';
import { makeInstrument, splitSymbol, type SimVenue } from './instruments.js';
import { SimServer } from './server.js';
import type { ResolvedOptions, SimCore } from './sim-core.js';
import { SymbolState } from './symbol-state.js';
import { WsHub } from './ws-hub.js';

export { FAULT_KINDS, parseFaults, type FaultKind, type FaultOptions, type FaultSpec } from './faults.js';
export type { InjectedGap } from './sim-core.js';
export type { InjectedCorruption } from './venue/context.js';
export type { SimHandle, SimOptions, SimStats } from './handle.js';
export type { TopOfBook } from './truth.js';
export type { SimVenue } from './instruments.js';

export async function startSim(options: SimOptions): Promise<SimHandle> {
  const venue: SimVenue = options.venue ?? 'binance';
  if (isProtoVenue(venue)) return startProtoSim(venue, options);
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
  const faults = new FaultRunner(core);
  for (const spec of specs) faults.check(spec.kind);
  const server = new SimServer(core);
  const host = options.host ?? '127.0.0.1';
  const port = await server.listen(host, options.port ?? 0);
  const engine = new Engine(core);
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
      corruptions: [],
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
