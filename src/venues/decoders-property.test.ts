// Property tests (fast-check) of every venue decoder, fed through FeedCore the way live capture
// and replay feed it: arbitrary text, arbitrary JSON, real fixture frames mutated field by field
// (truncated, types swapped, fields dropped, huge numbers, NaN text, nested garbage), and for the
// binary venues arbitrary bytes. Whatever arrives: the core never throws, no decoder throws (a
// throw would be caught and counted, but it may leave half a frame's events behind), a bad frame
// is a counted reject that produces no data, and every event that does come out is well-formed.
// decoders-fuzz.test.ts holds the decoders alone to the same rule with seeded text mutations;
// rest-depth-property.test.ts does the REST book bodies; test/frame-mutations.ts the mutations.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../test/fixtures.js';
import { mutate, mutationArb, type Mutation } from '../../test/frame-mutations.js';
import { MarketEvent } from '../core/events.js';
import type { RawFrame } from '../core/frames.js';
import { silentLogger } from '../core/log.js';
import { parseCryptofeedLine } from '../replay/cryptofeed.js';
import { FeedCore, planTag } from './feed-core.js';
import { VENUE_IDS, getVenue } from './index.js';
import { isDecimalSpan } from './mexc/spot-wire.js';
import type { DecodeSink, Kind, VenueSpec } from './types.js';

/** A fixed seed (fast-check prints it with any failure); FC_SEED=<n> to explore elsewhere. */
const SEED = Number(process.env.FC_SEED ?? 20261207);

// --- the real frames each venue is fuzzed from ------------------------------------------------

const CAPTURE: Record<string, string> = {
  binance: 'BINANCE.ws.1.0', 'binance-futures': 'BINANCE_FUTURES.ws.1.0', kraken: 'KRAKEN.ws.50.0', okx: 'OKX.ws.1.0',
  okcoin: 'OKCOIN.ws.1.0', bitget: 'BITGET.ws.1.0', bitfinex: 'BITFINEX.ws.11.0', 'bitfinex-raw': 'BITFINEX.ws.11.0',
  kucoin: 'KUCOIN.ws.1.0',
};
const VECTORS: Record<string, string> = {
  bingx: 'bingx.json', 'bingx-swap': 'bingx.json', bybit: 'bybit-v5.json', 'bybit-linear': 'bybit-v5.json',
  coinbase: 'coinbase-advanced-trade.json', mexc: 'mexc.json', 'mexc-futures': 'mexc.json', 'kucoin-futures': 'kucoin.json',
};
/** Venues whose frames arrive gzip-compressed (the JSON text is what gets mutated). */
const GZIP = new Set(['bingx', 'bingx-swap']);

/** Frames per capture kept for fuzzing (the first ones: subscribe answers, snapshots, then data). */
const MAX_FRAMES = 400;

function captureFrames(id: string): string[] {
  const conn = { id: 0, seq: 0 };
  return readFileSync(join(FIXTURES, 'cryptofeed', CAPTURE[id]), 'utf8').split('\n')
    .map((l) => parseCryptofeedLine(l, id, conn)).filter((f) => f?.dir === 'in').map((f) => f!.data).slice(0, MAX_FRAMES);
}

