// KuCoin Futures' trade-history route (VenueSpec.recentTrades): the request, the captured URLs it
// recognises, the body → trades exactly as the execution stream decodes the same trade (ns ts
// digits, size text), oldest first whatever the order listed, and FeedCore filling an outage of the
// execution stream from it. Spot has no route (its rows carry no trade id).
import { describe, expect, it } from 'vitest';
import type { Gap, MarketEvent, Trade } from '../../core/events.js';
import { silentLogger } from '../../core/log.js';
import { expectMarketfeedError } from '../../../test/expect-error.js';
import { FeedCore } from '../feed-core.js';
import { getVenue } from '../index.js';
import type { DecodeSink } from '../types.js';
import { isTradeHistoryUrl, parseTradeHistory, tradeHistoryRequest } from './trade-history.js';

interface T {
  id: string;
  seq: number;
  /** ns, as digits: past 2^53 */
  ns: string;
  size?: string;
}

/** The docs' row shape: price a string, size a number, ts ns a number. */
const row = (t: T): string =>
  `{"sequence":${t.seq},"contractId":1,"tradeId":"${t.id}","makerOrderId":"m${t.id}","takerOrderId":"t${t.id}","ts":${t.ns},"size":${t.size ?? '3'},"price":"63990.6","side":"${t.seq % 2 === 0 ? 'buy' : 'sell'}"}`;
const body = (ts: T[]): string => `{"code":"200000","data":[${ts.map(row).join(',')}]}`;
const exec = (t: T): string =>
  `{"topic":"/contractMarket/execution:XBTUSDTM","type":"message","subject":"match","sn":${t.seq},"data":{"symbol":"XBTUSDTM","sequence":${t.seq},"side":"${t.seq % 2 === 0 ? 'buy' : 'sell'}","size":${t.size ?? '3'},"price":"63990.6","takerOrderId":"t${t.id}","makerOrderId":"m${t.id}","tradeId":"${t.id}","ts":${t.ns}}}`;

describe('kucoin futures trade-history route', () => {
  it('asks the last 100 trades of a contract; recognises its captured URLs only', () => {
    expect(tradeHistoryRequest('XBTUSDTM')).toEqual({ path: '/api/v1/trade/history?symbol=XBTUSDTM', weight: 3 });
    expect(getVenue('kucoin-futures').recentTrades?.maxLimit).toBe(100);
    expect(getVenue('kucoin').recentTrades).toBeUndefined();
    expect(isTradeHistoryUrl('https://api-futures.kucoin.com/api/v1/trade/history?symbol=XBTUSDTM')).toBe(true);
    expect(isTradeHistoryUrl('https://api-futures.kucoin.com/api/v1/level2/snapshot?symbol=XBTUSDTM')).toBe(false);
  });

  it('reads a row as the execution stream decodes the same trade: ns digits kept, size as the stream writes it', () => {
    const t = { id: '5cbd7377a6ffab0c7ba98b26', seq: 102, ns: '1786540805418000000', size: '15' };
    const decoded: MarketEvent[] = [];
    const decoder = getVenue('kucoin-futures').createDecoder({ venue: 'kucoin-futures', symbols: new Map([['XBTUSDTM', 'BTC/USDT:USDT']]) });
    const sink: DecodeSink = {
      event: (e: MarketEvent) => void decoded.push(e), depth: () => {}, reject: (r: string) => { throw new Error(r); },
    } as unknown as DecodeSink;
    decoder.decode(exec(t), { venue: 'kucoin-futures', connId: 1, recvSeq: 1, localTs: 5 }, sink);
    const [streamed] = decoded as Trade[];
    const [rest] = parseTradeHistory(body([t]));
    expect(rest).toEqual({ id: streamed.id, ts: streamed.ts, price: streamed.price, amount: streamed.amount, side: streamed.side });
    expect(rest.ts).toBe(1786540805418000); // not the float's …417999
  });

  it('gives trades oldest first, by time and then sequence, whatever order they are listed in', () => {
    const rows = [{ id: 'c', seq: 12, ns: '1786540805418000000' }, { id: 'a', seq: 9, ns: '1786540805417000000' }, { id: 'b', seq: 11, ns: '1786540805418000000' }];
    expect(parseTradeHistory(body(rows)).map((t) => t.id)).toEqual(['a', 'b', 'c']);
  });

  it('names what is wrong with a body it cannot read', () => {
    const bad = (text: string, part: string): void => expectMarketfeedError(() => parseTradeHistory(text), 'MF_ERR_HTTP', part);
    bad('<html>', 'trade-history body is not a JSON object');
    bad('{"code":"400100","msg":"This pair is not provided at present"}', 'trade-history: the venue answered code 400100: This pair is not provided at present');
    bad('{"code":"200000","data":{}}', 'trade-history data is not a list');
    bad(body([{ id: '', seq: 1, ns: '1786540805418000000' }]), 'trade-history row is not');
    bad(body([{ id: 'a', seq: 1, ns: '17865408' }]), 'trade-history row is not');
  });
});

describe('FeedCore: a KuCoin Futures outage is filled from the trade history', () => {
  it('fills the trades of the window the stream did not bring, once, with a backfill row', () => {
    const events: MarketEvent[] = [];
    const core = new FeedCore({
      spec: getVenue('kucoin-futures'), symbols: ['BTC/USDT:USDT'], kinds: ['trades'], depth: 50, plans: [], log: silentLogger,
      requestSnapshot: () => {},
      handlers: { event: (ev) => events.push(ev), reject: (_s, reason) => { throw new Error(reason); } },
    });
    let n = 0;
    const url = 'wss://ws-api-futures.kucoin.com/?token=T';
    const mark = (connId: number, data: string): void => void core.onFrame({ venue: 'kucoin-futures', connId, recvSeq: 0, localTs: 1, dir: 'conn', data, url });
    const stream = (connId: number, t: T): void => void core.onFrame({ venue: 'kucoin-futures', connId, recvSeq: ++n, localTs: 1000 + n, dir: 'in', data: exec(t) });
    const ns = (ms: number): string => `${1786540805000 + ms}000000`;
    mark(1, `open ${url} plan=0:data`);
    stream(1, { id: 'a', seq: 1, ns: ns(100) });
    mark(1, 'close 1006 dropped');
    mark(2, `open ${url} plan=0:data`);
    stream(2, { id: 'e', seq: 5, ns: ns(150) });
    const all = [{ id: 'a', seq: 1, ns: ns(100) }, { id: 'b', seq: 2, ns: ns(100) }, { id: 'c', seq: 3, ns: ns(120) }, { id: 'd', seq: 4, ns: ns(140) }, { id: 'e', seq: 5, ns: ns(150) }];
    expect(core.onRestFrame({ venue: 'kucoin-futures', connId: 0, recvSeq: 0, localTs: 9_000, dir: 'rest', data: body(all), url: 'http://127.0.0.1:1/api/v1/trade/history?symbol=XBTUSDTM' }, 'XBTUSDTM')).toBe(true);
    expect(events.filter((e): e is Trade => e.type === 'trade').map((t) => t.id)).toEqual(['a', 'e', 'b', 'c', 'd']);
    const gaps = events.filter((e): e is Gap => e.type === 'gap');
    expect(gaps.map((g) => g.reason)).toEqual([`backfill from=b to=d count=3 route=trade-history window=${1786540805100000}..${1786540805150000}`]);
  });
});
