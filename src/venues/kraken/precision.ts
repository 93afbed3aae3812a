// Kraken WS v2 number texts → the fixed-precision decimal texts the book stores and the checksum
// needs (PROTOCOLS.md §3 "Precision"). The wire lexeme may be shortened (`0.566`, `18097.1547`,
// `45281`) or even exponent-shaped; the checksum only reproduces when every price is written with
// the pair's price_precision decimals and every qty with its qty_precision (MATIC/USD doc example:
// 4 / 8). All string operations: a float round trip (toFixed) could change digits.

const DECIMAL_RE = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/;

/** Exponents beyond this are not prices or quantities; such lexemes are refused. */
const MAX_EXPONENT = 40;

/**
 * A JSON number lexeme as a plain decimal with exactly `decimals` fractional digits. Shorter
 * fractions are zero-padded; extra fractional digits are dropped only when they are zeros (a
 * non-zero digit beyond the precision is kept, so the checksum, not this function, reports the
 * disagreement). Undefined when the text is not a non-negative decimal number.
 */
export function padToPrecision(text: string, decimals: number): string | undefined {
  // Fast path: plain `digits[.digits]` already at the precision (the common wire case).
  const dot = plainDot(text);
  if (dot === -2) return expandAndPad(text, decimals);
  const frac = dot < 0 ? 0 : text.length - dot - 1;
  if (frac === decimals) return text;
  if (frac < decimals) return (dot < 0 ? text + '.' : text) + '0'.repeat(decimals - frac);
  return trimZeros(text, dot, decimals);
}

/**
 * Index of the '.' in a plain non-negative decimal (`123`, `0.5`), -1 when it has none, -2 when
 * the text is anything else (sign, exponent, malformed).
 */
function plainDot(text: string): number {
  const n = text.length;
  if (n === 0) return -2;
  let dot = -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) continue;
    if (c === 46 && dot < 0 && i > 0 && i < n - 1) {
      dot = i;
      continue;
    }
    return -2;
  }
  return dot;
}

/** Drops fractional digits past `decimals` when they are all zeros; else returns the text as is. */
function trimZeros(text: string, dot: number, decimals: number): string {
  const keepEnd = decimals === 0 ? dot : dot + 1 + decimals;
  for (let i = dot + 1 + decimals; i < text.length; i++) if (text.charCodeAt(i) !== 48) return text;
  return text.slice(0, keepEnd);
}

/** Exponent form (`1.5e-7`, `2E+3`) → plain decimal, then padded. Negative numbers are refused. */
function expandAndPad(text: string, decimals: number): string | undefined {
  const m = DECIMAL_RE.exec(text);
  if (m === null || m[1] === '-') return undefined;
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  if (Math.abs(exp) > MAX_EXPONENT) return undefined;
  const frac = m[3] ?? '';
  let digits = m[2] + frac;
  // The decimal point sits after `point` digits of `digits`.
  let point = m[2].length + exp;
  if (point <= 0) {
    digits = '0'.repeat(1 - point) + digits;
    point = 1;
  } else if (point > digits.length) {
    digits += '0'.repeat(point - digits.length);
  }
  let int = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  if (int === '') int = '0';
  const plain = point === digits.length ? int : `${int}.${digits.slice(point)}`;
  return padToPrecision(plain, decimals);
}

/** Number of fractional digits of a plain decimal lexeme (exponent forms: of their plain expansion). */
export function fractionDigits(text: string): number {
  const dot = plainDot(text);
  if (dot === -1) return 0;
  if (dot >= 0) return text.length - dot - 1;
  const plain = expandAndPad(text, 0);
  if (plain === undefined) return 0;
  // expandAndPad(…, 0) keeps non-zero fractional digits: count what is left after the dot.
  const d = plain.indexOf('.');
  return d < 0 ? 0 : plain.length - d - 1;
}
