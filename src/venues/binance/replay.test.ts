// Real captures replayed through the decoder and the SyncEngine, with the venue's bookTicker as
// an independent oracle: after the diff whose u equals a bookTicker's u, our best bid/ask must
// equal the exchange's. Both markets, each under its own rule. Sources:
// shared/fixtures/protocol-vectors/binance-spot.json, binance-usdm-futures.json and the cryptofeed
// captures (shared/fixtures/cryptofeed/README.md for the line format).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MarketEvent, Quote } from '../../core/events.js';
import { SyncEngine } from '../../book/sync-engine.js';
import type { DepthUpdate } from '../../book/types.js';
import type { DecodeSink } from '../types.js';
import type { VenueSpec } from '../types.js';
import { binance, binanceFutures } from './index.js';
import { FIXTURES } from '../../../test/fixtures.js';


interface Bbo { bid: string | undefined; bidQty: string | undefined; ask: string | undefined; askQty: string | undefined }
interface Replay {
  engines: Map<string, SyncEngine>;
  /** u of every applied diff → best bid/ask right after it. */
  bboAt: Map<string, Map<number, Bbo>>;
  quotes: Quote[];
  /** U, u (and pu, -1 on spot) of the first applied diff. */
  firstApplied: Map<string, { U: number; u: number; pu: number }>;
  rejects: string[];
  events: MarketEvent[];
}

type Step = { ts: number; frame: string } | { ts: number; snapshotOf: string; body: string };

/** Feeds frames and REST bodies in receive-time order, one engine per venue symbol. */
function replay(spec: VenueSpec, steps: Step[], symbols: string[]): Replay {
  const r: Replay = { engines: new Map(), bboAt: new Map(), quotes: [], firstApplied: new Map(), rejects: [], events: [] };
  for (const s of symbols) {
    const e = new SyncEngine({
      venue: spec.id, symbol: s, venueSymbol: s, depth: 5, rule: spec.bookRule,
      emit: (ev) => r.events.push(ev), requestSnapshot: () => {}, now: () => 1,
    });
    e.onConnected();
    r.engines.set(s, e);
    r.bboAt.set(s, new Map());
  }
  const decoder = spec.createDecoder({ venue: spec.id, symbols: new Map(symbols.map((s) => [s, s])) });
  const sink: DecodeSink = {
    event: (ev) => {
      if (ev.type !== 'quote') return;
      r.quotes.push(ev);
      // the live check (quote-check.ts) runs too, as it does while recording
      if (ev.updateId !== undefined) r.engines.get(ev.venueSymbol)?.onQuote({ ...ev, updateId: ev.updateId }, ev.ts, ev.localTs);
    },
    depth: (sym: string, u: DepthUpdate) => {
      const e = r.engines.get(sym)!;
      const before = e.counters.applied;
      e.onDiff(u);
      if (e.counters.applied > before && e.state === 'SYNCED') {
        if (!r.firstApplied.has(sym)) r.firstApplied.set(sym, { U: u.firstId, u: u.lastId, pu: u.prevId });
        const b = e.book;
        r.bboAt.get(sym)!.set(u.lastId, { bid: b.bestBidPriceText, bidQty: b.bestBidAmountText, ask: b.bestAskPriceText, askQty: b.bestAskAmountText });
      }
    },
    reject: (reason) => r.rejects.push(reason),
    control: () => {},
    snapshot: () => {},
    checksum: () => {},
  };
  for (const st of steps) {
    if ('frame' in st) decoder.decode(st.frame, { venue: spec.id, connId: 1, recvSeq: 0, localTs: Math.round(st.ts * 1e6) }, sink);
    else r.engines.get(st.snapshotOf)?.onSnapshot(spec.parseDepth!(st.body), Math.round(st.ts * 1e6));
  }
  return r;
}

/** Checks every bookTicker whose u matches an applied diff; returns how many were checked. */
function checkOracle(r: Replay, sym: string): number {
  const live = r.engines.get(sym)!.counters;
  expect(live.quoteMismatches, `${sym}: live quote check mismatches`).toBe(0);
  const at = r.bboAt.get(sym)!;
  let n = 0;
  for (const q of r.quotes) {
    if (q.venueSymbol !== sym || q.updateId === undefined) continue;
    const b = at.get(q.updateId);
    if (!b) continue;
    expect({ u: q.updateId, ...b }).toEqual({ u: q.updateId, bid: q.bidPrice, bidQty: q.bidAmount, ask: q.askPrice, askQty: q.askAmount });
    n++;
  }
  return n;
}

function readCapture(name: string): Step[] {
  const steps: Step[] = [];
  for (const line of readFileSync(`${FIXTURES}/cryptofeed/${name}.ws.1.0`, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('wss://')) continue;
    const i = line.indexOf(': ');
    steps.push({ ts: Number(line.slice(0, i)), frame: line.slice(i + 2) });
  }
  for (const line of readFileSync(`${FIXTURES}/cryptofeed/${name}.http.0.0`, 'utf8').split('\n')) {
    if (line === '') continue;
    const [url, rest] = line.split(' -> ');
    const i = rest.indexOf(': ');
    steps.push({ ts: Number(rest.slice(0, i)), snapshotOf: new URL(url).searchParams.get('symbol')!, body: rest.slice(i + 2) });
  }
  return steps.sort((a, b) => a.ts - b.ts);
}

