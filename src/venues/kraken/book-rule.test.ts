// Kraken's checksum rule against the published vectors: the v1 doc book and recorded books
// (protocol-vectors/kraken-spot-v1.json, cryptofeed/orderbook-checksum-vectors.json) and the v2
// BTC/USD doc strings (kraken-spot-v2.json), including the documented wrong way (String(number)).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/fixtures.js';
import { APPLY } from '../../book/types.js';
import { CHECKSUM_DEPTH, checksumField, checksumText, krakenBookRule, krakenChecksum } from './book-rule.js';

type Rows = [string, string][];
interface V1Vector { id: string; kind: string; input: { asks: Rows; bids: Rows }; expected: { checksum: number; string?: string } }
interface V2Vector { id: string; kind: string; input: { raw: string }; expected: { asksString: string; bidsString: string; checksum: number } }
interface OrderbookVector { format: string; bids: Rows; asks: Rows; expected_unsigned: number; expected_string: string }

const v1 = JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors/kraken-spot-v1.json'), 'utf8')) as { vectors: V1Vector[] };
const v2 = JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors/kraken-spot-v2.json'), 'utf8')) as { vectors: V2Vector[] };
const recorded = (JSON.parse(readFileSync(join(FIXTURES, 'cryptofeed/orderbook-checksum-vectors.json'), 'utf8')) as { vectors: OrderbookVector[] })
  .vectors.filter((v) => v.format === 'KRAKEN');

/** Best-first rows as the book gives them (bids high→low, asks low→high). */
const bestFirst = (rows: Rows, dir: 1 | -1): Rows => [...rows].sort((a, b) => dir * (Number(b[0]) - Number(a[0])));

describe('kraken checksum', () => {
  it('strips the dot, then every leading zero', () => {
    expect(checksumField('45285.2')).toBe('452852');
    expect(checksumField('0.00100000')).toBe('100000');
    expect(checksumField('0.000017670')).toBe('17670');
    expect(checksumField('1000')).toBe('1000');
  });

  it.each(v1.vectors.filter((v) => v.kind === 'checksum').map((v) => [v.id, v] as const))('v1 vector %s', (_id, v) => {
    const bids = bestFirst(v.input.bids, 1);
    const asks = bestFirst(v.input.asks, -1);
    if (v.expected.string !== undefined) expect(checksumText(bids, asks)).toBe(v.expected.string);
    expect(krakenChecksum(bids, asks)).toBe(v.expected.checksum);
  });

  it('reproduces the 5 Kraken books of bmoscon/orderbook (incl. the empty one, CRC32("") = 0)', () => {
    expect(recorded.length).toBe(5);
    for (const v of recorded) {
      const bids = bestFirst(v.bids, 1);
      const asks = bestFirst(v.asks, -1);
      expect(krakenChecksum(bids, asks)).toBe(v.expected_unsigned);
    }
  });

  it('v2 BTC/USD doc example: padded texts give the published strings and 3310070434', () => {
    const v = v2.vectors.find((x) => x.id === 'kraken-v2-doc-btcusd')!;
    // The raw frame already carries full-precision lexemes (0.10000000): read them as text.
    const side = (name: string): Rows => [...v.input.raw.matchAll(new RegExp(`"${name}":\\[(.*?)\\]`, 'g'))][0][1]
      .split('},{').map((l) => /"price":([\d.]+),"qty":([\d.]+)/.exec(l)!).map((m) => [m[1], m[2]]);
    const bids = side('bids');
    const asks = side('asks');
    expect(checksumText([], asks)).toBe(v.expected.asksString);
    expect(checksumText(bids, [])).toBe(v.expected.bidsString);
    expect(krakenChecksum(bids, asks)).toBe(v.expected.checksum);
    // The documented trap: String(Number(x)) drops trailing zeros (0.10000000 → 0.1).
    const naive = (rows: Rows): Rows => rows.map(([p, q]) => [String(Number(p)), String(Number(q))]);
    expect(krakenChecksum(naive(bids), naive(asks))).toBe(4237635173);
    expect(krakenChecksum(naive(bids), naive(asks))).not.toBe(v.expected.checksum);
  });

  it('covers only the top 10 of each side', () => {
    const bids: Rows = Array.from({ length: 12 }, (_, i) => [`${100 - i}.0`, '1.0']);
    const asks: Rows = Array.from({ length: 12 }, (_, i) => [`${101 + i}.0`, '1.0']);
    expect(krakenChecksum(bids, asks)).toBe(krakenChecksum(bids.slice(0, CHECKSUM_DEPTH), asks.slice(0, CHECKSUM_DEPTH)));
    expect(krakenBookRule.checksum!.depth).toBe(10);
  });

  it('has no sequence rule: every update applies', () => {
    const u = { ts: 0, localTs: 0, firstId: -1, lastId: -1, prevId: -1, levels: { length: 0 } } as never;
    expect(krakenBookRule.next(-1, u)).toBe(APPLY);
    expect(krakenBookRule.bridge(-1, u)).toBe(APPLY);
    expect(krakenBookRule.snapshotUsable(-1, u)).toBe(true);
  });
});