/** Every JSON-object text held anywhere in a protocol-vectors file (raw frames, input frames …). */
function vectorTexts(file: string): string[] {
  const out: string[] = [];
  const walk = (x: unknown): void => {
    if (typeof x === 'string') {
      if (x.startsWith('{') || x.startsWith('[')) out.push(x);
    } else if (Array.isArray(x)) for (const v of x) walk(v);
    else if (typeof x === 'object' && x !== null) for (const v of Object.values(x)) walk(v);
  };
  walk(JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors', file), 'utf8')).vectors);
  return out.filter((t) => {
    try {
      JSON.parse(t);
      return true;
    } catch {
      return false;
    }
  });
}

function mexcPushes(): Buffer[] {
  const file = JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors', 'mexc.json'), 'utf8')).vectors as { kind: string; input: Record<string, unknown> }[];
  return file.filter((v) => v.kind === 'protobuf-decode').map((v) => Buffer.from(v.input.binaryHex as string, 'hex'));
}

// --- a FeedCore of one venue, on the symbols its frames name ------------------------------------

/** Routes every venue symbol, to learn which ones a venue's frames name. */
class AnySymbol extends Map<string, string> {
  override get(key: string): string { return key; }
  override has(): boolean { return true; }
}

interface VenueFrames {
  texts: string[];
  /** Binary pushes as sent (MEXC protobuf); gzip venues compress their texts instead. */
  pushes: Buffer[];
  /** Venue symbols the good frames name. */
  symbols: string[];
  /**
   * The control frames among the first ones (acks, Bitfinex `subscribed` with its channel ids):
   * fed first in every run, so mutated data frames meet a decoder that knows its channels.
   */
  prelude: string[];
}

function loadFrames(id: string): VenueFrames {
  const texts = CAPTURE[id] !== undefined ? captureFrames(id) : vectorTexts(VECTORS[id]);
  const pushes = id === 'mexc' ? mexcPushes() : [];
  const found = new Set<string>();
  const decoder = getVenue(id).createDecoder({ venue: id, symbols: new AnySymbol() });
  let touched = false;
  const saw = (s: string): void => {
    found.add(s);
    touched = true;
  };
  const sink: DecodeSink = {
    event: (ev) => saw(ev.venueSymbol), depth: saw, snapshot: saw, checksum: saw,
    reject: () => { touched = true; }, control() {}, reply() {},
  };
  const prelude: string[] = [];
  for (let i = 0; i < texts.length; i++) {
    const meta = { venue: id, connId: 1, recvSeq: i, localTs: 1 };
    touched = false;
    if (GZIP.has(id)) decoder.decodeBinary!(gzipSync(texts[i]), meta, sink);
    else decoder.decode(texts[i], meta, sink);
    if (!touched && i < 120) prelude.push(texts[i]);
  }
  for (const p of pushes) decoder.decodeBinary!(p, { venue: id, connId: 1, recvSeq: 0, localTs: 1 }, sink);
  found.delete('*');
  return { texts, pushes, symbols: [...found].slice(0, 20), prelude };
}

const DATA_TYPES = new Set(['trade', 'book_change', 'book_snapshot', 'quote', 'ticker', 'derivative', 'liquidation', 'candle']);

interface Harness {
  core: FeedCore;
  events: MarketEvent[];
  rejects: string[];
  /** Feeds one frame; returns the events it produced and how many rejects it counted. */
  feed(f: { text?: string; bytes?: Buffer }): { events: MarketEvent[]; rejects: number; reasons: string[] };
}

/** The venue's spec with its venue symbols as their own unified symbols (the frames name venue ids). */
function asVenueSymbols(spec: VenueSpec): VenueSpec {
  return { ...spec, toVenueSymbol: (s) => s, fromVenueSymbol: (s) => s };
}

function harness(id: string, symbols: string[]): Harness {
  const spec = asVenueSymbols(getVenue(id));
  const kinds = (Object.keys(spec.kinds) as Kind[]).filter((k) => spec.kinds[k]);
  const plans = spec.plan(spec.urls.ws, symbols, kinds, 20);
  const events: MarketEvent[] = [];
  const rejects: string[] = [];
  const core = new FeedCore({
    spec, symbols, kinds, depth: 20, plans, log: silentLogger, emitChanges: true,
    handlers: { event: (ev) => events.push(ev), reject: (_s, reason) => rejects.push(reason) },
    requestSnapshot: () => {},
  });
  let seq = 0;
  const frame = (connId: number, dir: RawFrame['dir'], data: string, binary = false): RawFrame => ({
    venue: id, connId, recvSeq: ++seq, localTs: 1_700_000_000_000_000 + seq, dir, data, ...(binary ? { binary: true as const } : {}),
  });
  plans.forEach((plan, i) => core.onFrame(frame(i + 1, 'conn', `open ${plan.url} plan=${planTag(i, plan)}`)));
  const bookConn = Math.max(1, plans.findIndex((p) => p.book) + 1);
  return {
    core, events, rejects,
    feed({ text, bytes }) {
      const e0 = events.length;
      const r0 = core.rejects;
      const q0 = rejects.length;
      if (bytes !== undefined) core.onFrame(frame(bookConn, 'in', bytes.toString('base64'), true));
      else core.onFrame(frame(bookConn, 'in', text!));
      return { events: events.slice(e0), rejects: core.rejects - r0, reasons: rejects.slice(q0) };
    },
  };
}

// --- what arrives: garbage and mutated real frames (test/frame-mutations.ts) -------------------

type Input =
  | { kind: 'good'; i: number }
  | { kind: 'mutated'; i: number; mutations: Mutation[] }
  | { kind: 'text'; text: string }
  | { kind: 'json'; text: string }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'push'; i: number; cut: number; flip: number; junk: Uint8Array }
  | { kind: 'goodPush'; i: number };

