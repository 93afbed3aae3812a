import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/log.js';
import type { MarketEvent } from '../core/events.js';
import { Ring, ServeHub } from './hub.js';
import { parseDepth, parseLimit } from './params.js';
import { parseChannels } from './relay.js';

const base = { venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: 1, localTs: 1 };
const book = (updateId: number): MarketEvent => ({ type: 'book_snapshot', ...base, depth: 2, updateId, bids: [['1', '1'], ['0.9', '1']], asks: [['1.1', '1'], ['1.2', '2']] });
const status = (state: string, scope: 'book' | 'connection' = 'book', connId?: number): MarketEvent =>
  ({ type: 'status', ...base, scope, state, reason: 'why', ...(connId === undefined ? {} : { connId }) }) as MarketEvent;

function hub(): ServeHub {
  return new ServeHub({
    dataDir: '/nonexistent', log: silentLogger,
    streams: [{ venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', label: 'sim-binance', depth: 2 }, { venue: 'binance', symbol: 'ETH/USDT', venueSymbol: 'ETHUSDT', label: 'sim-binance', depth: 0 }],
  });
}

describe('ServeHub', () => {
  it('resolves venue ids and unified symbols in any case; bad and unknown ones with one line', () => {
    const h = hub();
    for (const s of ['BTCUSDT', 'btcusdt', 'BTC/USDT', 'btc/usdt']) expect(h.resolve('BINANCE', s)).toMatchObject({ ok: true, stream: { venueSymbol: 'BTCUSDT' } });
    expect(h.resolve('binance', '../x')).toMatchObject({ ok: false, status: 400 });
    expect(h.resolve('binance', 'BTC/../../x')).toMatchObject({ ok: false, status: 400 });
    expect(h.resolve('binance', '')).toMatchObject({ ok: false, status: 400 });
    expect(h.resolve('kraken', 'BTCUSDT')).toMatchObject({ ok: false, status: 404, error: expect.stringMatching(/recording: binance/) });
    expect(h.resolve('binance', 'DOGEUSDT')).toMatchObject({ ok: false, status: 404, error: expect.stringMatching(/BTCUSDT, ETHUSDT/) });
  });

  it('keeps a book only while its last status is SYNCED', () => {
    const h = hub();
    const s = h.state('binance', 'BTCUSDT')!;
    h.onEvent(book(1)); // not SYNCED yet (CONNECTING): not kept
    expect(s.book).toBeUndefined();
    h.onEvent(status('SYNCED'));
    h.onEvent(book(2));
    expect(s.book?.type === 'book_snapshot' && s.book.updateId).toBe(2);
    h.onEvent(status('RESYNCING'));
    expect(s.book).toBeUndefined();
    expect(s.counters.resyncs).toBe(1);
    expect(h.timeline.last().map((e) => e.kind)).toEqual(['synced', 'resync']);
  });

  it('timelines disconnects and reconnects, counts data messages, relays to listeners in order', () => {
    const h = hub();
    const seen: string[] = [];
    const off = h.listen((ev) => seen.push(ev.type));
    h.onEvent(status('CONNECTED', 'connection', 1));
    h.onEvent(status('RECONNECTING', 'connection', 1));
    h.onEvent(status('CONNECTED', 'connection', 2));
    h.onEvent({ type: 'trade', ...base, id: '1', price: '1', amount: '1', side: 'buy' });
    h.onEvent({ type: 'gap', ...base, scope: 'book', expected: 'U<=5', got: 'U=7', action: 'resync', reason: 'gap' });
    off();
    h.onEvent({ type: 'trade', ...base, id: '2', price: '1', amount: '1', side: 'buy' });
    const s = h.state('binance', 'BTCUSDT')!;
    expect(h.timeline.last().map((e) => e.kind)).toEqual(['disconnect', 'reconnect', 'gap']);
    expect(s.counters).toMatchObject({ reconnects: 1, gaps: 1, messages: 2 });
    expect(s.trades.last().map((t) => t.id)).toEqual(['1', '2']);
    expect(seen).toEqual(['status', 'status', 'status', 'trade', 'gap']);
  });

  it('forgets sockets long closed: many reconnects, each counted, the per-socket states stay bounded', () => {
    const h = hub();
    const s = h.state('binance', 'BTCUSDT')!;
    const n = 3000;
    // every reconnect is a new socket id; a repeated status of the same socket counts once
    for (let id = 1; id <= n; id++) {
      h.onEvent(status('CONNECTED', 'connection', id));
      h.onEvent(status('RECONNECTING', 'connection', id));
      h.onEvent(status('RECONNECTING', 'connection', id));
    }
    h.onEvent(status('CONNECTED', 'connection', n + 1));
    expect(s.counters.reconnects).toBe(n);
    expect(h.timeline.last().filter((e) => e.kind === 'disconnect')).toHaveLength(Math.min(n, h.timeline.capacity / 2));
    expect(s['conns'].size).toBeLessThanOrEqual(16);
  });

  it('a listener that throws does not stop the others', () => {
    const h = hub();
    let got = 0;
    h.listen(() => {
      throw new Error('boom');
    });
    h.listen(() => got++);
    h.onEvent(status('SYNCED'));
    expect(got).toBe(1);
  });
});

describe('Ring', () => {
  it('keeps the newest capacity items, oldest first', () => {
    const r = new Ring<number>(3);
    for (let i = 1; i <= 5; i++) r.push(i);
    expect(r.last()).toEqual([3, 4, 5]);
    expect(r.last(2)).toEqual([4, 5]);
    expect(r.newest()).toBe(5);
  });
});

describe('parameters', () => {
  it.each([
    [undefined, 50, 20], ['5', 50, 5], ['50', 50, 50], ['51', 50, /more than the recorded depth 50/], ['0', 50, /at least 1/],
    ['-2', 50, /at least 1/], ['1e3', 50, /not an integer/], ['3', 0, /no book is recorded/], [undefined, 10, 10],
  ] as const)('depth %s (recorded %s) → %s', (text, recorded, want) => {
    const got = parseDepth(text, recorded);
    if (typeof want === 'number') expect(got).toBe(want);
    else expect(got).toMatch(want);
  });

  it('limits and channels', () => {
    expect(parseLimit(undefined, 100, 1000)).toBe(100);
    expect(parseLimit('1001', 100, 1000)).toMatch(/from 1 to 1000/);
    expect(parseChannels('trades,BOOK')).toBe(3);
    expect(parseChannels(undefined)).toBe(255);
    expect(parseChannels('trades,nope')).toMatch(/unknown channel "nope"/);
  });
});
