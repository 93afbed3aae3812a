// Per market: the fast depth scanner, the JSON.parse + guard path and the zod twins must agree on
// every fixture frame, and on malformed variants (truncations at every position, type swaps), which
// all three reject. Doc payloads decode to the documented fields.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ZodType } from 'zod';
import { MarketEvent } from '../../core/events.js';
import type { DepthUpdate } from '../../book/types.js';
import type { DecodeSink, FrameMeta } from '../types.js';
import { BinanceDecoder } from './decode.js';
import { DepthScanner } from './depth-scan.js';
import { SPOT, USDM, type BinanceMarket } from './market.js';
import {
  BinanceAggTradeSchema, BinanceBookTickerSchema, BinanceDepthUpdateSchema, BinanceFuturesBookTickerSchema,
  BinanceFuturesDepthUpdateSchema, BinanceMarkPriceUpdateSchema, BinanceTradeSchema,
} from './wire.js';
import { FIXTURES } from '../../../test/fixtures.js';

const LOCAL_TS = 1_000_000;

type Out = { kind: 'depth'; sym: string; u: unknown } | { kind: 'event'; ev: MarketEvent } | { kind: 'reject' } | { kind: 'control'; c: string };
interface Dec { decoder: BinanceDecoder; meta: FrameMeta }

const decoderFor = (m: BinanceMarket, symbols: Map<string, string>): Dec => ({
  decoder: new BinanceDecoder(m, { venue: m.venue, symbols }),
  meta: { venue: m.venue, connId: 1, recvSeq: 1, localTs: LOCAL_TS },
});

function materialize(u: DepthUpdate): unknown {
  const levels = [];
  for (let i = 0; i < u.levels.length; i++) {
    levels.push([u.levels.sideAt(i), u.levels.priceAt(i), u.levels.priceTextAt(i), u.levels.amountTextAt(i), u.levels.isDeleteAt(i)]);
  }
  return { ts: u.ts, localTs: u.localTs, firstId: u.firstId, lastId: u.lastId, prevId: u.prevId, levels };
}

function run({ decoder, meta }: Dec, text: string, parsed = false): Out[] {
  const out: Out[] = [];
  const sink: DecodeSink = {
    event: (ev) => out.push({ kind: 'event', ev }),
    depth: (sym, u) => out.push({ kind: 'depth', sym, u: materialize(u) }),
    reject: () => out.push({ kind: 'reject' }),
    control: (c) => out.push({ kind: 'control', c }),
    // Binance books are seeded over REST: a websocket snapshot or checksum is a decoder bug.
    snapshot: () => out.push({ kind: 'reject' }),
    checksum: () => out.push({ kind: 'reject' }),
  };
  if (parsed) {
    let m: unknown;
    try { m = JSON.parse(text); } catch { sink.reject('not JSON', text); return out; }
    decoder.decodeParsed(m, text, meta, sink);
  } else {
    decoder.decode(text, meta, sink);
  }
  return out;
}

/** Zod twin per event type (`undefined`: no `e`); 'reject' where the market refuses it outright. */
const SCHEMAS = new Map<BinanceMarket, Map<unknown, ZodType | 'reject'>>([
  [SPOT, new Map<unknown, ZodType | 'reject'>([['trade', BinanceTradeSchema], ['aggTrade', BinanceAggTradeSchema], [undefined, BinanceBookTickerSchema]])],
  [USDM, new Map<unknown, ZodType | 'reject'>([
    ['aggTrade', BinanceAggTradeSchema], ['bookTicker', BinanceFuturesBookTickerSchema], ['markPriceUpdate', BinanceMarkPriceUpdateSchema], [undefined, 'reject'],
  ])],
]);

