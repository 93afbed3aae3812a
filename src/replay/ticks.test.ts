import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Trade } from '../core/events.js';
import { isMarketfeedError } from '../core/errors.js';
import { writeTicksFile } from './gen-ticks.js';
import { inferTicksSymbol, newTicksReplayStats, replayTicks, type TickReject, type TicksReplayOptions } from './ticks.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mf-ticks-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(path: string, opts: TicksReplayOptions = {}): Promise<{ trades: Trade[]; rejects: TickReject[] }> {
  const trades: Trade[] = [];
  const rejects: TickReject[] = [];
  for await (const t of replayTicks(path, { onReject: (r) => rejects.push(r), ...opts })) trades.push(t);
  return { trades, rejects };
}

async function usageError(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(isMarketfeedError(e, 'MF_ERR_USAGE')).toBe(true);
  return (e as Error).message;
}

const GEN = { symbol: 'BTC/USDT', rows: 3000, seed: 3, startTs: 1_767_225_600_000_000, meanIntervalMs: 100 };

describe('inferTicksSymbol', () => {
  it.each([
    ['data/ticks/BTCUSDT_synthetic.csv', 'BTC/USDT'],
    ['BTCUSDT_synthetic.csv.gz', 'BTC/USDT'],
    ['/x/ETHBTC_2026.csv', 'ETH/BTC'],
    ['SOLUSDC_a_b.csv', 'SOL/USDC'],
    ['BTCUSD_x.csv', 'BTC/USD'],
    ['BTCFDUSD_x.csv', 'BTC/FDUSD'],
    ['ETHEUR.csv', 'ETH/EUR'],
    ['btcusdt_lower.csv', 'BTC/USDT'],
    ['BTCUSDTUSDT_perp.csv', 'BTC/USDT:USDT'],
  ])('%s → %s', (path, symbol) => {
    expect(inferTicksSymbol(path)).toBe(symbol);
  });

  it.each(['ticks.csv', 'BTCXYZ_a.csv', 'USDT_a.csv', 'BTCUSDT_a.txt', 'BTC-USDT_a.csv'])('%s → needs --symbol', (path) => {
    expect(inferTicksSymbol(path)).toBeUndefined();
  });
});

