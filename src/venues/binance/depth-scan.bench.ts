// Bench: Binance depth frames through decode + verify + book + top of book, next to bare JSON.parse.
// Build first (npm run build), then:
//   node /work/shared/research/tardis-bench/gen-binance-depth.cjs 200000 20 /tmp/bd20.jsonl 42
//   node dist/venues/binance/depth-scan.bench.js /tmp/bd20.jsonl [repeats=5]
// Line 1 of the file is the generator's depthSnapshot (stands in for the REST body).
import { readFileSync } from 'node:fs';
import type { MarketEvent } from '../../core/events.js';
import { SyncEngine } from '../../book/sync-engine.js';
import type { DepthUpdate } from '../../book/types.js';
import type { DecodeSink } from '../types.js';
import { binance } from './index.js';
import { DepthScanner } from './depth-scan.js';
import { SPOT } from './market.js';

const file = process.argv[2];
if (!file) throw new Error('usage: depth-scan.bench.js <frames.jsonl> [repeats]');
const repeats = Number(process.argv[3] ?? 5);
const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
const snapshot = (JSON.parse(lines[0]) as { data: { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] } }).data;
// Flat strings, as ws hands them over (Buffer → string), not slices of one big file string.
const frames = lines.slice(1).map((l) => Buffer.from(l).toString());
const N = frames.length;
const meta = { venue: 'binance', connId: 1, recvSeq: 0, localTs: 1_717_200_000_000_000 };

function jsonParse(): number {
  let chk = 0;
  for (let i = 0; i < N; i++) chk += (JSON.parse(frames[i]) as { data: { u: number } }).data.u;
  return chk;
}

function scanOnly(): number {
  const sc = new DepthScanner(SPOT);
  let chk = 0;
  for (let i = 0; i < N; i++) if (sc.scan(frames[i])) chk += sc.update.lastId;
  return chk;
}

/** decode + verify + book update + best bid/ask; `depth` = N of the emitted book_snapshot rows. */
function full(depth: number): () => number {
  return () => {
    let rows = 0;
    let wanted = false;
    const engine = new SyncEngine({
      venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', depth, rule: binance.bookRule,
      emit: (ev: MarketEvent) => { if (ev.type === 'book_snapshot') rows++; },
      requestSnapshot: () => { wanted = true; },
      now: () => 0,
    });
    const decoder = binance.createDecoder({ venue: 'binance', symbols: new Map([['BTCUSDT', 'BTC/USDT']]) });
    let chk = 0;
    const sink: DecodeSink = {
      event: () => {},
      depth: (_s: string, u: DepthUpdate) => {
        engine.onDiff(u);
        const b = engine.book;
        chk += b.bestBidPrice - b.bestAskPrice;
      },
      reject: (reason) => { throw new Error(reason); },
      control: () => {},
      snapshot: () => {},
      checksum: () => {},
    };
    engine.onConnected();
    for (let i = 0; i < N; i++) {
      decoder.decode(frames[i], meta, sink);
      if (wanted) { wanted = false; engine.onSnapshot({ lastUpdateId: snapshot.lastUpdateId, ts: 0, bids: snapshot.bids, asks: snapshot.asks }, 0); }
    }
    if (engine.state !== 'SYNCED' || engine.counters.gaps !== 0) throw new Error(`not synced: ${engine.state}`);
    return chk + rows;
  };
}

function time(label: string, fn: () => number, base?: number): number {
  const r: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const t0 = process.hrtime.bigint();
    fn();
    r.push(N / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  r.sort((a, b) => a - b);
  const med = r[r.length >> 1];
  console.log(`${label.padEnd(58)} ${Math.round(med).toString().padStart(9)} msg/s${base ? `  ${(med / base).toFixed(2)}x JSON.parse` : ''}`);
  return med;
}

const base = time('JSON.parse only', jsonParse);
time('depth scan only', scanOnly, base);
time('decode + verify + book + BBO (book_snapshot depth 1)', full(1), base);
time('decode + verify + book + BBO (book_snapshot depth 10)', full(10), base);
