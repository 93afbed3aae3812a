// Coinbase mode seen from a plain ws client: message shapes and number texts against the recorded
// vectors, the connection-wide sequence_num (data before the ack, heartbeats in the run), the
// level2 book against the truth at every message's timestamp, the gap / malformed / slowsnapshot /
// shutdown faults, resubscribe, errors, and the public REST ccxt's `coinbase` class reads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/fixtures.js';
import { until } from '../../../test/wait.js';
import { startSim, type SimHandle } from '../index.js';
import { Formatter, makeInstrument } from '../instruments.js';
import { ClientPool, type TestClient } from '../test-client.js';

const vectors = JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors', 'coinbase-advanced-trade.json'), 'utf8')).vectors as any[];
const vector = (id: string): any => vectors.find((v) => v.id === id);

/** `…T19:27:48.098821666Z` → epoch µs (the ns cut). */
function us(ts: string): number {
  const frac = /\.(\d+)Z$/.exec(ts)?.[1] ?? '';
  return Date.parse(ts.slice(0, 19) + 'Z') * 1000 + Number((frac + '000000').slice(0, 6));
}

type Lv = [string, string];

/** A level2 book keyed by wire strings. */
class Book {
  bids = new Map<string, string>();
  asks = new Map<string, string>();
  apply(e: { type: string; updates: { side: string; price_level: string; new_quantity: string }[] }): void {
    if (e.type === 'snapshot') {
      this.bids.clear();
      this.asks.clear();
    }
    for (const u of e.updates) {
      const side = u.side === 'bid' ? this.bids : this.asks;
      if (u.new_quantity === '0') side.delete(u.price_level);
      else side.set(u.price_level, u.new_quantity);
    }
  }
  top(side: 'bids' | 'asks', n: number): Lv[] {
    const dir = side === 'bids' ? 1 : -1;
    return [...this[side]].sort((a, b) => (Number(b[0]) - Number(a[0])) * dir).slice(0, n);
  }
}

let sim: SimHandle | undefined;
const pool = new ClientPool();
afterEach(() => pool.close(sim));

const subscribe = (c: TestClient, channel: string, ids?: string[], type = 'subscribe'): void =>
  c.send(ids === undefined ? { type, channel } : { type, product_ids: ids, channel });

interface Run { checked: number; seqBreaks: number[]; lastSeq: number }

/** Reads the connection's messages from `from`: the run of sequence_num, and each l2 book against truth. */
async function follow(
  s: SimHandle, c: TestClient, product: string, updates: number, from = 0, stopOnBreak = false, lastSeq = -1,
): Promise<Run & { next: number }> {
  const book = new Book();
  // lastSeq: where an earlier follow of the same socket stopped, so a skip right there is seen
  const run: Run = { checked: 0, seqBreaks: [], lastSeq };
  let i = from;
  let synced = false;
  while (run.checked < updates) {
    await until(() => c.texts.length > i);
    for (; i < c.texts.length && run.checked < updates; i++) {
      let m: any;
      try {
        m = JSON.parse(c.texts[i]);
      } catch {
        continue;
      }
      if (typeof m.sequence_num !== 'number') continue;
      if (run.lastSeq >= 0 && m.sequence_num !== run.lastSeq + 1) {
        run.seqBreaks.push(m.sequence_num);
        if (stopOnBreak) return { ...run, next: i + 1 };
        synced = false;
      }
      run.lastSeq = m.sequence_num;
      if (m.channel !== 'l2_data') continue;
      const e = m.events[0];
      if (e.product_id !== product) continue;
      if (e.type === 'snapshot') synced = true;
      if (!synced) continue;
      book.apply(e);
      const truth = s.truth.topAt(product, us(m.timestamp));
      expect(truth, `truth at ${m.timestamp}`).toBeDefined();
      expect({ bids: book.top('bids', 50), asks: book.top('asks', 50) }).toEqual(truth);
      run.checked++;
    }
  }
  return { ...run, next: i };
}