describe('replayTicks', () => {
  it('round-trips a generated file: every row is a schema-valid trade with the file text', async () => {
    const file = await writeTicksFile(join(dir, 'BTCUSDT_synthetic.csv'), GEN);
    const lines = (await readFile(file.path, 'utf8')).split('\n').slice(1, -1);
    const stats = newTicksReplayStats();
    const { trades, rejects } = await collect(file.path, { stats });
    expect(rejects).toEqual([]);
    expect(trades).toHaveLength(GEN.rows);
    trades.forEach((t, i) => {
      expect(Trade.parse(t)).toEqual(t);
      const [ts, price, qty, side] = lines[i].split(',');
      expect(t).toEqual({
        type: 'trade', venue: 'ticks', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT',
        ts: Number(ts), localTs: Number(ts), id: String(i + 1), price, amount: qty, side,
      });
    });
    expect(stats).toEqual({ rows: GEN.rows, yielded: GEN.rows, rejected: 0, firstTs: file.firstTs, lastTs: file.lastTs });
  });

  it('reads .gz files (detected by magic bytes) into the same trades', async () => {
    const plain = await writeTicksFile(join(dir, 'ETHUSDT_p.csv'), { ...GEN, symbol: 'ETH/USDT' });
    const gz = await writeTicksFile(join(dir, 'ETHUSDT_p.csv.gz'), { ...GEN, symbol: 'ETH/USDT' });
    const a = await collect(plain.path);
    const b = await collect(gz.path);
    expect(b.trades).toHaveLength(GEN.rows);
    expect(b.trades).toEqual(a.trades);
  });

  it('returns the stats as the generator result and honours venue/symbol options', async () => {
    const path = join(dir, 'ticks_custom.csv');
    await writeFile(path, 'timestamp,price,qty,side\r\n5,1.5,2,unknown\r\n5,1.6,0.1,sell\r\n');
    const gen = replayTicks(path, { venue: 'sim', symbol: 'SOL/EUR' });
    const first = await gen.next();
    expect(first.value).toMatchObject({ venue: 'sim', symbol: 'SOL/EUR', venueSymbol: 'SOLEUR', side: 'unknown', price: '1.5', amount: '2', id: '1' });
    expect((await gen.next()).value).toMatchObject({ side: 'sell', price: '1.6', id: '2', ts: 5 });
    expect(await gen.next()).toEqual({ done: true, value: { rows: 2, yielded: 2, rejected: 0, firstTs: 5, lastTs: 5 } });
  });

  it('rejects malformed and out-of-order rows with their line numbers, never yielding them', async () => {
    const path = join(dir, 'BTCUSDT_bad.csv');
    const body = [
      'timestamp,price,qty,side', //                  line 1
      '1000,100.5,0.1,buy', //                        2 ok → id 1
      '1001,100.6,0.1', //                            3 three fields
      '1002,100.7,0.1,sell,extra', //                 4 five fields
      '1.5e3,100,1,buy', //                           5 timestamp not an integer
      '1003,-1,1,buy', //                             6 negative price
      '1003,0.000,1,buy', //                          7 zero price
      '1003,100,1e-3,buy', //                         8 exponent qty
      '1003,100,1,BUY', //                            9 side
      '', //                                          10 empty line
      '999,100,1,sell', //                            11 before line 2's 1000
      '1004,101.25,2.5,sell', //                      12 ok → id 11
      '99999999999999999,1,1,buy', //                 13 beyond 2^53
    ].join('\n') + '\n';
    await writeFile(path, body);
    const stats = newTicksReplayStats();
    const { trades, rejects } = await collect(path, { stats });
    expect(trades.map((t) => [t.id, t.ts, t.price, t.amount, t.side])).toEqual([
      ['1', 1000, '100.5', '0.1', 'buy'],
      ['11', 1004, '101.25', '2.5', 'sell'],
    ]);
    expect(rejects.map((r) => r.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 13]);
    expect(rejects.map((r) => r.reason)).toEqual([
      expect.stringMatching(/4 fields/), expect.stringMatching(/4 fields/), expect.stringMatching(/timestamp/),
      expect.stringMatching(/price/), expect.stringMatching(/price/), expect.stringMatching(/qty/),
      expect.stringMatching(/side/), expect.stringMatching(/4 fields/), expect.stringMatching(/before the previous/),
      expect.stringMatching(/timestamp/),
    ]);
    expect(rejects[0]).toEqual({ path, line: 3, reason: expect.any(String), text: '1001,100.6,0.1' });
    expect(stats).toEqual({ rows: 12, yielded: 2, rejected: 10, firstTs: 1000, lastTs: 1004 });
  });

  it('fails as a usage error on a missing header, an empty file, a missing file or an unknown symbol', async () => {
    const noHeader = join(dir, 'BTCUSDT_noheader.csv');
    await writeFile(noHeader, '1000,100,1,buy\n');
    expect(await usageError(collect(noHeader))).toMatch(/header/);
    const empty = join(dir, 'BTCUSDT_empty.csv');
    await writeFile(empty, '');
    expect(await usageError(collect(empty))).toMatch(/empty/);
    expect(await usageError(collect(join(dir, 'BTCUSDT_missing.csv')))).toMatch(/ENOENT/);
    const unnamed = join(dir, 'ticks.csv');
    await writeFile(unnamed, 'timestamp,price,qty,side\n');
    expect(await usageError(collect(unnamed))).toMatch(/--symbol/);
    expect(await usageError(collect(unnamed, { symbol: 'BTCUSDT' }))).toMatch(/unified symbol/);
    expect(await collect(unnamed, { symbol: 'BTC/USDT' })).toEqual({ trades: [], rejects: [] });
  });

  it('surfaces a corrupt gzip file as an error', async () => {
    const path = join(dir, 'BTCUSDT_corrupt.csv.gz');
    const gz = gzipSync('timestamp,price,qty,side\n' + '1,1,1,buy\n'.repeat(10_000));
    await writeFile(path, gz.subarray(0, gz.length >> 1)); // truncated mid-stream
    await expect(collect(path)).rejects.toThrow(/end of file/);
  });

  it('stops reading when the consumer breaks out early', async () => {
    const file = await writeTicksFile(join(dir, 'BTCUSDT_early.csv.gz'), GEN);
    const stats = newTicksReplayStats();
    let n = 0;
    for await (const _ of replayTicks(file.path, { stats })) if (++n === 10) break;
    expect(stats.yielded).toBe(10);
  });
});
