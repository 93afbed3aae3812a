// replay() over small hand-written captures: the book follows the socket named by the open mark
// (FeedCore with no configured plans, planFromUrl), REST bodies seed it, symbols merge by
// localTs, --from/--to cut, and the ledger's runs reset and stop the books as the live run did.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../core/events.js';
import type { RawFrame } from '../core/frames.js';
import { silentLogger } from '../core/log.js';
import { eventRow, rawLine } from '../storage/csv.js';
import { FeedCore } from '../venues/feed-core.js';
import { binance, binanceFutures } from '../venues/binance/index.js';
import { parseTime, replay, seededRandom, type ReplayOptions } from './replay.js';

const T0 = Date.UTC(2024, 0, 2, 10) * 1000; // 2024-01-02 10:00 UTC, µs
const DAY = '20240102';
const URL_SPOT = 'ws://127.0.0.1:1/stream?streams=btcusdt@depth@100ms/btcusdt@trade/btcusdt@bookTicker/ethusdt@depth@100ms/ethusdt@trade/ethusdt@bookTicker';

const depth = (s: string, U: number, u: number, bid: string): string =>
  JSON.stringify({ stream: `${s.toLowerCase()}@depth@100ms`, data: { e: 'depthUpdate', E: 1, s, U, u, b: [[bid, '1.0']], a: [] } });
const trade = (s: string, t: number, p: string): string =>
  JSON.stringify({ stream: `${s.toLowerCase()}@trade`, data: { e: 'trade', E: 1, s, t, p, q: '0.5', T: 2, m: false } });
const snapshot = (id: number): string => JSON.stringify({ lastUpdateId: id, bids: [['100.0', '1.0']], asks: [['105.0', '1.0']] });

/** A symbol's frames as record writes them: open, REST snapshot, diffs, a trade, close. */
function frames(s: string, t0: number, connId = 1): RawFrame[] {
  let seq = 0;
  const f = (dt: number, dir: RawFrame['dir'], data: string, url?: string): RawFrame =>
    ({ venue: 'binance', connId: dir === 'rest' ? 0 : connId, recvSeq: dir === 'rest' ? 0 : ++seq, localTs: t0 + dt, dir, data, ...(url ? { url } : {}) });
  return [
    f(0, 'conn', `open ${URL_SPOT}`, URL_SPOT),
    f(10, 'in', depth(s, 5, 10, '100.1')),
    f(20, 'rest', snapshot(8), `http://127.0.0.1:1/api/v3/depth?symbol=${s}&limit=1000`),
    f(30, 'in', depth(s, 11, 12, '100.2')),
    f(40, 'in', trade(s, 7, '100.5')),
    f(50, 'in', depth(s, 13, 14, '100.3')),
    f(60, 'conn', 'close 1006 gone'),
  ];
}

function writeDay(dataDir: string, fs: string, rows: RawFrame[], ledger?: string[]): void {
  const dir = join(dataDir, 'sim-binance', fs, DAY);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `raw_${fs}_${DAY}.ndjson.gz`), gzipSync(rows.map(rawLine).join('')));
  if (ledger) writeFileSync(join(dir, `events_${fs}_${DAY}.csv.gz`), gzipSync('event_id,timestamp,local_timestamp,kind,state,detail\n' + ledger.join('')));
}

async function collect(opts: ReplayOptions): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  for await (const ev of replay(opts)) out.push(ev);
  return out;
}

const brief = (evs: MarketEvent[]): string[] =>
  evs.map((e) => e.type === 'status' ? `${e.symbol} ${e.state}` : e.type === 'book_snapshot' ? `${e.symbol} book@${e.updateId} ${e.bids[0][0]}` : e.type === 'trade' ? `${e.symbol} trade ${e.id}` : `${e.symbol} ${e.type}`);

