// A market model with some live trading behind it, on a made-up clock, for the history routes'
// tests (imported only by *.test.ts): the routes are pure functions of a SymbolState and `nowMs`.
import { SymbolState } from './symbol-state.js';
import { makeVenueInstrument, type ProtoVenue } from './venue/symbols.js';

export const MIN = 60_000;
/** 2026-01-15 12:00:30 UTC: the model starts half a minute into a minute. */
export const START_MS = Date.UTC(2026, 0, 15, 12, 0, 30);
export const SEED = 5;

/** One symbol of a venue mode, traded for `seconds` from START_MS in 20 ms frames; `nowMs` is the end. */
export function tradedSymbol(venue: ProtoVenue, text: string, seconds: number): { s: SymbolState; nowMs: number } {
  const s = new SymbolState(makeVenueInstrument(text, venue), venue, {
    seed: SEED, levels: 200, truthHistory: 10, truthDepth: 10, startMs: START_MS,
  });
  const end = START_MS + seconds * 1000;
  for (let t = START_MS; t < end; t += 20) {
    s.advance(t);
    s.takeTrades();
  }
  return { s, nowMs: end };
}

export const params = (o: Record<string, string | number>): URLSearchParams =>
  new URLSearchParams(Object.entries(o).map(([k, v]): [string, string] => [k, String(v)]));
