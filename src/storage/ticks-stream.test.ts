import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Trade } from '../core/events.js';
import { isMarketfeedError, type MarketfeedError } from '../core/errors.js';
import { TICKS_HEADER, TicksStream, type TicksStreamOptions } from './ticks-stream.js';
import { openAppend, type AppendHandle } from './ticks-file.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mf-ticks-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const DAY1 = Date.UTC(2026, 0, 1, 23, 59, 0) * 1000;
const DAY2 = Date.UTC(2026, 0, 2, 0, 0, 1) * 1000;

function trade(ts: number, price = '60000.10', amount = '0.5', side: Trade['side'] = 'buy', symbol = 'BTC/USDT'): Trade {
  return { type: 'trade', venue: 'binance', symbol, venueSymbol: 'BTCUSDT', ts, localTs: ts + 700, id: String(ts), price, amount, side };
}

function options(over: Partial<TicksStreamOptions> = {}): TicksStreamOptions & { errors: MarketfeedError[] } {
  const errors: MarketfeedError[] = [];
  return { dataDir, venueLabel: 'binance', symbols: ['BTC/USDT'], flushIntervalMs: 0, maxPendingBytes: 1 << 20, onError: (e) => errors.push(e), errors, ...over };
}

const ticksDir = (): string => join(dataDir, 'ticks');
const stream = (): string => join(ticksDir(), 'BTCUSDT_stream.csv');
const read = (p: string): string => readFileSync(p, 'utf8');
const row = (t: Trade): string => `${t.ts},${t.price},${t.amount},${t.side}\n`;

