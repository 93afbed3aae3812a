import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { isMarketfeedError } from '../core/errors.js';
import { createGenTicksCommand, parseGenTicksFlags, type GenTicksFlags } from './gen-ticks.js';

const DEFAULTS: GenTicksFlags = {
  symbol: 'BTC/USDT', rows: '100000', seed: '1', dataDir: 'data', start: '2026-01-01T00:00:00Z', intervalMs: '100',
};

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('parseGenTicksFlags', () => {
  it('turns the defaults into generator options and the default path', () => {
    expect(parseGenTicksFlags(DEFAULTS)).toEqual({
      out: join('data', 'ticks', 'BTCUSDT_synthetic.csv'),
      options: {
        symbol: 'BTC/USDT', rows: 100000, seed: 1, startTs: 1_767_225_600_000_000, meanIntervalMs: 100,
        startPrice: undefined, tickSize: undefined, lotSize: undefined,
      },
    });
    expect(parseGenTicksFlags({ ...DEFAULTS, symbol: 'ETH/BTC', start: '2026-01-01T01:00:00.5+01:00', dataDir: '/d' })).toMatchObject({
      out: '/d/ticks/ETHBTC_synthetic.csv',
      options: { startTs: 1_767_225_600_500_000 },
    });
  });

  it.each([
    ['symbol', { symbol: 'BTCUSDT' }],
    ['symbol', { symbol: '../x/Y' }],
    ['rows', { rows: 'abc' }],
    ['rows', { rows: '0' }],
    ['rows', { rows: '-5' }],
    ['rows', { rows: '1.5' }],
    ['seed', { seed: '4294967296' }],
    ['seed', { seed: 'x' }],
    ['start', { start: 'yesterday' }],
    ['start', { start: '2026-01-01T00:00:00' }], // no zone: would depend on the machine's TZ
    ['interval-ms', { intervalMs: '0' }],
    ['interval-ms', { intervalMs: '-1' }],
    ['interval-ms', { intervalMs: 'fast' }],
    ['start-price', { startPrice: '0' }],
    ['tick-size', { tickSize: '1e-2' }],
    ['lot-size', { lotSize: '-0.1' }],
    ['out', { out: '' }],
  ])('--%s %j is a usage error naming the flag', (flag, bad) => {
    let err: unknown;
    try {
      parseGenTicksFlags({ ...DEFAULTS, ...bad });
    } catch (e) {
      err = e;
    }
    expect(isMarketfeedError(err, 'MF_ERR_USAGE')).toBe(true);
    expect((err as Error).message).toContain(`--${flag}`);
  });
});

describe('gen-ticks command', () => {
  it('reports a bad flag as one line on stderr and exit code 2, writing nothing', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await createGenTicksCommand().parseAsync(['--rows', 'many'], { from: 'user' });
    expect(process.exitCode).toBe(2);
    expect(stderr).toHaveBeenCalledTimes(1);
    const line = String(stderr.mock.calls[0][0]);
    expect(line).toMatch(/^marketfeed: MF_ERR_USAGE: bad --rows; expected .*; got "many"\n$/);
  });

  it('writes the file and prints its path and row count', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mf-gen-ticks-cli-'));
    dirs.push(dir);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    await createGenTicksCommand().parseAsync(['--symbol', 'ETH/USDT', '--rows', '250', '--seed', '9', '--data-dir', dir], { from: 'user' });
    const path = join(dir, 'ticks', 'ETHUSDT_synthetic.csv');
    expect(process.exitCode).toBe(0);
    expect(stdout).toHaveBeenCalledWith(`${path} 250 rows\n`);
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines[0]).toBe('timestamp,price,qty,side');
    expect(lines).toHaveLength(252); // header + 250 rows + the empty string after the last '\n'
  });

  it('reports an unwritable output as a write failure with the path (exit 1)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mf-gen-ticks-cli-'));
    dirs.push(dir);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const blocker = join(dir, 'file');
    await import('node:fs/promises').then((fs) => fs.writeFile(blocker, 'x'));
    await createGenTicksCommand().parseAsync(['--rows', '5', '--out', join(blocker, 'sub', 'x.csv')], { from: 'user' });
    expect(process.exitCode).toBe(1);
    expect(String(stderr.mock.calls[0][0])).toMatch(/MF_ERR_WRITE_FAILED: cannot write .*x\.csv \(ENOTDIR\)/);
  });
});
