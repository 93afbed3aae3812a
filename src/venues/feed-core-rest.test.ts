// FeedCore.onRestFrame: REST bodies other than book snapshots (Binance USDⓈ-M open interest) go
// to the decoder's decodeRest, and their events and rejects take a socket frame's path; a depth
// body is not taken, so callers hand it to onSnapshotBody as before. An open interest body never
// reaches a book.
import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../core/events.js';
import type { RawFrame } from '../core/frames.js';
import { silentLogger } from '../core/log.js';
import { FeedCore } from './feed-core.js';
import { getVenue } from './index.js';

const REST = 'http://127.0.0.1:1/fapi/v1';
const OI = '{"openInterest":"10659.509","symbol":"BTCUSDT","time":1589437530011}';
const DEPTH = '{"lastUpdateId":1027024,"E":1589436922972,"T":1589436922959,"bids":[["4.00","431.000"]],"asks":[["4.01","12.000"]]}';

function setup(venue = 'binance-futures', symbol = 'BTC/USDT:USDT') {
  const events: MarketEvent[] = [];
  const snapshots: string[] = [];
  const rejects: { symbols: readonly string[]; reason: string }[] = [];
  const core = new FeedCore({
    spec: getVenue(venue), symbols: [symbol], kinds: ['trades', 'book', 'quote', 'derivative'], depth: 5, plans: [], log: silentLogger,
    requestSnapshot: () => {},
    handlers: {
      event: (ev) => events.push(ev),
      snapshot: (s, _body, _ts, id) => snapshots.push(`${s} ${id}`),
      reject: (symbols, reason) => rejects.push({ symbols, reason }),
    },
  });
  const rest = (path: string, data: string, localTs = 7_000_000): RawFrame => ({ venue, connId: 0, recvSeq: 0, localTs, dir: 'rest', data, url: `${REST}${path}` });
  return { core, events, snapshots, rejects, rest };
}

describe('FeedCore.onRestFrame', () => {
  it('an open interest body becomes a derivative event and touches no book', () => {
    const { core, events, snapshots, rest } = setup();
    expect(core.onRestFrame(rest('/openInterest?symbol=BTCUSDT', OI), 'BTCUSDT')).toBe(true);
    expect(events).toEqual([{
      type: 'derivative', venue: 'binance-futures', symbol: 'BTC/USDT:USDT', venueSymbol: 'BTCUSDT',
      ts: 1_589_437_530_011_000, localTs: 7_000_000, openInterest: '10659.509',
    }]);
    expect(snapshots).toEqual([]);
    expect(core.stats()[0]).toMatchObject({ snapshots: 0, rejects: 0 });
  });

  it('a depth body is not taken: onSnapshotBody seeds the book with it as before', () => {
    const { core, events, snapshots, rest } = setup();
    const f = rest('/depth?symbol=BTCUSDT&limit=1000', DEPTH);
    expect(core.onRestFrame(f, 'BTCUSDT')).toBe(false);
    expect(events).toEqual([]);
    expect(core.onSnapshotBody('BTCUSDT', f.data, f.localTs, true)).toBeUndefined();
    expect(snapshots).toEqual(['BTC/USDT:USDT 1027024']);
  });

  it('a malformed open interest body is rejected, counted on the request\'s symbol, and not a snapshot', () => {
    const { core, events, snapshots, rejects, rest } = setup();
    expect(core.onRestFrame(rest('/openInterest?symbol=BTCUSDT', '{"code":-1121,"msg":"Invalid symbol."}'), 'BTCUSDT')).toBe(true);
    expect(core.onRestFrame(rest('/openInterest?symbol=BTCUSDT', '{"openInterest":"1'), 'BTCUSDT')).toBe(true);
    expect(events).toEqual([]);
    expect(snapshots).toEqual([]);
    expect(rejects).toEqual([
      { symbols: ['BTC/USDT:USDT'], reason: 'open interest body failed its guard: the venue answered -1121 Invalid symbol.' },
      { symbols: ['BTC/USDT:USDT'], reason: 'open interest body is not JSON' },
    ]);
    expect(core.rejects).toBe(2);
    expect(core.stats()[0]).toMatchObject({ rejects: 2, snapshots: 0 });
  });

  it('takes nothing its decoder declines (spot has no open interest), nor a frame without a URL', () => {
    const spot = setup('binance', 'BTC/USDT');
    expect(spot.core.onRestFrame(spot.rest('/openInterest?symbol=BTCUSDT', OI), 'BTCUSDT')).toBe(false);
    const fut = setup();
    expect(fut.core.onRestFrame({ ...fut.rest('', OI), url: undefined }, 'BTCUSDT')).toBe(false);
    expect([...spot.events, ...fut.events, ...spot.rejects, ...fut.rejects]).toEqual([]);
  });
});
