// Bitfinex event objects (`{"event":…}`, docs ws-general): they carry the per-connection state the
// channel frames need — `conf` (the flags in force), `subscribed` / `unsubscribed` (channel id →
// channel and symbol) — and the notices the session acts on:
//   info 20051  server restarting → control('shutdown'): reconnect this socket now;
//   info 20060  maintenance started → control('other'): pause; the socket stays open;
//   info 20061  maintenance ended → control('shutdown'): every book on the socket needs a fresh
//               snapshot (the venue advises resubscribing all channels): a new socket does it;
//   error       → control('error') (`code msg`).
import type { DecodeContext, DecodeSink } from '../types.js';
import { RawBook } from './raw-book.js';

export type ChannelKind = 'book' | 'raw-book' | 'trades' | 'ticker' | 'other';

export interface Channel {
  kind: ChannelKind;
  venueSymbol: string;
  /** Unified symbol; undefined when the symbol is not one being recorded. */
  symbol: string | undefined;
  /** A book channel has had its snapshot (BULK: later arrays of arrays are update batches). */
  snapshotSeen: boolean;
  /** A raw (R0) book channel's orders; a new subscription starts a new one. */
  raw: RawBook | undefined;
}

export interface ConnState {
  /** conf flags acknowledged on this connection; -1 until a `conf` answer is seen. */
  flags: number;
  channels: Map<number, Channel>;
  /** Last SEQ_ALL sequence number seen; -1 before the first. */
  lastSeq: number;
}

export const newConnState = (): ConnState => ({ flags: -1, channels: new Map(), lastSeq: -1 });

export const INFO_RESTART = 20051;
export const INFO_MAINTENANCE_START = 20060;
export const INFO_MAINTENANCE_END = 20061;

type Obj = Record<string, unknown>;

export function decodeEvent(m: Obj, text: string, conn: ConnState, ctx: DecodeContext, sink: DecodeSink): void {
  switch (m.event) {
    case 'info':
      info(m, text, conn, sink);
      return;
    case 'conf':
      if (m.status === 'OK' && typeof m.flags === 'number') {
        conn.flags = m.flags;
        sink.control('ack', `conf flags ${m.flags}`);
      } else {
        sink.control('error', `conf refused: ${text}`);
      }
      return;
    case 'subscribed':
      subscribed(m, text, conn, ctx, sink);
      return;
    case 'unsubscribed': {
      const ch = typeof m.chanId === 'number' ? conn.channels.get(m.chanId) : undefined;
      if (ch === undefined) {
        sink.control('other', `unsubscribed from a channel not known here: ${text}`);
        return;
      }
      conn.channels.delete(m.chanId as number);
      sink.control('ack', `unsubscribed ${ch.kind} ${ch.venueSymbol} chanId ${String(m.chanId)}`);
      return;
    }
    case 'error':
      sink.control('error', `${String(m.code)} ${String(m.msg)}${typeof m.symbol === 'string' ? ` (${m.symbol})` : ''}`);
      return;
    default:
      sink.control('other', text);
  }
}

function info(m: Obj, text: string, conn: ConnState, sink: DecodeSink): void {
  const code = Number(m.code);
  if (code === INFO_RESTART) {
    sink.control('shutdown', `bitfinex info ${code}: websocket server restarting, reconnect now`);
  } else if (code === INFO_MAINTENANCE_START) {
    sink.control('other', `bitfinex info ${code}: maintenance started: pause until info 20061 (books hold still meanwhile)`);
  } else if (code === INFO_MAINTENANCE_END) {
    // every book on the socket needs a fresh snapshot: a new socket gives all of them at once
    sink.control('shutdown', `bitfinex info ${code}: maintenance ended: reconnecting for fresh books`);
  } else if (m.version !== undefined) {
    // The greeting of a fresh connection: nothing of an earlier one applies.
    conn.flags = -1;
    conn.channels.clear();
    conn.lastSeq = -1;
    const status = (m.platform as Obj | undefined)?.status;
    sink.control('other', status === 0 ? `bitfinex platform in maintenance (info ${text})` : `bitfinex info: version ${String(m.version)}`);
  } else {
    sink.control('other', text);
  }
}

function subscribed(m: Obj, text: string, conn: ConnState, ctx: DecodeContext, sink: DecodeSink): void {
  if (typeof m.chanId !== 'number' || typeof m.channel !== 'string' || typeof m.symbol !== 'string') {
    sink.control('other', `subscribed without chanId/channel/symbol: ${text}`);
    return;
  }
  const kind: ChannelKind = m.channel === 'book' ? (m.prec === 'R0' ? 'raw-book' : 'book')
    : m.channel === 'trades' ? 'trades' : m.channel === 'ticker' ? 'ticker' : 'other';
  conn.channels.set(m.chanId, { kind, venueSymbol: m.symbol, symbol: ctx.symbols.get(m.symbol), snapshotSeen: false,
    raw: kind === 'raw-book' ? new RawBook() : undefined,
  });
  sink.control('ack', `subscribed ${m.channel} ${m.symbol} chanId ${m.chanId}`);
}
