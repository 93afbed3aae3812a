// USDⓈ-M open interest over REST: the spec's poll request, and decodeRest on the body of
// `GET /fapi/v1/openInterest` (the doc's example body; PROTOCOLS.md §2) — valid bodies become one
// derivative event with openInterest, malformed ones are rejected whole with a reason (the guard
// and the zod twin agree on every one), and depth bodies are left to the snapshot path.
import { describe, expect, it } from 'vitest';
import { Derivative } from '../../core/events.js';
import type { DecodeSink, FrameMeta } from '../types.js';
import { BinanceDecoder } from './decode.js';
import { binance, binanceFutures } from './index.js';
import { SPOT, USDM, type BinanceMarket } from './market.js';
import { BinanceOpenInterestSchema } from './wire.js';

const LOCAL_TS = 1_589_437_530_500_000;
const URL_OI = 'https://fapi.binance.com/fapi/v1/openInterest?symbol=BTCUSDT';
const DOC_BODY = '{"openInterest":"10659.509","symbol":"BTCUSDT","time":1589437530011}';
const meta: FrameMeta = { venue: 'binance-futures', connId: 0, recvSeq: 0, localTs: LOCAL_TS };

type Out = { kind: 'event'; ev: unknown } | { kind: 'reject'; reason: string } | { kind: 'other' };

function decodeRest(m: BinanceMarket, url: string, body: string): { taken: boolean; out: Out[] } {
  const decoder = new BinanceDecoder(m, { venue: m.venue, symbols: new Map([['BTCUSDT', 'BTC/USDT:USDT']]) });
  const out: Out[] = [];
  const sink: DecodeSink = {
    event: (ev) => out.push({ kind: 'event', ev }),
    reject: (reason) => out.push({ kind: 'reject', reason }),
    depth: () => out.push({ kind: 'other' }),
    control: () => out.push({ kind: 'other' }),
    snapshot: () => out.push({ kind: 'other' }),
    checksum: () => out.push({ kind: 'other' }),
  };
  const taken = decoder.decodeRest(url, body, { ...meta, venue: m.venue }, sink);
  return { taken, out };
}

describe('open interest request', () => {
  it('USDⓈ-M polls GET /fapi/v1/openInterest?symbol=… at weight 1; spot has no such request', () => {
    expect(binanceFutures.openInterest.request('BTCUSDT')).toEqual({ path: '/fapi/v1/openInterest?symbol=BTCUSDT', weight: 1 });
    expect('openInterest' in binance).toBe(false);
  });
});

describe('decodeRest', () => {
  it('the doc body → one derivative event: openInterest verbatim, ts = time in µs', () => {
    const { taken, out } = decodeRest(USDM, URL_OI, DOC_BODY);
    expect(taken).toBe(true);
    expect(out).toHaveLength(1);
    const ev = Derivative.parse((out[0] as { ev: unknown }).ev);
    expect(ev).toEqual({
      type: 'derivative', venue: 'binance-futures', symbol: 'BTC/USDT:USDT', venueSymbol: 'BTCUSDT',
      ts: 1_589_437_530_011_000, localTs: LOCAL_TS, openInterest: '10659.509',
    });
    expect(BinanceOpenInterestSchema.safeParse(JSON.parse(DOC_BODY)).success).toBe(true);
  });

  it('reads the path before the query, whatever the host (the simulator, a proxy)', () => {
    expect(decodeRest(USDM, 'http://127.0.0.1:40123/fapi/v1/openInterest?symbol=BTCUSDT', DOC_BODY).out[0].kind).toBe('event');
  });

  const malformed: [string, string][] = [
    ['not JSON', '{"openInterest":"10659.509","symbol":"BTCUSDT","time":15894375'],
    ['an array', '[]'],
    ['openInterest a number', '{"openInterest":10659.509,"symbol":"BTCUSDT","time":1589437530011}'],
    ['openInterest not a decimal', '{"openInterest":"10,659.509","symbol":"BTCUSDT","time":1589437530011}'],
    ['openInterest negative', '{"openInterest":"-1.000","symbol":"BTCUSDT","time":1589437530011}'],
    ['symbol missing', '{"openInterest":"10659.509","time":1589437530011}'],
    ['time a string', '{"openInterest":"10659.509","symbol":"BTCUSDT","time":"1589437530011"}'],
    ['time fractional', '{"openInterest":"10659.509","symbol":"BTCUSDT","time":1589437530011.5}'],
  ];
  it.each(malformed)('%s: rejected whole with a reason, nothing emitted (the zod twin agrees)', (_what, body) => {
    const { taken, out } = decodeRest(USDM, URL_OI, body);
    expect(taken).toBe(true);
    expect(out).toEqual([{ kind: 'reject', reason: expect.stringMatching(/^open interest body (is not JSON|failed its guard)$/) }]);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return;
    }
    expect(BinanceOpenInterestSchema.safeParse(parsed).success).toBe(false);
  });

  it('every truncation of the doc body is rejected', () => {
    for (let i = 0; i < DOC_BODY.length; i++) {
      const { taken, out } = decodeRest(USDM, URL_OI, DOC_BODY.slice(0, i));
      expect(taken).toBe(true);
      expect(out.map((o) => o.kind)).toEqual(['reject']);
    }
  });

  it('the venue\'s error body is rejected with its code and message', () => {
    const { taken, out } = decodeRest(USDM, URL_OI, '{"code":-1121,"msg":"Invalid symbol."}');
    expect(taken).toBe(true);
    expect(out).toEqual([{ kind: 'reject', reason: 'open interest body failed its guard: the venue answered -1121 Invalid symbol.' }]);
  });

  it('a symbol not being recorded is rejected', () => {
    const { out } = decodeRest(USDM, URL_OI, DOC_BODY.replace('BTCUSDT', 'ETHUSDT'));
    expect(out).toEqual([{ kind: 'reject', reason: 'open interest for unknown symbol ETHUSDT' }]);
  });

  it('a depth body is not taken (it stays a book snapshot); spot takes no REST body at all', () => {
    const depth = '{"lastUpdateId":1027024,"E":1589436922972,"T":1589436922959,"bids":[["4.00000000","431.00000000"]],"asks":[["4.00000200","12.00000000"]]}';
    expect(decodeRest(USDM, 'https://fapi.binance.com/fapi/v1/depth?symbol=BTCUSDT&limit=1000', depth)).toEqual({ taken: false, out: [] });
    expect(decodeRest(USDM, 'https://fapi.binance.com/fapi/v1/openInterestHist?symbol=BTCUSDT', DOC_BODY)).toEqual({ taken: false, out: [] });
    expect(decodeRest(SPOT, 'https://api.binance.com/api/v3/openInterest?symbol=BTCUSDT', DOC_BODY)).toEqual({ taken: false, out: [] });
    expect(decodeRest(SPOT, URL_OI, DOC_BODY)).toEqual({ taken: false, out: [] });
  });
});
