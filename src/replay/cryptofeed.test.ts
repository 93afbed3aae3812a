// cryptofeed captures through replay(): the line shapes of its README, and the BINANCE /
// BINANCE_FUTURES captures (real exchange bytes, 4 symbols each) replayed through the live
// decoders and books with no gap, ending at the same final update ids as verification-summary.json.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../core/events.js';
import { binance, binanceFutures } from '../venues/binance/index.js';
import { FIXTURES } from '../../test/fixtures.js';
import { guessUnified, parseCryptofeedLine } from './cryptofeed.js';
import { replay } from './replay.js';

const CF = `${FIXTURES}/cryptofeed`;

describe('parseCryptofeedLine', () => {
  it('reads connect, send, receive and REST lines as RawFrames with µs times', () => {
    const conn = { id: 0, seq: 0 };
    const url = 'wss://stream.binance.com:9443/stream?streams=btcusdt@trade';
    expect(parseCryptofeedLine(`${url} <-> 1633998511.159679`, 'binance', conn)).toEqual({
      venue: 'binance', connId: 1, recvSeq: 1, localTs: 1633998511159679, dir: 'conn', data: `open ${url}`, url,
    });
    expect(parseCryptofeedLine(`${url} <- 1633998511.2: {"method":"SUBSCRIBE"}`, 'binance', conn)).toMatchObject({ dir: 'out', recvSeq: 2, data: '{"method":"SUBSCRIBE"}' });
    expect(parseCryptofeedLine('1633998512.0633569: {"a": "b: c"}', 'binance', conn)).toMatchObject({
      dir: 'in', connId: 1, recvSeq: 3, localTs: 1633998512063357, data: '{"a": "b: c"}',
    });
    const rest = 'https://api.binance.com/api/v3/depth?symbol=NKNUSDT&limit=1000';
    expect(parseCryptofeedLine(`${rest} -> 1633998512.320639: {"lastUpdateId":1}`, 'binance', conn)).toEqual({
      venue: 'binance', connId: 0, recvSeq: 0, localTs: 1633998512320639, dir: 'rest', data: '{"lastUpdateId":1}', url: rest,
    });
    expect(parseCryptofeedLine('', 'binance', conn)).toBeUndefined();
  });

  it('guesses unified symbols from venue ids per market', () => {
    expect(guessUnified(binance, 'NKNUSDT')).toBe('NKN/USDT');
    expect(guessUnified(binance, 'BLZETH')).toBe('BLZ/ETH');
    expect(guessUnified(binanceFutures, 'SUSHIUSDT')).toBe('SUSHI/USDT:USDT');
  });
});

const summary = JSON.parse(readFileSync(`${CF}/verification-summary.json`, 'utf8')) as Record<string, { per_symbol: Record<string, { final_u: number; final_best_bid: string[]; final_best_ask: string[] }> }>;

describe.each([
  ['BINANCE', 'binance'],
  ['BINANCE_FUTURES', 'binance-futures'],
])('cryptofeed %s capture through replay()', (name, venue) => {
  it('syncs every symbol with no gap and ends at the verified final best bid and ask', async () => {
    const evs: MarketEvent[] = [];
    for await (const ev of replay({ venue, capture: `${CF}/${name}.ws.1.0`, http: `${CF}/${name}.http.0.0` })) evs.push(ev);
    const expected = summary[`${name}.ws.1.0`].per_symbol;
    expect(Object.keys(expected)).toHaveLength(4);
    expect(evs.filter((e) => e.type === 'gap')).toEqual([]);
    for (const [venueSymbol, x] of Object.entries(expected)) {
      const mine = evs.filter((e) => e.venueSymbol === venueSymbol);
      expect(mine.some((e) => e.type === 'status' && e.state === 'SYNCED'), venueSymbol).toBe(true);
      const last = mine.filter((e) => e.type === 'book_snapshot').at(-1);
      // a row is written whenever the top N changes, so the last one shows the final top of book
      if (last?.type !== 'book_snapshot') throw new Error(`${venueSymbol}: no book row`);
      expect(last.updateId).toBeLessThanOrEqual(x.final_u);
      expect([last.bids[0], last.asks[0]], venueSymbol).toEqual([x.final_best_bid, x.final_best_ask]);
    }
  });
});
