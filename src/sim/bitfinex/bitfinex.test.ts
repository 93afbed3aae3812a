// Bitfinex v2 mode seen from a plain ws client: the sim's checksum and JS number texts against the
// recorded vectors, info/conf/subscribed, a P0 book whose every `cs` matches and equals truth at
// its mts, SEQ_ALL and BULK, the gap and corrupt faults caught by `cs`, other channels, REST, info codes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/fixtures.js';
import { until } from '../../../test/wait.js';
import { startSim, type SimHandle } from '../index.js';
import { Formatter, type Instrument } from '../instruments.js';
import { ClientPool, type TestClient } from '../test-client.js';
import { bfxAmount, bfxPrice, bitfinexChecksumOf } from './wire.js';

const vectors = JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors', 'bitfinex.json'), 'utf8')).vectors as any[];
const TS = 32768;
const SEQ = 65536;
const CS = 131072;
const BULK = 536870912;

describe('checksum and number texts against the Bitfinex vectors', () => {
  it.each(vectors.filter((v) => v.kind === 'checksum'))('$id', (v) => {
    const raw = v.input.precision === 'R0';
    const pick = (e: number[]): number[] => (raw ? [e[0], e[2]] : [e[0], e[2]]);
    const { bids, asks } = v.input.bookEntries;
    const want = v.expected.checksumSigned ?? (v.expected.checksumUnsigned | 0);
    expect(bitfinexChecksumOf(bids.map(pick), asks.map(pick))).toBe(want);
    if (raw) return;
    // The sim's texts (fixed decimals → JS number) are the venue's: 1.5e-7 stays in exponent form.
    const fmt = new Formatter({ priceDecimals: 8, qtyDecimals: 8, tickUnits: 1, stepUnits: 1 } as Instrument);
    for (const [p, , a] of [...bids, ...asks] as number[][]) {
      expect(bfxPrice(fmt, Math.round(p * 1e8))).toBe(String(p));
      expect(bfxAmount(fmt, Math.round(Math.abs(a) * 1e8), a < 0)).toBe(String(a));
    }
  });

  it.each(vectors.filter((v) => v.kind === 'checksum-string'))('$id', (v) => {
    const pick = (e: number[]): number[] => (v.input.precision === 'R0' ? [e[0], e[2]] : [e[0], e[2]]);
    expect(bitfinexChecksumOf(v.input.bids.map(pick), v.input.asks.map(pick))).toBe(v.expected.checksumSigned);
  });
});

/** A P0 book per the doc: count 0 deletes (amount 1 bids, -1 asks), amount sign picks the side. */
class BfxBook {
  bids = new Map<number, number>();
  asks = new Map<number, number>();
  apply([p, c, a]: number[]): void {
    const side = a > 0 ? this.bids : this.asks;
    if (c === 0) side.delete(p);
    else side.set(p, a);
  }
  top(side: 'bids' | 'asks', n: number): number[][] {
    const dir = side === 'bids' ? 1 : -1;
    return [...this[side]].sort((x, y) => (y[0] - x[0]) * dir).slice(0, n);
  }
  checksum(): number {
    return bitfinexChecksumOf(this.top('bids', 25), this.top('asks', 25));
  }
}

let sim: SimHandle | undefined;
const pool = new ClientPool();
afterEach(() => pool.close(sim));
const connect = (s: SimHandle): Promise<TestClient> => pool.connect(s.wsUrl);

interface Run { checked: number; bad: number[]; seqs: number[] }

