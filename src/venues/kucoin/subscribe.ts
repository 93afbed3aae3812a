// Which sockets to open and what to send on them (PROTOCOLS-MORE.md §5.1). Each socket's URL comes
// from its own bullet token (spec.connectToken), so the plan's url is only a placeholder; after open
// the client subscribes one topic per kind, naming up to 100 symbols:
//   {"id":"1","type":"subscribe","topic":"/market/level2:BTC-USDT,ETH-USDT","privateChannel":false,"response":true}
// Limits as reported from the classic docs: 100 symbols per topic, about 300 subscriptions per
// connection (each symbol of a topic counts), 100 client messages per 10 s. So a socket carries at
// most 100 symbols, fewer when 4 topics would pass 300; a symbol's topics stay on one socket so
// its book and quotes share a fate. Keepalive: {"id":…,"type":"ping"} every pingInterval.
import type { ConnectionPlan, Kind } from '../types.js';
import type { KucoinMarket } from './market.js';

export const MAX_SYMBOLS_PER_TOPIC = 100;
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 300;

/** Topics for these kinds, in a fixed order (book first: its buffer starts filling soonest). */
export function topicsFor(m: KucoinMarket, kinds: readonly Kind[]): string[] {
  const out: string[] = [];
  for (const kind of ['book', 'trades', 'quote', 'derivative'] as const) {
    const t = m.topics[kind];
    if (t !== undefined && kinds.includes(kind)) out.push(t);
  }
  return out;
}

export function subscribeFrame(id: number, topic: string, venueSymbols: readonly string[]): string {
  return `{"id":"${id}","type":"subscribe","topic":"${topic}:${venueSymbols.join(',')}","privateChannel":false,"response":true}`;
}

export function plan(m: KucoinMarket, wsBase: string, venueSymbols: string[], kinds: Kind[]): ConnectionPlan[] {
  const topics = topicsFor(m, kinds);
  if (topics.length === 0) return [];
  const book = topics.includes(m.topics.book as string);
  const perSocket = Math.min(MAX_SYMBOLS_PER_TOPIC, Math.floor(MAX_SUBSCRIPTIONS_PER_CONNECTION / topics.length));
  const plans: ConnectionPlan[] = [];
  for (let i = 0; i < venueSymbols.length; i += perSocket) {
    const symbols = venueSymbols.slice(i, i + perSocket);
    plans.push({ url: wsBase, subscribe: topics.map((t, k) => subscribeFrame(k + 1, t, symbols)), venueSymbols: symbols, book });
  }
  return plans;
}

/**
 * §5.1 step 4: the venue's pingInterval (18 s in every bullet response we have seen) until the
 * token says otherwise; the answer is {"id":…,"type":"pong"}.
 */
export const APP_PING = {
  text: '{"id":"ping","type":"ping"}',
  intervalMs: 18_000,
  isPong: (text: string): boolean => text.length < 128 && text.includes('"type":"pong"'),
};

/**
 * The venue symbols a sent subscribe frame names (a capture's symbols), in order of first
 * mention; candle topics name `SYM_1min`, whose suffix is dropped. [] for anything else.
 */
export function subscribedSymbols(frame: string): string[] {
  if (!frame.includes('"subscribe"')) return [];
  let m: unknown;
  try {
    m = JSON.parse(frame);
  } catch {
    return [];
  }
  const x = m as { type?: unknown; topic?: unknown };
  if (x === null || typeof x !== 'object' || x.type !== 'subscribe' || typeof x.topic !== 'string') return [];
  const colon = x.topic.indexOf(':');
  if (colon < 0) return [];
  const out: string[] = [];
  for (const part of x.topic.slice(colon + 1).split(',')) {
    const u = part.indexOf('_');
    const v = u < 0 ? part : part.slice(0, u);
    if (v !== '' && !out.includes(v)) out.push(v);
  }
  return out;
}
