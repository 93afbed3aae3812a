// What goes on the bus, under which subject and message id (issue 9, DESIGN.md "sinks/").
//
//   md.<venue>.<kind>.<SYMBOL_FS>   every normalized event, its JSON as the payload
//   raw.<venue>                     every raw frame, its exact text (base64 bytes for binary frames)
//
// The Nats-Msg-Id comes from the venue's own data, never from a local counter, so two recorders
// of the same symbols publish the same ids and JetStream's duplicate window keeps one copy:
//   trades       the venue's trade id
//   everything   the event's venue time plus a CRC32 of its content without the receive time
//   else         (book changes and snapshots, quotes, tickers, candles, derivatives …)
// Status and gap events are the recorder's own observations (their time is its clock), so two
// recorders publish two of them: both are true and both are kept.
import { crc32 } from 'node:zlib';
import type { MarketEvent } from '../core/events.js';
import type { RawFrame } from '../core/frames.js';
import { symbolFs } from '../core/symbols.js';

/** The `<kind>` token of an event's subject. */
const KIND: Readonly<Record<MarketEvent['type'], string>> = {
  trade: 'trades',
  book_change: 'book',
  book_snapshot: 'book',
  quote: 'quote',
  ticker: 'ticker',
  derivative: 'derivative',
  liquidation: 'liquidation',
  candle: 'candle',
  status: 'status',
  gap: 'gap',
};

/** NATS subject tokens may not hold `.`, `*`, `>` or whitespace. */
function token(text: string): string {
  return text.replace(/[.*>\s]/g, '_');
}

/** `md.<venue>.<kind>.<SYMBOL_FS>` (after `prefix.` when a prefix is set). */
export function eventSubject(ev: MarketEvent, prefix = ''): string {
  const sym = ev.symbol === '*' ? 'ALL' : symbolFs(ev.symbol);
  return `${prefix === '' ? '' : prefix + '.'}md.${token(ev.venue)}.${KIND[ev.type]}.${token(sym)}`;
}

/** `raw.<venue>` (after `prefix.` when a prefix is set). */
export function rawSubject(f: RawFrame, prefix = ''): string {
  return `${prefix === '' ? '' : prefix + '.'}raw.${token(f.venue)}`;
}

/** The event as published: its JSON. */
export function eventPayload(ev: MarketEvent): string {
  return JSON.stringify(ev);
}

/** The message id of an event (see the top of this file). */
export function eventMsgId(ev: MarketEvent, payload: string): string {
  const head = `${ev.venue}|${ev.venueSymbol}|${ev.type}`;
  if (ev.type === 'trade') return `${head}|${ev.id}`;
  if (ev.type === 'status' || ev.type === 'gap') return `${head}|${ev.localTs}|${contentSum(payload, ev.localTs)}`;
  return `${head}|${ev.ts}|${contentSum(payload, ev.localTs)}`;
}

/**
 * A raw frame's id. What the venue sent (dir `in`, `rest`): venue, socket URL (a websocket frame
 * does not carry it: its socket's open mark does, so the caller passes it) and a CRC32 + length
 * of its bytes; those frames carry the venue's own sequence or time almost always, and identical
 * ones (keepalive pongs) inside the duplicate window are kept once, which loses nothing a consumer
 * reads. What the recorder did (`out`, `conn`: subscribes, open/close marks) is its own
 * observation, like a status event: keyed by its receive time and socket.
 */
export function rawMsgId(f: RawFrame, socketUrl = f.url): string {
  if (f.dir === 'out' || f.dir === 'conn') return `${f.venue}|${f.dir}|${f.localTs}|${f.connId}|${f.recvSeq}`;
  return `${f.venue}|${f.dir}|${socketUrl ?? ''}|${crc32(f.data).toString(16)}|${f.data.length}`;
}

/** CRC32 of the payload with its receive time taken out (the one field two recorders never share). */
function contentSum(payload: string, localTs: number): string {
  const stripped = payload.replace(`"localTs":${localTs}`, '');
  return `${crc32(stripped).toString(16)}.${stripped.length}`;
}
