// Bitfinex's book rule (PROTOCOLS.md §5): no update ids, so every update continues the book
// (CHECKSUM_ONLY_RULE) and the `[CHAN,"cs",N]` frames prove it. The checksum:
//   1. take the best 25 bids and 25 asks;
//   2. interleave `bidPrice:bidAmount:askPrice:askAmount` level by level (a side that ran out is
//      skipped), ask amounts NEGATIVE as on the wire;
//   3. CRC32 of the `:`-joined text, a signed int32 on the wire (we compare unsigned).
// Numbers are the texts the venue sent (JavaScript `String(number)`: `1.5e-7`, `0.0000029`).
//
// Storage convention: the book stores ask amounts as ABSOLUTE texts (`0.5`, not `-0.5`, so files
// hold plain sizes like every other venue); `compute` puts the `-` back for asks.
//
// Raw (R0) books key on order ids instead of prices: `rawChecksum` states their rule (orders at
// one price by ascending id), the reference raw-book.ts's RawBook.checksum is tested against; the
// decoder passes that value as sink.checksum's `ours`, so this price rule is not used for them.
import { crc32Text } from '../../book/checksum.js';
import { CHECKSUM_ONLY_RULE, type BookRule } from '../../book/types.js';

/** Levels per side the checksum covers. */
export const CHECKSUM_DEPTH = 25;

type Rows = readonly (readonly [string, string])[];

/** The text the checksum is computed over; `askSign` is prefixed to every ask amount. */
export function checksumText(bids: Rows, asks: Rows, askSign = '-'): string {
  let s = '';
  const n = Math.min(CHECKSUM_DEPTH, Math.max(bids.length, asks.length));
  for (let i = 0; i < n; i++) {
    if (i < bids.length) s += (s === '' ? '' : ':') + bids[i][0] + ':' + bids[i][1];
    if (i < asks.length) s += (s === '' ? '' : ':') + asks[i][0] + ':' + askSign + asks[i][1];
  }
  return s;
}

/** The checksum of a P book as stored (ask amounts absolute), unsigned 32-bit. */
export function computeChecksum(bids: Rows, asks: Rows): number {
  return crc32Text(checksumText(bids, asks));
}

export const bookRule: BookRule = {
  ...CHECKSUM_ONLY_RULE,
  // cs frames follow the update frames they cover: rows wait for them
  checksum: { depth: CHECKSUM_DEPTH, compute: computeChecksum, deferred: true },
};

/** One R0 order: id, price and signed amount texts as sent (amount < 0: an ask). */
export type RawOrder = readonly [id: string, price: string, amount: string];

/**
 * The checksum of a raw (R0) book, unsigned: orders sorted best price first and, at one price, by
 * ascending order id; then the P-book interleave over `id:amount` with the wire's signed amounts.
 */
export function rawChecksum(bids: readonly RawOrder[], asks: readonly RawOrder[]): number {
  const byId = (a: RawOrder, b: RawOrder): number => (BigInt(a[0]) < BigInt(b[0]) ? -1 : BigInt(a[0]) > BigInt(b[0]) ? 1 : 0);
  const b = [...bids].sort((x, y) => Number(y[1]) - Number(x[1]) || byId(x, y)).map((o) => [o[0], o[2]] as const);
  const a = [...asks].sort((x, y) => Number(x[1]) - Number(y[1]) || byId(x, y)).map((o) => [o[0], o[2]] as const);
  return crc32Text(checksumText(b, a, ''));
}
