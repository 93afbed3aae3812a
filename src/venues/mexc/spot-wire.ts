// MEXC spot v3 binary frames read by hand (PROTOCOLS-MORE.md §4.1): one PushDataV3ApiWrapper per
// frame, its fields read with protobufjs's Reader into storage reused from frame to frame. Field
// numbers and types are the wire facts of §4.1 (the same ones proto.ts declares as reflection
// types, which the tests hold this reader to).
//
// Strings are not decoded as they are met: the frame's bytes are viewed once as a latin1 string
// (one char per byte) and every string field is kept as a [start, end) span of it, so a price text
// is sliced only when the book keeps it (LevelBatch.pushSpan) and a version is parsed straight
// from its digits. Everything we read is ASCII (topics, symbols, decimal texts, version digits);
// a non-ASCII byte in a number field fails its check like any other stray character.
//
// Strict where protobufjs is lenient: a known field with the wrong wire type, a length past the
// end of its message, or a number field that is not a decimal text makes the whole frame
// malformed (read() returns false), so nothing of a damaged frame reaches the book.
import protobuf from 'protobufjs/minimal.js';
import { LevelBatch, parseDecimal } from '../../book/levels.js';
import { BODY } from './proto.js';

const { Reader } = protobuf;

const VARINT = 0;
const LEN = 2;
/** A varint has at most 10 bytes. */
const MAX_VARINT = 10;

/** What one frame held; every field is overwritten by each read(). */
export class SpotFrame {
  /** The frame's bytes as a latin1 string: spans index into it. */
  text = '';
  /** Field number of the oneof body found (BODY.*), 0 when none we know. */
  body = 0;
  channelStart = -1;
  channelEnd = -1;
  /** Span of the optional `symbol` (field 3); -1 when absent. */
  symbolStart = -1;
  symbolEnd = -1;
  /** Optional int64 ms times; -1 when absent. */
  createTime = -1;
  sendTime = -1;
  /** publicAggreDepths: fromVersion / toVersion; publicLimitDepths and book tickers: version (-1 absent). */
  fromVersion = -1;
  toVersion = -1;
  version = -1;
  /** Levels of a depth body (bids side 1, asks side -1), texts as spans of `text`. */
  readonly levels = new LevelBatch(64);
  /** publicAggreDeals: count, then per deal [priceStart, priceEnd, qtyStart, qtyEnd, idStart, idEnd] (id -1 absent). */
  deals = 0;
  dealSpans = new Int32Array(6 * 16);
  dealType = new Int32Array(16);
  dealTime = new Float64Array(16);
  /** publicAggreBookTicker: [bidPrice, bidQuantity, askPrice, askQuantity] as 4 spans. */
  readonly tickerSpans = new Int32Array(8);

  channel(): string {
    return this.text.slice(this.channelStart, this.channelEnd);
  }

  /** The text of span k of a deal (0 price, 1 quantity, 2 tradeId). */
  dealText(i: number, k: 0 | 1 | 2): string {
    const s = this.dealSpans;
    return this.text.slice(s[6 * i + 2 * k], s[6 * i + 2 * k + 1]);
  }

  tickerText(k: 0 | 1 | 2 | 3): string {
    return this.text.slice(this.tickerSpans[2 * k], this.tickerSpans[2 * k + 1]);
  }
}

/** Reads PushDataV3ApiWrapper frames; one instance per decoder. */
export class SpotWireReader {
  private readonly r = new Reader(new Uint8Array(0));
  /** Set by a string read: its span. */
  private start = 0;
  private end = 0;

  /** Reads one frame into `out`; false when it is not a well-formed wrapper. Never throws. */
  read(bytes: Uint8Array, out: SpotFrame): boolean {
    const r = this.r;
    r.buf = bytes;
    r.pos = 0;
    r.len = bytes.length;
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    out.text = buf.toString('latin1');
    out.body = 0;
    out.channelStart = out.channelEnd = out.symbolStart = out.symbolEnd = -1;
    out.createTime = out.sendTime = out.fromVersion = out.toVersion = out.version = -1;
    out.levels.reset(out.text);
    out.deals = 0;
    try {
      return this.wrapper(out);
    } catch {
      return false; // Reader's RangeError on a truncated field, or nesting past its limit
    }
  }

