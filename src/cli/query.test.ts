import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { trade, writeDay } from '../../test/data-dir.js';
import { parseCsv } from '../storage/csv.js';
import { formatTable, runQuery } from './query.js';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mf-cli-query-'));
  await writeDay(dataDir, {
    venue: 'binance', symbol: 'BTC/USDT', day: '20240101',
    trades: [trade('x', 0, '100.5', '1', 'buy'), trade('x', 1, '100.6', '2', 'sell'), trade('x', 2, '100.7', '3', 'buy')],
    events: [{ eventId: 1, ts: 1, localTs: 2, kind: 'warn', detail: 'a, "quoted" detail' }],
  });
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function query(sql: string, format?: string, isTTY = false, dir = dataDir) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await runQuery(sql, { dataDir: dir, format }, { stdout, stderr, isTTY });
  return { code, out, err };
}

const EXAMPLE = "select side, count(*) n, sum(qty::double) q from trades where symbol='BTC/USDT' group by 1 order by 1";

describe('runQuery', () => {
  it('writes CSV when stdout is not a terminal, RFC 4180-quoted', async () => {
    const r = await query(EXAMPLE);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toBe('side,n,q\nbuy,2,4\nsell,1,2\n');
    const detail = await query('select detail from events');
    expect(parseCsv(detail.out)).toEqual([['detail'], ['a, "quoted" detail']]);
  });

  it('writes a JSON array of row objects with --format json', async () => {
    const r = await query(EXAMPLE, 'json');
    expect(JSON.parse(r.out)).toEqual([{ side: 'buy', n: 2, q: 4 }, { side: 'sell', n: 1, q: 2 }]);
    expect(JSON.parse((await query('select * from trades where false', 'json')).out)).toEqual([]);
  });

  it('writes an aligned table on a terminal', async () => {
    const r = await query(EXAMPLE, undefined, true);
    expect(r.out).toBe('side  n  q\n----  -  -\nbuy   2  4\nsell  1  2\n(2 rows)\n');
  });

  it.each([
    ['bad SQL', 'selec 1', undefined, 'Parser Error'],
    ['an unknown view', 'select * from candles', undefined, 'Catalog Error'],
    ['an unknown format', 'select 1', 'xml', 'unknown --format'],
    ['a failing cast at run time', "select 'x'::int from trades", undefined, 'Conversion Error'],
  ])('exits 2 with one line on stderr for %s', async (_what, sql, format, text) => {
    const r = await query(sql, format);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain(text);
    expect(r.err).toMatch(/^marketfeed: MF_ERR_USAGE/);
  });

  it('exits 2 for an empty data dir', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'mf-cli-query-empty-'));
    try {
      const r = await query('select 1', undefined, false, empty);
      expect(r.code).toBe(2);
      expect(r.err).toContain('no trades, book or events files');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('formatTable', () => {
  it('right-aligns numbers, shows NULL and cuts long cells', () => {
    const text = formatTable([{ name: 'a', type: 'VARCHAR' }, { name: 'num', type: 'DOUBLE' }], [['x'.repeat(70), null], ['y', 10.5]]);
    const lines = text.split('\n');
    expect(lines[2]).toBe(`${'x'.repeat(59)}…  NULL`);
    expect(lines[3]).toBe(`y${' '.repeat(61)}10.5`);
  });
});
