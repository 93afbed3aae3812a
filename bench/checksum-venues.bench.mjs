// Book update + checksum rate per venue, next to Binance: each venue's real cryptofeed capture
// (../shared/fixtures/cryptofeed) fed through FeedCore — decoder, sync engine, book, checksum —
// exactly as live capture runs it, repeated until about a second has passed.
// usage: node bench/checksum-venues.bench.mjs [seconds-per-venue=1]
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FeedCore } from '../dist/venues/feed-core.js';
import { getVenue } from '../dist/venues/index.js';
import { parseCryptofeedLine, guessUnified } from '../dist/replay/cryptofeed.js';
import { restSymbol } from '../dist/replay/replay.js';
import { silentLogger } from '../dist/core/log.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CF = join(root, '..', 'shared', 'fixtures', 'cryptofeed');
const SECONDS = Number(process.argv[2] ?? 1);

const CASES = [
  ['binance', 'BINANCE.ws.1.0', 'BINANCE.http.0.0', 'sequence ids (U/u), REST snapshot'],
  ['kraken', 'KRAKEN.ws.50.0', undefined, 'CRC32 top 10 on every update, depth 1000'],
  ['okx', 'OKX.ws.1.0', undefined, 'CRC32 top 25 on every update, 400 levels'],
  ['bitget', 'BITGET.ws.1.0', undefined, 'CRC32 top 25 on every update'],
  ['bitfinex', 'BITFINEX.ws.11.0', undefined, 'P0 books; the capture has no cs frames'],
];

function load(venue, wsFile, httpFile) {
  const frames = [];
  for (const file of [wsFile, httpFile].filter(Boolean)) {
    const conn = { id: 0, seq: 0 };
    for (const line of readFileSync(join(CF, file), 'utf8').split('\n')) {
      const f = parseCryptofeedLine(line, venue, conn);
      if (f) frames.push(f);
    }
  }
  frames.sort((a, b) => a.localTs - b.localTs || (a.dir === 'rest' ? -1 : b.dir === 'rest' ? 1 : 0));
  return frames;
}

function symbolsOf(spec, frames) {
  const out = new Set();
  for (const f of frames) {
    const named = f.dir === 'conn' ? spec.planFromUrl?.(f.url)?.venueSymbols : f.dir === 'out' ? spec.subscribedSymbols?.(f.data) : undefined;
    for (const v of named ?? []) {
      const s = guessUnified(spec, v);
      if (s) out.add(s);
    }
  }
  return [...out];
}

function runOnce(spec, symbols, frames) {
  const core = new FeedCore({
    spec, symbols, kinds: ['trades', 'book', 'quote', 'derivative'], depth: 20, plans: [], log: silentLogger,
    requestSnapshot: () => {}, handlers: { event: () => {} },
  });
  for (const f of frames) {
    if (f.dir !== 'rest') core.onFrame(f);
    else {
      const v = restSymbol(f.url);
      if (v && core.symbolOf(v) && !core.onRestFrame(f, v)) core.onSnapshotBody(v, f.data, f.localTs, true);
    }
  }
  return core.stats();
}