  private wrapper(out: SpotFrame): boolean {
    const r = this.r;
    while (r.pos < r.len) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      switch (field) {
        case 1:
          if (wire !== LEN || !this.string()) return false;
          out.channelStart = this.start;
          out.channelEnd = this.end;
          break;
        case 3:
          if (wire !== LEN || !this.string()) return false;
          out.symbolStart = this.start;
          out.symbolEnd = this.end;
          break;
        case 5:
        case 6: {
          if (wire !== VARINT) return false;
          const t = this.uint53();
          if (t < 0) return false;
          if (field === 5) out.createTime = t;
          else out.sendTime = t;
          break;
        }
        case BODY.publicAggreDepths:
        case BODY.publicLimitDepths:
        case BODY.publicAggreDeals:
        case BODY.publicAggreBookTicker: {
          if (wire !== LEN) return false;
          const end = this.messageEnd();
          if (end < 0) return false;
          // A oneof holds one body; a second is a frame we do not understand.
          if (out.body !== 0) return false;
          out.body = field;
          const ok = field === BODY.publicAggreDeals ? this.deals(out, end)
            : field === BODY.publicAggreBookTicker ? this.bookTicker(out, end)
              : this.depths(out, end, field === BODY.publicAggreDepths);
          if (!ok || r.pos !== end) return false;
          break;
        }
        default:
          r.skipType(wire); // symbolId (4), bodies we do not decode, fields added later
      }
    }
    return out.channelStart >= 0;
  }

  /** publicAggreDepths (asks 1, bids 2, eventType 3, fromVersion 4, toVersion 5) or publicLimitDepths (…, version 4). */
  private depths(out: SpotFrame, end: number, aggre: boolean): boolean {
    const r = this.r;
    while (r.pos < end) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 1 || field === 2) {
        if (wire !== LEN || !this.level(out, field === 2 ? 1 : -1)) return false;
      } else if (field === 4 || (field === 5 && aggre)) {
        if (wire !== LEN || !this.string()) return false;
        const v = digits(out.text, this.start, this.end);
        if (v < 0) return false;
        if (!aggre) out.version = v;
        else if (field === 4) out.fromVersion = v;
        else out.toVersion = v;
      } else {
        r.skipType(wire); // eventType, lastOrderCreateTime
      }
    }
    return aggre ? out.fromVersion >= 0 && out.toVersion >= out.fromVersion : out.version >= 0;
  }

  /** One {price 1, quantity 2} item. */
  private level(out: SpotFrame, side: 1 | -1): boolean {
    const r = this.r;
    const end = this.messageEnd();
    if (end < 0) return false;
    let ps = -1;
    let pe = -1;
    let qs = -1;
    let qe = -1;
    while (r.pos < end) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 1 || field === 2) {
        if (wire !== LEN || !this.string()) return false;
        if (field === 1) {
          ps = this.start;
          pe = this.end;
        } else {
          qs = this.start;
          qe = this.end;
        }
      } else {
        r.skipType(wire);
      }
    }
    if (r.pos !== end || ps < 0 || qs < 0) return false;
    const t = out.text;
    const price = parseDecimal(t, ps, pe);
    if (price !== price || !isDecimalSpan(t, qs, qe)) return false; // NaN price
    out.levels.pushSpan(side, price, ps, pe, qs, qe, isZeroSpan(t, qs, qe));
    return true;
  }

  /** publicAggreDeals: deals 1 (repeated item), eventType 2. */
  private deals(out: SpotFrame, end: number): boolean {
    const r = this.r;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag >>> 3 === 1) {
        if ((tag & 7) !== LEN || !this.deal(out)) return false;
      } else {
        r.skipType(tag & 7);
      }
    }
    return true;
  }

  /** One deal: price 1, quantity 2 (strings), tradeType 3 (int32), time 4 (int64 ms), tradeId 5 (string). */
  private deal(out: SpotFrame): boolean {
    const r = this.r;
    const end = this.messageEnd();
    if (end < 0) return false;
    const i = out.deals;
    if (i === out.dealType.length) growDeals(out);
    const s = out.dealSpans;
    const k = 6 * i;
    s[k] = s[k + 1] = s[k + 2] = s[k + 3] = s[k + 4] = s[k + 5] = -1;
    out.dealType[i] = 0;
    out.dealTime[i] = -1;
    while (r.pos < end) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field === 1 || field === 2 || field === 5) {
        if (wire !== LEN || !this.string()) return false;
        const at = k + (field === 5 ? 4 : 2 * (field - 1));
        s[at] = this.start;
        s[at + 1] = this.end;
      } else if (field === 3 || field === 4) {
        if (wire !== VARINT) return false;
        const v = this.uint53();
        if (v < 0) return false;
        if (field === 3) out.dealType[i] = v;
        else out.dealTime[i] = v;
      } else {
        r.skipType(wire);
      }
    }
    const t = out.text;
    if (r.pos !== end || s[k] < 0 || s[k + 2] < 0 || out.dealTime[i] < 0) return false;
    if (!isDecimalSpan(t, s[k], s[k + 1]) || !isDecimalSpan(t, s[k + 2], s[k + 3])) return false;
    out.deals = i + 1;
    return true;
  }

  /** publicAggreBookTicker: bidPrice 1, bidQuantity 2, askPrice 3, askQuantity 4, version 5. */
  private bookTicker(out: SpotFrame, end: number): boolean {
    const r = this.r;
    const s = out.tickerSpans;
    s.fill(-1);
    while (r.pos < end) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (field >= 1 && field <= 5) {
        if (wire !== LEN || !this.string()) return false;
        if (field === 5) {
          out.version = digits(out.text, this.start, this.end);
          if (out.version < 0) return false;
        } else {
          s[2 * (field - 1)] = this.start;
          s[2 * (field - 1) + 1] = this.end;
        }
      } else {
        r.skipType(wire);
      }
    }
    for (let j = 0; j < 8; j += 2) {
      if (s[j] < 0 || !isDecimalSpan(out.text, s[j], s[j + 1])) return false;
    }
    return true;
  }

  /** A length-delimited field's end offset; -1 when it runs past the buffer. */
  private messageEnd(): number {
    const r = this.r;
    const n = r.uint32();
    const end = r.pos + n;
    return end > r.len ? -1 : end;
  }

  /** A string field as a span (start, end); false when it runs past the buffer. */
  private string(): boolean {
    const end = this.messageEnd();
    if (end < 0) return false;
    this.start = this.r.pos;
    this.end = end;
    this.r.pos = end;
    return true;
  }

  /**
   * A varint as a number (int64 times in ms, int32 trade types): exact below 2^53, which every
   * value we read is; -1 for a longer or negative one (as int64 two's complement it has 10 bytes).
   * protobufjs would give a Long object here, allocated per field.
   */
  private uint53(): number {
    const r = this.r;
    const b = r.buf;
    let v = 0;
    let mul = 1;
    for (let i = 0; i < MAX_VARINT; i++) {
      if (r.pos >= r.len) return -1;
      const c = b[r.pos++];
      v += (c & 0x7f) * mul;
      if (c < 0x80) return v <= Number.MAX_SAFE_INTEGER ? v : -1;
      mul *= 128;
    }
    return -1;
  }
}

