// A JSON parser that keeps every number's lexeme. Kraken WS v2 sends book prices and quantities as
// JSON numbers "containing full precision" (PROTOCOLS.md §3): JSON.parse turns 0.10000000 into 0.1
// and the CRC32 breaks, and Node 20's JSON.parse reviver has no `context.source` without a flag.
// So v2 frames go through this small recursive-descent parser: numbers become JsonNumber (the
// exact text as sent), everything else is what JSON.parse would give.
//
// Strict RFC 8259 grammar (whitespace allowed); returns undefined for anything that is not JSON, so
// a truncated frame never reaches the book half-read. Strings without escapes are sliced directly;
// the rare string with escapes is handed to JSON.parse for decoding.

/** A JSON number as its lexeme (`45285.2`, `0.10000000`, `1e-7`). */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export type JsonValue = string | boolean | null | JsonNumber | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

const enum C {
  TAB = 9, LF = 10, CR = 13, SPACE = 32, QUOTE = 34, PLUS = 43, COMMA = 44, MINUS = 45, DOT = 46,
  ZERO = 48, NINE = 57, COLON = 58, LBRACKET = 91, BACKSLASH = 92, RBRACKET = 93,
  E_UPPER = 69, E_LOWER = 101, LBRACE = 123, RBRACE = 125,
}

/** Nesting deeper than this is refused (no frame of ours comes close; guards the call stack). */
const MAX_DEPTH = 64;

class Parser {
  private pos = 0;
  constructor(private readonly s: string) {}

  parse(): JsonValue | undefined {
    const v = this.value(0);
    if (v === undefined) return undefined;
    this.ws();
    return this.pos === this.s.length ? v : undefined;
  }

  private ws(): void {
    const s = this.s;
    let i = this.pos;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === C.SPACE || c === C.LF || c === C.CR || c === C.TAB) i++;
      else break;
    }
    this.pos = i;
  }

  private value(depth: number): JsonValue | undefined {
    this.ws();
    const s = this.s;
    const c = s.charCodeAt(this.pos);
    switch (c) {
      case C.LBRACE: return depth < MAX_DEPTH ? this.object(depth + 1) : undefined;
      case C.LBRACKET: return depth < MAX_DEPTH ? this.array(depth + 1) : undefined;
      case C.QUOTE: return this.string();
      case 116: return this.word('true', true);
      case 102: return this.word('false', false);
      case 110: return this.word('null', null);
      default: return c === C.MINUS || (c >= C.ZERO && c <= C.NINE) ? this.number() : undefined;
    }
  }

  private word<T extends JsonValue>(w: string, v: T): T | undefined {
    if (!this.s.startsWith(w, this.pos)) return undefined;
    this.pos += w.length;
    return v;
  }

  private object(depth: number): JsonObject | undefined {
    this.pos++; // {
    const out: JsonObject = {};
    this.ws();
    if (this.s.charCodeAt(this.pos) === C.RBRACE) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      const key = this.string();
      if (key === undefined) return undefined;
      this.ws();
      if (this.s.charCodeAt(this.pos) !== C.COLON) return undefined;
      this.pos++;
      const v = this.value(depth);
      if (v === undefined) return undefined;
      // Own data property even for "__proto__" (JSON.parse semantics, no prototype change).
      if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
      this.ws();
      const c = this.s.charCodeAt(this.pos++);
      if (c === C.COMMA) continue;
      return c === C.RBRACE ? out : undefined;
    }
  }

  private array(depth: number): JsonValue[] | undefined {
    this.pos++; // [
    const out: JsonValue[] = [];
    this.ws();
    if (this.s.charCodeAt(this.pos) === C.RBRACKET) {
      this.pos++;
      return out;
    }
    for (;;) {
      const v = this.value(depth);
      if (v === undefined) return undefined;
      out.push(v);
      this.ws();
      const c = this.s.charCodeAt(this.pos++);
      if (c === C.COMMA) continue;
      return c === C.RBRACKET ? out : undefined;
    }
  }

  private string(): string | undefined {
    const s = this.s;
    if (s.charCodeAt(this.pos) !== C.QUOTE) return undefined;
    const start = this.pos + 1;
    let escaped = false;
    for (let i = start; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === C.QUOTE) {
        this.pos = i + 1;
        if (!escaped) return s.slice(start, i);
        try {
          return JSON.parse(s.slice(start - 1, i + 1)) as string;
        } catch {
          return undefined;
        }
      }
      if (c === C.BACKSLASH) {
        escaped = true;
        i++; // the escaped char (an escaped quote must not end the string); JSON.parse checks the rest
      } else if (c < 0x20) {
        return undefined;
      }
    }
    return undefined;
  }

  /** -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
  private number(): JsonNumber | undefined {
    const s = this.s;
    const start = this.pos;
    let i = start;
    if (s.charCodeAt(i) === C.MINUS) i++;
    const intStart = i;
    while (isDigit(s.charCodeAt(i))) i++;
    if (i === intStart || (s.charCodeAt(intStart) === C.ZERO && i - intStart > 1)) return undefined;
    if (s.charCodeAt(i) === C.DOT) {
      const f = ++i;
      while (isDigit(s.charCodeAt(i))) i++;
      if (i === f) return undefined;
    }
    const e = s.charCodeAt(i);
    if (e === C.E_LOWER || e === C.E_UPPER) {
      i++;
      const sign = s.charCodeAt(i);
      if (sign === C.PLUS || sign === C.MINUS) i++;
      const d = i;
      while (isDigit(s.charCodeAt(i))) i++;
      if (i === d) return undefined;
    }
    this.pos = i;
    return new JsonNumber(s.slice(start, i));
  }
}

function isDigit(c: number): boolean {
  return c >= C.ZERO && c <= C.NINE;
}

/** Parses JSON text keeping number lexemes; undefined when the text is not valid JSON. */
export function parseLossless(text: string): JsonValue | undefined {
  return new Parser(text).parse();
}

export function isJsonObject(x: JsonValue | undefined): x is JsonObject {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof JsonNumber);
}
