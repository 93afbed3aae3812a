// OKX v5 public messages as sent (PROTOCOLS.md §6; shapes as in shared/fixtures/cryptofeed/OKX.ws.1.0
// and protocol-vectors/okx.json): prices and sizes are strings with trailing zeros trimmed, book
// levels are [px, sz, "0", numOrders], and the checksum is the signed CRC32 of the top 25 bids and
// asks interleaved, computed here from those strings.
import { crc32 } from 'node:zlib';
import type { BookSide } from '../book-side.js';
import type { Formatter } from '../instruments.js';
import type { SimTrade } from '../market.js';

/** `bid1px:bid1sz:ask1px:ask1sz:…` over the top 25; a shorter side's missing entries are skipped. */
export function okxChecksumOf(bids: readonly (readonly string[])[], asks: readonly (readonly string[])[]): number {
  const parts: string[] = [];
  for (let i = 0; i < 25; i++) {
    if (i < bids.length) parts.push(bids[i][0], bids[i][1]);
    if (i < asks.length) parts.push(asks[i][0], asks[i][1]);
  }
  return crc32(Buffer.from(parts.join(':'), 'latin1')) | 0;
}

export function okxBookChecksum(fmt: Formatter, bids: BookSide, asks: BookSide): number {
  let s = '';
  for (let i = 0; i < 25; i++) {
    if (i < bids.length) s += (s === '' ? '' : ':') + fmt.price(bids.ticksFromTop(i)) + ':' + fmt.qty(bids.lotsFromTop(i));
    if (i < asks.length) s += (s === '' ? '' : ':') + fmt.price(asks.ticksFromTop(i)) + ':' + fmt.qty(asks.lotsFromTop(i));
  }
  return crc32(Buffer.from(s, 'latin1')) | 0;
}

/** Orders at a level: made up from the size (1–7), 0 for a delete. */
const orders = (lots: number): number => (lots === 0 ? 0 : 1 + (lots % 7));

/** `[["px","sz","0","n"],…]`; the level at `corruptTicks` goes out with one lot more. */
export function okxLevels(fmt: Formatter, ticks: readonly number[], lots: readonly number[], n = ticks.length, corruptTicks = NaN): string {
  let s = '[';
  for (let i = 0; i < n && i < ticks.length; i++) {
    if (i > 0) s += ',';
    const l = ticks[i] === corruptTicks ? lots[i] + 1 : lots[i];
    s += '["' + fmt.price(ticks[i]) + '","' + fmt.qty(l) + '","0","' + orders(l) + '"]';
  }
  return s + ']';
}

export const argOf = (channel: string, instId: string): string => `{"channel":"${channel}","instId":"${instId}"}`;

export function okxBookMessage(
  channel: string, instId: string, action: 'snapshot' | 'update', bids: string, asks: string, tsMs: number, checksum: number, prevSeqId: number, seqId: number,
): string {
  return `{"arg":${argOf(channel, instId)},"action":"${action}","data":[{"asks":${asks},"bids":${bids},"ts":"${tsMs}","checksum":${checksum},"prevSeqId":${prevSeqId},"seqId":${seqId}}]}`;
}

/** books5 / bbo-tbt: a full top-N push with no action. */
export function okxTopMessage(channel: string, instId: string, bids: string, asks: string, tsMs: number, seqId: number): string {
  return `{"arg":${argOf(channel, instId)},"data":[{"asks":${asks},"bids":${bids},"instId":"${instId}","ts":"${tsMs}","seqId":${seqId}}]}`;
}

export function okxTradesMessage(fmt: Formatter, instId: string, trades: readonly SimTrade[]): string {
  let s = `{"arg":${argOf('trades', instId)},"data":[`;
  for (let i = 0; i < trades.length; i++) {
    const t = trades[i];
    if (i > 0) s += ',';
    s += `{"instId":"${instId}","tradeId":"${t.id}","px":"${fmt.price(t.ticks)}","sz":"${fmt.qty(t.lots)}","side":"${t.buyerMaker ? 'sell' : 'buy'}","ts":"${t.timeMs}","count":"1"}`;
  }
  return s + ']}';
}

export function okxEvent(event: 'subscribe' | 'unsubscribe', channel: string, instId: string, connId: string): string {
  return `{"event":"${event}","arg":${argOf(channel, instId)},"connId":"${connId}"}`;
}

export function okxError(code: string, msg: string, connId: string): string {
  return `{"event":"error","code":"${code}","msg":${JSON.stringify(msg)},"connId":"${connId}"}`;
}

/** Malformed frames, rotated: none carries usable data. */
export function malformedOkx(n: number, instId: string): string {
  switch (n % 4) {
    case 0: // truncated JSON
      return `{"arg":{"channel":"books","instId":"${instId}"},"action":"update","data":[{"asks":[["`;
    case 1: // wrong types
      return `{"arg":{"channel":"books","instId":"${instId}"},"action":"update","data":[{"asks":"x","bids":{},"ts":5,"checksum":"abc","prevSeqId":"x","seqId":"y"}]}`;
    case 2: // missing fields
      return `{"arg":{"channel":"books","instId":"${instId}"},"action":"update"}`;
    default: // not JSON at all
      return '\u0000<html>502 Bad Gateway</html>\uFFFD';
  }
}
