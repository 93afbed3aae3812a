// OKX v5 mode seen from a plain ws client: the sim's checksum and number texts against the vectors
// and the 2022 capture, acks, the seqId/prevSeqId chain (idle updates included) with every checksum
// and the truth at each seqId, the gap (seq check) and corrupt (checksum) faults, other channels, REST.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../../test/fixtures.js';
import { until } from '../../../test/wait.js';
import { startSim, type SimHandle } from '../index.js';
import { Formatter, type Instrument } from '../instruments.js';
import { ClientPool, type TestClient } from '../test-client.js';
import { okxChecksumOf } from './wire.js';

const vectors = JSON.parse(readFileSync(join(FIXTURES, 'protocol-vectors', 'okx.json'), 'utf8')).vectors as any[];

type Lv = [string, string];

/** A book keyed by wire strings, best first on demand. */
class OkxBook {
  bids = new Map<string, string>();
  asks = new Map<string, string>();
  apply(d: { bids: string[][]; asks: string[][] }, snapshot: boolean): void {
    if (snapshot) {
      this.bids.clear();
      this.asks.clear();
    }
    for (const [p, q] of d.bids) q === '0' ? this.bids.delete(p) : this.bids.set(p, q);
    for (const [p, q] of d.asks) q === '0' ? this.asks.delete(p) : this.asks.set(p, q);
  }
  top(side: 'bids' | 'asks', n: number): Lv[] {
    const dir = side === 'bids' ? 1 : -1;
    return [...this[side]].sort((a, b) => (Number(b[0]) - Number(a[0])) * dir).slice(0, n);
  }
  checksum(): number {
    return okxChecksumOf(this.top('bids', 25), this.top('asks', 25));
  }
}

describe('checksum and number texts against the OKX vectors', () => {
  it.each(vectors.filter((v) => v.kind === 'checksum'))('$id', (v) => {
    expect(okxChecksumOf(v.input.bids, v.input.asks)).toBe(v.expected.checksumSigned);
    // The sim's trimmed fixed-decimal texts reproduce the venue's strings ("0.0000001", "28923").
    const fmt = new Formatter({ priceDecimals: 8, qtyDecimals: 8, tickUnits: 1, stepUnits: 1 } as Instrument, 'trim');
    for (const [p, q] of [...v.input.bids, ...v.input.asks] as string[][]) {
      expect(fmt.price(Math.round(Number(p) * 1e8))).toBe(p);
      expect(fmt.qty(Math.round(Number(q) * 1e8))).toBe(q);
    }
  });

  it('reproduces every checksum of the 2022 capture (191 frames)', () => {
    const replay = vectors.find((v) => v.id === 'okx-capture-replay');
    const books = new Map<string, OkxBook>();
    let n = 0;
    for (const f of replay.input.frames) {
      const m = JSON.parse(f.raw);
      if (!m.data) continue;
      const book = books.get(m.arg.instId) ?? new OkxBook();
      books.set(m.arg.instId, book);
      book.apply(m.data[0], m.action === 'snapshot');
      expect(book.checksum()).toBe(m.data[0].checksum);
      n++;
    }
    expect(n).toBe(191);
  });
});

let sim: SimHandle | undefined;
const pool = new ClientPool();
afterEach(() => pool.close(sim));
const connect = (s: SimHandle): Promise<TestClient> => pool.connect(s.wsUrl);

interface Run { checked: number; idle: number; seqBreaks: number[]; badChecksums: number[] }

