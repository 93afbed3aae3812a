// incremental_book_L2 rows from SyncEngine events: array in, rows out.
import { describe, expect, it } from 'vitest';
import type { BookChange, BookSnapshot, Gap, Level, MarketEvent, Status } from '../core/events.js';
import { IncrementalBook, type DayOutput } from './tardis-book.js';

const DAY = 86_400_000_000;
const T0 = 1_800_000_000_000_000 - (1_800_000_000_000_000 % DAY) + 1_000_000; // 1 s into a UTC day
const base = { venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT' };

/** Files as lists of `local,is_snapshot,side,price,amount` (exchange, symbol and timestamp left out). */
class Files implements DayOutput {
  readonly files: string[][] = [];
  private day = -1;
  at(localTs: number): boolean {
    const d = Math.floor(localTs / DAY);
    if (d === this.day) return false;
    this.day = d;
    this.files.push([]);
    return true;
  }
  /** One row, or the rows of one update. */
  write(rows: string): void {
    for (const row of rows.trim().split('\n')) {
      const [, , , local, ...rest] = row.split(',');
      this.files[this.files.length - 1].push([Number(local) - T0, ...rest].join(','));
    }
  }
}

const status = (state: Status['state'], t: number): Status => ({ type: 'status', ...base, scope: 'book', state, ts: T0 + t, localTs: T0 + t });
const snap = (t: number, bids: Level[], asks: Level[]): BookChange => ({ type: 'book_change', ...base, ts: 0, localTs: T0 + t, isSnapshot: true, bids, asks });
const diff = (t: number, bids: Level[], asks: Level[], ts = T0 + t - 5): BookChange => ({ type: 'book_change', ...base, ts, localTs: T0 + t, isSnapshot: false, bids, asks });
const top = (t: number, bids: Level[], asks: Level[]): BookSnapshot => ({ type: 'book_snapshot', ...base, ts: T0 + t, localTs: T0 + t, depth: 2, updateId: 1, bids, asks });
const gap = (c: BookChange, expected: string): Gap => ({
  type: 'gap', ...base, ts: c.ts, localTs: c.localTs, scope: 'book', expected, got: 'x', action: 'resync', reason: 'r',
});

function run(events: MarketEvent[], o: { keepDepth?: number; from?: number } = {}): { files: string[][]; book: IncrementalBook } {
  const out = new Files();
  const book = new IncrementalBook('binance,BTCUSDT,', out, { from: T0 + (o.from ?? -T0), to: Infinity }, o.keepDepth ?? 0);
  for (const ev of events) book.onEvent(ev);
  book.finish();
  return { files: out.files, book };
}

const S1 = snap(100, [['10', '1'], ['9', '2']], [['11', '1']]);

describe('IncrementalBook', () => {
  it('holds a REST snapshot until the bridging update proves it, then writes it at its own receive time', () => {
    const { files } = run([status('SNAPSHOT', 50), status('SYNCING', 100), S1, status('SYNCED', 120), diff(120, [['10', '0']], [])]);
    expect(files).toEqual([['100,true,bid,10,1', '100,true,bid,9,2', '100,true,ask,11,1', '120,false,bid,10,0']]);
  });

  it('writes nothing of a snapshot whose bridge failed', () => {
    const { files } = run([status('SYNCING', 100), S1, status('RESYNCING', 110), status('SYNCING', 200), snap(200, [['8', '1']], []), status('SYNCED', 210)]);
    expect(files).toEqual([['200,true,bid,8,1']]);
  });

  it('stamps updates buffered during the resync with the snapshot\'s time, keeping their exchange time', () => {
    const out = new Files();
    const book = new IncrementalBook('x,y,', out, { from: 0, to: Infinity }, 0);
    for (const ev of [status('SYNCING', 200), snap(200, [['10', '1']], []), status('SYNCED', 200), diff(150, [['10', '3']], [], 777)]) book.onEvent(ev);
    book.finish();
    expect(out.files[0][1]).toBe('200,false,bid,10,3');
  });

  it('leaves out an update the venue\'s checksum rejected right after it was applied; keeps one before a sequence gap', () => {
    const bad = diff(130, [['10', '5']], []);
    const good = diff(140, [['10', '6']], []);
    const { files, book } = run([status('SYNCED', 100), S1, bad, gap(bad, 'checksum 123'), status('RESYNCING', 130)]);
    expect(files[0].filter((r) => r.includes('false'))).toEqual([]);
    expect(book.stats.rejected).toBe(1);
    const kept = run([status('SYNCED', 100), S1, good, gap(good, 'U<=5'), status('RESYNCING', 140)]);
    expect(kept.files[0]).toContain('140,false,bid,10,6');
  });

  it('separates two snapshots with no change between by deleting the first', () => {
    const s2 = snap(300, [['7', '1']], []);
    const { files } = run([status('SYNCED', 100), S1, status('RESYNCING', 200), status('SYNCED', 300), s2]);
    expect(files[0].slice(3)).toEqual(['300,false,bid,10,0', '300,false,bid,9,0', '300,false,ask,11,0', '300,true,bid,7,1']);
  });

  it('writes a stream snapshot re-sent while SYNCED as the changes it makes', () => {
    const { files } = run([status('SYNCED', 100), S1, snap(200, [['10', '1'], ['9', '4']], [['12', '1']])]);
    expect(files[0].slice(3)).toEqual(['200,false,bid,9,4', '200,false,ask,11,0', '200,false,ask,12,1']);
  });

  it('deletes the levels a top-K venue pushes out of its depth', () => {
    const { files } = run([status('SYNCED', 100), S1, diff(150, [['10.5', '1']], [])], { keepDepth: 2 });
    expect(files[0].slice(3)).toEqual(['150,false,bid,10.5,1', '150,false,bid,9,0']);
  });

  it('starts each day\'s file, and the first file inside --from, with the book as it stands', () => {
    const next = DAY - 1_000_000 + 10;
    const { files } = run([status('SYNCED', 100), S1, diff(next, [['9', '0']], [])]);
    expect(files[1]).toEqual([`${next},true,bid,10,1`, `${next},true,ask,11,1`]);
    const windowed = run([status('SYNCED', 100), S1, diff(150, [['9', '3']], []), diff(250, [['10', '2']], [])], { from: 200 });
    expect(windowed.files).toEqual([['250,true,bid,10,2', '250,true,bid,9,3', '250,true,ask,11,1']]);
  });

  it('checks its book against every verified book row', () => {
    const { book } = run([status('SYNCED', 100), S1, top(100, [['10', '1'], ['9', '2']], [['11', '1']]), top(101, [['10', '1']], [['11', '1']])]);
    expect(book.stats.mismatches).toBe(1);
    expect(book.stats.firstMismatch).toContain(String(T0 + 101));
  });
});
