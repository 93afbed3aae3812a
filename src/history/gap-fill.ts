// Gap filling: a bar the venue did not send between two bars it did is forward-filled from the
// last close (O=H=L=C, volume 0, trades 0, synthetic) — a 3-minute hole between 1m bars, i.e.
// bars at 10:00 and 10:03, gives the 2 synthetic bars 10:01 and 10:02. Holes before the first
// bar have no close to fill from and are left alone, as are holes after the last bar (the venue
// may still deliver them).
import { flatBar, type Bar } from './bar.js';

export interface FillResult {
  bars: Bar[];
  /** Synthetic bars inserted. */
  filled: number;
}

/** Inserts synthetic bars into the interior holes of `bars` (sorted by ts, one per open time). */
export function fillGaps(bars: readonly Bar[], timeframeMs: number): FillResult {
  const step = timeframeMs * 1000;
  const out: Bar[] = [];
  let filled = 0;
  for (let i = 0; i < bars.length; i++) {
    const bar = bars[i];
    if (i > 0) {
      const prev = out[out.length - 1];
      for (let t = prev.ts + step; t < bar.ts; t += step) {
        out.push(flatBar(t, prev.close));
        filled++;
      }
    }
    out.push(bar);
  }
  return { bars: out, filled };
}
