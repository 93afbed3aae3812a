// The hot path: a single pass over an `orderbook.{depth}.{symbol}` frame's text, for the exact
// shapes Bybit sends (recorded, bybit-v5.json) —
//   linear  {"topic":"orderbook.50.BTCUSDT","type":"delta","ts":…,"data":{"s":"BTCUSDT","b":[…],"a":[…],"u":…,"seq":…},"cts":…}
//   spot, and linear depth 1: "ts" before "type"
// Levels go straight into a reusable LevelBatch (prices parsed from the chars, texts kept as spans
// and sliced only if the book stores them). Anything else — other key order, whitespace, escapes,
// numbers beyond 15 digits, extra fields, a truncated frame, a data.s that differs from the
// topic's — returns false, and the decoder takes JSON.parse + the wire.ts guard instead, so an
// unusual but valid frame still decodes the same way.
//
// Measured (bench/checksum-venues.bench.mjs, a 2-second bybit-linear depth-200 capture of the
// simulator, Node 20.20, 2 cores shared with other work — noisy): FeedCore with the JSON.parse
// path ≈0.2–0.5× bare JSON.parse of the same frames; with this scanner see the bench's line.
import { JsonScanner } from '../../book/json-scan.js';
import type { LevelBatch } from '../../book/levels.js';

const TOPIC_HEAD = '{"topic":"orderbook.';
const ZERO = 48;
const NINE = 57;

export class BookScanner {
  /** Results of the last successful scan. */
  depth = 0;
  snapshot = false;
  u = 0;
  seq = 0;
  /** Exchange time in ms: cts when the frame has it, else ts. */
  tsMs = 0;
  /** Span of the symbol (the topic's, equal to data.s) in the text. */
  symbolStart = 0;
  symbolEnd = 0;
  private readonly sc = new JsonScanner();

  /** True when `text` is a book frame of the expected shape, read to its last char, its levels in `batch`. */
  scan(text: string, batch: LevelBatch): boolean {
    const sc = this.sc;
    sc.reset(text);
    if (!sc.lit('{"topic":') || !sc.string() || !text.startsWith(TOPIC_HEAD, 0)) return false;
    // topic content: orderbook.<digits>.<symbol>
    let i = TOPIC_HEAD.length;
    let depth = 0;
    const end = sc.end;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c < ZERO || c > NINE) break;
      depth = depth * 10 + (c - ZERO);
    }
    if (i === TOPIC_HEAD.length || i - TOPIC_HEAD.length > 4 || text.charCodeAt(i) !== 46 || i + 1 >= end) return false;
    const symStart = i + 1;
    const symLen = end - symStart;
    let tsMs: number;
    let type: boolean | undefined;
    if (sc.lit(',"type":')) {
      if ((type = this.type()) === undefined || !sc.lit(',"ts":') || (tsMs = sc.uint()) < 0) return false;
    } else if (sc.lit(',"ts":')) {
      if ((tsMs = sc.uint()) < 0 || !sc.lit(',"type":') || (type = this.type()) === undefined) return false;
    } else {
      return false;
    }
    if (!sc.lit(',"data":{"s":') || !sc.string() || sc.end - sc.start !== symLen || !sameChars(text, symStart, sc.start, symLen)) return false;
    batch.reset(text);
    if (!sc.lit(',"b":') || !sc.levels(batch, 1) || !sc.lit(',"a":') || !sc.levels(batch, -1)) return false;
    if (!sc.lit(',"u":')) return false;
    const u = sc.uint();
    if (u < 0 || !sc.lit(',"seq":')) return false;
    const seq = sc.uint();
    if (seq < 0 || !sc.lit('}')) return false;
    if (sc.lit(',"cts":')) {
      const cts = sc.uint();
      if (cts < 0) return false;
      tsMs = cts;
    }
    if (!sc.lit('}') || !sc.done) return false;
    this.depth = depth;
    this.snapshot = type === true;
    this.u = u;
    this.seq = seq;
    this.tsMs = tsMs;
    this.symbolStart = symStart;
    this.symbolEnd = end;
    return true;
  }

  /** `"snapshot"` → true, `"delta"` → false, else undefined. */
  private type(): boolean | undefined {
    const sc = this.sc;
    if (sc.lit('"delta"')) return false;
    if (sc.lit('"snapshot"')) return true;
    return undefined;
  }
}

/** True when text[a, a+n) equals text[b, b+n). */
function sameChars(text: string, a: number, b: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (text.charCodeAt(a + k) !== text.charCodeAt(b + k)) return false;
  return true;
}
