// CaptureSink with a trading window: market data outside the window is not written, the ledger
// says when the window opened and closed, and files still split at UTC midnight.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../src/core/config.js';
import type { BookSnapshot, MarketEvent, Trade } from '../src/core/events.js';
import type { RawFrame } from '../src/core/frames.js';
import { silentLogger } from '../src/core/log.js';
import { CaptureSink } from '../src/storage/capture.js';
import { dayPaths, symbolDirName } from '../src/storage/layout.js';
import { readKind, readLedger } from './ledger.js';

const SYMBOL = 'BTC/USDT';
const LABEL = 'sim-binance';
const us = (iso: string): number => Date.parse(iso) * 1000;

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'mf-window-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

function config(window: Config['window']): Config {
  const cfg = defaultConfig();
  cfg.dataDir = dataDir;
  cfg.depth = 1;
  cfg.symbols = [SYMBOL];
  cfg.window = window;
  return cfg;
}

const trade = (id: string, localTs: number): Trade => ({
  type: 'trade', venue: 'binance', symbol: SYMBOL, venueSymbol: 'BTCUSDT', ts: localTs - 100, localTs, id, price: '100.5', amount: '1', side: 'buy',
});
const book = (updateId: number, localTs: number): BookSnapshot => ({
  type: 'book_snapshot', venue: 'binance', symbol: SYMBOL, venueSymbol: 'BTCUSDT', ts: localTs - 100, localTs, depth: 1, updateId,
  bids: [['100', '1']], asks: [['101', '2']],
});
const frame = (recvSeq: number, localTs: number): RawFrame => ({
  venue: 'binance', connId: 1, recvSeq, localTs, dir: 'in', data: `{"seq":${recvSeq}}`,
});

function rawSeqs(day: string): number[] {
  const p = dayPaths(dataDir, LABEL, SYMBOL, day).raw;
  if (!existsSync(p)) return [];
  return gunzipSync(readFileSync(p)).toString('utf8').split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as RawFrame).recvSeq);
}