const MARKETS = [
  { spec: binance, file: 'binance-spot.json', capture: 'binance-spot-nknusdt-capture', title: 'binance-spot.json NKNUSDT capture (recorded 2021)', gaps: 'continuityGaps' },
  { spec: binanceFutures, file: 'binance-usdm-futures.json', capture: 'binance-futures-sushiusdt-capture', title: 'binance-usdm-futures.json SUSHIUSDT capture (recorded 2021)', gaps: 'puChainBreaks' },
];

describe.each(MARKETS.map((m) => [m.title, m] as const))('%s', (_title, { spec, file, capture, gaps }) => {
  const vectors = JSON.parse(readFileSync(`${FIXTURES}/protocol-vectors/${file}`, 'utf8')) as {
    vectors: { id: string; input: any; expected: any }[];
  };
  const v = vectors.vectors.find((x) => x.id === capture)!;
  const steps: Step[] = [
    ...v.input.frames.map((f: { receivedAt: number; raw: string }) => ({ ts: f.receivedAt, frame: f.raw })),
    { ts: v.input.snapshot.receivedAt, snapshotOf: v.input.symbol, body: v.input.snapshot.raw },
  ].sort((a, b) => a.ts - b.ts);
  const r = replay(spec, steps, [v.input.symbol]);
  const e = r.engines.get(v.input.symbol)!;

  it('drops, bridges and applies as the vector expects, with no gap', () => {
    expect(r.rejects).toEqual([]);
    expect(e.state).toBe('SYNCED');
    expect(e.counters.stale).toBe(v.expected.droppedDepthEvents.length);
    expect(e.counters.applied).toBe(v.expected.appliedDepthEvents);
    expect(e.counters.gaps).toBe(v.expected[gaps]);
    expect(r.firstApplied.get(v.input.symbol)).toEqual({ pu: -1, ...v.expected.firstAppliedEvent });
    expect(e.lastId).toBe(v.expected.finalUpdateId);
  });

  it('matches every bookTicker at the same u (the vector lists them)', () => {
    expect(checkOracle(r, v.input.symbol)).toBe(v.expected.bboAtMatchingUpdateId.length);
    expect(r.engines.get(v.input.symbol)!.counters.quoteChecks).toBeGreaterThan(0);
    const at = r.bboAt.get(v.input.symbol)!;
    for (const x of v.expected.bboAtMatchingUpdateId) {
      expect(at.get(x.u)).toEqual({ bid: x.bestBid, bidQty: x.bestBidQty, ask: x.bestAsk, askQty: x.bestAskQty });
    }
  });

  it('emits book_snapshot rows only while SYNCED, best first, with the applied update id', () => {
    let state = '';
    for (const ev of r.events) {
      if (ev.type === 'status') state = ev.state;
      if (ev.type === 'book_snapshot') {
        expect(state).toBe('SYNCED');
        expect(ev.bids.length).toBeLessThanOrEqual(5);
        for (let i = 1; i < ev.bids.length; i++) expect(Number(ev.bids[i][0])).toBeLessThan(Number(ev.bids[i - 1][0]));
        for (let i = 1; i < ev.asks.length; i++) expect(Number(ev.asks[i][0])).toBeGreaterThan(Number(ev.asks[i - 1][0]));
      }
    }
    const last = r.events.filter((x) => x.type === 'book_snapshot').at(-1)!;
    expect(last.type === 'book_snapshot' && last.updateId).toBeLessThanOrEqual(v.expected.finalUpdateId);
  });
});

const summary = JSON.parse(readFileSync(`${FIXTURES}/cryptofeed/verification-summary.json`, 'utf8')) as Record<string, {
  per_symbol: Record<string, { dropped_stale: number; applied: number; gaps: number; first_applied: { U: number; u: number; pu?: number }; final_u: number; final_best_bid: string[]; final_best_ask: string[] }>;
}>;

describe.each([
  ...['BINANCE', 'BINANCE_US', 'BINANCE_TR'].map((name) => [name, 'spot rule', binance] as const),
  ...['BINANCE_FUTURES', 'BINANCE_DELIVERY'].map((name) => [name, 'pu rule', binanceFutures] as const),
])('cryptofeed %s capture, %s', (name, _rule, spec) => {
  const expected = summary[`${name}.ws.1.0`].per_symbol;
  const symbols = Object.keys(expected);
  const r = replay(spec, readCapture(name), symbols);

  it('decodes every frame (no rejects)', () => {
    expect(r.rejects).toEqual([]);
  });

  it.each(symbols)('%s: counts, bridge, final book and bookTicker oracle', (sym) => {
    const e = r.engines.get(sym)!;
    const x = expected[sym];
    expect(e.state).toBe('SYNCED');
    expect(e.counters.gaps).toBe(0);
    expect(e.counters.stale).toBe(x.dropped_stale);
    expect(e.counters.applied).toBe(x.applied);
    expect(r.firstApplied.get(sym)).toEqual({ pu: -1, ...x.first_applied });
    expect(e.lastId).toBe(x.final_u);
    expect([e.book.bestBidPriceText, e.book.bestBidAmountText]).toEqual(x.final_best_bid);
    expect([e.book.bestAskPriceText, e.book.bestAskAmountText]).toEqual(x.final_best_ask);
    checkOracle(r, sym);
  });

  it('checks at least one bookTicker per capture', () => {
    expect(symbols.reduce((n, s) => n + checkOracle(r, s), 0)).toBeGreaterThan(0);
  });
});
