// End-to-end recording throughput: the simulator (its own process) pushes depth diffs and
// trades as fast as configured; the recorder (another process) decodes, verifies, keeps the books
// and writes raw + trades + book + events files. Reports frames/s received and written, bytes
// on disk and the recorder's peak RSS.
// usage: node bench/record.bench.mjs [seconds=20] [diffIntervalMs=1] [symbols=BTC/USDT,ETH/USDT]
import { rmSync, statSync } from 'node:fs';
import { recordFromSim, walk } from './replay.bench.mjs';

const SECONDS = Number(process.argv[2] ?? 20);
const DIFF_MS = Number(process.argv[3] ?? 1);
const SYMBOLS = process.argv[4] ?? 'BTC/USDT,ETH/USDT';

const { dataDir, closed } = await recordFromSim({ seconds: SECONDS, diffMs: DIFF_MS, symbols: SYMBOLS });
const bytes = walk(dataDir).reduce((n, p) => n + statSync(p).size, 0);
console.log(`end-to-end record, ${SECONDS} s, ${SYMBOLS}, sim diff interval ${DIFF_MS} ms:`);
console.log(`  frames received      ${closed.framesIn.toLocaleString('en-US')} (${Math.round(closed.framesIn / SECONDS).toLocaleString('en-US')}/s)`);
console.log(`  raw frames written   ${closed.rawFrames.toLocaleString('en-US')}; trade rows ${closed.rowsTrades.toLocaleString('en-US')}; book rows ${closed.rowsBook.toLocaleString('en-US')}`);
console.log(`  bytes on disk        ${(bytes / 1048576).toFixed(1)} MiB (${(bytes / Math.max(1, closed.rawFrames)).toFixed(1)} B per raw frame, all files)`);
console.log(`  recorder CPU         ${closed.cpuS.toFixed(1)} s over ${SECONDS} s wall (${Math.round(closed.framesIn / closed.cpuS).toLocaleString('en-US')} frames per CPU-second)`);
console.log(`  recorder peak RSS    ${closed.maxRssMiB.toFixed(0)} MiB; gaps ${closed.gaps}, rejects ${closed.rejects}, write errors ${closed.writeErrors}`);
rmSync(dataDir, { recursive: true, force: true });