/** Runs `fn` once to warm up, then for SECONDS: passes per second. */
function time(fn) {
  fn();
  let passes = 0;
  const t0 = process.hrtime.bigint();
  let el = 0;
  while (el < SECONDS) {
    fn();
    passes++;
    el = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  return passes / el;
}

const fmt = (n) => Math.round(n).toLocaleString('en-US').padStart(12);

/** A text-frame capture through FeedCore, next to bare JSON.parse of the same frames. */
function reportText(label, spec, symbols, frames, what) {
  const once = runOnce(spec, symbols, frames);
  const updates = once.reduce((n, s) => n + s.applied, 0);
  const ours = time(() => runOnce(spec, symbols, frames));
  const bare = time(() => {
    for (const f of frames) if (f.dir === 'in') JSON.parse(f.data);
  });
  console.log(`${label.padEnd(10)} ${fmt(updates * ours)} ${fmt(0)} ${fmt(frames.length * ours)}  ${updates}, 0, ${once[0].gaps} — ${what}`);
  console.log(`${''.padEnd(10)} bare JSON.parse of the same frames: ${fmt(frames.length * bare).trim()} frames/s; ours ${(ours / bare).toFixed(2)}×`);
}

/**
 * Two seconds of a simulator mode, kept as the recorder keeps them: RawFrames on one socket
 * (binary ones as base64), an open mark first. `subscribe(ws)` sends the venue's subscribe frames;
 * `restPath`, fetched 200 ms in, adds a REST book body.
 */
async function simCapture(venue, symbols, { subscribe, restPath, socketUrl }) {
  const { default: WebSocket } = await import('ws');
  const { startSim } = await import('../dist/sim/index.js');
  const sim = await startSim({ venue, symbols, seed: 1, diffIntervalMs: 5 });
  const url = socketUrl ? await socketUrl(sim) : sim.wsUrl;
  const frames = [{ venue, connId: 1, recvSeq: 0, localTs: 1, dir: 'conn', data: `open ${url} plan=0:book`, url }];
  const ws = new WebSocket(url);
  await new Promise((r) => ws.once('open', r));
  ws.on('message', (d, binary) => {
    const f = { venue, connId: 1, recvSeq: frames.length, localTs: frames.length + 1, dir: 'in', data: binary ? d.toString('base64') : d.toString(), url };
    if (binary) f.binary = true;
    frames.push(f);
  });
  subscribe(ws);
  if (restPath) {
    await new Promise((r) => setTimeout(r, 200));
    const restUrl = sim.restUrl + restPath;
    frames.push({ venue, connId: 0, recvSeq: 0, localTs: frames.length + 1, dir: 'rest', data: await (await fetch(restUrl)).text(), url: restUrl });
  }
  await new Promise((r) => setTimeout(r, 2000));
  ws.terminate();
  await sim.stop();
  return frames;
}

console.log(`${'venue'.padEnd(10)} ${'updates/s'.padStart(12)} ${'checksums/s'.padStart(12)} ${'frames/s'.padStart(12)}  per pass: updates, checksums, gaps — what is verified`);
for (const [venue, ws, http, what] of CASES) {
  const spec = getVenue(venue);
  const frames = load(venue, ws, http);
  const symbols = symbolsOf(spec, frames);
  const once = runOnce(spec, symbols, frames); // warm-up, and the per-pass counts
  const updates = once.reduce((n, s) => n + s.applied, 0);
  const checks = once.reduce((n, s) => n + s.checksumChecks, 0);
  const gaps = once.reduce((n, s) => n + s.gaps, 0);
  let passes = 0;
  const t0 = process.hrtime.bigint();
  let el = 0;
  while (el < SECONDS) {
    runOnce(spec, symbols, frames);
    passes++;
    el = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  console.log(`${venue.padEnd(10)} ${fmt((updates * passes) / el)} ${fmt((checks * passes) / el)} ${fmt((frames.length * passes) / el)}  ${updates}, ${checks}, ${gaps} — ${what}`);
}

// BingX (no cryptofeed capture): two seconds of the simulator's `bingx` mode — gzip binary frames
// of an incrDepth book (1000 levels, lastUpdateId +1 chain) and trades — kept as RawFrames the way
// the recorder keeps them (base64, binary), then fed through FeedCore like the captures above and
// compared with bare base64 → gunzip → JSON.parse of the same frames.
{
  const { gunzipSync } = await import('node:zlib');
  const spec = getVenue('bingx');
  const frames = (await simCapture('bingx', ['BTC/USDT'], {
    subscribe: (ws) => {
      for (const t of ['incrDepth', 'trade']) ws.send(JSON.stringify({ id: t, reqType: 'sub', dataType: `BTC-USDT@${t}` }));
    },
  })).filter((f) => f.dir !== 'in' || f.binary);
  const once = runOnce(spec, ['BTC/USDT'], frames);
  const updates = once.reduce((n, s) => n + s.applied, 0);
  const ours = time(() => runOnce(spec, ['BTC/USDT'], frames));
  const bare = time(() => {
    for (const f of frames) if (f.binary) JSON.parse(gunzipSync(Buffer.from(f.data, 'base64')).toString('utf8'));
  });
  console.log(`${'bingx'.padEnd(10)} ${fmt(updates * ours)} ${fmt(0)} ${fmt(frames.length * ours)}  ${updates}, 0, ${once[0].gaps} — lastUpdateId +1 chain, gzip frames (sim capture)`);
  console.log(`${''.padEnd(10)} bare base64 → gunzip → JSON.parse of the same frames: ${fmt(frames.length * bare).trim()} frames/s; ours ${(ours / bare).toFixed(2)}×`);
}

// Bybit v5 (no cryptofeed capture of the v5 protocol): two seconds of the simulator's
// `bybit-linear` mode — orderbook.200 snapshot + deltas (u chain, seq cross check) and trades —
// fed through FeedCore like the captures above, next to bare JSON.parse of the same frames.
{
  const spec = getVenue('bybit-linear');
  const frames = await simCapture('bybit-linear', ['BTC/USDT:USDT'], {
    subscribe: (ws) => ws.send(JSON.stringify({ op: 'subscribe', args: ['orderbook.200.BTCUSDT', 'publicTrade.BTCUSDT'] })),
  });
  reportText('bybit', spec, ['BTC/USDT:USDT'], frames, 'u +1 chain and seq cross check, depth 200 (sim capture)');
}

// Coinbase Advanced Trade (no capture of the Advanced Trade feed: cryptofeed's COINBASE file is
// the old Pro feed): two seconds of the simulator's `coinbase` mode — a level2 snapshot then
// updates verified by the connection's sequence_num, market_trades, ticker and heartbeats on one
// socket — fed through FeedCore like the captures above, next to bare JSON.parse of the same frames.
{
  const spec = getVenue('coinbase');
  const frames = await simCapture('coinbase', ['BTC/USD'], {
    subscribe: (ws) => {
      for (const channel of ['level2', 'market_trades', 'ticker']) ws.send(JSON.stringify({ type: 'subscribe', product_ids: ['BTC-USD'], channel }));
      ws.send(JSON.stringify({ type: 'subscribe', channel: 'heartbeats' }));
    },
  });
  reportText('coinbase', spec, ['BTC/USD'], frames, 'connection sequence_num chain, level2 full book (sim capture)');
}

// MEXC spot (no capture of the protobuf feed): two seconds of the simulator's `mexc` mode —
// aggregated depth pushes (fromVersion/toVersion chain) bridged to a REST snapshot, deals and the
// book ticker, all binary PushDataV3ApiWrapper frames kept as the recorder keeps them — fed
// through FeedCore like the captures above. Next to it, over the same frames (base64 included in
// all three): protobufjs decoding them with reflection types of the same messages (the "protobuf
// decoder alone", src/venues/mexc/proto.ts), and our hand reader alone (spot-wire.ts), the two
// ways of decoding the brief asked us to measure.
{
  const { wrapperType } = await import('../dist/venues/mexc/proto.js');
  const { SpotFrame, SpotWireReader } = await import('../dist/venues/mexc/spot-wire.js');
  const spec = getVenue('mexc');
  const topics = ['depth', 'deals', 'bookTicker'].map((k) => `spot@public.aggre.${k}.v3.api.pb@100ms@BTCUSDT`);
  const frames = (await simCapture('mexc', ['BTC/USDT'], {
    subscribe: (ws) => ws.send(JSON.stringify({ method: 'SUBSCRIPTION', params: topics })),
    restPath: '/api/v3/depth?symbol=BTCUSDT&limit=1000',
  })).filter((f) => f.dir !== 'in' || f.binary);
  const symbols = ['BTC/USDT'];
  const binary = frames.filter((f) => f.binary);
  const once = runOnce(spec, symbols, frames);
  const updates = once.reduce((n, s) => n + s.applied, 0);
  const ours = time(() => runOnce(spec, symbols, frames));
  // a pass also builds the core and loads the 1,000-level REST book: time that alone and take it
  // out, so `frames` below is what the binary pushes cost through FeedCore on a loaded book
  const setupOnly = frames.filter((f) => !f.binary);
  const setup = time(() => runOnce(spec, symbols, setupOnly));
  const perPass = 1 / ours - 1 / setup;
  const type = wrapperType();
  const reflection = time(() => {
    for (const f of binary) type.decode(Buffer.from(f.data, 'base64'));
  });
  const reader = new SpotWireReader();
  const out = new SpotFrame();
  const hand = time(() => {
    for (const f of binary) reader.read(Buffer.from(f.data, 'base64'), out);
  });
  console.log(`${'mexc'.padEnd(10)} ${fmt(updates / perPass)} ${fmt(0)} ${fmt(binary.length / perPass)}  ${updates}, 0, ${once[0].gaps} — fromVersion/toVersion chain over a REST snapshot, protobuf frames (sim capture; snapshot load excluded)`);
  console.log(`${''.padEnd(10)} protobufjs reflection decode of the same frames: ${fmt(binary.length * reflection).trim()} frames/s; ours (decode + verify + book) ${(1 / perPass / reflection).toFixed(2)}×`);
  console.log(`${''.padEnd(10)} our hand reader alone (spot-wire.ts): ${fmt(binary.length * hand).trim()} frames/s, ${(hand / reflection).toFixed(2)}× the reflection decode`);
}

// KuCoin: the 2021 spot capture (level2 bridged per change to its REST snapshots, the ticker's best
// bid/ask checked at the same sequence) and two seconds of the simulator's `kucoin-futures` mode
// (level2 +1 chain, executions, tickerV2), each through FeedCore next to bare JSON.parse of the same
// text frames. Futures sockets open on a bullet-token URL, as the recorder's do.
{
  const report = (venue, symbols, frames, what) => {
    const spec = getVenue(venue);
    const once = runOnce(spec, symbols, frames);
    const updates = once.reduce((n, s) => n + s.applied, 0);
    const checks = once.reduce((n, s) => n + s.quoteChecks, 0);
    const ours = time(() => runOnce(spec, symbols, frames));
    // a pass also builds the core and loads the REST books: time that alone and take it out, so
    // the rate is what the websocket frames cost through FeedCore
    const setup = time(() => runOnce(spec, symbols, frames.filter((f) => f.dir !== 'in')));
    const perPass = 1 / ours - 1 / setup;
    const texts = frames.filter((f) => f.dir === 'in').map((f) => f.data);
    const bare = time(() => {
      for (const t of texts) JSON.parse(t);
    });
    console.log(`${venue.padEnd(10)} ${fmt(updates / perPass)} ${fmt(checks / perPass)} ${fmt(texts.length / perPass)}  ${updates}, ${checks} quote checks, ${once.reduce((n, s) => n + s.gaps, 0)} — ${what}`);
    console.log(`${''.padEnd(10)} bare JSON.parse of the same frames: ${fmt(texts.length * bare).trim()} frames/s; ours ${(1 / perPass / bare).toFixed(2)}× (snapshot loads excluded)`);
  };
  const spot = load('kucoin', 'KUCOIN.ws.1.0', 'KUCOIN.http.0.0');
  report('kucoin', symbolsOf(getVenue('kucoin'), spot), spot, 'sequenceStart/End + per-change sequence over REST snapshots, ticker at the same sequence (2021 capture)');

  const frames = await simCapture('kucoin-futures', ['BTC/USDT:USDT'], {
    // the socket opens on a bullet-token URL, as the recorder's do
    socketUrl: async (sim) => {
      const b = await (await fetch(`${sim.restUrl}/api/v1/bullet-public`, { method: 'POST' })).json();
      return `${b.data.instanceServers[0].endpoint}?token=${b.data.token}&connectId=bench`;
    },
    subscribe: (ws) => {
      for (const t of ['/contractMarket/level2', '/contractMarket/execution', '/contractMarket/tickerV2']) ws.send(JSON.stringify({ id: t, type: 'subscribe', topic: `${t}:XBTUSDTM` }));
    },
    restPath: '/api/v1/level2/snapshot?symbol=XBTUSDTM',
  });
  report('kucoin-futures', ['BTC/USDT:USDT'], frames, 'sequence +1 per message over the REST snapshot, tickerV2 at the same sequence (sim capture)');
}
