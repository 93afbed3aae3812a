import { describe, expect, it } from 'vitest';
import { LevelBatch, isDecimalText, isZeroAmount, parseDecimal, pushLevels } from './levels.js';

describe('parseDecimal', () => {
  it('is bit-identical to parseFloat on venue-style texts', () => {
    const texts = ['0', '1', '60000.01000000', '0.35210000', '0.00000637', '7.6110', '427.79', '0.0024', '123456789012345',
      '9007199254740993', '1.5e-7', '-2.5', '0.1', '0.3', '1e22', '99999999999999999999.5'];
    let seed = 7;
    for (let i = 0; i < 20000; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const cents = seed % 100000000;
      const dp = seed % 9;
      texts.push((cents / 10 ** (seed % 5)).toFixed(dp));
    }
    for (const t of texts) expect(Object.is(parseDecimal(t), parseFloat(t))).toBe(true);
  });
  it('gives NaN for text that is not a number', () => {
    for (const t of ['', '.', '1.', '.5', 'abc', '1.2.3', '0x10', '1,5']) expect(parseDecimal(t)).toBeNaN();
  });
  it('reads a span of a larger text', () => {
    expect(parseDecimal('["12.50","1"]', 2, 7)).toBe(12.5);
  });
  // found by src/venues/decoders-property.test.ts: "1e400" as a price sorted the book at Infinity
  it('gives NaN for decimal text beyond the double range', () => {
    for (const t of ['1e400', '-1e400', '1e99999', '1'.repeat(400)]) expect(parseDecimal(t), t).toBeNaN();
    expect(parseDecimal('1e308')).toBe(1e308);
    expect(parseDecimal('1e-400')).toBe(0);
  });
});

describe('isDecimalText', () => {
  it('takes decimal texts whose value is a finite double, nothing else', () => {
    for (const t of ['0', '-2.5', '0.00000637', '1.5e-7', '1E+5', '1e308', '1e-400', '9'.repeat(299)]) expect(isDecimalText(t), t).toBe(true);
    for (const t of ['', 'NaN', 'Infinity', '1e400', '-1e400', '1e99999', '9'.repeat(400), '0x10', '.5', '1.']) expect(isDecimalText(t), t).toBe(false);
  });
});

describe('isZeroAmount', () => {
  it.each([['0', true], ['0.00000000', true], ['0.0', true], ['0.00000001', false], ['10', false], ['1e-8', false]])('%s → %s', (t, z) => {
    expect(isZeroAmount(t)).toBe(z);
  });
});

describe('LevelBatch', () => {
  it('stores levels flat, grows, resets, and slices span texts lazily', () => {
    const b = new LevelBatch(2);
    const src = '["1.5","2"],["3","0.0"]';
    b.reset(src);
    b.pushSpan(1, 1.5, 2, 5, 8, 9, false);
    b.pushSpan(-1, 3, 14, 15, 18, 21, true);
    b.push(1, 4, '4', '9', false); // grows past capacity 2
    expect(b.length).toBe(3);
    expect([0, 1, 2].map((i) => [b.sideAt(i), b.priceAt(i), b.priceTextAt(i), b.amountTextAt(i), b.isDeleteAt(i)])).toEqual([
      [1, 1.5, '1.5', '2', false], [-1, 3, '3', '0.0', true], [1, 4, '4', '9', false],
    ]);
    const c = b.clone();
    b.reset();
    expect(b.length).toBe(0);
    expect(c.length).toBe(3);
    expect(c.priceTextAt(1)).toBe('3');
  });
  it('pushLevels parses [price, amount] pairs and refuses non-numbers', () => {
    const b = new LevelBatch();
    expect(pushLevels(b, 1, [['0.0024', '10'], ['0.0023', '0']])).toBe(true);
    expect(b.isDeleteAt(1)).toBe(true);
    expect(pushLevels(b, -1, [['x', '1']])).toBe(false);
  });
});
