// Acceptance: `marketfeed export --format tardis` of simulator recordings (Binance spot with every
// fault, Kraken with gaps and corrupted checksums for a top-K checksum venue, and a clean USDⓈ-M
// futures run for derivative_ticker). Files are named and headed as
// Tardis.dev documents its downloads; the book tardis-dev's own OrderBook rebuilds from
// incremental_book_L2 equals marketfeed's book file at every row; trades equal the trades file;
// book_snapshot_25 / _5 and quotes equal the book file's top 25 / 5 / 1; DuckDB's read_csv and
// pandas read every file with the expected columns and types; bad input is one line and exit 2.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMarketfeedError, type ErrorCode, type MarketfeedError } from '../src/core/errors.js';
import { exportTardis, type TardisExportOptions } from '../src/export/index.js';
import { startSim, type SimHandle } from '../src/sim/index.js';
import { runCli, type CliResult } from './cli.js';
import { dayDirs, readKind, readLedger } from './ledger.js';
import {
  changesOnly, duckdbRead, pandasRead, quoteOf, readExport, rebuildAgainstBookRows, rowsOf, snapshotOf, tardisColumnKind,
  type ReaderView, type TardisFile,
} from './tardis-files.js';

const DEPTH = 20;
/** Kraken keeps the top 10 a side (its subscription depth): levels pushed out get deletes. */
const KRAKEN_DEPTH = 10;
const SPOT = [['BTC/USDT', 'BTCUSDT'], ['ETH/USDT', 'ETHUSDT']] as const;
const FAULTS = 'gap=900ms,malformed=700ms,disconnect=2500ms,stalesnapshot=3100ms,slowsnapshot=4300ms,ratelimit=5300ms,stall=6100ms,shutdown=7300ms';

/** Column lists of Tardis.dev's downloadable CSV files, as its documentation gives them. */
const LEVELS = (n: number): string => Array.from({ length: n }, (_, i) => `asks[${i}].price,asks[${i}].amount,bids[${i}].price,bids[${i}].amount`).join(',');
const HEADERS: Record<string, string> = {
  trades: 'exchange,symbol,timestamp,local_timestamp,id,side,price,amount',
  incremental_book_L2: 'exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount',
  book_snapshot_25: `exchange,symbol,timestamp,local_timestamp,${LEVELS(25)}`,
  book_snapshot_5: `exchange,symbol,timestamp,local_timestamp,${LEVELS(5)}`,
  quotes: 'exchange,symbol,timestamp,local_timestamp,ask_amount,ask_price,bid_price,bid_amount',
  derivative_ticker: 'exchange,symbol,timestamp,local_timestamp,funding_timestamp,funding_rate,predicted_funding_rate,open_interest,last_price,index_price,mark_price',
  liquidations: 'exchange,symbol,timestamp,local_timestamp,id,side,price,amount',
};

async function record(sim: SimHandle, dataDir: string, venue: string, symbols: string, duration: string, depth = DEPTH): Promise<CliResult> {
  return runCli([
    'record', '--venue', venue, '--symbols', symbols, '--ws-url', sim.wsUrl, '--rest-url', sim.restUrl, '--data-dir', dataDir,
    '--duration', duration, '--depth', String(depth), '--storage-flush-interval-s', '0.2', '--ws-no-data-timeout-s', '1',
    '--ws-no-data-warn-s', '0.5', '--ws-reconnect-backoff-s', '0.1', '--ws-reconnect-backoff-max-s', '1', '--rest-timeout-s', '5',
    '--no-status', '--log-level', 'error', '--quote-check', 'resync',
  ], {}, 60_000);
}

const tmp = (tag: string): string => mkdtempSync(join(tmpdir(), `mf-export-${tag}-`));
const isoOf = (day: string): string => `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}`;