function inputArb(frames: VenueFrames, binary: boolean): fc.Arbitrary<Input> {
  const n = frames.texts.length;
  const parts: fc.WeightedArbitrary<Input>[] = [
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('good' as const), i: fc.nat(n - 1) }) },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('mutated' as const), i: fc.nat(n - 1), mutations: fc.array(mutationArb, { minLength: 1, maxLength: 3 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), text: fc.string({ unit: 'binary', maxLength: 60 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('json' as const), text: fc.json({ maxDepth: 3 }) }) },
  ];
  if (binary) parts.push({ weight: 1, arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 80 }) }) });
  if (frames.pushes.length > 0) {
    parts.push({ weight: 1, arbitrary: fc.record({ kind: fc.constant('goodPush' as const), i: fc.nat(frames.pushes.length - 1) }) });
    parts.push({
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('push' as const), i: fc.nat(frames.pushes.length - 1), cut: fc.nat(), flip: fc.nat(), junk: fc.uint8Array({ maxLength: 12 }),
      }),
    });
  }
  return fc.oneof(...parts);
}

/** The frame an input stands for, as FeedCore receives it. */
function frameOf(id: string, frames: VenueFrames, input: Input): { text?: string; bytes?: Buffer } {
  const gzip = GZIP.has(id);
  const asFrame = (text: string): { text?: string; bytes?: Buffer } => (gzip ? { bytes: gzipSync(text) } : { text });
  switch (input.kind) {
    case 'good': return asFrame(frames.texts[input.i]);
    case 'mutated': return asFrame(mutate(frames.texts[input.i], input.mutations));
    case 'text': return asFrame(input.text);
    case 'json': return asFrame(input.text);
    case 'bytes': return { bytes: Buffer.from(input.bytes) };
    case 'goodPush': return { bytes: frames.pushes[input.i] };
    case 'push': {
      // a push cut short, one byte changed, junk spliced in (any of them may leave it valid)
      const p = frames.pushes[input.i];
      const at = input.cut % (p.length + 1);
      const b = Buffer.concat([p.subarray(0, at), Buffer.from(input.junk), p.subarray(at + (input.flip % 3 === 0 ? 1 : 0))]);
      if (b.length > 0 && input.flip % 2 === 1) b[input.flip % b.length] ^= 0xff;
      return { bytes: b };
    }
  }
}

/** Whether a frame's text is any JSON at all (garbage that is not must be rejected). */
function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Every number of an event is finite, every decimal text a finite number, every side a side. */
function checkWellFormed(ev: MarketEvent, where: string): void {
  const r = MarketEvent.safeParse(ev);
  expect(r.success, `${where}: ${JSON.stringify(ev).slice(0, 400)} ${r.success ? '' : r.error.message.slice(0, 400)}`).toBe(true);
  const walk = (x: unknown, path: string): void => {
    if (typeof x === 'number') expect(Number.isFinite(x), `${where}: ${path} = ${x}`).toBe(true);
    else if (Array.isArray(x)) x.forEach((v, i) => walk(v, `${path}[${i}]`));
    else if (typeof x === 'object' && x !== null) for (const [k, v] of Object.entries(x)) walk(v, `${path}.${k}`);
  };
  walk(ev, ev.type);
  const decimals: string[] = [];
  if (ev.type === 'trade' || ev.type === 'liquidation') decimals.push(ev.price, ev.amount);
  if (ev.type === 'quote') decimals.push(ev.bidPrice, ev.bidAmount, ev.askPrice, ev.askAmount);
  if (ev.type === 'book_change' || ev.type === 'book_snapshot') for (const l of [...ev.bids, ...ev.asks]) decimals.push(l[0], l[1]);
  for (const d of decimals) expect(Number.isFinite(Number(d)), `${where}: decimal ${JSON.stringify(d)} in ${ev.type}`).toBe(true);
}

// --- the properties ---------------------------------------------------------------------------

/** Runs per venue (up to 15 frames each, after the prelude); FC_RUNS=1000 for a longer hunt. */
const RUNS = Number(process.env.FC_RUNS ?? 40);

