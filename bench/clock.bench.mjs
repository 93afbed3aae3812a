// nowUs() is called per frame: its cost with the clock policy (core/time.ts: a monotonic read,
// a compare, a multiply-add; the wall clock looked at every RECHECK_MS) next to the bare clocks.
// Figures are printed, never asserted (2 shared cores: expect noise).
// usage: node bench/clock.bench.mjs [calls=5000000] [repeats=5]
import { performance } from 'node:perf_hooks';
import { monoUs, nowUs, RecorderClock } from '../dist/core/time.js';

const N = Number(process.argv[2] ?? 5_000_000);
const REPEATS = Number(process.argv[3] ?? 5);
const originUs = Math.round(performance.timeOrigin * 1000);

const contenders = {
  'Date.now()': () => Date.now(),
  'performance.now()': () => performance.now(),
  'before (timeOrigin + performance.now, no policy)': () => originUs + Math.floor(performance.now() * 1000),
  'nowUs() (clock policy)': nowUs,
  'RecorderClock.nowUs() (own instance)': ((c) => () => c.nowUs())(new RecorderClock()),
  'monoUs()': monoUs,
};

let sink = 0;
for (const [name, fn] of Object.entries(contenders)) {
  for (let i = 0; i < 200_000; i++) sink += fn(); // warm up
  const ns = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) sink += fn();
    ns.push(Number(process.hrtime.bigint() - t0) / N);
  }
  ns.sort((a, b) => a - b);
  console.log(`${name.padEnd(52)} median ${ns[Math.floor(ns.length / 2)].toFixed(1)} ns/call  (best ${ns[0].toFixed(1)})`);
}
if (sink === 42) console.log(''); // keeps the calls from being optimised away
