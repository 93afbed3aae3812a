// Every vector of shared/fixtures/protocol-vectors/bitfinex.json: the P books go through the real
// decoder (subscribed → snapshot frame → sink.snapshot), our OrderBook and the spec's checksum
// rule, and the `cs` frame of the same book must agree; R0 books through rawChecksum and through
// the decoder (an R0 channel: levels summed from the orders, `cs` compared with the decoder's own
// raw checksum, sink.checksum's `ours`); the known-bad exponent→fixed rendering must fail.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OrderBook } from '../../book/order-book.js';
import type { BookSnapshotInput } from '../../book/types.js';
import type { DecodeSink } from '../types.js';
import { checksumText, computeChecksum, rawChecksum, type RawOrder } from './book-rule.js';
import { BitfinexDecoder } from './decode.js';
import { bitfinex } from './index.js';
import { FIXTURES } from '../../../test/fixtures.js';

type Entry = [number, number, number];
interface Vector {
  id: string;
  kind: string;
  input: { precision?: string; bids?: Entry[]; asks?: Entry[]; bookEntries?: { bids: Entry[]; asks: Entry[] } };
  expected: { string?: string; checksumSigned?: number; checksumUnsigned?: number; mustNotEqual?: number };
}
const VECTORS = (JSON.parse(readFileSync(`${FIXTURES}/protocol-vectors/bitfinex.json`, 'utf8')) as { vectors: Vector[] }).vectors;
const byId = (id: string): Vector => VECTORS.find((v) => v.id === id)!;

const META = { venue: 'bitfinex', connId: 1, recvSeq: 1, localTs: 1_000_000 };
const SUBSCRIBED = '{"event":"subscribed","channel":"book","chanId":17,"symbol":"tBTCUSD","prec":"P0","freq":"F0","len":"25","pair":"BTCUSD"}';

/** Feeds frames to a fresh decoder; returns the snapshot, the cs values and the rejects. */
function decodeBook(frames: string[]): { snap?: BookSnapshotInput; checksums: number[]; ours: (number | undefined)[]; rejects: string[] } {
  const out: { snap?: BookSnapshotInput; checksums: number[]; ours: (number | undefined)[]; rejects: string[] } = { checksums: [], ours: [], rejects: [] };
  const sink: DecodeSink = {
    event: () => out.rejects.push('unexpected event'),
    depth: () => out.rejects.push('unexpected depth'),
    reject: (reason) => out.rejects.push(reason),
    control: () => {},
    snapshot: (_v, s) => { out.snap = s; },
    checksum: (_v, value, _ts, ours) => {
      out.checksums.push(value);
      out.ours.push(ours);
    },
  };
  const d = new BitfinexDecoder({ venue: 'bitfinex', symbols: new Map([['tBTCUSD', 'BTC/USD']]) });
  for (const f of frames) d.decode(f, META, sink);
  return out;
}

/** The book frame a JavaScript server sends for these entries (numbers as String(number)). */
const snapshotFrame = (bids: Entry[], asks: Entry[]): string => `[17,${JSON.stringify([...bids, ...asks])}]`;

/** Book from the decoded snapshot; the checksum the spec computes over its top 25. */
function bookChecksum(snap: BookSnapshotInput): { value: number; text: string } {
  const book = new OrderBook(25);
  expect(book.loadSnapshot(snap.bids, snap.asks)).toBe(true);
  const bids = book.bids.topRows(25);
  const asks = book.asks.topRows(25);
  return { value: bitfinex.bookRule.checksum!.compute(bids, asks), text: checksumText(bids, asks) };
}

const P_VECTORS = VECTORS.filter((v) => (v.kind === 'checksum' || v.kind === 'checksum-string') && v.input.precision !== 'R0');
const R0_VECTORS = VECTORS.filter((v) => v.input.precision === 'R0');

