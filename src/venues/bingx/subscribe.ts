// Which sockets to open and what to send on them. The ws base is the full socket URL
// (`wss://open-api-ws.bingx.com/market`, the swap host, or the simulator's); each topic is one
// frame {"id":"<id>","reqType":"sub","dataType":"BTC-USDT@incrDepth"} sent after open. A
// symbol's topics stay on one socket, so its book and quotes share a fate.
import type { ConnectionPlan, Kind } from '../types.js';
import type { BingxMarket } from './market.js';

/**
 * The book channel: `@incrDepth` (the whole book, then updates chained by lastUpdateId +1) for
 * any configured depth — both markets offer it, and it is the only BingX book that can be
 * verified. `@depthN` pushes are decoded (each one a stream snapshot) but never planned.
 */
export const BOOK_CHANNEL = 'incrDepth';

/**
 * Topics per socket. The venue allows 200 (error 80403), but its FAQ asks for at most 10
 * subscriptions a second, and a plan's frames all go out as the socket opens: 10 topics a socket
 * keeps the burst within it.
 */
export const MAX_TOPICS_PER_CONNECTION = 10;

/** The topics of one symbol for these kinds (markPrice only on the swap market). */
export function topicsFor(m: BingxMarket, venueSymbol: string, kinds: readonly Kind[]): string[] {
  const out: string[] = [];
  if (kinds.includes('book')) out.push(`${venueSymbol}@${BOOK_CHANNEL}`);
  if (kinds.includes('trades')) out.push(`${venueSymbol}@trade`);
  if (kinds.includes('quote')) out.push(`${venueSymbol}@ticker`);
  if (kinds.includes('derivative') && m.swap) out.push(`${venueSymbol}@markPrice`);
  return out;
}

/** One (un)subscribe frame; the id is the request itself, so frames stay the same run to run. */
export function topicFrame(reqType: 'sub' | 'unsub', dataType: string): string {
  return JSON.stringify({ id: `${reqType}:${dataType}`, reqType, dataType });
}

export function plan(m: BingxMarket, wsBase: string, venueSymbols: string[], kinds: Kind[]): ConnectionPlan[] {
  const book = kinds.includes('book');
  const plans: ConnectionPlan[] = [];
  let frames: string[] = [];
  let symbols: string[] = [];
  const flush = (): void => {
    if (frames.length > 0) plans.push({ url: wsBase, subscribe: frames, venueSymbols: symbols, book });
    frames = [];
    symbols = [];
  };
  for (const v of venueSymbols) {
    const topics = topicsFor(m, v, kinds);
    if (topics.length === 0) continue;
    if (frames.length + topics.length > MAX_TOPICS_PER_CONNECTION) flush();
    for (const t of topics) frames.push(topicFrame('sub', t));
    symbols.push(v);
  }
  flush();
  return plans;
}

/** Unsubscribe + subscribe of one symbol's book: BingX answers with a fresh `action:"all"`. */
export function resubscribe(venueSymbol: string): string[] {
  const dataType = `${venueSymbol}@${BOOK_CHANNEL}`;
  return [topicFrame('unsub', dataType), topicFrame('sub', dataType)];
}

/** The venue symbols a sent `sub` frame names (a capture's symbols); [] for anything else. */
export function subscribedSymbols(frame: string): string[] {
  if (!frame.includes('"sub"')) return [];
  let x: unknown;
  try {
    x = JSON.parse(frame);
  } catch {
    return [];
  }
  const f = x as { reqType?: unknown; dataType?: unknown };
  if (f.reqType !== 'sub' || typeof f.dataType !== 'string') return [];
  const at = f.dataType.indexOf('@');
  return at > 0 ? [f.dataType.slice(0, at)] : [];
}
