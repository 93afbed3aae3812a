import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { EVENTS_HEADER, eventRow, parseCsv, rawLine, TRADES_HEADER } from './csv.js';
import { repairDay, repairSymbolDir, symbolDirsToRepair } from './repair.js';

const root = mkdtempSync(join(tmpdir(), 'mf-repair-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const DAY = '20260101';
const T0 = Date.UTC(2026, 0, 1, 12) * 1000; // µs, noon of DAY
const NOW = Date.UTC(2026, 0, 3) * 1000; // the repair runs two days later
let n = 0;

function dayDir(): string {
  const d = join(root, `data${++n}`, 'binance', 'BTCUSDT', DAY);
  mkdirSync(d, { recursive: true });
  return d;
}

const name = (kind: string, part = 0): string =>
  `${kind}_BTCUSDT_${DAY}${part === 0 ? '' : '.' + String(part).padStart(4, '0')}${kind === 'raw' ? '.ndjson.gz' : '.csv.gz'}`;

const raw = (i: number): string => rawLine({ venue: 'binance', connId: 1, recvSeq: i, localTs: T0 + i * 1000, dir: 'in', data: `{"u":${i}}` });
const trade = (i: number): string => `${T0 + i * 1000 - 7},100.${i},0.5,buy,${1000 + i},${T0 + i * 1000}\n`;
const book = (i: number): string => `${T0 + i * 1000 - 7},${T0 + i * 1000},${500 + i},99.5,1,100.5,2\n`;
const BOOK_HEADER = 'timestamp,local_timestamp,update_id,bid1_price,bid1_qty,ask1_price,ask1_qty\n';

/** One gzip member per flush, as the writers append them; `torn` adds half of one more. */
function writeMembers(path: string, flushes: string[], torn?: string): void {
  writeFileSync(path, Buffer.concat(flushes.map((t) => gzipSync(t))));
  if (torn !== undefined) {
    const m = gzipSync(torn);
    appendFileSync(path, m.subarray(0, Math.floor(m.length / 2)));
  }
}

const range = (a: number, b: number, f: (i: number) => string): string => Array.from({ length: b - a }, (_, k) => f(a + k)).join('');
const lines = (path: string): string[] => gunzipSync(readFileSync(path)).toString('utf8').split('\n').slice(0, -1);
const ledger = (path: string): string[][] => parseCsv(gunzipSync(readFileSync(path)).toString('utf8')).slice(1);

describe('repair of one day', () => {
  it('cuts torn members, cuts rows the raw capture cannot back, ledgers each part and seals it', async () => {
    const d = dayDir();
    // the crash hit between appends: raw kept frames 0..9 (its flush of 10..14 torn); trades and
    // book got that flush in whole, so their rows 10..14 have no raw frames behind them
    writeMembers(join(d, name('raw') + '.open'), [range(0, 5, raw), range(5, 10, raw)], range(10, 15, raw));
    writeMembers(join(d, name('trades') + '.open'), [TRADES_HEADER + range(0, 5, trade), range(5, 8, trade) + range(8, 12, trade), range(12, 15, trade)]);
    writeMembers(join(d, name('book') + '.open'), [BOOK_HEADER + range(0, 10, book)], range(10, 15, book));
    const ev = (id: number): string => eventRow({ eventId: id, ts: T0, localTs: T0 + id, kind: 'run_start', detail: `n=${id}` });
    writeMembers(join(d, name('events') + '.open'), [EVENTS_HEADER + ev(1) + ev(2)], ev(3));

    const r = (await repairDay(d, 'BTCUSDT', DAY, NOW))!;
    expect(r.failures).toEqual([]);
    expect(readdirSync(d).sort()).toEqual([name('book'), name('events'), name('raw'), name('trades')].sort());
    for (const f of readdirSync(d)) expect(() => gunzipSync(readFileSync(join(d, f))), f).not.toThrow();

    expect(lines(join(d, name('raw')))).toEqual(range(0, 10, raw).split('\n').slice(0, -1));
    // rows up to frame 9's localTs stay, in order; 10..14 are cut
    expect(lines(join(d, name('trades')))).toEqual((TRADES_HEADER + range(0, 10, trade)).split('\n').slice(0, -1));
    expect(lines(join(d, name('book')))).toEqual((BOOK_HEADER + range(0, 10, book)).split('\n').slice(0, -1));

    const byKind = Object.fromEntries(r.files.map((f) => [f.kind, f]));
    expect(byKind.raw).toMatchObject({ rowsBeyondRaw: 0, sealed: join(d, name('raw')) });
    expect(byKind.raw.cutBytes).toBeGreaterThan(0);
    expect(byKind.trades).toMatchObject({ cutBytes: 0, rowsBeyondRaw: 5 });
    expect(byKind.book.rowsBeyondRaw).toBe(0); // its rows 10..14 were in the torn member
    expect(byKind.book.cutBytes).toBeGreaterThan(0);

    const rows = ledger(join(d, name('events')));
    expect(rows.slice(0, 2).map((x) => x[0])).toEqual(['1', '2']); // what the crash left, then the repair rows
    const repairs = rows.slice(2);
    expect(r.ledgerRows).toBe(4);
    expect(repairs.map((x) => [x[0], x[3]])).toEqual([['3', 'repair'], ['4', 'repair'], ['5', 'repair'], ['6', 'repair']]);
    // they stay in this day's partition although the repair ran later; `timestamp` says when
    expect(repairs.every((x) => Number(x[1]) === NOW && Number(x[2]) === Date.UTC(2026, 0, 2) * 1000 - 1)).toBe(true);
    expect(repairs[0][5]).toBe(`file=${name('raw')} cut_bytes=${byKind.raw.cutBytes} kept_bytes=${byKind.raw.keptBytes} rows_beyond_raw=0 reason=unclean_stop`);
    expect(repairs[1][5]).toContain(`file=${name('trades')} cut_bytes=0 `);
    expect(repairs[1][5]).toContain('rows_beyond_raw=5');

    // nothing is left to do
    expect(await repairDay(d, 'BTCUSDT', DAY, NOW)).toBeUndefined();
  });

  it('writes its ledger rows into a new events part when the events part was already finished', async () => {
    const d = dayDir();
    writeMembers(join(d, name('events')), [EVENTS_HEADER + eventRow({ eventId: 7, ts: T0, localTs: T0, kind: 'run_start', detail: '' })]);
    writeMembers(join(d, name('trades', 1) + '.open'), [TRADES_HEADER + range(0, 3, trade)], range(3, 6, trade));
    const r = (await repairDay(d, 'BTCUSDT', DAY, NOW))!;
    expect(r.files.map((f) => f.sealed)).toEqual([join(d, name('trades', 1))]);
    expect(readdirSync(d).sort()).toEqual([name('events'), name('events', 1), name('trades', 1)].sort());
    const rows = ledger(join(d, name('events', 1)));
    expect(rows).toHaveLength(1);
    expect(rows[0].slice(0, 1).concat(rows[0][3])).toEqual(['8', 'repair']); // ids go on after the finished part's
    expect(lines(join(d, name('trades', 1)))).toHaveLength(4);
  });

  it('never overwrites a finished part: an `.open` twin is sealed under the next part number', async () => {
    const d = dayDir();
    writeMembers(join(d, name('book')), [BOOK_HEADER + range(0, 2, book)]);
    writeMembers(join(d, name('book') + '.open'), [BOOK_HEADER + range(2, 4, book)]);
    const r = (await repairDay(d, 'BTCUSDT', DAY, NOW))!;
    expect(r.files.map((f) => f.sealed)).toEqual([join(d, name('book', 1))]);
    expect(lines(join(d, name('book')))).toHaveLength(3);
    expect(lines(join(d, name('book', 1)))).toEqual((BOOK_HEADER + range(2, 4, book)).split('\n').slice(0, -1));
    expect(ledger(join(d, name('events', 0)))[0][5]).toContain(`file=${name('book', 1)} `);
  });

  it('removes a part with no complete member, and says so in the ledger', async () => {
    const d = dayDir();
    writeMembers(join(d, name('trades') + '.open'), [], TRADES_HEADER + range(0, 3, trade));
    const r = (await repairDay(d, 'BTCUSDT', DAY, NOW))!;
    expect(r.files).toEqual([expect.objectContaining({ sealed: undefined, keptBytes: 0, kind: 'trades' })]);
    expect(existsSync(join(d, name('trades')))).toBe(false);
    expect(ledger(join(d, name('events')))[0][5]).toMatch(/^file=trades_BTCUSDT_20260101\.csv\.gz cut_bytes=\d+ kept_bytes=0 rows_beyond_raw=0 removed=1 /);
  });

  it('cuts a pre-parts file left with a `.writing` marker and drops the marker', async () => {
    const d = dayDir();
    writeMembers(join(d, name('trades')), [TRADES_HEADER + range(0, 3, trade)], range(3, 6, trade));
    writeFileSync(join(d, `.${name('trades')}.writing`), '1\n');
    const r = (await repairDay(d, 'BTCUSDT', DAY, NOW))!;
    expect(r.files[0].sealed).toBe(join(d, name('trades')));
    expect(existsSync(join(d, `.${name('trades')}.writing`))).toBe(false);
    expect(lines(join(d, name('trades')))).toHaveLength(4);
  });
});

describe('repair of a data dir', () => {
  it('finds every symbol with a leftover in any day, and repairs all its days', async () => {
    const data = join(root, 'whole');
    const mk = (label: string, fs: string, day: string): string => {
      const dir = join(data, label, fs, day);
      mkdirSync(dir, { recursive: true });
      return dir;
    };
    const old = mk('binance', 'BTCUSDT', '20251231');
    const today = mk('binance', 'BTCUSDT', DAY);
    mk('binance', 'ETHUSDT', DAY); // clean: no leftover
    writeMembers(join(old, 'trades_BTCUSDT_20251231.csv.gz.open'), [TRADES_HEADER + range(0, 2, trade)]);
    writeMembers(join(today, name('book') + '.open'), [BOOK_HEADER + range(0, 2, book)]);
    const sim = mk('sim-okx', 'ETHUSDT', DAY);
    writeMembers(join(sim, 'raw_ETHUSDT_20260101.ndjson.gz.open'), [range(0, 2, raw)]);
    mkdirSync(join(data, '.nats-outbox', 'binance'), { recursive: true });

    expect(await symbolDirsToRepair(data)).toEqual([join(data, 'binance', 'BTCUSDT'), join(data, 'sim-okx', 'ETHUSDT')]);
    const days = await repairSymbolDir(join(data, 'binance', 'BTCUSDT'), NOW);
    expect(days.map((x) => x.dayDir)).toEqual([old, today]);
    expect(existsSync(join(old, 'trades_BTCUSDT_20251231.csv.gz'))).toBe(true);
    expect(existsSync(join(old, 'events_BTCUSDT_20251231.csv.gz'))).toBe(true);
    expect(await symbolDirsToRepair(data)).toEqual([join(data, 'sim-okx', 'ETHUSDT')]);
  });
});