describe('bitfinex checksum vectors', () => {
  it('has the vectors the README lists', () => {
    expect(P_VECTORS.map((v) => v.id)).toEqual([
      'bitfinex-models-format', 'bitfinex-recorded-P-1', 'bitfinex-recorded-P-2', 'bitfinex-recorded-P-3',
      'bitfinex-recorded-P-4', 'bitfinex-recorded-P-5',
    ]);
    expect(R0_VECTORS.map((v) => v.id)).toEqual([
      'bitfinex-models-format-raw', 'bitfinex-recorded-R0-6', 'bitfinex-recorded-R0-7', 'bitfinex-recorded-R0-8',
    ]);
  });

  it.each(P_VECTORS.map((v) => [v.id, v] as const))('%s verifies through decoder, book and rule', (_id, v) => {
    const bids = v.input.bookEntries?.bids ?? v.input.bids!;
    const asks = v.input.bookEntries?.asks ?? v.input.asks!;
    const signed = v.expected.checksumSigned!;
    const want = v.expected.checksumUnsigned ?? signed >>> 0;
    const r = decodeBook([SUBSCRIBED, snapshotFrame(bids, asks), `[17,"cs",${signed}]`]);
    expect(r.rejects).toEqual([]);
    expect(r.snap!.lastUpdateId).toBe(-1);
    // Stored ask amounts are absolute: every text is a plain decimal for our files.
    for (const [p, a] of [...r.snap!.bids, ...r.snap!.asks]) {
      expect(p).toMatch(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/);
      expect(a).toMatch(/^\d+(\.\d+)?([eE][-+]?\d+)?$/);
    }
    const got = bookChecksum(r.snap!);
    expect(got.text).toBe(v.expected.string);
    expect(got.value).toBe(want);
    expect(r.checksums).toEqual([want]);
    expect(r.ours).toEqual([undefined]); // P books: the engine checks its own book
  });

  it.each(R0_VECTORS.map((v) => [v.id, v] as const))('%s verifies with rawChecksum (orders by price, then ascending id)', (_id, v) => {
    const rows = (es: Entry[]): RawOrder[] => es.map(([id, p, a]) => [String(id), String(p), String(a)]);
    const bids = rows(v.input.bookEntries?.bids ?? v.input.bids!);
    const asks = rows(v.input.bookEntries?.asks ?? v.input.asks!);
    const want = v.expected.checksumUnsigned ?? v.expected.checksumSigned! >>> 0;
    expect(rawChecksum(bids, asks)).toBe(want);
    // The rule is order-independent of the input: reversed input gives the same book.
    expect(rawChecksum([...bids].reverse(), [...asks].reverse())).toBe(want);
  });

  it('known-bad: exponent prices rendered as fixed digits fail P-2 (3076707662)', () => {
    const v = byId('bitfinex-recorded-P-2');
    const bad = byId('bitfinex-negative-exponent-to-fixed').expected.mustNotEqual!;
    const fixed = (n: number): string => (Math.abs(n) < 1e-6 ? n.toFixed(12).replace(/0+$/, '') : String(n));
    const row = ([p, , a]: Entry): [string, string] => [fixed(p), fixed(Math.abs(a))];
    const bids = v.input.bookEntries!.bids.map(row);
    const asks = v.input.bookEntries!.asks.map(row);
    expect(bids.some(([p]) => p === '0.00000015')).toBe(true);
    expect(computeChecksum(bids, asks)).not.toBe(bad);
    // The same book with the texts as sent does verify.
    const good = decodeBook([SUBSCRIBED, snapshotFrame(v.input.bookEntries!.bids, v.input.bookEntries!.asks)]);
    expect(bookChecksum(good.snap!).value).toBe(bad);
  });

  it.each(R0_VECTORS.map((v) => [v.id, v] as const))('%s verifies through an R0 channel of the decoder (ours = cs)', (_id, v) => {
    const bids = v.input.bookEntries?.bids ?? v.input.bids!;
    const asks = v.input.bookEntries?.asks ?? v.input.asks!;
    const signed = v.expected.checksumSigned ?? (v.expected.checksumUnsigned! | 0);
    const want = signed >>> 0;
    const sub = SUBSCRIBED.replace('"P0"', '"R0"');
    const r = decodeBook([sub, snapshotFrame(bids, asks), `[17,"cs",${signed}]`]);
    expect(r.rejects).toEqual([]);
    expect(r.checksums).toEqual([want]);
    expect(r.ours).toEqual([want]);
    // The snapshot is the price levels: each amount the exact sum of its orders' (asks positive).
    const units = (x: number): bigint => BigInt(Math.round(Math.abs(x) * 1e8));
    const expected = (es: Entry[], side: 1 | -1): [string, bigint][] => {
      const m = new Map<number, bigint>();
      for (const [, p, a] of es) m.set(p, (m.get(p) ?? 0n) + units(a));
      return [...m].sort((x, y) => side * (y[0] - x[0])).map(([p, u]) => [String(p), u]);
    };
    const got = (rows: [string, string][]): [string, bigint][] => rows.map(([p, a]) => {
      expect(a).toMatch(/^\d+(\.\d+)?$/);
      return [p, units(Number(a))];
    });
    expect(got(r.snap!.bids)).toEqual(expected(bids, 1));
    expect(got(r.snap!.asks)).toEqual(expected(asks, -1));
  });
});
