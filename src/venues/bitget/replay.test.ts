// The cryptofeed Bitget captures (shared/fixtures/cryptofeed/README.md): every `in` frame through
// the real decoder into one OrderBook per symbol (snapshot → load, update → apply), and the
// venue's checksum of each resulting book compared with our bookRule. Expected counts and final
// books: README.md ("443/443", "194/194") and verification-summary.json.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OrderBook } from '../../book/order-book.js';
import { SyncEngine } from '../../book/sync-engine.js';
import type { DepthUpdate, BookSnapshotInput } from '../../book/types.js';
import type { MarketEvent } from '../../core/events.js';
import { parseCryptofeedLine } from '../../replay/cryptofeed.js';
import type { DecodeSink } from '../types.js';
import { FIXTURES } from '../../../test/fixtures.js';
import { bitget } from './index.js';
import { subscribedIn } from './subscribe.js';
import { unifiedOf } from './symbols.js';

interface PerSymbol { snapshots: number; updates: number; ok: number; bad: number; book: OrderBook }
interface Result { per: Map<string, PerSymbol>; events: MarketEvent[]; rejects: string[]; controls: string[] }

function readCapture(file: string) {
  const lines = readFileSync(`${FIXTURES}/cryptofeed/${file}`, 'utf8').split('\n');
  const conn = { id: 0, seq: 0 };
  const frames = lines.map((l) => parseCryptofeedLine(l, 'bitget', conn)).filter((f) => f !== undefined);
  const symbols = new Map<string, string>();
  for (const f of frames) {
    if (f.dir !== 'out') continue;
    for (const v of subscribedIn(f.data)?.venueSymbols ?? []) symbols.set(v, unifiedOf(v)!);
  }
  return { frames, symbols };
}

function replayCapture(file: string): Result {
  const { frames, symbols } = readCapture(file);
  const r: Result = { per: new Map(), events: [], rejects: [], controls: [] };
  for (const v of symbols.keys()) r.per.set(v, { snapshots: 0, updates: 0, ok: 0, bad: 0, book: new OrderBook(25, 512) });
  const rule = bitget.bookRule.checksum;
  const check = (s: PerSymbol, expected: number | undefined): void => {
    if (expected === undefined) return;
    const got = rule.compute(s.book.bids.topRows(rule.depth), s.book.asks.topRows(rule.depth));
    if (got === expected) s.ok++;
    else s.bad++;
  };
  const sink: DecodeSink = {
    event: (ev) => r.events.push(ev),
    depth: (v: string, u: DepthUpdate) => {
      const s = r.per.get(v)!;
      s.updates++;
      s.book.apply(u.levels);
      check(s, u.checksum);
    },
    snapshot: (v: string, snap: BookSnapshotInput) => {
      const s = r.per.get(v)!;
      s.snapshots++;
      expect(s.book.loadSnapshot(snap.bids, snap.asks)).toBe(true);
      check(s, snap.checksum);
    },
    reject: (reason) => r.rejects.push(reason),
    control: (kind, detail) => r.controls.push(`${kind} ${detail.slice(0, 40)}`),
    checksum: () => { throw new Error('Bitget sends no checksum frames'); },
  };
  const decoder = bitget.createDecoder({ venue: 'bitget', symbols });
  for (const f of frames) {
    if (f.dir === 'in') decoder.decode(f.data, { venue: 'bitget', connId: f.connId, recvSeq: f.recvSeq, localTs: f.localTs }, sink);
  }
  return r;
}

interface Expected {
  snapshots: number; updates: number; checksum_ok: number; checksum_bad: number;
  final_best_bid: [string, string]; final_best_ask: [string, string]; final_levels: [number, number];
}
const summary = JSON.parse(readFileSync(`${FIXTURES}/cryptofeed/verification-summary.json`, 'utf8')) as
  Record<string, { per_instrument: Record<string, Expected> }>;

