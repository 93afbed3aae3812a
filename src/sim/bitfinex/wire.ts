// Bitfinex v2 messages as sent (PROTOCOLS.md §5; shapes as in shared/fixtures/cryptofeed/BITFINEX.ws.11.0
// and protocol-vectors/bitfinex.json). Numbers are JSON numbers as JavaScript prints them (the venue
// is JS: `1.5e-7`, `0.0000029`), asks carry negative amounts, and the `cs` checksum is the signed
// CRC32 of the top 25 bids and asks interleaved as `price:amount` (raw R0 books: `orderId:amount`
// over the top 25 orders), computed here.
import { crc32 } from 'node:zlib';
import type { BookSide } from '../book-side.js';
import type { Formatter } from '../instruments.js';

export const FLAG_TIMESTAMP = 32768;
export const FLAG_SEQ_ALL = 65536;
export const FLAG_OB_CHECKSUM = 131072;
export const FLAG_BULK = 536870912;

/** JS number text of a price / an amount (what the venue's JSON.stringify prints). */
export const bfxPrice = (fmt: Formatter, ticks: number): string => String(Number(fmt.price(ticks)));
export const bfxAmount = (fmt: Formatter, lots: number, ask: boolean): string => String((ask ? -1 : 1) * Number(fmt.qty(lots)));

/** Interleaved `bid:amount:ask:-amount` over the top 25 (entries as [price, amount] texts or numbers). */
export function bitfinexChecksumOf(bids: readonly (readonly (string | number)[])[], asks: readonly (readonly (string | number)[])[]): number {
  const parts: string[] = [];
  for (let i = 0; i < 25; i++) {
    if (i < bids.length) parts.push(String(bids[i][0]), String(bids[i][1]));
    if (i < asks.length) parts.push(String(asks[i][0]), String(asks[i][1]));
  }
  return crc32(Buffer.from(parts.join(':'), 'latin1')) | 0;
}

export function bitfinexBookChecksum(fmt: Formatter, bids: BookSide, asks: BookSide): number {
  let s = '';
  for (let i = 0; i < 25; i++) {
    if (i < bids.length) s += (s === '' ? '' : ':') + bfxPrice(fmt, bids.ticksFromTop(i)) + ':' + bfxAmount(fmt, bids.lotsFromTop(i), false);
    if (i < asks.length) s += (s === '' ? '' : ':') + bfxPrice(fmt, asks.ticksFromTop(i)) + ':' + bfxAmount(fmt, asks.lotsFromTop(i), true);
  }
  return crc32(Buffer.from(s, 'latin1')) | 0;
}

/**
 * The R0 checksum: the top 25 orders a side, given best first (price, then ascending id), as
 * `id:amount` with bid and ask interleaved; ask amounts negative.
 */
export function bitfinexRawChecksum(
  fmt: Formatter, bidIds: readonly number[], bidLots: readonly number[], askIds: readonly number[], askLots: readonly number[],
): number {
  let s = '';
  for (let i = 0; i < 25; i++) {
    if (i < bidIds.length) s += (s === '' ? '' : ':') + bidIds[i] + ':' + bfxAmount(fmt, bidLots[i], false);
    if (i < askIds.length) s += (s === '' ? '' : ':') + askIds[i] + ':' + bfxAmount(fmt, askLots[i], true);
  }
  return crc32(Buffer.from(s, 'latin1')) | 0;
}

/** One R0 entry `[ORDER_ID,PRICE,AMOUNT]`; an order gone is `[ORDER_ID,0,1]` (bid) / `[ORDER_ID,0,-1]` (ask). */
export function rawEntry(fmt: Formatter, id: number, ticks: number, lots: number, ask: boolean): string {
  if (lots === 0) return `[${id},0,${ask ? -1 : 1}]`;
  return `[${id},${bfxPrice(fmt, ticks)},${bfxAmount(fmt, lots, ask)}]`;
}

/** Orders at a level, made up from its size (1–5); 0 deletes. */
const count = (lots: number): number => (lots === 0 ? 0 : 1 + (lots % 5));

/** One P-book entry `[PRICE,COUNT,AMOUNT]`; a delete is `[PRICE,0,1]` (bid) / `[PRICE,0,-1]` (ask). */
export function entry(fmt: Formatter, ticks: number, lots: number, ask: boolean): string {
  if (lots === 0) return `[${bfxPrice(fmt, ticks)},0,${ask ? -1 : 1}]`;
  return `[${bfxPrice(fmt, ticks)},${count(lots)},${bfxAmount(fmt, lots, ask)}]`;
}

export const INFO = '{"event":"info","version":2,"serverId":"5b7e2f3c-9a41-4f0e-8d21-6c1f0e9a7b55","platform":{"status":1}}';

export const INFO_RESTART = '{"event":"info","code":20051,"msg":"Stopping. Please try to reconnect"}';
export const INFO_MAINT_START = '{"event":"info","code":20060,"msg":"Entering in Maintenance mode. Please pause any activity and resume after receiving the info message 20061 (it should take 120 seconds at most)."}';
export const INFO_MAINT_END = '{"event":"info","code":20061,"msg":"Maintenance ended. You can resume normal activity. It is advised to unsubscribe/subscribe again all channels."}';

/** Malformed frames, rotated: none carries usable data. */
export function malformedBitfinex(n: number, chanId: number): string {
  switch (n % 4) {
    case 0: // truncated JSON
      return `[${chanId},[60000,1,`;
    case 1: // wrong types
      return `[${chanId},{"price":"x"},"abc"]`;
    case 2: // missing fields
      return `[${chanId}]`;
    default: // not JSON at all
      return '\u0000<html>502 Bad Gateway</html>\uFFFD';
  }
}
