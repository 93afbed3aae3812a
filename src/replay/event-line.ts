// Events as NDJSON, byte for byte what JSON.stringify gives, cheaper for book_snapshots. Half of
// a replay's events are book_snapshots of 2 × depth levels; stringifying them was a quarter of
// `marketfeed replay`'s time, and their text most of its garbage. Rows of unchanged levels are the
// same read-only tuples from one snapshot to the next (book/book-side.ts topRows), so:
// - a side whose rows are all the previous snapshot's reuses that side's bytes (one copy);
// - a side that changed reuses the text of each row it kept (found within two places of where it
//   was: a level that comes or goes shifts the rest by one) and stringifies only the others;
// - write() puts the pieces straight into the batch buffer, so no line string is built at all.
// Anything else (other events, a book_snapshot of another shape) is JSON.stringify's.
import type { MarketEvent } from '../core/events.js';
import type { LineBatcher } from './line-batch.js';

/** A book_snapshot's keys, in the order sync-engine.ts builds them. */
const BOOK_KEYS = ['type', 'venue', 'symbol', 'venueSymbol', 'ts', 'localTs', 'depth', 'updateId', 'bids', 'asks'] as const;

/** Distinct names quoted once, and books followed; beyond this many the caches stop growing. */
const MAX_NAMES = 4096;

const ASKS_KEY = Buffer.from(',"asks":');
const CLOSE = Buffer.from('}');

/** One side of the last snapshot of a book: its rows, their texts, and the side's text and bytes. */
class SideText {
  rows: readonly unknown[] = [];
  texts: string[] = [];
  text = '[]';
  private encoded: Uint8Array | undefined;

  get bytes(): Uint8Array {
    return (this.encoded ??= Buffer.from(this.text, 'utf8'));
  }

  /** Follows `rows`; false for a row that is not an object (JSON.stringify of the event says). */
  update(rows: readonly unknown[]): boolean {
    const prev = this.rows;
    const m = prev.length;
    const n = rows.length;
    if (n === m) {
      let i = 0;
      while (i < n && rows[i] === prev[i]) i++;
      if (i === n) return true;
    }
    const prevTexts = this.texts;
    const texts = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const row = rows[i];
      if (typeof row !== 'object' || row === null) return false;
      let t: string | undefined;
      for (let k = i < 2 ? 0 : i - 2; k < m && k <= i + 2; k++) {
        if (prev[k] === row) {
          t = prevTexts[k];
          break;
        }
      }
      texts[i] = t ?? JSON.stringify(row);
    }
    this.rows = rows;
    this.texts = texts;
    this.text = '[' + texts.join(',') + ']';
    this.encoded = undefined;
    return true;
  }
}

/** One per thread: its caches follow the books whose snapshots it writes. */
export class EventLines {
  private readonly names = new Map<string, string>();
  private readonly bids = new Map<string, SideText>();
  private readonly asks = new Map<string, SideText>();
  /** The sides of the snapshot bookHead() last read. */
  private bidSide = new SideText();
  private askSide = new SideText();

  /** JSON.stringify(ev), without the newline. */
  line(ev: MarketEvent): string {
    const head = this.bookHead(ev);
    if (head === undefined) return JSON.stringify(ev);
    return head + this.bidSide.text + ',"asks":' + this.askSide.text + '}';
  }

  /** Appends line(ev) and a newline to `out`; false (nothing written) when `out` is full. */
  write(ev: MarketEvent, out: LineBatcher): boolean {
    const head = this.bookHead(ev);
    if (head === undefined) return out.add(ev.localTs, JSON.stringify(ev));
    return out.addPieces(ev.localTs, head, this.bidSide.bytes, ASKS_KEY, this.askSide.bytes, CLOSE);
  }

  /**
   * `{"type":"book_snapshot",…,"bids":` of a book_snapshot of the expected shape, its sides
   * brought up to date; undefined for any other event.
   */
  private bookHead(ev: MarketEvent): string | undefined {
    if (ev.type !== 'book_snapshot') return undefined;
    let k = 0;
    for (const key in ev) {
      if (key !== BOOK_KEYS[k++]) return undefined;
    }
    if (k !== BOOK_KEYS.length) return undefined;
    const { venue, symbol, venueSymbol, ts, localTs, depth, updateId, bids, asks } = ev;
    if (typeof venue !== 'string' || typeof symbol !== 'string' || typeof venueSymbol !== 'string' ||
      typeof ts !== 'number' || typeof localTs !== 'number' || typeof depth !== 'number' || typeof updateId !== 'number' ||
      !Array.isArray(bids) || !Array.isArray(asks)) {
      return undefined;
    }
    const b = this.side(this.bids, venueSymbol);
    const a = this.side(this.asks, venueSymbol);
    if (b === undefined || a === undefined || !b.update(bids) || !a.update(asks)) return undefined;
    this.bidSide = b;
    this.askSide = a;
    return '{"type":"book_snapshot","venue":' + this.name(venue) + ',"symbol":' + this.name(symbol) +
      ',"venueSymbol":' + this.name(venueSymbol) + ',"ts":' + num(ts) + ',"localTs":' + num(localTs) +
      ',"depth":' + num(depth) + ',"updateId":' + num(updateId) + ',"bids":';
  }

  private name(s: string): string {
    let q = this.names.get(s);
    if (q === undefined) {
      q = JSON.stringify(s);
      if (this.names.size < MAX_NAMES) this.names.set(s, q);
    }
    return q;
  }

  private side(by: Map<string, SideText>, key: string): SideText | undefined {
    let s = by.get(key);
    if (s === undefined && by.size < MAX_NAMES) by.set(key, (s = new SideText()));
    return s;
  }
}

/**
 * A number as JSON writes it (NaN and ±Infinity are null). Times in µs and update ids are past
 * 2^31, where String(n) takes the slow double path (≈280 ns here); as two halves below 1e8 each is
 * a small integer (≈60 ns for both).
 */
function num(n: number): string {
  if (n >= 1e8 && n <= Number.MAX_SAFE_INTEGER && Number.isInteger(n)) {
    const low = n % 1e8; // exact, and so is the division of what is left
    return String((n - low) / 1e8) + String(low + 1e8).slice(1);
  }
  return Number.isFinite(n) ? String(n) : 'null';
}
