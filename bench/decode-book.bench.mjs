// Decode + verify + book update + top-of-book on the same Binance depth frames, side by side in
// one run: bare JSON.parse of the frames, marketfeed, tardis-dev 13.35.3 and ccxt 4.5.84.
// Frames: ../shared/research/tardis-bench/gen-binance-depth.cjs (20 level changes a frame).
// usage: node bench/decode-book.bench.mjs [frames=200000] [repeats=5]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binance } from '../dist/venues/binance/index.js';
import { SyncEngine } from '../dist/book/sync-engine.js';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.argv[2] ?? 200_000);
const REPEATS = Number(process.argv[3] ?? 5);

const generator = join(root, '..', 'shared', 'research', 'tardis-bench', 'gen-binance-depth.cjs');
if (!existsSync(generator)) {
  console.error(`bench: frame generator not found at ${generator} (shared/ must sit beside the repo)`);
  process.exit(2);
}
mkdirSync(join(root, '.bench'), { recursive: true });
const file = join(root, '.bench', `binance-depth-${N}.jsonl`);
if (!existsSync(file)) execFileSync(process.execPath, [generator, String(N), '20', file, '42'], { stdio: 'ignore' });
const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
const snapshotLine = JSON.parse(lines[0]).data;
// Every frame as its own flat string, the way `ws` hands a received frame over (slices of one big
// file string parse slower, for every contender alike).
const frames = lines.slice(1).map((l) => Buffer.from(l, 'utf8').toString('utf8'));
const M = frames.length;
const avgBytes = frames.reduce((s, f) => s + f.length, 0) / M;

function timeit(fn) {
  fn(); // warm-up: JIT and first touch
  const rates = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    rates.push(M / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  rates.sort((a, b) => a - b);
  return rates[rates.length >> 1];
}

const results = [];
function report(label, rate, note = '') {
  results.push({ label, rate });
  const base = results[0].rate;
  console.log(`${label.padEnd(58)} ${Math.round(rate).toLocaleString('en-US').padStart(10)} msg/s  ${(rate / base).toFixed(2)}x${note ? '  ' + note : ''}`);
}

console.log(`node ${process.version}, ${M.toLocaleString('en-US')} frames, ${avgBytes.toFixed(0)} B/frame avg, 20 level changes/frame, median of ${REPEATS}`);

// 1. the floor every JS implementation has to beat: parse the frame, read one field
report('JSON.parse only', timeit(() => {
  let sink = 0;
  for (let i = 0; i < M; i++) sink += JSON.parse(frames[i]).data.u;
  return sink;
}));

// 2. marketfeed: scanner/guard + U/u verify + book apply + top-of-book per frame
function marketfeed(depth) {
  const snapshot = { lastUpdateId: snapshotLine.lastUpdateId, ts: 0, bids: snapshotLine.bids, asks: snapshotLine.asks };
  let rows = 0;
  let top = 0;
  const engine = new SyncEngine({
    venue: 'binance', symbol: 'BTC/USDT', venueSymbol: 'BTCUSDT', depth, rule: binance.bookRule,
    emit: (ev) => { if (ev.type === 'book_snapshot') rows++; },
    requestSnapshot: () => {},
  });
  const decoder = binance.createDecoder({ venue: 'binance', symbols: new Map([['BTCUSDT', 'BTC/USDT']]) });
  const sink = {
    event() {},
    depth(_v, u) { engine.onDiff(u); },
    reject(reason) { throw new Error(`bench frame rejected: ${reason}`); },
    control() {},
  };
  const meta = { venue: 'binance', connId: 1, recvSeq: 0, localTs: 1_700_000_000_000_000 };
  engine.onConnected();
  engine.onSnapshot(snapshot, meta.localTs);
  return () => {
    for (let i = 0; i < M; i++) {
      meta.recvSeq = i + 1;
      decoder.decode(frames[i], meta, sink);
      top += engine.book.bestBidPrice - engine.book.bestAskPrice;
    }
    if (engine.state !== 'SYNCED') throw new Error(`book not synced at the end: ${engine.state}`);
    return rows + top;
  };
}
// Each timed pass replays the same frames: the engine sees them as stale after the first pass,
// so a fresh engine is built per pass (outside the loop cost is negligible: one snapshot load).
report('marketfeed decode+verify+apply+BBO (book_snapshot d1)', timeit(() => marketfeed(1)()));
report('marketfeed ... with top-20 book rows (recorder setting)', timeit(() => marketfeed(20)()));

// 3. tardis-dev 13.35.3: normalizer + OrderBook + BBO (same shape as research/tardis-bench/bench.cjs)
{
  const { normalizeBookChanges, OrderBook } = require('tardis-dev');
  const LOCAL_TS = new Date('2024-06-01T00:00:00.000Z');
  report('tardis-dev 13.35.3 JSON.parse+map+OrderBook.update+BBO', timeit(() => {
    const mapper = normalizeBookChanges('binance', LOCAL_TS);
    const book = new OrderBook();
    let chk = 0;
    for (const bc of mapper.map(JSON.parse(lines[0]), LOCAL_TS)) book.update(bc);
    for (let i = 0; i < M; i++) {
      const msg = JSON.parse(frames[i]);
      for (const bc of mapper.map(msg, LOCAL_TS)) {
        book.update(bc);
        chk += book.bestBid().price - book.bestAsk().price;
      }
    }
    return chk;
  }));
}

// 4. ccxt 4.5.84 pro binance: Client.onMessage (parse + handleMessage + book), no socket
{
  const ccxt = require('ccxt');
  const ex = new ccxt.pro.binance({ enableRateLimit: false });
  ex.setMarkets([{ id: 'BTCUSDT', lowercaseId: 'btcusdt', symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', baseId: 'BTC', quoteId: 'USDT', type: 'spot', spot: true, margin: false, swap: false, future: false, option: false, contract: false, active: true, precision: { price: 0.01, amount: 0.00000001 }, limits: {} }]);
  const client = ex.client('wss://127.0.0.1:1/stream/ws/0');
  report('ccxt 4.5.84 client.onMessage (parse+book)', timeit(() => {
    const ob = ex.orderBook({}, 1000);
    const snap = ex.parseOrderBook(snapshotLine, 'BTC/USDT');
    snap.nonce = snapshotLine.lastUpdateId;
    ob.reset(snap);
    ex.orderbooks['BTC/USDT'] = ob;
    let chk = 0;
    for (let i = 0; i < M; i++) {
      client.onMessage({ data: frames[i] });
      chk += ob.bids[0][0] - ob.asks[0][0];
    }
    return chk;
  }));
}

export const decodeBookResults = results;
