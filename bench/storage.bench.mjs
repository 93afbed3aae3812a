// Bytes on disk per message for each output (raw NDJSON.gz, trades/book CSV.gz and their Parquet
// copies), each Parquet size next to its csv.gz with the ratio (goal: ≤ 1.00 for every copy; the
// worst single file is shown too), and the Parquet write rate (DuckDB, zstd) — from a fresh
// simulator recording or an existing data dir. Figures printed, never asserted.
// usage: node bench/storage.bench.mjs [seconds=10] [diffIntervalMs=0.2] [dataDir (skip recording)]
import { rmSync, statSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createGunzip } from 'node:zlib';
import { recordFromSim, walk } from './replay.bench.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const parquet = await import(pathToFileURL(join(root, 'dist', 'storage', 'parquet', 'index.js')).href);
const { openDuckDb } = await import(pathToFileURL(join(root, 'dist', 'storage', 'parquet', 'duckdb.js')).href);

const SECONDS = Number(process.argv[2] ?? 10);
const DIFF_MS = Number(process.argv[3] ?? 0.2);
const GIVEN_DIR = process.argv[4];

/** Lines and uncompressed bytes of a (multi-member) .gz file. */
async function gzStats(path) {
  let lines = 0;
  let bytes = 0;
  for await (const chunk of createReadStream(path).pipe(createGunzip())) {
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return { lines, bytes };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const mib = (b) => (b / 1048576).toFixed(2);

const { dataDir, closed } = GIVEN_DIR ? { dataDir: GIVEN_DIR, closed: undefined } : await recordFromSim({ seconds: SECONDS, diffMs: DIFF_MS });
const files = walk(dataDir).filter((p) => /\/(raw|trades|book|events)_[^/]+\.(csv|ndjson)\.gz$/.test(p));
const kinds = { raw: [], trades: [], book: [], events: [] };
for (const f of files) kinds[f.split('/').pop().split('_')[0]].push(f);

// CSV.gz and NDJSON.gz: rows (a CSV's header line excluded), compressed and plain bytes
const sum = {};
for (const [kind, list] of Object.entries(kinds)) {
  const s = { files: list.length, rows: 0, gz: 0, plain: 0, parquet: 0, parquetRows: 0, ms: 0, worst: 0, worstGz: 0 };
  for (const f of list) {
    const { lines, bytes } = await gzStats(f);
    s.rows += kind === 'raw' ? lines : lines - 1;
    s.plain += bytes;
    s.gz += statSync(f).size;
  }
  sum[kind] = s;
}

// Parquet: each CSV through writeParquet on one shared DuckDB, timed per file (what convertDay
// does, file by file); then convertDay itself over each day dir, timed whole.
const db = await openDuckDb();
try {
  for (const kind of ['trades', 'book', 'events']) {
    for (const f of kinds[kind]) {
      const t0 = process.hrtime.bigint();
      const r = await parquet.writeParquet(f, kind, { db });
      sum[kind].ms += Number(process.hrtime.bigint() - t0) / 1e6;
      sum[kind].parquetRows += r.rows;
      const size = statSync(r.path).size;
      sum[kind].parquet += size;
      const gz = statSync(f).size;
      if (size / gz > sum[kind].worst) [sum[kind].worst, sum[kind].worstGz] = [size / gz, gz];
    }
  }
} finally {
  db.close();
}
const dayDirs = [...new Set(files.map((f) => dirname(f)))];
let dayMs = 0;
let dayRows = 0;
for (const d of dayDirs) {
  const t0 = process.hrtime.bigint();
  const results = await parquet.convertDay(d);
  dayMs += Number(process.hrtime.bigint() - t0) / 1e6;
  for (const r of results) dayRows += r.rows;
}

console.log(closed
  ? `storage of a ${SECONDS} s recording (BTC/USDT,ETH/USDT, sim diff interval ${DIFF_MS} ms; ${fmt(closed.framesIn)} frames received):`
  : `storage of ${dataDir}:`);
console.log('  output          rows/msgs   .gz MiB  B/msg gz  B/msg plain   parquet MiB  B/msg parquet  parquet/gz  worst file');
for (const [kind, s] of Object.entries(sum)) {
  if (s.files === 0) continue;
  const pq = kind === 'raw' ? '            —              —           —' :
    `${mib(s.parquet).padStart(14)}  ${(s.parquet / s.parquetRows).toFixed(1).padStart(13)}  ${(s.parquet / s.gz).toFixed(2).padStart(10)}` +
    `  ${s.worst.toFixed(2)} (of a ${fmt(s.worstGz)} B csv.gz)`;
  console.log(`  ${kind.padEnd(12)} ${fmt(s.rows).padStart(11)} ${mib(s.gz).padStart(9)} ${(s.gz / s.rows).toFixed(1).padStart(9)} ${(s.plain / s.rows).toFixed(1).padStart(12)} ${pq}`);
}
console.log('  Parquet write (writeParquet, zstd, one DuckDB, source cut to complete members first):');
for (const kind of ['trades', 'book', 'events']) {
  const s = sum[kind];
  if (s.files === 0) continue;
  const sec = s.ms / 1000;
  console.log(`    ${kind.padEnd(8)} ${fmt(s.parquetRows).padStart(9)} rows in ${sec.toFixed(2)} s: ${fmt(s.parquetRows / sec)} rows/s, ${(s.plain / 1048576 / sec).toFixed(1)} MiB/s of CSV text (${(s.gz / 1048576 / sec).toFixed(1)} MiB/s of .csv.gz)`);
}
console.log(`    convertDay over ${dayDirs.length} day dirs: ${fmt(dayRows)} rows in ${(dayMs / 1000).toFixed(2)} s (${fmt(dayRows / (dayMs / 1000))} rows/s, DuckDB start included)`);
if (!GIVEN_DIR) rmSync(dataDir, { recursive: true, force: true });
