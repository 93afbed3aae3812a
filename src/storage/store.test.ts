import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Trade } from '../core/events.js';
import { dayPaths, openPathOf } from './layout.js';
import { readCsv } from './read.js';
import { Store, type StoreOptions } from './store.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mf-stores-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

const DAY1 = Date.UTC(2024, 0, 1) * 1000;
const trade = (symbol: string, id: string): Trade => ({
  type: 'trade', venue: 'binance', symbol, venueSymbol: symbol.replace('/', ''), ts: DAY1 + 1, localTs: DAY1 + 2,
  id, price: '1.5', amount: '2', side: 'sell',
});

function make(over: Partial<StoreOptions> = {}): Store {
  return new Store({
    dataDir, venueLabel: 'sim-binance', depth: 5, flushIntervalMs: 0,
    outputs: { raw: true, trades: true, book: true, events: true }, onError: (e) => { throw e; }, ...over,
  });
}

describe('Store', () => {
  it('hands out one SymbolStore per (venue label, symbol)', async () => {
    const store = make();
    expect(store.symbol('BTC/USDT')).toBe(store.symbol('BTC/USDT'));
    expect(store.symbol('BTC/USDT', 'binance')).not.toBe(store.symbol('BTC/USDT'));
    expect(store.symbolStores).toHaveLength(2);
    await store.closeAll();
  });

  it('flushes every symbol on its timer', async () => {
    const store = make({ flushIntervalMs: 10 });
    store.symbol('BTC/USDT').trade(trade('BTC/USDT', '1'));
    store.symbol('ETH/USDT').trade(trade('ETH/USDT', '2'));
    // while open, a part is written under its `.open` name (layout.ts "Parts")
    const btc = openPathOf(dayPaths(dataDir, 'sim-binance', 'BTC/USDT', '20240101').trades);
    const eth = openPathOf(dayPaths(dataDir, 'sim-binance', 'ETH/USDT', '20240101').trades);
    await vi.waitFor(() => expect(existsSync(btc) && existsSync(eth)).toBe(true), { timeout: 5000, interval: 10 });
    await vi.waitFor(async () => expect((await readCsv(eth)).rows).toHaveLength(1), { timeout: 5000, interval: 10 });
    await store.closeAll();
  });

  it('flushAll() and closeAll() write everything; closeAll() is idempotent', async () => {
    const store = make();
    const s = store.symbol('BTC/USDT');
    s.trade(trade('BTC/USDT', '1'));
    await store.flushAll();
    const path = dayPaths(dataDir, 'sim-binance', 'BTC/USDT', '20240101').trades;
    expect((await readCsv(openPathOf(path))).rows).toHaveLength(1);
    s.trade(trade('BTC/USDT', '2'));
    const [a, b] = [store.closeAll(), store.closeAll()];
    expect(a).toBe(b);
    await a;
    expect((await readCsv(path)).rows.map((r) => r[4])).toEqual(['1', '2']);
    expect(store.stats).toMatchObject({ rowsTrades: 2, droppedRows: 0, writeErrors: 0 });
    expect(store.stats.bytesWritten).toBeGreaterThan(0);
  });
});
