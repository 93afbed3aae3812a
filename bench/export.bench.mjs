// Export throughput: records N seconds from the simulator (recordFromSim, as replay.bench.mjs),
// times `marketfeed replay` over it (events/s, the pipeline export is built on), then
// `marketfeed export --format tardis` of the same recording: all data types at once, each data
// type alone (rows/s written of that type), and all types with the validator proving each day.
// Figures printed, never asserted.
// usage: node bench/export.bench.mjs [seconds=10] [diffIntervalMs=0.2] [symbols=BTC/USDT,ETH/USDT]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, countGzLines, recordFromSim, walk } from './replay.bench.mjs';

const TYPES = ['trades', 'incremental_book_L2', 'book_snapshot_25', 'book_snapshot_5', 'quotes', 'derivative_ticker', 'liquidations'];
const fmt = (n) => Math.round(n).toLocaleString('en-US');

/** Runs the CLI; resolves with wall seconds and the stdout lines it counted. */
async function timeCli(args, okCodes = [0]) {
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let lines = 0;
  let err = '';
  child.stdout.on('data', (d) => {
    for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
  });
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise((r) => child.on('close', r));
  if (!okCodes.includes(code)) throw new Error(`${args.join(' ')} exited ${code}\n${err}`);
  return { s: Number(process.hrtime.bigint() - t0) / 1e9, lines };
}

/** Rows per data type under an export dir (header lines left out). */
async function rowsByType(dir) {
  const rows = Object.fromEntries(TYPES.map((t) => [t, 0]));
  for (const f of walk(dir)) {
    const t = TYPES.find((x) => f.includes(`_${x}_`));
    if (t) rows[t] += (await countGzLines(f)).lines - 1;
  }
  return rows;
}

async function exportRun(dataDir, extra, okCodes) {
  const out = mkdtempSync(join(tmpdir(), 'mf-bench-export-'));
  try {
    const r = await timeCli(['export', '--format', 'tardis', '--data-dir', dataDir, '--venue', 'binance', '--out-dir', out, '--no-progress', ...extra], okCodes);
    return { ...r, rows: await rowsByType(out) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function main() {
  const SECONDS = Number(process.argv[2] ?? 10);
  const DIFF_MS = Number(process.argv[3] ?? 0.2);
  const SYMBOLS = process.argv[4] ?? 'BTC/USDT,ETH/USDT';
  const { dataDir } = await recordFromSim({ seconds: SECONDS, diffMs: DIFF_MS, symbols: SYMBOLS });
  try {
    const replayed = await timeCli(['replay', '--data-dir', dataDir, '--venue', 'binance', '--no-progress']);
    const all = await exportRun(dataDir, ['--no-validate']);
    const total = Object.values(all.rows).reduce((a, b) => a + b, 0);
    console.log(`export --format tardis of a ${SECONDS} s recording (${SYMBOLS}, sim diff interval ${DIFF_MS} ms):`);
    console.log(`  replay (for scale)          ${replayed.s.toFixed(2)} s wall: ${fmt(replayed.lines / replayed.s)} events/s (${fmt(replayed.lines)} events)`);
    console.log(`  all types, --no-validate    ${all.s.toFixed(2)} s wall: ${fmt(total / all.s)} rows/s (${fmt(total)} rows)`);
    for (const t of TYPES) {
      if (all.rows[t] === 0) {
        console.log(`  ${t.padEnd(26)}  no rows in a Binance spot recording`);
        continue;
      }
      const one = await exportRun(dataDir, ['--no-validate', '--types', t]);
      console.log(`  ${t.padEnd(26)}  ${one.s.toFixed(2)} s wall: ${fmt(one.rows[t] / one.s).padStart(9)} rows/s (${fmt(one.rows[t])} rows)`);
    }
    // a simulator run without faults validates clean (exit 0); 1 would mean a day that did not
    const checked = await exportRun(dataDir, [], [0, 1]);
    console.log(`  all types + validate        ${checked.s.toFixed(2)} s wall: ${fmt(total / checked.s)} rows/s`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
