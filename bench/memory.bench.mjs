// Recorder memory with many symbols (issue 10, goal 2): the simulator in its own process with N
// symbols, `marketfeed record` from it (every output, default settings); the recorder's RSS is
// sampled from /proc every 10 s. Prints RSS at each sample, the growth between 40 s and the end,
// and how many books were SYNCED. Figures printed, never asserted.
// usage: node bench/memory.bench.mjs [symbols=100] [seconds=130] [malloc]
// `malloc`: the recorder runs with MALLOC_MMAP_THRESHOLD_=65536 MALLOC_TRIM_THRESHOLD_=131072
// (glibc returns freed blocks >= 64 KiB at once); measured 230–257 MiB against 227–246 by default.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimProcess } from './replay.bench.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, '..', 'dist', 'cli', 'main.js');

/** CAA/USDT, CAB/USDT, … : n made-up symbols the simulator lists. */
export function manySymbols(n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(`C${String.fromCharCode(65 + Math.floor(i / 26) % 26)}${String.fromCharCode(65 + (i % 26))}/USDT`);
  return out;
}

export function rssMiB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Starts sim + recorder; samples RSS every `everyS`; resolves with the samples and the recorder's closing stats. */
export async function recordMany({ symbols, seconds, everyS = 10, extraArgs = [], env = process.env, onSample }) {
  const list = symbols.join(',');
  const { sim, urls } = await startSimProcess(['--symbols', list, '--seed', '3']);
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-bench-memory-'));
  const rec = spawn(process.execPath, [CLI, 'record', '--venue', 'binance', '--symbols', list, '--ws-url', urls.ws, '--rest-url', urls.rest,
    '--data-dir', dataDir, '--duration', `${seconds}s`, '--no-status', '--log-level', 'info', ...extraArgs], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let log = '';
  rec.stderr.on('data', (d) => (log += d));
  const samples = [];
  const t0 = Date.now();
  const timer = setInterval(() => {
    try {
      const s = { t: Math.round((Date.now() - t0) / 1000), rss: rssMiB(rec.pid) };
      samples.push(s);
      onSample?.(s);
    } catch { /* exited */ }
  }, everyS * 1000);
  const code = await new Promise((r) => rec.on('exit', r));
  clearInterval(timer);
  sim.kill('SIGINT');
  rmSync(dataDir, { recursive: true, force: true });
  const closed = log.split('\n').filter((l) => l.includes('recording closed')).map((l) => JSON.parse(l))[0];
  if (code !== 0 || !closed) throw new Error(`recorder exited ${code}\n${log.slice(-3000)}`);
  return { samples, closed };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const N = Number(process.argv[2] ?? 100);
  const SECONDS = Number(process.argv[3] ?? 130);
  const malloc = process.argv[4] === 'malloc';
  const env = malloc ? { ...process.env, MALLOC_MMAP_THRESHOLD_: '65536', MALLOC_TRIM_THRESHOLD_: '131072' } : process.env;
  console.log(`recorder RSS, ${N} Binance symbols from the simulator (own process), ${SECONDS} s, ${malloc ? 'MALLOC_MMAP_THRESHOLD_=65536' : 'default settings'}:`);
  const { samples, closed } = await recordMany({ symbols: manySymbols(N), seconds: SECONDS, env, onSample: (s) => console.log(`  ${String(s.t).padStart(4)} s  ${s.rss.toFixed(0)} MiB`) });
  const at = (t) => samples.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best), samples[0]);
  const last = samples[samples.length - 1];
  console.log(`  growth ${at(40).t} s → ${last.t} s: ${(last.rss - at(40).rss).toFixed(1)} MiB (goal < 10); peak ${Math.max(...samples.map((s) => s.rss)).toFixed(0)} MiB (goal < 200)`);
  console.log(`  frames ${closed.framesIn.toLocaleString('en-US')}, gaps ${closed.gaps}, maxRSS ${closed.maxRssMiB.toFixed(0)} MiB, CPU ${closed.cpuS.toFixed(1)} s`);
}
