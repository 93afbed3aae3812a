// Open interest polls and replay determinism (Binance USDⓈ-M): a live recording from the simulator
// with `--rest-open-interest-s 1` holds the /fapi/v1/openInterest bodies in its raw capture beside
// the depth snapshots (a gap fault makes the books fetch more of those in between); replay hands
// each to the decoder, never to a book, so `replay --out-dir` reproduces the trades and book files
// byte for byte and the same gaps and resyncs, and replayed NDJSON carries one derivative event
// with openInterest per captured body.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarketEvent } from '../src/core/events.js';
import type { RawFrame } from '../src/core/frames.js';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { parseRawLine } from '../src/storage/csv.js';
import { runCli, type CliResult } from './cli.js';
import { kindText, syncRows } from './ledger.js';

const VENUE = 'binance-futures';
const SYMBOLS = [['BTC/USDT:USDT', 'BTCUSDT', 'BTCUSDTUSDT'], ['ETH/USDT:USDT', 'ETHUSDT', 'ETHUSDTUSDT']] as const;

const text = (dataDir: string, symbolFs: string, kind: 'trades' | 'book'): string => kindText(dataDir, VENUE, symbolFs, kind);

/** Every raw frame of a symbol, all days and parts. */
function rawFrames(dataDir: string, symbolFs: string): RawFrame[] {
  return kindText(dataDir, VENUE, symbolFs, 'raw').split('\n').map((l) => parseRawLine(l, VENUE)).filter((x): x is RawFrame => x !== undefined);
}

describe('binance-futures: open interest polls replay deterministically', () => {
  let sim: SimHandle;
  let recorded: CliResult;
  let replayed: CliResult;
  let ndjson: CliResult;
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-oi-in-'));
  const outDir = mkdtempSync(join(tmpdir(), 'mf-oi-out-'));

  beforeAll(async () => {
    sim = await startSim({ venue: 'binance-futures', symbols: SYMBOLS.map((s) => s[1]), seed: 33, diffIntervalMs: 20, faults: 'gap=1300ms' });
    recorded = await runCli([
      'record', '--venue', VENUE, '--symbols', SYMBOLS.map((s) => s[0]).join(','), '--ws-url', sim.wsUrl, '--rest-url', sim.restUrl,
      '--data-dir', dataDir, '--duration', '5s', '--depth', '10', '--storage-flush-interval-s', '0.2', '--rest-open-interest-s', '1',
      '--ws-reconnect-backoff-s', '0.1', '--no-status', '--log-level', 'warn',
    ], {}, 60_000);
    await sim.stop();
    [replayed, ndjson] = await Promise.all([
      runCli(['replay', '--data-dir', dataDir, '--venue', VENUE, '--out-dir', outDir], {}, 60_000),
      runCli(['replay', '--data-dir', dataDir, '--venue', VENUE], {}, 60_000),
    ]);
  }, 120_000);
  afterAll(async () => {
    await sim?.stop();
  });

  it('record and replay both exit 0', () => {
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(ndjson.code, ndjson.stderr).toBe(0);
  });

  it.each(SYMBOLS.map((s) => [s[2], s[1]]))('%s: the raw capture holds an open interest body about every second, beside depth snapshots', (symbolFs, venueSymbol) => {
    const rest = rawFrames(dataDir, symbolFs).filter((f) => f.dir === 'rest');
    const oi = rest.filter((f) => f.url!.includes(`/fapi/v1/openInterest?symbol=${venueSymbol}`));
    expect(oi.length).toBeGreaterThanOrEqual(4);
    expect(oi.length).toBeLessThanOrEqual(7);
    for (const f of oi) expect(JSON.parse(f.data)).toMatchObject({ symbol: venueSymbol, openInterest: expect.stringMatching(/^\d+\.\d{3}$/) });
    expect(rest.filter((f) => f.url!.includes('/fapi/v1/depth?')).length, 'the gap fault made the book fetch snapshots').toBeGreaterThanOrEqual(2);
  });

  it.each(SYMBOLS.map((s) => s[2]))('%s: trades and book files are identical after decompression', (symbolFs) => {
    const trades = text(dataDir, symbolFs, 'trades');
    const book = text(dataDir, symbolFs, 'book');
    expect(trades.split('\n').length).toBeGreaterThan(5);
    expect(book.split('\n').length).toBeGreaterThan(50);
    expect(text(outDir, symbolFs, 'trades') === trades, 'trades differ').toBe(true);
    expect(text(outDir, symbolFs, 'book') === book, 'book rows differ').toBe(true);
  });

  it.each(SYMBOLS.map((s) => s[2]))('%s: the same gaps, resyncs and rejects (none from open interest)', (symbolFs) => {
    const live = syncRows(dataDir, VENUE, symbolFs, true);
    expect(live.filter((r) => r.kind === 'gap').length, 'the fault made gaps').toBeGreaterThan(0);
    expect(live.filter((r) => r.kind === 'reject')).toEqual([]);
    expect(syncRows(outDir, VENUE, symbolFs, true)).toEqual(live);
  });

  it('replayed NDJSON: one derivative event with openInterest per captured body, at the venue\'s time', () => {
    const evs = ndjson.stdout.split('\n').filter((l) => l !== '').map((l) => MarketEvent.parse(JSON.parse(l)));
    for (const [symbol, venueSymbol, symbolFs] of SYMBOLS) {
      const bodies = rawFrames(dataDir, symbolFs).filter((f) => f.dir === 'rest' && f.url!.includes('/openInterest?'));
      const got = evs.filter((e) => e.type === 'derivative' && e.openInterest !== undefined && e.symbol === symbol);
      expect(got.map((e) => [e.localTs, e.ts, e.type === 'derivative' && e.openInterest])).toEqual(bodies.map((f) => {
        const b = JSON.parse(f.data) as { openInterest: string; time: number };
        return [f.localTs, b.time * 1000, b.openInterest];
      }));
      expect(got.every((e) => e.venueSymbol === venueSymbol)).toBe(true);
    }
    // funding still comes from the markPrice stream, without open interest
    expect(evs.some((e) => e.type === 'derivative' && e.fundingRate !== undefined && e.openInterest === undefined)).toBe(true);
  });
});
