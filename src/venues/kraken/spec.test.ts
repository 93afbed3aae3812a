// The VenueSpec's pure parts: symbols (v2 names, v1/REST legacy codes), connection plans and
// subscribe frames, resubscribe, book depths, app ping, REST requests and body parsers.
import { describe, expect, it } from 'vitest';
import { isMarketfeedError } from '../../core/errors.js';
import { kraken } from './index.js';
import { MAX_SYMBOLS_PER_CONNECTION } from './subscribe.js';
import { fromV1Pair, toRestPair } from './symbols.js';

describe('kraken spec', () => {
  it('maps unified symbols to v2 pairs and refuses perpetuals and junk', () => {
    expect(kraken.toVenueSymbol('BTC/USD')).toBe('BTC/USD');
    expect(kraken.toVenueSymbol('DOGE/EUR')).toBe('DOGE/EUR');
    expect(() => kraken.toVenueSymbol('BTC/USD:USD')).toThrow(/perpetual/);
    let err: unknown;
    try { kraken.toVenueSymbol('XBTUSD'); } catch (e) { err = e; }
    expect(isMarketfeedError(err, 'MF_ERR_UNKNOWN_SYMBOL')).toBe(true);
  });

  it('translates legacy asset codes both ways', () => {
    expect(['XBT/USD', 'XDG/XBT', 'ETH/CHF', 'XBTUSD'].map(fromV1Pair)).toEqual(['BTC/USD', 'DOGE/BTC', 'ETH/CHF', 'XBTUSD']);
    expect(['BTC/USD', 'DOGE/BTC', 'ETH/CHF'].map(toRestPair)).toEqual(['XBTUSD', 'XDGXBT', 'ETHCHF']);
  });

  it.each([[1, 10], [10, 10], [11, 25], [25, 25], [26, 100], [100, 100], [400, 500], [1000, 1000], [5000, 1000]])('book depth %i → %i', (d, out) => {
    expect(kraken.bookDepth(d)).toBe(out);
  });

  it('plans one socket on the given URL: instrument first, then book, trade, ticker', () => {
    const plans = kraken.plan('ws://127.0.0.1:9000/v2', ['BTC/USD', 'ETH/USD'], ['book', 'trades', 'quote'], 20);
    expect(plans).toEqual([{
      url: 'ws://127.0.0.1:9000/v2',
      venueSymbols: ['BTC/USD', 'ETH/USD'],
      book: true,
      subscribe: [
        '{"method":"subscribe","params":{"channel":"instrument","snapshot":true}}',
        '{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD","ETH/USD"],"depth":25,"snapshot":true}}',
        '{"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USD","ETH/USD"],"snapshot":false}}',
        '{"method":"subscribe","params":{"channel":"ticker","symbol":["BTC/USD","ETH/USD"],"event_trigger":"bbo","snapshot":true}}',
      ],
    }]);
  });

  it('plans without books subscribe no instrument channel and carry no book', () => {
    const [p] = kraken.plan(kraken.urls.ws, ['BTC/USD'], ['trades']);
    expect(p).toEqual({ url: 'wss://ws.kraken.com/v2', venueSymbols: ['BTC/USD'], book: false, subscribe: ['{"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USD"],"snapshot":false}}'] });
    expect(kraken.plan(kraken.urls.ws, ['BTC/USD'], ['derivative'])).toEqual([]);
  });

  it('splits many pairs over sockets of at most MAX_SYMBOLS_PER_CONNECTION, each complete', () => {
    const syms = Array.from({ length: 250 }, (_, i) => `A${i}/USD`);
    const plans = kraken.plan(kraken.urls.ws, syms, ['book']);
    expect(plans.map((p) => p.venueSymbols.length)).toEqual([MAX_SYMBOLS_PER_CONNECTION, MAX_SYMBOLS_PER_CONNECTION, 50]);
    expect(plans.flatMap((p) => p.venueSymbols)).toEqual(syms);
    for (const p of plans) expect(p.subscribe[1]).toContain('"depth":10');
  });

  it('resubscribes one pair: unsubscribe then subscribe with a snapshot, at a Kraken depth', () => {
    expect(kraken.resubscribe('BTC/USD', 30)).toEqual([
      '{"method":"unsubscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":100}}',
      '{"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD"],"depth":100,"snapshot":true}}',
    ]);
  });

  it('recognises the app pong cheaply, whatever the key order', () => {
    const { appPing } = kraken;
    expect(appPing.text).toBe('{"method":"ping"}');
    expect(appPing.isPong('{"method":"pong","req_id":1,"time_in":"2023-09-24T14:10:23.799685Z","time_out":"2023-09-24T14:10:23.799703Z"}')).toBe(true);
    expect(appPing.isPong('{"time_in":"2023-09-24T14:10:23.799685Z","method": "pong"}')).toBe(true);
    expect(appPing.isPong('{"channel":"heartbeat"}')).toBe(false);
    expect(appPing.isPong('{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[],"asks":[],"checksum":1}]}')).toBe(false);
  });

  it('states a ws-snapshot, checksum-only book and the advisory pairs of ccxt#24461', () => {
    expect(kraken.bookSnapshot).toBe('ws');
    expect(kraken.bookRule.checksum?.depth).toBe(10);
    expect(kraken.advisoryChecksum).toEqual(['PEPE/AUD', 'FLOKI/USD', 'LUNC/USD', 'EURQ/USD']);
    for (const s of kraken.advisoryChecksum) expect(kraken.toVenueSymbol(s)).toBe(s);
  });

  it('lists online AssetPairs under their v2 names', () => {
    const body = JSON.stringify({
      error: [],
      result: {
        XXBTZUSD: { altname: 'XBTUSD', wsname: 'XBT/USD', base: 'XXBT', quote: 'ZUSD', pair_decimals: 1, lot_decimals: 8, cost_decimals: 5, status: 'online' },
        XDGEUR: { altname: 'XDGEUR', wsname: 'XDG/EUR', base: 'XXDG', quote: 'ZEUR', pair_decimals: 7, lot_decimals: 8, cost_decimals: 5, status: 'online' },
        ETHCHF: { altname: 'ETHCHF', wsname: 'ETH/CHF', base: 'XETH', quote: 'CHF', pair_decimals: 2, lot_decimals: 8, cost_decimals: 5, status: 'cancel_only' },
        'XBTUSD.d': { altname: 'XBTUSD.d', base: 'XXBT', quote: 'ZUSD' },
      },
    });
    expect(kraken.exchangeInfo).toEqual({ path: '/0/public/AssetPairs', weight: 1 });
    expect([...kraken.parseExchangeInfo(body)]).toEqual(['BTC/USD', 'DOGE/EUR']);
    expect(() => kraken.parseExchangeInfo('{"error":["EGeneral:Internal error"]}')).toThrow(/MF_ERR_HTTP.*EGeneral/);
    expect(() => kraken.parseExchangeInfo('<html>')).toThrow(/MF_ERR_HTTP/);
  });

  it('builds and parses the REST book (not used to seed: books come from the websocket)', () => {
    expect(kraken.depthRequest('BTC/USD', 1000)).toEqual({ path: '/0/public/Depth?pair=XBTUSD&count=500', weight: 1 });
    const body = '{"error":[],"result":{"XXBTZUSD":{"asks":[["45285.20000","0.001",1688671659]],"bids":[["45283.50000","0.100",1688671660]]}}}';
    expect(kraken.parseDepth(body)).toEqual({ lastUpdateId: -1, ts: 1688671660_000000, bids: [['45283.50000', '0.100']], asks: [['45285.20000', '0.001']] });
    for (const bad of ['', '{"error":[],"result":{}}', '{"error":[],"result":{"X":{"asks":[[1,"2",3]],"bids":[]}}}', '{"error":["EQuery:Unknown asset pair"]}']) {
      expect(() => kraken.parseDepth(bad)).toThrow(/MF_ERR_SNAPSHOT_FAILED/);
    }
  });
});
