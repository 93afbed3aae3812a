// Every venue decoder against mutated real frames (truncated, bytes dropped, junk inserted,
// digits and keys changed; seeded): bad input is rejected or ignored, never thrown. FeedCore
// would catch a throw and count it as a reject, so this holds the decoders to the stricter rule.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../test/fixtures.js';
import { Rng } from '../core/random.js';
import { parseCryptofeedLine } from '../replay/cryptofeed.js';
import { VENUE_IDS, getVenue } from './index.js';
import type { DecodeSink } from './types.js';

const CAPTURE: Record<string, string> = {
  binance: 'BINANCE.ws.1.0', 'binance-futures': 'BINANCE_FUTURES.ws.1.0', kraken: 'KRAKEN.ws.50.0', okx: 'OKX.ws.1.0',
  okcoin: 'OKCOIN.ws.1.0', bitget: 'BITGET.ws.1.0', bitfinex: 'BITFINEX.ws.11.0', 'bitfinex-raw': 'BITFINEX.ws.11.0',
};

/** Routes every venue symbol (its own id as the unified symbol), so all frames reach the parsers. */
class AnySymbol extends Map<string, string> {
  override get(key: string): string { return key; }
  override has(): boolean { return true; }
}

function mutate(t: string, rng: Rng): string {
  const i = rng.int(0, t.length - 1);
  switch (rng.int(0, 3)) {
    case 0: return t.slice(0, i);
    case 1: return t.slice(0, i) + t.slice(i + rng.int(1, 5));
    case 2: return t.slice(0, i) + ['"x"', '-1e999', 'null', '[]', '{}', ',', '"', '1.5e-7'][rng.int(0, 7)] + t.slice(i);
    default: return t.replace(/\d/, String(rng.int(0, 9))).replace(/"[a-z]+"/, '"zz"');
  }
}

describe('venue decoders never throw on malformed frames', () => {
  it.each(VENUE_IDS)('%s', (id) => {
    expect(CAPTURE[id], `a capture for ${id}`).toBeDefined();
    const spec = getVenue(id);
    const conn = { id: 0, seq: 0 };
    const frames = readFileSync(join(FIXTURES, 'cryptofeed', CAPTURE[id]), 'utf8').split('\n')
      .map((l) => parseCryptofeedLine(l, id, conn)).filter((f) => f?.dir === 'in').map((f) => f!.data);
    const decoder = spec.createDecoder({ venue: id, symbols: new AnySymbol() });
    let rejects = 0;
    const sink: DecodeSink = { event() {}, depth() {}, reject: () => { rejects++; }, control() {}, snapshot() {}, checksum() {} };
    const rng = new Rng(7);
    for (let k = 0; k < 3000; k++) {
      const text = mutate(frames[rng.int(0, frames.length - 1)], rng);
      expect(() => decoder.decode(text, { venue: id, connId: 1, recvSeq: k, localTs: 1 }, sink), text.slice(0, 200)).not.toThrow();
    }
    expect(rejects).toBeGreaterThan(100);
  });
});
