// `--shard i/n`: n machines record disjoint shares of one symbol list. A symbol's share is a
// stable hash of its unified name (FNV-1a), so it does not move when the list grows or is
// reordered, and every machine computes the same split without talking to the others.
import { MarketfeedError } from './errors.js';

export interface Shard {
  /** 1-based share number. */
  index: number;
  count: number;
}

/** Reads `i/n` (1 <= i <= n); '' = no sharding. */
export function parseShard(text: string): Shard | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(t);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new MarketfeedError('MF_ERR_CONFIG', `--shard ${JSON.stringify(text)} is not i/n with 1 <= i <= n (e.g. 2/3)`, { path: 'shard', expected: 'i/n, e.g. 1/2', got: text });
  }
  return { index, count };
}

/** FNV-1a of the text, unsigned 32-bit. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The share (1-based) a symbol belongs to among `count`. */
export function shardOf(symbol: string, count: number): number {
  return (fnv1a(symbol) % count) + 1;
}

/** The symbols of one share, in list order. */
export function shardSymbols(symbols: readonly string[], shard: Shard | undefined): string[] {
  if (shard === undefined) return [...symbols];
  return symbols.filter((s) => shardOf(s, shard.count) === shard.index);
}
