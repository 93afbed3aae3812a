// `marketfeed history candles|trades` against the Kraken, OKX and Bitfinex simulators, as a user
// runs it (the built CLI, through ccxt, with --rest-url). Each venue serves history with its own
// paging: Kraken's 720-bar OHLC window and ns trade cursor, OKX's newest-first pages, Bitfinex's
// start/end/sort. The simulators' maintenance halts leave holes in the candles, which the tool
// fills; trades are checked against what the same simulator sent on its websocket trade channel.
//
// Windows: OKX and Bitfinex 1,500 one-minute bars five days back (two day files), as the Binance
// test; Kraken serves only its 720 most recent bars, so 700 bars ending two minutes ago, and an
// older --from is refused (exit 2) rather than gap-filled.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maintenanceHalts } from '../src/sim/candles.js';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { readCsv } from '../src/storage/read.js';
import { runCli } from './cli.js';

const MIN = 60_000;
const DAY = 86_400_000;
const SEED = 11;
const iso = (ms: number): string => new Date(ms).toISOString();
const ymd = (ms: number): string => iso(ms).slice(0, 10).replace(/-/g, '');

interface WsTrade {
  id: string;
  tsMs: number;
  price: number;
  qty: number;
  side: 'buy' | 'sell';
}

interface VenueCase {
  venue: 'kraken' | 'okx' | 'bitfinex';
  symbol: string;
  /** SYMBOL_FS of the data files. */
  fs: string;
  /** Bars asked for. */
  bars: number;
  /** [from, to) of the candle window, given now. */
  window(now: number): [number, number];
  /** ccxt calls a run makes before fetching: loadMarkets, and fetchTime where ccxt has it. */
  setupRequests: number;
  /**
   * --page-limit for trades: OKX pages backward by trade id, exact however many trades share a
   * millisecond, so small pages; the others page by the ms (as the venues' APIs do), where a
   * catch-up burst of the simulator's clock on a loaded machine could put more than a small page
   * into one ms, so their default (1000).
   */
  tradePages: string[];
  /** A price as the venue writes it. */
  priceText: RegExp;
  subscribe: unknown;
  /** The trades of one websocket message. */
  tradesOf(msg: any): WsTrade[];
}

/** 22:00 five days ago, on: across midnight into a second day file. */
const fiveDaysBack = (now: number, bars: number): [number, number] => {
  const from = Math.floor(now / DAY) * DAY - 5 * DAY + 22 * 3_600_000;
  return [from, from + bars * MIN];
};
/** Ending two minutes ago (the newest closed bars). */
const recent = (now: number, bars: number): [number, number] => {
  const to = (Math.floor(now / MIN) - 2) * MIN;
  return [to - bars * MIN, to];
};

const CASES: VenueCase[] = [
  {
    venue: 'kraken', symbol: 'BTC/USD', fs: 'BTCUSD', bars: 700, window: (now) => recent(now, 700),
    setupRequests: 2, priceText: /^\d+\.\d$/, tradePages: [],
    subscribe: { method: 'subscribe', params: { channel: 'trade', symbol: ['BTC/USD'], snapshot: false } },
    tradesOf: (m) => (m.channel === 'trade' && m.type === 'update' ? m.data.map((t: any) => ({
      id: String(t.trade_id), tsMs: Date.parse(t.timestamp), price: t.price, qty: t.qty, side: t.side,
    })) : []),
  },
  {
    venue: 'okx', symbol: 'BTC/USDT', fs: 'BTCUSDT', bars: 1500, window: (now) => fiveDaysBack(now, 1500),
    setupRequests: 2, priceText: /^\d+(\.\d+)?$/, tradePages: ['--page-limit', '20'],
    subscribe: { op: 'subscribe', args: [{ channel: 'trades', instId: 'BTC-USDT' }] },
    tradesOf: (m) => (m.arg?.channel === 'trades' && Array.isArray(m.data) ? m.data.map((t: any) => ({
      id: t.tradeId, tsMs: Number(t.ts), price: Number(t.px), qty: Number(t.sz), side: t.side,
    })) : []),
  },
  {
    venue: 'bitfinex', symbol: 'BTC/USD', fs: 'BTCUSD', bars: 1500, window: (now) => fiveDaysBack(now, 1500),
    setupRequests: 1, priceText: /^\d+$/, tradePages: [], // no fetchTime
    subscribe: { event: 'subscribe', channel: 'trades', symbol: 'tBTCUSD' },
    tradesOf: (m) => (Array.isArray(m) && m[1] === 'te' ? [{
      id: String(m[2][0]), tsMs: m[2][1], price: m[2][3], qty: Math.abs(m[2][2]), side: m[2][2] > 0 ? 'buy' : 'sell',
    }] : []),
  },
];


