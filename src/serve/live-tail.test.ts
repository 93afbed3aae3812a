import { appendFileSync, mkdirSync, mkdtempSync, openSync, renameSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MarketEvent } from '../core/events.js';
import { silentLogger } from '../core/log.js';
import { LiveTail } from './live-tail.js';

const trade = (id: number): MarketEvent => ({ type: 'trade', venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', ts: id, localTs: id, id: String(id), price: '1.5', amount: '2', side: 'buy' });
const line = (id: number): string => JSON.stringify(trade(id)) + '\n';

describe('LiveTail', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('reads the current file, follows appends across a rotation without losing a line, skips bad lines', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mf-tail-'));
    dirs.push(dataDir);
    mkdirSync(join(dataDir, 'live'));
    const path = join(dataDir, 'live', 'live_trades.ndjson');
    appendFileSync(path, line(1) + line(2) + 'not json\n{"type":"trade"}\n');
    const got: string[] = [];
    const tail = new LiveTail({ dataDir, log: silentLogger, onEvent: (ev) => got.push(ev.type === 'trade' ? ev.id : ev.type) });
    await tail.poll();
    expect(got).toEqual(['1', '2']);
    expect(tail.stats.rejected).toBe(2);

    // a line split across two writes is read once whole
    const half = line(3);
    appendFileSync(path, half.slice(0, 20));
    await tail.poll();
    appendFileSync(path, half.slice(20));
    await tail.poll();
    expect(got).toEqual(['1', '2', '3']);

    // rotation as LiveFiles does it: rename aside while the old stream still writes, then a new file
    const fd = openSync(path, 'a');
    renameSync(path, join(dataDir, 'live', 'live_trades.20260101T000000Z.ndjson'));
    writeSync(fd, line(4));
    closeSync(fd);
    appendFileSync(path, line(5));
    await tail.poll();
    expect(got).toEqual(['1', '2', '3', '4', '5']);
    expect(tail.stats.rotations).toBe(1);
    await tail.stop();
  });

  it('waits for a file that does not exist yet', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mf-tail-'));
    dirs.push(dataDir);
    const got: MarketEvent[] = [];
    const tail = new LiveTail({ dataDir, log: silentLogger, onEvent: (ev) => got.push(ev) });
    await tail.poll();
    mkdirSync(join(dataDir, 'live'));
    appendFileSync(join(dataDir, 'live', 'live_events.ndjson'), line(9));
    await tail.poll();
    expect(got.length).toBe(1);
    await tail.stop();
  });
});