describe('coinbase wire texts against the vectors', () => {
  it('prices and sizes print as Coinbase prints them (trailing zeros trimmed)', () => {
    const fmt = new Formatter(makeInstrument('BTC/USD', 'coinbase'), 'trim');
    const texts: string[] = [];
    for (const id of ['coinbase-doc-l2-snapshot', 'coinbase-l2-apply-synthetic']) {
      const frames = [vector(id).input.raw, ...(vector(id).input.frames ?? []).map((f: any) => f.raw)].filter(Boolean);
      for (const raw of frames) for (const u of JSON.parse(raw).events[0].updates) texts.push(u.price_level, u.new_quantity);
    }
    for (const f of vector('coinbase-recorded-market-trades').input.frames) {
      for (const e of JSON.parse(f.raw).events) for (const t of e.trades ?? []) texts.push(t.price, t.size);
    }
    expect(texts.length).toBeGreaterThan(20);
    for (const t of texts) {
      const [int, frac = ''] = t.split('.');
      const units = Number(int) * 1e8 + Number(frac.padEnd(8, '0'));
      expect(fmt.qty(units)).toBe(t); // sizes step 1e-8
      if (frac.length <= 2) expect(fmt.price(Math.round(Number(t) * 100))).toBe(t); // prices tick 0.01
    }
  });

  it('envelopes, trades, tickers and l2 events have the recorded keys in the recorded order', async () => {
    sim = await startSim({ venue: 'coinbase', symbols: ['BTC/USD'], seed: 2, diffIntervalMs: 5, levels: 100 });
    const c = await pool.connect(sim.wsUrl);
    for (const ch of ['market_trades', 'ticker', 'level2']) subscribe(c, ch, ['BTC-USD']);
    const of = (ch: string, type: string): Promise<any> => until(() => c.msgs().find((m) => m.channel === ch && m.events[0].type === type));
    const rec = (id: string, n: number): any => JSON.parse(vector(id).input.frames[n].raw);
    const trades = await of('market_trades', 'update');
    const recTrades = rec('coinbase-recorded-market-trades', 2);
    expect(Object.keys(trades)).toEqual(Object.keys(recTrades));
    expect(Object.keys(trades.events[0].trades[0])).toEqual(Object.keys(recTrades.events[0].trades[0]));
    const ticker = await of('ticker', 'update');
    const recTicker = rec('coinbase-recorded-ticker', 2);
    expect(Object.keys(ticker.events[0].tickers[0])).toEqual(Object.keys(recTicker.events[0].tickers[0]));
    const update = await of('l2_data', 'update');
    const doc = JSON.parse(vector('coinbase-doc-l2-snapshot').input.raw);
    expect(['client_id', ...Object.keys(update)].sort()).toEqual(Object.keys(doc).sort()); // no client_id, as recorded in 2026
    expect(Object.keys(update.events[0])).toEqual(Object.keys(doc.events[0]));
    expect(Object.keys(update.events[0].updates[0])).toEqual(Object.keys(doc.events[0].updates[0]));
    expect(update.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  });
});

describe('coinbase websocket', () => {
  it('data before the ack, one sequence_num run across channels, every book equal to the truth', async () => {
    sim = await startSim({ venue: 'coinbase', symbols: ['BTC/USD', 'ETH-USD'], seed: 5, diffIntervalMs: 5, levels: 200 });
    expect(sim.venueSymbols).toEqual(['BTC-USD', 'ETH-USD']);
    const c = await pool.connect(sim.wsUrl);
    subscribe(c, 'level2', ['BTC-USD', 'ETH-USD']);
    subscribe(c, 'market_trades', ['BTC-USD']);
    subscribe(c, 'heartbeats');
    const first = await until(() => c.msgs().length >= 3 && c.msgs().slice(0, 3));
    expect(first.map((m) => [m.channel, m.sequence_num, m.events[0].type ?? 'ack'])).toEqual([
      ['l2_data', 0, 'snapshot'], ['l2_data', 1, 'snapshot'], ['subscriptions', 2, 'ack'],
    ]);
    expect(first[0].events[0].updates.length).toBeGreaterThan(300);
    const run = await follow(sim, c, 'BTC-USD', 150);
    expect(run.seqBreaks).toEqual([]);
    const eth = await follow(sim, c, 'ETH-USD', 50);
    expect(eth.seqBreaks).toEqual([]);
    await until(() => c.msgs().some((m) => m.channel === 'heartbeats'), 3000);
    const hb = c.msgs().find((m) => m.channel === 'heartbeats');
    expect(hb.events[0]).toMatchObject({ heartbeat_counter: 0, current_time: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} \+0000 UTC m=\+/) });
    const acks = c.msgs().filter((m) => m.channel === 'subscriptions');
    expect(acks.at(-1).events[0].subscriptions).toEqual({ level2: ['BTC-USD', 'ETH-USD'], market_trades: ['BTC-USD'], heartbeats: ['heartbeats'] });
    // market_trades: the snapshot lists recent trades newest first; the side is the maker's
    const t = c.msgs().find((m) => m.channel === 'market_trades' && m.events[0].trades.length > 1).events[0].trades;
    expect(Number(t[0].trade_id)).toBeGreaterThan(Number(t[1].trade_id));
    expect(['BUY', 'SELL']).toContain(t[0].side);
  });

  it('gap: one l2 update is lost; the counter skips its number and nothing else is missing', async () => {
    sim = await startSim({ venue: 'coinbase', symbols: ['BTC-USD'], seed: 9, diffIntervalMs: 5, levels: 100 });
    const c = await pool.connect(sim.wsUrl);
    subscribe(c, 'level2', ['BTC-USD']);
    const before = await follow(sim, c, 'BTC-USD', 20);
    sim.inject('gap');
    await until(() => sim!.injected.gaps.length === 1);
    const after = await follow(sim, c, 'BTC-USD', 10_000, before.next, true, before.lastSeq);
    expect(after.seqBreaks).toHaveLength(1);
    const lost = sim.injected.gaps[0];
    expect(lost.skippedFrom).toBe(lost.skippedTo);
    // the lost message's key (its timestamp) never arrives
    expect(c.msgs().some((m) => m.channel === 'l2_data' && us(m.timestamp) === lost.skippedTo)).toBe(false);
    // a resubscribe brings a fresh snapshot of a later key, and the book follows the truth again
    const from = c.texts.length;
    subscribe(c, 'level2', ['BTC-USD'], 'unsubscribe');
    subscribe(c, 'level2', ['BTC-USD']);
    const again = await follow(sim, c, 'BTC-USD', 20, from);
    expect(again.seqBreaks).toEqual([]);
    const snap = c.msgs().filter((m) => m.channel === 'l2_data' && m.events[0].type === 'snapshot').at(-1);
    expect(us(snap.timestamp)).toBeGreaterThan(lost.skippedTo);
  });

  it('malformed frames carry no readable sequence_num: the run goes on around them', async () => {
    sim = await startSim({ venue: 'coinbase', symbols: ['BTC-USD'], seed: 3, diffIntervalMs: 5, levels: 50 });
    const c = await pool.connect(sim.wsUrl);
    subscribe(c, 'level2', ['BTC-USD']);
    await follow(sim, c, 'BTC-USD', 5);
    for (let i = 0; i < 4; i++) sim.inject('malformed');
    const numbered = (t: string): boolean => {
      try {
        return typeof JSON.parse(t).sequence_num === 'number';
      } catch {
        return false;
      }
    };
    await until(() => c.texts.filter((t) => !numbered(t)).length >= 4);
    const run = await follow(sim, c, 'BTC-USD', 30);
    expect(run.seqBreaks).toEqual([]);
    expect(sim.injected.malformed).toBe(4);
  });

  it('slowsnapshot: the snapshot comes late, and nothing of the product before it', async () => {
    sim = await startSim({ venue: 'coinbase', symbols: ['BTC-USD'], seed: 4, diffIntervalMs: 5, levels: 50, slowSnapshotMs: 400 });
    const c = await pool.connect(sim.wsUrl);
    sim.inject('slowsnapshot');
    const t0 = Date.now();
    subscribe(c, 'level2', ['BTC-USD']);
    const snap = await until(() => c.msgs().find((m) => m.channel === 'l2_data'), 3000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
    expect(snap.events[0].type).toBe('snapshot');
    expect((await follow(sim, c, 'BTC-USD', 20)).seqBreaks).toEqual([]);
  });

  it('errors (no sequence_num), shutdown closes with 1001, unsupported faults are refused', async () => {
    sim = await startSim({ venue: 'coinbase', symbols: ['BTC-USD'], seed: 1, diffIntervalMs: 5, levels: 20 });
    const c = await pool.connect(sim.wsUrl);
    subscribe(c, 'user', ['BTC-USD']);
    subscribe(c, 'level2', ['DOGE-USD']);
    c.send('not json');
    await until(() => c.msgs().length >= 3);
    expect(c.msgs().map((m) => [m.type, m.message])).toEqual([['error', 'authentication failure'], ['error', 'Failed to subscribe'], ['error', 'Failed to parse message']]);
    expect(() => sim!.inject('corrupt')).toThrow(/not supported by the coinbase mode/);
    expect(() => sim!.inject('stalesnapshot')).toThrow(/not supported/);
    const closed = new Promise<number>((r) => c.ws.once('close', (code) => r(code)));
    sim.inject('shutdown');
    expect(await closed).toBe(1001);
  });
});

