// Padding v2 lexemes to the pair precision (string operations only) and recovering the precision
// from a snapshot's own checksum (pair-precisions.ts rule 2), on the MATIC/USD doc snapshot.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/fixtures.js';
import { JsonNumber, parseLossless } from './json-lossless.js';
import { MAX_HELD_FRAMES, PairPrecisions, lexemeBounds, recoverPrecision, type HeldBook } from './pair-precisions.js';
import { fractionDigits, padToPrecision } from './precision.js';

describe('padToPrecision', () => {
  it.each([
    ['0.566', 4, '0.5660'],
    ['18097.1547', 8, '18097.15470000'],
    ['1098.3947558', 8, '1098.39475580'],
    ['45281.0', 1, '45281.0'],
    ['45281', 1, '45281.0'],
    ['45281', 0, '45281'],
    ['0.10000000', 8, '0.10000000'],
    ['45281.00', 1, '45281.0'],
    ['45281.0', 0, '45281'],
    // A non-zero digit past the precision is kept: the checksum, not the padding, reports it.
    ['0.56601', 4, '0.56601'],
    ['1.5e-7', 9, '0.000000150'],
    ['1.5E-7', 7, '0.00000015'],
    ['2E+3', 2, '2000.00'],
    ['12.5e1', 1, '125.0'],
    ['0e0', 2, '0.00'],
  ] as const)('%s at %i decimals → %s', (text, decimals, out) => {
    expect(padToPrecision(text, decimals)).toBe(out);
  });

  it.each(['-1.5', '', 'abc', '1.', '.5', '1e999', 'NaN'])('refuses %j', (text) => {
    expect(padToPrecision(text, 4)).toBeUndefined();
  });

  it('counts fraction digits of plain and exponent lexemes', () => {
    expect([fractionDigits('0.5666'), fractionDigits('45281'), fractionDigits('0.10000000'), fractionDigits('1.5e-7')]).toEqual([4, 0, 8, 8]);
  });
});

describe('precision from the snapshot checksum', () => {
  interface Seq { id: string; input: { messages: string[] }; expected: { checksums: number[] } }
  const v = (JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors/kraken-spot-v2.json'), 'utf8')) as { vectors: Seq[] })
    .vectors.find((x) => x.id === 'kraken-v2-doc-maticusd-snapshot-then-update')!;
  type Level = { price: JsonNumber; qty: JsonNumber };
  const snap = (parseLossless(v.input.messages[0]) as { data: { bids: Level[]; asks: Level[] }[] }).data[0];
  const rows = (side: Level[]): [string, string][] => side.map((l) => [l.price.text, l.qty.text]);

  it('MATIC/USD: lexemes bound it below at 4/8; the checksum confirms exactly 4/8', () => {
    expect(lexemeBounds(rows(snap.bids), rows(snap.asks))).toEqual([4, 8]);
    expect(recoverPrecision(rows(snap.bids), rows(snap.asks), v.expected.checksums[0])).toEqual({ price: 4, qty: 8, source: 'checksum' });
  });

  it('finds nothing when the checksum belongs to another book', () => {
    expect(recoverPrecision(rows(snap.bids), rows(snap.asks), 12345)).toBeUndefined();
  });

  it('holds up to MAX_HELD_FRAMES frames, then falls back to the largest lexeme bounds and releases them in order', () => {
    const p = new PairPrecisions();
    const held = (i: number): HeldBook => ({
      item: { symbol: 'MATIC/USD', i: new JsonNumber(String(i)) }, snapshot: false, meta: { venue: 'kraken', connId: 1, recvSeq: i, localTs: i }, text: String(i),
    });
    // Frame 3 needs 4 price decimals, frame 7 needs 8 qty decimals; the others 2/1.
    const bound = (item: { [k: string]: unknown }): [number, number] => {
      const i = Number((item.i as JsonNumber).text);
      return [i === 3 ? 4 : 2, i === 7 ? 8 : 1];
    };
    for (let i = 0; i < MAX_HELD_FRAMES; i++) expect(p.hold('MATIC/USD', held(i), bound)).toBeUndefined();
    expect(p.isHolding('MATIC/USD')).toBe(true);
    expect(p.get('MATIC/USD')).toBeUndefined();
    const out = p.hold('MATIC/USD', held(MAX_HELD_FRAMES), bound)!;
    expect(out.map((h) => h.meta.recvSeq)).toEqual(Array.from({ length: MAX_HELD_FRAMES + 1 }, (_, i) => i));
    expect(p.get('MATIC/USD')).toEqual({ price: 4, qty: 8, source: 'lexemes' });
    expect(p.isHolding('MATIC/USD')).toBe(false);
  });

  it('the instrument channel releases held frames and overrides any earlier precision', () => {
    const p = new PairPrecisions();
    const h: HeldBook = { item: { symbol: 'X/USD' }, snapshot: true, meta: { venue: 'kraken', connId: 1, recvSeq: 1, localTs: 1 }, text: '' };
    p.hold('X/USD', h, () => [1, 1]);
    expect(p.fromInstrument('X/USD', 2, 3)).toEqual([h]);
    expect(p.get('X/USD')).toEqual({ price: 2, qty: 3, source: 'instrument' });
    expect(p.fromInstrument('X/USD', 5, 8)).toEqual([]);
    expect(p.get('X/USD')!.price).toBe(5);
  });
});