describe.each(CASES)('history against the $venue simulator', (c) => {
  let sim: SimHandle;
  let dataDir: string;
  const common = (): string[] => ['--venue', c.venue, '--symbol', c.symbol, '--rest-url', sim.restUrl, '--data-dir', dataDir, '--no-rate-limit'];
  const dayDir = (ms: number): string => join(dataDir, c.venue, c.fs, ymd(ms));

  beforeAll(async () => {
    sim = await startSim({ venue: c.venue, symbols: [c.symbol], seed: SEED, diffIntervalMs: 10 });
    dataDir = await mkdtemp(join(tmpdir(), `mf-history-${c.venue}-`));
  });
  afterAll(async () => {
    await sim.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it(`candles: the window with its maintenance holes gap-filled; a re-run fetches nothing`, async () => {
    const [from, to] = c.window(Date.now());
    // the halted minutes, from the model; holes at either end have no close to fill from
    const halted = new Set<number>();
    for (const [a, b] of maintenanceHalts(SEED, from, to)) for (let t = Math.max(a, from); t < Math.min(b, to); t += MIN) halted.add(t);
    const served = [...Array(c.bars).keys()].map((i) => from + i * MIN).filter((t) => !halted.has(t));
    const first = served[0];
    const last = served[served.length - 1];
    const filled = [...halted].filter((t) => t > first && t < last).sort((a, b) => a - b);
    expect(filled.length).toBeGreaterThan(0);

    const args = ['candles', ...common(), '--timeframe', '1m', '--from', iso(from), '--to', iso(to)];
    const r = await runCli(['history', ...args]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const days = [...new Set([from, to - MIN].map(ymd))];
    expect(r.stdout).toMatch(new RegExp(`fetched ${served.length} rows in \\d+ pages, ${filled.length} gap-filled; wrote ${days.length} day file\\(s\\)`));

    const rows: string[][] = [];
    for (const day of days) {
      const name = `candles_${c.fs}_1m_${day}`;
      const dir = join(dataDir, c.venue, c.fs, day);
      const csv = await readCsv(join(dir, `${name}.csv.gz`));
      expect(csv.header).toEqual(['timestamp', 'open', 'high', 'low', 'close', 'volume', 'trades', 'synthetic']);
      rows.push(...csv.rows);
      expect(await readdir(dir)).toContain(`${name}.parquet`);
    }
    const ts = rows.map((row) => Number(row[0]) / 1000);
    expect(ts).toEqual([...Array((last - first) / MIN + 1).keys()].map((i) => first + i * MIN));
    const synthetic = rows.filter((row) => row[7] === 'true' || row[7] === '1');
    expect(synthetic.map((row) => Number(row[0]) / 1000)).toEqual(filled);
    for (let i = 1; i < rows.length; i++) {
      const row = rows[i];
      if (!filled.includes(Number(row[0]) / 1000)) {
        expect(row[1]).toMatch(c.priceText);
        continue;
      }
      const close = rows[i - 1][4];
      expect(row.slice(1, 5)).toEqual([close, close, close, close]);
      expect(Number(row[5])).toBe(0);
    }
    if (c.venue === 'kraken') expect(rows.filter((row) => !synthetic.includes(row)).every((row) => Number(row[6]) > 0)).toBe(true);

    const again = await runCli(['history', ...args]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`already on disk; nothing fetched \\(${c.setupRequests} requests\\)`));
  });

  it('trades: a window equals what the simulator sent on its trade channel; a re-run fetches nothing', async () => {
    const seen: WsTrade[] = [];
    const ws = new WebSocket(sim.wsUrl);
    ws.on('message', (d) => {
      try {
        seen.push(...c.tradesOf(JSON.parse(d.toString())));
      } catch {
        // not JSON: not a trade
      }
    });
    await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
    ws.send(JSON.stringify(c.subscribe));
    for (const deadline = Date.now() + 15_000; seen.length < 150 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 100));
    ws.close();
    expect(seen.length).toBeGreaterThanOrEqual(150);
    // every trade in [from, to) was sent after the subscription
    const from = seen[0].tsMs + 1;
    const to = seen[seen.length - 1].tsMs;
    const want = seen.filter((t) => t.tsMs >= from && t.tsMs < to);
    const args = ['trades', ...common(), '--from', iso(from), '--to', iso(to), ...c.tradePages];
    const r = await runCli(['history', ...args]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`fetched ${want.length} rows in \\d+ pages`));
    if (c.tradePages.length > 0) expect(Number(/in (\d+) pages/.exec(r.stdout)?.[1])).toBeGreaterThanOrEqual(Math.ceil(want.length / 20));
    const csv = await readCsv(join(dayDir(from), `trades_${c.fs}_${ymd(from)}.csv.gz`));
    expect(csv.header).toEqual(['timestamp', 'price', 'qty', 'side', 'id', 'local_timestamp']);
    const got = csv.rows.map((row) => ({ id: row[4], tsMs: Number(row[0]) / 1000, price: Number(row[1]), qty: Number(row[2]), side: row[3] }));
    expect(got).toEqual(want);
    expect(csv.rows[0][1]).toMatch(c.priceText);

    const again = await runCli(['history', ...args]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already on disk; nothing fetched/);
  });

  if (c.venue === 'kraken') it('a --from older than its 720 most recent bars is refused with the earliest that works (exit 2)', async () => {
    const now = Date.now();
    const args = ['history', 'candles', ...common()];
    const r = await runCli([...args, '--from', iso(now - 800 * MIN), '--to', iso(now - 100 * MIN)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^marketfeed: MF_ERR_USAGE: kraken keeps only its 720 most recent 1m bars; \S+ is older; expected --from (\S+) or later \(or a longer timeframe\)/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const earliest = /expected --from (\S+) or later/.exec(r.stderr)![1];
    expect(Date.parse(earliest)).toBeGreaterThan(now - 720 * MIN);
    // hourly bars reach 720 hours back
    const hours = await runCli([...args, '--timeframe', '1h', '--from', iso(now - 100 * 60 * MIN), '--to', iso(now - 5 * 60 * MIN)]);
    expect(hours.stderr).toBe('');
    expect(hours.code).toBe(0);
    expect(hours.stdout).toMatch(/fetched (9[4-6]) rows/);
  });

  if (c.venue === 'okx') it('okcoin goes to OKX\'s v5 API on its own host: candles from the OKX simulator', async () => {
    const to = Math.floor(Date.now() / MIN) * MIN - 3 * DAY;
    const r = await runCli(['history', 'candles', '--venue', 'okcoin', '--symbol', 'BTC/USDT', '--rest-url', sim.restUrl, '--data-dir', dataDir,
      '--no-rate-limit', '--from', iso(to - 60 * MIN), '--to', iso(to)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/candles okcoin BTC\/USDT 1m: .*fetched \d+ rows/);
    expect(await readdir(join(dataDir, 'okcoin', 'BTCUSDT'))).not.toEqual([]);
  });
});
