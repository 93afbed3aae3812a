// Bench: OrderBook.apply + best bid/ask alone, on pre-decoded updates (no parsing in the loop).
// Build first (npm run build), then:
//   node /work/shared/research/tardis-bench/gen-binance-depth.cjs 200000 20 /tmp/bd20.jsonl 42
//   node dist/book/order-book.bench.js /tmp/bd20.jsonl [repeats=5]
import { readFileSync } from 'node:fs';
import { LevelBatch, pushLevels } from './levels.js';
import { OrderBook } from './order-book.js';

const file = process.argv[2];
if (!file) throw new Error('usage: order-book.bench.js <frames.jsonl> [repeats]');
const repeats = Number(process.argv[3] ?? 5);
const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
const snap = (JSON.parse(lines[0]) as { data: { bids: [string, string][]; asks: [string, string][] } }).data;
const batches: LevelBatch[] = [];
let levelOps = 0;
for (let i = 1; i < lines.length; i++) {
  const d = (JSON.parse(lines[i]) as { data: { b: [string, string][]; a: [string, string][] } }).data;
  const b = new LevelBatch(d.b.length + d.a.length);
  pushLevels(b, 1, d.b);
  pushLevels(b, -1, d.a);
  levelOps += b.length;
  batches.push(b);
}

const rates: number[] = [];
let chk = 0;
let sizes = '';
for (let k = 0; k < repeats; k++) {
  const book = new OrderBook(10);
  book.loadSnapshot(snap.bids, snap.asks);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < batches.length; i++) {
    book.apply(batches[i]);
    chk += book.bestBidPrice - book.bestAskPrice;
  }
  rates.push(batches.length / (Number(process.hrtime.bigint() - t0) / 1e9));
  sizes = `${book.bids.size}/${book.asks.size}`;
}
rates.sort((a, b) => a - b);
const med = rates[rates.length >> 1];
console.log(`OrderBook.apply + BBO: ${Math.round(med)} updates/s, ${(med * levelOps / batches.length / 1e6).toFixed(2)} M level ops/s (final levels bid/ask ${sizes}, chk ${chk.toFixed(0)})`);
