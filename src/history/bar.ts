// Bars in history/: the Bar type (core/bar.ts, shared with storage/ which writes them) and the flat
// bar gap filling and empty live bars make.
import type { Bar } from '../core/bar.js';

export type { Bar } from '../core/bar.js';

/** A flat bar at `price`, as gap filling and empty live bars make. */
export function flatBar(ts: number, price: string): Bar {
  return { ts, open: price, high: price, low: price, close: price, volume: '0', trades: 0, synthetic: true };
}
