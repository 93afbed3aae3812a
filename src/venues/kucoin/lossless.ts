// KuCoin futures sends some values as JSON numbers that JSON.parse cannot keep (PROTOCOLS-MORE.md
// §5.4, §7): nanosecond timestamps above 2^53 (`"ts":1786540805418000000` parses to …417999872,
// one millisecond early once divided), and prices / rates whose text must survive as sent
// (REST snapshot levels `[66968.1,13501]`, `"markPrice":90445.02`, `"fundingRate":-0.000074`).
// parseLossless wraps every bare number in quotes before JSON.parse, so each arrives as its exact
// lexeme (a string); the guards then check the lexeme's shape. Only the rare frames whose prices
// are numbers take this path (mark/index, funding, depth5, the REST book); the busy ones use
// JSON.parse, and executions and tickers read their one unsafe number, the ns `ts`, with
// numberLexeme.

const QUOTE = 34;
const BACKSLASH = 92;

/** True for the characters a JSON number lexeme is made of. */
function numberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69;
}

/**
 * The text with every number outside a string wrapped in quotes (`{"a":-1.50}` → `{"a":"-1.50"}`).
 * Strings are copied as they are (escapes included). Malformed input stays malformed: JSON.parse
 * rejects it afterwards.
 */
export function quoteNumbers(text: string): string {
  let out = '';
  let copied = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i += 2;
        else if (d === QUOTE) break;
        else i++;
      }
      i++;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      const start = i;
      while (i < n && numberChar(text.charCodeAt(i))) i++;
      out += text.slice(copied, start) + '"' + text.slice(start, i) + '"';
      copied = i;
    } else {
      i++;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** JSON.parse with every number kept as its lexeme (a string); undefined when the text is not JSON. */
export function parseLossless(text: string): unknown {
  try {
    return JSON.parse(quoteNumbers(text));
  } catch {
    return undefined;
  }
}

const NS_RE = /^\d{10,}$/;

/**
 * Epoch nanoseconds as text (`"1786540805418000000"`) → epoch µs, exactly: the last three digits
 * are dropped as text, never through a float (§5.4 trap). Undefined when the text is not digits.
 */
export function nsTextToUs(ns: string): number | undefined {
  if (!NS_RE.test(ns)) return undefined;
  const us = Number(ns.slice(0, -3));
  return Number.isSafeInteger(us) ? us : undefined;
}

/**
 * The digits of the last `"<key>":<number>` in the text, when they are the number JSON.parse gave
 * for that key (so it is that field, not a look-alike): the exact lexeme of a value the double
 * cannot hold. Keys in string values cannot match (their quotes are escaped there).
 */
export function numberLexeme(text: string, key: string, parsed: number): string | undefined {
  const k = text.lastIndexOf(`"${key}":`);
  if (k < 0) return undefined;
  const s = k + key.length + 3;
  let e = s;
  while (e < text.length && text.charCodeAt(e) >= 48 && text.charCodeAt(e) <= 57) e++;
  const digits = text.slice(s, e);
  return e > s && Number(digits) === parsed ? digits : undefined;
}
