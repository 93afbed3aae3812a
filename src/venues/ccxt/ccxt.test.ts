// The ccxt fallback's parts, in-process and offline: decimal text, marks, ids, which books ccxt
// verifies (checked against the pinned ccxt's classes), the recording plan's refusals, and the
// replayer driving ccxt's own Binance handlers from a hand-made capture.
import { describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../../core/config.js';
import type { MarketEvent } from '../../core/events.js';
import type { RawFrame } from '../../core/frames.js';
import { bookPolicy, verifiedIds } from './books.js';
import { ccxtIdOf, ccxtLabel, isCcxtLabel, isCcxtVenue } from './ids.js';
import { createExchange, loadCcxt, parseCcxtConfig, proIds, rebaseUrls } from './load.js';
import { marks, parseMark } from './marks.js';
import { planCcxt, type CcxtPlan } from './plan.js';
import { CcxtReplayer } from './replay.js';
import { decimalText, KEYS, numberText } from './text.js';

function config(over: Partial<Config> & { book?: boolean } = {}): Config {
  const c = defaultConfig();
  const { book, ...rest } = over;
  return { ...c, ...rest, storage: { ...c.storage, book: book ?? true } };
}

describe('decimal text', () => {
  it('keeps the venue\'s exact text when it reads back as ccxt\'s number, else the shortest plain text', () => {
    expect(decimalText(0.3521, { p: '0.35210000' }, KEYS.price)).toBe('0.35210000');
    expect(decimalText(0.3521, { p: '0.3522' }, KEYS.price)).toBe('0.3521');
    expect(decimalText(1e-7, {}, KEYS.price)).toBe('0.0000001');
    expect(decimalText(undefined, { p: '1' }, KEYS.price)).toBeUndefined();
    expect(numberText(1.5e21)).toBe('1500000000000000000000');
    expect(numberText(-2.5e-8)).toBe('-0.000000025');
  });
});

describe('ids and marks', () => {
  it('names: ccxt:<id> venues, ccxt-<id>[-unverified] labels', () => {
    expect(isCcxtVenue('ccxt:kraken')).toBe(true);
    expect(isCcxtVenue('kraken')).toBe(false);
    expect(ccxtIdOf('ccxt:kraken')).toBe('kraken');
    expect(() => ccxtIdOf('ccxt:')).toThrow(/MF_ERR_UNKNOWN_VENUE/);
    expect(() => ccxtIdOf('ccxt:../x')).toThrow(/MF_ERR_UNKNOWN_VENUE/);
    expect(ccxtLabel('kraken', false)).toBe('ccxt-kraken');
    expect(ccxtLabel('kraken', true)).toBe('ccxt-kraken-unverified');
    expect(isCcxtLabel('ccxt-kraken-unverified')).toBe(true);
    expect(isCcxtLabel('sim-binance')).toBe(false);
  });

  it('every mark reads back as written', () => {
    expect(parseMark(marks.watch('book', 'BTC/USDT'))).toEqual({ kind: 'watch', watch: 'book', symbol: 'BTC/USDT' });
    expect(parseMark(marks.status(503, 'http://h/x?a=1'))).toEqual({ kind: 'status', status: 503, url: 'http://h/x?a=1' });
    expect(parseMark(marks.restError('http://h/x', new TypeError('fetch failed\n  twice')))).toEqual({ kind: 'rest-error', url: 'http://h/x', message: 'fetch failed twice' });
    expect(parseMark(marks.close({ code: 1006, reason: 'gone' }))).toEqual({ kind: 'close', code: 1006, reason: 'gone' });
    expect(parseMark(marks.close({}))).toEqual({ kind: 'close', code: 1006, reason: '' });
    expect(parseMark(marks.error(new Error('boom')))).toEqual({ kind: 'error', message: 'boom' });
    expect(parseMark(marks.stop())).toEqual({ kind: 'stop' });
    expect(parseMark('open ws://h/ws/0')).toEqual({ kind: 'open', url: 'ws://h/ws/0' });
    expect(parseMark('ccxt watch nonsense X')).toBeUndefined();
    expect(parseMark('ccxt session {"v":2}')).toBeUndefined();
    expect(parseMark('resync trading window opened')).toBeUndefined();
  });

  it('config: JSON object only, credentials never kept; URL rebasing keeps each URL\'s path', () => {
    expect(parseCcxtConfig('{"apiKey":"k","secret":"s","options":{"a":1}}')).toEqual({ options: { a: 1 } });
    expect(() => parseCcxtConfig('[1]')).toThrow(/MF_ERR_CONFIG/);
    expect(() => parseCcxtConfig('{')).toThrow(/MF_ERR_CONFIG: ccxtConfig is not JSON/);
    const api: Record<string, unknown> = { ws: { spot: 'wss://stream.x.com:9443/ws', n: 3 }, public: 'https://api.{hostname}/api/v3' };
    rebaseUrls(api, /^wss?:\/\/[^/?#]+/, 'ws://127.0.0.1:5/');
    rebaseUrls(api, /^https?:\/\/[^/?#]+/, 'http://127.0.0.1:6');
    expect(api).toEqual({ ws: { spot: 'ws://127.0.0.1:5/ws', n: 3 }, public: 'http://127.0.0.1:6/api/v3' });
  });
});

describe('which ccxt books are verified (ccxt pinned)', () => {
  it('the Binance and OKX families, by their inherited handlers', async () => {
    const ccxt = await loadCcxt();
    expect(verifiedIds(ccxt, proIds(ccxt)).map((v) => v.id)).toEqual(['binance', 'binancecoinm', 'binanceus', 'binanceusdm', 'myokx', 'okx', 'okxus']);
  });

  it('a switched-off check, or none at all, makes a book unverified, with the reason', async () => {
    const ccxt = await loadCcxt();
    const policy = async (id: string, config: Record<string, unknown> = {}) => bookPolicy(ccxt, await createExchange(ccxt, { id, config }, false));
    expect(await policy('binance')).toMatchObject({ books: 'verified', family: { root: 'binance' } });
    expect(await policy('okx')).toMatchObject({ books: 'verified', family: { root: 'okx' } });
    expect(await policy('binance', { options: { watchOrderBook: { checksum: false } } })).toEqual({
      books: 'unverified', why: 'options.watchOrderBook.checksum is false, which turns off ccxt\'s check',
    });
    for (const id of ['kraken', 'bybit', 'gate', 'bitfinex', 'htx', 'cryptocom', 'bitget', 'coinbase']) {
      expect(await policy(id), id).toEqual({ books: 'unverified', why: `ccxt's ${id} order book code checks no sequence or checksum before the book can be read` });
    }
  });
});

describe('planCcxt', () => {
  it('refuses unverified books without the flag, and says what to pass', async () => {
    await expect(planCcxt(config({ venue: 'ccxt:kraken', symbols: ['BTC/USD'] }))).rejects.toThrow(
      /^MF_ERR_CONFIG: ccxt:kraken books cannot be verified: .*; expected --allow-unverified-books .*ccxt-kraken-unverified\/.*--no-storage-book/,
    );
  });

  it('records them marked with the flag; leaves them out without being asked for books', async () => {
    const on = await planCcxt(config({ venue: 'ccxt:kraken', symbols: ['BTC/USD'], allowUnverifiedBooks: true }));
    expect(on).toMatchObject({ books: 'unverified', label: 'ccxt-kraken-unverified', quoteSource: 'bidsasks' });
    expect(on.kinds).toContain('book');
    const off = await planCcxt(config({ venue: 'ccxt:kraken', symbols: ['BTC/USD'], book: false }));
    expect(off).toMatchObject({ books: 'off', label: 'ccxt-kraken' });
    expect(off.kinds).not.toContain('book');
    const bin = await planCcxt(config({ venue: 'ccxt:binance', symbols: ['BTC/USDT'] }));
    expect(bin).toMatchObject({ books: 'verified', label: 'ccxt-binance', kinds: ['trades', 'ticker', 'quote', 'book'], quoteSource: 'bidsasks' });
  });

  it('unknown ids and symbols that are not unified are usage errors', async () => {
    await expect(planCcxt(config({ venue: 'ccxt:nosuch' }))).rejects.toThrow(/^MF_ERR_UNKNOWN_VENUE: unknown venue "ccxt:nosuch"/);
    await expect(planCcxt(config({ venue: 'ccxt:binance', symbols: ['BTCUSDT'] }))).rejects.toThrow(/MF_ERR_CONFIG: symbol "BTCUSDT" is not a ccxt unified symbol/);
  });
});

describe('CcxtReplayer', () => {
  it('drives ccxt\'s Binance handlers from a capture alone: markets over REST, a watch, its socket, its trades', async () => {
    const plan: CcxtPlan = {
      v: 1, venue: 'ccxt:binance', symbols: ['BTC/USDT'], depth: 5, kinds: ['trades'], books: 'off', check: '', quoteSource: 'ticker', label: 'ccxt-binance',
      setup: { id: 'binance', config: { options: { fetchMarkets: { types: ['spot'] } } }, wsUrl: 'ws://127.0.0.1:9', restUrl: 'http://127.0.0.1:9' },
    };
    let t = 1_800_000_000_000_000;
    const f = (connId: number, dir: RawFrame['dir'], data: string, url?: string): RawFrame => ({ venue: 'x', connId, recvSeq: 0, localTs: ++t, dir, data, ...(url ? { url } : {}) });
    const info = '{"symbols":[{"symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT","permissionSets":[["SPOT"]],"isSpotTradingAllowed":true}]}';
    const trade = (id: number, p: string, m: boolean) => `{"e":"trade","E":1,"s":"BTCUSDT","t":${id},"p":"${p}","q":"0.00100000","T":1700000000123,"m":${m},"M":true}`;
    const frames = [
      f(0, 'conn', marks.session(plan)),
      f(0, 'rest', info, 'http://127.0.0.1:9/api/v3/exchangeInfo'),
      f(0, 'conn', marks.watch('trades', 'BTC/USDT')),
      f(7, 'conn', 'open ws://127.0.0.1:9/ws/0'),
      f(7, 'out', '{"method":"SUBSCRIBE","params":["btcusdt@trade"],"id":1}'),
      f(7, 'in', '{"result":null,"id":1}'),
      f(7, 'in', trade(11, '60000.10000000', false)),
      f(7, 'in', trade(12, '59999.90000000', true)),
      f(7, 'in', trade(12, '59999.90000000', true)), // a repeat is dropped
    ];
    const events: MarketEvent[] = [];
    const r = new CcxtReplayer((ev) => events.push(ev));
    for (const x of frames) await r.frame(x);
    expect(r.unplaced).toBe(0);
    expect(events.filter((e) => e.type === 'trade')).toEqual([
      { type: 'trade', venue: 'ccxt:binance', symbol: 'BTC/USDT', venueSymbol: 'BTC/USDT', ts: 1700000000123000, localTs: frames[6].localTs, id: '11', price: '60000.10000000', amount: '0.00100000', side: 'buy' },
      { type: 'trade', venue: 'ccxt:binance', symbol: 'BTC/USDT', venueSymbol: 'BTC/USDT', ts: 1700000000123000, localTs: frames[7].localTs, id: '12', price: '59999.90000000', amount: '0.00100000', side: 'sell' },
    ]);
    expect(events.find((e) => e.type === 'status')).toMatchObject({ scope: 'connection', state: 'CONNECTED', connId: 7 });
  }, 60_000);
});
