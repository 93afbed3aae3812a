// Row encoders for the day files. Headers are built once (like pino's level prefixes); rows are
// plain string concatenation: no per-row arrays, join or JSON.stringify of constants. Every row
// ends with '\n'. Prices and amounts are written as the venue's exact text; times as integer µs.
import type { BookSnapshot, Level, Trade } from '../core/events.js';
import type { RawFrame, FrameDir } from '../core/frames.js';
import type { LedgerEntry } from './ledger.js';

export const TRADES_HEADER = 'timestamp,price,qty,side,id,local_timestamp\n';
export const EVENTS_HEADER = 'event_id,timestamp,local_timestamp,kind,state,detail\n';

const NEEDS_QUOTES_RE = /[",\r\n]/;
const QUOTE_RE = /"/g;

/** RFC 4180 field: quoted (with quotes doubled) only when it holds a comma, quote, CR or LF. */
export function csvField(text: string): string {
  return NEEDS_QUOTES_RE.test(text) ? '"' + text.replace(QUOTE_RE, '""') + '"' : text;
}

/** `timestamp,price,qty,side,id,local_timestamp` */
export function tradeRow(t: Trade): string {
  return t.ts + ',' + t.price + ',' + t.amount + ',' + t.side + ',' + csvField(t.id) + ',' + t.localTs + '\n';
}

const bookHeaders = new Map<number, string>();

/** `timestamp,local_timestamp,update_id,bid1_price,bid1_qty,…,askN_price,askN_qty` (cached per depth). */
export function bookHeader(depth: number): string {
  let header = bookHeaders.get(depth);
  if (header === undefined) {
    header = 'timestamp,local_timestamp,update_id';
    for (let i = 1; i <= depth; i++) header += `,bid${i}_price,bid${i}_qty`;
    for (let i = 1; i <= depth; i++) header += `,ask${i}_price,ask${i}_qty`;
    header += '\n';
    bookHeaders.set(depth, header);
  }
  return header;
}

/**
 * One top-`depth` row; levels the book does not have are empty cells, so every row has the same
 * columns. update_id is empty for venues whose books carry no ids (Kraken, Bitfinex: -1).
 */
export function bookRow(s: BookSnapshot, depth: number): string {
  let row = s.ts + ',' + s.localTs + ',' + (s.updateId >= 0 ? s.updateId : '');
  row = appendSide(row, s.bids, depth);
  row = appendSide(row, s.asks, depth);
  return row + '\n';
}

function appendSide(row: string, levels: Level[], depth: number): string {
  const n = levels.length < depth ? levels.length : depth;
  for (let i = 0; i < n; i++) {
    const level = levels[i];
    row += ',' + level[0] + ',' + level[1];
  }
  for (let i = n; i < depth; i++) row += ',,';
  return row;
}

/** `event_id,timestamp,local_timestamp,kind,state,detail` */
export function eventRow(e: LedgerEntry): string {
  return e.eventId + ',' + e.ts + ',' + e.localTs + ',' + e.kind + ',' + csvField(e.state ?? '') + ',' + csvField(e.detail) + '\n';
}

/**
 * One raw frame as an NDJSON line. Key order is fixed, so a capture re-encoded after reading is
 * byte-identical: {"localTs","connId","recvSeq","dir","data"[,"url"][,"binary":true][,"keepalive":true]}. A binary
 * frame's data is the base64 of its bytes. The venue is not repeated on every line: the file's
 * directory names it.
 */
export function rawLine(f: RawFrame): string {
  let line = '{"localTs":' + f.localTs + ',"connId":' + f.connId + ',"recvSeq":' + f.recvSeq +
    ',"dir":"' + f.dir + '","data":' + JSON.stringify(f.data);
  if (f.url !== undefined) line += ',"url":' + JSON.stringify(f.url);
  if (f.binary) line += ',"binary":true';
  if (f.keepalive) line += ',"keepalive":true';
  return line + '}\n';
}

const FRAME_DIRS: ReadonlySet<string> = new Set<FrameDir>(['in', 'out', 'rest', 'conn']);

/** Reads a line written by rawLine; undefined when the line is not one (the caller counts rejects). */
export function parseRawLine(line: string, venue: string): RawFrame | undefined {
  let x: unknown;
  try {
    x = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof x !== 'object' || x === null) return undefined;
  const o = x as Record<string, unknown>;
  if (typeof o.localTs !== 'number' || typeof o.connId !== 'number' || typeof o.recvSeq !== 'number') return undefined;
  if (typeof o.dir !== 'string' || !FRAME_DIRS.has(o.dir) || typeof o.data !== 'string') return undefined;
  if (o.url !== undefined && typeof o.url !== 'string') return undefined;
  if (o.binary !== undefined && o.binary !== true) return undefined;
  const frame: RawFrame = { venue, connId: o.connId, recvSeq: o.recvSeq, localTs: o.localTs, dir: o.dir as FrameDir, data: o.data };
  if (o.url !== undefined) frame.url = o.url as string;
  if (o.binary === true) frame.binary = true;
  if (o.keepalive === true) frame.keepalive = true;
  return frame;
}

/**
 * Splits CSV text into rows of fields (RFC 4180: quoted fields may hold commas, doubled quotes
 * and line breaks). A final line without '\n' is still returned.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === 34 /* " */) {
        if (text.charCodeAt(i + 1) === 34) {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += text[i];
      }
      i++;
      continue;
    }
    if (c === 34 && field.length === 0) quoted = true;
    else if (c === 44 /* , */) {
      row.push(field);
      field = '';
    } else if (c === 10 /* \n */) {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== 13 /* \r */ || text.charCodeAt(i + 1) !== 10) {
      field += text[i];
    }
    i++;
  }
  if (field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
