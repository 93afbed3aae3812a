// End to end against a bare client (issue 10, goal 1): one burst of N Binance depth diffs
// (bench/burst-server.mjs, its own process) sent over one socket as fast as the socket drains,
// taken by (a) a bare `ws` client that only JSON.parses each frame and (b) `marketfeed record`
// (raw capture + trades + book files, depth 10), each in its own process, alternating, same
// sender, same run. The time is from the first frame sent to the pong answering a ping sent after
// the last one, so it covers everything the client does per frame on its event loop.
// usage: node bench/e2e.bench.mjs [frames=100000] [rounds=3]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = join(here, '..', 'dist', 'cli', 'main.js');
const N = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 3);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function waitFor(child, stream, re, what) {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const m = re.exec(out);
      if (m) {
        child[stream].off('data', onData);
        resolve(m);
      }
    };
    child[stream].on('data', onData);
    child.once('exit', (c) => reject(new Error(`${what} exited ${c} before ready:\n${out.slice(-2000)}`)));
  });
}

const server = spawn(process.execPath, [join(here, 'burst-server.mjs'), String(N)], { stdio: ['ignore', 'pipe', 'inherit'] });
const ready = JSON.parse((await waitFor(server, 'stdout', /^\{.*\}$/m, 'burst server'))[0]);
const base = `127.0.0.1:${ready.port}`;
const burst = async () => (await fetch(`http://${base}/_ctl/burst`)).json();

const BARE = `
import WebSocket from 'ws';
let frames = 0;
const ws = new WebSocket(process.argv[1]);
ws.on('message', (d) => { JSON.parse(d.toString()); frames++; });
ws.on('open', () => console.log('open'));
process.on('SIGINT', () => { console.log('frames ' + frames); process.exit(0); });
`;

async function bare() {
  const child = spawn(process.execPath, ['--input-type=module', '-e', BARE, `ws://${base}/stream?streams=btcusdt@depth@100ms`],
    { cwd: join(here, '..'), stdio: ['ignore', 'pipe', 'inherit'] });
  await waitFor(child, 'stdout', /open/, 'bare client');
  await sleep(300);
  const r = await burst();
  child.kill('SIGINT');
  await new Promise((res) => child.once('exit', res));
  return r;
}

async function record() {
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-bench-e2e-'));
  const child = spawn(process.execPath, [CLI, 'record', '--venue', 'binance', '--symbols', 'BTC/USDT', '--depth', '10',
    '--ws-url', `ws://${base}`, '--rest-url', `http://${base}`, '--data-dir', dataDir, '--no-status', '--log-level', 'info'],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => (log += d));
  await waitFor(child, 'stderr', /"msg":"recording"/, 'recorder');
  await sleep(2500); // the snapshot is fetched and the warm-up diffs applied: the book is SYNCED
  const r = await burst();
  child.kill('SIGINT');
  const code = await new Promise((res) => child.once('exit', res));
  rmSync(dataDir, { recursive: true, force: true });
  const closed = log.split('\n').filter((l) => l.includes('recording closed')).map((l) => JSON.parse(l))[0];
  if (code !== 0 || !closed) throw new Error(`recorder exited ${code}\n${log.slice(-3000)}`);
  if (closed.gaps !== 0 || closed.framesIn < N) throw new Error(`recorder: ${closed.gaps} gaps, ${closed.rowsBook} book rows, ${closed.framesIn} frames in a clean burst`);
  return { ...r, closed };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const bareRates = [];
const recRates = [];
for (let i = 0; i < ROUNDS; i++) {
  const b = await bare();
  const r = await record();
  bareRates.push((N / b.ms) * 1000);
  recRates.push((N / r.ms) * 1000);
}
server.kill();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`end to end, one burst of ${fmt(N)} Binance depth diffs (${(ready.bytes / ready.frames).toFixed(0)} B each), ${ROUNDS} rounds alternating:`);
console.log(`  bare ws + JSON.parse        ${bareRates.map(fmt).join(' / ')} frames/s (median ${fmt(median(bareRates))})`);
console.log(`  marketfeed record, depth 10 ${recRates.map(fmt).join(' / ')} frames/s (median ${fmt(median(recRates))})`);
console.log(`  ratio (median)              ${(median(recRates) / median(bareRates)).toFixed(2)}× the bare client (goal ≥ 0.8×)`);
