import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BookChange, Trade } from '../core/events.js';
import type { MarketfeedError } from '../core/errors.js';
import { LiveFiles, liveStamp } from './live.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mf-live-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const trade = (id: string): Trade => ({
  type: 'trade', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: 1, localTs: 2, id, price: '42000.1', amount: '0.5', side: 'buy',
});
const diff = (lastId: number): BookChange => ({
  type: 'book_change', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: 1, localTs: 2, isSnapshot: false,
  firstId: lastId - 1, lastId, bids: [['41999.9', '0']], asks: [['42000.1', '1.5']],
} as BookChange);

function live(now: { ms: number }, retentionS = 60) {
  const errors: MarketfeedError[] = [];
  const l = new LiveFiles({ dataDir, rotateS: 3600, retentionS, maxBufferBytes: 1 << 20, onError: (e) => errors.push(e), now: () => now.ms });
  return { l, errors };
}

const lines = (p: string): unknown[] => readFileSync(p, 'utf8').split('\n').filter(Boolean).map((x) => JSON.parse(x));

describe('LiveFiles', () => {
  it('appends one JSON line per event, rotates to a timestamped name, starts a new file', async () => {
    const now = { ms: Date.UTC(2024, 0, 1, 12, 0, 0) };
    const { l, errors } = live(now);
    l.trade(trade('1'));
    l.depthDiff(diff(10));
    now.ms += 5000;
    await l.rotate();
    l.trade(trade('2'));
    await l.close();
    expect(errors).toEqual([]);
    const dir = join(dataDir, 'live');
    expect(readdirSync(dir).sort()).toEqual([
      'live_depth_diffs.20240101T120000Z.ndjson', 'live_trades.20240101T120000Z.ndjson', 'live_trades.ndjson',
    ]);
    expect(lines(join(dir, 'live_trades.20240101T120000Z.ndjson'))).toEqual([trade('1')]);
    expect(lines(join(dir, 'live_depth_diffs.20240101T120000Z.ndjson'))).toEqual([diff(10)]);
    expect(lines(join(dir, 'live_trades.ndjson'))).toEqual([trade('2')]);
    expect(l.stats).toMatchObject({ lines: 3, dropped: 0, rotations: 2 });
  });

  it('deletes rotated files older than the retention, keeps newer ones and the current file', async () => {
    const now = { ms: Date.UTC(2024, 0, 1, 12, 0, 0) };
    const { l } = live(now, 60);
    l.trade(trade('old'));
    await l.rotate();
    const dir = join(dataDir, 'live');
    const old = join(dir, `live_trades.${liveStamp(now.ms)}.ndjson`);
    utimesSync(old, (now.ms - 120_000) / 1000, (now.ms - 120_000) / 1000); // rotated two minutes "ago"
    now.ms += 1000;
    l.trade(trade('new'));
    await l.rotate();
    l.trade(trade('current'));
    await l.rotate(); // prunes
    expect(existsSync(old)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.startsWith('live_trades.')).length).toBe(2);
    expect(l.stats.deleted).toBe(1);
    await l.close();
  });

  it('drops (and counts) lines beyond its buffer instead of growing', async () => {
    const now = { ms: Date.UTC(2024, 0, 1) };
    const errors: MarketfeedError[] = [];
    const l = new LiveFiles({ dataDir, rotateS: 3600, retentionS: 0, maxBufferBytes: 1000, onError: (e) => errors.push(e), now: () => now.ms });
    for (let i = 0; i < 200; i++) l.trade(trade(String(i))); // synchronously: nothing reached the disk yet
    expect(l.stats.dropped).toBeGreaterThan(0);
    expect(l.stats.lines + l.stats.dropped).toBe(200);
    await l.close();
    expect(lines(join(dataDir, 'live', 'live_trades.ndjson'))).toHaveLength(l.stats.lines);
  });
});
