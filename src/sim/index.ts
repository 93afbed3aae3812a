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
import type { FaultMode } from './fault-runner.js';
import { BINANCE_FAULTS, malformedFrame } from './faults.js';
import { emptyFaultState } from './fault-state.js';
import type { SimHandle, SimOptions } from './handle.js';
import { makeInstrument, splitSymbol, type SimVenue } from './instruments.js';
import { baseOptions, launch, makeSymbols } from './launch.js';
import { SimServer } from './server.js';
import type { ResolvedOptions, SimCore } from './sim-core.js';
import { startProtoSim } from './venue/start.js';
import { isProtoVenue } from './venue/symbols.js';
import { serverShutdown, wrap } from './wire.js';
import { WsHub, type SimConnection } from './ws-hub.js';

export { FAULT_KINDS, parseFaults, type FaultKind, type FaultOptions, type FaultSpec } from './faults.js';
export { parseFollow, type FollowSpec } from './follow.js';
export type { InjectedCorruption, InjectedGap } from './fault-state.js';
export type { SimHandle, SimOptions, SimStats } from './handle.js';
export type { TopOfBook } from './truth.js';
export type { SimVenue } from './instruments.js';

export async function startSim(options: SimOptions): Promise<SimHandle> {
  const venue: SimVenue = options.venue ?? 'binance';
  if (isProtoVenue(venue)) return startProtoSim(venue, options);
  if (venue !== 'binance' && venue !== 'binance-futures') throw new Error(`sim: unknown venue ${JSON.stringify(venue)}`);
  const futures = venue === 'binance-futures';
  const { base, specs } = baseOptions(options);
  const opts: ResolvedOptions = {
    ...base,
    venue,
    serverPingIntervalMs: options.serverPingIntervalMs ?? (futures ? 180_000 : 20_000),
    pongTimeoutMs: options.pongTimeoutMs ?? (futures ? 600_000 : 60_000),
    maxIncomingPerSec: options.maxIncomingPerSec ?? (futures ? 10 : 5),
  };
  const symbols = makeSymbols(options, venue, (text) => makeInstrument(text, venue));
  const core: SimCore = {
    opts,
    futures,
    symbols,
    hub: new WsHub(venue, new Set([...symbols.values()].map((s) => s.inst.streamId))),
    faults: emptyFaultState(),
  };
  core.hub.connFaults = core.faults.conn;
  return launch(options, specs, core, {
    alias: (symbol) => {
      const parts = splitSymbol(symbol);
      return parts ? parts.base + parts.quote : undefined;
    },
    faults: binanceFaults(core),
    server: new SimServer(core),
    engine: new Engine(core),
    wsPath: '',
    connections: () => core.hub.connections.size,
    framesSent: () => core.hub.framesSent,
  });
}

/** The Binance modes' faults: all but `corrupt`, sent through the hub. */
function binanceFaults(core: SimCore): FaultMode<SimConnection> {
  return {
    supported: BINANCE_FAULTS,
    unsupportedWhy: 'it has no book checksum',
    connections: () => core.hub.connections.values(),
    hasStreams: (c) => c.streams.size > 0,
    send: (c, data) => {
      if (typeof data !== 'string') throw new Error('sim: the Binance modes send text frames only');
      core.hub.send(c, data);
    },
    malformed: (c, n, nowMs) => {
      const first = c.streams.values().next();
      const stream = c.combined ? (first.done ? 'btcusdt@depth@100ms' : first.value) : undefined;
      return malformedFrame(n, [...core.symbols.keys()][0], stream, nowMs);
    },
    // one connection's own faults: its copy of a depth update dropped or cut short, or a stall
    connFault: (kind, c, o) => {
      if (kind === 'stall') core.faults.conn.stall(c.id, o.durationMs, (frames) => { for (const f of frames) if (typeof f === 'string') core.hub.send(c, f); });
      else core.faults.conn.armBook(c.id, kind, o.venueSymbol);
    },
    shutdown: (c, nowMs) => {
      const payload = serverShutdown(nowMs);
      core.hub.send(c, c.combined ? wrap('!serverShutdown', payload) : payload);
      c.ws.close(1001, 'server shutdown');
    },
  };
}
