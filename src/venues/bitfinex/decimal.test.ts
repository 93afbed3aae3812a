// Exact decimal sums on wire texts (R0 level amounts): exponent inputs, plain outputs, no float
// rounding, and texts that are not decimals refused.
import { describe, expect, it } from 'vitest';
import { addDecimalText, formatExact, isZeroExact, parseExact, subDecimalText } from './decimal.js';

describe('bitfinex exact decimals', () => {
  it('reads wire numbers (JavaScript String(number) forms) and prints plain decimals', () => {
    const norm = (t: string): string => formatExact(parseExact(t)!);
    expect(norm('466.6937555')).toBe('466.6937555');
    expect(norm('7.438e-5')).toBe('0.00007438');
    expect(norm('1.5e-7')).toBe('0.00000015');
    expect(norm('1e-8')).toBe('0.00000001');
    expect(norm('2E+3')).toBe('2000');
    expect(norm('-4')).toBe('-4');
    expect(norm('0.10')).toBe('0.1');
    expect(norm('100')).toBe('100');
    expect(norm('0.000')).toBe('0');
    expect(norm('-0')).toBe('0');
    expect(parseExact('7.438e-5')).toEqual({ units: 7438n, scale: 8 });
    expect(isZeroExact(parseExact('0e5')!)).toBe(true);
  });

  it('adds and subtracts exactly where floats would not', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(addDecimalText('0.1', '0.2')).toBe('0.3');
    expect(addDecimalText('466.6937555', '2322.34234471')).toBe('2789.03610021');
    expect(addDecimalText('1e-8', '0.99999999')).toBe('1');
    expect(addDecimalText('1.5e-7', '1.5e-7')).toBe('0.0000003');
    expect(addDecimalText('123456789012345678.123456789', '0.000000001')).toBe('123456789012345678.12345679');
    expect(subDecimalText('0.3', '0.1')).toBe('0.2');
    expect(subDecimalText('1', '1.000')).toBe('0');
    expect(subDecimalText('0.00582997', '0.01587098')).toBe('-0.01004101');
    // a long chain returns to exactly zero
    let t = '0';
    const steps = ['0.1', '0.2', '7.438e-5', '3.3', '0.00000001'];
    for (const s of steps) t = addDecimalText(t, s)!;
    expect(t).toBe('3.60007439');
    for (const s of steps) t = subDecimalText(t, s)!;
    expect(t).toBe('0');
  });

  it('refuses texts that are not decimals (and absurd exponents)', () => {
    for (const bad of ['', 'abc', '1.', '.5', '1e', '--1', '1,5', 'NaN', 'Infinity', '1e999']) {
      expect(parseExact(bad), bad).toBeUndefined();
    }
    expect(addDecimalText('1', 'x')).toBeUndefined();
    expect(subDecimalText('x', '1')).toBeUndefined();
  });
});
