// Real Kraken frames through the real decoder into a small book harness that does what the sync
// engine does for a 'ws'-snapshot checksum venue (snapshot → load; update → apply, truncate to
// spec.bookDepth, compare the venue checksum with krakenBookRule): the v2 doc frames of
// kraken-spot-v2.json, the v1 capture-replay vector, and the whole 2021 v1 capture
// (cryptofeed/KRAKEN.ws.50.0: 4269/4269 checksums; per-pair counts, final tops and whole-book hashes
// from verification-summary.json),
// plus its trade and ticker captures.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/fixtures.js';
import { OrderBook } from '../../book/order-book.js';
import type { BookSnapshotInput, DepthUpdate } from '../../book/types.js';
import type { MarketEvent } from '../../core/events.js';
import { parseCryptofeedLine } from '../../replay/cryptofeed.js';
import type { DecodeSink, FrameMeta } from '../types.js';
import { krakenChecksum } from './book-rule.js';
import { kraken } from './index.js';
import { parseLossless, type JsonNumber } from './json-lossless.js';

interface Tally { snapshots: number; ok: number; bad: number; checksums: number[] }

/** The engine's steps for one venue, book by book. */
class Harness implements DecodeSink {
  readonly books = new Map<string, OrderBook>();
  readonly tally = new Map<string, Tally>();
  readonly events: MarketEvent[] = [];
  readonly rejects: string[] = [];
  readonly controls: [string, string][] = [];
  private readonly keep: number;

  constructor(configuredDepth: number) {
    this.keep = kraken.bookDepth(configuredDepth);
  }

  private t(sym: string): Tally {
    let t = this.tally.get(sym);
    if (t === undefined) this.tally.set(sym, (t = { snapshots: 0, ok: 0, bad: 0, checksums: [] }));
    return t;
  }

  private verify(sym: string, book: OrderBook, expected: number): void {
    const rule = kraken.bookRule.checksum!;
    const ours = rule.compute(book.bids.topRows(rule.depth), book.asks.topRows(rule.depth));
    const t = this.t(sym);
    if (ours === expected) t.ok++;
    else t.bad++;
    t.checksums.push(ours);
  }

  snapshot(sym: string, s: BookSnapshotInput): void {
    const book = new OrderBook(10);
    expect(book.loadSnapshot(s.bids, s.asks)).toBe(true);
    book.truncate(this.keep);
    this.books.set(sym, book);
    this.t(sym).snapshots++;
    if (s.checksum !== undefined) this.verify(sym, book, s.checksum);
  }

  depth(sym: string, u: DepthUpdate): void {
    const book = this.books.get(sym);
    if (book === undefined) throw new Error(`update before snapshot for ${sym}`);
    book.apply(u.levels);
    book.truncate(this.keep);
    if (u.checksum !== undefined) this.verify(sym, book, u.checksum);
  }

  event(ev: MarketEvent): void { this.events.push(ev); }
  reject(reason: string): void { this.rejects.push(reason); }
  control(kind: 'ack' | 'shutdown' | 'error' | 'other', detail: string): void { this.controls.push([kind, detail]); }
  checksum(): void { throw new Error('Kraken sends no separate checksum frames'); }
}

const meta = (localTs: number): FrameMeta => ({ venue: 'kraken', connId: 1, recvSeq: 0, localTs });
const instrumentFrame = (symbol: string, pricePrecision: number, qtyPrecision: number): string =>
  `{"channel":"instrument","type":"snapshot","data":{"assets":[],"pairs":[{"symbol":"${symbol}","base":"X","quote":"USD","status":"online","qty_precision":${qtyPrecision},"qty_increment":0.00000001,"price_precision":${pricePrecision},"cost_precision":5,"marginable":false,"has_index":true,"cost_min":0.5,"tick_size":0.0001,"price_increment":0.0001,"qty_min":1}]}}`;

interface V2Seq { id: string; kind: string; input: { raw?: string; messages?: string[]; pricePrecision: number; qtyPrecision: number; subscribedDepth?: number }; expected: { checksum?: number; checksums?: number[]; bestAskAfter?: string; negative?: Record<string, number[]> } }
const v2 = JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors/kraken-spot-v2.json'), 'utf8')) as { vectors: V2Seq[] };

