// Acceptance of the ccxt fallback (`--venue ccxt:<id>`), offline: ccxt's own Binance code against
// the simulator (Binance protocol), reached through ccxt's URL overrides (--ws-url / --rest-url
// rebase every ccxt URL onto the simulator; --ccxt-config narrows the markets to spot).
// - trades equal the simulator's own trade stream, read by an independent client;
// - Binance books are verified by ccxt (books.ts): every row equals the simulator's truth at its
//   update id, every injected gap is a ledgered gap followed by a resync;
// - replay of the capture reproduces the trades and book files byte for byte;
// - books ccxt cannot verify (its check switched off) are refused without --allow-unverified-books
//   (one line, exit 2) and recorded, marked unverified, with it;
// - `marketfeed venues`, a bad ccxt id, and ccxt staying unloaded for everything else.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Quote } from '../src/core/events.js';
import { replay } from '../src/replay/index.js';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { ClientPool, type TestClient } from '../src/sim/test-client.js';
import { CLI, runCli, type CliResult } from './cli.js';
import { kindText, readKind, readLedger, syncRows } from './ledger.js';

const DEPTH = 10;
const SYMBOLS = [['BTC/USDT', 'BTCUSDT'], ['ETH/USDT', 'ETHUSDT']] as const;
const SPOT_ONLY = '{"options":{"fetchMarkets":{"types":["spot"]}}}';
const UNCHECKED = '{"options":{"fetchMarkets":{"types":["spot"]},"watchOrderBook":{"checksum":false}}}';

/**
 * ccxt opens `<ws base>/ws/<n>` (one socket per stream); the simulator takes `/ws` with streams
 * named in the path, so the base ends in a query that swallows ccxt's own path.
 */
function recordArgs(sim: SimHandle, dataDir: string, duration: string, ccxtConfig: string, extra: string[] = []): string[] {
  return [
    'record', '--venue', 'ccxt:binance', '--symbols', SYMBOLS.map((s) => s[0]).join(','),
    '--ws-url', `${sim.wsUrl}/ws?ccxt=`, '--rest-url', sim.restUrl, '--ccxt-config', ccxtConfig,
    '--data-dir', dataDir, '--duration', duration, '--depth', String(DEPTH), '--storage-flush-interval-s', '0.2',
    '--ws-reconnect-backoff-s', '0.1', '--no-status', '--log-level', 'warn', ...extra,
  ];
}

interface SimTrade { t: number; p: string; q: string; T: number; m: boolean; s: string }

