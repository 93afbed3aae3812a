// Seeded randomness (mulberry32: 32-bit state, fast, and the same seed gives the same sequence
// on every machine). Shared by the simulator and the synthetic tick generator.

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Geometric count of failures before a success with probability p: 0 most often. */
  geometric(p: number): number {
    return Math.floor(Math.log(1 - this.next()) / Math.log(1 - p));
  }

  /** Standard normal (Box-Muller; the second variate is dropped to keep the stream simple). */
  gauss(): number {
    return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
  }

  /** Log-uniform integer in [lo, hi]: many small sizes, a few large ones, like real order sizes. */
  logUniform(lo: number, hi: number): number {
    const v = Math.floor(Math.exp(Math.log(lo) + this.next() * (Math.log(hi + 1) - Math.log(lo))));
    return v < lo ? lo : v > hi ? hi : v;
  }
}
