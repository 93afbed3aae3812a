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
  const fmt = (n) => Math.round(n).toLocaleString('en-US').padStart(12);
  console.log(`${venue.padEnd(10)} ${fmt((updates * passes) / el)} ${fmt((checks * passes) / el)} ${fmt((frames.length * passes) / el)}  ${updates}, ${checks}, ${gaps} — ${what}`);
}
