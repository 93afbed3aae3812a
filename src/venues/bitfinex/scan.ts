// A single-pass scanner for Bitfinex channel frames (PROTOCOLS.md §5): `[CHAN_ID, …]` arrays whose
// numbers must be kept as the exact texts sent — the book checksum is computed over them (`1.5e-7`
// stays `1.5e-7`), so nothing is parsed to a float and printed back. It records where each token
// sits (offsets into the frame text); the decoder slices only what it keeps.
//
// Shapes (with optional trailing numbers: the SEQ_ALL sequence and/or the TIMESTAMP ms):
//   [CHAN, "hb"]                    heartbeat
//   [CHAN, "cs", N]                 book checksum
//   [CHAN, "te"|"tu", [ID,MTS,AMOUNT,PRICE]]
//   [CHAN, [[…],[…]]]               snapshot (books, trades) or, with the BULK flag, an update batch
//   [CHAN, [a,b,c,…]]               one book update, or a ticker
// Anything else (objects inside, deeper nesting, strings out of place) fails the scan.
import { grown } from '../../book/grow.js';

export const TOK_NUM = 1;
export const TOK_NULL = 2;
export const TOK_STR = 3;

const MAX_TRAILING = 4;

export class FrameScan {
  text = '';
  chanId = 0;
  /** The string at position 1 (`hb`, `cs`, `te`, `tu`): offsets of its content; -1 when none. */
  tagStart = -1;
  tagEnd = -1;
  /** The number right after a `cs` tag (the checksum); -1 when none. */
  valueStart = -1;
  valueEnd = -1;
  /** Whether the frame holds a data array, and whether it was an array of arrays. */
  hasData = false;
  nested = false;
  /** Data rows (1 for a flat array) and their tokens, flat: row r is tokens rowFirst[r]..rowFirst[r+1]. */
  rows = 0;
  tokens = 0;
  tokStart = new Int32Array(1024);
  tokEnd = new Int32Array(1024);
  tokKind = new Uint8Array(1024);
  rowFirst = new Int32Array(257);
  /** Numbers after the data (sequence, timestamp), in order. */
  trailing = 0;
  readonly trailStart = new Int32Array(MAX_TRAILING);
  readonly trailEnd = new Int32Array(MAX_TRAILING);

