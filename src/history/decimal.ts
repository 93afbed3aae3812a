// Decimal text for files: numbers written without exponents, and exact sums of decimal strings
// (volumes), so a bar's volume is the exact total of its trades' quantities.

/**
 * A finite number as plain decimal text: the shortest text that reads back as the same double
 * (so a price parsed from "0.00000123" prints as "0.00000123", never "1.23e-6").
 */
export function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`);
  const s = String(n);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const negative = s.startsWith('-');
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const point = (dot < 0 ? mantissa.length : dot) + exp; // digits before the decimal point
  let text: string;
  if (point <= 0) text = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) text = digits + '0'.repeat(point - digits.length);
  else text = digits.slice(0, point) + '.' + digits.slice(point);
  return (negative ? '-' : '') + text;
}

const DECIMAL_RE = /^(-?)(\d+)(?:\.(\d+))?$/;

/** An exact running sum of decimal strings (scaled BigInt). */
export class DecimalSum {
  private units = 0n;
  private scale = 0;

  /** Adds a plain decimal text ("0.00123", "-5", "12.50"); numbers in exponent form are expanded first. */
  add(text: string): void {
    let m = DECIMAL_RE.exec(text);
    if (m === null) {
      const n = Number(text);
      m = Number.isFinite(n) ? DECIMAL_RE.exec(numberText(n)) : null;
      if (m === null) throw new RangeError(`not a decimal: ${JSON.stringify(text)}`);
    }
    const frac = m[3] ?? '';
    let v = BigInt(m[2] + frac);
    if (m[1] === '-') v = -v;
    if (frac.length > this.scale) {
      this.units *= 10n ** BigInt(frac.length - this.scale);
      this.scale = frac.length;
    } else if (frac.length < this.scale) {
      v *= 10n ** BigInt(this.scale - frac.length);
    }
    this.units += v;
  }

  /** The sum as text, without trailing fractional zeros ("0" when empty). */
  text(): string {
    const negative = this.units < 0n;
    let digits = (negative ? -this.units : this.units).toString();
    if (this.scale > 0) {
      digits = digits.padStart(this.scale + 1, '0');
      const int = digits.slice(0, digits.length - this.scale);
      const frac = digits.slice(digits.length - this.scale).replace(/0+$/, '');
      digits = frac.length > 0 ? int + '.' + frac : int;
    }
    return negative && digits !== '0' ? '-' + digits : digits;
  }

  reset(): void {
    this.units = 0n;
    this.scale = 0;
  }
}
