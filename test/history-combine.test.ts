// `marketfeed history candles --combine-local` end to end: the built CLI (`npm run build` first)
// records trades from the simulator, then combines 1-second bars built from them with the
// simulator's REST klines (its kline store is built from the same trades its streams send, so the
// seconds the recorder watched whole must agree exactly). A copy of the recording with one trade's
// price changed and one second's trades removed proves the report catches the mismatch and the
// hole is filled from the venue. The recorder rotates its trades file every 8 rows, so the local
// bars need every part of the day (`trades_…_D.csv.gz`, `….0001.csv.gz`, …).
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CombineReport } from '../src/history/combine-sync.js';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { combineReportPath, recordedDays } from '../src/storage/candles.js';
import { readCsv } from '../src/storage/read.js';
import { runCli } from './cli.js';

let sim: SimHandle;
let dataDir: string;
let day: string;
/** The trades parts of the recorded day, in order. */
let tradesParts: string[];
/** [from, to) ms around the recording, whole seconds. */
let fromMs: number;
let toMs: number;
const iso = (ms: number): string => new Date(ms).toISOString();

beforeAll(async () => {
  sim = await startSim({ symbols: ['BTC/USDT'], seed: 3, diffIntervalMs: 20 });
  dataDir = await mkdtemp(join(tmpdir(), 'mf-history-combine-'));
  const rec = await runCli(['record', '--venue', 'binance', '--symbols', 'BTC/USDT', '--rest-url', sim.restUrl, '--ws-url', sim.wsUrl,
    '--data-dir', dataDir, '--duration', '6s', '--no-status', '--log-level', 'warn', '--no-storage-parquet', '--storage-max-rows', '8']);
  expect(rec.code, rec.stderr).toBe(0);
  day = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  const days = await recordedDays(dataDir, 'binance', 'BTC/USDT');
  expect(days.map((d) => d.day)).toEqual([day]);
  tradesParts = days[0].trades;
  expect(tradesParts.map((p) => p.slice(p.lastIndexOf('/') + 1)).slice(0, 2)).toEqual([`trades_BTCUSDT_${day}.csv.gz`, `trades_BTCUSDT_${day}.0001.csv.gz`]);
  const trades = [];
  for (const p of tradesParts) trades.push(...(await readCsv(p)).rows);
  expect(trades.length).toBeGreaterThan(5);
  fromMs = Math.floor(Number(trades[0][0]) / 1e6) * 1000 - 10_000;
  toMs = Math.floor(Number(trades[trades.length - 1][0]) / 1e6) * 1000 + 2000;
  await new Promise((r) => setTimeout(r, Math.max(0, toMs + 1100 - Date.now()))); // the last bar has closed on the venue
}, 20_000);
afterAll(async () => {
  await sim.stop();
  await rm(dataDir, { recursive: true, force: true });
});

function combine(extra: string[], rest = sim.restUrl): ReturnType<typeof runCli> {
  return runCli(['history', 'candles', '--venue', 'binance', '--symbol', 'BTC/USDT', '--timeframe', '1s', '--from', iso(fromMs), '--to', iso(toMs),
    '--rest-url', rest, '--data-dir', dataDir, '--no-rate-limit', '--no-parquet', '--combine-local', ...extra]);
}

const candleFile = (): string => join(dataDir, 'binance', 'BTCUSDT', day, `candles_BTCUSDT_1s_${day}.csv.gz`);
const report = async (): Promise<CombineReport> => JSON.parse(await readFile(combineReportPath(candleFile()), 'utf8')) as CombineReport;

/** The simulator's 1s klines over [fromMs, toMs), straight from its REST API: open ms → [o, h, l, c, v, n]. */
async function venueBars(): Promise<Map<number, number[]>> {
  const res = await fetch(`${sim.restUrl}/api/v3/klines?symbol=BTCUSDT&interval=1s&startTime=${fromMs}&endTime=${toMs - 1}&limit=1000`);
  const rows = (await res.json()) as Array<Array<string | number>>;
  return new Map(rows.map((k) => [Number(k[0]), [k[1], k[2], k[3], k[4], k[5], k[8]].map(Number)]));
}

const inRanges = (ts: number, ranges: ReadonlyArray<[number, number]>): boolean => ranges.some(([a, b]) => ts >= a && ts < b);