describe('planFromUrl (Binance)', () => {
  it('reads venue symbols and whether the socket carries books from a combined-stream URL', () => {
    expect(binance.planFromUrl(URL_SPOT)).toEqual({ url: URL_SPOT, subscribe: [], venueSymbols: ['BTCUSDT', 'ETHUSDT'], book: true });
    const market = 'wss://fstream.binance.com/market/stream?streams=btcusdt@aggTrade/btcusdt@markPrice@1s';
    expect(binanceFutures.planFromUrl(market)).toEqual({ url: market, subscribe: [], venueSymbols: ['BTCUSDT'], book: false });
    const pub = 'wss://fstream.binance.com/public/stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker';
    expect(binanceFutures.planFromUrl(pub)?.book).toBe(true);
    expect(binance.planFromUrl('wss://stream.binance.com:9443/ws')).toBeUndefined();
    expect(binance.planFromUrl('wss://stream.binance.com:9443/stream?streams=')).toBeUndefined();
  });

  it('round-trips every plan the venue makes', () => {
    for (const spec of [binance, binanceFutures]) {
      for (const p of spec.plan('wss://x', ['BTCUSDT', 'ETHUSDT'], ['trades', 'book', 'quote', 'derivative'])) {
        expect(spec.planFromUrl(p.url)).toEqual(p);
      }
    }
  });
});

describe('FeedCore without configured plans', () => {
  function core(events: MarketEvent[]): FeedCore {
    return new FeedCore({
      spec: binance, symbols: ['BTC/USDT'], kinds: ['trades', 'book', 'quote'], depth: 5, plans: [], log: silentLogger,
      requestSnapshot: () => {}, handlers: { event: (e) => events.push(e) },
    });
  }

  it('follows the socket its open mark names, and a rotation on the same URL keeps the book', () => {
    const events: MarketEvent[] = [];
    const c = core(events);
    const fr = frames('BTCUSDT', T0);
    c.onFrame(fr[0]);
    expect(c.symbolsOfConn(1)).toEqual(['BTC/USDT']);
    c.onFrame(fr[1]);
    expect(c.onSnapshotBody('BTCUSDT', fr[2].data, fr[2].localTs, true)).toBeUndefined();
    c.onFrame(fr[3]);
    // make-before-break: a second socket on the same URL, then the first closes
    c.onFrame({ ...fr[0], connId: 2, localTs: T0 + 35 });
    c.onFrame({ ...fr[6], localTs: T0 + 36 });
    c.onFrame({ ...fr[5], connId: 2 });
    expect(c.stats()[0]).toMatchObject({ state: 'SYNCED', gaps: 0, resyncs: 0 });
    expect(brief(events).filter((x) => x.includes('book@'))).toEqual(['BTC/USDT book@10 100.1', 'BTC/USDT book@12 100.2', 'BTC/USDT book@14 100.3']);
  });
});