describe('marketfeed export --format tardis', () => {
  let spotSim: SimHandle;
  let futSim: SimHandle;
  let krakenSim: SimHandle;
  const spotDir = tmp('spot');
  const futDir = tmp('fut');
  const krakenDir = tmp('kraken');
  const out = tmp('out');
  const futOut = tmp('futout');
  const krakenOut = tmp('krakenout');
  const windowOut = tmp('window');
  let runs: CliResult[];
  let exported: CliResult;
  let futExported: CliResult;
  let krakenExported: CliResult;
  let files: TardisFile[];
  let futFiles: TardisFile[];
  let krakenFiles: TardisFile[];
  const exportOf = (dataDir: string, outDir: string): Promise<CliResult> =>
    runCli(['export', '--format', 'tardis', '--data-dir', dataDir, '--out-dir', outDir, '--no-progress'], {}, 120_000);

  beforeAll(async () => {
    [spotSim, futSim, krakenSim] = await Promise.all([
      startSim({ symbols: SPOT.map((s) => s[1]), seed: 11, diffIntervalMs: 20, faults: FAULTS }),
      startSim({ venue: 'binance-futures', symbols: ['BTCUSDT'], seed: 21, diffIntervalMs: 20 }),
      startSim({ venue: 'kraken', symbols: ['BTC/USD'], seed: 7, diffIntervalMs: 25, faults: 'gap=1300ms,corrupt=1900ms' }),
    ]);
    runs = await Promise.all([
      record(spotSim, spotDir, 'binance', SPOT.map((s) => s[0]).join(','), '9s'),
      record(futSim, futDir, 'binance-futures', 'BTC/USDT:USDT', '5s'),
      record(krakenSim, krakenDir, 'kraken', 'BTC/USD', '6s', KRAKEN_DEPTH),
    ]);
    [exported, futExported, krakenExported] = await Promise.all([exportOf(spotDir, out), exportOf(futDir, futOut), exportOf(krakenDir, krakenOut)]);
    files = readExport(out);
    futFiles = readExport(futOut);
    krakenFiles = readExport(krakenOut);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([spotSim?.stop(), futSim?.stop(), krakenSim?.stop()]);
    for (const d of [spotDir, futDir, krakenDir, out, futOut, krakenOut, windowOut]) rmSync(d, { recursive: true, force: true });
  });

  it('recorded every run', () => {
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
  });

  it('exports a recording with faults, warns of each day that did not validate (the gaps), exits 1', () => {
    expect(exported.stderr).not.toMatch(/\n\s+at /);
    expect(exported.stdout).toContain('export tardis: binance as binance');
    let problems = 0;
    for (const [symbol, fs] of SPOT) {
      for (const d of dayDirs(spotDir, 'binance', fs)) {
        const day = d.slice(-8);
        const line = new RegExp(`validate ${symbol.replace('/', '\\/')} ${day}: (CLEAN|PROBLEMS FOUND \\((.*)\\))`).exec(exported.stdout);
        expect(line, `${symbol} ${day} in ${exported.stdout}`).not.toBeNull();
        if (line![1] === 'CLEAN') continue;
        problems++;
        expect(exported.stderr).toContain(`marketfeed: warning: binance ${symbol} ${day} did not validate (${line![2]}): exported anyway`);
      }
    }
    expect(problems, exported.stdout).toBeGreaterThan(0);
    expect(exported.stdout).toMatch(/\d+ gaps/);
    expect(exported.code, exported.stderr).toBe(1);
  });

  it('exports a clean recording with exit 0, its days CLEAN', () => {
    expect(futExported.code, futExported.stderr).toBe(0);
    expect(futExported.stdout).toMatch(/validate BTC\/USDT:USDT \d{8}: CLEAN/);
  });

  it('names and heads every file as Tardis does: one per exchange, data type, UTC day and symbol', () => {
    const want: string[] = [];
    for (const [, fs] of SPOT) {
      for (const d of dayDirs(spotDir, 'binance', fs)) {
        for (const t of ['trades', 'incremental_book_L2', 'book_snapshot_25', 'book_snapshot_5', 'quotes']) want.push(`binance_${t}_${isoOf(d.slice(-8))}_${fs}.csv.gz`);
      }
    }
    expect(files.map((f) => f.name).sort()).toEqual(want.sort());
    for (const d of dayDirs(futDir, 'binance-futures', 'BTCUSDTUSDT')) {
      expect(futFiles.map((f) => f.name)).toContain(`binance-futures_derivative_ticker_${isoOf(d.slice(-8))}_BTCUSDT.csv.gz`);
    }
    const bad: string[] = [];
    for (const f of [...files, ...futFiles]) {
      expect(f.header, f.name).toBe(HEADERS[f.dataType]);
      expect(f.rows.length, f.name).toBeGreaterThan(0);
      const columns = f.header.split(',').length;
      let last = 0;
      for (const r of f.rows) {
        const local = Number(r[3]);
        if (r.length !== columns || r[0] !== f.exchange || r[1] !== f.symbol || !/^\d{16}$/.test(r[2]) || !/^\d{16}$/.test(r[3])) bad.push(`${f.name}: ${r.join(',')}`);
        else if (new Date(local / 1000).toISOString().slice(0, 10) !== f.day) bad.push(`${f.name}: local_timestamp of another day: ${r[3]}`);
        else if (local < last) bad.push(`${f.name}: local_timestamp ${r[3]} after ${last}`);
        last = local;
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('trades equal the trades file', () => {
    for (const [, fs] of SPOT) {
      const recorded = readKind(spotDir, 'binance', fs, 'trades').rows; // timestamp,price,qty,side,id,local_timestamp
      expect(recorded.length).toBeGreaterThan(20);
      expect(rowsOf(files, 'trades', fs)).toEqual(recorded.map((t) => ['binance', fs, t[0], t[5], t[4], t[3], t[1], t[2]]));
    }
  });

  it.each(SPOT.map((s) => s[1]))('%s: the book tardis-dev rebuilds from incremental_book_L2 equals the book file at every row', (fs) => {
    const book = readKind(spotDir, 'binance', fs, 'book').rows;
    const { compared, between } = rebuildAgainstBookRows(rowsOf(files, 'incremental_book_L2', fs), book, DEPTH);
    expect(compared + between).toBe(book.length);
    expect(between).toBeLessThan(compared / 10);
    expect(compared).toBeGreaterThan(0);
  });

  it.each(SPOT.map((s) => s[1]))('%s: every resync in the ledger starts again from a full snapshot, and nothing is written before it', (fs) => {
    const l2 = rowsOf(files, 'incremental_book_L2', fs);
    const ledger = readLedger(spotDir, 'binance', fs).filter((l) => l.detail.startsWith('book'));
    const resyncs = ledger.filter((l) => l.state === 'RESYNCING');
    expect(resyncs.length).toBeGreaterThan(0);
    for (const g of resyncs) {
      const i = l2.findIndex((r) => Number(r[3]) > g.localTs);
      if (i < 0) continue; // the run ended before the book was back
      let j = i;
      while (j < l2.length && l2[j][4] === 'false' && Number(l2[j][7]) === 0 && l2[j][3] === l2[i][3]) j++; // the last snapshot cleared
      expect(l2[j]?.[4], `first row after the resync at ${g.localTs}`).toBe('true');
    }
    const snapshots = l2.filter((r, k) => r[4] === 'true' && (k === 0 || l2[k - 1][4] === 'false')).length;
    const synced = ledger.filter((l) => l.state === 'SYNCED').length;
    const days = dayDirs(spotDir, 'binance', fs).length;
    expect(snapshots).toBeGreaterThanOrEqual(synced);
    expect(snapshots).toBeLessThanOrEqual(synced + days - 1);
  });

  it.each(SPOT.map((s) => s[1]))('%s: book_snapshot_25 / _5 and quotes equal the book file\'s top 25 / 5 / 1', (fs) => {
    const book = readKind(spotDir, 'binance', fs, 'book').rows;
    const prefix = ['binance', fs];
    expect(rowsOf(files, 'book_snapshot_25', fs)).toEqual(book.map((r) => snapshotOf(prefix, r, DEPTH, 25)));
    expect(rowsOf(files, 'book_snapshot_5', fs)).toEqual(changesOnly(book.map((r) => snapshotOf(prefix, r, DEPTH, 5))));
    expect(rowsOf(files, 'quotes', fs)).toEqual(changesOnly(book.map((r) => quoteOf(prefix, r, DEPTH))));
  });

  it('derivative_ticker carries the futures mark price, index, funding and open interest', () => {
    const rows = futFiles.filter((f) => f.dataType === 'derivative_ticker').flatMap((f) => f.rows);
    expect(rows.length).toBeGreaterThan(2);
    const full = rows.filter((r) => r[10] !== '');
    expect(full.length).toBeGreaterThan(0);
    for (const r of full) {
      expect(r[4]).toMatch(/^\d{16}$/); // next funding, µs
      expect(r[5]).toMatch(/^-?\d+\.\d+$/);
      expect(r[6]).toBe(''); // no predicted funding rate on Binance
      expect(r[9]).toMatch(/^\d+\.\d+$/);
      expect(r[10]).toMatch(/^\d+\.\d+$/);
    }
    expect(rows.some((r) => r[7] !== '')).toBe(true); // open interest, from the REST poll
  });

  it('Kraken (checksums, a top-10 book): rejected updates left out, and the rebuilt book equals the book file at every row', () => {
    expect(krakenExported.code, krakenExported.stderr).toBe(1); // the corrupted checksums: its day is not clean
    expect(krakenExported.stderr).toMatch(/did not validate \(.*checksum mismatches/);
    expect(krakenExported.stderr).toMatch(/book changes the venue's checksum rejected were left out/);
    expect(krakenExported.stderr).not.toContain('disagrees');
    expect(krakenFiles.map((f) => f.name)).toContain(`kraken_incremental_book_L2_${krakenFiles[0].day}_XBT-USD.csv.gz`);
    const book = readKind(krakenDir, 'kraken', 'BTCUSD', 'book').rows;
    const l2 = rowsOf(krakenFiles, 'incremental_book_L2', 'XBT-USD');
    expect(l2.every((r) => r[1] === 'XBT/USD')).toBe(true);
    expect(l2.some((r) => r[4] === 'false' && Number(r[7]) === 0)).toBe(true);
    const kraken = rebuildAgainstBookRows(l2, book, KRAKEN_DEPTH);
    expect(kraken.compared + kraken.between).toBe(book.length);
    expect(kraken.between).toBeLessThan(kraken.compared / 10);
    expect(book.length).toBeGreaterThan(10);
  });

  /** Each reader's columns are the header; each column has the type its kind implies, or no value at all. */
  function expectReadable(view: ReaderView | undefined, f: TardisFile, typeOf: (kind: ReturnType<typeof tardisColumnKind>) => string[], reader: string): void {
    expect(view, `${reader} read ${f.name}`).toBeDefined();
    const header = f.header.split(',');
    expect(view!.columns, `${reader}: ${f.name} columns`).toEqual(header);
    expect(view!.rows, `${reader}: ${f.name} rows`).toBe(f.rows.length);
    header.forEach((c, i) => {
      const filled = f.rows.filter((r) => r[i] !== '').length;
      expect(view!.counts[i], `${reader}: ${f.name} ${c} values`).toBe(filled);
      if (filled === 0) return; // no value at all: a reader cannot tell its type
      const kind = tardisColumnKind(c);
      // pandas keeps missing integers as NaN, in a float64 column
      const allowed = filled < f.rows.length && kind === 'integer' ? [...typeOf(kind), ...typeOf('decimal')] : typeOf(kind);
      expect(allowed, `${reader}: ${f.name} ${c} is ${view!.types[i]}`).toContain(view!.types[i]);
    });
  }

  it('DuckDB read_csv reads every file with Tardis\'s columns and types', async () => {
    const all = [...files, ...futFiles, ...krakenFiles];
    const views = await duckdbRead(all.map((f) => f.path));
    const types = { text: ['VARCHAR'], integer: ['BIGINT'], decimal: ['DOUBLE'], boolean: ['BOOLEAN'], id: ['BIGINT', 'VARCHAR'] };
    for (const f of all) expectReadable(views.get(f.path), f, (k) => types[k], 'DuckDB');
  });

  it('pandas reads every file with Tardis\'s columns and dtypes', () => {
    const all = [...files, ...futFiles, ...krakenFiles];
    const views = pandasRead(all.map((f) => f.path));
    const types = { text: ['object'], integer: ['int64'], decimal: ['float64'], boolean: ['bool'], id: ['int64', 'object'] };
    for (const f of all) expectReadable(views.get(f.path), f, (k) => types[k], 'pandas');
  });

  it('--from starts the files inside the window with the book as it stands', async () => {
    const fs = 'BTCUSDT';
    const book = readKind(spotDir, 'binance', fs, 'book').rows;
    const from = Number(book[Math.floor(book.length / 2)][1]);
    const r = await runCli(['export', '--format', 'tardis', '--data-dir', spotDir, '--out-dir', windowOut, '--symbols', 'BTC/USDT',
      '--from', String(from), '--types', 'incremental_book_L2,trades', '--no-validate', '--no-progress'], {}, 60_000);
    expect(r.code, r.stderr).toBe(0);
    const got = readExport(windowOut);
    expect(new Set(got.map((f) => f.dataType))).toEqual(new Set(['incremental_book_L2', 'trades']));
    const l2 = rowsOf(got, 'incremental_book_L2', fs);
    expect(l2[0][4]).toBe('true');
    expect(l2.every((row) => Number(row[3]) >= from)).toBe(true);
    expect(rowsOf(got, 'trades', fs)).toEqual(rowsOf(files, 'trades', fs).filter((t) => Number(t[3]) >= from));
    const later = book.filter((row) => Number(row[1]) >= from);
    const rebuilt = rebuildAgainstBookRows(l2, later, DEPTH);
    expect(rebuilt.compared + rebuilt.between).toBe(later.length);
  });

  describe.concurrent('bad input: one line, exit 2', () => {
    const cases: [string, () => string[], string[]][] = [
      ['unknown format', () => ['--format', 'csv', '--data-dir', spotDir, '--out-dir', out], ['MF_ERR_USAGE', 'unknown format "csv"', 'tardis']],
      ['unknown data type', () => ['--format', 'tardis', '--data-dir', spotDir, '--out-dir', out, '--types', 'trades,candles'], ['MF_ERR_USAGE', '"candles"', 'incremental_book_L2']],
      ['a day directory that does not exist', () => ['--format', 'tardis', '--data-dir', spotDir, '--out-dir', out, '--from', '2020-01-01', '--to', '2020-01-02'], ['MF_ERR_CONFIG', 'no recorded day', '2020-01-01']],
      ['--from after --to', () => ['--format', 'tardis', '--data-dir', spotDir, '--out-dir', out, '--from', '2026-12-08', '--to', '2026-12-01'], ['MF_ERR_USAGE', 'is not before --to']],
    ];
    it.each(cases)('%s', async (_name, args, parts) => {
      const r = await runCli(['export', ...args(), '--no-progress']);
      expect(r.code, r.stderr).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines.length, r.stderr).toBe(1);
      for (const p of parts) expect(r.stderr).toContain(p);
    });

    // the same path to exit 2 (reportFatal: a fatal MarketfeedError), without a process each
    const library: [string, () => TardisExportOptions, ErrorCode, string][] = [
      ['a data directory that does not exist', () => ({ dataDir: join(spotDir, 'nope'), outDir: out, venue: 'binance' }), 'MF_ERR_CONFIG', 'does not exist'],
      ['unknown venue', () => ({ dataDir: spotDir, outDir: out, venue: 'mtgox' }), 'MF_ERR_UNKNOWN_VENUE', 'mtgox'],
      ['a symbol not recorded', () => ({ dataDir: spotDir, outDir: out, venue: 'binance', symbols: ['SOL/USDT'] }), 'MF_ERR_CONFIG', 'no recording of SOL/USDT'],
      ['a malformed symbol', () => ({ dataDir: spotDir, outDir: out, venue: 'binance', symbols: ['SOLUSDT'] }), 'MF_ERR_UNKNOWN_SYMBOL', 'SOLUSDT'],
    ];
    it.each(library)('%s', async (_name, opts, code, part) => {
      const e = await exportTardis(opts()).then(() => undefined, (x: unknown) => x);
      expect(isMarketfeedError(e, code), String(e)).toBe(true);
      expect((e as MarketfeedError).recovery).toBe('fatal');
      expect((e as Error).message).toContain(part);
      expect((e as Error).message).not.toContain('\n');
    });
  });
});
