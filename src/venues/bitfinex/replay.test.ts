// The 2021 cryptofeed capture BITFINEX.ws.11.0 (shared/fixtures/cryptofeed/README.md: v2 `book`
// P0 len 100, `trades`, `ticker`, conf flags 65536 = SEQ_ALL, no `cs` frames) through the real
// decoder into one OrderBook per symbol (snapshot → load; update → apply, truncate to the spec's
// bookDepth). The README's oracle: 1670 array messages, 0 sequence gaps (42 heartbeats in the
// verification summary). The books must stay consistent: never crossed, every delete hits a
// level we hold, and the venue keeps each side within the subscribed 100 levels on its own.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MarketEvent, type Quote } from '../../core/events.js';
import { OrderBook } from '../../book/order-book.js';
import { parseCryptofeedLine } from '../../replay/cryptofeed.js';
import type { DecodeSink } from '../types.js';
import { BitfinexDecoder } from './decode.js';
import { bitfinex } from './index.js';
import { bookLen } from './subscribe.js';
import { fromVenueSymbol } from './symbols.js';
import { FIXTURES } from '../../../test/fixtures.js';

const SYMBOLS = ['tBFTUSD', 'tIOTETH', 'tDOGUSD', 'tMNABTC', 'tODEUSD', 'tTESTBTC:TESTUSD', 'tSNGUSD'];

interface Run {
  arrays: number;
  rejects: string[];
  controls: string[];
  events: MarketEvent[];
  snapshots: number;
  updates: number;
  checksums: number;
  crossed: number;
  absentDeletes: number;
  /** Largest side seen (the venue deletes what leaves a len-100 book itself). */
  maxSide: number;
  books: Map<string, OrderBook>;
  decoder: BitfinexDecoder;
}

function replay(): Run {
  const depth = bookLen(100);
  const symbols = new Map(SYMBOLS.map((s) => [s, fromVenueSymbol(s)!]));
  const decoder = bitfinex.createDecoder({ venue: 'bitfinex', symbols, bookDepth: depth });
  const r: Run = {
    arrays: 0, rejects: [], controls: [], events: [], snapshots: 0, updates: 0, checksums: 0, crossed: 0, absentDeletes: 0,
    maxSide: 0, books: new Map(), decoder,
  };
  const sink: DecodeSink = {
    event: (ev) => r.events.push(ev),
    reject: (reason) => r.rejects.push(reason),
    control: (kind, detail) => r.controls.push(`${kind} ${detail}`),
    checksum: () => r.checksums++,
    snapshot: (v, s) => {
      r.snapshots++;
      const book = new OrderBook(25);
      if (!book.loadSnapshot(s.bids, s.asks)) r.rejects.push(`snapshot of ${v} did not load`);
      r.books.set(v, book);
    },
    depth: (v, u) => {
      r.updates++;
      const book = r.books.get(v)!;
      const before = book.size;
      book.apply(u.levels);
      if (u.levels.length === 1 && u.levels.isDeleteAt(0) && book.size !== before - 1) r.absentDeletes++;
      r.maxSide = Math.max(r.maxSide, book.bids.size, book.asks.size);
      if (book.bids.size > 0 && book.asks.size > 0 && book.bestBidPrice >= book.bestAskPrice) r.crossed++;
    },
  };
  const conn = { id: 0, seq: 0 };
  for (const line of readFileSync(`${FIXTURES}/cryptofeed/BITFINEX.ws.11.0`, 'utf8').split('\n')) {
    const f = parseCryptofeedLine(line, 'bitfinex', conn);
    if (f === undefined || f.dir !== 'in') continue;
    if (f.data.startsWith('[')) r.arrays++;
    decoder.decode(f.data, f, sink);
  }
  return r;
}

describe('bitfinex cryptofeed capture BITFINEX.ws.11.0', () => {
  const r = replay();

  it('decodes all 1670 array messages with 0 sequence gaps and no rejects', () => {
    expect(r.arrays).toBe(1670);
    expect(r.rejects).toEqual([]);
    expect(r.decoder.stats).toEqual({ seqGaps: 0, heartbeats: 42 });
    expect(r.controls.filter((c) => c.startsWith('shutdown') || c.startsWith('error'))).toEqual([]);
    // conf + 21 subscribed acks; the greeting is 'other'.
    expect(r.controls.filter((c) => c.startsWith('ack')).length).toBe(22);
    // 7 book snapshots + 1593 updates + 7 trade snapshots + 21 tickers + 42 heartbeats = 1670.
    expect([r.snapshots, r.updates, r.checksums]).toEqual([7, 1593, 0]);
  });

  it('rebuilds consistent books', () => {
    expect(r.crossed).toBe(0);
    expect(r.absentDeletes).toBe(0);
    expect(r.maxSide).toBe(100);
    expect([...r.books.keys()].sort()).toEqual([...SYMBOLS].sort());
    const top = Object.fromEntries([...r.books].map(([v, b]) => [v, [b.bestBidPriceText, b.bestAskPriceText]]));
    expect(top['tTESTBTC:TESTUSD']).toEqual(['60417', '60423']);
    expect(top.tSNGUSD).toEqual(['0.037108', '0.038798']);
    // The venue's own last ticker of these two shows the same best bid/ask as our final book.
    const lastQuote = (v: string) => r.events.filter((e) => e.type === 'quote' && e.venueSymbol === v).at(-1) as Quote;
    for (const v of ['tTESTBTC:TESTUSD', 'tSNGUSD']) expect([lastQuote(v).bidPrice, lastQuote(v).askPrice]).toEqual(top[v]);
  });

  it('emits trades (30 per snapshot, oldest first), quotes and tickers that satisfy the event schema', () => {
    const trades = r.events.filter((e) => e.type === 'trade');
    expect(trades.length).toBe(210);
    expect(r.events.filter((e) => e.type === 'quote').length).toBe(21);
    expect(r.events.filter((e) => e.type === 'ticker').length).toBe(21);
    for (const e of r.events) expect(MarketEvent.safeParse(e).success).toBe(true);
    const bft = trades.filter((t) => t.venueSymbol === 'tBFTUSD');
    expect(bft.length).toBe(30);
    for (let i = 1; i < bft.length; i++) expect(Number(bft[i].id)).toBeGreaterThan(Number(bft[i - 1].id));
    expect(bft[bft.length - 1]).toMatchObject({ id: '669899159', ts: 1618665870435000, price: '0.076989', amount: '166.391496', side: 'buy' });
    expect(trades.find((t) => t.id === '669898213')).toMatchObject({ amount: '2272.50116833', side: 'sell', symbol: 'BFT/USD' });
  });
});