/** Follows the book channel (flags TIMESTAMP|SEQ_ALL|OB_CHECKSUM[|BULK]); checks each `cs` and truth. */
async function follow(s: SimHandle, c: TestClient, symbol: string, chanId: number, checks: number, stopOnBad = false): Promise<Run> {
  const book = new BfxBook();
  const run: Run = { checked: 0, bad: [], seqs: [] };
  let snapshot = true;
  let i = 0;
  while (run.checked < checks) {
    await until(() => c.texts.length > i);
    for (; i < c.texts.length && run.checked < checks; i++) {
      const m = JSON.parse(c.texts[i]);
      if (!Array.isArray(m)) continue;
      run.seqs.push(m.at(-2));
      if (m[0] !== chanId || m[1] === 'hb') continue;
      if (m[1] === 'cs') {
        const key = m.at(-1) * 1000;
        if (book.checksum() !== m[2]) {
          run.bad.push(key);
          if (stopOnBad) return run;
          continue;
        }
        const truth = s.truth.topAt(symbol, key);
        expect(truth, `truth at ${m.at(-1)}`).toBeDefined();
        const fmt = (l: number[]): string[] => [String(l[0]), String(Math.abs(l[1]))];
        expect({ bids: book.top('bids', 25).map(fmt), asks: book.top('asks', 25).map(fmt) })
          .toEqual({ bids: truth!.bids.slice(0, 25), asks: truth!.asks.slice(0, 25) });
        run.checked++;
      } else if (Array.isArray(m[1][0])) {
        if (snapshot) {
          book.bids.clear();
          book.asks.clear();
          snapshot = false;
        }
        for (const e of m[1]) book.apply(e);
      } else {
        book.apply(m[1]);
      }
    }
  }
  return run;
}

async function subscribeBook(c: TestClient, flags: number, symbol = 'tBTCUSD', len = '25'): Promise<number> {
  c.send({ event: 'conf', flags });
  c.send({ event: 'subscribe', channel: 'book', symbol, prec: 'P0', freq: 'F0', len });
  return (await until(() => c.msgs().find((m) => m.event === 'subscribed' && m.symbol === symbol))).chanId;
}