describe('venue decoders through FeedCore: any frame is decoded or rejected, never thrown', () => {
  it.each(VENUE_IDS)('%s', (id) => {
    const frames = loadFrames(id);
    expect(frames.texts.length, `fixture frames for ${id}`).toBeGreaterThan(5);
    expect(frames.symbols.length, `symbols named by ${id} fixture frames`).toBeGreaterThan(0);
    const spec = getVenue(id);
    const binary = spec.createDecoder({ venue: id, symbols: new Map() }).decodeBinary !== undefined;
    let goodEvents = 0;
    fc.assert(
      fc.property(fc.array(inputArb(frames, binary), { minLength: 1, maxLength: 15 }), (inputs) => {
        const h = harness(id, frames.symbols);
        for (const text of frames.prelude) h.feed(GZIP.has(id) ? { bytes: gzipSync(text) } : { text });
        for (const input of inputs) {
          const f = frameOf(id, frames, input);
          const where = `${id} ${input.kind} ${(f.text ?? f.bytes!.toString('hex')).slice(0, 300)}`;
          let out!: ReturnType<Harness['feed']>;
          expect(() => { out = h.feed(f); }, where).not.toThrow();
          for (const reason of out.reasons) expect(reason, where).not.toMatch(/^decoder threw/);
          // a rejected frame is rejected whole: no trade, book row or other data from it
          if (out.rejects > 0) expect(out.events.filter((ev) => DATA_TYPES.has(ev.type)).map((ev) => ev.type), `${where}: rejected (${out.reasons.join('; ')}) yet produced data`).toEqual([]);
          // text that is not JSON at all is no venue's message (gzip venues: once inflated), and
          // is counted as a reject; only a keepalive answer is not (OKX "pong", BingX "Ping")
          if (input.kind === 'text' && !isJson(input.text) && spec.appPing?.isPong(input.text) !== true && !(GZIP.has(id) && input.text === 'Ping')) expect(out.rejects, `${where}: not rejected`).toBeGreaterThan(0);
          // arbitrary text, JSON and bytes are no venue's message: nothing of them becomes data
          if (input.kind === 'text' || input.kind === 'json' || input.kind === 'bytes') expect(out.events.filter((ev) => DATA_TYPES.has(ev.type)), `${where}: garbage produced data`).toEqual([]);
          if (input.kind === 'good' || input.kind === 'goodPush') goodEvents += out.events.length;
          for (const ev of out.events) checkWellFormed(ev, where);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(goodEvents, `${id}: real frames produced events`).toBeGreaterThan(0);
  });
});

// Counterexamples the properties found, pinned: a decimal text beyond the double range ("1e400",
// "1e99999") matched the decimal pattern, so trades, quotes and book levels carried prices and
// amounts that are Infinity as numbers. It is now a malformed frame (book/levels.ts isDecimalText;
// MEXC futures, whose numbers are JSON numbers kept as their lexemes: mexc/futures-wire.ts isNum).
describe('decimal texts beyond the double range are rejected, not recorded', () => {
  const cases: [string, string, string][] = [
    ['okx', 'BTC-USDT', '{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"338476330","px":"1e99999","sz":"0.0002","side":"buy","ts":"1652459229038"}]}'],
    ['binance', 'NKNUSDT', '{"stream":"nknusdt@bookTicker","data":{"u":499869981,"s":"NKNUSDT","b":"0.35240000","B":"5189.00000000","a":"0.35290000","A":"1e99999"}}'],
    ['mexc-futures', 'BTC_USDT', '{"channel":"push.deal","data":{"M":1,"O":1,"T":1,"p":6866.5,"t":1587442049632,"v":1e99999},"symbol":"BTC_USDT","ts":1587442022003}'],
    ['okcoin', 'USDC-USDT', '{"arg":{"channel":"tickers","instId":"USDC-USDT"},"data":[{"instType":"SPOT","instId":"USDC-USDT","last":"0.9981","lastSz":"2025.252725","askPx":"1e400","askSz":"4000","bidPx":"0.9987","bidSz":"2076.832799","open24h":"0.998","high24h":"0.9987","low24h":"0.998","sodUtc0":"0.9987","sodUtc8":"0.9981","volCcy24h":"1","vol24h":"1","ts":"1652459229038"}]}'],
  ];
  it.each(cases)('%s %s', (id, symbol, text) => {
    const h = harness(id, [symbol]);
    const out = h.feed({ text });
    expect(out.rejects).toBe(1);
    expect(out.events.filter((ev) => DATA_TYPES.has(ev.type))).toEqual([]);
    // the same frame with an ordinary number goes through
    const fine = h.feed({ text: text.replace(/"1e(99999|400)"/, '"1.5"').replace(/:1e99999/, ':1.5') });
    expect(fine.rejects).toBe(0);
    expect(fine.events.filter((ev) => DATA_TYPES.has(ev.type)).length).toBeGreaterThan(0);
  });
});

// The same for MEXC spot, whose protobuf strings are checked in place (digits and one dot): a
// run of 309 digits or more is Infinity as a number.
describe('MEXC spot decimal spans beyond the double range are not decimals', () => {
  it('takes plain decimals of any ordinary length, not ones that overflow', () => {
    const long = '9'.repeat(400);
    expect(isDecimalSpan(`x${long}x`, 1, 401)).toBe(false);
    expect(isDecimalSpan(`x${'9'.repeat(299)}.5x`, 1, 302)).toBe(true);
    expect(isDecimalSpan('x63310.25x', 1, 9)).toBe(true);
  });
});
