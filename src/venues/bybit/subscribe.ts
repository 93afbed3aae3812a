// Which sockets to open and what to send on them (PROTOCOLS-MORE.md §1.1). The ws base is the full
// public socket URL (`wss://stream.bybit.com/v5/public/spot|linear`, or the simulator's); topics
// are subscribed after open with {"op":"subscribe","args":["orderbook.50.BTCUSDT",…]}. A symbol's
// topics stay on one socket, so its book and quotes share a fate.
import type { ConnectionPlan, Kind } from '../types.js';
import type { BybitMarket } from './market.js';

/**
 * The verified book's topic depth for a configured depth: 50, 200 or 1000 (spot and linear both,
 * since 2025-08-14; linear 500 was removed 2025-09-11). Never 1: depth 1 is snapshot-only and
 * re-pushes the same u after 3 s idle, so it has no chain to verify — it serves quotes instead.
 */
export function bookTopicDepth(depth: number): number {
  return depth <= 50 ? 50 : depth <= 200 ? 200 : 1000;
}

/** Symbols per socket: a fault or a slow reader costs at most this many books. */
export const MAX_SYMBOLS_PER_CONNECTION = 50;
/** "The args array … must not exceed 21,000 characters" per public connection (connect page). */
export const MAX_ARGS_CHARS_PER_CONNECTION = 21_000;

/** The topics of one symbol for these kinds (funding, open interest and liquidations: linear only). */
export function argsFor(m: BybitMarket, venueSymbol: string, kinds: readonly Kind[], depth: number): string[] {
  const out: string[] = [];
  if (kinds.includes('book')) out.push(`orderbook.${bookTopicDepth(depth)}.${venueSymbol}`);
  if (kinds.includes('trades')) out.push(`publicTrade.${venueSymbol}`);
  // Best bid/ask: the depth-1 topic (10 ms) on both markets; tickers carry the 24 h figures.
  if (kinds.includes('quote')) out.push(`orderbook.1.${venueSymbol}`, `tickers.${venueSymbol}`);
  if (kinds.includes('derivative') && m.category === 'linear') {
    if (!out.includes(`tickers.${venueSymbol}`)) out.push(`tickers.${venueSymbol}`);
    out.push(`allLiquidation.${venueSymbol}`);
  }
  return out;
}

/** Subscribe frames for one socket's topics, at most `maxArgsPerRequest` args each. */
function subscribeFrames(m: BybitMarket, args: readonly string[]): string[] {
  const frames: string[] = [];
  for (let i = 0; i < args.length; i += m.maxArgsPerRequest) {
    frames.push(JSON.stringify({ op: 'subscribe', args: args.slice(i, i + m.maxArgsPerRequest) }));
  }
  return frames;
}

const argsChars = (args: readonly string[]): number => JSON.stringify(args).length;

export function plan(m: BybitMarket, wsBase: string, venueSymbols: readonly string[], kinds: readonly Kind[], depth = 50): ConnectionPlan[] {
  const book = kinds.includes('book');
  const plans: ConnectionPlan[] = [];
  let args: string[] = [];
  let symbols: string[] = [];
  const flush = (): void => {
    if (args.length > 0) plans.push({ url: wsBase, subscribe: subscribeFrames(m, args), venueSymbols: symbols, book });
    args = [];
    symbols = [];
  };
  for (const v of venueSymbols) {
    const mine = argsFor(m, v, kinds, depth);
    if (mine.length === 0) continue;
    if (symbols.length === MAX_SYMBOLS_PER_CONNECTION || argsChars([...args, ...mine]) > MAX_ARGS_CHARS_PER_CONNECTION) flush();
    args.push(...mine);
    symbols.push(v);
  }
  flush();
  return plans;
}

/** Unsubscribe + subscribe of one symbol's book topic: Bybit answers with a fresh snapshot. */
export function resubscribe(venueSymbol: string, depth: number): string[] {
  const args = [`orderbook.${bookTopicDepth(depth)}.${venueSymbol}`];
  return [JSON.stringify({ op: 'unsubscribe', args }), JSON.stringify({ op: 'subscribe', args })];
}

/**
 * The app-level keepalive: the docs "recommend" {"op":"ping"} every 20 s (a socket with neither
 * ping nor data is cut after 10 minutes). The answer is {"success":true,"ret_msg":"pong",…,"op":"ping"}
 * (spot, linear) or {"args":[…],"op":"pong"} (option, spread). Checked on every frame, so cheap:
 * short frames only, never a data push ({"topic":…}), then a prefix or the op.
 */
export const APP_PING = {
  text: '{"op":"ping"}',
  intervalMs: 20_000,
  isPong: (text: string): boolean => text.length < 256 && !text.startsWith('{"topic"') &&
    (text.startsWith('{"success":true,"ret_msg":"pong"') || text.includes('"op":"pong"')),
};

/** The symbols a sent `subscribe` frame names (a capture's symbols); [] for anything else. */
export function subscribedSymbols(frame: string): string[] {
  if (!frame.includes('"subscribe"')) return [];
  let x: unknown;
  try {
    x = JSON.parse(frame);
  } catch {
    return [];
  }
  const f = x as { op?: unknown; args?: unknown };
  if (f.op !== 'subscribe' || !Array.isArray(f.args)) return [];
  const out: string[] = [];
  for (const a of f.args) {
    if (typeof a !== 'string') continue;
    const sym = a.slice(a.lastIndexOf('.') + 1);
    if (sym !== '' && sym !== a && !out.includes(sym)) out.push(sym);
  }
  return out;
}