describe('history candles --combine-local', () => {
  let firstLocal: CombineReport;

  it('bars the recorder watched whole agree with the venue exactly; the rest come from the venue', async () => {
    const r = await combine(['--tolerance', '0']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/combined with binance: \d+ bars \(\d+ local, \d+ exchange, \d+ synthetic\), \d+ compared, 0 mismatched beyond 0 \(0 fields\)/);
    const rep = await report();
    firstLocal = rep;
    expect(rep).toMatchObject({ version: 1, venue: 'binance', localLabel: 'binance', symbol: 'BTC/USDT', timeframe: '1s', day, tolerance: 0, mismatches: [] });
    expect(rep.counts.local).toBeGreaterThanOrEqual(3);
    expect(rep.counts.overlapping).toBe(rep.counts.local); // every local bar was compared with the venue's
    expect(rep.counts.exchange).toBeGreaterThanOrEqual(10); // the 10 s before the recording: not recorded, filled from the venue
    expect(rep.counts.partialLocal).toBeGreaterThanOrEqual(1); // the second the recorder started in
    expect(rep.counts.bars).toBe((toMs - fromMs) / 1000);

    const { header, rows } = await readCsv(candleFile());
    expect(header).toEqual(['timestamp', 'open', 'high', 'low', 'close', 'volume', 'trades', 'synthetic']);
    const venue = await venueBars();
    let local = 0;
    for (const row of rows) {
      const ts = Number(row[0]);
      if (inRanges(ts, rep.localRanges)) local++;
      expect(row.slice(1, 7).map(Number), iso(ts / 1000)).toEqual(venue.get(ts / 1000));
    }
    expect(local).toBe(rep.counts.local);

    const again = await combine(['--tolerance', '0']);
    expect(again.code).toBe(0);
    expect(await report()).toEqual(rep); // the venue's bars under the local ones are fetched again: same comparison
  });

  it('a changed trade is reported as a mismatch; a second whose trades are gone is filled from the venue', async () => {
    const secOf = (line: string): number => Math.floor(Number(line.split(',')[0]) / 1e6) * 1e6;
    const parts = await Promise.all(tradesParts.map(async (p) => gunzipSync(await readFile(p)).toString('utf8').split('\n')));
    const localSeconds = [...new Set(parts.flatMap((lines) => lines.slice(1).filter(Boolean).map(secOf)))].filter((s) => inRanges(s, firstLocal.localRanges));
    expect(localSeconds.length).toBeGreaterThanOrEqual(2);
    const [edited, removed] = localSeconds;
    const lines = parts.find((ls) => ls.some((l, n) => n > 0 && l !== '' && secOf(l) === edited))!;
    const i = lines.findIndex((l, n) => n > 0 && l !== '' && secOf(l) === edited);
    const cells = lines[i].split(',');
    const price = Number(cells[1]);
    cells[1] = (price * 1.01).toFixed(8);
    lines[i] = cells.join(',');
    await cp(join(dataDir, 'binance', 'BTCUSDT'), join(dataDir, 'edited', 'BTCUSDT'), { recursive: true });
    for (const [k, p] of tradesParts.entries()) {
      const kept = parts[k].filter((l, n) => n === 0 || l === '' || secOf(l) !== removed);
      await writeFile(join(dataDir, 'edited', 'BTCUSDT', day, p.slice(p.lastIndexOf('/') + 1)), gzipSync(kept.join('\n')));
    }

    const r = await combine(['--local-label', 'edited']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0); // mismatches are a report, not a failure
    expect(r.stdout).toMatch(/combined with edited: .*, 1 mismatched beyond 0\.0001 \([1-4] fields\)/);
    const rep = await report();
    expect(rep.localLabel).toBe('edited');
    expect(rep.counts.mismatchedBars).toBe(1);
    expect(rep.counts.local).toBe(firstLocal.counts.local - 1);
    expect(rep.mismatches.every((m) => m.ts === edited)).toBe(true);
    const high = rep.mismatches.find((m) => m.field === 'high');
    expect(high).toMatchObject({ time: iso(edited / 1000) });
    expect(Number(high!.local)).toBeCloseTo(price * 1.01, 6);
    expect(Number(high!.exchange)).toBeLessThan(price * 1.001);
    expect(high!.relDiff).toBeGreaterThan(0.009);
    expect(inRanges(removed, rep.localRanges)).toBe(false);

    const venue = await venueBars();
    const rows = new Map((await readCsv(candleFile())).rows.map((row) => [Number(row[0]), row]));
    expect(rows.get(removed)!.slice(1, 8).map(Number)).toEqual([...venue.get(removed / 1000)!, 0]); // the venue's real bar
    expect(Number(rows.get(edited)![2])).toBeCloseTo(price * 1.01, 6); // local preferred even where it differs
  });

  it.each([
    [['--tolerance', '-1'], /MF_ERR_USAGE: --tolerance "-1" is not a relative fraction/],
    [['--local-label', 'nothere'], /MF_ERR_USAGE: --combine-local: no recording of BTC\/USDT under .*nothere/],
    [['--local-label', 'Bad/Label'], /MF_ERR_CONFIG: venue label "Bad\/Label"/],
  ])('%j: one line, exit 2, before any request (closed port)', async (args, message) => {
    const r = await combine(args, 'http://127.0.0.1:1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--tolerance without --combine-local is refused', async () => {
    const r = await runCli(['history', 'candles', '--venue', 'binance', '--symbol', 'BTC/USDT', '--from', '2026-01-01', '--tolerance', '0.1', '--rest-url', 'http://127.0.0.1:1', '--data-dir', dataDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--local-label and --tolerance go with --combine-local/);
  });
});
