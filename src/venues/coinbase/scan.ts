// The hot path: one pass over an l2_data frame's text, for the shape Coinbase sends —
//   {"channel":"l2_data",("client_id":"",)?"timestamp":"…","sequence_num":N,
//    "events":[{"type":"update"|"snapshot","product_id":"BTC-USD","updates":[
//      {"side":"bid"|"offer","event_time":"…","price_level":"21922.5","new_quantity":"0.5"},…]}]}
// Levels go straight into the decoder's LevelBatch: prices parsed from the chars, texts kept as
// spans (sliced only if the book stores them). A snapshot of the whole book (thousands of levels)
// is read the same way, without the object per level JSON.parse would build. Anything else —
// several events, other key order, whitespace, escapes, exponents, a truncated frame — returns
// false and the decoder takes JSON.parse and the wire.ts guards, so a valid but unusual frame
// still decodes and a half-read one never reaches the book.
import { JsonScanner } from '../../book/json-scan.js';
import { isZeroAmount, parseDecimal, type LevelBatch } from '../../book/levels.js';
import { isPlainDecimal } from './wire.js';

const HEAD = '{"channel":"l2_data",';
const CLIENT_ID = '"client_id":';
const TIMESTAMP = '"timestamp":';
const SEQUENCE = ',"sequence_num":';
const EVENTS = ',"events":[{"type":';
const UPDATE = '"update"';
const SNAPSHOT = '"snapshot"';
const PRODUCT = ',"product_id":';
const UPDATES = ',"updates":[';
const SIDE_BID = '{"side":"bid","event_time":';
const SIDE_OFFER = '{"side":"offer","event_time":';
const PRICE = ',"price_level":';
const QUANTITY = ',"new_quantity":';
const TAIL = '}]}';

export class L2Scanner {
  /** Of the last successful scan: sequence_num and the spans of timestamp and product_id. */
  seq = 0;
  /** The event was a `snapshot` (the whole book), not an `update`. */
  snapshot = false;
  tsStart = 0;
  tsEnd = 0;
  productStart = 0;
  productEnd = 0;
  private readonly sc = new JsonScanner();

  /** True when `text` is a one-event l2 frame of the expected shape, read to its last char. */
  scan(text: string, batch: LevelBatch): boolean {
    if (!text.startsWith(HEAD)) return false;
    const sc = this.sc;
    sc.reset(text, HEAD.length);
    if (sc.lit(CLIENT_ID) && !(sc.string() && sc.lit(','))) return false;
    if (!sc.lit(TIMESTAMP) || !sc.string()) return false;
    this.tsStart = sc.start;
    this.tsEnd = sc.end;
    if (!sc.lit(SEQUENCE)) return false;
    const seq = sc.uint();
    if (seq < 0 || !sc.lit(EVENTS)) return false;
    let snapshot: boolean;
    if (sc.lit(UPDATE)) snapshot = false;
    else if (sc.lit(SNAPSHOT)) snapshot = true;
    else return false;
    if (!sc.lit(PRODUCT) || !sc.string()) return false;
    this.productStart = sc.start;
    this.productEnd = sc.end;
    if (!sc.lit(UPDATES)) return false;
    batch.reset(text);
    if (!sc.lit(']')) {
      for (;;) {
        let side: 1 | -1;
        if (sc.lit(SIDE_BID)) side = 1;
        else if (sc.lit(SIDE_OFFER)) side = -1;
        else return false;
        if (!sc.string() || !sc.lit(PRICE) || !sc.string()) return false;
        const ps = sc.start;
        const pe = sc.end;
        if (!sc.lit(QUANTITY) || !sc.string()) return false;
        const qs = sc.start;
        const qe = sc.end;
        if (!isPlainDecimal(text, ps, pe) || !isPlainDecimal(text, qs, qe) || !sc.lit('}')) return false;
        batch.pushSpan(side, parseDecimal(text, ps, pe), ps, pe, qs, qe, isZeroAmount(text, qs, qe));
        if (sc.lit(',')) continue;
        if (sc.lit(']')) break;
        return false;
      }
    }
    if (!sc.lit(TAIL) || !sc.done) return false;
    this.seq = seq;
    this.snapshot = snapshot;
    return true;
  }
}