describe('CaptureSink trading window', () => {
  it('writes market data only inside an overnight window, ledgers every open and close, splits days at UTC midnight', async () => {
    // 22:00 → 02:00 next day, UTC: each window spans a UTC midnight
    const sink = new CaptureSink({
      config: config({ tz: 'UTC', startHhmm: '2200', endHhmm: '0200', endDayOffset: 1 }),
      venueLabel: LABEL, venue: 'binance', symbols: [SYMBOL], log: silentLogger,
    });
    const h = sink.handlers;
    const status: MarketEvent = { type: 'status', venue: 'binance', symbol: SYMBOL, venueSymbol: 'BTCUSDT', ts: us('2024-01-02T01:00:00Z'), localTs: us('2024-01-02T01:00:00Z'), scope: 'book', state: 'SYNCED' };
    const gap: MarketEvent = { type: 'gap', venue: 'binance', symbol: SYMBOL, venueSymbol: 'BTCUSDT', ts: us('2024-01-02T03:00:00Z'), localTs: us('2024-01-02T03:00:00Z'), scope: 'book', expected: 'U<=11', got: 'U=15', action: 'resync', reason: 'missed diffs' };

    h.event(trade('t1', us('2024-01-01T21:00:00Z')));          // closed (before the first open)
    h.raw(frame(1, us('2024-01-01T21:30:00Z')), [SYMBOL]);     // closed
    h.event(book(1, us('2024-01-01T22:00:00Z') - 1));     // closed, 1 µs before opening
    h.event(trade('t2', us('2024-01-01T22:00:00Z')));          // opens exactly here
    h.raw(frame(2, us('2024-01-01T23:00:00Z')), [SYMBOL]);
    h.event(book(2, us('2024-01-01T23:59:00Z')));
    h.event(trade('t3', us('2024-01-02T00:30:00Z')));          // next UTC day, still open
    h.raw(frame(3, us('2024-01-02T00:31:00Z')), [SYMBOL]);
    h.event(status);                                           // ledger row, open
    h.event(trade('t4', us('2024-01-02T02:00:00Z') + 1));      // closed since 02:00
    h.event(book(3, us('2024-01-02T03:00:00Z')));              // closed
    h.raw(frame(4, us('2024-01-02T03:00:00Z')), [SYMBOL]);     // closed
    h.event(gap);                                              // ledgered although closed
    h.event(trade('t5', us('2024-01-02T22:30:00Z')));          // open again (22:00 crossed unseen)
    await sink.close();

    const fs = symbolDirName(SYMBOL);
    expect(readKind(dataDir, LABEL, fs, 'trades').rows.map((r) => r[4])).toEqual(['t2', 't3', 't5']);
    expect(readKind(dataDir, LABEL, fs, 'book').rows).toHaveLength(1);
    expect(rawSeqs('20240101')).toEqual([2]);
    expect(rawSeqs('20240102')).toEqual([3]);
    // day split by localTs: t2 on the 1st, t3 and t5 on the 2nd
    expect(existsSync(dayPaths(dataDir, LABEL, SYMBOL, '20240101').trades)).toBe(true);
    expect(existsSync(dayPaths(dataDir, LABEL, SYMBOL, '20240102').trades)).toBe(true);

    const ledger = readLedger(dataDir, LABEL, fs).map((r) => ({ kind: r.kind, at: new Date(r.localTs / 1000).toISOString(), detail: r.detail }));
    expect(ledger.map((r) => [r.kind, r.at])).toEqual([
      ['window_close', '2024-01-01T21:00:00.000Z'],  // where the window stood at the first row
      ['window_open', '2024-01-01T22:00:00.000Z'],
      ['state', '2024-01-02T01:00:00.000Z'],
      ['window_close', '2024-01-02T02:00:00.000Z'],
      ['gap', '2024-01-02T03:00:00.000Z'],
      ['window_open', '2024-01-02T22:00:00.000Z'],
    ]);
    expect(ledger[0].detail).toContain('at_start=1');
    expect(ledger[1].detail).toContain('next_change=2024-01-02T02:00:00.000Z');
    expect(ledger[3].detail).toBe('tz=UTC start=2200 end=0200 end_day_offset=1 next_change=2024-01-02T22:00:00.000Z');
    expect(sink.stats()).toMatchObject({ rowsTrades: 3, rowsBook: 1, rawFrames: 2 });
  });

  it('ledgers a close and reopen crossed between two rows, and judges a late row by its own localTs', async () => {
    const sink = new CaptureSink({
      config: config({ tz: 'America/New_York', startHhmm: '0930', endHhmm: '1600', endDayOffset: 0 }),
      venueLabel: LABEL, venue: 'binance', symbols: [SYMBOL], log: silentLogger,
    });
    const h = sink.handlers;
    h.event(trade('a', us('2024-03-08T15:00:00Z')));  // Fri 10:00 EST: open
    h.event(trade('b', us('2024-03-11T14:00:00Z')));  // Mon 10:00 EDT: open; Fri close, Sat/Sun open+close crossed
    h.event(trade('late', us('2024-03-11T13:29:00Z'))); // from a slower connection: 09:29 EDT, closed
    h.event(trade('c', us('2024-03-11T20:00:00Z')));  // Mon 16:00 EDT: closed
    await sink.close();

    const fs = symbolDirName(SYMBOL);
    expect(readKind(dataDir, LABEL, fs, 'trades').rows.map((r) => r[4])).toEqual(['a', 'b']);
    expect(readLedger(dataDir, LABEL, fs).map((r) => `${r.kind} ${new Date(r.localTs / 1000).toISOString()}`)).toEqual([
      'window_open 2024-03-08T15:00:00.000Z',
      'window_close 2024-03-08T21:00:00.000Z',
      'window_open 2024-03-09T14:30:00.000Z',
      'window_close 2024-03-09T21:00:00.000Z',
      'window_open 2024-03-10T13:30:00.000Z',   // the DST change: 09:30 EDT
      'window_close 2024-03-10T20:00:00.000Z',
      'window_open 2024-03-11T13:30:00.000Z',
      'window_close 2024-03-11T20:00:00.000Z',
    ]);
  });

  it('writes everything and no window rows by default', async () => {
    const sink = new CaptureSink({ config: config(defaultConfig().window), venueLabel: LABEL, venue: 'binance', symbols: [SYMBOL], log: silentLogger });
    sink.handlers.event(trade('x', us('2024-01-01T03:00:00Z')));
    sink.handlers.raw(frame(1, us('2024-01-01T03:00:01Z')), [SYMBOL]);
    sink.handlers.event(book(1, us('2024-01-01T23:00:00Z')));
    await sink.close();
    const fs = symbolDirName(SYMBOL);
    expect(readKind(dataDir, LABEL, fs, 'trades').rows).toHaveLength(1);
    expect(readKind(dataDir, LABEL, fs, 'book').rows).toHaveLength(1);
    expect(rawSeqs('20240101')).toEqual([1]);
    expect(readLedger(dataDir, LABEL, fs)).toEqual([]);
  });
});
