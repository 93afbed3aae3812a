// USD-M futures end to end: the `pu` chain over the 2026 /public + /market socket split, with
// gaps and drops injected; every book row equals the simulator's truth.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { runCli, type CliResult } from './cli.js';
import { dayDirs, readKind, readLedger } from './ledger.js';

describe('record --venue binance-futures against the simulator', () => {
  let sim: SimHandle;
  let result: CliResult;
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-fut-'));
  const DEPTH = 10;

  beforeAll(async () => {
    sim = await startSim({ venue: 'binance-futures', symbols: ['BTCUSDT'], seed: 21, diffIntervalMs: 20, faults: 'gap=1200ms,disconnect=2700ms,malformed=900ms' });
    result = await runCli([
      'record', '--venue', 'binance-futures', '--symbols', 'BTC/USDT:USDT', '--ws-url', sim.wsUrl, '--rest-url', sim.restUrl,
      '--data-dir', dataDir, '--duration', '7s', '--depth', String(DEPTH), '--storage-flush-interval-s', '0.2',
      '--ws-reconnect-backoff-s', '0.1', '--no-status', '--log-level', 'warn',
    ], {}, 60_000);
  }, 90_000);
  afterAll(async () => {
    await sim?.stop();
  });

  it('exits 0', () => {
    expect(result.code, result.stderr).toBe(0);
  });

  it('names the unified symbol of BTCUSDTUSDT in symbol.json', () => {
    const meta = JSON.parse(readFileSync(join(dataDir, 'binance-futures', 'BTCUSDTUSDT', 'symbol.json'), 'utf8'));
    expect(meta).toEqual({ symbol: 'BTC/USDT:USDT', venue: 'binance-futures' });
  });

  it('writes rows equal to the ground truth, under BTCUSDTUSDT', () => {
    const { rows } = readKind(dataDir, 'binance-futures', 'BTCUSDTUSDT', 'book');
    expect(rows.length).toBeGreaterThan(50);
    for (const r of rows) {
      const truth = sim.truth.topAt('BTCUSDT', Number(r[2]));
      expect(truth, `truth at ${r[2]}`).toBeDefined();
      const want: string[] = [];
      for (let i = 0; i < DEPTH; i++) want.push(truth!.bids[i]?.[0] ?? '', truth!.bids[i]?.[1] ?? '');
      for (let i = 0; i < DEPTH; i++) want.push(truth!.asks[i]?.[0] ?? '', truth!.asks[i]?.[1] ?? '');
      expect(r.slice(3)).toEqual(want);
    }
  });

  it('detects the injected pu breaks as gaps and resyncs', () => {
    const ledger = readLedger(dataDir, 'binance-futures', 'BTCUSDTUSDT');
    const gaps = ledger.filter((l) => l.kind === 'gap');
    expect(gaps.length).toBeGreaterThan(0);
    expect(gaps[0].detail).toContain('pu');
    // the first sync, then one per gap; a busy machine may stop the recording while the last
    // gap's snapshot is still on its way (the run's stop then comes before its SYNCED)
    const last = gaps[gaps.length - 1];
    const lastCutShort = !ledger.some((l) => l.eventId > last.eventId && l.state === 'SYNCED') && ledger.some((l) => l.eventId > last.eventId && l.kind === 'run_stop');
    expect(ledger.filter((l) => l.state === 'SYNCED').length).toBeGreaterThan(gaps.length - (lastCutShort ? 1 : 0));
  });

  it('records aggTrades and mark price frames from the /market socket', () => {
    expect(readKind(dataDir, 'binance-futures', 'BTCUSDTUSDT', 'trades').rows.length).toBeGreaterThan(0);
    const d = dayDirs(dataDir, 'binance-futures', 'BTCUSDTUSDT')[0];
    const raw = gunzipSync(readFileSync(join(d, `raw_BTCUSDTUSDT_${d.slice(-8)}.ndjson.gz`))).toString();
    expect(raw).toContain('markPriceUpdate');
    expect(raw).toContain('/public/stream');
    expect(raw).toContain('/market/stream');
  });
});