describe('replay() of a data directory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-replay-unit-'));
  writeDay(dataDir, 'BTCUSDT', frames('BTCUSDT', T0));
  writeDay(dataDir, 'ETHUSDT', frames('ETHUSDT', T0 + 5));

  it('runs raw frames through the books, REST bodies included, and ends STOPPED', async () => {
    const evs = await collect({ dataDir, venue: 'sim-binance', symbols: ['BTC/USDT'] });
    expect(brief(evs)).toEqual([
      'BTC/USDT SNAPSHOT', 'BTC/USDT SYNCING', 'BTC/USDT SYNCED', 'BTC/USDT book@10 100.1',
      'BTC/USDT book@12 100.2', 'BTC/USDT trade 7', 'BTC/USDT book@14 100.3', 'BTC/USDT RESYNCING', 'BTC/USDT STOPPED',
    ]);
    expect(evs.every((e) => e.venue === 'binance')).toBe(true);
    expect(evs.at(-1)).toMatchObject({ type: 'status', state: 'STOPPED', localTs: T0 + 60 });
  });

  it('merges symbols by the localTs of their next events, each symbol in its own order', async () => {
    const both = await collect({ dataDir, venue: 'sim-binance', symbols: ['BTC/USDT', 'ETH/USDT'] });
    const btc = await collect({ dataDir, venue: 'sim-binance', symbols: ['BTC/USDT'] });
    const eth = await collect({ dataDir, venue: 'sim-binance', symbols: ['ETH/USDT'] });
    expect(both.filter((e) => e.symbol === 'BTC/USDT')).toEqual(btc);
    expect(both.filter((e) => e.symbol === 'ETH/USDT')).toEqual(eth);
    // ETH's capture runs 5 µs behind BTC's: the symbols alternate rather than follow one another
    expect(brief(both).slice(0, 4)).toEqual(['BTC/USDT SNAPSHOT', 'ETH/USDT SNAPSHOT', 'BTC/USDT SYNCING', 'BTC/USDT SYNCED']);
  });

  it('keeps only events inside --from/--to (to exclusive)', async () => {
    const evs = await collect({ dataDir, venue: 'sim-binance', symbols: ['BTC/USDT'], from: T0 + 30, to: T0 + 50 });
    expect(brief(evs)).toEqual(['BTC/USDT book@12 100.2', 'BTC/USDT trade 7', 'BTC/USDT STOPPED']);
  });

  it('finds the symbols from the run_start rows; a new run is a fresh core; the book stops where the live one did', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mf-replay-runs-'));
    const run1 = frames('BTCUSDT', T0).slice(0, 6);
    const run2 = frames('BTCUSDT', T0 + 1000);
    writeDay(dir, 'BTCUSDT', [...run1, ...run2], [
      eventRow({ eventId: 1, ts: T0 - 1, localTs: T0 - 1, kind: 'run_start', state: '', detail: 'venue=binance symbols=BTC/USDT ETH/USDT depth=3 ws=x' }),
      // the live book stopped between the trade and the last diff: that diff moved no book
      eventRow({ eventId: 2, ts: T0 + 45, localTs: T0 + 45, kind: 'state', state: 'STOPPED', detail: 'book' }),
      eventRow({ eventId: 3, ts: T0 + 999, localTs: T0 + 999, kind: 'run_start', state: '', detail: 'venue=binance symbols=BTC/USDT depth=3 ws=x' }),
    ]);
    const evs = await collect({ dataDir: dir, venue: 'sim-binance' });
    const b = brief(evs);
    expect(b.filter((x) => x.includes('book@') || x.includes('trade') || x.includes('STOPPED'))).toEqual([
      'BTC/USDT book@10 100.1', 'BTC/USDT book@12 100.2', 'BTC/USDT trade 7', 'BTC/USDT STOPPED',
      // run 2: the same trade id again is not a duplicate for a fresh process
      'BTC/USDT book@10 100.1', 'BTC/USDT book@12 100.2', 'BTC/USDT trade 7', 'BTC/USDT book@14 100.3', 'BTC/USDT STOPPED',
    ]);
    const snap = evs.find((e) => e.type === 'book_snapshot');
    expect(snap?.type === 'book_snapshot' && snap.depth).toBe(3);
  });

  it('hands REST snapshots to the snapshot handler in stream order', async () => {
    const seen: string[] = [];
    for await (const ev of replay({ dataDir, venue: 'sim-binance', symbols: ['BTC/USDT'], handlers: { snapshot: (s, _b, _t, id) => seen.push(`${s} snapshot ${id}`) } })) {
      seen.push(brief([ev])[0]);
    }
    expect(seen.slice(0, 3)).toEqual(['BTC/USDT SNAPSHOT', 'BTC/USDT snapshot 8', 'BTC/USDT SYNCING']);
  });

  it('bad input is a MarketfeedError naming what is wrong', async () => {
    await expect(collect({ dataDir, venue: 'nosuch' })).rejects.toMatchObject({ code: 'MF_ERR_UNKNOWN_VENUE' });
    await expect(collect({ dataDir, venue: 'binance' })).rejects.toMatchObject({ code: 'MF_ERR_CONFIG' });
    await expect(collect({ dataDir, venue: 'sim-binance', symbols: ['SOL/USDT'] })).rejects.toMatchObject({ code: 'MF_ERR_CONFIG' });
    // no run_start row names the directory's symbol
    await expect(collect({ dataDir, venue: 'sim-binance' })).rejects.toThrow(/pass --symbols/);
  });
});

describe('helpers', () => {
  it('parseTime reads dates as UTC, datetimes without a zone as UTC, and epoch µs', () => {
    expect(parseTime('2024-01-02', 'from')).toBe(Date.UTC(2024, 0, 2) * 1000);
    expect(parseTime('20240102', 'from')).toBe(Date.UTC(2024, 0, 2) * 1000);
    expect(parseTime('2024-01-02T10:00', 'from')).toBe(T0);
    expect(parseTime('2024-01-02T11:00+01:00', 'from')).toBe(T0);
    expect(parseTime(String(T0), 'from')).toBe(T0);
    expect(() => parseTime('yesterday', 'from')).toThrow(/--from/);
  });

  it('the jitter source is seeded', () => {
    const a = seededRandom(7), b = seededRandom(7), c = seededRandom(8);
    const xs = [a(), a(), a()];
    expect([b(), b(), b()]).toEqual(xs);
    expect(c()).not.toBe(xs[0]);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });
});
