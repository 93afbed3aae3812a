// Which sockets to open and what to send on them (PROTOCOLS-MORE.md §4.1, §4.2). Neither market
// names streams in its URL: channels are subscribed after open, and a symbol's channels stay on
// one socket so its book and quotes share a fate.
//
//   spot     wss://wbs-api.mexc.com/ws  {"method":"SUBSCRIPTION","params":[topic…]} (JSON text),
//            ≤30 topics per connection; data comes back as binary protobuf
//   futures  wss://contract.mexc.com/edge  one {"method":"sub.<channel>","param":{"symbol":…}} per channel
import type { ConnectionPlan, Kind } from '../types.js';

/** "At most 30 subscriptions per connection" (spot). */
export const MAX_SPOT_TOPICS = 30;
/** Futures documents no per-connection limit; a modest share per socket bounds what one drop costs. */
export const MAX_FUTURES_SYMBOLS = 20;

/** The spot interval of the aggregated streams: 100ms (10ms is the other choice). */
const SPOT_INTERVAL = '100ms';

export const spotTopic = {
  book: (s: string) => `spot@public.aggre.depth.v3.api.pb@${SPOT_INTERVAL}@${s}`,
  trades: (s: string) => `spot@public.aggre.deals.v3.api.pb@${SPOT_INTERVAL}@${s}`,
  quote: (s: string) => `spot@public.aggre.bookTicker.v3.api.pb@${SPOT_INTERVAL}@${s}`,
} as const;

/** Spot topics of one symbol for these kinds (spot has no derivatives). */
export function spotTopicsFor(venueSymbol: string, kinds: readonly Kind[]): string[] {
  const out: string[] = [];
  for (const k of ['book', 'trades', 'quote'] as const) if (kinds.includes(k)) out.push(spotTopic[k](venueSymbol));
  return out;
}

export function spotPlan(wsBase: string, venueSymbols: string[], kinds: Kind[]): ConnectionPlan[] {
  const book = kinds.includes('book');
  const plans: ConnectionPlan[] = [];
  let topics: string[] = [];
  let symbols: string[] = [];
  const flush = (): void => {
    if (topics.length > 0) plans.push({ url: wsBase, subscribe: [JSON.stringify({ method: 'SUBSCRIPTION', params: topics })], venueSymbols: symbols, book });
    topics = [];
    symbols = [];
  };
  for (const v of venueSymbols) {
    const mine = spotTopicsFor(v, kinds);
    if (mine.length === 0) continue;
    if (topics.length + mine.length > MAX_SPOT_TOPICS) flush();
    topics.push(...mine);
    symbols.push(v);
  }
  flush();
  return plans;
}

/** Futures subscribe frames of one symbol: depth increments (merged), deals, the top-5 book for quotes, the ticker for funding. */
export function futuresFramesFor(venueSymbol: string, kinds: readonly Kind[]): string[] {
  const out: string[] = [];
  const sub = (method: string, extra = ''): string => `{"method":"${method}","param":{"symbol":"${venueSymbol}"${extra}}}`;
  // compress:true (the default since 2025-04-09) merges pushes; each then carries begin..end.
  if (kinds.includes('book')) out.push(sub('sub.depth', ',"compress":true'));
  if (kinds.includes('trades')) out.push(sub('sub.deal'));
  if (kinds.includes('quote')) out.push(sub('sub.depth.full', ',"limit":5'));
  if (kinds.includes('derivative')) out.push(sub('sub.ticker'));
  return out;
}

export function futuresPlan(wsBase: string, venueSymbols: string[], kinds: Kind[]): ConnectionPlan[] {
  const book = kinds.includes('book');
  const plans: ConnectionPlan[] = [];
  for (let i = 0; i < venueSymbols.length; i += MAX_FUTURES_SYMBOLS) {
    const symbols = venueSymbols.slice(i, i + MAX_FUTURES_SYMBOLS);
    const subscribe = symbols.flatMap((v) => futuresFramesFor(v, kinds));
    if (subscribe.length > 0) plans.push({ url: wsBase, subscribe, venueSymbols: symbols, book });
  }
  return plans;
}

/**
 * Keepalives: spot `{"method":"PING"}` → `{"id":0,"code":0,"msg":"PONG"}` (the socket closes after
 * 60 s without data); futures `{"method":"ping"}` every 10–20 s → `{"channel":"pong","data":ms}`
 * (closed after a minute without one).
 */
export const SPOT_PING = { text: '{"method":"PING"}', intervalMs: 20_000, isPong: (text: string): boolean => text.length < 64 && text.includes('"msg":"PONG"') };
export const FUTURES_PING = { text: '{"method":"ping"}', intervalMs: 15_000, isPong: (text: string): boolean => text.startsWith('{"channel":"pong"') };

/** The symbols a sent spot SUBSCRIPTION frame names (a capture's symbols); [] for anything else. */
export function spotSubscribedSymbols(frame: string): string[] {
  const x = parseObject(frame);
  if (x?.method !== 'SUBSCRIPTION' || !Array.isArray(x.params)) return [];
  const out: string[] = [];
  for (const t of x.params as unknown[]) {
    if (typeof t !== 'string') continue;
    const parts = t.split('@');
    // aggre topics end in the symbol; limit depth (…pb@SYM@5) puts it before the level count
    const sym = /^\d+$/.test(parts[parts.length - 1]) ? parts[parts.length - 2] : parts[parts.length - 1];
    if (sym && !out.includes(sym)) out.push(sym);
  }
  return out;
}

/** The symbol a sent futures `sub.*` frame names; [] for anything else. */
export function futuresSubscribedSymbols(frame: string): string[] {
  const x = parseObject(frame);
  if (typeof x?.method !== 'string' || !x.method.startsWith('sub.')) return [];
  const p = x.param as { symbol?: unknown } | undefined;
  return typeof p?.symbol === 'string' ? [p.symbol] : [];
}

function parseObject(frame: string): Record<string, unknown> | undefined {
  try {
    const x: unknown = JSON.parse(frame);
    return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