describe('bitfinex v2 websocket', () => {
  it('info, conf, subscribed; every cs matches and the book equals truth at its mts; SEQ_ALL is contiguous', async () => {
    sim = await startSim({ venue: 'bitfinex', symbols: ['BTC/USD', 'ETH/USDT'], seed: 5, diffIntervalMs: 5 });
    expect(sim.venueSymbols).toEqual(['tBTCUSD', 'tETHUST']);
    const c = await connect(sim);
    await until(() => c.msgs().find((m) => m.event === 'info'));
    expect(c.msgs()[0]).toMatchObject({ event: 'info', version: 2, platform: { status: 1 } });
    const chanId = await subscribeBook(c, TS + SEQ + CS);
    expect(c.msgs().find((m) => m.event === 'conf')).toEqual({ event: 'conf', status: 'OK', flags: TS + SEQ + CS });
    expect(c.msgs().find((m) => m.event === 'subscribed')).toMatchObject({ channel: 'book', prec: 'P0', len: '25', pair: 'BTCUSD' });
    const run = await follow(sim, c, 'tBTCUSD', chanId, 100);
    expect(run.bad).toEqual([]);
    for (let i = 1; i < run.seqs.length; i++) expect(run.seqs[i]).toBe(run.seqs[i - 1] + 1);
    const snap = c.msgs().find((m) => Array.isArray(m) && Array.isArray(m[1]) && Array.isArray(m[1][0]));
    expect(snap[1]).toHaveLength(50);
  });

  it('BULK flag: one array per update batch, still matching', async () => {
    sim = await startSim({ venue: 'bitfinex', symbols: ['ETH/USD'], seed: 6, diffIntervalMs: 5 });
    const c = await connect(sim);
    const chanId = await subscribeBook(c, TS + SEQ + CS + BULK, 'tETHUSD', '100');
    const run = await follow(sim, c, 'tETHUSD', chanId, 60);
    expect(run.bad).toEqual([]);
  });

  it('gap and corrupt are each caught by the next cs', async () => {
    sim = await startSim({ venue: 'bitfinex', symbols: ['BTC/USD'], seed: 9, diffIntervalMs: 5 });
    const c = await connect(sim);
    const chanId = await subscribeBook(c, TS + SEQ + CS);
    await follow(sim, c, 'tBTCUSD', chanId, 10);
    sim.inject('corrupt');
    await until(() => sim!.injected.corruptions.length === 1);
    const run = await follow(sim, c, 'tBTCUSD', chanId, 10_000, true);
    expect(run.bad).toEqual([sim.injected.corruptions[0].key]);
    const c2 = await connect(sim);
    const chan2 = await subscribeBook(c2, TS + SEQ + CS);
    await follow(sim, c2, 'tBTCUSD', chan2, 10);
    sim.inject('gap');
    await until(() => sim!.injected.gaps.length === 1);
    const run2 = await follow(sim, c2, 'tBTCUSD', chan2, 10_000, true);
    expect(run2.bad.length).toBe(1);
    expect(run2.bad[0]).toBeGreaterThan(sim.injected.gaps[0].skippedTo);
  });

  it('trades (snapshot, te, tu), ticker, hb, ping, unsubscribe, errors', async () => {
    sim = await startSim({ venue: 'bitfinex', symbols: ['BTC/USD'], seed: 1, diffIntervalMs: 5, heartbeatMs: 500 });
    const c = await connect(sim);
    c.send({ event: 'subscribe', channel: 'trades', symbol: 'tBTCUSD' });
    c.send({ event: 'subscribe', channel: 'ticker', symbol: 'tBTCUSD' });
    c.send({ event: 'subscribe', channel: 'book', symbol: 'tBTCUSD', prec: 'P1' }); // P1–P4 are not simulated
    c.send({ event: 'subscribe', channel: 'book', symbol: 'tXYZUSD' });
    c.send({ event: 'ping', cid: 42 });
    const trades = await until(() => c.msgs().find((m) => m.event === 'subscribed' && m.channel === 'trades'));
    const ticker = await until(() => c.msgs().find((m) => m.event === 'subscribed' && m.channel === 'ticker'));
    const te = await until(() => c.msgs().find((m) => Array.isArray(m) && m[0] === trades.chanId && m[1] === 'te'));
    expect(te[2]).toHaveLength(4);
    await until(() => c.msgs().find((m) => Array.isArray(m) && m[0] === trades.chanId && m[1] === 'tu'));
    expect((await until(() => c.msgs().find((m) => Array.isArray(m) && m[0] === ticker.chanId)))[1]).toHaveLength(10);
    expect(c.msgs().find((m) => m.event === 'pong')).toMatchObject({ cid: 42 });
    expect(c.msgs().filter((m) => m.event === 'error').map((m) => m.code)).toEqual([10300, 10300]);
    // The ticker channel only speaks once a second: with heartbeatMs 500 it is quiet long enough for hb.
    await until(() => c.msgs().find((m) => Array.isArray(m) && m[1] === 'hb'), 3000);
    c.send({ event: 'unsubscribe', chanId: trades.chanId });
    expect(await until(() => c.msgs().find((m) => m.event === 'unsubscribed'))).toEqual({ event: 'unsubscribed', status: 'OK', chanId: trades.chanId });
  });

  it('REST pair list and book, 429, info 20060/20061 around a stall, 20051 on shutdown', async () => {
    sim = await startSim({ venue: 'bitfinex', symbols: ['BTC/USD', 'TESTBTC/TESTUSD'], seed: 1, diffIntervalMs: 5 });
    expect(await (await fetch(`${sim.restUrl}/v2/conf/pub:list:pair:exchange`)).json()).toEqual([['BTCUSD', 'TESTBTC:TESTUSD']]);
    const book = (await (await fetch(`${sim.restUrl}/v2/book/tBTCUSD/P0?len=25`)).json()) as any;
    expect(book).toHaveLength(50);
    expect(book[0][2]).toBeGreaterThan(0);
    expect(book[25][2]).toBeLessThan(0);
    sim.inject('ratelimit');
    const limited = await fetch(`${sim.restUrl}/v2/book/tBTCUSD/P0`);
    expect(limited.status).toBe(429);
    const c = await connect(sim);
    sim.inject('stall', { durationMs: 300 });
    await until(() => c.msgs().find((m) => m.code === 20060));
    await until(() => c.msgs().find((m) => m.code === 20061), 3000);
    const closed = new Promise<number>((r) => c.ws.once('close', (code) => r(code)));
    sim.inject('shutdown');
    expect(await closed).toBe(1001);
    expect(c.msgs().find((m) => m.code === 20051)).toMatchObject({ event: 'info' });
  });
});
