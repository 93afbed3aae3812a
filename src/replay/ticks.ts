// The offline simulator's reader: a `timestamp,price,qty,side` tick file (plain or gzip, e.g.
// written by `marketfeed gen-ticks`) replayed as normalized `trade` events.
//
// Streaming with bounded memory: one file stream, gunzip when the file starts with the gzip
// magic bytes, node:readline for lines. Each row is checked by hand (no zod per row, DESIGN.md);
// a bad row is counted and reported with its line number, never yielded.
//
// Rows must look like this, after the exact header line `timestamp,price,qty,side`:
//   1767225600000000,60000.01,0.00250,buy
// timestamp: epoch µs as an integer, never earlier than the previous accepted row;
// price, qty: plain decimal text > 0 (kept as written, never re-formatted);
// side: the taker side, `buy`, `sell` or `unknown`.
//
// The symbol comes from `opts.symbol` or from the file name `<SYMBOL_FS>_<anything>.csv[.gz]`,
// whose SYMBOL_FS has lost its slash: it is split at a known quote asset suffix (QUOTE_ASSETS,
// longest first), so `BTCUSDT_synthetic.csv` is BTC/USDT and `ETHBTC_x.csv.gz` is ETH/BTC; a
// base ending in its own quote again is a linear perpetual (`BTCUSDTUSDT` → BTC/USDT:USDT).
// Names are matched case-insensitively; any other name needs the symbol passed (`--symbol`).
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { MarketfeedError } from '../core/errors.js';
import type { Side, Trade } from '../core/events.js';
import { QUOTE_ASSETS, guessUnifiedSymbol, parseSymbol, symbolFs } from '../core/symbols.js';

export const TICKS_VENUE = 'ticks';
const HEADER = 'timestamp,price,qty,side';

/** Quote assets recognised at the end of a file name's SYMBOL_FS, longest match first. */

export interface TicksReplayStats {
  /** Data rows read (the header is not a row), accepted or not. */
  rows: number;
  yielded: number;
  rejected: number;
  /** Timestamps of the first and last yielded trades, epoch µs. */
  firstTs?: number;
  lastTs?: number;
}

export interface TickReject {
  path: string;
  /** 1-based line number in the file (line 1 is the header). */
  line: number;
  reason: string;
  /** The offending line, cut to 200 characters. */
  text: string;
}

export interface TicksReplayOptions {
  /** Venue label on the events; default `ticks`. */
  venue?: string;
  /** Unified symbol (`BTC/USDT`); default: inferred from the file name. */
  symbol?: string;
  /** Called for every rejected row, in file order. */
  onReject?: (reject: TickReject) => void;
  /** Caller-owned counters, updated as rows are read (a `for await` loop drops the return value). */
  stats?: TicksReplayStats;
}

export function newTicksReplayStats(): TicksReplayStats {
  return { rows: 0, yielded: 0, rejected: 0, firstTs: undefined, lastTs: undefined };
}

/** The unified symbol a tick file's name implies, or undefined when the name does not say. */
export function inferTicksSymbol(path: string): string | undefined {
  const m = /^([A-Z0-9]+)(?:_[^/]*)?\.CSV(?:\.GZ)?$/.exec(basename(path).toUpperCase());
  if (!m) return undefined;
  return guessUnifiedSymbol(m[1]);
}

function resolveSymbol(path: string, given: string | undefined): string {
  const symbol = given ?? inferTicksSymbol(path);
  if (symbol === undefined) {
    throw new MarketfeedError('MF_ERR_USAGE', `cannot tell the symbol from the file name ${basename(path)}; pass --symbol`, {
      expected: `<SYMBOL_FS>_<name>.csv with a quote suffix (${QUOTE_ASSETS.join(', ')}) or --symbol BASE/QUOTE`,
      got: path,
    });
  }
  if (!parseSymbol(symbol)) {
    throw new MarketfeedError('MF_ERR_USAGE', 'the ticks symbol is not a unified symbol', { expected: 'BASE/QUOTE or BASE/QUOTE:SETTLE', got: symbol });
  }
  return symbol;
}

