import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { isMarketfeedError } from '../core/errors.js';
import { dataFileName, dayDir, dayPaths, OPEN_SUFFIX, parseDataFileName, partsOf, snapshotEventId, snapshotRelPath, venueLabelFs } from './layout.js';

describe('layout', () => {
  it('builds the day directory from venue label, SYMBOL_FS and UTC day', () => {
    expect(dayDir('/data', 'binance-futures', 'BTC/USDT:USDT', '20240229')).toBe(join('/data', 'binance-futures', 'BTCUSDTUSDT', '20240229'));
  });

  it.each([
    ['raw', 'raw_BTCUSDT_20240101.ndjson.gz'],
    ['trades', 'trades_BTCUSDT_20240101.csv.gz'],
    ['book', 'book_BTCUSDT_20240101.csv.gz'],
    ['events', 'events_BTCUSDT_20240101.csv.gz'],
  ] as const)('names the %s file %s', (kind, name) => {
    expect(dataFileName(kind, 'BTC/USDT', '20240101')).toBe(name);
  });

  it('gathers all paths of a day', () => {
    const p = dayPaths('d', 'sim-binance', 'ETH/USDT', '20240102');
    const dir = join('d', 'sim-binance', 'ETHUSDT', '20240102');
    expect(p).toEqual({
      dir,
      raw: join(dir, 'raw_ETHUSDT_20240102.ndjson.gz'),
      trades: join(dir, 'trades_ETHUSDT_20240102.csv.gz'),
      book: join(dir, 'book_ETHUSDT_20240102.csv.gz'),
      events: join(dir, 'events_ETHUSDT_20240102.csv.gz'),
      snapshots: join(dir, 'snapshots'),
    });
  });

  it.each(['Binance', '../x', 'a/b', '', 'bin ance', 'x.y'])('rejects venue label %j', (label) => {
    expect(() => venueLabelFs(label)).toThrow(expect.objectContaining({ code: 'MF_ERR_CONFIG' }));
  });

  it.each(['../../etc', 'BTC/..', 'a\u0000b'])('rejects symbol %j with a config error', (symbol) => {
    try {
      dayDir('/data', 'binance', symbol, '20240101');
      expect.unreachable();
    } catch (e) {
      expect(isMarketfeedError(e, 'MF_ERR_CONFIG')).toBe(true);
    }
  });

  it.each(['2024-01-01', '2024011', '../20240101'])('rejects day %j', (day) => {
    expect(() => dayDir('/data', 'binance', 'BTC/USDT', day)).toThrow(expect.objectContaining({ code: 'MF_ERR_CONFIG' }));
  });

  it('names snapshots by event id and tag, and reads the id back', () => {
    const rel = snapshotRelPath(42, 'rest');
    expect(rel).toBe('snapshots/snapshot_42_rest.json');
    expect(snapshotEventId('snapshot_42_rest.json')).toBe(42);
    expect(snapshotEventId('snapshot_42_rest.json.tmp-1')).toBeUndefined();
    expect(() => snapshotRelPath(1, '../x')).toThrow(expect.objectContaining({ code: 'MF_ERR_CONFIG' }));
    expect(() => snapshotRelPath(-1, 'rest')).toThrow(expect.objectContaining({ code: 'MF_ERR_CONFIG' }));
  });
});

describe('parts', () => {
  it.each([
    [0, 'trades_BTCUSDT_20240101.csv.gz'],
    [1, 'trades_BTCUSDT_20240101.0001.csv.gz'],
    [12345, 'trades_BTCUSDT_20240101.12345.csv.gz'],
  ])('part %i is named %s', (part, name) => {
    expect(dataFileName('trades', 'BTC/USDT', '20240101', part)).toBe(name);
    expect(parseDataFileName(name)).toMatchObject({ kind: 'trades', symbolFs: 'BTCUSDT', day: '20240101', part, open: false, finalName: name });
    expect(parseDataFileName(name + OPEN_SUFFIX)).toMatchObject({ part, open: true, finalName: name });
  });

  it('orders parts by number, not by string; a finished part wins over a stale .open twin', () => {
    const names = [
      'raw_BTCUSDT_20240101.0010.ndjson.gz', 'raw_BTCUSDT_20240101.0002.ndjson.gz.open', 'raw_BTCUSDT_20240101.ndjson.gz',
      'raw_BTCUSDT_20240101.0002.ndjson.gz', 'raw_ETHUSDT_20240101.ndjson.gz', 'trades_BTCUSDT_20240101.csv.gz', '.raw_BTCUSDT_20240101.ndjson.gz.writing',
    ];
    expect(partsOf(names, 'raw', 'BTCUSDT', '20240101').map((p) => p.name)).toEqual([
      'raw_BTCUSDT_20240101.ndjson.gz', 'raw_BTCUSDT_20240101.0002.ndjson.gz', 'raw_BTCUSDT_20240101.0010.ndjson.gz',
    ]);
  });

  it('rejects names that are not ours', () => {
    for (const n of ['trades_BTCUSDT_20240101.ndjson.gz', 'raw_BTCUSDT_20240101.csv.gz', 'trades_BTCUSDT_20240101.0000.csv.gz', 'trades_BTCUSDT_2024.csv.gz']) {
      expect(parseDataFileName(n), n).toBeUndefined();
    }
  });
});
