// Acceptance of the server's second half against the simulator, with faults: /metrics parses as
// Prometheus text and its counters equal the `run_stop` ledger counts of the same run;
// --serve-token guards every request and socket; and `serve --data-dir` in a second process
// relays what a recorder with --storage-live writes there (books equal to the ground truth).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parse from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { readLedger } from './ledger.js';
import { expectTruth, getJson, RelayClient, startServing, until, type ServingCli } from './serving.js';

const TOKEN = 'serve-test-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };

/** `name{labels}` → value, for every sample of the scrape. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of parse(text)) {
    for (const m of f.metrics) {
      if (m.value === undefined) continue;
      const labels = Object.entries(m.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
      out.set(labels ? `${f.name}{${labels}}` : f.name, Number(m.value));
    }
  }
  return out;
}

describe('record --serve: metrics, token, and serve --data-dir', () => {
  let sim: SimHandle;
  let rec: ServingCli;
  let served: ServingCli;
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-serve-metrics-'));

  beforeAll(async () => {
    sim = await startSim({ symbols: ['BTCUSDT', 'ETHUSDT'], seed: 5, diffIntervalMs: 10, faults: 'gap=1500ms,malformed=1100ms' });
    rec = await startServing([
      'record', '--venue', 'binance', '--symbols', 'BTC/USDT,ETH/USDT', '--ws-url', sim.wsUrl, '--rest-url', sim.restUrl,
      '--data-dir', dataDir, '--no-status', '--log-level', 'error', '--storage-live', '--ws-reconnect-backoff-s', '0.2',
      '--serve', '--serve-port', '0', '--metrics-port', '0', '--serve-token', TOKEN,
    ]);
    await until(async () => (await getJson(`${rec.http}streams`, AUTH)).body?.streams?.every((x: any) => x.state === 'SYNCED'), 20_000, 'SYNCED');
    served = await startServing(['serve', '--data-dir', dataDir, '--serve-port', '0', '--metrics-port', '0', '--log-level', 'warn']);
  }, 60_000);

  afterAll(async () => {
    rec?.child.kill('SIGKILL');
    served?.child.kill('SIGKILL');
    await sim?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('--serve-token: every request and socket needs the token', async () => {
    for (const path of ['', 'streams', 'metrics', 'snapshot?exchange=binance&symbol=BTCUSDT', 'assets/app.js']) {
      const none = await getJson(`${rec.http}${path}`);
      expect(none.status, path).toBe(401);
      expect(none.body.error).toMatch(/token is required/);
      const wrong = await getJson(`${rec.http}${path}`, { authorization: 'Bearer nope' });
      expect(wrong.status, path).toBe(401);
      expect(wrong.body).toEqual({ error: 'wrong token' });
    }
    expect((await getJson(`${rec.http}streams`, AUTH)).status).toBe(200);
    expect((await getJson(`${rec.http}streams?token=${TOKEN}`)).status).toBe(200);
    const denied = new RelayClient(`${rec.relay}?exchange=binance&symbol=BTCUSDT&token=nope`);
    await expect(denied.opened).rejects.toThrow(/401/);
    const deniedMetrics = new RelayClient(`${rec.metrics!}?exchange=binance&symbols=BTCUSDT,ETHUSDT&interval=1s&window=1m&metric=correlation`);
    await expect(deniedMetrics.opened).rejects.toThrow(/401/);
    const ok = new RelayClient(`${rec.relay}?exchange=binance&symbol=BTCUSDT&channels=book`, { headers: AUTH });
    await ok.opened;
    await until(() => ok.books().length > 0, 5000, 'a book');
    ok.close();
  });

  it('serve --data-dir relays the live files of the recorder: books equal the truth, trades flow', async () => {
    await until(async () => (await getJson(`${served.http}streams`)).body?.streams?.filter((x: any) => x.state === 'SYNCED').length === 2, 15_000, 'both SYNCED in serve');
    const c = new RelayClient(`${served.relay}?exchange=binance&symbol=btc/usdt&channels=book,trades&depth=10`);
    await c.opened;
    await until(() => c.books().length >= 20 && c.messages.some((m) => m.type === 'trade'), 15_000, 'books and trades from the live files');
    c.close();
    let checked = 0;
    for (const b of c.books()) if (expectTruth(sim, b)) checked++;
    expect(checked).toBeGreaterThanOrEqual(20);
    const snap = await getJson(`${served.http}snapshot?exchange=binance&symbol=ETHUSDT&depth=20`);
    expect(snap.status, snap.text).toBe(200);
    expect(expectTruth(sim, { ...snap.body, venueSymbol: 'ETHUSDT' })).toBe(true);
    const unknown = await getJson(`${served.http}snapshot?exchange=kraken&symbol=BTCUSD`);
    expect(unknown.status).toBe(404);
  });

  it('/metrics parses as Prometheus text and its counters equal the run_stop ledger of the run', async () => {
    await until(async () => (samples((await getJson(`${rec.http}metrics`, AUTH)).text).get('marketfeed_gaps_total{venue=binance,symbol=BTC/USDT}') ?? 0) > 0, 15_000, 'a gap counted');
    const res = await fetch(`${rec.http}metrics`, { headers: AUTH });
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parse(await res.text());
    const byName = new Map(families.map((f) => [f.name, f]));
    for (const name of ['marketfeed_frames_total', 'marketfeed_gaps_total', 'marketfeed_resyncs_total', 'marketfeed_rejects_total', 'marketfeed_reconnects_total', 'marketfeed_rows_written_total', 'marketfeed_bytes_written_total', 'marketfeed_write_errors_total', 'marketfeed_dropped_rows_total', 'marketfeed_relay_dropped_clients_total']) {
      expect(byName.get(name)?.type, name).toBe('COUNTER');
    }
    expect(byName.get('marketfeed_book_state')?.type).toBe('GAUGE');
    expect(byName.get('marketfeed_relay_clients')?.type).toBe('GAUGE');
    expect(byName.get('marketfeed_event_latency_seconds')?.type).toBe('HISTOGRAM');
    expect(Number(byName.get('marketfeed_event_latency_seconds')!.metrics[0].count)).toBeGreaterThan(100);
    expect(byName.get('marketfeed_snapshot_request_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(byName.get('marketfeed_process_resident_memory_bytes')?.type).toBe('GAUGE');

    // stop the venue: the counters stand still, then the recorder's run_stop must say the same
    await sim.stop();
    let last = '';
    await until(async () => {
      const s = samples((await getJson(`${rec.http}metrics`, AUTH)).text);
      const now = ['frames_total{venue=binance}', 'gaps_total{venue=binance,symbol=BTC/USDT}', 'rejects_total{venue=binance,symbol=ETH/USDT}']
        .map((k) => s.get(`marketfeed_${k}`)).join(' ');
      const same = now === last;
      last = now;
      if (same) await new Promise((r) => setTimeout(r, 300));
      return same;
    }, 15_000, 'counters to stand still');
    const scrape = samples((await getJson(`${rec.http}metrics`, AUTH)).text);
    rec.child.kill('SIGINT');
    const r = await rec.done;
    expect(r.code, rec.stderr()).toBe(0);
    const stop = readLedger(dataDir, 'binance', 'BTCUSDT').find((l) => l.kind === 'run_stop')!;
    const field = (k: string): number => Number(new RegExp(`(?:^| )${k}=(\\d+)`).exec(stop.detail)![1]);
    const sum = (name: string): number => ['BTC/USDT', 'ETH/USDT', '*'].reduce((n, s) => n + (scrape.get(`marketfeed_${name}{venue=binance,symbol=${s}}`) ?? NaN), 0);
    expect(scrape.get('marketfeed_frames_total{venue=binance}')).toBe(field('frames'));
    expect(sum('gaps_total')).toBe(field('gaps'));
    expect(sum('resyncs_total')).toBe(field('resyncs'));
    expect(sum('rejects_total')).toBe(field('rejects'));
    expect(sum('quote_checks_total')).toBe(field('quote_checks'));
    expect(sum('quote_mismatches_total')).toBe(field('quote_mismatches'));
    expect(sum('checksum_checks_total')).toBe(field('checksum_checks'));
    expect(field('gaps')).toBeGreaterThan(0);
    expect(field('rejects')).toBeGreaterThan(0);
  }, 60_000);
});
