// Starts a Kraken / OKX / Bitfinex mode: the symbols' market models (and the names they answer to),
// the venue's protocol module, and the shared launch with this family's server, engine and faults.
import type { FaultMode } from '../fault-runner.js';
import { emptyFaultState } from '../fault-state.js';
import type { SimHandle, SimOptions } from '../handle.js';
import { baseOptions, launch, makeSymbols } from '../launch.js';
import { BingxProtocol } from '../bingx/protocol.js';
import { BitfinexProtocol } from '../bitfinex/protocol.js';
import { CoinbaseProtocol } from '../coinbase/protocol.js';
import { BybitProtocol } from '../bybit/protocol.js';
import { KrakenProtocol } from '../kraken/protocol.js';
import { KucoinProtocol } from '../kucoin/protocol.js';
import { MexcFuturesProtocol } from '../mexc/futures.js';
import { MexcSpotProtocol } from '../mexc/spot.js';
import { OkxProtocol } from '../okx/protocol.js';
import type { VenueConn, VenueCtx, VenueOptions, VenueProtocol } from './context.js';
import { VenueEngine } from './engine.js';
import { VenueServer, sendTo } from './server.js';
import { makeVenueInstrument, type ProtoVenue } from './symbols.js';

export async function startProtoSim(venue: ProtoVenue, options: SimOptions): Promise<SimHandle> {
  const { base, specs } = baseOptions(options);
  const opts: VenueOptions = {
    ...base,
    venue,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    okxIdleEvery: options.okxIdleEvery ?? 50,
    okxChecksumZero: options.okxChecksumZero ?? false,
  };
  const aliases = new Map<string, string>();
  const symbols = makeSymbols(options, venue, (text) => makeVenueInstrument(text, venue), (text, inst) => {
    aliases.set(text, inst.venueSymbol);
    const unified = inst.swap ? `${inst.base}/${inst.quote}:${inst.settle}` : `${inst.base}/${inst.quote}`;
    aliases.set(unified, inst.venueSymbol);
    aliases.set(unified.replace(/[/:]/g, ''), inst.venueSymbol); // SYMBOL_FS, as data files name it
    aliases.set(inst.venueSymbol.replace(/[/\-:]/g, ''), inst.venueSymbol);
  });
  const ctx: VenueCtx = {
    opts,
    symbols,
    conns: new Map(),
    faults: emptyFaultState(),
    lastKey: new Map(),
    framesSent: 0,
    send: (c, text) => sendTo(ctx, c, text),
    sendBinary: (c, bytes) => sendTo(ctx, c, bytes),
  };
  // KuCoin's bullet token names this server's socket endpoint, known once it listens (below).
  const kucoin = venue === 'kucoin' || venue === 'kucoin-futures' ? new KucoinProtocol(ctx, venue === 'kucoin-futures') : undefined;
  const proto: VenueProtocol = kucoin !== undefined ? kucoin : venue === 'kraken' ? new KrakenProtocol(ctx) : venue === 'okx' ? new OkxProtocol(ctx)
    : venue === 'coinbase' ? new CoinbaseProtocol(ctx)
    : venue === 'mexc' ? new MexcSpotProtocol(ctx) : venue === 'mexc-futures' ? new MexcFuturesProtocol(ctx)
    : venue === 'bingx' || venue === 'bingx-swap' ? new BingxProtocol(ctx)
    : venue === 'bybit' || venue === 'bybit-linear' ? new BybitProtocol(ctx) : new BitfinexProtocol(ctx);
  const handle = await launch(options, specs, ctx, {
    alias: (symbol) => aliases.get(symbol),
    faults: venueFaults(ctx, proto),
    server: new VenueServer(ctx, proto),
    engine: new VenueEngine(ctx, proto),
    wsPath: proto.wsPath,
    connections: () => ctx.conns.size,
    framesSent: () => ctx.framesSent,
  });
  kucoin?.listening(handle.wsUrl);
  return handle;
}

/** The faults the protocol module models, acting through it. */
function venueFaults(ctx: VenueCtx, proto: VenueProtocol): FaultMode<VenueConn> {
  return {
    supported: proto.faults,
    unsupportedWhy: `supported: ${[...proto.faults].join(', ')}`,
    connections: () => ctx.conns.values(),
    hasStreams: (c) => c.subs.size > 0,
    send: (c, data) => (typeof data === 'string' ? ctx.send(c, data) : ctx.sendBinary(c, data)),
    malformed: (c, n) => proto.malformed(c, n),
    shutdown: (c) => proto.shutdown(c),
    onStall: proto.onStall && ((untilMs) => proto.onStall!(untilMs)),
    connFault: proto.connBookFaults === true ? (kind, c, o) => {
      // held in sendTo; the stall over, sent in order (a frame to a socket closed meanwhile is dropped)
      if (kind === 'stall') ctx.faults.conn.stall(c.id, o.durationMs, (frames) => { for (const f of frames) sendTo(ctx, c, f); });
      else ctx.faults.conn.armBook(c.id, kind, o.venueSymbol);
    } : undefined,
  };
}
