// What starting any mode shares: the options every mode reads, the symbols' market models, and
// the launch itself — listen, run the engine on the tick clock, arm the fault schedule — ending in
// the SimHandle over those parts.
import { FaultRunner, type FaultConn, type FaultMode, type FaultTarget } from './fault-runner.js';
import { parseFaults, type FaultSpec } from './faults.js';
import { parseRandomFaults, startRandomFaults } from './fault-schedule.js';
import { applyFollow, parseFollow } from './follow.js';
import type { SimHandle, SimOptions } from './handle.js';
import type { HttpFront, HttpReply } from './http-front.js';
import type { Instrument, SimVenue } from './instruments.js';
import { SymbolState } from './symbol-state.js';
import { TickClock, type Ticked } from './tick-clock.js';

/** The options every mode resolves the same way, and its fault schedule. */
export interface BaseOptions {
  diffIntervalMs: number;
  maxSessionMs: number;
  stallMs: number;
  slowSnapshotMs: number;
}

/** Checks and resolves the options common to all modes; throws a clear Error on bad ones. */
export function baseOptions(options: SimOptions): { base: BaseOptions; specs: FaultSpec[] } {
  const diffIntervalMs = options.diffIntervalMs ?? 100;
  if (!(diffIntervalMs > 0)) throw new Error('sim: diffIntervalMs must be > 0');
  if (options.symbols.length === 0) throw new Error('sim: at least one symbol is needed');
  const specs = typeof options.faults !== 'string' ? (options.faults ?? []) : parseRandomFaults(options.faults) ? [] : parseFaults(options.faults);
  const base: BaseOptions = {
    diffIntervalMs,
    maxSessionMs: options.maxSessionMs ?? 0,
    stallMs: options.stallMs ?? 3000,
    slowSnapshotMs: options.slowSnapshotMs ?? 2000,
  };
  return { base, specs };
}

/**
 * One market model per distinct venue symbol, by venue symbol. `seen` hears every requested text
 * with its instrument (repeats included), e.g. to collect aliases.
 */
export function makeSymbols(
  options: SimOptions,
  venue: SimVenue,
  instrument: (text: string) => Instrument,
  seen?: (text: string, inst: Instrument) => void,
): Map<string, SymbolState> {
  const startMs = Date.now();
  const symbols = new Map<string, SymbolState>();
  for (const text of options.symbols) {
    const inst = instrument(text);
    seen?.(text, inst);
    if (symbols.has(inst.venueSymbol)) continue;
    symbols.set(inst.venueSymbol, new SymbolState(inst, venue, {
      seed: options.seed ?? 1,
      levels: Math.max(1, options.levels ?? 1000),
      truthHistory: options.truthHistory ?? 200_000,
      truthDepth: options.truthDepth ?? 50,
      startMs,
    }));
  }
  if (options.follow !== undefined) {
    const specs = typeof options.follow === 'string' ? parseFollow(options.follow) : options.follow;
    applyFollow(specs, symbols, (text) => instrument(text).venueSymbol);
  }
  return symbols;
}

/** What every mode's shared state holds (SimCore and VenueCtx both are one). */
export interface SimState extends FaultTarget {
  opts: FaultTarget['opts'] & { venue: SimVenue; diffIntervalMs: number };
  symbols: Map<string, SymbolState>;
}

/** One mode's parts, ready to run. */
export interface SimParts<C extends FaultConn> {
  /** Another name of a symbol → its venue symbol (for `truth`), if it has one. */
  alias(symbol: string): string | undefined;
  faults: FaultMode<C>;
  server: HttpFront<HttpReply>;
  engine: Ticked;
  /** Appended to `ws://host:port` for `wsUrl` ('' for the Binance modes' stream paths). */
  wsPath: string;
  connections(): number;
  framesSent(): number;
}

/** Listens, starts the clock and the fault schedule, and wraps the running parts in a SimHandle. */
export async function launch<C extends FaultConn>(options: SimOptions, specs: FaultSpec[], sim: SimState, p: SimParts<C>): Promise<SimHandle> {
  const { symbols, faults } = sim;
  const { server } = p;
  const runner = new FaultRunner(sim, p.faults);
  for (const spec of specs) runner.check(spec.kind);
  const host = options.host ?? '127.0.0.1';
  const port = await server.listen(host, options.port ?? 0);
  const clock = new TickClock(sim.opts.diffIntervalMs, faults, p.engine);
  clock.start();
  runner.start(specs);
  const schedule = startRandomFaults(options, p.faults, (kind, o) => runner.inject(kind, o));

  const stateOf = (symbol: string): SymbolState | undefined => symbols.get(symbol) ?? symbols.get(p.alias(symbol) ?? '');
  let stopped: Promise<void> | undefined;
  return {
    venue: sim.opts.venue,
    port,
    restUrl: `http://${host}:${port}`,
    wsUrl: `ws://${host}:${port}${p.wsPath}`,
    venueSymbols: [...symbols.keys()],
    truth: {
      topAt: (symbol, key) => stateOf(symbol)?.truth.topAt(key),
      lastUpdateId: (symbol) => stateOf(symbol)?.truth.lastUpdateId() ?? 0,
      firstUpdateId: (symbol) => stateOf(symbol)?.truth.firstUpdateId() ?? 0,
      entries: (symbol) => stateOf(symbol)?.truth.entries() ?? [],
    },
    stats: () => ({
      connections: p.connections(),
      framesSent: p.framesSent(),
      restRequests: server.restRequests,
      faultsInjected: { ...faults.counts },
      gaps: [...faults.gaps],
    }),
    injected: {
      get gaps() { return faults.gaps; },
      get corruptions() { return faults.corruptions; },
      get malformed() { return runner.malformedSent; },
      get disconnects() { return runner.disconnects; },
      get connFaults() { return faults.conn.taken; },
    },
    inject: (kind, o) => runner.inject(kind, o),
    stop: () => {
      stopped ??= (async () => {
        clock.stop();
        runner.stop();
        schedule?.stop();
        await server.close();
      })();
      return stopped;
    },
  };
}
