// `marketfeed query` over a real recording (record --sim), as a user runs it: while the recorder
// is still appending (open files end in unflushed or half-written members), after it stopped,
// and after the trades files got their Parquet copies (no row counted twice).
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convertDay } from '../src/storage/parquet/convert.js';
import { startCli, runCli } from './cli.js';
import { dayDirs, readKind } from './ledger.js';
import { until } from './wait.js';

const LABEL = 'sim-binance';
const dataDir = mkdtempSync(join(tmpdir(), 'mf-query-e2e-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const COUNTS = 'select symbol, symbol_fs, count(*) n from trades group by all order by symbol';

/** True once a book file under the data dir holds something (the recorder flushed a member). */
function bookWritten(): boolean {
  return (readdirSync(dataDir, { recursive: true }) as string[]).some((f) => /book_.*\.csv\.gz/.test(f) && statSync(join(dataDir, f)).size > 0);
}

function expectedCounts(): string {
  const lines = ['BTCUSDT', 'ETHUSDT'].map((fs) => `${fs.replace('USDT', '/USDT')},${fs},${readKind(dataDir, LABEL, fs, 'trades').rows.length}`);
  return ['symbol,symbol_fs,n', ...lines].join('\n') + '\n';
}

describe('marketfeed query over a recording', () => {
  it('reads files the recorder is still writing, then the finished ones, then their Parquet copies', async () => {
    const rec = startCli(['record', '--sim', '--symbols', 'BTC/USDT,ETH/USDT', '--data-dir', dataDir, '--no-status',
      '--log-level', 'warn', '--duration', '5s', '--simulator-diff-interval-ms', '20']);
    // the first flushed book member, however slow the machine is to start the recorder
    await until(bookWritten, 15_000);
    const live = await runCli(['query', 'select count(*) n from book', '--data-dir', dataDir]);
    expect(live.code, live.stderr).toBe(0);
    expect(Number(live.stdout.split('\n')[1])).toBeGreaterThan(0);
    const done = await rec.done;
    expect(done.code, done.stderr).toBe(0);

    const finished = await runCli(['query', COUNTS, '--data-dir', dataDir]);
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stdout).toBe(expectedCounts());

    for (const fs of ['BTCUSDT', 'ETHUSDT']) await convertDay(dayDirs(dataDir, LABEL, fs)[0]);
    const both = await runCli(['query', COUNTS, '--data-dir', dataDir]);
    expect(both.stdout).toBe(finished.stdout);
    const formats = await runCli(['query', "select format, count(*) n from data_files where kind = 'trades' group by 1", '--data-dir', dataDir, '--format', 'json']);
    expect(JSON.parse(formats.stdout)).toEqual([{ format: 'parquet', n: 2 }]);
  });

  it('exits 2 with one line on bad SQL', async () => {
    const r = await runCli(['query', 'select nonsense from', '--data-dir', dataDir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