describe.each([
  ['BITGET.ws.1.0', 'sp', 8, 443],
  ['BITGET.ws.2.0', 'mc', 2, 194],
])('%s', (file, prefix, nSymbols, total) => {
  const r = replayCapture(file);
  const expected = summary[file].per_instrument;

  it(`verifies ${total}/${total} checksums (snapshots included)`, () => {
    let ok = 0;
    let bad = 0;
    for (const s of r.per.values()) {
      ok += s.ok;
      bad += s.bad;
    }
    expect(r.per.size).toBe(nSymbols);
    expect({ ok, bad }).toEqual({ ok: total, bad: 0 });
  });

  it('matches verification-summary.json per symbol: counts, final best levels, level counts', () => {
    for (const [v, s] of r.per) {
      const e = expected[`${prefix}:${v.replace('_UMCBL', '')}`];
      expect(e, v).toBeDefined();
      expect({ snapshots: s.snapshots, updates: s.updates, ok: s.ok, bad: s.bad }, v)
        .toEqual({ snapshots: e.snapshots, updates: e.updates, ok: e.checksum_ok, bad: e.checksum_bad });
      expect([s.book.bestBidPriceText, s.book.bestBidAmountText], v).toEqual(e.final_best_bid);
      expect([s.book.bestAskPriceText, s.book.bestAskAmountText], v).toEqual(e.final_best_ask);
      expect([s.book.bids.size, s.book.asks.size], v).toEqual(e.final_levels);
    }
  });

  it('decodes every other frame without a reject: trades, tickers, acks', () => {
    expect(r.rejects).toEqual([]);
    const acks = r.controls.filter((c) => c.startsWith('ack')).length;
    expect(acks).toBe(nSymbols * 4); // books, candle1m, trade, ticker per symbol
    const trades = r.events.filter((e) => e.type === 'trade');
    expect(trades.length).toBe(file === 'BITGET.ws.1.0' ? 30 : 25); // update frames only: snapshots are history
    expect(r.events.filter((e) => e.type === 'ticker').length).toBe(file === 'BITGET.ws.1.0' ? 128 : 217);
  });
});

describe.each([
  ['BITGET.ws.1.0', 443],
  ['BITGET.ws.2.0', 194],
])('%s through the SyncEngine (snapshotVia ws)', (file, total) => {
  it(`checks ${total} checksums with no mismatch, no gap, every update applied`, () => {
    const { frames, symbols } = readCapture(file);
    const engines = new Map<string, SyncEngine>();
    const gaps: MarketEvent[] = [];
    for (const [v, s] of symbols) {
      const e = new SyncEngine({
        venue: 'bitget', symbol: s, venueSymbol: v, depth: 5, rule: bitget.bookRule, snapshotVia: 'ws',
        emit: (ev) => { if (ev.type === 'gap') gaps.push(ev); }, requestSnapshot: () => {}, now: () => 1,
      });
      e.onConnected();
      engines.set(v, e);
    }
    const sink: DecodeSink = {
      event: () => {},
      depth: (v, u) => engines.get(v)!.onDiff(u),
      snapshot: (v, snap) => engines.get(v)!.onStreamSnapshot(snap, 1),
      reject: (reason) => { throw new Error(reason); },
      control: () => {},
      checksum: () => {},
    };
    const decoder = bitget.createDecoder({ venue: 'bitget', symbols });
    for (const f of frames) {
      if (f.dir === 'in') decoder.decode(f.data, { venue: 'bitget', connId: f.connId, recvSeq: f.recvSeq, localTs: f.localTs }, sink);
    }
    let checks = 0;
    let mismatches = 0;
    let applied = 0;
    for (const e of engines.values()) {
      checks += e.counters.checksumChecks;
      mismatches += e.counters.checksumMismatches;
      applied += e.counters.applied;
      expect(e.state).toBe('SYNCED');
    }
    expect(gaps).toEqual([]);
    expect({ checks, mismatches, applied }).toEqual({ checks: total, mismatches: 0, applied: total - symbols.size });
  });
});