describe('record --venue ccxt:binance against the simulator (verified books)', () => {
  let sim: SimHandle;
  let tape: TestClient;
  const pool = new ClientPool();
  let rec: CliResult;
  let rep: CliResult;
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-ccxt-'));
  const outDir = mkdtempSync(join(tmpdir(), 'mf-ccxt-replay-'));

  beforeAll(async () => {
    sim = await startSim({ symbols: SYMBOLS.map((s) => s[1]), seed: 21, diffIntervalMs: 20, faults: 'gap=1500ms' });
    // the simulator's own trade stream, from before the recorder connects to after it stops
    tape = await pool.connect(`${sim.wsUrl}/ws/btcusdt@trade/ethusdt@trade`);
    rec = await runCli(recordArgs(sim, dataDir, '6s', SPOT_ONLY), {}, 90_000);
    await new Promise((r) => setTimeout(r, 300));
    rep = await runCli(['replay', '--data-dir', dataDir, '--venue', 'ccxt-binance', '--out-dir', outDir], {}, 90_000);
  }, 200_000);
  afterAll(async () => {
    await pool.close(sim);
  });

  it('records and replays without error', () => {
    expect(rec.code, rec.stderr).toBe(0);
    expect(rep.code, rep.stderr).toBe(0);
  });

  it.each(SYMBOLS.map((s) => s[1]))('%s: the trades recorded are the simulator\'s trades', (fs) => {
    const { header, rows } = readKind(dataDir, 'ccxt-binance', fs, 'trades');
    expect(header).toEqual(['timestamp', 'price', 'qty', 'side', 'id', 'local_timestamp']);
    expect(rows.length).toBeGreaterThan(20);
    const ids = rows.map((r) => Number(r[4]));
    const first = Math.min(...ids), last = Math.max(...ids);
    const sent = (tape.msgs() as SimTrade[]).filter((m) => m.s === fs && m.t >= first && m.t <= last);
    // what was on the wire, field for field: exchange time, exact decimal text, taker side, id
    const want = sent.map((m) => [String(m.T * 1000), m.p, m.q, m.m ? 'sell' : 'buy', String(m.t)]);
    expect(rows.map((r) => r.slice(0, 5))).toEqual(want);
  });

  it.each(SYMBOLS.map((s) => s[1]))('%s: every book row equals the simulator\'s truth at its update id', (fs) => {
    const { header, rows } = readKind(dataDir, 'ccxt-binance', fs, 'book');
    expect(header.length).toBe(3 + 4 * DEPTH);
    // a book just seeded shows the REST snapshot's lastUpdateId, which need not end a diff frame
    // (the truth is keyed by frames): those rows are the only ones allowed without a truth entry
    const seeded = readLedger(dataDir, 'ccxt-binance', fs).filter((l) => l.state === 'SYNCED').map((l) => /at update id (\d+)$/.exec(l.detail)?.[1]);
    let checked = 0;
    for (const r of rows) {
      const truth = sim.truth.topAt(fs, Number(r[2]));
      if (truth === undefined && seeded.includes(r[2])) continue;
      expect(truth, `truth at ${r[2]}`).toBeDefined();
      // ccxt keeps prices as numbers: compare values, not texts
      const want: number[] = [];
      for (let i = 0; i < DEPTH; i++) want.push(Number(truth!.bids[i][0]), Number(truth!.bids[i][1]));
      for (let i = 0; i < DEPTH; i++) want.push(Number(truth!.asks[i][0]), Number(truth!.asks[i][1]));
      expect(r.slice(3).map(Number), `${fs} row at update id ${r[2]}`).toEqual(want);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it.each(SYMBOLS.map((s) => s[1]))('%s: injected gaps are ledgered gaps, each followed by a resync; no row bridges one', (fs) => {
    const ledger = readLedger(dataDir, 'ccxt-binance', fs);
    const gaps = ledger.filter((l) => l.kind === 'gap');
    expect(gaps.length).toBeGreaterThan(0);
    for (const g of gaps) {
      expect(g.detail).toContain('ChecksumError');
      const after = ledger.filter((l) => l.eventId > g.eventId && l.detail.startsWith('book'));
      expect(after[0]?.state).toBe('RESYNCING');
      // the last gap's resync may still be under way when the run ends
      if (g !== gaps[gaps.length - 1]) expect(after.some((l) => l.state === 'SYNCED'), `a resync after ${g.detail}`).toBe(true);
    }
    expect(ledger.find((l) => l.state === 'SYNCED')!.detail).toMatch(/^book verified by ccxt binance \(sequence: U\/u chain/);
    const rows = readKind(dataDir, 'ccxt-binance', fs, 'book').rows.map((r) => ({ localTs: Number(r[1]), id: Number(r[2]) }));
    const breaks = ledger.filter((l) => l.kind === 'gap' || l.kind === 'resync' || l.kind === 'disconnect').map((l) => l.localTs);
    const skipped = sim.injected.gaps.filter((g) => g.venueSymbol === fs);
    expect(skipped.length).toBeGreaterThan(0);
    for (let i = 1; i < rows.length; i++) {
      const a = rows[i - 1], b = rows[i];
      if (breaks.some((t) => t >= a.localTs && t <= b.localTs)) continue;
      for (const g of skipped) expect(a.id < g.skippedFrom && b.id >= g.skippedTo, `rows ${a.id}→${b.id} bridge ${g.skippedFrom}..${g.skippedTo}`).toBe(false);
    }
  });

  it.each(SYMBOLS.map((s) => s[1]))('%s: replay reproduces the trades and book files byte for byte, and the book ledger', (fs) => {
    for (const kind of ['trades', 'book'] as const) {
      const live = kindText(dataDir, 'ccxt-binance', fs, kind);
      expect(live.split('\n').length).toBeGreaterThan(20);
      expect(kindText(outDir, 'ccxt-binance', fs, kind), kind).toBe(live);
    }
    expect(syncRows(outDir, 'ccxt-binance', fs)).toEqual(syncRows(dataDir, 'ccxt-binance', fs));
  });

  it('quotes are the bookTicker frames ccxt received, with their exact text (replayed in-process)', async () => {
    const quotes: Quote[] = [];
    for await (const ev of replay({ dataDir, venue: 'ccxt-binance', symbols: ['BTC/USDT'] })) if (ev.type === 'quote') quotes.push(ev);
    const sent = kindText(dataDir, 'ccxt-binance', 'BTCUSDT', 'raw').split('\n').filter((l) => l.includes('"dir":"in"'))
      .map((l) => JSON.parse((JSON.parse(l) as { data: string }).data) as { u?: number; s?: string; b?: string; B?: string; a?: string; A?: string; e?: string })
      .filter((m) => m.e === undefined && m.u !== undefined && m.s === 'BTCUSDT');
    expect(quotes.length).toBeGreaterThan(20);
    // one quote per bookTicker frame (it carries no time: the quote's is the receive time)
    expect(quotes.map((q) => [q.updateId, q.bidPrice, q.bidAmount, q.askPrice, q.askAmount])).toEqual(sent.map((m) => [m.u, m.b, m.B, m.a, m.A]));
    expect(quotes.every((q) => q.ts === q.localTs)).toBe(true);
  });

  it('the raw capture holds every frame ccxt received, and the run_start row says what was watched', () => {
    const raw = kindText(dataDir, 'ccxt-binance', 'BTCUSDT', 'raw');
    expect(raw).toContain('"data":"ccxt session {');
    expect(raw).toContain('"data":"ccxt watch book BTC/USDT"');
    expect(raw).toMatch(/"dir":"out","data":"\{\\"method\\":\\"SUBSCRIBE\\",\\"params\\":\[\\"btcusdt@depth@100ms\\"\]/);
    expect(raw).toContain('"dir":"rest"');
    const start = readLedger(dataDir, 'ccxt-binance', 'BTCUSDT').find((l) => l.kind === 'run_start')!;
    expect(start.detail).toContain('venue=ccxt:binance');
    expect(start.detail).toContain('books=verified');
  });
});

describe('record --venue ccxt:binance with ccxt\'s book check switched off (unverified books)', () => {
  let sim: SimHandle;
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-ccxt-unverified-'));

  beforeAll(async () => {
    sim = await startSim({ symbols: SYMBOLS.map((s) => s[1]), seed: 22, diffIntervalMs: 20 });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('refuses the books without --allow-unverified-books: one line, exit 2, nothing recorded', async () => {
    const r = await runCli(recordArgs(sim, dataDir, '3s', UNCHECKED), {}, 60_000);
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^marketfeed: MF_ERR_CONFIG: ccxt:binance books cannot be verified: options\.watchOrderBook\.checksum is false.*--allow-unverified-books.*--no-storage-book/);
    expect(sim.stats().restRequests, 'refused before any request').toBe(0);
  }, 60_000);

  it('records them with the flag, under ccxt-binance-unverified, every SYNCED row and the run saying so', async () => {
    const r = await runCli(recordArgs(sim, dataDir, '4s', UNCHECKED, ['--allow-unverified-books']), {}, 90_000);
    expect(r.code, r.stderr).toBe(0);
    for (const [, fs] of SYMBOLS) {
      expect(readKind(dataDir, 'ccxt-binance', fs, 'book').rows).toHaveLength(0);
      expect(readKind(dataDir, 'ccxt-binance-unverified', fs, 'book').rows.length).toBeGreaterThan(10);
      expect(readKind(dataDir, 'ccxt-binance-unverified', fs, 'trades').rows.length).toBeGreaterThan(5);
      const ledger = readLedger(dataDir, 'ccxt-binance-unverified', fs);
      expect(ledger.find((l) => l.kind === 'run_start')!.detail).toContain('books=unverified');
      const synced = ledger.filter((l) => l.state === 'SYNCED');
      expect(synced.length).toBeGreaterThan(0);
      for (const l of synced) expect(l.detail).toMatch(/^book UNVERIFIED \(--allow-unverified-books\): options\.watchOrderBook\.checksum is false/);
    }
  }, 90_000);

  it('records trades without books and without the flag when books are not wanted (--no-storage-book)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-ccxt-nobook-'));
    const r = await runCli(recordArgs(sim, dir, '3s', UNCHECKED, ['--no-storage-book']), {}, 90_000);
    expect(r.code, r.stderr).toBe(0);
    expect(readKind(dir, 'ccxt-binance', 'BTCUSDT', 'trades').rows.length).toBeGreaterThan(3);
    expect(readLedger(dir, 'ccxt-binance', 'BTCUSDT').find((l) => l.kind === 'run_start')!.detail).toContain('books=off');
  }, 90_000);
});

describe('marketfeed venues, bad ccxt ids, and ccxt loaded only where needed', () => {
  // a module resolve hook reports every import of ccxt on stderr
  const hookDir = mkdtempSync(join(tmpdir(), 'mf-ccxt-hook-'));
  writeFileSync(join(hookDir, 'hook.mjs'), "export async function resolve(s, c, next) { if (s === 'ccxt') process.stderr.write('LOADED-CCXT\\n'); return next(s, c); }\n");
  writeFileSync(join(hookDir, 'register.mjs'), "import { register } from 'node:module';\nregister('./hook.mjs', import.meta.url);\n");
  const hooked = (args: string[]): { stdout: string; stderr: string } =>
    spawnSync(process.execPath, ['--import', join(hookDir, 'register.mjs'), CLI, ...args], { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' } });

  it('lists the native venues with how their books are verified, and the ccxt ids (loading ccxt)', async () => {
    const text = await runCli(['venues'], {}, 60_000);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^binance\s+Binance\s+trades,book,quote\s+sequence\s+rest$/m);
    expect(text.stdout).toMatch(/^kraken\s+Kraken\s+\S+\s+checksum\s+ws$/m);
    expect(text.stdout).toMatch(/^okx\s+OKX\s+\S+\s+sequence\+checksum\s+ws$/m);
    expect(text.stdout).toMatch(/books verified by ccxt: binance\s+sequence/);
    const json = hooked(['venues', '--json']);
    expect(json.stderr).toContain('LOADED-CCXT');
    const l = JSON.parse(json.stdout) as { native: { id: string; bookVerified: string }[]; ccxt: { prefix: string; ids: string[]; verifiedBooks: { id: string }[] } };
    expect(l.native.find((v) => v.id === 'bitfinex')?.bookVerified).toBe('checksum');
    expect(l.ccxt.prefix).toBe('ccxt:');
    expect(l.ccxt.ids).toEqual(expect.arrayContaining(['binance', 'kraken', 'bybit', 'gate']));
    expect(l.ccxt.verifiedBooks.map((v) => v.id)).toEqual(['binance', 'binancecoinm', 'binanceus', 'binanceusdm', 'myokx', 'okx', 'okxus']);
  }, 90_000);

  it('a ccxt id ccxt does not have is one line and exit 2', async () => {
    const r = await runCli(['record', '--venue', 'ccxt:nosuch', '--symbols', 'BTC/USDT', '--data-dir', mkdtempSync(join(tmpdir(), 'mf-ccxt-bad-')), '--no-status'], {}, 60_000);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^marketfeed: MF_ERR_UNKNOWN_VENUE: unknown venue "ccxt:nosuch"/)]);
  }, 60_000);

  it('--help and a native recording never load ccxt', () => {
    expect(hooked(['--help']).stderr).not.toContain('LOADED-CCXT');
    const native = hooked(['record', '--venue', 'binance', '--symbols', 'BTC/USDT', '--rest-url', 'http://127.0.0.1:9', '--data-dir', hookDir, '--no-status']).stderr;
    expect(native).toContain('MF_ERR_UNREACHABLE');
    expect(native).not.toContain('LOADED-CCXT');
  }, 90_000);
});
