// Acceptance of `record --serve` against the simulator: relayed books and /snapshot equal the
// simulator's ground truth at their update id; 100 relay clients at once; a client that stops
// reading is closed (1013) while the recording stays whole (validate exit 0, every book row equal
// to the truth); bad input gets a 4xx / a 1008 and one line, and the server keeps serving.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { runCli, type CliResult } from './cli.js';
import { readKind } from './ledger.js';
import { expectTruth, getJson, RelayClient, startServing, until, type ServingCli } from './serving.js';

const DEPTH = 50;

describe('record --serve: relay and REST against the simulator', () => {
  let sim: SimHandle;
  let rec: ServingCli;
  let result: CliResult | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-serve-relay-'));

  beforeAll(async () => {
    sim = await startSim({ symbols: ['BTCUSDT', 'ETHUSDT'], seed: 21, diffIntervalMs: 4, truthHistory: 400_000 });
    rec = await startServing([
      'record', '--venue', 'binance', '--symbols', 'BTC/USDT,ETH/USDT', '--ws-url', sim.wsUrl, '--rest-url', sim.restUrl,
      '--data-dir', dataDir, '--depth', String(DEPTH), '--no-status', '--log-level', 'warn',
      '--serve', '--serve-port', '0', '--metrics-port', '0', '--serve-client-queue', '64', '--storage-flush-interval-s', '0.2',
    ]);
    await until(async () => {
      const s = await getJson(`${rec.http}streams`);
      return s.body?.streams?.every((x: any) => x.state === 'SYNCED');
    }, 20_000, 'both books SYNCED');
  }, 60_000);

  afterAll(async () => {
    if (result === undefined) rec?.child.kill('SIGKILL');
    await sim?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('relays trades and books; every relayed book equals the ground truth at its update id', async () => {
    const c = new RelayClient(`${rec.relay}?exchange=binance&symbol=BTCUSDT&channels=trades,book&depth=10`);
    await c.opened;
    await until(() => c.books().length >= 50 && c.messages.some((m) => m.type === 'trade'), 15_000, 'books and trades');
    c.close();
    // the first message is the current verified book
    expect(c.messages[0].type).toBe('book_snapshot');
    let checked = 0;
    for (const b of c.books()) {
      expect(b).toMatchObject({ venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', depth: 10 });
      expect(b.bids.length).toBe(10);
      if (expectTruth(sim, b)) checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(50);
    for (const t of c.messages.filter((m) => m.type === 'trade')) {
      expect(t).toMatchObject({ venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT' });
      expect(typeof t.price).toBe('string');
    }
    expect(c.messages.every((m) => m.type === 'trade' || m.type === 'book_snapshot')).toBe(true);
  });

  it('GET /snapshot equals the ground truth at its update id, by venue id or unified symbol', async () => {
    let checked = 0;
    for (let i = 0; i < 20; i++) {
      const symbol = i % 2 === 0 ? 'ETHUSDT' : 'eth/usdt';
      const r = await getJson(`${rec.http}snapshot?exchange=binance&symbol=${encodeURIComponent(symbol)}&depth=${5 + i}`);
      expect(r.status, r.text).toBe(200);
      expect(r.body).toMatchObject({ venue: 'binance', symbol: 'ETH/USDT', state: 'SYNCED' });
      expect(r.body.bids.length).toBe(5 + i);
      if (expectTruth(sim, { ...r.body, venueSymbol: 'ETHUSDT' })) checked++;
    }
    expect(checked).toBe(20);
  });

  it('serves 100 relay clients at once, each with verified books', async () => {
    const clients = Array.from({ length: 100 }, (_, i) => new RelayClient(`${rec.relay}?exchange=binance&symbol=${i % 2 ? 'BTCUSDT' : 'ETHUSDT'}&channels=book&depth=5`));
    await Promise.all(clients.map((c) => c.opened));
    await until(() => clients.every((c) => c.books().length >= 3), 15_000, '3 books on each of 100 clients');
    const streams = await getJson(`${rec.http}metrics`);
    expect(streams.text).toMatch(/^marketfeed_relay_clients 100$/m);
    for (const c of clients) c.close();
    let checked = 0;
    for (const c of clients) for (const b of c.books().slice(0, 3)) if (expectTruth(sim, b)) checked++;
    expect(checked).toBe(300);
  });

  it('answers subscribe and unsubscribe on one socket', async () => {
    const c = new RelayClient(rec.relay);
    await c.opened;
    c.send({ op: 'subscribe', exchange: 'binance', symbol: 'ETH/USDT', channels: ['book'], depth: 3 });
    await until(() => c.books().length >= 2, 10_000, 'books after subscribe');
    expect(c.messages[0]).toEqual({ op: 'subscribed', exchange: 'binance', symbol: 'ETHUSDT', channels: ['book'], depth: 3 });
    expect(c.books()[0].bids.length).toBe(3);
    c.send({ op: 'subscribe', exchange: 'binance', symbol: 'DOGEUSDT' });
    c.send({ op: 'subscribe', exchange: 'binance', symbol: 'BTCUSDT', channels: ['nope'] });
    c.send({ op: 'dance' });
    c.ws.send('not json');
    await until(() => c.messages.filter((m) => m.op === 'error').length >= 4, 5000, 'four errors');
    const errors = c.messages.filter((m) => m.op === 'error').map((m) => m.error as string);
    expect(errors[0]).toMatch(/DOGEUSDT is not being recorded on binance/);
    expect(errors[1]).toMatch(/unknown channel "nope"/);
    expect(errors[2]).toMatch(/unknown op/);
    expect(errors[3]).toMatch(/expected a JSON object/);
    c.send({ op: 'unsubscribe', exchange: 'binance', symbol: 'ETHUSDT' });
    await until(() => c.messages.some((m) => m.op === 'unsubscribed'), 5000, 'unsubscribed');
    await new Promise((r) => setTimeout(r, 300)); // a book already on the wire may still land
    const n = c.messages.length;
    await new Promise((r) => setTimeout(r, 500));
    expect(c.messages.length).toBe(n);
    c.close();
  });

  it('bad input gets a 4xx with one line, and nothing crashes', async () => {
    const cases: [string, number, RegExp][] = [
      ['snapshot?exchange=binance&symbol=..%2F..%2Fetc%2Fpasswd', 400, /is not a symbol/],
      ['snapshot?exchange=nowhere&symbol=BTCUSDT', 404, /exchange "nowhere" is not being recorded/],
      ['snapshot?exchange=binance&symbol=BTCUSDT&depth=-1', 400, /depth -1 must be at least 1/],
      ['snapshot?exchange=binance&symbol=BTCUSDT&depth=51', 400, /more than the recorded depth 50/],
      ['snapshot?exchange=binance&symbol=BTCUSDT&depth=abc', 400, /not an integer/],
      ['snapshot?exchange=binance', 400, /symbol is required/],
      ['trades?exchange=binance&symbol=BTCUSDT&limit=0', 400, /limit 0/],
      ['candles?exchange=binance&symbol=BTCUSDT&timeframe=7m', 400, /timeframe "7m" is not supported/],
      ['nope', 404, /no route/],
      ['assets/..%2F..%2Fpackage.json', 404, /no asset/],
    ];
    for (const [path, status, error] of cases) {
      const r = await getJson(`${rec.http}${path}`);
      expect(r.status, path).toBe(status);
      expect(Object.keys(r.body)).toEqual(['error']);
      expect(r.body.error, path).toMatch(error);
      expect(r.body.error).not.toContain('\n');
    }
    const post = await fetch(`${rec.http}snapshot`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    for (const q of ['exchange=nowhere&symbol=BTCUSDT', 'exchange=binance&symbol=..%2Fx', 'exchange=binance&symbol=BTCUSDT&depth=-3', 'exchange=binance&symbol=BTCUSDT&channels=x']) {
      const c = new RelayClient(`${rec.relay}?${q}`);
      await c.closed;
      expect(c.closeCode, q).toBe(1008);
      expect(c.closeReason.length).toBeGreaterThan(0);
    }
    const wrongPath = new RelayClient(rec.relay.replace(/\/ws$/, '/other'));
    await expect(wrongPath.opened).rejects.toThrow(/404/);
    expect((await getJson(`${rec.http}snapshot?exchange=binance&symbol=BTCUSDT`)).status).toBe(200);
  });

  it('closes a client that stops reading with 1013, keeps serving the others, and the recording stays whole', async () => {
    const slow = new RelayClient(`${rec.relay}?exchange=binance&symbol=BTCUSDT&depth=50`);
    const ok = new RelayClient(`${rec.relay}?exchange=binance&symbol=ETHUSDT&channels=book&depth=1`);
    await Promise.all([slow.opened, ok.opened]);
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await until(async () => /^marketfeed_relay_dropped_clients_total 1$/m.test((await getJson(`${rec.http}metrics`)).text), 45_000, 'the slow client dropped');
    const before = ok.books().length;
    await until(() => ok.books().length > before + 5, 10_000, 'the other client keeps getting books');
    ok.close();
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    await slow.closed;
    expect([1013, 1006]).toContain(slow.closeCode);

    rec.child.kill('SIGINT');
    result = await rec.done;
    expect(result.code, rec.stderr()).toBe(0);
    for (const fs of ['BTCUSDT', 'ETHUSDT']) {
      const v = await runCli(['validate', '--day-dir', join(dataDir, 'binance', fs, new Date().toISOString().slice(0, 10).replace(/-/g, ''))]);
      expect(v.code, v.stdout + v.stderr).toBe(0);
      const { rows } = readKind(dataDir, 'binance', fs, 'book');
      let checked = 0;
      for (const r of rows) {
        const truth = sim.truth.topAt(fs, Number(r[2]));
        if (truth === undefined) continue;
        const want: string[] = [];
        for (let i = 0; i < DEPTH; i++) want.push(truth.bids[i]?.[0] ?? '', truth.bids[i]?.[1] ?? '');
        for (let i = 0; i < DEPTH; i++) want.push(truth.asks[i]?.[0] ?? '', truth.asks[i]?.[1] ?? '');
        expect(r.slice(3)).toEqual(want);
        checked++;
      }
      expect(checked).toBeGreaterThan(100);
    }
  }, 90_000);
});
