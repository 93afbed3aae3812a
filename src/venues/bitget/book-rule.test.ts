// Bitget's checksum against the vectors in shared/fixtures/cryptofeed/orderbook-checksum-vectors.json
// (format BITGET) and the interleaving example of Bitget's Depth Channel docs.
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/fixtures.js';
import { bitgetChecksum, bookRule, javaDecimalText } from './book-rule.js';

interface Vector { format: string; bids: [string, string][]; asks: [string, string][]; expected_unsigned: number }
const vectors = (JSON.parse(readFileSync(`${FIXTURES}/cryptofeed/orderbook-checksum-vectors.json`, 'utf8')) as { vectors: Vector[] })
  .vectors.filter((v) => v.format === 'BITGET');

describe('bitgetChecksum', () => {
  it('has the two BITGET vectors to check', () => {
    expect(vectors.length).toBe(2);
  });

  it.each(vectors.map((v, i) => [i, v] as const))('vector %i (%o levels) matches', (_i, v) => {
    expect(bitgetChecksum(v.bids.slice(0, 25), v.asks.slice(0, 25))).toBe(v.expected_unsigned);
  });

  it('the tiny-price vector matches only with BigDecimal rendering (raw texts give another CRC)', () => {
    const v = vectors.find((x) => x.bids.length > 0)!;
    const raw: string[] = [];
    for (let i = 0; i < 25; i++) raw.push(`${v.bids[i][0]}:${v.bids[i][1]}`, `${v.asks[i][0]}:${v.asks[i][1]}`);
    expect(crc32(raw.join(':')) >>> 0).not.toBe(v.expected_unsigned);
  });

  it('interleaves bid i, ask i and carries on with the longer side (docs example)', () => {
    const bids: [string, string][] = [['3366.1', '7']];
    const asks: [string, string][] = [['3366.8', '9'], ['3368', '8'], ['3372', '8']];
    expect(bitgetChecksum(bids, asks)).toBe(crc32('3366.1:7:3366.8:9:3368:8:3372:8') >>> 0);
    expect(bitgetChecksum([['43231.1', '4'], ['43231', '6']], [['43232.8', '9'], ['43232.9', '8']]))
      .toBe(crc32('43231.1:4:43232.8:9:43231:6:43232.9:8') >>> 0);
  });

  it('covers 25 levels per side and depends on every text of them', () => {
    const side = (p0: number, step: number): [string, string][] => Array.from({ length: 30 }, (_, i) => [(p0 + i * step).toFixed(2), '1.50'] as [string, string]);
    const bids = side(100, -0.01);
    const asks = side(100.01, 0.01);
    const base = bitgetChecksum(bids, asks);
    expect(bitgetChecksum(bids.slice(0, 25), asks.slice(0, 25))).toBe(base);
    expect(bitgetChecksum(bids, asks.map((l, i) => (i === 24 ? [l[0], '1.5'] : l)))).not.toBe(base); // trailing zeros count
    expect(bookRule.checksum!.depth).toBe(25);
  });
});

describe('javaDecimalText', () => {
  it.each([
    ['0.000000001452', '1.452E-9'],
    ['0.000000001450', '1.450E-9'],
    ['0.0000001', '1E-7'],
    ['0.00000010', '1.0E-7'],
    ['0.000001', '0.000001'],
    ['0.00003505', '0.00003505'],
    ['26041231119', '26041231119'],
    ['113.28', '113.28'],
  ])('%s → %s', (text, out) => {
    expect(javaDecimalText(text)).toBe(out);
  });
});