describe('kraken v2 doc frames through the decoder', () => {
  const seqs = v2.vectors.filter((v) => v.kind === 'checksum' || v.kind === 'checksum-sequence');

  it.each(seqs.map((v) => [v.id, v] as const))('%s verifies with precisions from the instrument channel', (_id, v) => {
    const messages = v.input.messages ?? [v.input.raw!];
    const sym = /"symbol":"([^"]+)"/.exec(messages[0])![1];
    const expected = v.expected.checksums ?? [v.expected.checksum!];
    const h = new Harness(v.input.subscribedDepth ?? 10);
    const d = kraken.createDecoder({ venue: 'kraken', symbols: new Map([[sym, sym]]) });
    d.decode(instrumentFrame(sym, v.input.pricePrecision, v.input.qtyPrecision), meta(1), h);
    messages.forEach((m, i) => d.decode(m, meta(2 + i), h));
    expect(h.rejects).toEqual([]);
    expect(h.tally.get(sym)).toMatchObject({ snapshots: 1, ok: expected.length, bad: 0, checksums: expected });
    if (v.expected.bestAskAfter !== undefined) expect(h.books.get(sym)!.bestAskPriceText).toBe(v.expected.bestAskAfter);
  });

  it('MATIC/USD: the lexemes as sent, or a wrong precision, give the documented wrong checksums', () => {
    const v = seqs.find((x) => x.id === 'kraken-v2-doc-maticusd-snapshot-then-update')!;
    // The lexemes unpadded (0.566, 18097.1547): the doc's "negative" value for the snapshot.
    const snap = (parseLossless(v.input.messages![0]) as { data: { bids: { price: JsonNumber; qty: JsonNumber }[]; asks: { price: JsonNumber; qty: JsonNumber }[] }[] }).data[0];
    const rows = (side: { price: JsonNumber; qty: JsonNumber }[]): [string, string][] => side.map((l) => [l.price.text, l.qty.text]);
    const negative = Object.values(v.expected.negative!)[0];
    expect(krakenChecksum(rows(snap.bids), rows(snap.asks))).toBe(negative[0]);
    // qty precision 7 instead of 8: both checksums fail in the harness.
    const h = new Harness(10);
    const d = kraken.createDecoder({ venue: 'kraken', symbols: new Map([['MATIC/USD', 'MATIC/USD']]) });
    d.decode(instrumentFrame('MATIC/USD', 4, 7), meta(1), h);
    v.input.messages!.forEach((m, i) => d.decode(m, meta(2 + i), h));
    expect(h.tally.get('MATIC/USD')).toMatchObject({ ok: 0, bad: 2 });
  });

  it('MATIC/USD: a snapshot before any instrument frame recovers 4/8 from its own checksum', () => {
    const v = seqs.find((x) => x.id === 'kraken-v2-doc-maticusd-snapshot-then-update')!;
    const h = new Harness(10);
    const d = kraken.createDecoder({ venue: 'kraken', symbols: new Map([['MATIC/USD', 'MATIC/USD']]) });
    v.input.messages!.forEach((m, i) => d.decode(m, meta(2 + i), h));
    expect(h.tally.get('MATIC/USD')).toMatchObject({ snapshots: 1, ok: 2, bad: 0, checksums: [2439117997, 2114181697] });
    expect(h.books.get('MATIC/USD')!.bestBidPriceText).toBe('0.5666');
  });
});

/**
 * verification-summary.json's whole-book hash: SHA-256 of `b|price|qty` then `a|price|qty` lines,
 * best first, numbers Decimal-normalised (trailing fraction zeros and a bare '.' dropped), '\n'-joined.
 */
