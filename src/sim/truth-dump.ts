// The simulator's ground truth and injected faults written to a file when it stops (`marketfeed sim
// --truth-out FILE`), so a recorder run against a simulator in another process (the soak,
// scripts/soak.mjs) can be checked as the in-process tests check theirs. Gzip NDJSON:
//   {"venue":…,"venueSymbols":[…],"faults":{kind:count},"gaps":[…],"corruptions":[…],"malformed":n,"disconnects":n,"connFaults":n}
//   {"s":"BTCUSDT","k":<truth key>,"b":[[price,qty],…],"a":[[price,qty],…]}   one per truth entry,
// symbol after symbol, each oldest first. Only what the truth ring still holds (`truthHistory`).
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { SimHandle } from './handle.js';

/** Writes the dump; resolves once the file is complete on disk (rejects on a write error). */
export async function writeTruthDump(sim: SimHandle, path: string): Promise<void> {
  await pipeline(dumpLines(sim), createGzip(), createWriteStream(path));
}

function* dumpLines(sim: SimHandle): Generator<string> {
  const { injected } = sim;
  yield JSON.stringify({
    venue: sim.venue, venueSymbols: sim.venueSymbols, faults: sim.stats().faultsInjected, gaps: injected.gaps,
    corruptions: injected.corruptions, malformed: injected.malformed, disconnects: injected.disconnects,
    connFaults: injected.connFaults.length,
  }) + '\n';
  for (const s of sim.venueSymbols) {
    for (const [k, top] of sim.truth.entries(s)) yield JSON.stringify({ s, k, b: top.bids, a: top.asks }) + '\n';
  }
}
