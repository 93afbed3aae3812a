// fetch.ts's trade paging against a fake venue holding a known tape: forward pages (stopping at
// a page that runs past the window, as a venue ignoring `until` sends), pages by trade id both
// ways — exact where more than a page shares one ms — and backward pages by the millisecond.
import { describe, expect, it } from 'vitest';
import type { MarketInterface as Market } from 'ccxt';
import type { Trade } from '../core/events.js';
import { fetchTrades } from './fetch.js';
import type { VenueClient } from './venue-client.js';

/** 200 trades, ids 1…200: 3 a ms, except a burst of 30 in ms 1040. */
function tape(): Trade[] {
  const out: Trade[] = [];
  let ms = 1000;
  for (let id = 1; id <= 200; id++) {
    if (id > 1 && !(id > 120 && id <= 150) && id % 3 === 1) ms++;
    if (id === 121) ms = 1040;
    if (id === 151) ms = 1041;
    out.push({ type: 'trade', venue: 'fake', symbol: 'BTC/USD', venueSymbol: 'BTCUSD', ts: ms * 1000, localTs: 0, id: String(id), price: '1', amount: '1', side: 'buy' });
  }
  return out;
}

interface Fake {
  client: VenueClient;
  requests: number;
}

function fakeVenue(paging: 'forward' | 'backward', opts: { idCursor?: boolean; ignoresUntil?: boolean } = {}): Fake {
  const trades = tape();
  const fake: Fake = { client: undefined as unknown as VenueClient, requests: 0 };
  fake.client = {
    tradesPaging: paging,
    tradesIdCursor: opts.idCursor === true,
    tradesPageLimit: () => 1000,
    tradesPage: async (_m: Market, sinceMs: number, limit: number, untilMs: number, cursorId?: string) => {
      fake.requests++;
      const ms = (t: Trade): number => t.ts / 1000;
      if (paging === 'forward') {
        // a forward cursor (Binance fromId) ignores the times
        if (cursorId !== undefined) return trades.filter((t) => Number(t.id) > Number(cursorId)).slice(0, limit);
        return trades.filter((t) => ms(t) >= sinceMs && (opts.ignoresUntil || ms(t) <= untilMs)).slice(0, limit);
      }
      const upTo = trades.filter((t) => (cursorId === undefined ? ms(t) <= untilMs : Number(t.id) < Number(cursorId)));
      return upTo.slice(-limit); // the newest `limit`, with no lower bound (as OKX's `after` alone)
    },
  } as unknown as VenueClient;
  return fake;
}

const market = {} as Market;
const ids = (items: Trade[]): number[] => items.map((t) => Number(t.id));
const inWindow = (from: number, to: number): number[] => ids(tape().filter((t) => t.ts / 1000 >= from && t.ts / 1000 < to));

describe('fetchTrades paging', () => {
  it('forward: from the last ms of each full page; a page reaching past the window ends it', async () => {
    const fake = fakeVenue('forward', { ignoresUntil: true });
    const { items } = await fetchTrades(fake.client, { market, fromMs: 1005, toMs: 1030, pageLimit: 10 });
    expect(ids(items)).toEqual(inWindow(1005, 1030));
    expect(fake.requests).toBeLessThan(12);
  });

  it('forward by trade id: every trade, the 30 of one ms across pages of 10 included', async () => {
    const fake = fakeVenue('forward', { idCursor: true });
    const { items, pages } = await fetchTrades(fake.client, { market, fromMs: 1020, toMs: 1050, pageLimit: 10 });
    expect(ids(items)).toEqual(inWindow(1020, 1050));
    expect(pages).toBeLessThanOrEqual(Math.ceil(items.length / 10) + 1);
  });

  it('backward by trade id: every trade, the 30 of one ms across pages of 10 included', async () => {
    const fake = fakeVenue('backward', { idCursor: true });
    const { items, pages } = await fetchTrades(fake.client, { market, fromMs: 1020, toMs: 1050, pageLimit: 10 });
    expect(ids(items)).toEqual(inWindow(1020, 1050));
    expect(pages).toBe(fake.requests);
    expect(pages).toBeLessThanOrEqual(Math.ceil(items.length / 10) + 1);
  });

  it('backward by the ms: exact while a ms holds less than a page; a bigger one is stepped over, as forward paging does', async () => {
    const fake = fakeVenue('backward');
    const small = await fetchTrades(fake.client, { market, fromMs: 1002, toMs: 1030, pageLimit: 10 });
    expect(ids(small.items)).toEqual(inWindow(1002, 1030));
    const burst = await fetchTrades(fakeVenue('backward').client, { market, fromMs: 1030, toMs: 1045, pageLimit: 10 });
    const want = inWindow(1030, 1045);
    expect(ids(burst.items).every((id) => want.includes(id))).toBe(true);
    expect(ids(burst.items).filter((id) => id > 120 && id <= 150)).toHaveLength(10); // the newest page of the burst
  });
});
