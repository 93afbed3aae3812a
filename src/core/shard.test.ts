import { describe, expect, it } from 'vitest';
import { parseShard, shardOf, shardSymbols } from './shard.js';

const LIST = Array.from({ length: 300 }, (_, i) => `C${i}/USDT`);

describe('--shard i/n', () => {
  it('splits a list into disjoint shares that together are the list', () => {
    const shares = [1, 2, 3].map((i) => shardSymbols(LIST, parseShard(`${i}/3`)));
    expect(shares.flat().sort()).toEqual([...LIST].sort());
    expect(new Set(shares.flat()).size).toBe(LIST.length);
    for (const s of shares) expect(s.length).toBeGreaterThan(60); // roughly even
  });

  it('is stable: a symbol keeps its share when the list grows or is reordered', () => {
    const before = shardSymbols(LIST, parseShard('2/3'));
    const grown = shardSymbols([...LIST].reverse().concat(['NEW/USDT']), parseShard('2/3'));
    for (const s of before) expect(grown).toContain(s);
    expect(shardOf('BTC/USDT', 3)).toBe(shardOf('BTC/USDT', 3));
  });

  it('no shard keeps everything; a bad value is one clear error', () => {
    expect(shardSymbols(LIST, parseShard(''))).toEqual(LIST);
    expect(shardSymbols(LIST, parseShard('1/1'))).toEqual(LIST);
    for (const bad of ['0/3', '4/3', '1/0', 'a/b', '2', '1/2/3']) expect(() => parseShard(bad)).toThrow(/is not i\/n with 1 <= i <= n/);
  });
});