/** Follows one book channel: seq chain, checksum, and the book against truth at each seqId. */
async function follow(s: SimHandle, c: TestClient, channel: string, instId: string, updates: number, stopOnFault = false): Promise<Run> {
  const book = new OkxBook();
  const run: Run = { checked: 0, idle: 0, seqBreaks: [], badChecksums: [] };
  let last: number | undefined;
  let i = 0;
  while (run.checked < updates) {
    await until(() => c.texts.length > i);
    for (; i < c.texts.length && run.checked < updates; i++) {
      const m = JSON.parse(c.texts[i]);
      if (m.arg?.channel !== channel || m.arg.instId !== instId || !m.data) continue;
      const d = m.data[0];
      if (m.action === 'snapshot') expect(d.prevSeqId).toBe(-1);
      else if (d.prevSeqId !== last) {
        run.seqBreaks.push(d.seqId);
        if (stopOnFault) return run;
      }
      if (m.action === 'update' && d.seqId === d.prevSeqId) run.idle++;
      last = d.seqId;
      book.apply(d, m.action === 'snapshot');
      if (book.checksum() !== d.checksum) {
        run.badChecksums.push(d.seqId);
        if (stopOnFault) return run;
        continue;
      }
      const truth = s.truth.topAt(instId, d.seqId);
      expect(truth, `truth at ${d.seqId}`).toBeDefined();
      expect({ bids: book.top('bids', 50), asks: book.top('asks', 50) }).toEqual(truth);
      run.checked++;
    }
  }
  return run;
}