describe('TicksStream', () => {
  it('creates the file with its header at open and appends whole rows at each flush', async () => {
    const s = await TicksStream.open(options());
    expect(read(stream())).toBe(TICKS_HEADER); // a tailer can start before the first trade
    const a = trade(DAY1, '60000.10', '0.00100000', 'buy');
    const b = trade(DAY1 + 5, '59999.90', '2', 'sell');
    s.trade(a);
    expect(read(stream())).toBe(TICKS_HEADER); // rows wait for the flush
    await s.flush();
    expect(read(stream())).toBe(TICKS_HEADER + row(a));
    s.trade(b);
    await s.close();
    expect(read(stream())).toBe(TICKS_HEADER + row(a) + row(b));
    expect(s.stats).toMatchObject({ rows: 2, dropped: 0, writeErrors: 0, rotations: 0 });
  });

  it('appends after a restart without a second header', async () => {
    const a = trade(DAY1);
    const b = trade(DAY1 + 1, '60000.20', '0.1', 'unknown');
    const s1 = await TicksStream.open(options());
    s1.trade(a);
    await s1.close();
    const s2 = await TicksStream.open(options());
    s2.trade(b);
    await s2.close();
    expect(read(stream())).toBe(TICKS_HEADER + row(a) + row(b));
  });

  it.each([
    ['a torn last row', (a: Trade) => TICKS_HEADER + row(a) + '1767311999000123,600', (a: Trade) => TICKS_HEADER + row(a)],
    ['a torn header', () => 'timestamp,pri', () => TICKS_HEADER],
    ['a header and a torn row', () => TICKS_HEADER + '17673', () => TICKS_HEADER],
  ])('cuts %s when it opens the file, so no malformed row follows', async (_name, before, after) => {
    const a = trade(DAY1);
    mkdirSync(ticksDir(), { recursive: true });
    writeFileSync(stream(), before(a));
    const s = await TicksStream.open(options());
    expect(read(stream())).toBe(after(a));
    const b = trade(DAY1 + 10);
    s.trade(b);
    await s.close();
    expect(read(stream())).toBe(after(a) + row(b));
  });

  it('refuses a file at its path that is not a tick stream', async () => {
    mkdirSync(ticksDir(), { recursive: true });
    writeFileSync(stream(), 'time,bid,ask\n1,2,3\n');
    const err = await TicksStream.open(options()).then(() => undefined, (e: unknown) => e);
    expect(isMarketfeedError(err, 'MF_ERR_CONFIG'), String(err)).toBe(true);
    expect((err as Error).message).toMatch(/BTCUSDT_stream\.csv is not a tick stream .*move it away/);
    expect(read(stream())).toBe('time,bid,ask\n1,2,3\n'); // left as it was
  });

  it('rotates at the UTC day of the timestamp: the finished file is renamed, a fresh one starts with the header', async () => {
    const s = await TicksStream.open(options());
    const [a, b, c] = [trade(DAY1), trade(DAY1 + 1), trade(DAY2)];
    s.trade(a);
    s.trade(b);
    s.trade(c);
    await s.close();
    expect(read(join(ticksDir(), 'BTCUSDT_stream.20260101.csv'))).toBe(TICKS_HEADER + row(a) + row(b));
    expect(read(stream())).toBe(TICKS_HEADER + row(c));
    expect(s.stats.rotations).toBe(1);
  });

  it('rotates a file a restart finds from an earlier day before appending to it', async () => {
    const a = trade(DAY1);
    const s1 = await TicksStream.open(options());
    s1.trade(a);
    await s1.close();
    const c = trade(DAY2);
    const s2 = await TicksStream.open(options());
    s2.trade(c);
    await s2.close();
    expect(read(join(ticksDir(), 'BTCUSDT_stream.20260101.csv'))).toBe(TICKS_HEADER + row(a));
    expect(read(stream())).toBe(TICKS_HEADER + row(c));
  });

  it('rotates by storage.maxRows, counting the rows a restart finds, into numbered files of the day', async () => {
    const rotation = { maxRows: 2, maxBytes: 0, rotateEveryUs: 0 };
    const t = [0, 1, 2, 3, 4].map((i) => trade(DAY1 + i));
    const s1 = await TicksStream.open(options({ rotation }));
    s1.trade(t[0]);
    await s1.close();
    const s2 = await TicksStream.open(options({ rotation }));
    for (const x of t.slice(1)) s2.trade(x);
    await s2.close();
    expect(read(join(ticksDir(), 'BTCUSDT_stream.20260101.csv'))).toBe(TICKS_HEADER + row(t[0]) + row(t[1]));
    expect(read(join(ticksDir(), 'BTCUSDT_stream.20260101.0001.csv'))).toBe(TICKS_HEADER + row(t[2]) + row(t[3]));
    expect(read(stream())).toBe(TICKS_HEADER + row(t[4]));
  });

  it('rotates by storage.maxBytes and storage.rotateEvery', async () => {
    const t = [0, 1, 2].map((i) => trade(DAY1 + i * 1000));
    const bytes = TICKS_HEADER.length + row(t[0]).length;
    const s = await TicksStream.open(options({ rotation: { maxRows: 0, maxBytes: bytes, rotateEveryUs: 0 } }));
    for (const x of t) s.trade(x);
    await s.close();
    expect(readdirSync(ticksDir()).filter((n) => n.endsWith('.csv')).sort())
      .toEqual(['BTCUSDT_stream.20260101.0001.csv', 'BTCUSDT_stream.20260101.csv', 'BTCUSDT_stream.csv']);
    rmSync(ticksDir(), { recursive: true });
    const u = [trade(DAY1), trade(DAY1 + 59_000_000 - 1), trade(DAY1 + 60_000_000)]; // 23:59:00, 23:59:58.999999, 00:00:00 (periods of 30 s)
    const p = await TicksStream.open(options({ rotation: { maxRows: 0, maxBytes: 0, rotateEveryUs: 30_000_000 } }));
    for (const x of u) p.trade(x);
    await p.close();
    expect(read(join(ticksDir(), 'BTCUSDT_stream.20260101.csv'))).toBe(TICKS_HEADER + row(u[0]));
    expect(read(join(ticksDir(), 'BTCUSDT_stream.20260101.0001.csv'))).toBe(TICKS_HEADER + row(u[1]));
    expect(read(stream())).toBe(TICKS_HEADER + row(u[2]));
  });

  it('resumes a failed or short write where it stopped: no row lost, doubled or torn; reported once', async () => {
    let refuse = 0;
    let short = true;
    const openFile = async (path: string): Promise<AppendHandle> => {
      const h = await openAppend(path);
      return {
        write: async (buf, offset, length) => {
          if (refuse > 0) {
            refuse--;
            throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
          }
          // a short write: the kernel took only part of the buffer
          const n = short && length > 10 ? Math.floor(length / 2) : length;
          short = !short;
          return h.write(buf, offset, n);
        },
        close: () => h.close(),
      };
    };
    const o = options({ openFile });
    const s = await TicksStream.open(o);
    const t = [0, 1, 2, 3].map((i) => trade(DAY1 + i, `6000${i}.5`, `0.${i + 1}`));
    s.trade(t[0]);
    s.trade(t[1]);
    refuse = 2;
    await s.flush();
    await s.flush();
    expect(read(stream())).toBe(TICKS_HEADER); // nothing half-written while the disk refuses
    s.trade(t[2]);
    await s.flush();
    s.trade(t[3]);
    await s.close();
    expect(read(stream())).toBe(TICKS_HEADER + t.map(row).join(''));
    expect(s.stats.writeErrors).toBe(2);
    expect(o.errors.map((e) => e.code)).toEqual(['MF_ERR_WRITE_FAILED']);
    expect(o.errors[0].message).toContain('ENOSPC');
  });

  it('drops (and counts) rows beyond its memory budget while the disk refuses', async () => {
    let refuse = false;
    const openFile = async (path: string): Promise<AppendHandle> => {
      const h = await openAppend(path);
      return {
        write: (buf, offset, length) => (refuse ? Promise.reject(Object.assign(new Error('io'), { code: 'EIO' })) : h.write(buf, offset, length)),
        close: () => h.close(),
      };
    };
    const s = await TicksStream.open(options({ openFile, maxPendingBytes: 100 }));
    refuse = true;
    for (let i = 0; i < 10; i++) {
      s.trade(trade(DAY1 + i));
      await s.flush();
    }
    expect(s.stats.dropped).toBeGreaterThan(0);
    refuse = false;
    await s.close();
    const rows = read(stream()).split('\n').filter(Boolean).slice(1);
    expect(rows.length).toBe(10 - s.stats.dropped);
    expect(rows).toEqual(Array.from({ length: rows.length }, (_, i) => row(trade(DAY1 + i)).trim()));
  });

  it('gives the plain name to the venue that wrote it first; another venue writes ticks/<venue>/', async () => {
    const a = await TicksStream.open(options());
    const b = await TicksStream.open(options({ venueLabel: 'sim-kraken' }));
    expect(a.paths['BTC/USDT']).toBe(stream());
    expect(b.paths['BTC/USDT']).toBe(join(ticksDir(), 'sim-kraken', 'BTCUSDT_stream.csv'));
    a.trade(trade(DAY1, '1', '1'));
    b.trade(trade(DAY1, '2', '2'));
    await Promise.all([a.close(), b.close()]);
    expect(read(stream())).toBe(TICKS_HEADER + row(trade(DAY1, '1', '1')));
    // the owner keeps the plain name across restarts, whoever starts first
    const b2 = await TicksStream.open(options({ venueLabel: 'sim-kraken' }));
    expect(b2.paths['BTC/USDT']).toBe(join(ticksDir(), 'sim-kraken', 'BTCUSDT_stream.csv'));
    await b2.close();
  });

  it('leaves out trades outside the trading window, as the trades file does', async () => {
    const window = { tz: 'UTC', startHhmm: '0000', endHhmm: '2359', endDayOffset: 0 };
    const s = await TicksStream.open(options({ window }));
    const inside = trade(Date.UTC(2026, 0, 1, 12, 0, 0) * 1000);
    const outside = { ...trade(Date.UTC(2026, 0, 1, 23, 59, 30) * 1000), localTs: Date.UTC(2026, 0, 1, 23, 59, 30) * 1000 };
    s.trade(inside);
    s.trade(outside);
    await s.close();
    expect(read(stream())).toBe(TICKS_HEADER + row(inside));
  });

  it('retention deletes rotated files by age and, for the size limit, before any day file; never the file being written', async () => {
    const s1 = await TicksStream.open(options());
    s1.trade(trade(DAY1));
    s1.trade(trade(DAY2));
    await s1.close();
    const rotated = join(ticksDir(), 'BTCUSDT_stream.20260101.csv');
    const old = Date.UTC(2026, 0, 2) / 1000;
    utimesSync(rotated, old, old);
    utimesSync(stream(), old, old);
    const byAge = await TicksStream.open(options({ retention: { maxAgeMs: 86_400_000, maxBytes: 0 } }));
    await byAge.retain();
    await byAge.close();
    expect(existsSync(rotated)).toBe(false);
    expect(existsSync(stream())).toBe(true);

    // size: an old day file stays (the Store's to delete), the newer rotated tick file goes
    const day = join(dataDir, 'binance', 'BTCUSDT', '20250101');
    mkdirSync(day, { recursive: true });
    writeFileSync(join(day, 'trades_BTCUSDT_20250101.csv.gz'), Buffer.alloc(1000));
    utimesSync(join(day, 'trades_BTCUSDT_20250101.csv.gz'), old - 86_400 * 365, old - 86_400 * 365);
    writeFileSync(rotated, TICKS_HEADER + row(trade(DAY1)));
    const bySize = await TicksStream.open(options({ retention: { maxAgeMs: 0, maxBytes: 1000 } }));
    await bySize.retain();
    await bySize.close();
    expect(existsSync(rotated)).toBe(false);
    expect(existsSync(join(day, 'trades_BTCUSDT_20250101.csv.gz'))).toBe(true);
    expect(bySize.stats.deleted).toBe(1);
  });
});