function growDeals(out: SpotFrame): void {
  const n = out.dealType.length * 2;
  const spans = new Int32Array(6 * n);
  spans.set(out.dealSpans);
  const types = new Int32Array(n);
  types.set(out.dealType);
  const times = new Float64Array(n);
  times.set(out.dealTime);
  out.dealSpans = spans;
  out.dealType = types;
  out.dealTime = times;
}

/** Decimal digits of [s, e) as a safe integer (versions are decimal strings); -1 otherwise. */
export function digits(t: string, s: number, e: number): number {
  if (e <= s || e - s > 15) return -1; // 15 digits always fit below 2^53
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/** Plain decimal text (`123`, `0.0024`): digits with at most one inner dot. */
export function isDecimalSpan(t: string, s: number, e: number): boolean {
  if (e <= s) return false;
  let dot = -1;
  for (let i = s; i < e; i++) {
    const c = t.charCodeAt(i);
    if (c === 46 && dot < 0) dot = i;
    else if (c < 48 || c > 57) return false;
  }
  // 309 digits and more overflow a double: no price or size is that long
  return dot !== s && dot !== e - 1 && (e - s < 300 || Number.isFinite(Number(t.slice(s, e))));
}

/** A decimal span of zeros ("0", "0.00000000"): the level is deleted. */
function isZeroSpan(t: string, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = t.charCodeAt(i);
    if (c !== 48 && c !== 46) return false;
  }
  return true;
}
