// Bench: BarRing queries at the sizes (latest N and a time range must stay far under 1 ms).
// Build first (npm run build), then: node dist/history/ring-buffer.bench.js [queries=20000]
import { BarRing } from './ring-buffer.js';

const queries = Number(process.argv[2] ?? 20_000);
const MIN = 60_000_000;

for (const capacity of [100, 200, 500, 1000, 100_000]) {
  const ring = new BarRing(capacity);
  // wrapped: 1.5 × capacity pushes, so queries cross the physical end
  for (let i = 0; i < capacity * 1.5; i++) ring.push({ openTs: i * MIN, open: i, high: i + 1, low: i - 1, close: i, volume: 1, trades: 1, synthetic: false });
  const first = ring.at(0)!.openTs;
  let chk = 0;
  let t0 = process.hrtime.bigint();
  for (let q = 0; q < queries; q++) chk += ring.latest(capacity >> 1).length;
  const latestUs = Number(process.hrtime.bigint() - t0) / 1000 / queries;
  t0 = process.hrtime.bigint();
  for (let q = 0; q < queries; q++) {
    const from = first + ((q * 7919) % capacity) * MIN;
    chk += ring.range(from, from + 100 * MIN).length;
  }
  const rangeUs = Number(process.hrtime.bigint() - t0) / 1000 / queries;
  console.log(`BarRing ${capacity} bars: latest(${capacity >> 1}) ${latestUs.toFixed(2)} µs, range(100 bars) ${rangeUs.toFixed(2)} µs, ${ring.memoryBytes()} B (chk ${chk})`);
}
