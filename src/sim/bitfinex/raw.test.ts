// Bitfinex raw (R0) books seen from a plain ws client: subscribed, a snapshot of orders, per-order
// updates (price 0 = gone); the client keeps its own order book, checks every `cs` with §5's R0 rule
// (top 25 orders a side, price then ascending id, `id:amount`), and checks its orders summed per
// price against the price-level truth at the batch mts. Also BULK, P0 beside R0, gap and corrupt.
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../../test/wait.js';
import { startSim, type SimHandle } from '../index.js';
import { ClientPool, type TestClient } from '../test-client.js';

const TS = 32768;
const SEQ = 65536;
const CS = 131072;
const BULK = 536870912;
const units = (amount: number | string): number => Math.round(Math.abs(Number(amount)) * 1e8);

/** An R0 book per PROTOCOLS.md §5: entries [ORDER_ID, PRICE, AMOUNT], PRICE 0 removes the order. */
class RawBook {
  readonly orders = new Map<number, { price: number; amount: number }>();
  apply([id, price, amount]: number[]): void {
    if (price === 0) this.orders.delete(id);
    else this.orders.set(id, { price, amount });
  }
  /** One side best first: price, then ascending order id. */
  side(bid: boolean): [number, number, number][] {
    const out: [number, number, number][] = [];
    for (const [id, o] of this.orders) if (o.amount > 0 === bid) out.push([id, o.price, o.amount]);
    return out.sort((x, y) => (bid ? y[1] - x[1] : x[1] - y[1]) || x[0] - y[0]);
  }
  checksum(): number {
    const bids = this.side(true);
    const asks = this.side(false);
    const parts: string[] = [];
    for (let i = 0; i < 25; i++) {
      if (i < bids.length) parts.push(String(bids[i][0]), String(bids[i][2]));
      if (i < asks.length) parts.push(String(asks[i][0]), String(asks[i][2]));
    }
    return crc32(Buffer.from(parts.join(':'))) | 0;
  }
  /** Orders summed per price, best first: [price text, amount in 1e-8 units]. */
  levels(bid: boolean): [string, number][] {
    const out: [string, number][] = [];
    for (const [, price, amount] of this.side(bid)) {
      const last = out.at(-1);
      if (last && last[0] === String(price)) last[1] += units(amount);
      else out.push([String(price), units(amount)]);
    }
    return out;
  }
}

/** A P0 book (§5: COUNT 0 deletes), to check that a P0 subscriber beside R0 sees the same faults. */
class LevelBook {
  readonly levels = new Map<number, number>();
  apply([price, count, amount]: number[]): void {
    if (count === 0) this.levels.delete(amount > 0 ? price : -price);
    else this.levels.set(amount > 0 ? price : -price, amount);
  }
  checksum(): number {
    const bids = [...this.levels].filter((e) => e[1] > 0).sort((x, y) => y[0] - x[0]);
    const asks = [...this.levels].filter((e) => e[1] < 0).sort((x, y) => y[0] - x[0]);
    const parts: string[] = [];
    for (let i = 0; i < 25; i++) {
      if (i < bids.length) parts.push(String(bids[i][0]), String(bids[i][1]));
      if (i < asks.length) parts.push(String(-asks[i][0]), String(asks[i][1]));
    }
    return crc32(Buffer.from(parts.join(':'))) | 0;
  }
}

/** The mts keys of the P0 channel's `cs` frames that did not match its book. */
function p0Mismatches(c: TestClient, chanId: number): number[] {
  const book = new LevelBook();
  const bad: number[] = [];
  for (const m of c.msgs()) {
    if (!Array.isArray(m) || m[0] !== chanId || m[1] === 'hb') continue;
    if (m[1] === 'cs') {
      if (book.checksum() !== m[2]) bad.push(m.at(-1) * 1000);
    } else for (const e of Array.isArray(m[1][0]) ? m[1] : [m[1]]) book.apply(e);
  }
  return bad;
}

let sim: SimHandle | undefined;
const pool = new ClientPool();
afterEach(() => pool.close(sim));

interface Run { checked: number; bad: number[]; seqs: number[]; deletes: number; snapshot: number[][] }

/**
 * Follows an R0 channel (flags TIMESTAMP|SEQ_ALL|OB_CHECKSUM[|BULK]) until `checks` good `cs`; the
 * top `depth` levels (≤ len, ≤ truthDepth 50) are compared with truth.
 */