describe('coinbase REST', () => {
  const get = async (path: string): Promise<{ status: number; body: any }> => {
    const r = await fetch(`${sim!.restUrl}${path}`);
    return { status: r.status, body: await r.json() };
  };

  it('products as ccxt reads them, the public book, currencies, rates, time; 404 and 429', async () => {
    sim = await startSim({ venue: 'coinbase', symbols: ['BTC/USD', 'ETH/USD'], seed: 1, diffIntervalMs: 5, levels: 50 });
    const products = (await get('/api/v3/brokerage/market/products')).body;
    expect(products.num_products).toBe(2);
    expect(products.products[0]).toMatchObject({
      product_id: 'BTC-USD', base_currency_id: 'BTC', quote_currency_id: 'USD', product_type: 'SPOT', status: 'online',
      trading_disabled: false, quote_increment: '0.01', base_increment: '0.00000001',
    });
    expect((await get('/api/v3/brokerage/market/products?product_type=FUTURE')).body).toEqual({ products: [], num_products: 0 });
    expect((await get('/api/v3/brokerage/market/products/ETH-USD')).body.product_id).toBe('ETH-USD');
    const book = (await get('/api/v3/brokerage/market/product_book?product_id=BTC-USD&limit=5')).body;
    expect(Object.keys(book)).toEqual(Object.keys(JSON.parse(vector('coinbase-rest-public-endpoints').input.productBookShape)));
    expect(book.pricebook.bids).toHaveLength(5);
    expect(Number(book.pricebook.bids[0].price)).toBeLessThan(Number(book.pricebook.asks[0].price));
    expect((await get('/v2/currencies')).body.data.map((c: any) => c.id)).toContain('USD');
    expect((await get('/v2/currencies/crypto')).body.data.map((c: any) => c.code)).toEqual(['BTC', 'ETH']);
    expect(Number((await get('/v2/exchange-rates')).body.data.rates.BTC)).toBeGreaterThan(0);
    expect((await get('/v2/time')).body.data.epoch).toBeGreaterThan(1.7e9);
    expect((await get('/api/v3/brokerage/nope')).status).toBe(404);
    sim.inject('ratelimit');
    const limited = await get('/api/v3/brokerage/market/products');
    expect(limited).toEqual({ status: 429, body: expect.objectContaining({ error: 'RATE_LIMIT_EXCEEDED' }) });
  });

  it('candles: [start, end) newest first, at most 350, no row for a minute without trades', async () => {
    sim = await startSim({ venue: 'coinbase', symbols: ['BTC/USD'], seed: 1, diffIntervalMs: 5, levels: 20 });
    const end = Math.floor(Date.now() / 86_400_000) * 86_400 - 86_400; // a day ago, whole days in s
    const start = end - 350 * 60;
    const path = (s: number, e: number, extra = ''): string => `/api/v3/brokerage/market/products/BTC-USD/candles?start=${s}&end=${e}&granularity=ONE_MINUTE${extra}`;
    const { body } = await get(path(start, end));
    const opens = body.candles.map((c: any) => Number(c.start));
    expect([...opens].sort((a, b) => b - a)).toEqual(opens); // newest first
    expect(Math.min(...opens)).toBeGreaterThanOrEqual(start);
    expect(Math.max(...opens)).toBeLessThan(end);
    expect(body.candles.length).toBeLessThanOrEqual(350);
    expect(Object.keys(body.candles[0])).toEqual(['start', 'low', 'high', 'open', 'close', 'volume']);
    // 350 minutes hold at least one maintenance halt of the synthetic past (one in every 4 h): a hole
    expect(body.candles.length).toBeLessThan(350);
    const wide = await get(path(start - 60, end));
    expect(wide.status).toBe(400);
    expect(wide.body).toMatchObject({ error: 'INVALID_ARGUMENT', message: expect.stringMatching(/number of candles requested should be less than 350/) });
    expect((await get(path(start, end, '&limit=10'))).body.candles.map((c: any) => Number(c.start))).toEqual(opens.slice(0, 10));
    expect((await get(`/api/v3/brokerage/market/products/BTC-USD/candles?start=${start}&end=${end}&granularity=SEVEN_MINUTE`)).status).toBe(400);
  });

  it('ticker trades: the newest `limit` in [start, end), newest first, limit required', async () => {
    sim = await startSim({ venue: 'coinbase', symbols: ['BTC/USD'], seed: 1, diffIntervalMs: 2, levels: 20 });
    await new Promise((r) => setTimeout(r, 1500));
    sim.inject('stall', { durationMs: 5000 }); // the tape holds still while we read it
    const all = (await get('/api/v3/brokerage/market/products/BTC-USD/ticker?limit=1000')).body;
    expect(all.trades.length).toBeGreaterThan(5);
    const ids = all.trades.map((t: any) => Number(t.trade_id));
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    expect(Object.keys(all)).toEqual(['trades', 'best_bid', 'best_ask']);
    const some = (await get('/api/v3/brokerage/market/products/BTC-USD/ticker?limit=3')).body.trades;
    expect(some.map((t: any) => t.trade_id)).toEqual(all.trades.slice(0, 3).map((t: any) => t.trade_id));
    const oldest = all.trades.at(-1);
    const sec = Math.floor(Date.parse(oldest.time) / 1000);
    const window = (await get(`/api/v3/brokerage/market/products/BTC-USD/ticker?limit=1000&start=${sec}&end=${sec + 1}`)).body.trades;
    expect(window.length).toBeGreaterThan(0);
    for (const t of window) expect(Math.floor(Date.parse(t.time) / 1000)).toBe(sec);
    expect((await get('/api/v3/brokerage/market/products/BTC-USD/ticker')).status).toBe(400);
  });
});