/** The zod twin's view of a frame: what it should decode to (or 'reject'). */
function zodReference(mk: BinanceMarket, text: string): Out[] {
  let m: any;
  try { m = JSON.parse(text); } catch { return [{ kind: 'reject' }]; }
  const p = m && typeof m === 'object' && 'stream' in m ? m.data : m;
  if (p?.e === 'depthUpdate') {
    const r = mk.futures ? BinanceFuturesDepthUpdateSchema.safeParse(p) : BinanceDepthUpdateSchema.safeParse(p);
    if (!r.success) return [{ kind: 'reject' }];
    const d = r.data as typeof r.data & { T?: number; pu?: number };
    const levels = [
      ...d.b.map(([pt, at]) => [1, parseFloat(pt), pt, at, Number(at) === 0]),
      ...d.a.map(([pt, at]) => [-1, parseFloat(pt), pt, at, Number(at) === 0]),
    ];
    // USDⓈ-M: ts is the transaction time T, and pu chains the updates.
    const u = mk.futures ? { ts: d.T! * 1000, prevId: d.pu! } : { ts: d.E * 1000, prevId: -1 };
    return [{ kind: 'depth', sym: d.s, u: { ts: u.ts, localTs: LOCAL_TS, firstId: d.U, lastId: d.u, prevId: u.prevId, levels } }];
  }
  const schema = SCHEMAS.get(mk)!.get(p?.e);
  if (schema === 'reject') return [{ kind: 'reject' }];
  if (!schema) return [{ kind: 'control', c: 'other' }];
  return schema.safeParse(p).success ? [{ kind: 'event', ev: undefined as never }] : [{ kind: 'reject' }];
}

function shape(out: Out[]): unknown {
  return out.map((o) => (o.kind === 'event' ? { kind: 'event' } : o));
}

function captureFrames(name: string): string[] {
  return readFileSync(`${FIXTURES}/cryptofeed/${name}.ws.1.0`, 'utf8').split('\n')
    .filter((l) => l !== '' && !l.startsWith('wss://'))
    .map((l) => l.slice(l.indexOf(': ') + 2));
}

type Vectors = { vectors: { id: string; input: any }[] };
const spotVectors = JSON.parse(readFileSync(`${FIXTURES}/protocol-vectors/binance-spot.json`, 'utf8')) as Vectors;
const usdmVectors = JSON.parse(readFileSync(`${FIXTURES}/protocol-vectors/binance-usdm-futures.json`, 'utf8')) as Vectors;
const vectorFrames = (v: Vectors, id: string): string[] => v.vectors.find((x) => x.id === id)!.input.frames.map((f: { raw: string }) => f.raw);
const symbolsOf = (texts: string[]): Map<string, string> =>
  new Map(texts.map((t) => JSON.parse(t).data.s as string).map((s) => [s, s]));

// One diff of each market's shape, for the malformed and unusual variants below.
const SPOT_BASE = '{"stream":"nknusdt@depth@100ms","data":{"e":"depthUpdate","E":1633998512568,"s":"NKNUSDT","U":499869753,"u":499869754,"b":[["0.35170000","4265.00000000"]],"a":[["0.35290000","10968.00000000"]]}}';
const USDM_BASE = '{"stream":"nknusdt@depth@100ms","data":{"e":"depthUpdate","E":1633998512568,"T":1633998512560,"s":"NKNUSDT","U":499869753,"u":499869754,"pu":499869750,"b":[["0.35170000","4265.00000000"]],"a":[["0.35290000","10968.00000000"]]}}';

const MARKETS = [
  {
    market: SPOT,
    frames: [
      ...captureFrames('BINANCE'), ...captureFrames('BINANCE_US'), ...captureFrames('BINANCE_TR'),
      ...vectorFrames(spotVectors, 'binance-spot-nknusdt-capture'),
    ],
    base: SPOT_BASE,
    bad: [] as [string, string][],
  },
  {
    market: USDM,
    frames: [
      ...captureFrames('BINANCE_FUTURES'), ...captureFrames('BINANCE_DELIVERY'),
      ...vectorFrames(usdmVectors, 'binance-futures-sushiusdt-capture'),
    ],
    base: USDM_BASE,
    bad: [
      ['pu missing', USDM_BASE.replace(',"pu":499869750', '')],
      ['T as string', USDM_BASE.replace('"T":1633998512560', '"T":"1633998512560"')],
    ] as [string, string][],
  },
];