async function follow(s: SimHandle, c: TestClient, symbol: string, chanId: number, checks: number, stopOnBad = false, depth = 25): Promise<Run> {
  const book = new RawBook();
  const run: Run = { checked: 0, bad: [], seqs: [], deletes: 0, snapshot: [] };
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
        const lv = (l: [string, string]): [string, number] => [l[0], units(l[1])];
        expect({ bids: book.levels(true).slice(0, depth), asks: book.levels(false).slice(0, depth) })
          .toEqual({ bids: truth!.bids.slice(0, depth).map(lv), asks: truth!.asks.slice(0, depth).map(lv) });
        run.checked++;
      } else {
        const entries: number[][] = Array.isArray(m[1][0]) ? m[1] : [m[1]];
        if (run.snapshot.length === 0) run.snapshot = entries;
        for (const e of entries) {
          if (e[1] === 0) run.deletes++;
          book.apply(e);
        }
      }
    }
  }
  return run;
}

async function subscribe(c: TestClient, flags: number, symbol = 'tBTCUSD', len = '25', prec = 'R0'): Promise<number> {
  c.send({ event: 'conf', flags });
  c.send({ event: 'subscribe', channel: 'book', symbol, prec, freq: 'F0', len });
  return (await until(() => c.msgs().find((m) => m.event === 'subscribed' && m.symbol === symbol && m.prec === prec))).chanId;
}

