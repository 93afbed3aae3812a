// Starts a Kraken / OKX / Bitfinex mode: the symbols' market models, the venue's protocol module,
// the shared server, clock and fault runner, wrapped in the same SimHandle as the Binance modes.
import { emptyFaultCounts, parseFaults } from '../faults.js';
import type { SimHandle, SimOptions } from '../handle.js';
import { SymbolState } from '../symbol-state.js';
import { BitfinexProtocol } from '../bitfinex/protocol.js';
import { KrakenProtocol } from '../kraken/protocol.js';
import { OkxProtocol } from '../okx/protocol.js';
import type { VenueCtx, VenueOptions, VenueProtocol } from './context.js';
import { VenueEngine } from './engine.js';
import { VenueFaultRunner } from './fault-runner.js';
import { VenueServer, sendTo } from './server.js';
import { makeVenueInstrument, type ProtoVenue } from './symbols.js';

export async function startProtoSim(venue: ProtoVenue, options: SimOptions): Promise<SimHandle> {
  const diffIntervalMs = options.diffIntervalMs ?? 100;
  if (!(diffIntervalMs > 0)) throw new Error('sim: diffIntervalMs must be > 0');
  if (options.symbols.length === 0) throw new Error('sim: at least one symbol is needed');
  const specs = typeof options.faults === 'string' ? parseFaults(options.faults) : (options.faults ?? []);
  const opts: VenueOptions = {
    venue,
    diffIntervalMs,
    maxSessionMs: options.maxSessionMs ?? 0,
    stallMs: options.stallMs ?? 3000,
    slowSnapshotMs: options.slowSnapshotMs ?? 2000,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    okxIdleEvery: options.okxIdleEvery ?? 50,
    okxChecksumZero: options.okxChecksumZero ?? false,
  };
  const startMs = Date.now();
  const symbols = new Map<string, SymbolState>();
  const aliases = new Map<string, string>();
  for (const text of options.symbols) {
    const inst = makeVenueInstrument(text, venue);
    aliases.set(text, inst.venueSymbol);
    if (symbols.has(inst.venueSymbol)) continue;
    symbols.set(inst.venueSymbol, new SymbolState(inst, venue, {
      seed: options.seed ?? 1,
      levels: Math.max(1, options.levels ?? 1000),
      truthHistory: options.truthHistory ?? 200_000,
      truthDepth: options.truthDepth ?? 50,
      startMs,
    }));
    const unified = inst.swap ? `${inst.base}/${inst.quote}:${inst.settle}` : `${inst.base}/${inst.quote}`;
    aliases.set(unified, inst.venueSymbol);
    aliases.set(unified.replace(/[/:]/g, ''), inst.venueSymbol); // SYMBOL_FS, as data files name it
    aliases.set(inst.venueSymbol.replace(/[/\-:]/g, ''), inst.venueSymbol);
  }
  const ctx: VenueCtx = {
    opts,
    symbols,
    conns: new Map(),
    faults: {
      counts: emptyFaultCounts(), gaps: [], corruptions: [], gapNext: new Set(), corruptNext: new Set(),
      stalledUntilMs: 0, slowNextMs: 0, staleNext: false, rateLimitLeft: 0,
    },
    lastKey: new Map(),
    framesSent: 0,
    send: (c, text) => sendTo(ctx, c, text),
  };
  const proto: VenueProtocol = venue === 'kraken' ? new KrakenProtocol(ctx) : venue === 'okx' ? new OkxProtocol(ctx) : new BitfinexProtocol(ctx);
  const faults = new VenueFaultRunner(ctx, proto);
  for (const s of specs) faults.check(s.kind);
  const server = new VenueServer(ctx, proto);
  const host = options.host ?? '127.0.0.1';
  const port = await server.listen(host, options.port ?? 0);
  const engine = new VenueEngine(ctx, proto);
  engine.start();
  faults.start(specs);

  const stateOf = (symbol: string): SymbolState | undefined => symbols.get(symbol) ?? symbols.get(aliases.get(symbol) ?? '');
  let stopped: Promise<void> | undefined;
  return {
    venue,
    port,
    restUrl: `http://${host}:${port}`,
    wsUrl: `ws://${host}:${port}${proto.wsPath}`,
    venueSymbols: [...symbols.keys()],
    truth: {
      topAt: (symbol, key) => stateOf(symbol)?.truth.topAt(key),
      lastUpdateId: (symbol) => stateOf(symbol)?.truth.lastUpdateId() ?? 0,
      firstUpdateId: (symbol) => stateOf(symbol)?.truth.firstUpdateId() ?? 0,
    },
    stats: () => ({
      connections: ctx.conns.size,
      framesSent: ctx.framesSent,
      restRequests: server.restRequests,
      faultsInjected: { ...ctx.faults.counts },
      gaps: [...ctx.faults.gaps],
    }),
    injected: {
      get gaps() { return ctx.faults.gaps; },
      get corruptions() { return ctx.faults.corruptions; },
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
