// npm run bench: every benchmark in one run, figures printed (never asserted).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
for (const [file, args] of [
  ['decode-book.bench.mjs', []],
  ['clock.bench.mjs', ['2000000', '3']],
  ['checksum-venues.bench.mjs', ['1']],
  ['record.bench.mjs', ['20', '0.2']],
  ['e2e.bench.mjs', ['100000', '3']],
  ['latency.bench.mjs', ['10000', '10']],
  ['memory.bench.mjs', ['100', '130']],
  ['replay.bench.mjs', ['20']],
  ['export.bench.mjs', ['10']],
  ['storage.bench.mjs', ['20']],
  ['relay.bench.mjs', ['6', '10000', '0,1,10,100']],
  ['relay.bench.mjs', ['6', '1000', '0,100']],
  ['bus.bench.mjs', ['100000']],
  ['startup.bench.mjs', ['100', '150']],
]) {
  console.log(`\n== ${file}`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, file), ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exitCode = 1;
}