describe.each(MARKETS.map((m) => [m.market.venue, m] as const))('%s', (_venue, { market, frames, base, bad: extraBad }) => {
  const dec = decoderFor(market, new Map([...symbolsOf(frames), ['NKNUSDT', 'NKNUSDT']]));

  describe('every fixture frame: fast path = JSON.parse path = zod twin', () => {
    it(`${frames.length} frames`, () => {
      let fast = 0;
      const scanner = new DepthScanner(market);
      for (const text of frames) {
        const a = run(dec, text);
        const b = run(dec, text, true);
        expect(a).toEqual(b);
        expect(a.length).toBe(1);
        expect(a[0].kind === 'reject').toBe(false);
        expect(shape(a)).toEqual(zodReference(market, text));
        for (const o of a) if (o.kind === 'event') expect(MarketEvent.safeParse(o.ev).success).toBe(true);
        if (scanner.scan(text)) fast++;
      }
      // Every spot and USDⓈ-M depth frame of the captures takes the scanner; COIN-M's (extra "ps")
      // take JSON.parse.
      expect(fast).toBe(frames.filter((t) => t.includes('"e":"depthUpdate"') && !t.includes('"ps"')).length);
      expect(fast).toBeGreaterThan(700);
    });
  });

  describe('malformed depth frames are rejected whole, by every path', () => {
    const samples = frames.filter((t) => t.includes('depthUpdate')).slice(0, 4);
    it.each(samples.map((t, i) => [i, t]))('sample %i truncated at every position', (_i, text) => {
      for (let k = 0; k < text.length; k++) {
        const t = text.slice(0, k);
        expect(run(dec, t)).toEqual([{ kind: 'reject' }]);
        expect(zodReference(market, t)).toEqual([{ kind: 'reject' }]);
      }
    });

    const bad: [string, string][] = [
      ['U as string', base.replace('"U":499869753', '"U":"499869753"')],
      ['u negative', base.replace('"u":499869754', '"u":-499869754')],
      ['E fractional', base.replace('"E":1633998512568', '"E":1633998512568.5')],
      ['price as number', base.replace('["0.35170000","4265.00000000"]', '[0.35170000,"4265.00000000"]')],
      ['amount not a number', base.replace('"4265.00000000"', '"4265.0000000x"')],
      ['three-element level', base.replace('["0.35170000","4265.00000000"]', '["0.35170000","4265.00000000","1"]')],
      ['bids not an array', base.replace('"b":[["0.35170000","4265.00000000"]]', '"b":{}')],
      ...extraBad,
      ['missing a', base.replace(',"a":[["0.35290000","10968.00000000"]]', '')],
      ['price ".5"', base.replace('"0.35170000"', '".5"')],
      ['price "1."', base.replace('"0.35170000"', '"1."')],
      ['trailing garbage', base + 'x'],
      ['data not an object', '{"stream":"nknusdt@depth@100ms","data":[1]}'],
    ];
    it.each(bad)('%s', (_name, text) => {
      expect(text).not.toBe(base);
      expect(run(dec, text)).toEqual([{ kind: 'reject' }]);
      expect(zodReference(market, text)).toEqual([{ kind: 'reject' }]);
    });

    const odd: [string, string][] = [
      ['whitespace', base.replace('"U":499869753', '"U": 499869753').replace('}}', '}}\n')],
      ['key order', base.replace('"e":"depthUpdate","E":1633998512568', '"E":1633998512568,"e":"depthUpdate"')],
      ['escaped symbol', base.replace('"s":"NKNUSDT"', '"s":"NKN\\u0055SDT"')],
      ['exponent amount', base.replace('"4265.00000000"', '"4.265e3"')],
      ['16-digit id', base.replace('"u":499869754', '"u":1499869754000000')],
      ['raw stream', base.slice(base.indexOf('"data":') + 7, -1)],
      ['non-ASCII stream name', base.replace('nknusdt@depth@100ms', 'nknusdt@depth@100msé')],
    ];
    it.each(odd)('valid but unusual (%s) decodes like JSON.parse + zod', (_name, text) => {
      const a = run(dec, text);
      expect(a[0].kind).toBe('depth');
      expect(shape(a)).toEqual(zodReference(market, text));
    });
  });
});