describe('okx v5 websocket', () => {
  it('books: ack, snapshot, an unbroken seq chain with idle updates, checksums and truth at every seqId', async () => {
    sim = await startSim({ venue: 'okx', symbols: ['BTC/USDT', 'ETH-USDT-SWAP'], seed: 5, diffIntervalMs: 5, okxIdleEvery: 20 });
    expect(sim.venueSymbols).toEqual(['BTC-USDT', 'ETH-USDT-SWAP']);
    const c = await connect(sim);
    c.send({ op: 'subscribe', args: [{ channel: 'books', instId: 'BTC-USDT' }, { channel: 'books-l2-tbt', instId: 'ETH-USDT-SWAP' }] });
    expect(await until(() => c.msgs().find((m) => m.event === 'subscribe'))).toMatchObject({ arg: { channel: 'books', instId: 'BTC-USDT' } });
    const run = await follow(sim, c, 'books', 'BTC-USDT', 120);
    expect(run.seqBreaks).toEqual([]);
    expect(run.badChecksums).toEqual([]);
    expect(run.idle).toBeGreaterThan(0);
    const swap = await follow(sim, c, 'books-l2-tbt', 'ETH-USDT-SWAP', 60);
    expect(swap.seqBreaks.length + swap.badChecksums.length).toBe(0);
    const snap = c.msgs().find((m) => m.action === 'snapshot' && m.arg.instId === 'BTC-USDT');
    expect(snap.data[0].bids.length).toBe(400);
    expect(snap.data[0].bids[0]).toHaveLength(4);
  });

  it('gap: the seq chain breaks right after the dropped message', async () => {
    sim = await startSim({ venue: 'okx', symbols: ['BTC-USDT'], seed: 9, diffIntervalMs: 5 });
    const c = await connect(sim);
    c.send({ op: 'subscribe', args: [{ channel: 'books', instId: 'BTC-USDT' }] });
    await follow(sim, c, 'books', 'BTC-USDT', 20);
    sim.inject('gap');
    await until(() => sim!.injected.gaps.length === 1);
    const run = await follow(sim, c, 'books', 'BTC-USDT', 10_000, true);
    expect(run.seqBreaks.length).toBe(1);
    expect(run.seqBreaks[0]).toBeGreaterThan(sim.injected.gaps[0].skippedTo);
  });

  it('corrupt: the altered level fails the checksum of that message (seq chain intact)', async () => {
    sim = await startSim({ venue: 'okx', symbols: ['BTC-USDT'], seed: 4, diffIntervalMs: 5 });
    const c = await connect(sim);
    c.send({ op: 'subscribe', args: [{ channel: 'books', instId: 'BTC-USDT' }] });
    await follow(sim, c, 'books', 'BTC-USDT', 20);
    sim.inject('corrupt');
    await until(() => sim!.injected.corruptions.length === 1);
    const run = await follow(sim, c, 'books', 'BTC-USDT', 10_000, true);
    expect(run.seqBreaks).toEqual([]);
    expect(run.badChecksums).toEqual([sim.injected.corruptions[0].key]);
  });

  it('books5, bbo-tbt, trades, tickers, funding-rate, open-interest, ping, errors', async () => {
    sim = await startSim({ venue: 'okx', symbols: ['BTC/USDT:USDT', 'BTC/USDT'], seed: 1, diffIntervalMs: 5 });
    const c = await connect(sim);
    const id = 'BTC-USDT-SWAP';
    c.send({ op: 'subscribe', args: ['books5', 'bbo-tbt', 'trades', 'tickers', 'funding-rate', 'open-interest'].map((channel) => ({ channel, instId: id })) });
    c.send({ op: 'subscribe', args: [{ channel: 'funding-rate', instId: 'BTC-USDT' }] });
    c.send('ping');
    const of = (ch: string): any => until(() => c.msgs().find((m) => m.arg?.channel === ch && m.data));
    expect((await of('books5')).data[0].bids).toHaveLength(5);
    expect((await of('bbo-tbt')).data[0].asks).toHaveLength(1);
    expect((await of('trades')).data[0]).toMatchObject({ instId: id });
    expect((await of('tickers')).data[0]).toMatchObject({ instType: 'SWAP', instId: id });
    expect((await of('funding-rate')).data[0]).toMatchObject({ instType: 'SWAP', instId: id });
    expect((await of('open-interest')).data[0]).toMatchObject({ instType: 'SWAP', instId: id });
    await until(() => c.texts.includes('pong'));
    expect(c.msgs().find((m) => m.event === 'error')).toMatchObject({ code: '60018' });
  });

  it('REST instruments and books (seqId = a truth key), stale/429 faults, shutdown notice', async () => {
    sim = await startSim({ venue: 'okx', symbols: ['BTC/USDT', 'BTC/USDT:USDT'], seed: 1, diffIntervalMs: 5 });
    const spot = (await (await fetch(`${sim.restUrl}/api/v5/public/instruments?instType=SPOT`)).json()) as any;
    expect(spot.data).toEqual([expect.objectContaining({ instId: 'BTC-USDT', instType: 'SPOT', tickSz: '0.1', baseCcy: 'BTC' })]);
    const swap = (await (await fetch(`${sim.restUrl}/api/v5/public/instruments?instType=SWAP`)).json()) as any;
    expect(swap.data).toEqual([expect.objectContaining({ instId: 'BTC-USDT-SWAP', ctType: 'linear', settleCcy: 'USDT', lotSz: '0.01' })]);
    await until(() => sim!.truth.lastUpdateId('BTC-USDT') > sim!.truth.firstUpdateId('BTC-USDT'));
    const b = ((await (await fetch(`${sim.restUrl}/api/v5/market/books?instId=BTC-USDT&sz=50`)).json()) as any).data[0];
    expect(b.bids).toHaveLength(50);
    expect({ bids: b.bids.map((l: string[]) => l.slice(0, 2)), asks: b.asks.map((l: string[]) => l.slice(0, 2)) }).toEqual(sim.truth.topAt('BTC-USDT', b.seqId));
    await new Promise((r) => setTimeout(r, 1100));
    sim.inject('stalesnapshot');
    const stale = ((await (await fetch(`${sim.restUrl}/api/v5/market/books?instId=BTC-USDT&sz=5`)).json()) as any).data[0];
    expect(stale.seqId).toBeLessThan(b.seqId);
    sim.inject('ratelimit');
    const limited = await fetch(`${sim.restUrl}/api/v5/market/books?instId=BTC-USDT`);
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({ code: '50011' });
    const c = await connect(sim);
    const closed = new Promise<number>((r) => c.ws.once('close', (code) => r(code)));
    sim.inject('shutdown');
    expect(await closed).toBe(1001);
    expect(c.msgs()).toContainEqual(expect.objectContaining({ event: 'notice', code: '64008' }));
  });

  it('okxChecksumZero sends checksum 0 and refuses the corrupt fault', async () => {
    sim = await startSim({ venue: 'okx', symbols: ['BTC-USDT'], seed: 1, okxChecksumZero: true });
    const c = await connect(sim);
    c.send({ op: 'subscribe', args: [{ channel: 'books', instId: 'BTC-USDT' }] });
    expect((await until(() => c.msgs().find((m) => m.action === 'snapshot'))).data[0].checksum).toBe(0);
    expect(() => sim!.inject('corrupt')).toThrow(/corrupt is not supported by the okx mode/);
  });
});
