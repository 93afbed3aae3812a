// Which sockets to open: per socket path of the market (market.ts), one combined-stream URL per
// ≤1024 streams (web-socket-streams.md "WebSocket Limits"),
// `<ws><path>/stream?streams=btcusdt@depth@100ms/btcusdt@trade/btcusdt@bookTicker`. The URL names
// the streams, so nothing needs to be sent after open (and the 5 msg/s inbound limit is never at
// risk). The book follows the socket that carries the depth stream (ConnectionPlan.book).
import type { ConnectionPlan, Kind } from '../types.js';
import type { BinanceMarket, BinanceSocket } from './market.js';
import { streamSymbol } from './symbols.js';

export const MAX_STREAMS_PER_CONNECTION = 1024;

/** Stream names of one symbol on one socket for the requested kinds, in the socket's order. */
export function streamsFor(socket: BinanceSocket, venueSymbol: string, kinds: readonly Kind[]): string[] {
  const s = streamSymbol(venueSymbol);
  const out: string[] = [];
  for (const [kind, stream] of Object.entries(socket.streams) as [Kind, string][]) {
    if (kinds.includes(kind)) out.push(`${s}@${stream}`);
  }
  return out;
}

export function plan(m: BinanceMarket, wsBase: string, venueSymbols: string[], kinds: Kind[]): ConnectionPlan[] {
  const base = wsBase.replace(/\/+$/, '');
  const plans: ConnectionPlan[] = [];
  for (const socket of m.sockets) {
    const book = kinds.includes('book') && socket.streams.book !== undefined;
    let streams: string[] = [];
    let symbols: string[] = [];
    const flush = (): void => {
      if (streams.length === 0) return;
      plans.push({ url: `${base}${socket.path}/stream?streams=${streams.join('/')}`, subscribe: [], venueSymbols: symbols, book });
      streams = [];
      symbols = [];
    };
    for (const v of venueSymbols) {
      const mine = streamsFor(socket, v, kinds);
      if (mine.length === 0) continue;
      // A symbol's streams stay on one connection so its book and quotes share a fate.
      if (streams.length + mine.length > MAX_STREAMS_PER_CONNECTION) flush();
      streams.push(...mine);
      symbols.push(v);
    }
    flush();
  }
  return plans;
}

/**
 * A combined-stream URL read back into its plan (`…/stream?streams=btcusdt@depth@100ms/btcusdt@trade`,
 * spot or either futures path): venue symbols are the stream prefixes before `@`, uppercased, in
 * order of first mention; the socket carries books when any stream is a `@depth` stream.
 */
export function planFromUrl(url: string): ConnectionPlan | undefined {
  const q = url.indexOf('?');
  if (q < 0 || !/\/stream$/.test(url.slice(0, q))) return undefined;
  const streams = new URLSearchParams(url.slice(q + 1)).get('streams');
  if (!streams) return undefined;
  const venueSymbols: string[] = [];
  let book = false;
  for (const stream of streams.split('/')) {
    const at = stream.indexOf('@');
    if (at <= 0) continue;
    const v = stream.slice(0, at).toUpperCase();
    if (!venueSymbols.includes(v)) venueSymbols.push(v);
    if (stream.startsWith('depth', at + 1)) book = true;
  }
  return venueSymbols.length === 0 ? undefined : { url, subscribe: [], venueSymbols, book };
}