describe('doc payloads (binance-spot-doc-payloads)', () => {
  const doc = spotVectors.vectors.find((v) => v.id === 'binance-spot-doc-payloads')!.input;
  const d = decoderFor(SPOT, new Map([['BNBBTC', 'BNB/BTC']]));
  it('diff depth', () => {
    const [o] = run(d, JSON.stringify(doc.diffDepth));
    expect(o).toEqual({ kind: 'depth', sym: 'BNBBTC', u: {
      ts: 1672515782136000, localTs: LOCAL_TS, firstId: 157, lastId: 160, prevId: -1,
      levels: [[1, 0.0024, '0.0024', '10', false], [-1, 0.0026, '0.0026', '100', false]],
    } });
  });
  it('trade: m=true means the taker sold', () => {
    const [o] = run(d, JSON.stringify({ stream: 'bnbbtc@trade', data: doc.trade }));
    expect(o).toEqual({ kind: 'event', ev: {
      type: 'trade', venue: 'binance', symbol: 'BNB/BTC', venueSymbol: 'BNBBTC', ts: 1672515782136000, localTs: LOCAL_TS,
      id: '12345', price: '0.001', amount: '100', side: 'sell',
    } });
  });
  it('control frames', () => {
    expect(run(d, '{"result":null,"id":1}')).toEqual([{ kind: 'control', c: 'ack' }]);
    expect(run(d, '{"error":{"code":2,"msg":"Invalid request"},"id":1}')).toEqual([{ kind: 'control', c: 'error' }]);
    expect(run(d, '{"e":"serverShutdown","E":1672515782136}')).toEqual([{ kind: 'control', c: 'shutdown' }]);
    expect(run(d, '{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1672515782136}}')).toEqual([{ kind: 'control', c: 'shutdown' }]);
  });
  it('unknown symbol is rejected', () => {
    expect(run(d, JSON.stringify({ ...doc.diffDepth, s: 'ETHBTC' }))).toEqual([{ kind: 'reject' }]);
  });
});

describe('doc payloads (binance-futures-doc-payload) and other streams', () => {
  const doc = usdmVectors.vectors.find((v) => v.id === 'binance-futures-doc-payload')!.input;
  const d = decoderFor(USDM, new Map([['BTCUSDT', 'BTC/USDT:USDT']]));
  it('diff depth: ts is the transaction time T', () => {
    const [o] = run(d, JSON.stringify(doc));
    expect(o).toEqual({ kind: 'depth', sym: 'BTCUSDT', u: {
      ts: 123456788000, localTs: LOCAL_TS, firstId: 157, lastId: 160, prevId: 149,
      levels: [[1, 0.0024, '0.0024', '10', false], [-1, 0.0026, '0.0026', '100', false]],
    } });
  });
  it('aggTrade: id = a, m=true means the taker sold', () => {
    const [o] = run(d, '{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1626992741575,"a":16599292,"s":"BTCUSDT","p":"1.01100","q":"10","f":1,"l":2,"T":1626992741421,"m":true}}');
    expect(o).toEqual({ kind: 'event', ev: {
      type: 'trade', venue: 'binance-futures', symbol: 'BTC/USDT:USDT', venueSymbol: 'BTCUSDT', ts: 1626992741421000, localTs: LOCAL_TS,
      id: '16599292', price: '1.01100', amount: '10', side: 'sell',
    } });
  });
  it('markPriceUpdate → derivative', () => {
    const [o] = run(d, '{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}}');
    expect(o).toEqual({ kind: 'event', ev: {
      type: 'derivative', venue: 'binance-futures', symbol: 'BTC/USDT:USDT', venueSymbol: 'BTCUSDT', ts: 1562305380000000, localTs: LOCAL_TS,
      markPrice: '11794.15000000', indexPrice: '11784.62659091', fundingRate: '0.00038167', nextFundingTs: 1562306400000000,
    } });
    expect(MarketEvent.safeParse((o as { ev: unknown }).ev).success).toBe(true);
  });
  it('bookTicker → quote with updateId u', () => {
    const [o] = run(d, '{"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":600859600576,"s":"BTCUSDT","b":"7.6110","B":"2","a":"7.6120","A":"297","T":1626992741012,"E":1626992741017}}');
    expect(o).toEqual({ kind: 'event', ev: {
      type: 'quote', venue: 'binance-futures', symbol: 'BTC/USDT:USDT', venueSymbol: 'BTCUSDT', ts: 1626992741012000, localTs: LOCAL_TS,
      bidPrice: '7.6110', bidAmount: '2', askPrice: '7.6120', askAmount: '297', updateId: 600859600576,
    } });
  });
  it('control frames', () => {
    expect(run(d, '{"result":null,"id":7}')).toEqual([{ kind: 'control', c: 'ack' }]);
    expect(run(d, '{"error":{"code":2,"msg":"Invalid request"},"id":1}')).toEqual([{ kind: 'control', c: 'error' }]);
    expect(run(d, '{"e":"serverShutdown","E":1672515782136}')).toEqual([{ kind: 'control', c: 'shutdown' }]);
  });
  it('a guard failure emits nothing but the reject', () => {
    expect(run(d, '{"stream":"btcusdt@markPrice","data":{"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":11794.15,"i":"1","r":"0","T":1}}')).toEqual([{ kind: 'reject' }]);
  });
});
