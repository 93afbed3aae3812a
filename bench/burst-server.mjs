// A burst source for bench/e2e.bench.mjs (run as its own process): a Binance-spot-shaped server
// that, on request, pushes N depth diffs (combined-stream frames, ~260 B, a valid U/u chain on one
// book) to every connected socket as fast as the sockets drain, then sends a websocket ping and
// reports when the pong came back. A client answers a ping only after it has handled every frame
// before it, so the pong marks the moment the client has processed the whole burst.
// usage: node bench/burst-server.mjs [frames=100000]  -> prints {"port":N} on stdout
// GET /api/v3/exchangeInfo, /api/v3/depth: what `marketfeed record` asks before streaming
// GET /_ctl/burst: runs one burst; answers {"frames","ms","sockets"} once every socket has ponged
// GET /_ctl/paced?rate=R&frames=M: sends M frames (default N) at R frames/s, in 1 ms slices
import http from 'node:http';
import { WebSocketServer } from 'ws';

const N = Number(process.argv[2] ?? 100_000);
const SYMBOL = 'BTCUSDT';
const STREAM = 'btcusdt@depth@100ms';
const WARMUP = 20;

// A deterministic book walk: prices 30000.00 ± 5.00 in cents, quantities with 8 decimals.
let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
const price = (cents) => (cents / 100).toFixed(2);
const qty = () => (rand() < 0.15 ? '0.00000000' : (rand() * 3).toFixed(8));
const levels = (lo, hi) => {
  const n = 1 + Math.floor(rand() * 4);
  const out = [];
  for (let i = 0; i < n; i++) out.push(`["${price(lo + Math.floor(rand() * (hi - lo)))}","${qty()}"]`);
  return out.join(',');
};
const SNAPSHOT_ID = 1_000_000;
const snapshot = { lastUpdateId: SNAPSHOT_ID, bids: [], asks: [] };
for (let i = 0; i < 100; i++) {
  snapshot.bids.push([price(2_999_999 - i * 5), (1 + rand()).toFixed(8)]);
  snapshot.asks.push([price(3_000_001 + i * 5), (1 + rand()).toFixed(8)]);
}
const frames = [];
let id = SNAPSHOT_ID;
const t0 = Date.now();
for (let i = 0; i < WARMUP + N; i++) {
  const U = id + 1;
  const u = U + Math.floor(rand() * 3);
  id = u;
  const E = t0 + i;
  frames.push(`{"stream":"${STREAM}","data":{"e":"depthUpdate","E":${E},"s":"${SYMBOL}","U":${U},"u":${u},` +
    `"b":[${levels(2_999_500, 2_999_999)}],"a":[${levels(3_000_001, 3_000_500)}]}}`);
}
const bytes = frames.reduce((n, f) => n + f.length, 0);

const sockets = new Set();
const wss = new WebSocketServer({ noServer: true });
const json = (res, body, status = 200) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (url.pathname === '/api/v3/exchangeInfo') {
    return json(res, {
      timezone: 'UTC', serverTime: Date.now(),
      rateLimits: [{ rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: 6000 }],
      symbols: [{ symbol: SYMBOL, status: 'TRADING', baseAsset: 'BTC', quoteAsset: 'USDT', filters: [
        { filterType: 'PRICE_FILTER', minPrice: '0.01', maxPrice: '1000000.00', tickSize: '0.01' },
        { filterType: 'LOT_SIZE', minQty: '0.00000001', maxQty: '9000.00000000', stepSize: '0.00000001' },
      ] }],
    });
  }
  if (url.pathname === '/api/v3/depth') return json(res, snapshot);
  if (url.pathname === '/_ctl/burst') return burst(res);
  if (url.pathname === '/_ctl/paced') return paced(res, Number(url.searchParams.get('rate') ?? 10_000), Number(url.searchParams.get('frames') ?? N));
  json(res, { code: -1121, msg: 'Invalid symbol.' }, 404);
});

function burst(res) {
  const targets = [...sockets];
  const started = performance.now();
  let i = WARMUP;
  const pump = () => {
    while (i < frames.length) {
      for (const ws of targets) ws.send(frames[i]);
      i++;
      if (targets.some((ws) => ws.bufferedAmount > 1 << 20)) return void setTimeout(pump, 0);
    }
    let waiting = targets.length;
    for (const ws of targets) {
      ws.once('pong', () => {
        if (--waiting === 0) json(res, { frames: N, bytes, ms: performance.now() - started, sockets: targets.length });
      });
      ws.ping();
    }
  };
  pump();
}

// Frames leave on a schedule (rate per second, checked every ms against the clock), so a slow
// client sees the same arrival times as a fast one.
function paced(res, rate, count) {
  const targets = [...sockets];
  const started = performance.now();
  let i = WARMUP;
  const end = Math.min(frames.length, WARMUP + count);
  const tick = () => {
    const due = Math.min(end, WARMUP + Math.floor(((performance.now() - started) * rate) / 1000));
    for (; i < due; i++) for (const ws of targets) ws.send(frames[i]);
    if (i < end) return void setTimeout(tick, 1);
    json(res, { frames: end - WARMUP, ms: performance.now() - started, sockets: targets.length });
  };
  tick();
}

server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('message', () => {}); // subscriptions are in the URL; anything sent is ignored
    for (let i = 0; i < WARMUP; i++) ws.send(frames[i]);
  });
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port, frames: N, bytes })));
