// Stream names as the venue spells them (always lowercase symbols): which ones exist for a venue
// and what each carries. Depth streams all run at the simulator's diff cadence.
import { isInterval } from './candles.js';
import type { SimVenue } from './instruments.js';

export type StreamKind = 'depth' | 'trade' | 'aggTrade' | 'bookTicker' | 'kline' | 'markPrice';

export interface StreamRef {
  kind: StreamKind;
  /** Lowercase venue id, as in the stream name. */
  streamId: string;
  /** kline interval, or the markPrice cadence in ms. */
  interval?: string;
  markEveryMs?: number;
}

const SPOT_DEPTH = new Set(['depth', 'depth@100ms']);
const FUTURES_DEPTH = new Set(['depth', 'depth@100ms', 'depth@250ms', 'depth@500ms']);

/** Parses `btcusdt@depth@100ms` etc.; undefined for anything this venue does not serve. */
export function parseStream(name: string, venue: SimVenue, streamIds: ReadonlySet<string>): StreamRef | undefined {
  const at = name.indexOf('@');
  if (at <= 0) return undefined;
  const streamId = name.slice(0, at);
  if (!streamIds.has(streamId)) return undefined;
  const rest = name.slice(at + 1);
  const futures = venue === 'binance-futures';
  if ((futures ? FUTURES_DEPTH : SPOT_DEPTH).has(rest)) return { kind: 'depth', streamId };
  if (rest === 'trade') return { kind: 'trade', streamId };
  if (rest === 'aggTrade') return { kind: 'aggTrade', streamId };
  if (rest === 'bookTicker') return { kind: 'bookTicker', streamId };
  if (rest.startsWith('kline_') && isInterval(rest.slice(6))) return { kind: 'kline', streamId, interval: rest.slice(6) };
  if (futures && rest === 'markPrice') return { kind: 'markPrice', streamId, markEveryMs: 3000 };
  if (futures && rest === 'markPrice@1s') return { kind: 'markPrice', streamId, markEveryMs: 1000 };
  return undefined;
}

/** Every depth stream name of a symbol for the venue (a frame goes to each one subscribed). */
export function depthStreamNames(venue: SimVenue, streamId: string): string[] {
  const suffixes = venue === 'binance-futures' ? FUTURES_DEPTH : SPOT_DEPTH;
  return [...suffixes].map((s) => `${streamId}@${s}`);
}
