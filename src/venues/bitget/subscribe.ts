// Which sockets to open and what to send on them. Bitget v2 public: one URL
// (`wss://ws.bitget.com/v2/ws/public`) for every market; after open the client sends
// `{"op":"subscribe","args":[{"instType":"SPOT","channel":"books","instId":"BTCUSDT"}…]}`.
// Limits (Bitget "Websocket API" intro): at most 1000 channels per connection, but "we highly
// recommend" fewer than 50 for stability; 10 messages per second per connection; 240 subscription
// requests per hour per connection. So: ≤ 50 channels per socket, all of a symbol's channels on one
// socket, one subscribe message per socket. Channels: `books` (full depth, snapshot then
// incremental updates with a checksum), `trade`, `ticker` (quote and, for perps, mark/index/
// funding/open interest).
import type { ConnectionPlan, Kind } from '../types.js';
import { instIdOf, instTypeOf, venueSymbolOf } from './symbols.js';
import { isBitgetArg, isObj } from './wire.js';

export const MAX_CHANNELS_PER_CONNECTION = 50;

export interface SubArg {
  instType: string;
  channel: string;
  instId: string;
}

export function argOf(venueSymbol: string, channel: string): SubArg {
  return { instType: instTypeOf(venueSymbol), channel, instId: instIdOf(venueSymbol) };
}

/** Channels of one symbol for the requested kinds. */
export function channelsFor(kinds: readonly Kind[]): string[] {
  const out: string[] = [];
  if (kinds.includes('book')) out.push('books');
  if (kinds.includes('trades')) out.push('trade');
  if (kinds.includes('quote') || kinds.includes('derivative')) out.push('ticker');
  return out;
}

export function opFrame(op: 'subscribe' | 'unsubscribe', args: SubArg[]): string {
  return JSON.stringify({ op, args });
}

/** `wsBase` is the full socket URL (production or an override such as ws://127.0.0.1:9000/v2/ws/public). */
export function plan(wsBase: string, venueSymbols: string[], kinds: Kind[]): ConnectionPlan[] {
  const channels = channelsFor(kinds);
  if (channels.length === 0) return [];
  const book = channels.includes('books');
  const perSocket = Math.max(1, Math.floor(MAX_CHANNELS_PER_CONNECTION / channels.length));
  const plans: ConnectionPlan[] = [];
  for (let i = 0; i < venueSymbols.length; i += perSocket) {
    const symbols = venueSymbols.slice(i, i + perSocket);
    const args: SubArg[] = [];
    for (const v of symbols) for (const c of channels) args.push(argOf(v, c));
    plans.push({ url: wsBase, subscribe: [opFrame('subscribe', args)], venueSymbols: symbols, book });
  }
  return plans;
}

/** Unsubscribe + subscribe of one symbol's `books`: the venue answers with a fresh snapshot. */
export function resubscribe(venueSymbol: string): string[] {
  const arg = [argOf(venueSymbol, 'books')];
  return [opFrame('unsubscribe', arg), opFrame('subscribe', arg)];
}

/**
 * The venue symbols a sent subscribe frame names (v1 or v2), in order of first mention, and
 * whether it subscribes a book channel. For captures (cryptofeed's Bitget files) whose connect URL
 * names no symbols: their `<-` lines are these frames. Undefined when the text is not one.
 */
export function subscribedIn(text: string): { venueSymbols: string[]; book: boolean } | undefined {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObj(m) || m.op !== 'subscribe' || !Array.isArray(m.args)) return undefined;
  const venueSymbols: string[] = [];
  let book = false;
  for (const a of m.args) {
    if (!isBitgetArg(a)) continue;
    const v = venueSymbolOf(a.instType, a.instId);
    if (v === undefined) continue;
    if (!venueSymbols.includes(v)) venueSymbols.push(v);
    if (a.channel.startsWith('books')) book = true;
  }
  return venueSymbols.length === 0 ? undefined : { venueSymbols, book };
}
