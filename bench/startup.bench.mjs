// Start-up with many symbols: seconds from `marketfeed record` starting to every book SYNCED, for
// N Binance symbols from the simulator in its own process, with the REST budget sized from the
// venue's exchangeInfo (the default: 80 % of its 6,000 weight/min) next to the old fixed 1,200
// weight/min. Each run gets a fresh simulator, so each starts on an empty weight window. The
// recorder serves (--serve) and its /streams is polled every 250 ms. Figures printed, never asserted.
// usage: node bench/startup.bench.mjs [symbols=100] [capS=240]  (capS: a run still short of all SYNCED then reports how many are)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from './replay.bench.mjs';

const COUNT = Number(process.argv[2] ?? 100);
const CAP_S = Number(process.argv[3] ?? 240);
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const SYMBOLS = Array.from({ length: COUNT }, (_, i) => `C${LETTERS[Math.floor(i / 26) % 26]}${LETTERS[i % 26]}/USDT`).join(',');

/** Resolves with the first match of `re` in the child's stream (rejects if it exits first). */
function lineOf(child, stream, re) {
  return new Promise((resolve, reject) => {
    let text = '';
    child[stream].on('data', (d) => {
      text += d;
      const m = re.exec(text);
      if (m) resolve(m);
    });
    child.on('exit', (c) => reject(new Error(`${child.spawnargs.slice(2, 3)} exited ${c}: ${text.slice(-500)}`)));
  });
}

async function states(http) {
  try {
    const res = await fetch(`${http}streams`);
    return (await res.json()).streams.map((s) => s.state);
  } catch {
    return [];
  }
}

/** One run: seconds to all SYNCED (or the count SYNCED at the cap), and what the recorder logged of its budget. */
async function run(weightArgs) {
  const sim = spawn(process.execPath, [CLI, 'sim', '--port', '0', '--symbols', SYMBOLS, '--seed', '7'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [, rest, ws] = await lineOf(sim, 'stdout', /REST (http:\/\/\S+)\s+WS\s+(ws:\/\/\S+)/);
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-bench-startup-'));
  const t0 = performance.now();
  const rec = spawn(process.execPath, [CLI, 'record', '--venue', 'binance', '--symbols', SYMBOLS, '--ws-url', ws, '--rest-url', rest,
    '--data-dir', dataDir, '--no-status', '--log-level', 'info', '--serve', '--serve-port', '0', '--metrics-port', '0', ...weightArgs],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  rec.stderr.on('data', (d) => (log += d));
  const [, http] = await lineOf(rec, 'stdout', /serving (http:\/\/\S+\/)/);
  let seconds;
  let synced = 0;
  while ((performance.now() - t0) / 1000 < CAP_S) {
    const s = await states(http);
    synced = s.filter((x) => x === 'SYNCED').length;
    if (synced === COUNT) {
      seconds = (performance.now() - t0) / 1000;
      break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  rec.kill('SIGINT');
  await new Promise((r) => rec.on('exit', r));
  sim.kill('SIGINT');
  await new Promise((r) => sim.on('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
  const lines = log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const budget = lines.find((l) => l.msg === 'REST budget');
  const totals = lines.find((l) => l.msg === 'REST totals');
  return { seconds, synced, budget, totals };
}

function describe(r) {
  const took = r.seconds === undefined ? `not all SYNCED after ${CAP_S} s (${r.synced}/${COUNT})` : `${r.seconds.toFixed(1)} s`;
  const b = r.budget ? `budget ${r.budget.weightPerMinute}/min (${r.budget.source}${r.budget.venueLimit ? ` of ${r.budget.venueLimit}` : ''})` : 'budget ?';
  const t = r.totals ? `; ${r.totals.requests} requests, weight ${r.totals.weightUsed}, 429s ${r.totals.rateLimited}` : '';
  return `${took}  [${b}${t}]`;
}

console.log(`start-up, ${COUNT} Binance symbols (simulator in its own process), seconds from record start to all books SYNCED:`);
const fromVenue = await run([]);
console.log(`  budget from the venue (exchangeInfo)   ${describe(fromVenue)}`);
const fixed = await run(['--rest-weight-per-minute', '1200']);
console.log(`  old fixed 1,200 weight/min             ${describe(fixed)}`);
