// Bench: Kraken frames through the decoder next to bare JSON.parse (no timed assertions anywhere).
// Build first (npm run build), then: node dist/venues/kraken/decode.bench.js [repeats=5]
//   v1: every received frame of the 2021 capture (cryptofeed/KRAKEN.ws.50.0, depth-1000 books)
//   v2: 200k book updates of 1–4 levels built from the BTC/USD doc book (seeded, deterministic)
// The v2 path pays for the lossless parse (json-lossless.ts) that JSON.parse cannot replace on
// Node 20 (no reviver `context.source`), plus padding to the pair precision.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DecodeSink } from '../types.js';
import { kraken } from './index.js';

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures', import.meta.url));
const repeats = Number(process.argv[2] ?? 5);

const v1Frames = readFileSync(join(FIXTURES, 'cryptofeed/KRAKEN.ws.50.0'), 'utf8').split('\n')
  .filter((l) => l !== '' && !l.startsWith('wss://')).map((l) => Buffer.from(l.slice(l.indexOf(': ') + 2)).toString());

let seed = 42;
const rand = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
const v2Frames: string[] = [];
for (let i = 0; i < 200_000; i++) {
  const n = 1 + Math.floor(rand() * 4);
  const lv = (base: number, dir: number): string => `{"price":${(base + dir * Math.floor(rand() * 200) / 10).toFixed(1)},"qty":${rand() < 0.2 ? '0' : (rand() * 3).toFixed(8)}}`;
  const bids = Array.from({ length: n >> 1 }, () => lv(45283.5, -1)).join(',');
  const asks = Array.from({ length: n - (n >> 1) }, () => lv(45285.2, 1)).join(',');
  v2Frames.push(Buffer.from(`{"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[${bids}],"asks":[${asks}],"checksum":${Math.floor(rand() * 4e9)},"timestamp":"2023-10-06T17:35:55.440295Z"}]}`).toString());
}
const INSTRUMENT = '{"channel":"instrument","type":"snapshot","data":{"assets":[],"pairs":[{"symbol":"BTC/USD","price_precision":1,"qty_precision":8}]}}';

let sink_n = 0;
const sink: DecodeSink = {
  event: () => { sink_n++; }, depth: (_s, u) => { sink_n += u.levels.length; }, reject: () => { sink_n--; },
  control: () => {}, snapshot: (_s, s) => { sink_n += s.bids.length; }, checksum: () => {},
};
const meta = { venue: 'kraken', connId: 1, recvSeq: 0, localTs: 1_700_000_000_000_000 };
const v1Symbols = new Map(['WAVES/EUR', 'XMR/USD', 'KSM/BTC', 'GRT/ETH', 'SC/EUR', 'ETH/CHF', 'OCEAN/BTC', 'OMG/USD', 'BTC/CHF', 'ADA/BTC'].map((s) => [s, s]));

function rate(name: string, frames: string[], run: () => void): void {
  const rates: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    run();
    rates.push(frames.length / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  rates.sort((a, b) => a - b);
  console.log(`${name.padEnd(34)} ${Math.round(rates[rates.length >> 1]).toLocaleString('en')} msg/s (median of ${repeats})`);
}

for (const [label, frames, symbols, prelude] of [['v1 capture', v1Frames, v1Symbols, []], ['v2 updates', v2Frames, new Map([['BTC/USD', 'BTC/USD']]), [INSTRUMENT]]] as const) {
  rate(`${label}: JSON.parse`, frames, () => { for (const f of frames) sink_n += (JSON.parse(f) as unknown[]).length | 0; });
  rate(`${label}: kraken decode`, frames, () => {
    const d = kraken.createDecoder({ venue: 'kraken', symbols });
    for (const p of prelude) d.decode(p, meta, sink);
    for (const f of frames) d.decode(f, meta, sink);
  });
}
console.log(`(checksum of outputs: ${sink_n})`);
