// cryptofeed's raw captures (shared/fixtures/cryptofeed/README.md) as our RawFrames, so they run
// through the same pipeline as our own captures:
//   `<url> <-> <ts>`            a socket opened   → conn `open <url>` (a new connId)
//   `<url> <- <ts>: <payload>`  a frame sent      → out
//   `<ts>: <payload>`           a frame received  → in
//   `<url> -> <ts>: <body>`     (.http file) REST → rest, with its url
// <ts> is float seconds; ours are integer µs. The two files are merged by time (REST bodies
// before frames of the same µs, as a snapshot is asked for before the frames that follow it).
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { MarketfeedError } from '../core/errors.js';
import type { RawFrame } from '../core/frames.js';
import { unifiedCandidates } from '../core/symbols.js';
import type { VenueSpec } from '../venues/types.js';
import type { ByteCounter } from './raw.js';

const BATCH = 512;

/** One capture line as a frame; undefined for blank or unknown lines. `conn` counts sockets. */
export function parseCryptofeedLine(line: string, venue: string, conn: { id: number; seq: number }): RawFrame | undefined {
  if (line === '') return undefined;
  if (line.startsWith('wss://') || line.startsWith('ws://') || line.startsWith('https://') || line.startsWith('http://')) {
    const sp = line.indexOf(' ');
    if (sp < 0) return undefined;
    const url = line.slice(0, sp);
    const rest = line.slice(sp + 1);
    if (rest.startsWith('<-> ')) {
      conn.id++;
      conn.seq = 1;
      return { venue, connId: conn.id, recvSeq: conn.seq, localTs: toUs(rest.slice(4)), dir: 'conn', data: `open ${url}`, url };
    }
    const dir = rest.startsWith('<- ') ? 'out' : rest.startsWith('-> ') ? 'rest' : undefined;
    if (dir === undefined) return undefined;
    const body = rest.slice(3);
    const i = body.indexOf(': ');
    if (i < 0) return undefined;
    if (dir === 'rest') return { venue, connId: 0, recvSeq: 0, localTs: toUs(body.slice(0, i)), dir, data: body.slice(i + 2), url };
    return { venue, connId: conn.id, recvSeq: ++conn.seq, localTs: toUs(body.slice(0, i)), dir, data: body.slice(i + 2), url };
  }
  const i = line.indexOf(': ');
  if (i < 0) return undefined;
  return { venue, connId: conn.id, recvSeq: ++conn.seq, localTs: toUs(line.slice(0, i)), dir: 'in', data: line.slice(i + 2) };
}

function toUs(seconds: string): number {
  const us = Math.round(Number(seconds) * 1e6);
  if (!Number.isFinite(us)) throw new MarketfeedError('MF_ERR_CONFIG', `not a cryptofeed timestamp: ${JSON.stringify(seconds)}`, { got: seconds });
  return us;
}

async function* lines(path: string, counter?: ByteCounter): AsyncGenerator<string> {
  const file = createReadStream(path);
  if (counter) file.on('data', (b) => (counter.bytesRead += b.length));
  yield* createInterface({ input: file, crlfDelay: Infinity });
}

async function* frames(path: string, venue: string, counter?: ByteCounter): AsyncGenerator<RawFrame> {
  const conn = { id: 0, seq: 0 };
  for await (const line of lines(path, counter)) {
    const f = parseCryptofeedLine(line, venue, conn);
    if (f !== undefined) yield f;
  }
}

/** The frames of a websocket capture and (optionally) its REST capture, merged by time, in batches. */
export async function* readCryptofeedCapture(wsPath: string, httpPath: string | undefined, venue: string, counter?: ByteCounter): AsyncGenerator<RawFrame[]> {
  const ws = frames(wsPath, venue, counter);
  const rest = httpPath === undefined ? undefined : frames(httpPath, venue, counter);
  let a = await ws.next();
  let b = rest === undefined ? undefined : await rest.next();
  let batch: RawFrame[] = [];
  while (!a.done || (b !== undefined && !b.done)) {
    if (b !== undefined && !b.done && (a.done || b.value.localTs <= a.value.localTs)) {
      batch.push(b.value);
      b = await rest!.next();
    } else if (!a.done) {
      batch.push(a.value);
      a = await ws.next();
    }
    if (batch.length >= BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** `NKNUSDT` → `NKN/USDT` (spot) or `NKN/USDT:USDT` (a venue whose ids are perpetuals). */
export function guessUnified(spec: VenueSpec, venueSymbol: string): string | undefined {
  const told = spec.fromVenueSymbol?.(venueSymbol);
  if (told !== undefined) return told;
  for (const candidate of unifiedCandidates(venueSymbol)) {
    try {
      if (spec.toVenueSymbol(candidate) === venueSymbol) return candidate;
    } catch {
      // the other market's shape
    }
  }
  return undefined;
}

/** The unified symbols named by the capture's connect URLs (`streams=nknusdt@depth@100ms/…`). */
export async function symbolsOfCapture(spec: VenueSpec, wsPath: string): Promise<string[]> {
  const out: string[] = [];
  const conn = { id: 0, seq: 0 };
  for await (const line of lines(wsPath)) {
    const open = line.includes(' <-> ');
    if (!open && !line.includes(' <- ')) continue;
    const f = parseCryptofeedLine(line, spec.id, conn);
    if (f === undefined) continue;
    // the connect URL names the streams (Binance), or the subscribe frames sent on it do
    const named = open ? (f.url === undefined ? undefined : spec.planFromUrl?.(f.url)?.venueSymbols) : spec.subscribedSymbols?.(f.data);
    for (const v of named ?? []) {
      const s = guessUnified(spec, v);
      if (s !== undefined && !out.includes(s)) out.push(s);
    }
  }
  if (out.length === 0) {
    throw new MarketfeedError('MF_ERR_CONFIG', `cannot tell the symbols of ${wsPath} from its connect lines: pass --symbols`, { path: 'symbols', got: wsPath });
  }
  return out;
}
