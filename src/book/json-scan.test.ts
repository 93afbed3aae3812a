import { describe, expect, it } from 'vitest';
import { JsonScanner } from './json-scan.js';
import { LevelBatch } from './levels.js';

function levels(text: string, sc = new JsonScanner()): [number, string, string, boolean][] | false {
  const b = new LevelBatch(2);
  sc.reset(text);
  b.reset(text);
  if (!sc.levels(b, 1) || !sc.done) return false;
  const out: [number, string, string, boolean][] = [];
  for (let i = 0; i < b.length; i++) out.push([b.priceAt(i), b.priceTextAt(i), b.amountTextAt(i), b.isDeleteAt(i)]);
  return out;
}

describe('JsonScanner', () => {
  it('reads level arrays, integers and strings', () => {
    expect(levels('[["60000.01000000","0.00000000"],["7","1.5"]]')).toEqual([[60000.01, '60000.01000000', '0.00000000', true], [7, '7', '1.5', false]]);
    expect(levels('[]')).toEqual([]);
    const sc = new JsonScanner();
    sc.reset('{"E":1633998512568,"s":"NKNUSDT"}');
    expect(sc.lit('{"E":')).toBe(true);
    expect(sc.uint()).toBe(1633998512568);
    expect(sc.lit(',"s":') && sc.string() && sc.stringIs('NKNUSDT')).toBe(true);
    expect(sc.lit('}') && sc.done).toBe(true);
  });

  it('never reads past the current text (bytes of a longer earlier frame are still in its buffer)', () => {
    const sc = new JsonScanner();
    const long = '[["1.5","2"],["3","4"]]';
    expect(levels(long, sc)).not.toBe(false);
    for (let cut = 0; cut < long.length; cut++) expect(levels(long.slice(0, cut), sc)).toBe(false);
    sc.reset('"abc"');
    expect(sc.string()).toBe(true);
    sc.reset('"ab');
    expect(sc.string()).toBe(false);
    sc.reset('123');
    sc.reset('1');
    expect(sc.uint()).toBe(1);
  });

  it('fails (caller falls back to JSON.parse) on any non-ASCII text, even where it is valid JSON', () => {
    expect(levels('[["1","2"]]')).not.toBe(false);
    const sc = new JsonScanner();
    sc.reset('"é"');
    expect(sc.string()).toBe(false);
    expect(levels('[["1","2"]]\u00e9')).toBe(false);
    // U+0122 would read as '"' (0x22) if the text were narrowed to bytes instead of encoded.
    sc.reset('"a\u0122,"');
    expect(sc.string()).toBe(false);
  });

  it('rejects what it does not fully recognize', () => {
    for (const t of ['[["1.","2"]]', '[[".5","2"]]', '[["1","2."]]', '[["1",".2"]]', '[["1","2"],]', '[["1", "2"]]', '[[1,"2"]]', '[["1","2"]', '[["1","2","3"]]']) {
      expect(levels(t)).toBe(false);
    }
  });
});
