// Replay throughput from a compressed raw capture: records N seconds from the simulator (its own
// process, depth diffs every 0.2 ms, like record.bench.mjs), then times `marketfeed replay` over
// that data dir: NDJSON to /dev/null in one thread (--workers 0) and on several (the default: the
// symbols split over the main thread and one worker per other core), both again into a pipe that
// hashes the bytes (they must be identical), one symbol alone (CLI, and replay() in this process
// next to the decode + book rate of decode-book.bench.mjs on its own frames), and --out-dir
// (record's files). Figures printed, never asserted; the load average is printed too, as other
// processes skew them.
// usage: node bench/replay.bench.mjs [seconds=10] [diffIntervalMs=0.2] [symbols=BTC/USDT,ETH/USDT]
//
// recordFromSim() is also used by storage.bench.mjs.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createGunzip } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(root, 'dist', 'cli', 'main.js');
const TIME = '/usr/bin/time'; // GNU time: the child's own CPU seconds and peak RSS, when present

export function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** `marketfeed sim <args>` as a child process; resolves with it and its REST and WS URLs once it prints them. */
export async function startSimProcess(args) {
  const sim = spawn(process.execPath, [CLI, 'sim', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const urls = await new Promise((resolve, reject) => {
    let out = '';
    sim.stdout.on('data', (d) => {
      out += d;
      const rest = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      const ws = /(ws:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (rest && ws) resolve({ rest: rest[1], ws: ws[1] });
    });
    sim.on('exit', (c) => reject(new Error(`sim exited ${c}`)));
  });
  return { sim, urls };
}

/** Records `seconds` from a simulator child into a fresh temp dir; resolves with the dir and the recorder's final stats. */
export async function recordFromSim({ seconds = 10, diffMs = 0.2, symbols = 'BTC/USDT,ETH/USDT' } = {}) {
  const { sim, urls } = await startSimProcess(['--symbols', symbols, '--diff-interval-ms', String(diffMs), '--seed', '7']);
  const dataDir = mkdtempSync(join(tmpdir(), 'mf-bench-replay-'));
  const rec = spawn(process.execPath, [CLI, 'record', '--venue', 'binance', '--symbols', symbols, '--ws-url', urls.ws, '--rest-url', urls.rest,
    '--data-dir', dataDir, '--duration', `${seconds}s`, '--no-status', '--log-level', 'info'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  rec.stderr.on('data', (d) => (log += d));
  const code = await new Promise((r) => rec.on('exit', r));
  sim.kill('SIGINT');
  if (code !== 0) throw new Error(`recorder exited ${code}\n${log}`);
  const closed = log.split('\n').filter((l) => l.includes('recording closed')).map((l) => JSON.parse(l))[0];
  if (!closed) throw new Error(`no final stats in the recorder log:\n${log}`);
  return { dataDir, closed };
}

/** Lines of a (multi-member) .gz file, streamed; `match` counts lines containing that text too. */
export async function countGzLines(path, match) {
  let lines = 0;
  let matched = 0;
  let carry = '';
  for await (const chunk of createReadStream(path).pipe(createGunzip())) {
    const text = carry + chunk.toString('latin1');
    const parts = text.split('\n');
    carry = parts.pop();
    lines += parts.length;
    if (match) for (const p of parts) if (p.includes(match)) matched++;
  }
  return { lines, matched };
}

/**
 * Runs the CLI with stdout to `stdout` ('devnull' | 'count' | 'hash'); resolves with wall ms, events
 * (newlines) seen, the SHA-1 of stdout ('hash'), and GNU time's figures.
 */
async function timeCli(args, stdout) {
  const timeFile = join(tmpdir(), `mf-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const useTime = existsSync(TIME);
  const cmd = useTime ? TIME : process.execPath;
  const argv = useTime ? ['-f', '%U %S %M', '-o', timeFile, process.execPath, CLI, ...args] : [CLI, ...args];
  const fd = stdout === 'devnull' ? openSync('/dev/null', 'w') : 'pipe';
  const t0 = process.hrtime.bigint();
  const child = spawn(cmd, argv, { stdio: ['ignore', fd, 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  let events = 0;
  const hash = stdout === 'hash' ? createHash('sha1') : undefined;
  if (fd === 'pipe') {
    child.stdout.on('data', (d) => {
      hash?.update(d);
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) events++;
    });
  }
  const code = await new Promise((r) => child.on('close', r));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (typeof fd === 'number') closeSync(fd);
  if (code !== 0) throw new Error(`replay ${args.join(' ')} exited ${code}\n${err}`);
  let cpuS, rssMiB;
  if (useTime && existsSync(timeFile)) {
    const [u, s, kb] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
    cpuS = u + s;
    rssMiB = kb / 1024;
    rmSync(timeFile, { force: true });
  }
  return { ms, events, sha1: hash?.digest('hex'), cpuS, rssMiB };
}

/** replay() of one symbol in this process: frames/s of the median of `repeats` passes (events counted, not serialized). */
async function replayInProcess(dataDir, symbol, frames, repeats) {
  const { replay } = await import(pathToFileURL(join(root, 'dist', 'replay', 'index.js')).href);
  const rates = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    let n = 0;
    for await (const _ev of replay({ dataDir, venue: 'binance', symbols: [symbol] })) n++;
    rates.push({ rate: frames / (Number(process.hrtime.bigint() - t0) / 1e9), events: n });
  }
  rates.sort((a, b) => a.rate - b.rate);
  return rates[rates.length >> 1];
}

/** decode-book.bench.mjs's "with top-20 book rows" rate, from its own run (msg/s). */
function decodeBookRate() {
  const out = execFileSync(process.execPath, [join(root, 'bench', 'decode-book.bench.mjs'), '100000', '3'], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.includes('with top-20 book rows'));
  const m = line && /([\d,]+) msg\/s/.exec(line);
  if (!m) throw new Error(`no top-20 rate in decode-book's output:\n${out}`);
  return Number(m[1].replaceAll(',', ''));
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');

async function main() {
  const SECONDS = Number(process.argv[2] ?? 10);
  const DIFF_MS = Number(process.argv[3] ?? 0.2);
  const SYMBOLS = process.argv[4] ?? 'BTC/USDT,ETH/USDT';
  const load0 = loadavg()[0];
  const { dataDir, closed } = await recordFromSim({ seconds: SECONDS, diffMs: DIFF_MS, symbols: SYMBOLS });
  const rawFiles = walk(dataDir).filter((p) => p.endsWith('.ndjson.gz'));
  let frames = 0;
  let framesIn = 0;
  let rawBytes = 0;
  const framesOf = new Map(); // SYMBOL_FS → raw lines
  for (const f of rawFiles) {
    const { lines, matched } = await countGzLines(f, '"dir":"in"');
    frames += lines;
    framesIn += matched;
    rawBytes += statSync(f).size;
    const fs = f.split('/').at(-3);
    framesOf.set(fs, (framesOf.get(fs) ?? 0) + lines);
  }
  const one = SYMBOLS.split(',')[0];
  const oneFrames = framesOf.get(one.replace(/[/\-: ]/g, '')) ?? 0;
  const base = ['replay', '--data-dir', dataDir, '--venue', 'binance', '--no-progress'];
  const startup = await timeCli([...base, '--workers', '0', '--to', '1970-01-02'], 'devnull');
  const single = await timeCli([...base, '--workers', '0'], 'devnull');
  const workers = await timeCli(base, 'devnull');
  const singleHash = await timeCli([...base, '--workers', '0'], 'hash');
  const workersHash = await timeCli(base, 'hash');
  const oneCli = await timeCli([...base, '--symbols', one], 'devnull');
  const oneLib = await replayInProcess(dataDir, one, oneFrames, 3);
  const reference = decodeBookRate();
  const outDir = mkdtempSync(join(tmpdir(), 'mf-bench-replay-out-'));
  const files = await timeCli([...base, '--out-dir', outDir], 'devnull');
  const outRows = { trades: 0, book: 0 };
  for (const f of walk(outDir)) {
    const kind = f.split('/').pop().split('_')[0];
    if (kind in outRows && f.endsWith('.csv.gz')) outRows[kind] += (await countGzLines(f)).lines - 1; // minus the header
  }
  const events = singleHash.events;
  const threads = Math.min(availableParallelism(), framesOf.size); // this thread and threads - 1 workers
  console.log(`replay of a ${SECONDS} s recording (${SYMBOLS}, sim diff interval ${DIFF_MS} ms), ${availableParallelism()} cores, load average ${load0.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after:`);
  console.log(`  raw capture          ${fmt(frames)} raw lines (${fmt(framesIn)} websocket frames in), ${(rawBytes / 1048576).toFixed(1)} MiB ndjson.gz; recorder wrote ${fmt(closed.rawFrames)} raw frames`);
  console.log(`  normalized events    ${fmt(events)} NDJSON lines; 1 thread and ${threads} threads print identical bytes: ${singleHash.sha1 === workersHash.sha1 && workersHash.events === events ? 'yes' : 'NO'}`);
  console.log(`  start-up             ${(startup.ms / 1000).toFixed(2)} s (a replay that stops at the first frame; included in every figure below)`);
  const line = (label, r, n = frames, evs = events, note = '') => {
    const s = r.ms / 1000;
    const cpu = r.cpuS === undefined ? '' : `; CPU ${r.cpuS.toFixed(1)} s, peak RSS ${r.rssMiB.toFixed(0)} MiB`;
    const evRate = evs === null ? '' : `, ${fmt(evs / s)} events/s`;
    console.log(`  ${label.padEnd(30)} ${s.toFixed(2)} s wall: ${fmt(n / s).padStart(9)} raw frames/s${evRate}${cpu}${note}`);
  };
  line('1 thread > /dev/null', single);
  line(`${threads} threads > /dev/null`, workers, frames, events, `  (${(single.ms / workers.ms).toFixed(2)}x 1 thread; goal 250,000 raw frames/s)`);
  line('1 thread | pipe (SHA-1)', singleHash);
  line(`${threads} threads | pipe (SHA-1)`, workersHash);
  line(`--out-dir (files, 1 thread)`, files);
  console.log(`  --out-dir wrote      ${fmt(outRows.trades)} trade rows, ${fmt(outRows.book)} book rows (live run: ${fmt(closed.rowsTrades)} / ${fmt(closed.rowsBook)})`);
  console.log(`  one symbol (${one}, ${fmt(oneFrames)} raw lines):`);
  line('  CLI NDJSON > /dev/null', oneCli, oneFrames, null);
  console.log(`    replay() in process, events not serialized: ${fmt(oneLib.rate)} raw frames/s (median of 3) = ${(oneLib.rate / reference).toFixed(2)}x ` +
    `decode-book's decode + verify + book + top-20 rows, ${fmt(reference)} msg/s on its own frames (20 level changes each; goal 0.8x)`);
  rmSync(outDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
