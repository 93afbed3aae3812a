// Latency inside the recorder (issue 10, goal 6): time from a frame's receipt (its localTs,
// stamped when ws hands the frame over) to the emission of the event decoded from it, at a
// steady rate. Two consumers of the same Feed in one process, as `record` runs it (CaptureSink
// writing every file): the synchronous handlers (what the files, relay and bus get) and a
// `for await (const ev of feed)` loop (what library users get). Binance depth diffs from
// bench/burst-server.mjs (its own process), sent at R frames/s.
// usage: node bench/latency.bench.mjs [rate=10000] [seconds=10]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import { CaptureSink, Feed, defaultConfig, nowUs, silentLogger } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const RATE = Number(process.argv[2] ?? 10_000);
const SECONDS = Number(process.argv[3] ?? 10);
const FRAMES = RATE * SECONDS;

const server = spawn(process.execPath, [join(here, 'burst-server.mjs'), String(FRAMES)], { stdio: ['ignore', 'pipe', 'inherit'] });
const ready = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = /^\{.*\}$/m.exec(out);
    if (m) resolve(JSON.parse(m[0]));
  });
  server.once('exit', (c) => reject(new Error(`burst server exited ${c}`)));
});
const base = `127.0.0.1:${ready.port}`;

const dataDir = mkdtempSync(join(tmpdir(), 'mf-bench-latency-'));
const config = defaultConfig();
Object.assign(config, { venue: 'binance', symbols: ['BTC/USDT'], depth: 10, dataDir, status: false });
config.ws.url = `ws://${base}`;
config.rest.url = `http://${base}`;

const histogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000, numberOfSignificantValueDigits: 3 });
const inHandler = histogram();
const inLoop = histogram();
let measuring = false;
const sink = new CaptureSink({ config, venueLabel: 'binance', venue: 'binance', symbols: config.symbols, log: silentLogger });
const feed = new Feed({
  config,
  log: silentLogger,
  emitChanges: true, // a book_change per diff: every frame yields an event, not only top-of-book moves
  handlers: {
    ...sink.handlers,
    event: (ev) => {
      sink.handlers.event(ev);
      if (measuring && ev.type === 'book_change') inHandler.recordValue(Math.max(1, nowUs() - ev.localTs));
    },
  },
});
feed.open();
const loop = (async () => {
  for await (const ev of feed) if (measuring && ev.type === 'book_change') inLoop.recordValue(Math.max(1, nowUs() - ev.localTs));
})();
await new Promise((r) => setTimeout(r, 2500)); // snapshot fetched, warm-up diffs applied
measuring = true;
const sent = await (await fetch(`http://${base}/_ctl/paced?rate=${RATE}&frames=${FRAMES}`)).json();
await new Promise((r) => setTimeout(r, 200));
measuring = false;
await feed.stop();
await loop;
await sink.close();
server.kill();
rmSync(dataDir, { recursive: true, force: true });

const us = (v) => `${Math.round(v)} µs`;
const row = (name, h) => `  ${name.padEnd(30)} p50 ${us(h.getValueAtPercentile(50)).padStart(8)}   p99 ${us(h.getValueAtPercentile(99)).padStart(8)}   max ${us(h.maxValue).padStart(9)}   (${h.totalCount.toLocaleString('en-US')} events)`;
console.log(`latency, frame receipt → event, ${RATE.toLocaleString('en-US')} frames/s for ${(sent.ms / 1000).toFixed(1)} s (Binance depth diffs, files written as record does; goal p99 < 1 ms):`);
console.log(row('handlers (files, relay, bus)', inHandler));
console.log(row('for await (library)', inLoop));
