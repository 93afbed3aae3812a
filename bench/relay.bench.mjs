// Relay fan-out: the simulator (its own process) feeds one symbol at about `rate` diff frames/s;
// the recorder (`record --serve`, another process, writing its files as usual) relays books and
// trades to 0, 1, 10 and 100 WebSocket clients of that symbol (in this process). For each count:
// frames/s the recorder took in, its CPU per frame (from its own /metrics: process CPU seconds
// over frames_total), relay messages delivered, and the latency from the recorder's receipt of a
// frame (the event's localTs) to its arrival at a client, p50 / p99 / max (hdr-histogram-js).
// The cost of clients is the recorder's frames per CPU-second with clients against without.
// usage: node bench/relay.bench.mjs [seconds per step=6] [rate frames/s=10000] [counts=0,1,10,100]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import { WebSocket } from 'ws';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const SECONDS = Number(process.argv[2] ?? 6);
const RATE = Number(process.argv[3] ?? 10_000);
const COUNTS = (process.argv[4] ?? '0,1,10,100').split(',').map(Number);

function waitFor(child, re) {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = re.exec(out);
      if (m) resolve(m);
    });
    child.on('exit', (c) => reject(new Error(`exited ${c}: ${out}`)));
  });
}

const sim = spawn(process.execPath, [CLI, 'sim', '--port', '0', '--symbols', 'BTC/USDT', '--diff-interval-ms', String(1000 / RATE), '--seed', '3'], { stdio: ['ignore', 'pipe', 'inherit'] });
const [, simHttp] = await waitFor(sim, /(http:\/\/127\.0\.0\.1:\d+)/);
const simWs = simHttp.replace('http', 'ws');
const dataDir = mkdtempSync(join(tmpdir(), 'mf-bench-relay-'));
const rec = spawn(process.execPath, [CLI, 'record', '--venue', 'binance', '--symbols', 'BTC/USDT', '--ws-url', simWs, '--rest-url', simHttp,
  '--data-dir', dataDir, '--no-status', '--log-level', 'warn', '--serve', '--serve-port', '0', '--metrics-port', '0', '--no-storage-parquet'],
{ stdio: ['ignore', 'pipe', 'inherit'] });
const [, http, relay] = await waitFor(rec, /serving (http:\/\/\S+\/) \(relay (ws:\/\/\S+\/ws)/);

async function scrape() {
  const text = await (await fetch(`${http}metrics`)).text();
  const get = (name) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { frames: get('marketfeed_frames_total'), cpu: get('marketfeed_process_cpu_seconds_total'), dropped: get('marketfeed_relay_dropped_clients_total') };
}

for (let i = 0; i < 200; i++) {
  const s = await (await fetch(`${http}streams`)).json();
  if (s.streams[0]?.state === 'SYNCED') break;
  await new Promise((r) => setTimeout(r, 100));
}

const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);
const results = [];
for (const count of COUNTS) {
  const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  let delivered = 0;
  let bytes = 0;
  let measuring = false;
  const clients = [];
  for (let i = 0; i < count; i++) {
    const ws = new WebSocket(`${relay}?exchange=binance&symbol=BTCUSDT&channels=book,trades&depth=20`, { perMessageDeflate: false });
    ws.on('message', (data) => {
      if (!measuring) return;
      delivered++;
      bytes += data.length;
      // localTs without parsing the whole message: the client's own cost is not the recorder's
      const text = data.toString('latin1');
      const at = text.indexOf('"localTs":');
      if (at >= 0) hist.recordValue(Math.max(1, nowUs() - Number(text.slice(at + 10, text.indexOf(',', at)))));
    });
    clients.push(new Promise((r) => ws.once('open', () => r(ws))));
  }
  const sockets = await Promise.all(clients);
  await new Promise((r) => setTimeout(r, 1000)); // settle: the first book, connection churn
  const a = await scrape();
  measuring = true;
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  measuring = false;
  const b = await scrape();
  for (const ws of sockets) ws.terminate();
  const frames = b.frames - a.frames;
  const cpu = b.cpu - a.cpu;
  results.push({ count, framesPerS: frames / SECONDS, framesPerCpuS: frames / cpu, cpuPct: (cpu / SECONDS) * 100, deliveredPerS: delivered / SECONDS, mibPerS: bytes / SECONDS / 1048576,
    p50: hist.getValueAtPercentile(50) / 1000, p99: hist.getValueAtPercentile(99) / 1000, max: hist.maxValue / 1000, dropped: b.dropped });
  await new Promise((r) => setTimeout(r, 500));
}
rec.kill('SIGINT');
await new Promise((r) => rec.on('exit', r));
sim.kill('SIGINT');
rmSync(dataDir, { recursive: true, force: true });

const base = results.find((r) => r.count === 0);
console.log(`relay fan-out, 1 symbol, sim at ${RATE.toLocaleString('en-US')} diff frames/s, ${SECONDS} s per step (books depth 20 + trades):`);
console.log('  clients  frames/s  recorder CPU  frames/CPU-s  vs 0 clients  msgs delivered/s  MiB/s  latency p50 / p99 / max (ms)  dropped');
for (const r of results) {
  const cost = base ? `${(((r.framesPerCpuS / base.framesPerCpuS) - 1) * 100).toFixed(0).padStart(5)} %` : '   n/a';
  const lat = r.count === 0 ? '—' : `${r.p50.toFixed(2)} / ${r.p99.toFixed(2)} / ${r.max.toFixed(1)}`;
  console.log(`  ${String(r.count).padStart(7)}  ${Math.round(r.framesPerS).toLocaleString('en-US').padStart(8)}  ${r.cpuPct.toFixed(0).padStart(10)} %  ${Math.round(r.framesPerCpuS).toLocaleString('en-US').padStart(12)}  ${cost.padStart(12)}  ${Math.round(r.deliveredPerS).toLocaleString('en-US').padStart(16)}  ${r.mibPerS.toFixed(1).padStart(5)}  ${lat.padStart(28)}  ${r.dropped}`);
}
