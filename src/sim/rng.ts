// Seeded randomness for the market model: the generator lives in core/random.ts; the stateless
// hashes below derive per-symbol seeds and parameters.

export { Rng } from '../core/random.js';

/** A stable 32-bit hash of a string (FNV-1a), to derive per-symbol seeds and parameters. */
export function hash32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Deterministic uniform [0, 1) for a (seed, key, index) triple, without any state. */
export function hashUnit(seed: number, key: string, index: number): number {
  let h = hash32(key, (seed ^ Math.imul(index | 0, 0x9e3779b1)) >>> 0);
  h ^= Math.floor(index / 4294967296);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}