describe('bitfinex raw (R0) books', () => {
  it('subscribed R0; snapshot of orders; every cs matches the R0 rule; orders per price equal truth; SEQ contiguous', async () => {
    sim = await startSim({ venue: 'bitfinex', symbols: ['BTC/USD'], seed: 5, diffIntervalMs: 5 });
    const c = await pool.connect(sim.wsUrl);
    const chanId = await subscribe(c, TS + SEQ + CS);
    expect(c.msgs().find((m) => m.event === 'subscribed')).toEqual({
      event: 'subscribed', channel: 'book', chanId, symbol: 'tBTCUSD', prec: 'R0', freq: 'F0', len: '25', pair: 'BTCUSD',
    });
    const run = await follow(sim, c, 'tBTCUSD', chanId, 100);
    expect(run.bad).toEqual([]);
    for (let i = 1; i < run.seqs.length; i++) expect(run.seqs[i]).toBe(run.seqs[i - 1] + 1);
    // 25 price levels a side, each 1–3 orders; ids above 2^32; bids positive, then asks negative.
    expect(run.snapshot.length).toBeGreaterThanOrEqual(50);
    expect(run.snapshot.length).toBeLessThanOrEqual(150);
    for (const e of run.snapshot) {
      expect(e).toHaveLength(3);
      expect(Number.isInteger(e[0]) && e[0] > 2 ** 32).toBe(true);
    }
    const firstAsk = run.snapshot.findIndex((e) => e[2] < 0);
    expect(run.snapshot.slice(firstAsk).every((e) => e[2] < 0)).toBe(true);
    expect(run.deletes).toBeGreaterThan(0);
  });

  it('BULK at len 100, with a P0 channel of the same symbol on the same connection', async () => {
    sim = await startSim({ venue: 'bitfinex', symbols: ['ETH/USD'], seed: 6, diffIntervalMs: 5 });
    const c = await pool.connect(sim.wsUrl);
    const p0 = await subscribe(c, TS + SEQ + CS + BULK, 'tETHUSD', '25', 'P0');
    const r0 = await subscribe(c, TS + SEQ + CS + BULK, 'tETHUSD', '100');
    expect(r0).not.toBe(p0);
    const run = await follow(sim, c, 'tETHUSD', r0, 60, false, 50);
    expect(run.bad).toEqual([]);
    // One message per batch: no single-entry update frames on the raw channel.
    expect(c.msgs().filter((m) => Array.isArray(m) && m[0] === r0 && Array.isArray(m[1]) && !Array.isArray(m[1][0]))).toEqual([]);
    expect(c.msgs().some((m) => Array.isArray(m) && m[0] === p0 && m[1] === 'cs')).toBe(true);
  });

  it('len 1 and P1 refused, dup refused; unsubscribe and subscribe again gives a matching book', async () => {
    sim = await startSim({ venue: 'bitfinex', symbols: ['BTC/USD'], seed: 2, diffIntervalMs: 5 });
    const c = await pool.connect(sim.wsUrl);
    c.send({ event: 'subscribe', channel: 'book', symbol: 'tBTCUSD', prec: 'R0', len: '1' });
    c.send({ event: 'subscribe', channel: 'book', symbol: 'tBTCUSD', prec: 'P1' });
    const first = await subscribe(c, TS + SEQ + CS);
    c.send({ event: 'subscribe', channel: 'book', symbol: 'tBTCUSD', prec: 'R0', len: '25' });
    await until(() => c.msgs().filter((m) => m.event === 'error').length === 3);
    expect(c.msgs().filter((m) => m.event === 'error').map((m) => [m.code, m.msg])).toEqual([
      [10300, 'len: invalid'], [10300, 'prec: P1 is not simulated (P0 and R0 only)'], [10301, 'subscribe: dup'],
    ]);
    c.send({ event: 'unsubscribe', chanId: first });
    await until(() => c.msgs().find((m) => m.event === 'unsubscribed'));
    const c2 = await pool.connect(sim.wsUrl);
    const again = await subscribe(c2, TS + SEQ + CS);
    expect((await follow(sim, c2, 'tBTCUSD', again, 30)).bad).toEqual([]);
  });

  it('gap and corrupt are each caught by the next cs (R0, and P0 beside it)', async () => {
    sim = await startSim({ venue: 'bitfinex', symbols: ['BTC/USD'], seed: 9, diffIntervalMs: 5 });
    const c = await pool.connect(sim.wsUrl);
    const p0 = await subscribe(c, TS + SEQ + CS, 'tBTCUSD', '25', 'P0');
    const chanId = await subscribe(c, TS + SEQ + CS);
    await follow(sim, c, 'tBTCUSD', chanId, 10);
    sim.inject('corrupt');
    await until(() => sim!.injected.corruptions.length === 1);
    const run = await follow(sim, c, 'tBTCUSD', chanId, 10_000, true);
    const corruption = sim.injected.corruptions[0];
    expect(run.bad).toEqual([corruption.key]);
    expect(p0Mismatches(c, p0)[0]).toBe(corruption.key);
    expect(units(corruption.sentQty) - units(corruption.trueQty)).toBe(units('0.00001')); // one BTC/USD lot
    const c2 = await pool.connect(sim.wsUrl);
    const chan2 = await subscribe(c2, TS + SEQ + CS);
    await follow(sim, c2, 'tBTCUSD', chan2, 10);
    sim.inject('gap');
    await until(() => sim!.injected.gaps.length === 1);
    const run2 = await follow(sim, c2, 'tBTCUSD', chan2, 10_000, true);
    expect(run2.bad.length).toBe(1);
    expect(run2.bad[0]).toBeGreaterThan(sim.injected.gaps[0].skippedTo);
  });

  it('stall (20060/20061) then the book goes on matching; malformed, shutdown reach R0 subscribers', async () => {
    sim = await startSim({ venue: 'bitfinex', symbols: ['BTC/USD'], seed: 3, diffIntervalMs: 5 });
    const c = await pool.connect(sim.wsUrl);
    const chanId = await subscribe(c, TS + SEQ + CS);
    await follow(sim, c, 'tBTCUSD', chanId, 5);
    sim.inject('stall', { durationMs: 200 });
    await until(() => c.msgs().find((m) => m.code === 20061), 3000);
    expect((await follow(sim, c, 'tBTCUSD', chanId, 40)).bad).toEqual([]);
    const before = c.texts.length;
    sim.inject('malformed');
    // A frame with no usable data: not JSON, `[chan]`, or an object where the book entry goes.
    const unusable = (t: string): boolean => {
      try {
        const m = JSON.parse(t);
        return Array.isArray(m) && (m.length === 1 || (typeof m[1] === 'object' && !Array.isArray(m[1])));
      } catch {
        return true;
      }
    };
    await until(() => c.texts.slice(before).some(unusable));
    const closed = new Promise<number>((r) => c.ws.once('close', (code) => r(code)));
    sim.inject('shutdown');
    expect(await closed).toBe(1001);
    expect(c.msgs().find((m) => m.code === 20051)).toMatchObject({ event: 'info' });
  });
});