  /** Scans `text`; false when it is not a channel frame of a known shape. */
  scan(text: string): boolean {
    this.text = text;
    this.tagStart = this.tagEnd = this.valueStart = this.valueEnd = -1;
    this.hasData = this.nested = false;
    this.rows = this.tokens = this.trailing = 0;
    const n = text.length;
    let i = ws(text, 0);
    if (text.charCodeAt(i) !== 91) return false; // [
    i = ws(text, i + 1);
    let chan = 0;
    const c0 = i;
    for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) chan = chan * 10 + (c - 48);
    if (i === c0 || i - c0 > 15) return false;
    this.chanId = chan;
    for (let k = 1; ; k++) {
      i = ws(text, i);
      const c = text.charCodeAt(i);
      if (c === 93) return ws(text, i + 1) === n; // ]
      if (c !== 44) return false; // ,
      i = ws(text, i + 1);
      const d = text.charCodeAt(i);
      if (d === 34) { // "
        if (k !== 1) return false;
        const e = stringEnd(text, i + 1);
        if (e < 0) return false;
        this.tagStart = i + 1;
        this.tagEnd = e;
        i = e + 1;
      } else if (d === 91) { // [
        if (this.hasData || this.trailing > 0 || this.valueStart >= 0) return false;
        i = this.data(text, i);
        if (i < 0) return false;
      } else {
        const e = scalarEnd(text, i);
        if (e <= i) return false;
        if (k === 2 && this.tagIs('cs')) {
          this.valueStart = i;
          this.valueEnd = e;
        } else if (text.charCodeAt(i) !== 110) { // a trailing null is skipped
          if (this.trailing === MAX_TRAILING) return false;
          this.trailStart[this.trailing] = i;
          this.trailEnd[this.trailing] = e;
          this.trailing++;
        }
        i = e;
      }
    }
  }

  /** Scans a bare array of rows (a REST book body `[[P,C,A],…]`); false when it is not one. */
  scanRows(text: string): boolean {
    this.text = text;
    this.tagStart = this.tagEnd = this.valueStart = this.valueEnd = -1;
    this.rows = this.tokens = this.trailing = 0;
    const i = ws(text, 0);
    if (text.charCodeAt(i) !== 91) return false;
    const e = this.data(text, i);
    return e > 0 && this.nested && ws(text, e) === text.length;
  }

  /** The tag text equals `t` (2-letter tags: no slice). */
  tagIs(t: string): boolean {
    return this.tagEnd - this.tagStart === t.length && this.text.startsWith(t, this.tagStart);
  }

  /** Token j of row r: index into the token arrays (caller checks j < rowLength). */
  tok(r: number, j: number): number {
    return this.rowFirst[r] + j;
  }

  rowLength(r: number): number {
    return this.rowFirst[r + 1] - this.rowFirst[r];
  }

  tokText(t: number): string {
    return this.text.slice(this.tokStart[t], this.tokEnd[t]);
  }

  /** The data array at `i` (`[`): flat or an array of flat arrays. Returns the index after it, or -1. */
  private data(text: string, i: number): number {
    this.hasData = true;
    i = ws(text, i + 1);
    const c = text.charCodeAt(i);
    if (c === 93) { // [] : an empty snapshot
      this.nested = true;
      this.rowFirst[0] = 0;
      return i + 1;
    }
    if (c !== 91) {
      this.nested = false;
      return this.row(text, i - 1);
    }
    this.nested = true;
    for (;;) {
      i = this.row(text, i);
      if (i < 0) return -1;
      i = ws(text, i);
      const d = text.charCodeAt(i);
      if (d === 93) return i + 1;
      if (d !== 44) return -1;
      i = ws(text, i + 1);
      if (text.charCodeAt(i) !== 91) return -1;
    }
  }

  /** One flat row whose `[` is at `i` (or whose first token follows `i`). Returns the index after `]`. */
  private row(text: string, i: number): number {
    const r = this.rows;
    if (r + 1 >= this.rowFirst.length) this.rowFirst = grown(this.rowFirst, this.rowFirst.length * 2);
    this.rowFirst[r] = this.tokens;
    i = ws(text, i + 1);
    if (text.charCodeAt(i) === 93) { // an empty row
      this.rows = r + 1;
      this.rowFirst[r + 1] = this.tokens;
      return i + 1;
    }
    for (;;) {
      const c = text.charCodeAt(i);
      let s = i;
      let e: number;
      let kind: number;
      if (c === 34) {
        e = stringEnd(text, i + 1);
        if (e < 0) return -1;
        s = i + 1;
        kind = TOK_STR;
        i = e + 1;
      } else {
        e = scalarEnd(text, i);
        if (e <= i) return -1;
        kind = c === 110 ? TOK_NULL : TOK_NUM;
        i = e;
      }
      const t = this.tokens;
      if (t === this.tokStart.length) this.growTokens();
      this.tokStart[t] = s;
      this.tokEnd[t] = e;
      this.tokKind[t] = kind;
      this.tokens = t + 1;
      i = ws(text, i);
      const d = text.charCodeAt(i);
      if (d === 93) break;
      if (d !== 44) return -1;
      i = ws(text, i + 1);
    }
    this.rows = r + 1;
    this.rowFirst[r + 1] = this.tokens;
    return i + 1;
  }

  private growTokens(): void {
    const n = this.tokStart.length * 2;
    this.tokStart = grown(this.tokStart, n);
    this.tokEnd = grown(this.tokEnd, n);
    this.tokKind = grown(this.tokKind, n);
  }
}

function ws(text: string, i: number): number {
  for (let c = text.charCodeAt(i); c === 32 || c === 10 || c === 13 || c === 9; c = text.charCodeAt(++i));
  return i;
}

/** End of a number (`-1.5e-7`) or `null` starting at i; i itself when there is none. */
function scalarEnd(text: string, i: number): number {
  if (text.startsWith('null', i)) return i + 4;
  let j = i;
  for (let c = text.charCodeAt(j); (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69; c = text.charCodeAt(++j));
  return j;
}

/** Index of the closing quote of a string whose content starts at i; -1 when unterminated. */
function stringEnd(text: string, i: number): number {
  const n = text.length;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) return i;
    if (c === 92) i++;
  }
  return -1;
}