function finalBookSha256(book: OrderBook): string {
  const norm = (t: string): string => (t.includes('.') ? t.replace(/0+$/, '').replace(/\.$/, '') : t);
  const lines = [
    ...book.bids.topRows(book.bids.size).map(([p, q]) => `b|${norm(p)}|${norm(q)}`),
    ...book.asks.topRows(book.asks.size).map(([p, q]) => `a|${norm(p)}|${norm(q)}`),
  ];
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

describe('kraken v1 captures (2021, wss://ws.kraken.com)', () => {
  const captureLines = (name: string): string[] => readFileSync(join(FIXTURES, 'cryptofeed', name), 'utf8').split('\n');
  const PAIRS = ['WAVES/EUR', 'XMR/USD', 'KSM/XBT', 'GRT/ETH', 'SC/EUR', 'ETH/CHF', 'OCEAN/XBT', 'OMG/USD', 'XBT/CHF', 'ADA/XBT'];
  /** The unified (= v2) names of the capture's pairs: XBT → BTC. */
  const v2Name = (p: string): string => p.replace('XBT', 'BTC');
  const symbols = new Map(PAIRS.map((p) => [v2Name(p), v2Name(p)]));

  function replay(name: string, depth: number): Harness {
    const h = new Harness(depth);
    const d = kraken.createDecoder({ venue: 'kraken', symbols });
    const conn = { id: 0, seq: 0 };
    for (const line of captureLines(name)) {
      const f = parseCryptofeedLine(line, 'kraken', conn);
      if (f !== undefined && f.dir === 'in') d.decode(f.data, f, h);
    }
    return h;
  }

  it('KRAKEN.ws.50.0: 10 books, 4269/4269 checksums, per-pair counts and final tops as verified', () => {
    interface PairSummary {
      snapshots: number; updates_with_checksum: number; checksum_ok: number; last_checksum: number; final_levels: [number, number];
      final_best_bid: [string, string]; final_best_ask: [string, string]; final_book_sha256: string;
    }
    const summary = (JSON.parse(readFileSync(join(FIXTURES, 'cryptofeed/verification-summary.json'), 'utf8')) as Record<string, { per_pair: Record<string, PairSummary> }>)['KRAKEN.ws.50.0'].per_pair;
    const h = replay('KRAKEN.ws.50.0', 1000);
    expect(h.rejects).toEqual([]);
    expect(h.controls.filter(([k]) => k === 'ack').length).toBe(10);
    let ok = 0;
    let bad = 0;
    for (const pair of PAIRS) {
      const s = summary[pair];
      const t = h.tally.get(v2Name(pair))!;
      const book = h.books.get(v2Name(pair))!;
      expect({ pair, snapshots: t.snapshots, ok: t.ok, bad: t.bad }).toEqual({ pair, snapshots: s.snapshots, ok: s.checksum_ok, bad: 0 });
      expect(t.ok).toBe(s.updates_with_checksum);
      expect(t.checksums.at(-1)).toBe(s.last_checksum);
      expect([book.bids.size, book.asks.size]).toEqual(s.final_levels);
      expect([book.bestBidPriceText, book.bestBidAmountText]).toEqual(s.final_best_bid);
      expect([book.bestAskPriceText, book.bestAskAmountText]).toEqual(s.final_best_ask);
      expect(finalBookSha256(book)).toBe(s.final_book_sha256);
      ok += t.ok;
      bad += t.bad;
    }
    expect({ ok, bad }).toEqual({ ok: 4269, bad: 0 });
  });

  it('the capture-replay vector of kraken-spot-v1.json (ETH/CHF 317, OCEAN/XBT 148)', () => {
    interface Replay { id: string; input: { subscribedDepth: number; frames: { receivedAt: number; raw: string }[] }; expected: { checksumMessages: Record<string, number> } }
    const v = (JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors/kraken-spot-v1.json'), 'utf8')) as { vectors: Replay[] })
      .vectors.find((x) => x.id === 'kraken-v1-capture-replay')!;
    const h = new Harness(v.input.subscribedDepth);
    const d = kraken.createDecoder({ venue: 'kraken', symbols });
    for (const f of v.input.frames) d.decode(f.raw, meta(Math.round(f.receivedAt * 1e6)), h);
    expect(h.rejects).toEqual([]);
    for (const [pair, n] of Object.entries(v.expected.checksumMessages)) {
      expect(h.tally.get(v2Name(pair))).toMatchObject({ snapshots: 1, ok: n, bad: 0 });
    }
  });

  it('KRAKEN.ws.48.0: 10 trades from 8 frames, taker side and µs times', () => {
    const h = replay('KRAKEN.ws.48.0', 10);
    expect(h.rejects).toEqual([]);
    const trades = h.events.filter((e) => e.type === 'trade');
    expect(trades.length).toBe(10);
    expect(trades.at(-1)).toEqual({
      type: 'trade', venue: 'kraken', symbol: 'SC/EUR', venueSymbol: 'SC/EUR', ts: 1618678158135041, localTs: 1618678158165955,
      id: '1618678158.135041', price: '0.043040', amount: '20000.00000000', side: 'buy',
    });
    expect(h.controls.filter(([k]) => k === 'ack').length).toBe(10);
  });

  it('KRAKEN.ws.49.0: 18 tickers → 18 quotes + 18 tickers', () => {
    const h = replay('KRAKEN.ws.49.0', 10);
    expect(h.rejects).toEqual([]);
    expect(h.events.filter((e) => e.type === 'quote').length).toBe(18);
    expect(h.events.filter((e) => e.type === 'ticker').length).toBe(18);
    expect(h.events[0]).toEqual({
      type: 'quote', venue: 'kraken', symbol: 'WAVES/EUR', venueSymbol: 'WAVES/EUR', ts: 1618678132949650, localTs: 1618678132949650,
      bidPrice: '13.232900', bidAmount: '185.18432037', askPrice: '13.253900', askAmount: '35.72892241',
    });
    expect(h.events[1]).toMatchObject({ type: 'ticker', last: '13.253900', volume24h: '72035.05488104', high24h: '14.211200', low24h: '13.021800', open24h: '13.428300' });
  });
});
