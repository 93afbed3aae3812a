// Exact decimal sums for raw (R0) books: a price level's amount is the sum of its orders' amounts,
// and floats would turn 0.1 + 0.2 into 0.30000000000000004. A value is a BigInt count of units of
// 10^-scale; texts in are the wire's numbers (`466.6937555`, `7.438e-5`, `-4`), texts out plain
// decimals without exponent or trailing zeros (`0.00007438`, `4`), valid for our files.

/** units × 10^-scale. */
export interface Exact {
  units: bigint;
  scale: number;
}

const DECIMAL = /^([-+]?)(\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/;
/** Exponents beyond this are not amounts (and would make huge BigInts). */
const MAX_EXP = 64;

const POW10: bigint[] = [1n];
function pow10(n: number): bigint {
  for (let i = POW10.length; i <= n; i++) POW10.push(POW10[i - 1] * 10n);
  return POW10[n];
}

/** The exact value of a decimal text; undefined when it is not one. */
export function parseExact(text: string): Exact | undefined {
  const m = DECIMAL.exec(text);
  if (m === null) return undefined;
  const frac = m[3] ?? '';
  const exp = m[4] === undefined ? 0 : Number(m[4]);
  if (Math.abs(exp) > MAX_EXP) return undefined;
  let units = BigInt(m[2] + frac);
  let scale = frac.length - exp;
  if (scale < 0) {
    units *= pow10(-scale);
    scale = 0;
  }
  return { units: m[1] === '-' ? -units : units, scale };
}

/** a + b, exactly. */
export function addExact(a: Exact, b: Exact): Exact {
  if (a.scale === b.scale) return { units: a.units + b.units, scale: a.scale };
  return a.scale > b.scale
    ? { units: a.units + b.units * pow10(a.scale - b.scale), scale: a.scale }
    : { units: a.units * pow10(b.scale - a.scale) + b.units, scale: b.scale };
}

/** a − b, exactly. */
export function subExact(a: Exact, b: Exact): Exact {
  return addExact(a, { units: -b.units, scale: b.scale });
}

export const isZeroExact = (a: Exact): boolean => a.units === 0n;

/** Plain decimal text: no exponent, no trailing fractional zeros (`1.50` → `1.5`, zero → `0`). */
export function formatExact(a: Exact): string {
  const neg = a.units < 0n;
  let digits = (neg ? -a.units : a.units).toString();
  let scale = a.scale;
  // drop trailing fractional zeros
  let end = digits.length;
  while (scale > 0 && end > 1 && digits.charCodeAt(end - 1) === 48) {
    end--;
    scale--;
  }
  if (end !== digits.length) digits = digits.slice(0, end);
  if (digits === '0') return '0';
  let out: string;
  if (scale === 0) out = digits;
  else if (digits.length > scale) out = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  else out = `0.${'0'.repeat(scale - digits.length)}${digits}`;
  return neg ? `-${out}` : out;
}

/** a + b on decimal texts; undefined when either is not a decimal. */
export function addDecimalText(a: string, b: string): string | undefined {
  const x = parseExact(a);
  const y = parseExact(b);
  return x === undefined || y === undefined ? undefined : formatExact(addExact(x, y));
}

/** a − b on decimal texts; undefined when either is not a decimal. */
export function subDecimalText(a: string, b: string): string | undefined {
  const x = parseExact(a);
  const y = parseExact(b);
  return x === undefined || y === undefined ? undefined : formatExact(subExact(x, y));
}