/** Opens the file as a text stream, gunzipping when it starts with the gzip magic bytes. */
async function openTicks(path: string): Promise<Readable> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new MarketfeedError('MF_ERR_USAGE', `cannot read ticks file ${path} (${code})`, { cause: e });
  }
  let file: Readable;
  let gzip: boolean;
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await fh.read(magic, 0, 2, 0); // a positioned read: the stream still starts at 0
    gzip = bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
    file = fh.createReadStream({ start: 0, highWaterMark: 256 * 1024 });
  } catch (e) {
    await fh.close();
    throw e;
  }
  if (!gzip) return file;
  // pipeline passes a gzip error on to the gunzip stream, and readline's iterator rethrows it.
  return pipeline(file, createGunzip(), () => undefined);
}

const TS_RE = /^\d{1,16}$/;
const POSITIVE_DECIMAL_RE = /^\d+(?:\.\d+)?$/;
const NONZERO_RE = /[1-9]/;

function isPositiveDecimal(text: string): boolean {
  return POSITIVE_DECIMAL_RE.test(text) && NONZERO_RE.test(text);
}

function sideOf(text: string): Side | undefined {
  return text === 'buy' || text === 'sell' || text === 'unknown' ? text : undefined;
}

/**
 * Yields one `trade` per valid row of a tick file, in file order: venue `ticks` (or opts.venue),
 * id = the 1-based data row number (so ids stay stable whatever else is rejected), ts = localTs =
 * the row's timestamp. Throws MF_ERR_USAGE when the file cannot be read, lacks the header or
 * names no symbol; returns the final stats.
 */
export async function* replayTicks(path: string, opts: TicksReplayOptions = {}): AsyncGenerator<Trade, TicksReplayStats, undefined> {
  const symbol = resolveSymbol(path, opts.symbol);
  const venue = opts.venue ?? TICKS_VENUE;
  const venueSymbol = symbolFs(symbol);
  const stats = opts.stats ?? newTicksReplayStats();
  const onReject = opts.onReject;
  const input = await openTicks(path);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  let lastTs = -1;
  const reject = (line: string, reason: string): void => {
    stats.rejected++;
    onReject?.({ path, line: lineNo, reason, text: line.length > 200 ? line.slice(0, 200) : line });
  };
  try {
    for await (const line of lines) {
      lineNo++;
      if (lineNo === 1) {
        const header = line.charCodeAt(0) === 0xfeff ? line.slice(1) : line; // tolerate a UTF-8 BOM
        if (header !== HEADER) {
          throw new MarketfeedError('MF_ERR_USAGE', `${path} is not a tick file: line 1 must be the header`, { expected: HEADER, got: line.slice(0, 80) });
        }
        continue;
      }
      stats.rows++;
      // Split by hand: four fields, no per-row arrays.
      const c1 = line.indexOf(',');
      const c2 = c1 < 0 ? -1 : line.indexOf(',', c1 + 1);
      const c3 = c2 < 0 ? -1 : line.indexOf(',', c2 + 1);
      if (c3 < 0 || line.indexOf(',', c3 + 1) >= 0) {
        reject(line, 'want 4 fields: timestamp,price,qty,side');
        continue;
      }
      const tsText = line.slice(0, c1);
      const price = line.slice(c1 + 1, c2);
      const amount = line.slice(c2 + 1, c3);
      const side = sideOf(line.slice(c3 + 1));
      const ts = Number(tsText);
      if (!TS_RE.test(tsText) || !Number.isSafeInteger(ts)) {
        reject(line, `timestamp ${JSON.stringify(tsText)} is not epoch µs as an integer`);
      } else if (!isPositiveDecimal(price)) {
        reject(line, `price ${JSON.stringify(price)} is not decimal text > 0`);
      } else if (!isPositiveDecimal(amount)) {
        reject(line, `qty ${JSON.stringify(amount)} is not decimal text > 0`);
      } else if (side === undefined) {
        reject(line, `side ${JSON.stringify(line.slice(c3 + 1))} is not buy, sell or unknown`);
      } else if (ts < lastTs) {
        reject(line, `timestamp ${ts} is before the previous row's ${lastTs}`);
      } else {
        lastTs = ts;
        if (stats.firstTs === undefined) stats.firstTs = ts;
        stats.lastTs = ts;
        stats.yielded++;
        yield { type: 'trade', venue, symbol, venueSymbol, ts, localTs: ts, id: String(lineNo - 1), price, amount, side };
      }
    }
  } finally {
    lines.close();
    input.destroy();
  }
  if (lineNo === 0) {
    throw new MarketfeedError('MF_ERR_USAGE', `${path} is empty: a tick file starts with its header`, { expected: HEADER, got: 'an empty file' });
  }
  return stats;
}
