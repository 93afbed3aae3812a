// The lossless parser: numbers keep their lexeme, everything else matches JSON.parse, and anything
// that is not JSON is refused whole.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/fixtures.js';
import { JsonNumber, isJsonObject, parseLossless, type JsonValue } from './json-lossless.js';

/** The parsed value with numbers turned back into JS numbers (to compare with JSON.parse). */
function plain(v: JsonValue): unknown {
  if (v instanceof JsonNumber) return Number(v.text);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

describe('parseLossless', () => {
  it('keeps number lexemes: trailing zeros, exponents, negative zero', () => {
    const v = parseLossless('{"a":0.10000000,"b":45281.0,"c":1.5e-7,"d":-0,"e":[1E+2, 3]}');
    expect(v).toEqual({
      a: new JsonNumber('0.10000000'), b: new JsonNumber('45281.0'), c: new JsonNumber('1.5e-7'), d: new JsonNumber('-0'),
      e: [new JsonNumber('1E+2'), new JsonNumber('3')],
    });
  });

  it('agrees with JSON.parse on strings, escapes, literals and whitespace', () => {
    const text = ' { "s" : "a\\"b\\\\c\\u00e9\\n" , "t":true,"f":false,"n":null, "o":{},"l":[ ],"k":"€" } ';
    expect(plain(parseLossless(text)!)).toEqual(JSON.parse(text));
  });

  it('agrees with JSON.parse on every frame of a real capture', () => {
    const lines = readFileSync(join(FIXTURES, 'cryptofeed/KRAKEN.ws.49.0'), 'utf8').split('\n');
    let n = 0;
    for (const line of lines) {
      const i = line.indexOf(': ');
      if (line === '' || line.startsWith('wss://') || i < 0) continue;
      const payload = line.slice(i + 2);
      expect(plain(parseLossless(payload)!)).toEqual(JSON.parse(payload));
      n++;
    }
    expect(n).toBe(60);
  });

  it.each([
    '', '{', '{"a":}', '{"a":1,}', '[1,]', '{"a":01}', '{"a":1.}', '{"a":.5}', '{"a":1e}', '{"a":+1}', '{"a":"x}',
    '{"a":"\u0001"}', '{a:1}', '{"a":1} x', '{"a":tru}', '{"a":"\\x"}', '[1 2]', '{"a" 1}',
  ])('refuses %j', (text) => {
    expect(parseLossless(text)).toBeUndefined();
  });

  it('keeps "__proto__" as a plain own key, like JSON.parse', () => {
    const v = parseLossless('{"__proto__":{"x":1}}');
    expect(isJsonObject(v)).toBe(true);
    expect(Object.keys(v as object)).toEqual(['__proto__']);
    expect(({} as { x?: unknown }).x).toBeUndefined();
  });

  it('refuses nesting deeper than 64', () => {
    expect(parseLossless('['.repeat(64) + ']'.repeat(64))).toBeDefined();
    expect(parseLossless('['.repeat(66) + ']'.repeat(66))).toBeUndefined();
  });
});
