// Combining local candles (built from captured trades) with the exchange's: local bars are
// preferred, holes (and local synthetic bars) are filled from the exchange, and every bar both
// sides have is compared — each field that differs by more than the tolerance is reported, so a
// capture that missed trades, or a venue that revised a bar, is visible rather than averaged away.
import type { Bar } from './bar.js';

export interface CombineOptions {
  /** Relative tolerance for open/high/low/close (default 1e-9: equal up to float noise). */
  priceTolerance?: number;
  /** Relative tolerance for volume (default 1e-9). */
  volumeTolerance?: number;
}

export type BarField = 'open' | 'high' | 'low' | 'close' | 'volume';

export interface BarMismatch {
  /** Bar open, epoch µs. */
  ts: number;
  field: BarField;
  local: string;
  exchange: string;
  /** |local − exchange| / max(|exchange|, tiny). */
  relDiff: number;
}

export interface CombineResult {
  bars: Bar[];
  fromLocal: number;
  fromExchange: number;
  /** Bars present on both sides (both real). */
  overlapping: number;
  /** Open times of the overlapping bars. */
  overlappingTs: number[];
  /** Open times of the bars taken from `local`. */
  localTs: number[];
  mismatches: BarMismatch[];
}

const PRICE_FIELDS: readonly BarField[] = ['open', 'high', 'low', 'close'];

function relDiff(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (x === y) return 0;
  return Math.abs(x - y) / Math.max(Math.abs(y), Number.MIN_VALUE);
}

/** Merges two bar series of one timeframe (each sorted by ts, one bar per open time). */
export function combineCandles(local: readonly Bar[], exchange: readonly Bar[], opts: CombineOptions = {}): CombineResult {
  const priceTol = opts.priceTolerance ?? 1e-9;
  const volumeTol = opts.volumeTolerance ?? 1e-9;
  const result: CombineResult = { bars: [], fromLocal: 0, fromExchange: 0, overlapping: 0, overlappingTs: [], localTs: [], mismatches: [] };
  let i = 0;
  let j = 0;
  while (i < local.length || j < exchange.length) {
    const l = i < local.length ? local[i] : undefined;
    const x = j < exchange.length ? exchange[j] : undefined;
    if (x === undefined || (l !== undefined && l.ts < x.ts)) {
      result.bars.push(l!);
      result.localTs.push(l!.ts);
      result.fromLocal++;
      i++;
    } else if (l === undefined || x.ts < l.ts) {
      result.bars.push(x);
      result.fromExchange++;
      j++;
    } else {
      if (l.synthetic && !x.synthetic) {
        result.bars.push(x);
        result.fromExchange++;
      } else {
        result.bars.push(l);
        result.localTs.push(l.ts);
        result.fromLocal++;
        if (!l.synthetic && !x.synthetic) {
          result.overlapping++;
          result.overlappingTs.push(l.ts);
          for (const f of PRICE_FIELDS) compare(result.mismatches, l, x, f, priceTol);
          compare(result.mismatches, l, x, 'volume', volumeTol);
        }
      }
      i++;
      j++;
    }
  }
  return result;
}

function compare(out: BarMismatch[], l: Bar, x: Bar, field: BarField, tolerance: number): void {
  const d = relDiff(l[field], x[field]);
  if (d > tolerance) out.push({ ts: l.ts, field, local: l[field], exchange: x[field], relDiff: d });
}
