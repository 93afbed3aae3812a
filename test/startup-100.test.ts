// Start-up with 100 symbols (issue 10, goal 3): the simulator in its own process, `record` pointed
// at it. Every book reaches SYNCED (its ledger says so), the REST budget is 80 % of the 6,000
// weight/min the venue advertises in exchangeInfo (the recorder logs it), and the venue never
// answers 429 (the simulator enforces its advertised limit). How fast is bench/startup.bench.mjs's
// to say: the timeouts here are only generous bounds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from './cli.js';
import { manySymbols, startSimCli } from './sim-cli.js';
import { readLedger } from './ledger.js';
import { getJson, startServing, until, type ServingCli } from './serving.js';

const SYMBOLS = manySymbols(100);

describe('record: 100 symbols start up under the budget the venue advertises', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-startup-100-'));
  let sim: Awaited<ReturnType<typeof startSimCli>> | undefined;
  let rec: ServingCli | undefined;
  let closed: CliResult;

  beforeAll(async () => {
    sim = await startSimCli(SYMBOLS);
    rec = await startServing([
      'record', '--venue', 'binance', '--symbols', SYMBOLS.join(','), '--ws-url', sim.ws, '--rest-url', sim.rest,
      '--data-dir', dataDir, '--no-status', '--log-level', 'info', '--no-storage-parquet', '--no-storage-raw', '--no-storage-book',
      '--serve', '--serve-port', '0', '--metrics-port', '0',
    ], 60_000);
    const http = rec.http;
    await until(async () => {
      const streams: { state: string }[] = (await getJson(`${http}streams`)).body?.streams ?? [];
      return streams.length === 100 && streams.every((s) => s.state === 'SYNCED');
    }, 150_000, 'all 100 books SYNCED');
    rec.child.kill('SIGINT');
    closed = await rec.done;
  }, 240_000);

  afterAll(async () => {
    rec?.child.kill('SIGKILL');
    await sim?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every book reached SYNCED: the ledger of each symbol says so', () => {
    expect(closed.code).toBe(0);
    const unsynced = SYMBOLS.filter((s) => !readLedger(dataDir, 'binance', s.replace('/', '')).some((r) => r.kind === 'state' && r.state === 'SYNCED' && r.detail.startsWith('book')));
    expect(unsynced).toEqual([]);
  });

  it('budgets 80 % of the 6,000 weight/min exchangeInfo advertises, and is never answered 429', () => {
    const log = closed.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(log.find((l) => l.msg === 'REST budget')).toMatchObject({ venue: 'binance', weightPerMinute: 4800, venueLimit: 6000, share: 0.8, source: 'listing' });
    const totals = log.find((l) => l.msg === 'REST totals');
    expect(totals).toMatchObject({ venue: 'binance', weightPerMinute: 4800, rateLimited: 0 });
    // the listing (20) and at least one depth snapshot (limit 1000: 50) per book
    expect(totals!.weightUsed).toBeGreaterThanOrEqual(20 + 100 * 50);
    expect(log.filter((l) => l.msg === 'rate limited: pausing all requests')).toEqual([]);
  });
});
